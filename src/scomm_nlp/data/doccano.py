"""Read, validate and write Doccano exports without ever silently losing an annotation.

Reads both export shapes:

* relation projects: ``{"id", "text", "entities": [{"id", "label", "start_offset", "end_offset"}],
  "relations": [{"id", "from_id", "to_id", "type"}], ...}``
* plain sequence labelling: ``{"id", "text", "label": [[start, end, "LABEL"], ...]}``

from ``.jsonl``, ``.jsonl.gz`` or the ``.zip`` that Doccano's download gives. Any other field
(``Comments``, meta data) is kept in ``AnnotatedDoc.meta``. Every problem becomes an :class:`Issue`
naming the file, line and field; nothing is dropped without one.
"""

from __future__ import annotations

import functools
import gzip
import io
import json
import os
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

from scomm_nlp import scheme
from scomm_nlp.data.jsonl import parse_json_line
from scomm_nlp.data.records import AnnotatedDoc, DoccanoFormatError, Issue, Relation, Span

RESERVED_FIELDS = ("id", "text", "entities", "relations", "label")
EXPORT_SUFFIXES = (".jsonl", ".jsonl.gz", ".zip")


@dataclass
class ReadResult:
    """Documents read from one or more exports, and every issue found on the way."""

    docs: list[AnnotatedDoc] = field(default_factory=list)
    issues: list[Issue] = field(default_factory=list)

    @property
    def errors(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "error"]

    @property
    def warnings(self) -> list[Issue]:
        return [i for i in self.issues if i.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------- raw lines


def iter_export_lines(path: str | Path) -> Iterator[tuple[str, int, str]]:
    """Yield ``(source name, line number, raw line)`` for every non-blank line of an export.

    A zip yields the lines of each ``.jsonl``/``.json`` member, named ``archive.zip:member``.
    """
    path = Path(path)
    name = str(path)
    if path.suffix == ".zip":
        with zipfile.ZipFile(path) as archive:
            for member in sorted(archive.namelist()):
                if member.endswith("/") or not member.endswith((".jsonl", ".json")):
                    continue
                with archive.open(member) as fh:
                    yield from _numbered(io.TextIOWrapper(fh, encoding="utf-8-sig"), f"{name}:{member}")
        return
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8-sig") as fh:
        yield from _numbered(fh, name)


def _numbered(lines: Iterable[str], name: str) -> Iterator[tuple[str, int, str]]:
    for number, line in enumerate(lines, start=1):
        if line.strip():
            yield name, number, line


#: Files that live beside exports but are not exports.
NOT_EXPORTS = "kb_links.jsonl"


def find_exports(paths: Iterable[str | Path]) -> list[Path]:
    """Expand folders into the export files directly inside them (sorted; sub-folders such as
    ``annotations/offtopic/`` are other datasets); keep files as given.

    A folder's gold knowledge-base links file (``kb_links.jsonl``, see ``scomm_nlp.data.links``) is
    not an export and is skipped."""
    found: list[Path] = []
    for raw in paths:
        path = Path(raw)
        if path.is_dir():
            found.extend(sorted(p for p in path.glob("*") if p.is_file() and str(p).endswith(EXPORT_SUFFIXES)
                                and p.name != NOT_EXPORTS))
        else:
            found.append(path)
    return found


# --------------------------------------------------------------------------- one record


def _is_int(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def utf16_to_codepoint_map(text: str) -> list[int]:
    """Map every UTF-16 offset of ``text`` (0..len16) to the code-point offset at or before it."""
    mapping: list[int] = []
    for index, char in enumerate(text):
        mapping.append(index)
        if ord(char) > 0xFFFF:
            mapping.append(index)  # the low surrogate sits inside the same character
    mapping.append(len(text))
    return mapping


def _clean_boundary_score(text: str, spans: list[tuple[int, int]]) -> int:
    """How many span edges fall on a word edge: the test for which offset unit a file uses."""
    score = 0
    for start, end in spans:
        if 0 <= start < end <= len(text):
            if start == 0 or not (text[start - 1].isalnum() and text[start].isalnum()):
                score += 1
            if end == len(text) or not (text[end - 1].isalnum() and text[end].isalnum()):
                score += 1
            if text[start].isspace() or text[end - 1].isspace():
                score -= 1
    return score


def _raw_spans(record: dict, where: tuple[str, int], doc_id: Any, issues: list[Issue]) -> list[tuple[int, int, int, str, str]]:
    """(id, start, end, label, field name) for each well-formed span entry of either shape."""
    out: list[tuple[int, int, int, str, str]] = []
    file, line = where
    if "entities" in record:
        entities = record["entities"]
        if not isinstance(entities, list):
            issues.append(Issue(file, line, "entities", "error", "must be a list", doc_id))
            return out
        for i, ent in enumerate(entities):
            fname = f"entities[{i}]"
            if not isinstance(ent, dict):
                issues.append(Issue(file, line, fname, "error", "must be an object", doc_id))
                continue
            missing = [k for k in ("id", "label", "start_offset", "end_offset") if k not in ent]
            if missing:
                issues.append(Issue(file, line, fname, "error", f"missing {', '.join(missing)}", doc_id))
                continue
            bad = [k for k in ("id", "start_offset", "end_offset") if not _is_int(ent[k])]
            if bad or not isinstance(ent["label"], str):
                issues.append(Issue(file, line, fname, "error", f"wrong type for {', '.join(bad) or 'label'}", doc_id))
                continue
            out.append((ent["id"], ent["start_offset"], ent["end_offset"], ent["label"], fname))
    elif "label" in record:
        labels = record["label"]
        if not isinstance(labels, list):
            issues.append(Issue(file, line, "label", "error", "must be a list of [start, end, label]", doc_id))
            return out
        for i, item in enumerate(labels):
            fname = f"label[{i}]"
            if (not isinstance(item, (list, tuple)) or len(item) != 3 or not _is_int(item[0])
                    or not _is_int(item[1]) or not isinstance(item[2], str)):
                issues.append(Issue(file, line, fname, "error", "must be [start, end, \"LABEL\"]", doc_id))
                continue
            out.append((i + 1, item[0], item[1], item[2], fname))
    return out


def parse_record(record: Any, file: str, line: int, tokenizer=None) -> tuple[AnnotatedDoc | None, list[Issue]]:
    """Check one decoded export record and turn it into an :class:`AnnotatedDoc`.

    Returns ``(None, issues)`` when the record cannot be used at all (no usable text); otherwise
    the document keeps every span and relation that passed, and every rejected one has an error.
    """
    issues: list[Issue] = []
    if not isinstance(record, dict):
        return None, [Issue(file, line, "<record>", "error", f"expected a JSON object, got {type(record).__name__}")]
    doc_id = record.get("id")
    if "id" in record and not (_is_int(doc_id) or isinstance(doc_id, str)):
        issues.append(Issue(file, line, "id", "error", "must be an integer or string", None))
        doc_id = None
    text = record.get("text")
    if "text" not in record:
        return None, issues + [Issue(file, line, "text", "error", "missing", doc_id)]
    if not isinstance(text, str):
        return None, issues + [Issue(file, line, "text", "error", f"must be a string, got {type(text).__name__}", doc_id)]
    if not text.strip():
        issues.append(Issue(file, line, "text", "warning", "empty text", doc_id))
    meta = {k: v for k, v in record.items() if k not in RESERVED_FIELDS}
    raw = _raw_spans(record, (file, line), doc_id, issues)

    # Offsets counted in UTF-16 code units (Doccano's browser front end does this for emoji).
    if any(ord(c) > 0xFFFF for c in text) and raw:
        mapping = utf16_to_codepoint_map(text)
        as_16 = [(mapping[s], mapping[e]) for _, s, e, _, _ in raw if 0 <= s <= e < len(mapping)]
        as_cp = [(s, e) for _, s, e, _, _ in raw]
        fits_cp = all(0 <= s < e <= len(text) for s, e in as_cp)
        fits_16 = len(as_16) == len(raw)
        if fits_16 and (not fits_cp or _clean_boundary_score(text, as_16) > _clean_boundary_score(text, as_cp)):
            raw = [(i, mapping[s], mapping[e], lab, f) for i, s, e, lab, f in raw]
            issues.append(Issue(file, line, "entities" if "entities" in record else "label", "warning",
                                "offsets counted in UTF-16 units; converted to characters", doc_id))

    spans: list[Span] = []
    seen_ids: set[int] = set()
    for span_id, start, end, label, fname in raw:
        if span_id in seen_ids:
            issues.append(Issue(file, line, f"{fname}.id", "error", f"duplicate entity id {span_id}", doc_id))
            continue
        if label not in scheme.ENTITY_LABELS:
            issues.append(Issue(file, line, f"{fname}.label", "error",
                                f"unknown label {label!r} (expected one of {', '.join(scheme.ENTITY_LABELS)})", doc_id))
            continue
        if not (0 <= start < end <= len(text)):
            issues.append(Issue(file, line, fname, "error",
                                f"offsets [{start}, {end}) out of range for text of length {len(text)}", doc_id))
            continue
        snapped = _snap_to_tokens(text, start, end, tokenizer)
        if snapped is None:
            issues.append(Issue(file, line, fname, "error",
                                f"span {text[start:end]!r} [{start}, {end}) does not fall on token boundaries", doc_id))
            continue
        if snapped != (start, end):
            issues.append(Issue(file, line, fname, "warning",
                                f"span {text[start:end]!r} snapped to token boundaries as "
                                f"{text[snapped[0]:snapped[1]]!r}", doc_id))
            start, end = snapped
        seen_ids.add(span_id)
        spans.append(Span(span_id, start, end, label))

    spans.sort(key=lambda s: (s.start, s.end))
    kept: list[Span] = []
    for span in spans:
        if kept and span.start < kept[-1].end:
            prev = kept[-1]
            issues.append(Issue(file, line, "entities", "error",
                                f"span {span.id} {text[span.start:span.end]!r} overlaps span {prev.id} "
                                f"{text[prev.start:prev.end]!r}", doc_id))
            continue
        kept.append(span)
    by_id = {s.id: s for s in kept}
    rejected_ids = {sid for sid, *_ in raw} - set(by_id)

    relations: list[Relation] = []
    rel_list = record.get("relations", [])
    if not isinstance(rel_list, list):
        issues.append(Issue(file, line, "relations", "error", "must be a list", doc_id))
        rel_list = []
    rel_ids: set[Any] = set()
    for i, rel in enumerate(rel_list):
        fname = f"relations[{i}]"
        if not isinstance(rel, dict) or any(k not in rel for k in ("from_id", "to_id", "type")):
            issues.append(Issue(file, line, fname, "error", "must be an object with from_id, to_id and type", doc_id))
            continue
        rel_id = rel.get("id", i + 1)
        if rel_id in rel_ids:
            issues.append(Issue(file, line, f"{fname}.id", "error", f"duplicate relation id {rel_id}", doc_id))
            continue
        rel_type = rel["type"]
        if rel_type not in scheme.RELATION_SIGNATURES:
            issues.append(Issue(file, line, f"{fname}.type", "error",
                                f"unknown relation type {rel_type!r} (expected one of "
                                f"{', '.join(scheme.RELATION_TYPES)})", doc_id))
            continue
        missing = [k for k in ("from_id", "to_id") if rel[k] not in by_id]
        if missing:
            reason = ", ".join(
                f"{k}={rel[k]} ({'rejected above' if rel[k] in rejected_ids else 'no such entity'})" for k in missing
            )
            issues.append(Issue(file, line, fname, "error", f"points at a missing entity: {reason}", doc_id))
            continue
        actor, target = by_id[rel["from_id"]], by_id[rel["to_id"]]
        if not scheme.relation_allowed(rel_type, actor.label, target.label):
            sig = scheme.RELATION_SIGNATURES[rel_type]
            issues.append(Issue(file, line, fname, "error",
                                f"{rel_type} does not allow {actor.label} -> {target.label} (actor one of "
                                f"{', '.join(sorted(sig.actors))}; target one of {', '.join(sorted(sig.targets))})",
                                doc_id))
            continue
        rel_ids.add(rel_id)
        relations.append(Relation(rel_id, actor.id, target.id, rel_type))
    return AnnotatedDoc(doc_id, text, kept, relations, meta, file, line), issues


_TRIM = " \t\r\n\u00a0,.;:!?\"'()[]{}\u201c\u201d\u2018\u2019-\u2013\u2014"


def _snap_to_tokens(text: str, start: int, end: int, tokenizer) -> tuple[int, int] | None:
    """Return token-aligned offsets, snapping only over whitespace/punctuation; None if impossible."""
    if tokenizer is None:
        return start, end
    doc = tokenizer(text) if not hasattr(tokenizer, "_cached") else tokenizer._cached(text)
    starts = {t.idx for t in doc}
    ends = {t.idx + len(t) for t in doc}
    # shrink over surrounding whitespace / punctuation when what is left is still whole tokens
    # ("(ICE)" -> "ICE"); "U.S." and "287(g)" stay whole because their punctuation is inside a token
    s, e = start, end
    while s < e and text[s] in _TRIM:
        s += 1
    while e > s and text[e - 1] in _TRIM:
        e -= 1
    if s < e and s in starts and e in ends:
        return s, e
    if start in starts and end in ends:
        return start, end
    # grow to the enclosing tokens when only punctuation or whitespace is added
    s2 = max((x for x in starts if x <= start), default=None)
    e2 = min((x for x in ends if x >= end), default=None)
    if s2 is not None and e2 is not None:
        added = text[s2:start] + text[end:e2]
        if all(not unicodedata.category(c).startswith(("L", "N")) for c in added):
            return s2, e2
    return None


class _CachingTokenizer:
    """Tokenize each distinct text once while validating its spans."""

    def __init__(self, tokenizer):
        self.tokenizer = tokenizer
        self._text: str | None = None
        self._doc = None

    def _cached(self, text: str):
        if text != self._text:
            self._text, self._doc = text, self.tokenizer(text)
        return self._doc

    def __call__(self, text: str):
        return self._cached(text)


@functools.lru_cache(maxsize=1)
def _project_tokenizer():
    from scomm_nlp.tokenizer import blank_english

    return blank_english().tokenizer


def default_tokenizer():
    """The project's tokenizer, used to check that spans fall on token boundaries."""
    return _CachingTokenizer(_project_tokenizer())


# --------------------------------------------------------------------------- files


def read_doccano(paths: str | Path | Iterable[str | Path], *, strict: bool = False, tokenizer="default") -> ReadResult:
    """Read and validate Doccano exports (files or folders).

    Every problem is returned as an :class:`Issue`; with ``strict=True`` a :class:`DoccanoFormatError`
    is raised when any error was found. Pass ``tokenizer=None`` to skip the token-boundary check.
    """
    if isinstance(paths, (str, Path)):
        paths = [paths]
    if tokenizer == "default":
        tokenizer = default_tokenizer()
    result = ReadResult()
    for path in find_exports(paths):
        if not path.exists():
            result.issues.append(Issue(str(path), 0, "<file>", "error", "no such file"))
            continue
        try:
            for file, line, raw in iter_export_lines(path):
                record, error = parse_json_line(raw)
                if error is not None:
                    result.issues.append(Issue(file, line, "<json>", "error", error))
                    continue
                doc, issues = parse_record(record, file, line, tokenizer)
                result.issues.extend(issues)
                if doc is not None:
                    result.docs.append(doc)
        except (OSError, zipfile.BadZipFile, UnicodeDecodeError, EOFError) as exc:
            result.issues.append(Issue(str(path), 0, "<file>", "error", f"cannot read: {exc}"))
    result.issues.extend(check_collection(result.docs))
    if strict and result.errors:
        raise DoccanoFormatError(result.issues)
    return result


def check_collection(docs: list[AnnotatedDoc]) -> list[Issue]:
    """Cross-document checks: duplicate document ids, duplicate texts annotated differently."""
    issues: list[Issue] = []
    by_id: dict[Any, AnnotatedDoc] = {}
    for doc in docs:
        if doc.id is None:
            continue
        if doc.id in by_id:
            first = by_id[doc.id]
            issues.append(Issue(doc.source, doc.line, "id", "error",
                                f"duplicate document id {doc.id!r} (first at {first.source}:{first.line})", doc.id))
        else:
            by_id[doc.id] = doc
    by_text: dict[str, AnnotatedDoc] = {}
    for doc in docs:
        key = normalize_text(doc.text)
        if not key:
            continue
        if key in by_text:
            first = by_text[key]
            if first.annotation_key() != doc.annotation_key():
                issues.append(Issue(doc.source, doc.line, "text", "error",
                                    f"same text as {first.source}:{first.line} (doc {first.id}) but annotated "
                                    "differently", doc.id))
            else:
                issues.append(Issue(doc.source, doc.line, "text", "warning",
                                    f"duplicate of {first.source}:{first.line} (doc {first.id})", doc.id))
        else:
            by_text[key] = doc
    return issues


def normalize_text(text: str) -> str:
    """The form used to detect duplicate documents: NFC, whitespace collapsed, case folded."""
    return " ".join(unicodedata.normalize("NFC", text).split()).casefold()


# --------------------------------------------------------------------------- writing


def to_utf16_offset(text: str, offset: int) -> int:
    return offset + sum(1 for c in text[:offset] if ord(c) > 0xFFFF)


def doc_to_record(doc: AnnotatedDoc, *, utf16: bool = False) -> dict:
    """One document in Doccano's relation-export shape (meta fields kept at the top level)."""

    def conv(offset: int) -> int:
        return to_utf16_offset(doc.text, offset) if utf16 else offset

    record: dict[str, Any] = {"id": doc.id, "text": doc.text}
    record["entities"] = [
        {"id": s.id, "label": s.label, "start_offset": conv(s.start), "end_offset": conv(s.end)} for s in doc.spans
    ]
    record["relations"] = [{"id": r.id, "from_id": r.from_id, "to_id": r.to_id, "type": r.type} for r in doc.relations]
    for key, value in doc.meta.items():
        if key not in record:
            record[key] = value
    return record


def write_doccano(docs: Iterable[AnnotatedDoc], path: str | Path, *, utf16: bool = False) -> Path:
    """Write Doccano relation JSONL (``.jsonl`` or ``.jsonl.gz``) atomically: a crash leaves the old file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    os.close(fd)
    try:
        opener = gzip.open if path.suffix == ".gz" else open
        with opener(tmp, "wt", encoding="utf-8") as fh:
            for doc in docs:
                fh.write(json.dumps(doc_to_record(doc, utf16=utf16), ensure_ascii=False) + "\n")
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path
