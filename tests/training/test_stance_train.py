"""Training the stance stage: determinism, and end to end through ``scomm-nlp train`` on a small slice."""

import json
from pathlib import Path

import numpy as np
import pytest
import spacy
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.tokenizer import blank_english

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


@pytest.fixture(scope="module")
def train_docs():
    return read_doccano([REPO / "annotations" / "train.jsonl"], strict=True).docs


def test_same_data_and_seed_give_the_same_weights(train_docs):
    from scomm_nlp.training.stance import train_stance

    docs = train_docs[:20]
    weights = []
    for _ in range(2):
        nlp = blank_english()
        weights.append(train_stance(nlp, docs, seed=3).weights)
    assert np.array_equal(weights[0].coef, weights[1].coef)
    assert np.array_equal(weights[0].intercept, weights[1].intercept)
    assert np.count_nonzero(weights[0].coef) > 100


def test_refitting_with_new_settings_writes_them_into_the_saved_config(train_docs, tmp_path):
    from scomm_nlp.training.stance import train_stance

    nlp = blank_english()
    train_stance(nlp, train_docs[:10], seed=0)
    train_stance(nlp, train_docs[:10], seed=0, config={"threshold": 0.45, "encoder_min": 0.3})
    assert nlp.get_pipe("scomm_stance").cfg["threshold"] == 0.45
    nlp.to_disk(tmp_path / "p")
    saved = spacy.util.load_config(tmp_path / "p" / "config.cfg")["components"]["scomm_stance"]
    assert (saved["threshold"], saved["encoder_min"]) == (0.45, 0.3)


def test_training_needs_relations(train_docs):
    from scomm_nlp.training.stance import train_stance

    docs = [d for d in train_docs if not d.relations][:3]
    with pytest.raises(ValueError, match="at least one gold relation"):
        train_stance(blank_english(), docs)


@pytest.mark.slow
def test_train_command_ships_a_stance_model_that_loads_and_predicts(tmp_path, train_docs):
    import scomm_nlp.pipeline  # noqa: F401  (registers the factories for spacy.load)
    from scomm_nlp.data.doccano import write_doccano
    from scomm_nlp.training.stance import gold_entity_docs

    dev_docs = read_doccano([REPO / "annotations" / "dev.jsonl"], strict=True).docs
    write_doccano(train_docs[:60], tmp_path / "data" / "train.jsonl")
    dev = write_doccano(dev_docs[:6], tmp_path / "data" / "dev.jsonl")
    out = tmp_path / "out"
    res = runner.invoke(app, ["train", str(tmp_path / "data"), "--output", str(out), "--max-steps", "200"])
    assert res.exit_code == 0, res.output
    for folder in ("model-best", "model-last"):
        nlp = spacy.load(out / folder)
        assert nlp.pipe_names[-1] == "scomm_stance", nlp.pipe_names
        assert nlp.get_pipe("scomm_stance").is_trained

    nlp = spacy.load(out / "model-best")
    held_out = dev_docs[10:40]
    # the stance model alone, on the held-out documents' gold entities, finds gold relations exactly
    gold_docs = gold_entity_docs(nlp, held_out)
    stance = nlp.get_pipe("scomm_stance")
    hits = total = 0
    for doc in gold_docs:
        gold = {(tuple(r["head"]), r["type"], tuple(r["child"])) for r in doc._.relations}
        pred = {(tuple(r["head"]), r["type"], tuple(r["child"])) for r in stance(doc)._.stances}
        hits += len(gold & pred)
        total += len(gold)
    assert total > 20 and hits / total > 0.3, (hits, total)
    # the whole pipeline on raw text: records point at predicted entities, types fit the scheme
    from scomm_nlp import scheme

    doc = nlp(held_out[0].text)
    spans = {(e.start, e.end): e.label_ for e in doc.ents}
    for rec in doc._.stances:
        assert tuple(rec["head"]) in spans and tuple(rec["child"]) in spans
        assert scheme.relation_allowed(rec["type"], spans[tuple(rec["head"])], spans[tuple(rec["child"])])

    res = runner.invoke(app, ["evaluate", str(out / "model-best"), str(dev), "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    section = report["stance"]
    assert set(section) >= {"end_to_end", "confusion", "documents", "gold_entities"}
    gold_n = section["end_to_end"]["micro"]["tp"] + section["end_to_end"]["micro"]["fn"]
    assert gold_n == sum(len(d.relations) for d in read_doccano([dev]).docs)


def test_add_stance_command_fits_on_train_files_only(tmp_path, train_docs):
    from scomm_nlp.data.doccano import write_doccano

    write_doccano(train_docs[:25], tmp_path / "data" / "train.jsonl")
    (tmp_path / "data" / "dev.jsonl").write_text("not json\n", encoding="utf-8")  # never read
    res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data"), "--output", str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "train.jsonl" in res.output and "dev.jsonl" not in res.output
    import scomm_nlp.pipeline  # noqa: F401

    nlp = spacy.load(tmp_path / "out")
    assert nlp.pipe_names[-1] == "scomm_stance" and nlp.get_pipe("scomm_stance").is_trained
    doc = nlp("Gov. Jerry Brown signed the TRUST Act on Friday.")
    assert isinstance(doc._.stances, list)  # the stance component ran on the rule pipeline's entities
    ents = {(e.start, e.end) for e in doc.ents}
    assert all(tuple(r["head"]) in ents and tuple(r["child"]) in ents for r in doc._.stances)

    res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data" / "dev.jsonl"), "--output",
                              str(tmp_path / "out2")])
    assert res.exit_code == 2 and "no train files" in res.output


