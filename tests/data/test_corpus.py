"""The shipped corpus: it validates, its split is fixed, it meets the corpus targets, and it is
exactly what the markup sources compile to."""

import json

import pytest

from scomm_nlp.data.corpus import build_corpus, split_for_id
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.stats import corpus_stats

from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

ANN = REPO / "annotations"


@pytest.fixture(scope="module")
def corpus():
    return read_doccano([ANN / "train.jsonl", ANN / "dev.jsonl", ANN / "test.jsonl"])


def test_corpus_validates(corpus):
    assert corpus.errors == []
    assert len(corpus.docs) >= 400


def test_corpus_meets_targets(corpus):
    all_ = corpus_stats(corpus.docs)["all"]
    assert all_["relations"]["OPPOSES"] >= 120
    assert all_["relations"]["SUPPORTS"] >= 120
    assert all_["relations"]["COMPELS"] >= 120
    assert sum(all_["relations"].values()) >= 700
    assert all_["with_entities_no_stance"] >= 0.15 * all_["documents"]
    assert all_["off_topic"] >= 0.05 * all_["documents"]
    assert all_["coverage"]["states"] >= 45
    assert all_["coverage"]["local_places"] >= 60
    assert all_["coverage"]["governors_full_names"] >= 40
    assert all_["coverage"]["officials_full_names"] >= 80
    for doc in corpus.docs:
        assert 60 <= len(doc.text.split()) <= 400, doc.id


def test_split_is_fixed_by_id(corpus):
    splits = json.loads((ANN / "splits.json").read_text())
    for name, ids in splits.items():
        for doc_id in ids:
            assert split_for_id(doc_id) == name
    by_file = {d.id: d.source for d in corpus.docs}
    assert all(by_file[i].endswith("test.jsonl") for i in splits["test"])
    assert not set(splits["train"]) & set(splits["test"])


def test_corpus_is_the_compiled_markup(tmp_path):
    counts, problems = build_corpus(ANN / "source", tmp_path)
    assert [p for p in problems if p.severity == "error"] == []
    for name in ("train", "dev", "test"):
        assert (tmp_path / f"{name}.jsonl").read_text() == (ANN / f"{name}.jsonl").read_text(), name
