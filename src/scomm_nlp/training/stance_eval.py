"""Stance evaluation: exact P/R/F, a confusion matrix with "no relation", document-level canonical
triples, and stance scores given gold entities.

* **end to end** (predicted entities): a stance is right when its actor span, type and target span
  all equal a gold relation's (character offsets);
* **confusion**: over every (actor span, target span) pair that is a gold or a predicted relation,
  gold type (or ``none``) against predicted type (or ``none``);
* **documents**: per document, the set of (actor canonical, type, target canonical) triples. Gold
  spans get their canonical names from the same linker as the prediction (the pipeline's
  ``scomm_linker``, or a stand-alone one when the pipeline has none);
* **gold entities**: the stance component run on the gold entity spans, scored exactly: what the
  stance model does on its own, without entity errors.
"""

from __future__ import annotations

from typing import Iterable, Sequence

from scomm_nlp import scheme
from scomm_nlp.data.agreement import PRF, relation_set
from scomm_nlp.data.links import linker_for
from scomm_nlp.data.records import AnnotatedDoc

NO_RELATION = "none"
Pair = tuple[tuple[int, int], tuple[int, int]]
Triple = tuple  # (actor, type, target)


def prf_table(gold: Iterable[set], pred: Iterable[set], type_of=lambda item: item[1]) -> dict:
    """Micro P/R/F and per relation type over per-document sets of items (``type_of`` gives the type)."""
    micro = PRF()
    per = {t: PRF() for t in scheme.RELATION_TYPES}
    for g, p in zip(gold, pred):
        micro.add(g, p)
        for t in per:
            per[t].add({x for x in g if type_of(x) == t}, {x for x in p if type_of(x) == t})
    out = {"micro": micro.to_dict(), "per_type": {t: v.to_dict() for t, v in per.items()}}
    out["macro_f"] = round(sum(v.f1 for v in per.values()) / len(per), 4)
    return out


def confusion_matrix(gold: Iterable[set], pred: Iterable[set]) -> dict[str, dict[str, int]]:
    """Gold type (rows) against predicted type (columns) over pairs that either side relates.

    ``gold``/``pred``: per-document sets of (actor span, type, target span). A pair related on one
    side only counts under ``none`` on the other; two types for one pair on one side count twice.
    """
    labels = [*scheme.RELATION_TYPES, NO_RELATION]
    matrix = {g: {p: 0 for p in labels} for g in labels}
    for g, p in zip(gold, pred):
        gmap: dict[Pair, list[str]] = {}
        pmap: dict[Pair, list[str]] = {}
        for a, t, b in g:
            gmap.setdefault((a, b), []).append(t)
        for a, t, b in p:
            pmap.setdefault((a, b), []).append(t)
        for pair in set(gmap) | set(pmap):
            gt, pt = sorted(gmap.get(pair, [])), sorted(pmap.get(pair, []))
            matched = [t for t in gt if t in pt]
            for t in matched:
                matrix[t][t] += 1
            rest_g = [t for t in gt if t not in matched]
            rest_p = [t for t in pt if t not in matched]
            while rest_g or rest_p:
                row = rest_g.pop(0) if rest_g else NO_RELATION
                col = rest_p.pop(0) if rest_p else NO_RELATION
                matrix[row][col] += 1
    return matrix


def canonical_triples(doc: AnnotatedDoc, canonical: dict[tuple[int, int], str]) -> set[Triple]:
    """(actor canonical, type, target canonical) for every relation of ``doc``; a span without a
    canonical name is named by its text."""
    out = set()
    for (a, t, b) in relation_set(doc):
        out.add((canonical.get(a) or doc.text[a[0]:a[1]], t, canonical.get(b) or doc.text[b[0]:b[1]]))
    return out


def span_canonicals(doc) -> dict[tuple[int, int], str]:
    """Character span -> canonical name for every entity of a processed spaCy Doc."""
    return {(e.start_char, e.end_char): (e._.canonical or e.text) for e in doc.ents}


def _stance_pipe(nlp):
    """The component that writes ``doc._.stances`` (scomm_stance, scomm_stance_nn), if any."""
    for name, proc in nlp.pipeline:
        if "doc._.stances" in nlp.get_pipe_meta(name).assigns:
            return proc
    return None


def records_to_adoc(doc, records: list[dict], doc_id) -> AnnotatedDoc:
    """An AnnotatedDoc with ``doc``'s entities and the given stance records."""
    from scomm_nlp.data.spacy_io import from_spacy_doc

    saved = doc._.stances
    doc._.stances = records
    try:
        return from_spacy_doc(doc, doc_id, relations_attr="stances")
    finally:
        doc._.stances = saved


def stance_report(nlp, gold: Sequence[AnnotatedDoc], pred: Sequence[AnnotatedDoc], pred_docs: Sequence) -> dict:
    """The stance section of ``scomm-nlp evaluate`` (see the module docstring).

    ``pred``/``pred_docs``: the pipeline's output for ``gold`` (same order) as AnnotatedDocs and as
    spaCy Docs (for canonical names).
    """
    from scomm_nlp.training.stance import gold_entity_docs

    gold_sets = [relation_set(g) for g in gold]
    pred_sets = [relation_set(p) for p in pred]
    report = {"end_to_end": prf_table(gold_sets, pred_sets), "confusion": confusion_matrix(gold_sets, pred_sets)}
    linker = linker_for(nlp)
    stance = _stance_pipe(nlp)
    gdocs = gold_entity_docs(nlp, gold, linker=linker)
    pred_canon = []
    for doc in pred_docs:
        if any(e._.canonical is None for e in doc.ents):
            doc = linker(doc.copy())
        pred_canon.append(span_canonicals(doc))
    report["documents"] = prf_table([canonical_triples(g, span_canonicals(d)) for g, d in zip(gold, gdocs)],
                                    [canonical_triples(p, c) for p, c in zip(pred, pred_canon)])
    if stance is not None:
        given = [relation_set(records_to_adoc(d, stance(d)._.stances, g.id)) for g, d in zip(gold, gdocs)]
        report["gold_entities"] = prf_table(gold_sets, given)
        report["gold_entities"]["confusion"] = confusion_matrix(gold_sets, given)
    return report


def format_stance_report(section: dict) -> str:
    lines = ["", "Stances (exact actor span, type, target span)",
             f"{'':<22}{'P':>8}{'R':>8}{'F':>8}{'gold':>7}"]

    def block(title: str, table: dict) -> None:
        for t, s in table["per_type"].items():
            lines.append(f"{title + ' ' + t:<22}{s['p']:>8.3f}{s['r']:>8.3f}{s['f']:>8.3f}{s['tp'] + s['fn']:>7}")
        m = table["micro"]
        lines.append(f"{title + ' micro':<22}{m['p']:>8.3f}{m['r']:>8.3f}{m['f']:>8.3f}{m['tp'] + m['fn']:>7}")

    block("e2e", section["end_to_end"])
    if section.get("gold_entities"):
        block("gold-ents", section["gold_entities"])
    block("doc triples", section["documents"])
    labels = list(section["confusion"])
    lines += ["", "Confusion (rows gold, columns predicted; end to end)",
              f"{'':<10}" + "".join(f"{c:>10}" for c in labels)]
    for row in labels:
        lines.append(f"{row:<10}" + "".join(f"{section['confusion'][row][c]:>10}" for c in labels))
    return "\n".join(lines)
