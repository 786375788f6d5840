"""``scomm_nlp.tag``: batch-tag an archive into per-partition tables, resumably, on any engine."""

from __future__ import annotations

import datetime as _dt
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Iterator

from scomm_nlp.batch.engines import ENGINES
from scomm_nlp.batch.gates import gate_identity, resolve_gate
from scomm_nlp.batch.manifest import (explain_mismatch, fingerprint, model_identity, read_manifest, scan_inputs,
                                      write_manifest)
from scomm_nlp.batch.partitions import PartitionSpec, Settings, cut_partitions
from scomm_nlp.batch.readers import iter_input_files, iter_raw_records
from scomm_nlp.batch.records import BatchRunError, BatchUsageError, Fields
from scomm_nlp.batch.writers import FORMATS, MANIFEST, MARKERS, TABLES, iter_markers, remove_stale_temporaries

DEFAULT_PARTITION_SIZE = 1000
DEFAULT_BATCH_SIZE = 64
#: Texts over ``CHUNK_CHARS`` (100,000) and up to this many characters take the chunked path;
#: longer ones are reported as oversize in the errors table.
DEFAULT_MAX_CHARS = 1_000_000
COUNT_KEYS = ("documents", "ok", "skipped", "error", "mentions", "stances")


@dataclass
class RunSummary:
    """What a finished :func:`tag` run did; ``exit_code`` is 0 when no record failed, else 1."""

    out: str
    format: str
    status: str
    partitions: int
    resumed_partitions: int
    documents: int
    ok: int
    skipped: int
    errors: int
    mentions: int
    stances: int
    processed: int
    seconds: float

    @property
    def docs_per_s(self) -> float:
        return self.processed / self.seconds if self.seconds > 0 else 0.0

    @property
    def exit_code(self) -> int:
        return 1 if self.errors else 0

    def __str__(self) -> str:
        resumed = f", {self.resumed_partitions} already done" if self.resumed_partitions else ""
        return (f"{self.documents} document(s): {self.ok} ok, {self.skipped} skipped, {self.errors} error(s); "
                f"{self.mentions} mention(s), {self.stances} stance(s)\n"
                f"{self.processed} document(s) tagged in {self.seconds:.1f} s ({self.docs_per_s:.1f} docs/s, "
                "start-up included); "
                f"{self.partitions} partition(s){resumed}\n"
                f"output: {self.out} ({self.format})")


