"""Paired bootstrap maths on fixed synthetic predictions (no model involved)."""

import random

import numpy as np
import pytest

from scomm_nlp.data.records import AnnotatedDoc, Relation, Span
from scomm_nlp.training.compare import count_matrix, f1_from_counts, format_comparison, paired_bootstrap

LABELS = ["GOVERNOR", "AGENCY", "PROGRAM", "JURISDICTION"]


def _gold(n=60, seed=1):
    rng = random.Random(seed)
    docs = []
    for i in range(n):
        spans = [Span(k + 1, 10 * k, 10 * k + 5, rng.choice(LABELS)) for k in range(6)]
        rels = [Relation(1, 1, 2, "OPPOSES")] if i % 2 else []
        docs.append(AnnotatedDoc(i, "x" * 80, spans, rels))
    return docs


def _drop(docs, keep_every, seed):
    """Predictions that miss some gold spans (the kept ones are exact)."""
    rng = random.Random(seed)
    out = []
    for d in docs:
        spans = [s for s in d.spans if rng.random() < keep_every]
        ids = {s.id for s in spans}
        rels = [r for r in d.relations if r.from_id in ids and r.to_id in ids]
        out.append(AnnotatedDoc(d.id, d.text, spans, rels))
    return out


def _by_key(results):
    return {r.key: r for r in results}


def test_counts_and_f1():
    gold = _gold(2)
    pred = [AnnotatedDoc(g.id, g.text, g.spans[:3] + [Span(9, 70, 75, "GROUP")], []) for g in gold]
    keys = ["ENTS", "GROUP", "STANCE", "OPPOSES"]
    counts = count_matrix(gold, pred, keys)
    assert counts.shape == (2, 4, 3)
    assert counts[:, 0].sum(axis=0).tolist() == [6, 2, 6]  # tp, fp, fn over both documents
    assert counts[:, 1].sum(axis=0).tolist() == [0, 2, 0]
    assert counts[:, 3].sum(axis=0).tolist() == [0, 0, 1]  # one gold OPPOSES (doc 1), none predicted
    assert f1_from_counts(np.array([6, 2, 6])) == pytest.approx(2 * 6 / (12 + 8))
    assert f1_from_counts(np.array([0, 0, 0])) == 0.0


def test_identical_models_give_delta_zero_and_p_one():
    gold = _gold()
    pred = _drop(gold, 0.7, seed=3)
    results = _by_key(paired_bootstrap(gold, pred, pred, n_boot=300, seed=0, stances=True))
    for r in results.values():
        assert r.delta == 0.0 and r.ci_low == 0.0 and r.ci_high == 0.0
        assert r.p == 1.0
    assert 0.5 < results["ENTS"].f_a < 0.95


def test_clearly_better_model_gets_small_p_and_positive_interval():
    gold = _gold()
    weak, strong = _drop(gold, 0.5, seed=3), _drop(gold, 0.95, seed=4)
    results = _by_key(paired_bootstrap(gold, weak, strong, n_boot=500, seed=0))
    ents = results["ENTS"]
    assert ents.f_b > ents.f_a and ents.delta == pytest.approx(ents.f_b - ents.f_a)
    assert ents.p < 0.01 and 0 < ents.ci_low < ents.delta < ents.ci_high
    assert "STANCE" not in results  # stance keys only when asked for
    # the reverse question ("is the weak model better?") gets p ~ 1
    reverse = _by_key(paired_bootstrap(gold, strong, weak, n_boot=500, seed=0))["ENTS"]
    assert reverse.p > 0.99 and reverse.ci_high < 0


def test_bootstrap_is_seeded_and_checks_inputs():
    gold = _gold(20)
    a, b = _drop(gold, 0.6, seed=1), _drop(gold, 0.7, seed=2)
    first = paired_bootstrap(gold, a, b, n_boot=200, seed=5)
    assert first == paired_bootstrap(gold, a, b, n_boot=200, seed=5)
    assert first != paired_bootstrap(gold, a, b, n_boot=200, seed=6)
    with pytest.raises(ValueError, match="same"):
        paired_bootstrap(gold, a[:-1], b)
    with pytest.raises(ValueError, match="different text"):
        paired_bootstrap(gold, [AnnotatedDoc(g.id, "y", [], []) for g in gold], b)


def test_report_table():
    gold = _gold(20)
    results = paired_bootstrap(gold, _drop(gold, 0.5, 1), _drop(gold, 0.95, 2), n_boot=200, stances=True)
    report = {"model_a": "a", "model_b": "b", "documents": 20, "n_boot": 200, "seed": 0,
              "scores": {r.key: r.to_dict() for r in results}}
    text = format_comparison(report)
    assert "ENTS macro" in text and "OPPOSES" in text and "p(B>A)" in text
    ents_line = next(line for line in text.splitlines() if line.startswith("ENTS "))
    assert ents_line.endswith("*")  # significant at 0.05
