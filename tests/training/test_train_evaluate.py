"""End to end: train a tiny NER on a slice of the corpus, evaluate it, load it through the facade."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scomm_nlp
from scomm_nlp.cli import app
from scomm_nlp.training.train import config_path, split_inputs

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def _slice(src: Path, dst: Path, n: int) -> Path:
    lines = src.read_text(encoding="utf-8").splitlines()[:n]
    dst.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return dst


def test_config_and_inputs(tmp_path):
    assert config_path("efficiency").name == "efficiency.cfg"
    with pytest.raises(ValueError, match="no config"):
        config_path("nope")
    (tmp_path / "train.jsonl").write_text("")
    (tmp_path / "dev.jsonl").write_text("")
    (tmp_path / "test.jsonl").write_text("")
    (tmp_path / "kb_links.jsonl").write_text("")  # not an export: a folder contributes train*/dev* only
    train, dev = split_inputs([tmp_path])
    assert [p.name for p in train] == ["train.jsonl"] and [p.name for p in dev] == ["dev.jsonl"]
    with pytest.raises(ValueError, match="dev"):
        split_inputs([tmp_path / "train.jsonl"])


@pytest.mark.slow
def test_tiny_training_run(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _slice(REPO / "annotations" / "train.jsonl", data / "train.jsonl", 40)
    dev = _slice(REPO / "annotations" / "dev.jsonl", data / "dev.jsonl", 8)
    res = runner.invoke(app, ["train", str(data), "--output", str(tmp_path / "out"), "--max-steps", "300"])
    assert res.exit_code == 0, res.output
    best = tmp_path / "out" / "model-best"
    assert (best / "config.cfg").exists()
    res = runner.invoke(app, ["evaluate", str(best), str(dev), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["documents"] == 8
    assert report["entities"]["tp"] + report["entities"]["fn"] > 50
    assert 0.0 < report["entities"]["f"] <= 1.0
    result = scomm_nlp.analyze("Gov. Pat Quinn said Illinois would withdraw from Secure Communities.",
                               model=str(best))
    assert all(e.label in ("GOVERNOR", "OFFICIAL", "AGENCY", "PROGRAM", "JURISDICTION", "GROUP")
               for e in result.entities)
    assert result.entities, "a model trained on 40 documents finds something in a typical sentence"
