"""Input readers: find the input files, stream their records in order, and parse one record.

Supported inputs (a folder is searched recursively, in sorted order, hidden entries skipped):

========================  ==========================================================  ===================
file                      one record is                                               document id
========================  ==========================================================  ===================
``.txt``                  the whole file (UTF-8)                                      path relative to the
                                                                                      folder given (file
                                                                                      name if given itself)
``.html`` / ``.htm``      the page's main text, extracted with trafilatura; title,   as ``.txt``
                          url and date from the page's metadata when present
``.jsonl``/``.jsonl.gz``  one JSON object per non-blank line                          ``id`` field, else
                                                                                      ``FILE:LINE``
``.csv``                  one row (header first; quoted fields may span lines)       ``id`` column, else
                                                                                      ``FILE:LINE``
``.parquet``              one row, read batch by batch                                ``id`` column, else
                                                                                      ``FILE:ROW``
========================  ==========================================================  ===================

The driver only *finds* records (:func:`iter_raw_records`): lines, rows and file paths. Decoding,
JSON parsing and HTML extraction happen in :func:`parse_record`, which the workers call.
"""

from __future__ import annotations

import csv
import gzip
import json
import logging
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator

from scomm_nlp.batch.records import (BatchUsageError, DocInput, Fields, RawRecord, check_text, decode_utf8,
                                     doc_from_mapping, normalize_date)
from scomm_nlp.data.jsonl import parse_json_object

KINDS = {".txt": "txt", ".html": "html", ".htm": "html", ".jsonl": "jsonl", ".jsonl.gz": "jsonl",
         ".csv": "csv", ".parquet": "parquet"}

#: An HTML page larger than this many bytes per allowed character is rejected before extraction.
HTML_BYTES_PER_CHAR = 10

_CSV_FIELD_LIMIT = 2**31 - 1


def file_kind(name: str) -> str | None:
    lower = name.lower()
    if lower.endswith(".jsonl.gz"):
        return "jsonl"
    return KINDS.get(os.path.splitext(lower)[1])


@dataclass(frozen=True)
class InputFile:
    """One input file: where it is, what kind, and the document id a whole-file record gets."""

    path: str
    kind: str
    doc_id: str


def iter_input_files(inputs: Iterable[str | os.PathLike]) -> Iterator[InputFile]:
    """The input files in a deterministic order: inputs as given, folders walked in sorted order."""
    for given in inputs:
        path = Path(given)
        if path.is_dir():
            yield from _walk(path, path)
        elif path.is_file():
            kind = file_kind(path.name)
            if kind is None:
                raise BatchUsageError(f"{path}: unsupported input (use .txt, .html, .htm, .jsonl, .jsonl.gz, "
                                      ".csv, .parquet or a folder)")
            yield InputFile(str(path), kind, path.name)
        else:
            raise BatchUsageError(f"no such file or folder: {given}")


def _walk(root: Path, folder: Path) -> Iterator[InputFile]:
    for entry in sorted(os.scandir(folder), key=lambda e: e.name):
        if entry.name.startswith("."):
            continue
        if entry.is_dir():
            yield from _walk(root, Path(entry.path))
        elif entry.is_file() and (kind := file_kind(entry.name)) is not None:
            yield InputFile(entry.path, kind, Path(entry.path).relative_to(root).as_posix())


def check_input_file(f: InputFile, fields: Fields) -> None:
    """Raise BatchUsageError when a file cannot be read at all (no text column, not Parquet, no trafilatura)."""
    if f.kind == "csv":
        with open(f.path, newline="", encoding="utf-8-sig", errors="replace") as fh:
            header = next(csv.reader(fh), None)
        if header is not None and fields.text not in header:
            raise BatchUsageError(f"{f.path}:1: no column {fields.text!r} (columns: {', '.join(header)}); "
                                  "name the text column with --text-field")
    elif f.kind == "parquet":
        import pyarrow.parquet as pq

        try:
            names = pq.read_schema(f.path).names
        except Exception as exc:  # pyarrow raises several types for a broken file
            raise BatchUsageError(f"{f.path}: not a readable Parquet file: {exc}") from None
        if fields.text not in names:
            raise BatchUsageError(f"{f.path}: no column {fields.text!r} (columns: {', '.join(names)}); "
                                  "name the text column with --text-field")
    elif f.kind == "html":
        try:
            import trafilatura  # noqa: F401
        except ImportError:
            raise BatchUsageError(f"{f.path}: HTML input needs trafilatura: pip install 'scomm-nlp[html]'") from None


