"""The two shapes a record takes on its way through a batch run.

* :class:`RawRecord` is what the driver cuts into partitions: cheap to produce and to pickle (a
  JSON line's bytes, a CSV or Parquet row, or the path of a ``.txt``/``.html`` file), so decoding,
  parsing and HTML extraction happen in the workers, and a resumed run can skip finished
  partitions without parsing them.
* :class:`DocInput` is a parsed record: the text and what is carried with it, or the reason it
  cannot be tagged.
"""

from __future__ import annotations

import datetime as _dt
import re
from dataclasses import dataclass
from typing import Any, Mapping


class BatchUsageError(ValueError):
    """The run cannot start: a missing input, an unknown option, an output folder in the way."""


class BatchRunError(RuntimeError):
    """The run stopped part-way (a worker died, a partition could not be written); rerun with resume."""


@dataclass(frozen=True)
class Fields:
    """Which record fields hold the text, document id and date (JSONL, CSV and Parquet inputs)."""

    text: str = "text"
    id: str = "id"
    date: str = "date"
    title: str = "title"
    url: str = "url"

    def columns(self) -> tuple[str, ...]:
        return (self.text, self.id, self.date, self.title, self.url)


@dataclass(frozen=True, slots=True)
class RawRecord:
    """One input record as the driver found it, before any decoding or parsing.

    ``line`` is the line (JSONL, CSV) or 1-based row number (Parquet) in ``source``; 0 for a
    whole-file record. ``payload`` is the line's bytes (JSONL), the row as a dict (CSV, Parquet) or
    None (``.txt``/``.html``: the worker reads ``source``). ``error`` is set when the driver already
    knows the record is bad (a broken CSV row, an unreadable gzip stream).
    """

    position: int
    source: str
    line: int
    kind: str
    payload: Any = None
    doc_id: str | None = None
    error: str | None = None

    def where(self) -> str:
        return f"{self.source}:{self.line}" if self.line else self.source


@dataclass
class DocInput:
    """A parsed record: its text and carried fields, or ``error`` saying why it cannot be tagged."""

    position: int
    source: str
    doc_id: str | None = None
    text: str | None = None
    date: str | None = None
    title: str | None = None
    url: str | None = None
    error: str | None = None


_DATE_PREFIX = re.compile(r"(\d{4})-(\d{2})-(\d{2})(?:$|[T ])")


def normalize_date(value: Any) -> str | None:
    """``YYYY-MM-DD`` from a date, a datetime or an ISO date/datetime string; None for nothing.

    Raises ValueError for anything else, so a bad date is reported rather than silently dropped.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, str):
        match = _DATE_PREFIX.match(value.strip())
        if match:
            try:
                return _dt.date(*map(int, match.groups())).isoformat()
            except ValueError:
                pass
    raise ValueError(f"not a YYYY-MM-DD date: {value!r}")


def _optional_str(value: Any) -> str | None:
    if value is None or value == "":
        return None
    return value if isinstance(value, str) else str(value)


def _has_surrogates(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def decode_utf8(data: bytes) -> str:
    """Strict UTF-8 (a leading BOM dropped); the error names the first bad byte and its offset."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ValueError(f"undecodable bytes: not UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})") from None


def check_text(text: Any, field: str, max_chars: int) -> str:
    """The text of a record, or ValueError naming the field and what is wrong with it."""
    if text is None:
        raise ValueError(f"{field}: missing (null)")
    if isinstance(text, bytes):
        text = decode_utf8(text)
    if not isinstance(text, str):
        raise ValueError(f"{field}: not a string (got {type(text).__name__})")
    if _has_surrogates(text):
        raise ValueError(f"{field}: undecodable bytes: not UTF-8")
    if len(text) > max_chars:
        raise ValueError(f"{field}: oversize: {len(text)} characters, over max_chars={max_chars}")
    return text


def doc_from_mapping(raw: RawRecord, row: Mapping[str, Any], fields: Fields, max_chars: int) -> DocInput:
    """Build a :class:`DocInput` from a JSON object, CSV row or Parquet row; problems go to ``error``."""
    doc = DocInput(raw.position, raw.source, doc_id=f"{raw.source}:{raw.line}")
    try:
        doc.doc_id = _carried(row, fields.id) or doc.doc_id
        doc.title, doc.url = _carried(row, fields.title), _carried(row, fields.url)
        try:
            doc.date = normalize_date(row.get(fields.date))
        except ValueError as exc:
            raise ValueError(f"{fields.date}: {exc}") from None
        if fields.text not in row:
            raise ValueError(f"{fields.text}: missing")
        doc.text = check_text(row[fields.text], fields.text, max_chars)
    except ValueError as exc:
        doc.error = f"{raw.where()}: {exc}"
    return doc


def _carried(row: Mapping[str, Any], field: str) -> str | None:
    """A carried field (id, title, url) as text, or None; ValueError for a value that cannot be one."""
    value = row.get(field)
    if isinstance(value, (dict, list)):
        raise ValueError(f"{field}: not a string or number (got {type(value).__name__})")
    value = _optional_str(value)
    if value is not None and _has_surrogates(value):
        raise ValueError(f"{field}: undecodable bytes: not UTF-8")
    return value
