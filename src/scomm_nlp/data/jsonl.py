"""One way to read a line of a JSON-lines file, so every reader reports a bad line in the same words."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any, Iterator


def parse_json_line(line: str) -> tuple[Any, str | None]:
    """``(value, None)`` for a line of valid JSON, else ``(None, "invalid JSON: <why> at column N")``."""
    try:
        return json.loads(line), None
    except json.JSONDecodeError as exc:
        return None, f"invalid JSON: {exc.msg} at column {exc.colno}"


def parse_json_object(line: str) -> tuple[dict | None, str | None]:
    """``(record, None)`` for a line holding a JSON object, else ``(None, reason)``: invalid JSON, or
    ``"expected a JSON object, got list"`` (or whatever type it holds)."""
    value, error = parse_json_line(line)
    if error is not None:
        return None, error
    if not isinstance(value, dict):
        return None, f"expected a JSON object, got {type(value).__name__}"
    return value, None


def read_json_objects(path: Path, error: type[Exception] = ValueError) -> Iterator[tuple[int, dict]]:
    """``(line number, record)`` for every non-blank line of a JSON-lines file (``.gz`` too); the first bad
    line raises ``error("FILE:LINE: <reason>")``."""
    opener = gzip.open if path.name.endswith(".gz") else open
    with opener(path, "rt", encoding="utf-8") as fh:
        for number, line in enumerate(fh, start=1):
            if not line.strip():
                continue
            record, reason = parse_json_object(line)
            if reason is not None:
                raise error(f"{path}:{number}: {reason}")
            yield number, record
