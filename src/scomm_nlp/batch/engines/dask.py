"""The Dask engine: each partition is a task on a Dask worker, which tags it and writes its output.

The pipeline is never shipped with a task: a worker loads it on its first partition through the
per-process cache of :func:`scomm_nlp.load` and keeps it; the default gate is cached the same way,
and a custom gate object is scattered to every worker once. The LocalCluster started when no
scheduler is given forks its workers from a fork server that has the pipeline loaded already
(:mod:`.procs`), as the local engine does. Inputs named by path (``.txt``,
``.html``) are read by the workers, and every worker writes into the output folder, so on a
multi-machine cluster both must be on a file system all machines see at the same path.

If a worker dies, Dask runs its partitions again elsewhere; a partition's files are replaced as
a whole and its marker is written last, so nothing is lost or duplicated.
"""

from __future__ import annotations

import contextlib
import uuid
from itertools import islice
from typing import Any, Callable, Iterable

from scomm_nlp.batch.engines.procs import forkserver_context, has_forkserver, limit_threads
from scomm_nlp.batch.gates import resolve_gate
from scomm_nlp.batch.partitions import PartitionSpec, Settings, process_partition
from scomm_nlp.batch.records import BatchRunError, BatchUsageError

#: Seconds to wait for a first worker on a remote scheduler.
WORKER_WAIT_S = 120


def _run_task(spec: PartitionSpec, settings: Settings, gate: Any) -> dict:
    limit_threads()
    return process_partition(spec, settings, resolve_gate(gate))


@contextlib.contextmanager
def local_cluster(n_workers: int, model: str | None):
    """A LocalCluster of ``n_workers`` single-thread worker processes forked from a fork server
    that has ``model`` loaded; closed on exit."""
    import dask
    from distributed import LocalCluster
    from distributed.utils import get_mp_context

    method = "forkserver" if has_forkserver() else "spawn"
    # the setting must hold while the cluster lives: the nanny reads it when it restarts a worker
    with dask.config.set({"distributed.worker.multiprocessing-method": method}):
        if method == "forkserver":
            get_mp_context()  # Dask sets its own preload list once; ours replaces it
            forkserver_context(model, also_preload=("distributed",))
        cluster = LocalCluster(n_workers=n_workers, threads_per_worker=1, processes=True, dashboard_address=None)
        try:
            yield cluster
        finally:
            cluster.close()


@contextlib.contextmanager
def connect(scheduler: str | None, n_process: int, model: str | None):
    """A client of the scheduler at ``scheduler``, or of a new :func:`local_cluster` when None."""
    try:
        from distributed import Client
    except ImportError:
        raise BatchUsageError("engine='dask' needs dask.distributed: pip install 'scomm-nlp[dask]'") from None
    if scheduler is None:
        with local_cluster(n_process, model) as cluster, Client(cluster) as client:
            yield client
        return
    try:
        client = Client(scheduler, timeout="30s")
    except (OSError, TimeoutError) as exc:
        raise BatchUsageError(f"cannot reach the Dask scheduler at {scheduler}: {exc}") from None
    with client:
        try:
            client.wait_for_workers(1, timeout=WORKER_WAIT_S)
        except TimeoutError:
            raise BatchRunError(f"no Dask worker joined the scheduler at {scheduler} within {WORKER_WAIT_S} s") from None
        yield client


def run_dask(partitions: Iterable[PartitionSpec], settings: Settings, gate: Any, n_process: int,
             scheduler: str | None, on_done: Callable[[dict], None]) -> None:
    """Run every partition on the cluster, at most two per worker thread in flight."""
    from distributed import as_completed

    with connect(scheduler, n_process, settings.model) as client:
        _submit_all(client, as_completed(), partitions, settings, gate, on_done)


def _submit_all(client, queue, partitions: Iterable[PartitionSpec], settings: Settings, gate: Any,
                on_done: Callable[[dict], None]) -> None:
    in_flight: set = set()
    try:
        if gate is not None and not isinstance(gate, str):
            gate = client.scatter(gate, broadcast=True, hash=False)
        limit = max(2, 2 * sum(client.nthreads().values()))
        run_id = uuid.uuid4().hex[:8]
        specs = iter(partitions)

        def submit(spec: PartitionSpec) -> None:
            future = client.submit(_run_task, spec, settings, gate, key=f"scomm-tag-{run_id}-{spec.index:05d}")
            in_flight.add(future)
            queue.add(future)

        for spec in islice(specs, limit):
            submit(spec)
        for future in queue:
            in_flight.discard(future)
            try:
                marker = future.result()
            except Exception as exc:
                raise BatchRunError(f"partition {future.key.rsplit('-', 1)[-1]} failed on a Dask worker: "
                                    f"{type(exc).__name__}: {exc}; the finished partitions are kept: rerun "
                                    "with resume") from None
            future.release()
            on_done(marker)
            nxt = next(specs, None)
            if nxt is not None:
                submit(nxt)
    finally:
        for future in in_flight:
            future.cancel()
