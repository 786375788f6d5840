"""bench/tune_encoder.py: the grid runs on a few dev documents and prints one block per setting."""

import json
from pathlib import Path

import pytest
import tune_encoder  # bench/ is on the path (conftest.py)

REPO = Path(__file__).resolve().parents[2]


def test_refuses_the_test_split(capsys):
    with pytest.raises(SystemExit):
        tune_encoder.main(["--model", "m", "--data", "annotations/test.jsonl"])
    assert "never on the test split" in capsys.readouterr().err


@pytest.mark.slow
def test_list_thresholds_give_one_block_each_and_reach_the_decisions(tmp_path, capsys, monkeypatch):
    from scomm_nlp.components.stance import StanceComponent

    seen = []
    decide = StanceComponent.decide

    def spy(self, *args, **kwargs):
        seen.append(self.cfg["list_threshold"])
        return decide(self, *args, **kwargs)

    monkeypatch.setattr(StanceComponent, "decide", spy)
    lines = (REPO / "annotations" / "dev.jsonl").read_text(encoding="utf-8").splitlines()[:4]
    data = tmp_path / "dev_part.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert all(json.loads(line)["text"] for line in lines)
    assert tune_encoder.main(["--model", str(REPO / "models" / "scomm_core"), "--data", str(data),
                              "--weights", "0.5", "--thresholds", "0.4", "--list-thresholds", "0.2,none"]) == 0
    out = capsys.readouterr().out
    assert "4 documents" in out
    heads = [line for line in out.splitlines() if line.startswith("all encoders")]
    assert [h.rsplit(", ", 1)[1] for h in heads] == ["list_threshold 0.2", "list_threshold None"]
    cells = [line.split() for line in out.splitlines() if line.startswith("  0.50")]
    assert len(cells) == 2 and all(0.0 <= float(c[2]) <= 1.0 for c in cells)
    assert set(seen) == {0.2, None}  # each block decides with its own bar (None: no spreading)
