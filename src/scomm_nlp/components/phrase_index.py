"""A phrase index: finds token sequences (KB names) in a Doc by their token texts.

It matches what spaCy's ``PhraseMatcher(attr="ORTH")`` matches, but its patterns are plain tuples
of string hashes: adding 6,000 names costs milliseconds, where the PhraseMatcher needs a Doc per
name and a lexeme per word (more than a second at every pipeline load). Matching looks up each
token's hash in a dict of first words, then compares the candidates' following hashes.
"""

from __future__ import annotations

from typing import Iterable, Iterator

from spacy.strings import hash_string
from spacy.tokens import Doc, Span


class PhraseIndex:
    """Patterns ``(words, label, id)`` indexed by the hash of their first word."""

    def __init__(self) -> None:
        self._lines: list[dict] = []
        self._by_first: dict[int, list[tuple[tuple[int, ...], str, str | None]]] = {}
        self._seen: set[tuple[tuple[int, ...], str, str | None]] = set()

    def __len__(self) -> int:
        return len(self._lines)

    def add(self, words: list[str], label: str, id: str | None = None, text: str | None = None) -> None:
        """Add one pattern: the token texts of a name, its label, and the KB id it names (or None)."""
        if not words:
            return
        hashes = tuple(hash_string(word) for word in words)
        key = (hashes, label, id)
        if key in self._seen:
            return
        self._seen.add(key)
        self._by_first.setdefault(hashes[0], []).append(key)
        line = {"label": label, "pattern": text if text is not None else " ".join(words), "words": list(words)}
        if id is not None:
            line["id"] = id
        self._lines.append(line)

    def add_lines(self, lines: Iterable[dict]) -> None:
        """Add patterns saved by :meth:`to_lines`."""
        for line in lines:
            self.add(line["words"], line["label"], line.get("id"), line.get("pattern"))

    def to_lines(self) -> list[dict]:
        """The patterns as JSON-ready dicts: ``label``, ``pattern`` (the name), ``words``, ``id`` if any."""
        return list(self._lines)

    def find(self, doc: Doc) -> Iterator[tuple[int, int, str, str | None]]:
        """Every occurrence as ``(start, end, label, id)`` token offsets, overlapping ones included."""
        if not self._by_first or not len(doc):
            return
        orths = doc.to_array("ORTH").tolist()
        n = len(orths)
        by_first = self._by_first
        for i, orth in enumerate(orths):
            candidates = by_first.get(orth)
            if candidates is None:
                continue
            for hashes, label, id_ in candidates:
                end = i + len(hashes)
                if end <= n and (len(hashes) == 1 or tuple(orths[i:end]) == hashes):
                    yield i, end, label, id_

    def match(self, doc: Doc) -> list[Span]:
        """The occurrences as labelled Spans (``span.id_`` = the pattern's id), sorted, without duplicates."""
        spans = {Span(doc, start, end, label=label, span_id=id_ or 0)
                 for start, end, label, id_ in self.find(doc)}
        return sorted(spans)