def tag(inputs: str | os.PathLike | Iterable[str | os.PathLike], out: str | os.PathLike, *, format: str = "parquet",
        engine: str = "local", n_process: int = 1, scheduler: str | None = None, resume: bool = False,
        partition_size: int = DEFAULT_PARTITION_SIZE, text_field: str = "text", id_field: str = "id",
        date_field: str = "date", gate: Any = "default", model: str | None = None,
        batch_size: int = DEFAULT_BATCH_SIZE, max_chars: int = DEFAULT_MAX_CHARS,
        progress: bool | None = None) -> RunSummary:
    """Tag every record of ``inputs`` and write the documents, mentions, stances and errors tables
    to ``out`` (see ``scomm_nlp.batch.writers`` for the layout).

    ``inputs``: files or folders (``.txt``, ``.html``/``.htm``, ``.jsonl``/``.jsonl.gz``, ``.csv``,
    ``.parquet``). ``engine``: ``"local"`` (``n_process`` worker processes, -1 = one per core) or
    ``"dask"`` (a LocalCluster of ``n_process`` workers, or the cluster at ``scheduler``).
    ``resume=True`` continues an interrupted run in ``out`` (same inputs, model and settings),
    skipping finished partitions. ``gate``: ``"default"``, None, or an object with
    ``predict_proba(texts)`` and ``threshold``. ``progress``: None shows a bar when stderr is a terminal.

    Raises BatchUsageError before anything is written when the run cannot start, and
    BatchRunError when it stops part-way (finished partitions are kept).
    """
    started, clock = _dt.datetime.now(_dt.timezone.utc), time.perf_counter()
    inputs = [inputs] if isinstance(inputs, (str, os.PathLike)) else list(inputs)
    n_process = _check_options(inputs, format, engine, n_process, scheduler, partition_size, batch_size, max_chars)
    fields = Fields(text=text_field, id=id_field, date=date_field)
    out = Path(out)
    show = sys.stderr.isatty() if progress is None else bool(progress)

    model_id = model_identity(model)
    gate_id = gate_identity(resolve_gate(gate))
    scan = scan_inputs(inputs, lambda given: iter_input_files([given]), fields, estimate=show)
    settings_doc = {"format": format, "partition_size": partition_size, "text_field": text_field,
                    "id_field": id_field, "date_field": date_field, "max_chars": max_chars,
                    "batch_size": batch_size, "gate": gate_id}
    fp = fingerprint(scan, model_id, settings_doc)
    done = _prepare_out(out, resume, fp, model_id, settings_doc)

    manifest = {"status": "running", "scomm_nlp_version": _version(), "inputs": scan.inputs, "model": model_id,
                "settings": settings_doc, "fingerprint": fp,
                "engine": {"name": engine, "n_process": n_process, "scheduler": scheduler},
                "partitions": None, "counts": None,
                "timings": {"started": started.isoformat(timespec="seconds")}}
    write_manifest(out, manifest)
    settings = Settings(str(out), format, model, fields, max_chars, batch_size, fp["run"])
    remaining = None if scan.estimated_records is None else max(
        scan.estimated_records - sum(m["n_records"] for m in iter_markers(out) if m["partition"] in done), 0)
    meter = _Progress(show, remaining)
    state = {"partitions": 0, "processed": 0}

    def partitions() -> Iterator[PartitionSpec]:
        records = iter_raw_records(iter_input_files(inputs), fields)
        for spec in cut_partitions(records, partition_size):
            state["partitions"] += 1
            if spec.index not in done:
                yield spec

    def on_done(marker: dict) -> None:
        state["processed"] += marker["n_records"]
        meter.advance(marker["n_records"])

    try:
        with meter:
            if engine == "local":
                from scomm_nlp.batch.engines.local import run_local

                run_local(partitions(), settings, gate, n_process, on_done)
            else:
                from scomm_nlp.batch.engines.dask import run_dask

                run_dask(partitions(), settings, gate, n_process, scheduler, on_done)
    except BaseException as exc:
        manifest["status"] = "interrupted" if isinstance(exc, KeyboardInterrupt) else "failed"
        manifest["timings"]["finished"] = _dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds")
        write_manifest(out, manifest)
        raise

    markers = _check_complete(out, fp["run"], state["partitions"])
    counts = {key: sum(m["counts"][key] for m in markers) for key in COUNT_KEYS}
    seconds = time.perf_counter() - clock
    manifest.update(status="complete", partitions=state["partitions"], counts=counts)
    manifest["model"]["loaded_as"] = next((m["model"] for m in markers if m.get("model")), None)
    manifest["timings"].update(
        finished=_dt.datetime.now(_dt.timezone.utc).isoformat(timespec="seconds"), seconds=round(seconds, 3),
        documents_this_run=state["processed"], docs_per_s=round(state["processed"] / seconds, 2) if seconds else 0.0,
        resumed_partitions=len(done), partition_seconds=round(sum(m["seconds"] for m in markers), 3))
    write_manifest(out, manifest)
    remove_stale_temporaries(out)
    return RunSummary(str(out), format, "complete", state["partitions"], len(done), counts["documents"],
                      counts["ok"], counts["skipped"], counts["error"], counts["mentions"], counts["stances"],
                      state["processed"], seconds)


def _version() -> str:
    import scomm_nlp

    return scomm_nlp.__version__


