"""The local engine: partitions in this process (``n_process=1``) or in a pool of worker processes.

Workers fork from a fork server that has spaCy and the run's pipeline loaded already
(:mod:`.procs`); each loads the gate once, in its initializer, and runs one thread. Workers
ignore Ctrl-C: on Ctrl-C the driver cancels the partitions not yet started and lets the running
ones finish and write their (complete) output, so an interrupted run leaves only whole
partitions behind. A worker whose driver was killed exits within a second instead of lingering.
"""

from __future__ import annotations

import os
import signal
import threading
import time
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from typing import Any, Callable, Iterable

from scomm_nlp.batch.engines.procs import forkserver_context, limit_threads
from scomm_nlp.batch.gates import resolve_gate
from scomm_nlp.batch.partitions import PartitionSpec, Settings, process_partition
from scomm_nlp.batch.records import BatchRunError

_WORKER: dict[str, Any] = {}


def _init_worker(model: str | None, gate: Any, driver_pid: int) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    if os.name == "posix":  # on Windows os.kill(pid, 0) would terminate the driver
        threading.Thread(target=_exit_with_driver, args=(driver_pid,), daemon=True).start()
    limit_threads()
    import scomm_nlp

    scomm_nlp.load(model)
    _WORKER["gate"] = resolve_gate(gate)


def _exit_with_driver(driver_pid: int) -> None:
    while True:
        time.sleep(1.0)
        try:
            os.kill(driver_pid, 0)
        except ProcessLookupError:
            os._exit(1)  # a partition being written stays a temporary file; resume redoes it
        except PermissionError:
            pass


def _run_in_worker(spec: PartitionSpec, settings: Settings) -> dict:
    return process_partition(spec, settings, _WORKER["gate"])


def run_local(partitions: Iterable[PartitionSpec], settings: Settings, gate: Any, n_process: int,
              on_done: Callable[[dict], None]) -> None:
    """Run every partition; ``on_done(marker)`` is called in this process as each one completes."""
    if n_process == 1:
        resolved = resolve_gate(gate)
        for spec in partitions:
            on_done(process_partition(spec, settings, resolved))
        return
    in_flight = 2 * n_process
    with ProcessPoolExecutor(n_process, mp_context=forkserver_context(settings.model), initializer=_init_worker,
                             initargs=(settings.model, gate, os.getpid())) as pool:
        pending: set[Future] = set()
        try:
            for spec in partitions:
                if len(pending) >= in_flight:
                    pending = _collect(pending, on_done, FIRST_COMPLETED)
                pending.add(pool.submit(_run_in_worker, spec, settings))
            _collect(pending, on_done, ALL_COMPLETED)
        except BaseException:
            for future in pending:
                future.cancel()
            raise


def _collect(pending: set[Future], on_done: Callable[[dict], None], when: str) -> set[Future]:
    done, rest = wait(pending, return_when=when)
    for future in sorted(done, key=id):
        try:
            marker = future.result()
        except BrokenProcessPool:
            raise BatchRunError("a worker process died (out of memory or killed); the finished partitions "
                                "are kept: rerun with resume") from None
        on_done(marker)
    return rest
