"""K-fold cross-validation of the stance scorer on gold entities.

With a few hundred annotated documents one dev split moves by more than the differences between
settings, so stance settings are chosen by cross-validation over train + dev: the documents are
dealt into ``folds`` folds (a seeded shuffle of their ids), the scorer is fitted on all folds but
one and scored on that one, and the counts of all held-out folds are pooled into one P/R/F table.
The test split is never part of it.

    scomm-nlp stance-cv models/scomm_core annotations/ --with-dev --folds 5
"""

from __future__ import annotations

import random
from typing import Callable, Sequence

from scomm_nlp.data.agreement import relation_set
from scomm_nlp.data.records import AnnotatedDoc
from scomm_nlp.training.stance_eval import prf_table, records_to_adoc


def document_folds(ids: Sequence, folds: int, seed: int = 0) -> list[list]:
    """The document ids dealt into ``folds`` folds after a seeded shuffle (same ids and seed, same folds)."""
    if folds < 2:
        raise ValueError(f"cross-validation needs at least 2 folds, got {folds}")
    if len(ids) < folds:
        raise ValueError(f"{len(ids)} document(s) cannot be split into {folds} folds")
    order = sorted(ids, key=str)
    random.Random(seed).shuffle(order)
    return [order[k::folds] for k in range(folds)]


def cross_validate_stance(nlp, adocs: Sequence[AnnotatedDoc], *, folds: int = 5, seed: int = 0,
                          config: dict | None = None, C: float | None = None, encoder: bool = False,
                          encoder_options: dict | None = None, encoders: int = 1,
                          log: Callable[[str], None] | None = None) -> dict:
    """Pooled gold-entity stance P/R/F of ``folds``-fold cross-validation (and each fold's micro F).

    ``nlp`` supplies the analysis (tokenizer, tok2vec, linker, ...) and, when it has one, the stance
    component whose settings are the starting point; ``config`` overrides settings; ``encoder=True``
    fine-tunes the first ``encoders`` pair encoders of ``ENCODER_VARIANTS`` in every fold too (slow).
    """
    from scomm_nlp.components.stance import StanceComponent
    from scomm_nlp.training.stance import DEFAULT_C, ENCODER_VARIANTS, STANCE_PIPE, fit_encoders, fit_stance, \
        gold_entity_docs

    base_cfg = {}
    if STANCE_PIPE in nlp.pipe_names:
        base_cfg = dict(nlp.get_pipe(STANCE_PIPE).cfg)
    base_cfg.update(config or {})
    docs = gold_entity_docs(nlp, adocs)
    by_id = {a.id: (a, d) for a, d in zip(adocs, docs)}
    gold_sets, pred_sets, per_fold = [], [], []
    for k, held_out in enumerate(document_folds(list(by_id), folds, seed)):
        held = set(held_out)
        pipe = StanceComponent(nlp, f"cv_{k}", **_component_args(base_cfg))
        fit_docs = [by_id[i][1] for i in by_id if i not in held]
        fit_stance(pipe, fit_docs, C=DEFAULT_C if C is None else C, seed=seed)
        if encoder:
            fit_encoders(pipe, fit_docs, variants=ENCODER_VARIANTS[:encoders], seed=seed, log=log,
                         **(encoder_options or {}))
        fold_gold, fold_pred = [], []
        for doc_id in held_out:
            adoc, doc = by_id[doc_id]
            records = pipe(doc)._.stances
            fold_gold.append(relation_set(adoc))
            fold_pred.append(relation_set(records_to_adoc(doc, records, adoc.id)))
        per_fold.append(prf_table(fold_gold, fold_pred)["micro"]["f"])
        gold_sets += fold_gold
        pred_sets += fold_pred
        if log:
            log(f"fold {k + 1}/{folds}: {len(held_out)} documents, micro F {per_fold[-1]:.3f}")
    report = prf_table(gold_sets, pred_sets)
    report.update({"folds": folds, "seed": seed, "documents": len(by_id), "per_fold_micro_f": per_fold,
                   "settings": {key: base_cfg[key] for key in sorted(base_cfg)}, "encoder": bool(encoder)})
    return report


def _component_args(cfg: dict) -> dict:
    """Component settings: ``cfg`` over the factory's defaults."""
    from spacy.language import Language

    defaults = Language.get_factory_meta("scomm_stance").default_config
    return {key: cfg.get(key, default) for key, default in defaults.items()}


def format_cv(report: dict) -> str:
    lines = [f"{report['folds']}-fold cross-validation over {report['documents']} documents (gold entities, "
             f"seed {report['seed']}{', with the pair encoder' if report['encoder'] else ''})",
             f"{'':<12}{'P':>8}{'R':>8}{'F':>8}{'gold':>7}"]
    for name, s in [*report["per_type"].items(), ("micro", report["micro"])]:
        lines.append(f"{name:<12}{s['p']:>8.3f}{s['r']:>8.3f}{s['f']:>8.3f}{s['tp'] + s['fn']:>7}")
    lines.append("per fold micro F: " + ", ".join(f"{f:.3f}" for f in report["per_fold_micro_f"]))
    return "\n".join(lines)