def test_add_stance_c_sets_the_linear_scorers_regularisation(tmp_path, train_docs):
    from scomm_nlp.data.doccano import write_doccano

    write_doccano(train_docs[:25], tmp_path / "data" / "train.jsonl")
    norms = {}
    for C in ("0.05", "5"):
        res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data"), "--C", C, "--output",
                                  str(tmp_path / C)])
        assert res.exit_code == 0, res.output
        import scomm_nlp.pipeline  # noqa: F401

        norms[C] = float(np.abs(spacy.load(tmp_path / C).get_pipe("scomm_stance").weights.coef).sum())
    assert norms["0.05"] < norms["5"]  # stronger regularisation, smaller weights
    res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data"), "--C", "0", "--output",
                              str(tmp_path / "bad")])
    assert res.exit_code == 2 and "--C" in res.output


@pytest.mark.slow
def test_add_stance_with_dev_also_fits_on_dev_but_never_on_test(tmp_path, train_docs):
    from scomm_nlp.data.doccano import write_doccano

    write_doccano(train_docs[:15], tmp_path / "data" / "train.jsonl")
    write_doccano(train_docs[15:25], tmp_path / "data" / "dev.jsonl")
    (tmp_path / "data" / "test.jsonl").write_text("not json\n", encoding="utf-8")  # never read
    res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data"), "--with-dev", "--output",
                              str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    assert "train.jsonl, dev.jsonl" in res.output and "test.jsonl" not in res.output
    import scomm_nlp.pipeline  # noqa: F401

    with_dev = spacy.load(tmp_path / "out").get_pipe("scomm_stance").weights
    res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data"), "--output", str(tmp_path / "out2")])
    assert res.exit_code == 0 and "dev.jsonl" not in res.output
    train_only = spacy.load(tmp_path / "out2").get_pipe("scomm_stance").weights
    assert not np.array_equal(with_dev.coef, train_only.coef)  # the dev documents changed the fit
    # a dev file alone is still no training set
    res = runner.invoke(app, ["add-stance", "rules", str(tmp_path / "data" / "dev.jsonl"), "--with-dev",
                              "--output", str(tmp_path / "out3")])
    assert res.exit_code == 2 and "no train files" in res.output
