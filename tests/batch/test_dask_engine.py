"""The Dask engine on a real LocalCluster (2 worker processes, 1 thread each): same tables as the
local engine, and a worker killed mid-run loses and duplicates nothing."""

import json
import os
import signal
import sys
import threading
import time

import pytest

distributed = pytest.importorskip("distributed")
cloudpickle = pytest.importorskip("cloudpickle")

from scomm_nlp.batch import read_tables, tag  # noqa: E402
from scomm_nlp.batch.engines.dask import local_cluster  # noqa: E402

pytestmark = pytest.mark.slow
RULES = {"model": "rules"}


@pytest.fixture(scope="module")
def cluster():
    """The engine's own LocalCluster: 2 worker processes with 1 thread each (closed on teardown)."""
    with local_cluster(2, "rules") as cluster:
        yield cluster


@pytest.fixture(scope="module")
def client(cluster):
    client = distributed.Client(cluster)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def shippable_gate(keyword_gate):
    """The test gate class, pickled by value so that Dask workers need not import the test modules."""
    module = sys.modules[keyword_gate.__module__]
    cloudpickle.register_pickle_by_value(module)
    try:
        yield keyword_gate
    finally:
        cloudpickle.unregister_pickle_by_value(module)


def test_dask_output_equals_the_local_engine(tmp_path, corpus_docs, jsonl_file, table_bytes):
    path = jsonl_file(tmp_path / "in.jsonl", corpus_docs[:20])
    local = tag(path, tmp_path / "local", partition_size=3, gate=None, **RULES)
    remote = tag(path, tmp_path / "dask", partition_size=3, gate=None, engine="dask", n_process=2, **RULES)
    assert (local.documents, remote.documents, remote.partitions, remote.ok) == (20, 20, 7, 20)
    assert table_bytes(tmp_path / "dask") == table_bytes(tmp_path / "local")
    manifest = json.loads((tmp_path / "dask" / "manifest.json").read_text())
    assert manifest["engine"] == {"name": "dask", "n_process": 2, "scheduler": None}


def test_a_worker_killed_mid_run_loses_and_duplicates_nothing(tmp_path, cluster, client, corpus_docs, jsonl_file,
                                                              table_bytes, shippable_gate, off_topic):
    records = [dict(doc, id=f"{doc['id']}-{rep}") for rep in range(3) for doc in corpus_docs[:20]]
    records[5:5] = [{"id": "fair", "text": off_topic[0]}, {"id": "rain", "text": off_topic[1]}]
    path = jsonl_file(tmp_path / "in.jsonl", records)
    result: dict = {}

    def run():
        try:
            result["summary"] = tag(path, tmp_path / "dask", partition_size=4, engine="dask",
                                   scheduler=cluster.scheduler_address, gate=shippable_gate(delay=0.5), **RULES)
        except BaseException as exc:  # reported below
            result["error"] = exc

    worker = threading.Thread(target=run)
    worker.start()
    first = tmp_path / "dask" / "_parts" / "part-00000.json"
    deadline = time.monotonic() + 240
    while not first.exists() and worker.is_alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    busy = [addr for addr, keys in client.processing().items() if keys]
    assert busy, "no worker was busy when the first partition finished"
    pids = client.run(os.getpid)
    os.kill(pids[busy[0]], signal.SIGKILL)
    done_at_kill = len(list((tmp_path / "dask" / "_parts").glob("part-*.json")))
    worker.join(timeout=300)
    assert not worker.is_alive() and "error" not in result, result.get("error")
    summary = result["summary"]
    assert (summary.documents, summary.skipped, summary.partitions) == (62, 2, 16)
    assert 1 <= done_at_kill < 16
    assert len(list((tmp_path / "dask" / "_parts").glob("part-*.json"))) == 16

    tag(path, tmp_path / "local", partition_size=4, gate=shippable_gate(), **RULES)
    assert table_bytes(tmp_path / "dask") == table_bytes(tmp_path / "local")
    docs = read_tables(tmp_path / "dask")["documents"]
    assert docs["position"].tolist() == list(range(62)) and docs["doc_id"].is_unique
    assert not list((tmp_path / "dask").rglob("*.tmp"))
