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


@pytest.mark.slow
def test_a_cell_at_the_components_settings_scores_what_evaluate_scores_with_gold_entities(tmp_path, capsys):
    """The grid decides as the component does, sponsor-line rule included (documents with sponsor lines)."""
    from typer.testing import CliRunner

    from scomm_nlp.cli import app

    lines = [line for line in (REPO / "annotations" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
             if "Sponsor" in json.loads(line)["text"]][:4]
    assert len(lines) == 4
    data = tmp_path / "dev_sponsors.jsonl"
    data.write_text("\n".join(lines) + "\n", encoding="utf-8")
    model = REPO / "models" / "scomm_core"
    cfg = json.loads((model / "scomm_stance" / "cfg.json").read_text(encoding="utf-8"))
    assert cfg["sponsor_lines"]
    assert tune_encoder.main(["--model", str(model), "--data", str(data), "--weights", str(cfg["encoder_weight"]),
                              "--thresholds", str(cfg["threshold"])]) == 0
    cell = next(line.split() for line in capsys.readouterr().out.splitlines() if line.startswith("  0."))
    res = CliRunner().invoke(app, ["evaluate", str(model), str(data), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output[res.output.index("{"):])
    assert float(cell[2]) == pytest.approx(report["stance"]["gold_entities"]["micro"]["f"], abs=1e-3)
