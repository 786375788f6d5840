"""The relevance gate: the shipped artefact, persistence, reproducible training, the spaCy factory,
the off-topic data and bad input."""

import json
import math
import pickle
from pathlib import Path

import numpy as np
import pytest
import spacy
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.components.relevance import (
    CAT,
    DEFAULT_GATE_DIR,
    FORMAT_VERSION,
    GateData,
    RelevanceGate,
    choose_threshold,
    evaluate_gate,
    load_default_gate,
    load_gate_data,
    train_default_gate,
    train_gate,
)
from scomm_nlp.data.corpus import split_for_id

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = REPO / "annotations"


@pytest.fixture(scope="module")
def dev():
    return load_gate_data("dev", ANNOTATIONS)


@pytest.fixture(scope="module")
def train_small():
    """A fixed slice of the train split with both classes (fast to fit)."""
    data = load_gate_data("train", ANNOTATIONS)
    pos = [i for i, y in enumerate(data.labels) if y][:60]
    neg = [i for i, y in enumerate(data.labels) if not y][:60]
    small = GateData()
    for i in sorted(pos + neg):
        small.add(data.ids[i], data.texts[i], data.labels[i], data.sources[i])
    return small


@pytest.fixture(scope="module")
def small_gate(train_small, dev):
    return train_gate(train_small, dev, seed=3, target_recall=0.99)


# --- the shipped gate ---------------------------------------------------------------------------

def test_shipped_gate_recall_on_dev_relevant_documents(dev):
    report = evaluate_gate(load_default_gate(), dev)
    assert report["relevant"] >= 70
    assert report["recall"] >= 0.99, f"missed relevant dev documents: {report['missed']}"
    assert report["offtopic_rejected"] >= 0.9


def test_shipped_gate_is_small_and_inside_the_package():
    files = sorted(p.name for p in DEFAULT_GATE_DIR.iterdir())
    assert files == ["gate.json", "weights.npz"]
    assert sum(p.stat().st_size for p in DEFAULT_GATE_DIR.iterdir()) < 1_000_000
    # hatchling ships everything under src/scomm_nlp
    assert DEFAULT_GATE_DIR.resolve().is_relative_to((REPO / "src" / "scomm_nlp").resolve())


@pytest.mark.slow
def test_shipped_gate_matches_a_retrain_on_the_repository_data(tmp_path, dev):
    """Retraining with the shipped settings reproduces the shipped gate: the artefact is not stale."""
    shipped = load_default_gate()
    info = shipped.info
    retrained = train_default_gate(ANNOTATIONS, tmp_path / "gate", seed=info["seed"], C=info["C"],
                                   target_recall=info["target_recall"])
    assert retrained.info["train"]["fingerprint"] == info["train"]["fingerprint"], \
        "annotations changed since the gate was trained: run 'scomm-nlp gate train'"
    assert retrained.threshold == pytest.approx(shipped.threshold, abs=1e-12)
    np.testing.assert_allclose(retrained.predict_proba(dev.texts), shipped.predict_proba(dev.texts), atol=1e-12)


# --- training, threshold, persistence -----------------------------------------------------------

def test_training_is_reproducible(small_gate, train_small, dev):
    again = train_gate(train_small, dev, seed=3, target_recall=0.99)
    assert again.threshold == small_gate.threshold
    assert again.predict_proba(dev.texts) == small_gate.predict_proba(dev.texts)
    assert not np.allclose(again.coef, load_default_gate().coef)  # trained on other data: other weights


def test_save_load_round_trip_gives_identical_probabilities(tmp_path, small_gate, dev):
    gate = small_gate
    loaded = RelevanceGate.load(gate.save(tmp_path / "g"))
    assert loaded.predict_proba(dev.texts) == gate.predict_proba(dev.texts)
    assert loaded.threshold == gate.threshold
    assert loaded.params == gate.params
    assert loaded.version == gate.version != load_default_gate().version
    gate.predict_proba(dev.texts[:1])  # builds the vectorizer, which pickling leaves out
    assert pickle.loads(pickle.dumps(gate)).predict_proba(dev.texts) == gate.predict_proba(dev.texts)


def test_load_refuses_another_format_version(tmp_path):
    folder = load_default_gate().save(tmp_path / "g")
    meta = json.loads((folder / "gate.json").read_text())
    meta["format_version"] = FORMAT_VERSION + 1
    (folder / "gate.json").write_text(json.dumps(meta))
    with pytest.raises(ValueError, match=r"gate\.json: format_version"):
        RelevanceGate.load(folder)
    with pytest.raises(ValueError, match="not a relevance gate folder"):
        RelevanceGate.load(tmp_path / "missing")


def test_threshold_keeps_recall_on_dev(small_gate, dev):
    report = evaluate_gate(small_gate, dev)
    assert report["recall"] >= 0.99
    assert small_gate.info["dev"]["recall"] == report["recall"]


@settings(max_examples=150, deadline=None)
@given(st.lists(st.floats(0.0, 1.0), min_size=1, max_size=60), st.lists(st.floats(0.0, 1.0), max_size=60),
       st.sampled_from([0.9, 0.95, 0.99, 1.0]))
