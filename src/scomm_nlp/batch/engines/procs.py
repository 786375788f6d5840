"""Worker processes shared by the engines: a fork server with the pipeline preloaded, one thread each.

Worker processes fork from a fork server that has spaCy, its plugins and the run's pipeline
loaded already (:mod:`._preload`), so they start at once and share that memory instead of each
loading it. Where the platform has no fork server they are spawned and load it themselves.
"""

from __future__ import annotations

import json
import multiprocessing
import os

#: Names the pipeline (JSON) that the fork server preloads.
PRELOAD_ENV = "SCOMM_NLP_PRELOAD_MODEL"
PRELOAD_MODULE = "scomm_nlp.batch.engines._preload"

_limited = False


def has_forkserver() -> bool:
    return "forkserver" in multiprocessing.get_all_start_methods()


def forkserver_context(model: str | None, also_preload: tuple[str, ...] = ()):
    """The forkserver context, set to preload ``model`` (spawn where there is no fork server).

    The server starts once per driver process; a later run with another model forks from it all
    the same, and its workers load their own pipeline.
    """
    if not has_forkserver():
        return multiprocessing.get_context("spawn")
    os.environ[PRELOAD_ENV] = json.dumps(None if model is None else str(model))
    ctx = multiprocessing.get_context("forkserver")
    ctx.set_forkserver_preload([*also_preload, PRELOAD_MODULE])
    return ctx


def limit_threads() -> None:
    """One BLAS/OpenMP/torch thread in this worker process: the engines parallelise over processes."""
    global _limited
    if _limited:
        return
    _limited = True
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(1)
    except ImportError:
        pass
    import sys

    if "torch" in sys.modules:
        sys.modules["torch"].set_num_threads(1)
