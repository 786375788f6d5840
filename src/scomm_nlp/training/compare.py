"""``scomm-nlp compare``: is model B better than model A? Per-label F1, deltas and a paired bootstrap.

Both models tag the same gold documents. For every score (entity micro F, macro F, each label; stance
micro F and each type when a model predicts stances) the observed delta is F(B) - F(A). The paired
bootstrap resamples *documents* with replacement ``n_boot`` times, the same sample for both models,
and recomputes the delta on each sample:

* the 95% confidence interval is the 2.5th..97.5th percentile of the resampled deltas;
* ``p`` (for "B is better than A") is the share of samples in which B is *not* better
  (delta <= 0), computed as (count + 1) / (n_boot + 1) so it is never exactly 0. Identical models
  give p = 1; p < 0.05 is the usual bar for "B is better".
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from scomm_nlp.data.agreement import entity_set, relation_set
from scomm_nlp.data.records import AnnotatedDoc
from scomm_nlp.scheme import ENTITY_LABELS, RELATION_TYPES

ENTS, ENTS_MACRO, STANCE = "ENTS", "ENTS macro", "STANCE"


def _label(entity) -> str:
    return entity[2]


def _type(relation) -> str:
    return relation[1]


def count_matrix(gold: list[AnnotatedDoc], pred: list[AnnotatedDoc], keys: list[str]) -> np.ndarray:
    """Per document and key, the (tp, fp, fn) counts: shape (documents, keys, 3)."""
    index = {k: i for i, k in enumerate(keys)}
    counts = np.zeros((len(gold), len(keys), 3), dtype=np.int64)
    for d, (g, p) in enumerate(zip(gold, pred)):
        if g.text != p.text:
            raise ValueError(f"doc {g.id}: prediction is of a different text")
        for overall, label_of, gs, ps in ((ENTS, _label, entity_set(g), entity_set(p)),
                                          (STANCE, _type, relation_set(g), relation_set(p))):
            for kind, items in ((0, gs & ps), (1, ps - gs), (2, gs - ps)):
                for item in items:
                    for key in (overall, label_of(item)):
                        if key in index:
                            counts[d, index[key], kind] += 1
    return counts


def f1_from_counts(counts: np.ndarray) -> np.ndarray:
    """F1 from (..., 3) arrays of (tp, fp, fn); 0 where there is nothing to score."""
    tp, fp, fn = counts[..., 0], counts[..., 1], counts[..., 2]
    denom = 2 * tp + fp + fn
    return np.where(denom > 0, 2 * tp / np.maximum(denom, 1), 0.0)


def _scores(totals: np.ndarray, keys: list[str]) -> np.ndarray:
    """F per key from summed counts (..., keys, 3); ENTS macro = mean F of the labels."""
    f = f1_from_counts(totals)
    if ENTS_MACRO in keys:
        labels = [i for i, k in enumerate(keys) if k in ENTITY_LABELS]
        f[..., keys.index(ENTS_MACRO)] = f[..., labels].mean(axis=-1)
    return f


@dataclass
class KeyResult:
    key: str
    f_a: float
    f_b: float
    delta: float
    ci_low: float
    ci_high: float
    p: float
    support: int  # gold items

    def to_dict(self) -> dict:
        return {"f_a": round(self.f_a, 4), "f_b": round(self.f_b, 4), "delta": round(self.delta, 4),
                "ci95": [round(self.ci_low, 4), round(self.ci_high, 4)], "p_b_better": round(self.p, 4),
                "support": self.support}


def paired_bootstrap(gold: list[AnnotatedDoc], pred_a: list[AnnotatedDoc], pred_b: list[AnnotatedDoc], *,
                     n_boot: int = 1000, seed: int = 0, stances: bool = False) -> list[KeyResult]:
    """F of A and B per key, the delta and its bootstrap CI and one-sided p-value (see module docstring)."""
    if not (len(gold) == len(pred_a) == len(pred_b)) or not gold:
        raise ValueError("need the same, non-empty list of documents for gold and both models")
    if n_boot < 1:
        raise ValueError("n_boot must be at least 1")
    keys = [ENTS, ENTS_MACRO, *ENTITY_LABELS] + ([STANCE, *RELATION_TYPES] if stances else [])
    ca, cb = count_matrix(gold, pred_a, keys), count_matrix(gold, pred_b, keys)
    fa, fb = _scores(ca.sum(axis=0), keys), _scores(cb.sum(axis=0), keys)
    rng = np.random.default_rng(seed)
    # weights[i, d] = how often document d is drawn in sample i (a multinomial draw of n documents)
    weights = rng.multinomial(len(gold), np.full(len(gold), 1 / len(gold)), size=n_boot)
    flat_a, flat_b = ca.reshape(len(gold), -1), cb.reshape(len(gold), -1)
    boot_a = _scores((weights @ flat_a).reshape(n_boot, len(keys), 3), keys)
    boot_b = _scores((weights @ flat_b).reshape(n_boot, len(keys), 3), keys)
    deltas = boot_b - boot_a
    support = ca[..., 0].sum(axis=0) + ca[..., 2].sum(axis=0)
    results = []
    for i, key in enumerate(keys):
        low, high = np.percentile(deltas[:, i], [2.5, 97.5])
        p = (np.count_nonzero(deltas[:, i] <= 0) + 1) / (n_boot + 1)
        results.append(KeyResult(key, float(fa[i]), float(fb[i]), float(fb[i] - fa[i]), float(low), float(high),
                                 float(p), int(support[i]) if key != ENTS_MACRO else int(support[0])))
    return results


def predicts_stances(nlp) -> bool:
    return any("stance" in name for name in nlp.pipe_names)


def compare_models(model_a: str, model_b: str, data: list[Path], *, n_boot: int = 1000, seed: int = 0) -> dict:
    """Load both pipelines, tag the gold documents of ``data`` with each and bootstrap the deltas."""
    from scomm_nlp.data.doccano import read_doccano
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.evaluate import predict_docs

    gold = read_doccano(data, strict=True).docs
    if not gold:
        raise ValueError("no documents in " + ", ".join(map(str, data)))
    nlp_a, nlp_b = load_pipeline(model_a), load_pipeline(model_b)
    stances = predicts_stances(nlp_a) or predicts_stances(nlp_b)
    results = paired_bootstrap(gold, predict_docs(nlp_a, gold), predict_docs(nlp_b, gold), n_boot=n_boot,
                               seed=seed, stances=stances)
    return {"model_a": str(model_a), "model_b": str(model_b), "documents": len(gold), "n_boot": n_boot,
            "seed": seed, "scores": {r.key: r.to_dict() for r in results}}


def format_comparison(report: dict) -> str:
    lines = [f"A = {report['model_a']}", f"B = {report['model_b']}",
             f"{report['documents']} documents, paired bootstrap over documents: {report['n_boot']} samples, "
             f"seed {report['seed']}", "",
             f"{'':<14}{'F A':>7}{'F B':>7}{'delta':>8}  {'95% CI':<17}{'p(B>A)':>7}{'gold':>6}"]
    for key, s in report["scores"].items():
        low, high = s["ci95"]
        mark = "  *" if s["p_b_better"] < 0.05 else ""
        lines.append(f"{key:<14}{s['f_a']:>7.3f}{s['f_b']:>7.3f}{s['delta']:>+8.3f}  "
                     f"[{low:+.3f}, {high:+.3f}]  {s['p_b_better']:>6.3f}{s['support']:>6}{mark}")
    lines.append("")
    lines.append("p(B>A): share of resamples where B is not better (small = B better); * = p < 0.05")
    return "\n".join(lines)
