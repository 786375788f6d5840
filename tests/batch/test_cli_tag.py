"""``scomm-nlp tag``: summary, exit codes, usage errors, and resume after killing a real run."""

import csv
import json
import os
import signal
import subprocess
import sys
import time

import pytest
from typer.testing import CliRunner

from scomm_nlp.batch import read_tables, tag
from scomm_nlp.cli import app

REPO_SRC = os.path.join(os.path.dirname(__file__), os.pardir, os.pardir, "src")
runner = CliRunner()
FAST = ["--no-gate", "--model", "rules", "--no-progress"]


def test_tag_prints_a_summary_and_exits_0(tmp_path, corpus_docs, jsonl_file):
    path = jsonl_file(tmp_path / "in.jsonl", corpus_docs[:3])
    out = tmp_path / "out"
    res = runner.invoke(app, ["tag", str(path), "--out", str(out), "--format", "jsonl", "--partition-size", "2",
                              *FAST])
    assert res.exit_code == 0, res.output
    assert "3 document(s): 3 ok, 0 skipped, 0 error(s)" in res.output
    assert "docs/s" in res.output and f"output: {out} (jsonl)" in res.output
    assert sorted(p.name for p in (out / "documents").iterdir()) == ["part-00000.jsonl", "part-00001.jsonl"]


def test_tag_exits_1_when_a_record_fails_and_keeps_the_rest(tmp_path, corpus_docs, jsonl_file):
    path = jsonl_file(tmp_path / "mixed.jsonl", [corpus_docs[0], "{oops", corpus_docs[1]])
    res = runner.invoke(app, ["tag", str(path), "--out", str(tmp_path / "out"), *FAST])
    assert res.exit_code == 1, res.output
    assert "2 ok, 0 skipped, 1 error(s)" in res.output
    assert read_tables(tmp_path / "out")["documents"]["status"].tolist() == ["ok", "error", "ok"]


def test_tag_custom_fields_on_csv(tmp_path, corpus_docs):
    path = tmp_path / "news.csv"
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(["story", "body", "day"])
        for doc in corpus_docs[:2]:
            writer.writerow([doc["id"], doc["text"], doc["date"]])
    res = runner.invoke(app, ["tag", str(path), "--out", str(tmp_path / "out"), "--text-field", "body",
                              "--id-field", "story", "--date-field", "day", *FAST])
    assert res.exit_code == 0, res.output
    docs = read_tables(tmp_path / "out")["documents"]
    assert docs["doc_id"].tolist() == [d["id"] for d in corpus_docs[:2]]
    assert docs["date"].tolist() == [d["date"] for d in corpus_docs[:2]]


@pytest.mark.parametrize("args, message", [
    (["--format", "xml"], "unknown format 'xml'"),
    (["--engine", "spark"], "unknown engine 'spark'"),
    (["--scheduler", "tcp://127.0.0.1:9"], "needs engine='dask'"),
    (["--partition-size", "0"], "partition_size must be a positive whole number"),
    (["--text-field", "body"], "no column 'body'"),
])
def test_usage_errors_exit_2_without_a_traceback(tmp_path, args, message):
    path = tmp_path / "in.csv"
    path.write_text("id,text\n1,Illinois left Secure Communities.\n", encoding="utf-8")
    res = runner.invoke(app, ["tag", str(path), "--out", str(tmp_path / "out"), *FAST, *args])
    assert res.exit_code == 2, res.output
    assert message in res.output and "Traceback" not in res.output


def test_missing_input_and_existing_output_exit_2(tmp_path, corpus_docs, jsonl_file):
    res = runner.invoke(app, ["tag", str(tmp_path / "nope"), "--out", str(tmp_path / "out"), *FAST])
    assert res.exit_code == 2 and "no such file or folder" in res.output
    path = jsonl_file(tmp_path / "in.jsonl", corpus_docs[:1])
    assert runner.invoke(app, ["tag", str(path), "--out", str(tmp_path / "out"), *FAST]).exit_code == 0
    res = runner.invoke(app, ["tag", str(path), "--out", str(tmp_path / "out"), *FAST])
    assert res.exit_code == 2 and "--resume" in res.output
    res = runner.invoke(app, ["tag", str(path), "--out", str(tmp_path / "out"), "--resume", *FAST])
    assert res.exit_code == 0 and "1 partition(s), 1 already done" in res.output


@pytest.mark.slow
def test_resume_after_killing_a_real_run_equals_an_uninterrupted_run(tmp_path, corpus_docs, jsonl_file,
                                                                     table_bytes):
    records = [dict(doc, id=f"{doc['id']}-{rep}") for rep in range(10) for doc in corpus_docs]
    path = jsonl_file(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([os.path.abspath(REPO_SRC), os.environ.get("PYTHONPATH", "")]))
    cmd = [sys.executable, "-m", "scomm_nlp.cli", "tag", str(path), "--out", str(out), "--partition-size", "10",
           "--n-process", "2", *FAST]
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        first = out / "_parts" / "part-00000.json"
        deadline = time.monotonic() + 180
        while not first.exists() and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert first.exists(), proc.stdout.read().decode() if proc.poll() is not None else "no partition in 180 s"
        proc.send_signal(signal.SIGKILL)  # the driver only: its workers must notice and exit by themselves
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
        proc.stdout.close()
    # its workers notice and exit (they may finish one more partition); the fork server follows
    assert _left_behind(proc.pid, wait_s=15, but=FORK_SERVER) == []
    done = sorted(p.name for p in (out / "_parts").glob("part-*.json"))
    assert 1 <= len(done) < 40, done
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "running"  # killed: nobody could mark it otherwise

    summary = tag(path, out, partition_size=10, resume=True, model="rules", gate=None)
    tag(path, tmp_path / "clean", partition_size=10, model="rules", gate=None)
    assert summary.resumed_partitions == len(done) and summary.documents == 400
    assert table_bytes(out) == table_bytes(tmp_path / "clean")
    docs = read_tables(out)["documents"]
    assert docs["position"].tolist() == list(range(400)) and docs["doc_id"].is_unique
    assert not list(out.rglob("*.tmp"))
    assert _left_behind(proc.pid, wait_s=90) == []


FORK_SERVER = "multiprocessing.forkserver"


def _left_behind(session_id: int, wait_s: float, but: str | None = None) -> list[str]:
    """Processes of the killed run's session still alive after ``wait_s``, except a top process
    whose command line contains ``but`` (the fork server; the workers it forked share its command
    line but have it as parent); any left are killed, then reported."""
    deadline = time.monotonic() + wait_s
    while True:
        procs = {}
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                fields = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()
                command = open(f"/proc/{pid}/cmdline").read().replace("\0", " ")
                if os.getsid(int(pid)) == session_id and fields[0] != "Z":
                    procs[int(pid)] = (int(fields[1]), command)
            except (OSError, IndexError):
                continue
        alive = {pid: command for pid, (ppid, command) in procs.items()
                 if not (but and but in command and ppid not in procs)}
        if not alive or time.monotonic() > deadline:
            for pid in alive:
                os.kill(pid, signal.SIGKILL)
            return list(alive.values())
        time.sleep(0.2)
