"""``scomm-nlp merge``: combine Doccano exports (oldest first) into one, never silently resolving conflicts.

Two records are copies of one document when their texts are equal after :func:`normalize_text`
(NFC, whitespace collapsed, case folded). Copies are compared on their annotation: the entity spans
(offset and label) and the stance relations between them, with offsets counted in non-space
characters so that copies differing only in whitespace compare equal. Meta fields (comments, dates)
are not compared.

Policy:

* identical copies: one is kept (the oldest, i.e. from the earliest file on the command line, unless
  ``prefer="new"``) - a plain duplicate;
* copies annotated differently: a :class:`Conflict`. Without ``prefer`` every copy of that text is left
  out of the output and the conflict is reported (the command exits 1); with ``prefer="new"`` or
  ``"old"`` the newest (last file, last line) or oldest copy is kept and the conflict is still reported
  as resolved;
* document ids stay as they are unless two different texts share one; the later text then gets a new
  id (max id + 1, ...) and the renumbering is reported.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from scomm_nlp.data.doccano import find_exports, normalize_text, read_doccano
from scomm_nlp.data.records import AnnotatedDoc, Issue

PREFER_CHOICES = ("new", "old")


def _anchor(text: str, offset: int) -> int:
    """An offset counted in non-whitespace characters: the same place in texts that differ only in spacing."""
    return sum(1 for c in text[:offset] if not c.isspace())


def annotation_signature(doc: AnnotatedDoc) -> tuple[frozenset, frozenset]:
    """Entities as (anchor start, anchor end, label) and relations as (actor, type, target) by anchors."""
    def where(span):
        return _anchor(doc.text, span.start), _anchor(doc.text, span.end)

    by_id = doc.span_by_id()
    entities = frozenset((*where(s), s.label) for s in doc.spans)
    relations = frozenset((where(by_id[r.from_id]), r.type, where(by_id[r.to_id]))
                          for r in doc.relations if r.from_id in by_id and r.to_id in by_id)
    return entities, relations


def _entity_text(doc: AnnotatedDoc, item) -> str:
    start, end, label = item
    return f"{_text_at(doc, start, end)!r} {label}"


def _text_at(doc: AnnotatedDoc, anchor_start: int, anchor_end: int) -> str:
    """The text between two anchors (non-space character counts) of ``doc``."""
    positions = [i for i, c in enumerate(doc.text) if not c.isspace()]
    start = positions[anchor_start] if anchor_start < len(positions) else len(doc.text)
    end = positions[anchor_end - 1] + 1 if 0 < anchor_end <= len(positions) else start
    return doc.text[start:end]


def _relation_text(doc: AnnotatedDoc, item) -> str:
    (hs, he), rel_type, (ts, te) = item
    return f"{_text_at(doc, hs, he)!r} -{rel_type}-> {_text_at(doc, ts, te)!r}"


@dataclass
class Conflict:
    """One text annotated differently in two or more copies; ``versions`` holds the copies grouped by
    annotation, oldest version first."""

    versions: list[list[AnnotatedDoc]]
    kept: AnnotatedDoc | None = None  # the copy written out when a preference resolved the conflict

    @property
    def first(self) -> AnnotatedDoc:
        return self.versions[0][0]

    def describe(self) -> list[str]:
        """Report lines: where every copy is (file:line, doc id) and what each version changes."""
        text = " ".join(self.first.text.split())
        lines = [f"conflict: {text[:70]!r}{'...' if len(text) > 70 else ''}: "
                 f"{sum(len(v) for v in self.versions)} copies, {len(self.versions)} different annotations"
                 + (f"; kept {_where(self.kept)} (--prefer)" if self.kept is not None else "; left out")]
        base = self.versions[0][0]
        base_ents, base_rels = annotation_signature(base)
        for number, copies in enumerate(self.versions, start=1):
            lines.append(f"  version {number}: " + ", ".join(_where(d) for d in copies))
            if number == 1:
                continue
            doc = copies[0]
            ents, rels = annotation_signature(doc)
            for what, only, show, source in (
                ("entities only in version 1", base_ents - ents, _entity_text, base),
                (f"entities only in version {number}", ents - base_ents, _entity_text, doc),
                ("relations only in version 1", base_rels - rels, _relation_text, base),
                (f"relations only in version {number}", rels - base_rels, _relation_text, doc),
            ):
                if only:
                    lines.append(f"    {what}: " + "; ".join(show(source, item) for item in sorted(only)))
        return lines

    def to_dict(self) -> dict:
        return {"text": self.first.text[:200],
                "versions": [[_where(d) for d in copies] for copies in self.versions],
                "kept": _where(self.kept) if self.kept is not None else None,
                "details": self.describe()[1:]}


def _where(doc: AnnotatedDoc) -> str:
    return f"{doc.source}:{doc.line} (doc {doc.id})"


@dataclass
class MergeResult:
    docs: list[AnnotatedDoc] = field(default_factory=list)
    read: int = 0
    files: int = 0
    duplicates: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    renumbered: list[tuple[str, Any, Any]] = field(default_factory=list)  # (where, old id, new id)
    errors: list[Issue] = field(default_factory=list)

    @property
    def unresolved(self) -> list[Conflict]:
        return [c for c in self.conflicts if c.kept is None]

    def summary(self) -> str:
        resolved = len(self.conflicts) - len(self.unresolved)
        return (f"read {self.read} document(s) from {self.files} file(s); wrote {len(self.docs)}; "
                f"{self.duplicates} duplicate(s) dropped; {len(self.conflicts)} conflict(s) "
                f"({resolved} resolved by --prefer, {len(self.unresolved)} left out)"
                + (f"; {len(self.renumbered)} id(s) renumbered" if self.renumbered else ""))


def merge_docs(groups: Iterable[list[AnnotatedDoc]], *, prefer: str | None = None) -> MergeResult:
    """Merge documents given as one list per export, oldest export first (see the module docstring)."""
    if prefer is not None and prefer not in PREFER_CHOICES:
        raise ValueError(f"prefer must be one of {', '.join(PREFER_CHOICES)}, got {prefer!r}")
    result = MergeResult()
    copies: dict[str, list[AnnotatedDoc]] = {}
    for group in groups:
        result.files += 1
        for doc in group:
            result.read += 1
            copies.setdefault(normalize_text(doc.text), []).append(doc)
    kept: list[AnnotatedDoc] = []
    for docs in copies.values():  # insertion order: where each text first appeared
        versions: dict[tuple, list[AnnotatedDoc]] = {}
        for doc in docs:
            versions.setdefault(annotation_signature(doc), []).append(doc)
        choice = docs[-1] if prefer == "new" else docs[0]
        if len(versions) > 1:
            conflict = Conflict(list(versions.values()), kept=choice if prefer else None)
            result.conflicts.append(conflict)
            if conflict.kept is None:
                continue
        if len(versions) == 1:
            result.duplicates += len(docs) - 1
        kept.append(choice)
    result.docs = _unique_ids(kept, result)
    return result


def _unique_ids(docs: list[AnnotatedDoc], result: MergeResult) -> list[AnnotatedDoc]:
    from dataclasses import replace

    numeric = [d.id for d in docs if isinstance(d.id, int) and not isinstance(d.id, bool)]
    next_id = max(numeric, default=0) + 1
    seen: set = set()
    out = []
    for doc in docs:
        if doc.id is None or doc.id in seen:
            result.renumbered.append((f"{doc.source}:{doc.line}", doc.id, next_id))
            doc = replace(doc, id=next_id)
            next_id += 1
        seen.add(doc.id)
        out.append(doc)
    return out


def merge_exports(paths: Iterable[str | Path], *, prefer: str | None = None) -> MergeResult:
    """Read each export (files or folders, oldest first) and merge them.

    Records with errors (bad offsets, unknown labels, broken JSON) would lose annotations in the
    merge, so they are returned in ``errors`` and nothing is merged; texts duplicated inside one file
    are not errors here (they are what merging is about).
    """
    groups = []
    errors: list[Issue] = []
    for path in find_exports(paths):
        read = read_doccano(path)
        errors.extend(i for i in read.errors if not _is_cross_document(i))
        groups.append(read.docs)
    if errors:
        return MergeResult(errors=errors, files=len(groups))
    return merge_docs(groups, prefer=prefer)


def _is_cross_document(issue: Issue) -> bool:
    """The collection checks of ``read_doccano`` (same text or id twice in one file): merge handles them."""
    return (issue.field == "text" and "annotated differently" in issue.message) or (
        issue.field == "id" and issue.message.startswith("duplicate document id"))