def test_choose_threshold_meets_recall_and_rejects_the_most(pos, neg, target):
    t = choose_threshold(pos, neg, target)
    recall = sum(p >= t for p in pos) / len(pos)
    assert recall >= target - 1e-9
    rejected = sum(n < t for n in neg)
    # no threshold that still meets the recall target rejects more negatives
    for cand in sorted(set(pos)):
        if sum(p >= cand for p in pos) / len(pos) >= target - 1e-9:
            assert sum(n < cand for n in neg) <= rejected


def test_training_needs_both_classes():
    data = GateData()
    data.add(1, "Secure Communities and 287(g).", True, "corpus")
    with pytest.raises(ValueError, match="both relevant and off-topic"):
        train_gate(data)


# --- input checks --------------------------------------------------------------------------------

@pytest.mark.parametrize("bad", [[1], ["ok", None], [b"bytes"], "a single string", 42])
def test_non_text_input_raises_type_error(bad):
    gate = load_default_gate()
    with pytest.raises(TypeError):
        gate.predict_proba(bad)
    with pytest.raises(TypeError):
        gate.is_relevant(bad)


def test_empty_list_and_empty_text():
    gate = load_default_gate()
    assert gate.predict_proba([]) == []
    [p] = gate.predict_proba([""])
    assert 0.0 <= p <= 1.0


def test_bad_data_file_names_file_line_and_field(tmp_path):
    (tmp_path / "dev.jsonl").write_text(json.dumps({"id": 1, "text": "x", "relevant": "yes"}) + "\n"
                                        + json.dumps({"id": 2, "text": "y", "relevant": "maybe"}) + "\n")
    with pytest.raises(ValueError, match=r"dev\.jsonl:2: relevant"):
        load_gate_data("dev", tmp_path)
    (tmp_path / "dev.jsonl").write_text(json.dumps({"id": 1, "text": 5, "relevant": "yes"}) + "\n")
    with pytest.raises(ValueError, match=r"dev\.jsonl:1: text"):
        load_gate_data("dev", tmp_path)


# --- the spaCy component -------------------------------------------------------------------------

@pytest.mark.slow
def test_factory_sets_cats_first_in_pipeline_and_survives_to_disk(tmp_path, dev):
    shipped = load_default_gate()
    custom = RelevanceGate(shipped.coef * 0.5, shipped.intercept + 0.25, 0.6, params=shipped.params)
    custom_dir = custom.save(tmp_path / "custom")
    nlp = spacy.blank("en")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("scomm_relevance", first=True, config={"gate_path": str(custom_dir)})
    assert nlp.pipe_names[0] == "scomm_relevance"
    texts = dev.texts[:6]
    expected = custom.predict_proba(texts)
    assert expected != load_default_gate().predict_proba(texts)
    docs = list(nlp.pipe(texts, batch_size=4))
    assert [d.cats[CAT] for d in docs] == pytest.approx(expected, abs=1e-12)
    assert nlp(texts[0]).cats[CAT] == pytest.approx(expected[0], abs=1e-12)

    nlp.to_disk(tmp_path / "pipeline")
    custom_dir.joinpath("weights.npz").unlink()  # the saved pipeline must not need the original folder
    reloaded = spacy.load(tmp_path / "pipeline")
    assert [d.cats[CAT] for d in reloaded.pipe(texts)] == pytest.approx(expected, abs=1e-12)
    assert reloaded.get_pipe("scomm_relevance").threshold == custom.threshold


def test_factory_defaults_to_the_shipped_gate(dev):
    nlp = spacy.blank("en")
    pipe = nlp.add_pipe("scomm_relevance", config={"threshold": 0.9})
    doc = nlp(dev.texts[0])
    assert doc.cats[CAT] == pytest.approx(load_default_gate().predict_proba([dev.texts[0]])[0])
    assert pipe.threshold == 0.9


# --- the off-topic texts -------------------------------------------------------------------------

def test_offtopic_texts_follow_the_corpus_split_rule():
    records = [json.loads(line) for path in sorted((ANNOTATIONS / "offtopic").glob("offtopic_*.jsonl"))
               for line in path.read_text(encoding="utf-8").splitlines()]
    assert len(records) >= 250
    ids = [r["id"] for r in records]
    assert len(set(ids)) == len(ids)
    assert len({r["text"] for r in records}) == len(records)
    for r in records:
        assert r["meta"]["relevant"] == "no"
        assert r["meta"]["split"] == split_for_id(r["id"]), r["id"]
        assert 60 <= len(r["text"].split()) <= 300, r["id"]
    assert sum(r["meta"]["hard_negative"] for r in records) >= 80


# --- the CLI -------------------------------------------------------------------------------------

def test_cli_gate_evaluate_and_bad_gate_folder(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["gate", "evaluate", "--annotations", str(ANNOTATIONS), "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["recall"] >= 0.99 and report["relevant"] >= 70
    result = runner.invoke(app, ["gate", "evaluate", "--gate", str(tmp_path)])
    assert result.exit_code == 2
    assert "not a relevance gate folder" in result.output
    assert not math.isnan(report["threshold"])
