"""Shared fixtures. Model hubs are never reached: tests run offline."""

import json
import os
from pathlib import Path

import pytest

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

REPO = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def mark_ents():
    """Set a Doc's entities from marks: "Text/LABEL" items separated by " | ", each found at its next occurrence
    in the text (in order of appearance). Returns the Doc."""

    def mark(doc, marks: str):
        text, spans, at = doc.text, [], 0
        for item in marks.split(" | "):
            surface, label = item.rsplit("/", 1)
            start = text.index(surface, at)
            span = doc.char_span(start, start + len(surface), label=label)
            assert span is not None, item
            spans.append(span)
            at = start + len(surface)
        doc.ents = spans
        return doc

    return mark


@pytest.fixture
def write_jsonl(tmp_path):
    """Write records (dicts, or raw strings for broken lines) to a JSONL file and return its path."""

    def write(records, name="export.jsonl"):
        path = tmp_path / name
        with path.open("w", encoding="utf-8") as fh:
            for rec in records:
                fh.write((rec if isinstance(rec, str) else json.dumps(rec, ensure_ascii=False)) + "\n")
        return path

    return write


@pytest.fixture
def quinn_record():
    text = "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."
    return {
        "id": 7,
        "text": text,
        "entities": [
            {"id": 1, "label": "GOVERNOR", "start_offset": 5, "end_offset": 14},
            {"id": 2, "label": "JURISDICTION", "start_offset": 20, "end_offset": 28},
            {"id": 3, "label": "PROGRAM", "start_offset": 49, "end_offset": 67},
        ],
        "relations": [
            {"id": 10, "from_id": 1, "to_id": 3, "type": "OPPOSES"},
            {"id": 11, "from_id": 2, "to_id": 3, "type": "OPPOSES"},
        ],
        "Comments": ["checked"],
    }
