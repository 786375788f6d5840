"""Plain data types for annotated documents and the problems found while reading them."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Span:
    """An entity span in character offsets (Python code points, end exclusive).

    ``kb_id`` is the knowledge-base id a pipeline gave a predicted entity (None when unknown or
    not predicted); Doccano exports do not carry it.
    """

    id: int
    start: int
    end: int
    label: str
    kb_id: str | None = None


@dataclass(frozen=True)
class Relation:
    """A directed stance relation between two spans of the same document, by span id."""

    id: int
    from_id: int
    to_id: int
    type: str


@dataclass
class AnnotatedDoc:
    """One annotated document as read from (or written to) a Doccano export."""

    id: Any
    text: str
    spans: list[Span] = field(default_factory=list)
    relations: list[Relation] = field(default_factory=list)
    meta: dict[str, Any] = field(default_factory=dict)
    source: str = ""
    line: int = 0

    def span_by_id(self) -> dict[int, Span]:
        return {span.id: span for span in self.spans}

    def span_text(self, span: Span) -> str:
        return self.text[span.start:span.end]

    def annotation_key(self) -> tuple:
        """What two copies of one text must agree on: spans and relations, by offsets rather than ids."""
        by_id = self.span_by_id()
        spans = tuple(sorted((s.start, s.end, s.label) for s in self.spans))
        rels = tuple(sorted(
            ((by_id[r.from_id].start, by_id[r.from_id].end), r.type, (by_id[r.to_id].start, by_id[r.to_id].end))
            for r in self.relations if r.from_id in by_id and r.to_id in by_id
        ))
        return spans, rels


@dataclass(frozen=True)
class Issue:
    """A problem found in an export: where (file, line, field), how bad, and what."""

    file: str
    line: int
    field: str
    severity: str  # "error" or "warning"
    message: str
    doc_id: Any = None

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}"
        doc = f" (doc {self.doc_id})" if self.doc_id is not None else ""
        return f"{where}: {self.severity}: {self.field}: {self.message}{doc}"


class DoccanoFormatError(ValueError):
    """Raised in strict mode when an export has errors; carries every issue found."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        errors = [i for i in issues if i.severity == "error"]
        head = "\n".join(str(i) for i in errors[:20])
        more = f"\n... and {len(errors) - 20} more" if len(errors) > 20 else ""
        super().__init__(f"{len(errors)} error(s) in Doccano data:\n{head}{more}")
