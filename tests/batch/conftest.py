"""Fixtures for the batch-tagging tests: real team-written texts, archives in each format, a test gate."""

import json
import re
import time
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

#: Off-topic texts written for these tests (no enforcement program, agency or official named).
OFF_TOPIC = [
    "The county fair opened on Friday with a pie contest, a tractor pull and three new rides for children.",
    "Heavy rain is expected over the weekend, and the river could rise above flood stage by Monday night.",
    "The high school robotics team won the regional final with a machine that stacks cones in ten seconds.",
]


class KeywordGate:
    """A small relevance gate for tests: score 1.0 when an enforcement keyword appears, else 0.0.

    ``delay`` seconds of sleep per call make partitions slow enough to kill a worker mid-run.
    """

    threshold = 0.5
    version = "test-1"
    pattern = re.compile(r"Secure Communities|287\(g\)|ICE|immigra|deport|detainer", re.IGNORECASE)

    def __init__(self, delay: float = 0.0):
        self.delay = delay

    def predict_proba(self, texts):
        if self.delay:
            time.sleep(self.delay)
        return [1.0 if self.pattern.search(t) else 0.0 for t in texts]


@pytest.fixture(scope="session")
def corpus_docs():
    """The first 40 dev documents of the team corpus: id, text, date."""
    docs = []
    with open(REPO / "annotations" / "dev.jsonl", encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            docs.append({"id": str(rec["id"]), "text": rec["text"], "date": rec.get("date")})
            if len(docs) == 40:
                break
    return docs


def write_jsonl(path: Path, records) -> Path:
    """Records (dicts, or raw str/bytes lines) to a JSONL file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "wb") as fh:
        for rec in records:
            if isinstance(rec, dict):
                rec = json.dumps(rec, ensure_ascii=False)
            fh.write((rec.encode("utf-8") if isinstance(rec, str) else rec) + b"\n")
    return path


def table_files(out: Path) -> dict[str, bytes]:
    """Every table part of an output folder, by relative path, as bytes."""
    return {p.relative_to(out).as_posix(): p.read_bytes()
            for sub in ("documents", "mentions", "stances", "errors") for p in sorted((out / sub).glob("part-*"))}


@pytest.fixture
def keyword_gate():
    return KeywordGate


@pytest.fixture
def jsonl_file():
    return write_jsonl


@pytest.fixture
def table_bytes():
    return table_files


@pytest.fixture
def off_topic():
    return OFF_TOPIC