def estimate_records(f: InputFile) -> int:
    """How many records a file holds, cheaply (exact for Parquet and whole-file kinds, lines for the rest)."""
    if f.kind in ("txt", "html"):
        return 1
    if f.kind == "parquet":
        import pyarrow.parquet as pq

        return pq.ParquetFile(f.path).metadata.num_rows
    opener = gzip.open if f.path.endswith(".gz") else open
    count = 0
    with opener(f.path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            count += chunk.count(b"\n")
    return max(count - (f.kind == "csv"), 0)


# --------------------------------------------------------------------------- driver side: find records


def iter_raw_records(files: Iterable[InputFile], fields: Fields) -> Iterator[RawRecord]:
    """Every record of every file, numbered by ``position`` in input order."""
    position = 0
    for f in files:
        if f.kind in ("txt", "html"):
            yield RawRecord(position, f.path, 0, f.kind, doc_id=f.doc_id)
            position += 1
            continue
        lines = {"jsonl": _jsonl_lines, "csv": _csv_rows, "parquet": _parquet_rows}[f.kind](f, fields)
        for line, payload, error in lines:
            yield RawRecord(position, f.path, line, f.kind, payload, error=error)
            position += 1


def _jsonl_lines(f: InputFile, fields: Fields) -> Iterator[tuple[int, bytes | None, str | None]]:
    opener = gzip.open if f.path.endswith(".gz") else open
    number = 0
    try:
        with opener(f.path, "rb") as fh:
            for number, line in enumerate(fh, start=1):
                if line.strip():
                    yield number, line, None
    except (OSError, EOFError, zlib.error) as exc:
        yield number + 1, None, f"{f.path}:{number + 1}: unreadable from here on: {exc}"


def _csv_rows(f: InputFile, fields: Fields) -> Iterator[tuple[int, dict | None, str | None]]:
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    # surrogateescape keeps undecodable bytes visible to the worker, which reports the row.
    with open(f.path, newline="", encoding="utf-8-sig", errors="surrogateescape") as fh:
        reader = csv.reader(fh, strict=True)
        header = next(reader, None)
        if header is None:
            return
        start = reader.line_num + 1
        while True:
            try:
                row = next(reader)
            except StopIteration:
                return
            except csv.Error as exc:
                yield start, None, f"{f.path}:{start}: bad CSV row: {exc}"
                start = reader.line_num + 1
                continue
            line, start = start, reader.line_num + 1
            if not row:
                continue
            if len(row) != len(header):
                yield line, None, f"{f.path}:{line}: bad CSV row: {len(row)} fields, the header has {len(header)}"
                continue
            yield line, dict(zip(header, row)), None


def _parquet_rows(f: InputFile, fields: Fields) -> Iterator[tuple[int, dict, None]]:
    import pyarrow.parquet as pq

    pf = pq.ParquetFile(f.path)
    try:
        names = set(pf.schema_arrow.names)
        columns = [c for c in dict.fromkeys(fields.columns()) if c in names]
        row = 0
        for batch in pf.iter_batches(batch_size=1024, columns=columns):
            for record in batch.to_pylist():
                row += 1
                yield row, record, None
    finally:
        pf.close()


# --------------------------------------------------------------------------- worker side: parse one record


def parse_record(raw: RawRecord, fields: Fields, max_chars: int) -> DocInput:
    """Decode and parse one record; every problem becomes ``DocInput.error`` (file:line: field: reason)."""
    if raw.error is not None:
        return DocInput(raw.position, raw.source, doc_id=raw.doc_id, error=raw.error)
    if raw.kind == "jsonl":
        return _parse_jsonl(raw, fields, max_chars)
    if raw.kind in ("csv", "parquet"):
        return doc_from_mapping(raw, raw.payload, fields, max_chars)
    doc = DocInput(raw.position, raw.source, doc_id=raw.doc_id)
    try:
        data = Path(raw.source).read_bytes()
    except OSError as exc:
        doc.error = f"{raw.source}: cannot read: {exc.strerror or exc}"
        return doc
    try:
        if raw.kind == "html":
            _extract_html(doc, data, max_chars)
        else:
            doc.text = check_text(data, "text", max_chars)
    except ValueError as exc:
        doc.error = f"{raw.source}: {exc}"
    return doc


def _parse_jsonl(raw: RawRecord, fields: Fields, max_chars: int) -> DocInput:
    try:
        line = decode_utf8(raw.payload)
    except ValueError as exc:
        return DocInput(raw.position, raw.source, doc_id=_id_despite_bad_bytes(raw.payload, fields),
                        error=f"{raw.where()}: {exc}")
    obj, error = parse_json_object(line)
    if error is not None:
        return DocInput(raw.position, raw.source, error=f"{raw.where()}: {error}")
    return doc_from_mapping(raw, obj, fields, max_chars)


def _id_despite_bad_bytes(line: bytes, fields: Fields) -> str | None:
    """The document id of a line that is not valid UTF-8, when the rest of it still parses."""
    try:
        ident = json.loads(line.decode("utf-8", errors="replace")).get(fields.id)
    except (ValueError, AttributeError):
        return None
    return str(ident) if isinstance(ident, (str, int)) else None


def _extract_html(doc: DocInput, data: bytes, max_chars: int) -> None:
    if len(data) > HTML_BYTES_PER_CHAR * max_chars:
        raise ValueError(f"html: oversize: {len(data)} bytes, over {HTML_BYTES_PER_CHAR} x max_chars={max_chars}")
    import trafilatura

    for name in ("trafilatura", "htmldate"):
        logging.getLogger(name).setLevel(logging.ERROR)
    try:
        result = trafilatura.bare_extraction(data, with_metadata=True)
    except Exception as exc:  # trafilatura fails in many ways on broken pages
        raise ValueError(f"html: main-text extraction failed ({type(exc).__name__})") from None
    if not result or not (result.get("text") or "").strip():
        raise ValueError("html: no main text found")
    doc.title = result.get("title") or None
    doc.url = result.get("url") or None
    try:
        doc.date = normalize_date(result.get("date"))
    except ValueError:
        doc.date = None  # a page's guessed date is advisory: a wrong one is dropped, not an error
    doc.text = check_text(result["text"], "text", max_chars)
