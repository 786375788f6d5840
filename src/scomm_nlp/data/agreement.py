"""Compare two annotations of the same documents: entity and relation P/R/F, and the disagreements.

Used for inter-annotator agreement (``annotations/AGREEMENT.md``) and, with gold vs predicted
documents, for evaluation. Entities match on exact (start, end, label); relations on exact
(actor span, type, target span).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Iterable

from scomm_nlp.data.records import AnnotatedDoc


@dataclass
class PRF:
    tp: int = 0
    fp: int = 0
    fn: int = 0

    @property
    def precision(self) -> float:
        return self.tp / (self.tp + self.fp) if self.tp + self.fp else 0.0

    @property
    def recall(self) -> float:
        return self.tp / (self.tp + self.fn) if self.tp + self.fn else 0.0

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    def add(self, gold: set, pred: set) -> None:
        self.tp += len(gold & pred)
        self.fp += len(pred - gold)
        self.fn += len(gold - pred)

    def to_dict(self) -> dict:
        return {"p": round(self.precision, 4), "r": round(self.recall, 4), "f": round(self.f1, 4),
                "tp": self.tp, "fp": self.fp, "fn": self.fn}


@dataclass
class Comparison:
    """Scores of ``b`` against ``a`` (a is the reference), overall and per label/type."""

    documents: int = 0
    entities: PRF = field(default_factory=PRF)
    relations: PRF = field(default_factory=PRF)
    per_label: dict[str, PRF] = field(default_factory=dict)
    per_type: dict[str, PRF] = field(default_factory=dict)
    disagreements: list[dict] = field(default_factory=list)
    missing: list = field(default_factory=list)
    changed: list = field(default_factory=list)

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "entities": self.entities.to_dict(),
            "relations": self.relations.to_dict(),
            "per_label": {k: v.to_dict() for k, v in sorted(self.per_label.items())},
            "per_type": {k: v.to_dict() for k, v in sorted(self.per_type.items())},
            "n_disagreements": len(self.disagreements),
            "missing_documents": self.missing,
            "changed_documents": self.changed,
        }


def entity_set(doc: AnnotatedDoc) -> set[tuple[int, int, str]]:
    return {(s.start, s.end, s.label) for s in doc.spans}


def relation_set(doc: AnnotatedDoc) -> set[tuple[tuple[int, int], str, tuple[int, int]]]:
    by_id = doc.span_by_id()
    return {((by_id[r.from_id].start, by_id[r.from_id].end), r.type, (by_id[r.to_id].start, by_id[r.to_id].end))
            for r in doc.relations if r.from_id in by_id and r.to_id in by_id}


def compare(reference: Iterable[AnnotatedDoc], other: Iterable[AnnotatedDoc], *, skip_changed: bool = False) -> Comparison:
    """Score ``other`` against ``reference``, matching documents by id.

    Texts must be equal; with ``skip_changed`` a document whose text differs is listed in
    ``Comparison.changed`` and left out instead of raising ``ValueError``.
    """
    ref = {d.id: d for d in reference}
    oth = {d.id: d for d in other}
    result = Comparison()
    for doc_id, a in ref.items():
        b = oth.get(doc_id)
        if b is None:
            result.missing.append(doc_id)
            continue
        if a.text != b.text:
            if skip_changed:
                result.changed.append(doc_id)
                continue
            raise ValueError(f"doc {doc_id}: the two annotations are of different texts")
        result.documents += 1
        ea, eb = entity_set(a), entity_set(b)
        result.entities.add(ea, eb)
        for label in {x[2] for x in ea | eb}:
            result.per_label.setdefault(label, PRF()).add({x for x in ea if x[2] == label},
                                                           {x for x in eb if x[2] == label})
        ra, rb = relation_set(a), relation_set(b)
        result.relations.add(ra, rb)
        for rel_type in {x[1] for x in ra | rb}:
            result.per_type.setdefault(rel_type, PRF()).add({x for x in ra if x[1] == rel_type},
                                                             {x for x in rb if x[1] == rel_type})
        for kind, only_a, only_b in (("entity", ea - eb, eb - ea), ("relation", ra - rb, rb - ra)):
            for item in sorted(only_a):
                result.disagreements.append({"doc": doc_id, "kind": kind, "only_in": "a", "item": _show(a, item)})
            for item in sorted(only_b):
                result.disagreements.append({"doc": doc_id, "kind": kind, "only_in": "b", "item": _show(b, item)})
    return result


def _show(doc: AnnotatedDoc, item) -> str:
    if isinstance(item[0], int):
        start, end, label = item
        return f"{doc.text[start:end]!r} {label} [{start}, {end})"
    (hs, he), rel_type, (ts, te) = item
    return f"{doc.text[hs:he]!r} -{rel_type}-> {doc.text[ts:te]!r}"


def load_any(paths) -> list[AnnotatedDoc]:
    """AnnotatedDocs from markup ``.txt`` files and/or Doccano exports (errors raise)."""
    from pathlib import Path

    from scomm_nlp.data.corpus import load_markup_file
    from scomm_nlp.data.doccano import read_doccano

    docs: list[AnnotatedDoc] = []
    exports = []
    for path in map(Path, paths):
        if path.suffix != ".txt":
            exports.append(path)
            continue
        file_docs, problems = load_markup_file(path)
        errors = [p for p in problems if p.severity == "error"]
        if errors:
            raise ValueError("\n".join(str(p) for p in errors))
        docs.extend(file_docs)
    if exports:
        docs.extend(read_doccano(exports, strict=True).docs)
    return docs