def _check_options(inputs, format, engine, n_process, scheduler, partition_size, batch_size, max_chars) -> int:
    if not inputs:
        raise BatchUsageError("no inputs given")
    if format not in FORMATS:
        raise BatchUsageError(f"unknown format {format!r}: use one of {', '.join(FORMATS)}")
    if engine not in ENGINES:
        raise BatchUsageError(f"unknown engine {engine!r}: use one of {', '.join(ENGINES)}")
    if scheduler is not None and engine != "dask":
        raise BatchUsageError("a scheduler address needs engine='dask' (--engine dask)")
    for name, value in (("partition_size", partition_size), ("batch_size", batch_size), ("max_chars", max_chars)):
        if not isinstance(value, int) or value < 1:
            raise BatchUsageError(f"{name} must be a positive whole number, got {value!r}")
    if n_process == -1:
        return os.cpu_count() or 1
    if not isinstance(n_process, int) or n_process < 1:
        raise BatchUsageError(f"n_process must be a positive whole number or -1 (one per core), got {n_process!r}")
    return n_process


def _prepare_out(out: Path, resume: bool, fp: dict, model: dict, settings: dict) -> set[int]:
    """Check ``out`` may be written (or resumed); return the partitions already done."""
    if out.exists() and not out.is_dir():
        raise BatchUsageError(f"{out} exists and is not a folder")
    ours = [out / MANIFEST, out / MARKERS, *(out / t for t in TABLES)]
    if not resume:
        if any(p.exists() for p in ours):
            raise BatchUsageError(f"{out} already holds tag output: resume it (--resume) or write to a new folder")
        out.mkdir(parents=True, exist_ok=True)
        return set()
    old = read_manifest(out)
    if old is None:
        if any(p.exists() for p in ours[1:]):
            raise BatchUsageError(f"{out} holds partitions but no {MANIFEST}; it cannot be resumed safely")
        out.mkdir(parents=True, exist_ok=True)
        return set()
    if old.get("fingerprint", {}).get("run") != fp["run"]:
        raise BatchUsageError(f"cannot resume {out}: it was written with other {explain_mismatch(old, fp, model, settings)}; "
                              "rerun with the original inputs, model and options, or write to a new folder")
    remove_stale_temporaries(out)
    return {m["partition"] for m in iter_markers(out) if m.get("fingerprint") == fp["run"]}


def _check_complete(out: Path, run_fp: str, n_partitions: int) -> list[dict]:
    """Every partition 0..n-1 has exactly one marker of this run, and they cover the input positions."""
    markers = [m for m in iter_markers(out) if m.get("fingerprint") == run_fp]
    indexes = [m["partition"] for m in markers]
    if indexes != list(range(n_partitions)):
        missing = sorted(set(range(n_partitions)) - set(indexes))
        raise BatchRunError(f"{out}: partitions {missing[:10]} have no completion marker; rerun with resume")
    position = 0
    for m in markers:
        if m["first_position"] != position:
            raise BatchRunError(f"{out}: partition {m['partition']} starts at position {m['first_position']}, "
                                f"expected {position}")
        position += m["n_records"]
    return markers


class _Progress:
    """A rich progress bar on stderr (documents, docs/s, ETA), or nothing when not shown."""

    def __init__(self, show: bool, total: int | None):
        self.show, self.total, self._bar, self._task = show, total, None, None

    def __enter__(self):
        if self.show:
            from rich.console import Console
            from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

            self._bar = Progress(TextColumn("tagging"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("{task.fields[rate]} docs/s"), TextColumn("ETA"), TimeRemainingColumn(),
                                 console=Console(stderr=True), transient=False)
            self._bar.start()
            self._task = self._bar.add_task("tagging", total=self.total or None, rate="-")
        return self

    def advance(self, n: int) -> None:
        if self._bar is not None:
            self._bar.advance(self._task, n)
            speed = self._bar.tasks[0].speed
            self._bar.update(self._task, rate=f"{speed:.1f}" if speed else "-")

    def __exit__(self, *exc) -> None:
        if self._bar is not None:
            self._bar.stop()


__all__ = ["tag", "RunSummary", "BatchUsageError", "BatchRunError"]
