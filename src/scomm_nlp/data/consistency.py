"""Annotation consistency across a corpus: mentions tagged in one place but missed in another.

For every surface form that annotators tagged, count how often it occurs untagged (outside any
span). A form tagged nearly everywhere with one label is very likely a miss where it is untagged;
such misses are reported, and in the markup sources they can be marked automatically.
"""

from __future__ import annotations

import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from pathlib import Path

from scomm_nlp.data.records import AnnotatedDoc


@dataclass(frozen=True)
class Miss:
    doc_id: object
    start: int
    end: int
    surface: str
    label: str
    tag_rate: float

    def __str__(self) -> str:
        return f"doc {self.doc_id}: untagged {self.surface!r} at {self.start} (tagged {self.label} " \
               f"{self.tag_rate:.0%} elsewhere)"


def _occurrences(text: str, surface: str) -> list[int]:
    pattern = re.compile(r"(?<![\w\-])" + re.escape(surface) + r"(?![\w\-]|\(\w)")
    return [m.start() for m in pattern.finditer(text)]


def _continues_a_name(text: str, start: int, end: int) -> bool:
    """True when the surface is glued to a capitalised neighbour ("Texas Department ...")."""
    after = text[end:end + 40]
    m = re.match(r"\s+([A-Z][\w']*)", after)
    if m and m.group(1) not in ("I",):
        return True
    before = text[max(0, start - 60):start]
    m = re.search(r"(^|[.!?:\n]\s*|\s)([A-Z][\w']*)\s+$", before)
    if not m or m.group(2) in ("The", "A", "In", "For", "At", "By", "On", "Of", "And", "I"):
        return False
    sentence_start = m.group(1) == "" and len(before) < 60 and before.startswith(m.group(2)) or \
        m.group(1).strip() != ""
    return not sentence_start


def find_misses(docs: list[AnnotatedDoc], *, min_tagged: int = 3, min_rate: float = 0.8) -> list[Miss]:
    """Untagged occurrences of forms tagged at least ``min_tagged`` times at a rate of ``min_rate``."""
    labels: dict[str, Counter] = defaultdict(Counter)
    for doc in docs:
        for span in doc.spans:
            labels[doc.span_text(span)][span.label] += 1
    untagged: dict[str, list[tuple[AnnotatedDoc, int]]] = defaultdict(list)
    for doc in docs:
        covered = [(s.start, s.end) for s in doc.spans]
        for surface in labels:
            if surface not in doc.text:
                continue
            for start in _occurrences(doc.text, surface):
                end = start + len(surface)
                if not any(a < end and start < b for a, b in covered):
                    untagged[surface].append((doc, start))
    misses: list[Miss] = []
    for surface, places in untagged.items():
        tagged = sum(labels[surface].values())
        label, count = labels[surface].most_common(1)[0]
        rate = tagged / (tagged + len(places))
        if tagged >= min_tagged and rate >= min_rate and count / tagged >= 0.9:
            for doc, start in places:
                end = start + len(surface)
                if _continues_a_name(doc.text, start, end):
                    continue
                misses.append(Miss(doc.id, start, end, surface, label, rate))
    return sorted(misses, key=lambda m: (str(m.doc_id), m.start))


def mark_misses_in_markup(path: str | Path, misses: list[Miss]) -> int:
    """Insert ``[[surface|LABEL]]`` marks for misses into a markup file; returns how many were added.

    In each document with misses, every untagged occurrence of a missed form is marked (with the
    same "continues a name" filter as :func:`find_misses`); only text outside existing marks is
    touched, so the compiled text stays identical.
    """
    from scomm_nlp.data.markup import DOC_HEADER_RE

    path = Path(path)
    lines = path.read_text(encoding="utf-8").split("\n")
    by_doc: dict[int, list[Miss]] = defaultdict(list)
    for miss in misses:
        by_doc[int(miss.doc_id)].append(miss)
    added = 0
    current = None
    for i, line in enumerate(lines):
        header = DOC_HEADER_RE.match(line.strip())
        if header:
            current = int(header.group(1))
            continue
        if current not in by_doc or not line.strip() or line.strip() == "---":
            continue
        for surface, label in {(m.surface, m.label) for m in by_doc[current]}:
            pieces = re.split(r"(\[\[[^\]]*\]\])", lines[i])
            for k, piece in enumerate(pieces):
                if piece.startswith("[[") or surface not in piece:
                    continue
                starts = _occurrences(piece, surface)
                for start in reversed(starts):
                    end = start + len(surface)
                    if _continues_a_name(piece, start, end):
                        continue
                    piece = piece[:start] + f"[[{surface}|{label}]]" + piece[end:]
                    added += 1
                pieces[k] = piece
            lines[i] = "".join(pieces)
    path.write_text("\n".join(lines), encoding="utf-8")
    return added

