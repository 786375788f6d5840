"""Cross-validation of the stance scorer: folds partition the documents reproducibly, held-out counts are
pooled over every gold relation, and the command never reads a test split."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.training.stance import read_docs
from scomm_nlp.training.stance_cv import cross_validate_stance, document_folds

REPO = Path(__file__).resolve().parents[2]


def test_folds_partition_the_documents_the_same_way_every_time():
    ids = list(range(1000, 1023))
    folds = document_folds(ids, 5, seed=3)
    assert sorted(i for f in folds for i in f) == ids
    assert sorted(len(f) for f in folds) == [4, 4, 5, 5, 5]
    assert document_folds(list(reversed(ids)), 5, seed=3) == folds  # input order does not matter
    assert document_folds(ids, 5, seed=4) != folds


@pytest.mark.parametrize("n, k", [(3, 5), (10, 1)])
def test_impossible_fold_counts_are_refused(n, k):
    with pytest.raises(ValueError):
        document_folds(list(range(n)), k)


@pytest.fixture(scope="module")
def small_corpus():
    return read_docs([REPO / "annotations" / "train.jsonl"])[:24]


@pytest.mark.slow
def test_cross_validation_pools_every_held_out_relation(small_corpus):
    from scomm_nlp.tokenizer import blank_english

    nlp = blank_english()
    report = cross_validate_stance(nlp, small_corpus, folds=3, seed=0)
    gold = sum(len(d.relations) for d in small_corpus)
    assert report["micro"]["tp"] + report["micro"]["fn"] == gold
    assert len(report["per_fold_micro_f"]) == 3 and report["documents"] == 24
    assert 0.3 < report["micro"]["f"] <= 1.0  # it learns something from 16 documents
    again = cross_validate_stance(nlp, small_corpus, folds=3, seed=0)
    assert again["micro"] == report["micro"]
    # a setting reaches the folds' scorers: an unreachable threshold predicts nothing
    silent = cross_validate_stance(nlp, small_corpus, folds=3, seed=0, config={"threshold": 1.01,
                                                                                "list_threshold": None})
    assert silent["micro"]["tp"] == 0 and silent["micro"]["fp"] == 0


@pytest.mark.slow
def test_stance_cv_command_reads_train_and_dev_but_never_test(tmp_path, small_corpus):
    from scomm_nlp.data.doccano import write_doccano

    data = tmp_path / "data"
    data.mkdir()
    write_doccano(small_corpus[:12], data / "train.jsonl")
    write_doccano(small_corpus[12:18], data / "dev.jsonl")
    (data / "test.jsonl").write_text("this is not JSON\n")  # reading it would fail
    runner = CliRunner()
    result = runner.invoke(app, ["stance-cv", "rules", str(data), "--folds", "3", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["files"] == [str(data / "train.jsonl")] and report["documents"] == 12
    result = runner.invoke(app, ["stance-cv", "rules", str(data), "--folds", "3", "--with-dev", "--json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout[result.stdout.index("{"):])
    assert report["documents"] == 18
    result = runner.invoke(app, ["stance-cv", "rules", str(data / "test.jsonl")])
    assert result.exit_code == 2 and "no train files" in result.output
