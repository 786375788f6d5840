"""scomm_nlp.tag end to end (rule pipeline): tables equal analyze(), errors, gate, formats, resume, determinism."""

import json
import os
import signal
import sys
import threading
import time

import pyarrow.parquet as pq
import pytest

import scomm_nlp
from scomm_nlp.batch import BatchUsageError, read_tables, tag
from scomm_nlp.batch import gates, writers
from scomm_nlp.batch.writers import arrow_schema

RULES = {"model": "rules", "gate": None}


@pytest.fixture
def archive(tmp_path, corpus_docs, jsonl_file):
    """Seven team-written documents in one JSONL file."""
    return jsonl_file(tmp_path / "in" / "news.jsonl", corpus_docs[:7])


def test_tables_equal_analyze_and_have_the_documented_schema(tmp_path, archive, corpus_docs):
    summary = tag(archive, tmp_path / "out", partition_size=3, **RULES)
    assert (summary.documents, summary.ok, summary.errors, summary.partitions) == (7, 7, 0, 3)
    assert summary.exit_code == 0
    out = tmp_path / "out"
    for table in writers.TABLES:
        parts = sorted((out / table).glob("part-*.parquet"))
        assert [p.name for p in parts] == ["part-00000.parquet", "part-00001.parquet", "part-00002.parquet"]
        assert pq.read_schema(parts[0]) == arrow_schema(table)
    tables = read_tables(out)
    docs = tables["documents"]
    assert docs["position"].tolist() == list(range(7))
    assert docs["doc_id"].tolist() == [d["id"] for d in corpus_docs[:7]]
    assert set(docs["status"]) == {"ok"} and docs["relevant"].isna().all()
    mentions = tables["mentions"]
    for doc in corpus_docs[:7]:
        expected = scomm_nlp.analyze(doc["text"], date=doc["date"], model="rules")
        got = mentions[mentions["doc_id"] == doc["id"]]
        assert list(zip(got["start"], got["end"], got["label"], got["canonical"])) == [
            (e.start, e.end, e.label, e.canonical) for e in expected.entities]
        row = docs[docs["doc_id"] == doc["id"]].iloc[0]
        assert (row["n_entities"], row["date"]) == (len(expected.entities), doc["date"])
    manifest = json.loads((out / "manifest.json").read_text())
    assert manifest["status"] == "complete" and manifest["counts"]["mentions"] == len(mentions)
    assert manifest["model"]["name"] == "scomm_rules" and manifest["settings"]["partition_size"] == 3


def test_bad_records_go_to_errors_and_the_run_goes_on(tmp_path, corpus_docs, jsonl_file):
    path = jsonl_file(tmp_path / "mixed.jsonl", [corpus_docs[0], "{broken", {"id": "n", "text": None},
                                                 {"id": "i", "text": 3}, b'{"id": "u", "text": "caf\xe9"}',
                                                 {"id": "big", "text": "x" * 5000}, corpus_docs[1]])
    summary = tag(path, tmp_path / "out", partition_size=4, max_chars=4000, **RULES)
    assert (summary.ok, summary.errors, summary.exit_code) == (2, 5, 1)
    tables = read_tables(tmp_path / "out")
    errors = tables["errors"]
    assert errors["position"].tolist() == [1, 2, 3, 4, 5]
    assert errors["doc_id"].tolist()[1:] == ["n", "i", "u", "big"] and errors["doc_id"].isna().tolist()[0]
    reasons = errors["reason"].tolist()
    for pos, fragment in [(0, ":2: invalid JSON"), (1, "missing (null)"), (2, "not a string (got int)"),
                          (3, "undecodable bytes"), (4, "oversize")]:
        assert reasons[pos].startswith(f"{path}:") and fragment in reasons[pos]
    docs = tables["documents"]
    assert docs["status"].tolist() == ["ok", "error", "error", "error", "error", "error", "ok"]
    assert docs.loc[6, "n_entities"] > 0
    assert set(tables["mentions"]["doc_id"]) == {corpus_docs[0]["id"], corpus_docs[1]["id"]}


def test_a_document_the_pipeline_fails_on_is_an_error_and_its_batch_survives(tmp_path, corpus_docs, jsonl_file,
                                                                              monkeypatch):
    real_many, real_one = scomm_nlp.analyze_many, scomm_nlp.analyze

    def fragile_many(texts, **kwargs):
        for text, result in zip(texts, real_many(texts, **kwargs)):
            if "EXPLODE" in text:
                raise RuntimeError("component crashed")
            yield result

    def fragile_one(text, **kwargs):
        if "EXPLODE" in text:
            raise ValueError("component crashed")
        return real_one(text, **kwargs)

    monkeypatch.setattr(scomm_nlp, "analyze_many", fragile_many)
    monkeypatch.setattr(scomm_nlp, "analyze", fragile_one)
    path = jsonl_file(tmp_path / "in.jsonl", [corpus_docs[0], {"id": "bomb", "text": "Illinois. EXPLODE"},
                                              corpus_docs[1]])
    summary = tag(path, tmp_path / "out", **RULES)
    assert (summary.ok, summary.errors, summary.exit_code) == (2, 1, 1)
    tables = read_tables(tmp_path / "out")
    assert tables["documents"]["status"].tolist() == ["ok", "error", "ok"]
    assert "(doc bomb): pipeline failed: ValueError: component crashed" in tables["errors"].loc[0, "reason"]
    expected = real_one(corpus_docs[1]["text"], date=corpus_docs[1]["date"], model="rules")
    got = tables["mentions"][tables["mentions"]["doc_id"] == corpus_docs[1]["id"]]
    assert got["start"].tolist() == [e.start for e in expected.entities]


def test_gate_skips_irrelevant_documents(tmp_path, corpus_docs, jsonl_file, keyword_gate, off_topic):
    records = [corpus_docs[0], {"id": "fair", "text": off_topic[0]}, corpus_docs[1], {"id": "rain", "text": off_topic[1]}]
    path = jsonl_file(tmp_path / "g.jsonl", records)
    summary = tag(path, tmp_path / "out", model="rules", gate=keyword_gate())
    assert (summary.ok, summary.skipped, summary.errors, summary.exit_code) == (2, 2, 0, 0)
    tables = read_tables(tmp_path / "out")
    docs = tables["documents"].set_index("doc_id")
    assert docs["status"].tolist() == ["ok", "skipped", "ok", "skipped"]
    assert docs["relevant"].tolist() == [True, False, True, False]
    assert docs.loc["fair", "relevance_score"] == 0.0 and docs.loc["fair", "n_entities"] == 0
    assert set(tables["mentions"]["doc_id"]) == {corpus_docs[0]["id"], corpus_docs[1]["id"]}
    assert json.loads((tmp_path / "out" / "manifest.json").read_text())["settings"]["gate"]["threshold"] == 0.5


def test_default_gate_missing_is_a_clear_usage_error(tmp_path, archive, monkeypatch):
    monkeypatch.setitem(sys.modules, "scomm_nlp.components.relevance", None)  # import fails like a missing module
    gates._default_gate.cache_clear()
    try:
        with pytest.raises(BatchUsageError, match=r"default relevance gate.*--no-gate"):
            tag(archive, tmp_path / "out", model="rules")
    finally:
        gates._default_gate.cache_clear()
    assert not (tmp_path / "out").exists()
    with pytest.raises(BatchUsageError, match="predict_proba"):
        tag(archive, tmp_path / "out", model="rules", gate=object())


def test_formats_hold_the_same_tables(tmp_path, archive):
    frames = {}
    for fmt in ("parquet", "jsonl", "csv"):
        tag(archive, tmp_path / fmt, format=fmt, partition_size=4, **RULES)
        assert sorted(p.name for p in (tmp_path / fmt / "mentions").iterdir()) == [f"part-00000.{fmt}",
                                                                                 f"part-00001.{fmt}"]
        frames[fmt] = read_tables(tmp_path / fmt)
    for table in writers.TABLES:
        for fmt in ("jsonl", "csv"):
            assert frames[fmt][table].equals(frames["parquet"][table]), (fmt, table)
    assert list(frames["csv"]["stances"].columns) == [c for c, _ in writers.SCHEMAS["stances"]]


def test_same_input_gives_byte_identical_tables(tmp_path, archive, table_bytes):
    tag(archive, tmp_path / "a", partition_size=3, **RULES)
    tag(archive, tmp_path / "b", partition_size=3, **RULES)
    first, second = table_bytes(tmp_path / "a"), table_bytes(tmp_path / "b")
    assert len(first) == 12 and first == second


def test_empty_input_writes_empty_tables_with_columns(tmp_path, jsonl_file):
    path = jsonl_file(tmp_path / "empty.jsonl", [])
    summary = tag(path, tmp_path / "out", **RULES)
    assert (summary.documents, summary.partitions, summary.exit_code) == (0, 1, 0)
    tables = read_tables(tmp_path / "out")
    assert list(tables["stances"].columns) == [c for c, _ in writers.SCHEMAS["stances"]]
    assert pq.read_table(tmp_path / "out" / "documents" / "part-00000.parquet").num_rows == 0


def test_long_texts_are_chunked_and_oversize_ones_rejected(tmp_path, corpus_docs, jsonl_file):
    paragraph = corpus_docs[0]["text"] + "\n\n"
    long_text = paragraph * (scomm_nlp.CHUNK_CHARS // len(paragraph) + 2)
    assert scomm_nlp.CHUNK_CHARS < len(long_text) < 150_000
    path = jsonl_file(tmp_path / "long.jsonl", [{"id": "long", "text": long_text},
                                                {"id": "huge", "text": paragraph * 200}])
    summary = tag(path, tmp_path / "out", max_chars=150_000, **RULES)
    assert (summary.ok, summary.errors) == (1, 1)
    tables = read_tables(tmp_path / "out")
    expected = scomm_nlp.analyze(long_text, date=None, model="rules")
    got = tables["mentions"]
    assert list(zip(got["start"], got["end"], got["text"])) == [(e.start, e.end, e.text) for e in expected.entities]
    assert "oversize" in tables["errors"].loc[0, "reason"] and tables["errors"].loc[0, "doc_id"] == "huge"


def test_crash_inside_the_writer_then_resume_equals_an_uninterrupted_run(tmp_path, corpus_docs, jsonl_file,
                                                                         table_bytes, monkeypatch):
    path = jsonl_file(tmp_path / "in.jsonl", corpus_docs[:10])
    tag(path, tmp_path / "clean", partition_size=3, **RULES)
    real_write = writers.atomic_write

    def dying_write(target, data):
        if target.parent.name == "mentions" and target.name.startswith("part-00002"):
            tmp = target.with_name(f".{target.name}.999.dead.tmp")
            tmp.write_bytes(data[: len(data) // 2])  # half a file, then the process "dies"
            raise KeyboardInterrupt
        real_write(target, data)

    monkeypatch.setattr(writers, "atomic_write", dying_write)
    with pytest.raises(KeyboardInterrupt):
        tag(path, tmp_path / "out", partition_size=3, **RULES)
    monkeypatch.setattr(writers, "atomic_write", real_write)
    out = tmp_path / "out"
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    assert sorted(p.name for p in (out / "_parts").iterdir()) == ["part-00000.json", "part-00001.json"]
    assert not (out / "mentions" / "part-00002.parquet").exists()
    assert list((out / "mentions").glob(".*.tmp"))
    # only finished partitions are visible
    assert read_tables(out)["documents"]["position"].tolist() == list(range(6))

    summary = tag(path, out, partition_size=3, resume=True, **RULES)
    assert (summary.resumed_partitions, summary.partitions, summary.processed, summary.documents) == (2, 4, 4, 10)
    assert not list(out.rglob("*.tmp"))
    assert table_bytes(out) == table_bytes(tmp_path / "clean")
    docs = read_tables(out)["documents"]
    assert docs["position"].tolist() == list(range(10)) and docs["doc_id"].is_unique


def test_output_folder_guards(tmp_path, archive):
    tag(archive, tmp_path / "out", partition_size=3, **RULES)
    with pytest.raises(BatchUsageError, match="already holds tag output"):
        tag(archive, tmp_path / "out", partition_size=3, **RULES)
    with pytest.raises(BatchUsageError, match=r"other the settings \(partition_size 3 -> 2\)"):
        tag(archive, tmp_path / "out", partition_size=2, resume=True, **RULES)
    archive.write_text(archive.read_text() + json.dumps({"text": "one more"}) + "\n")
    with pytest.raises(BatchUsageError, match="the inputs"):
        tag(archive, tmp_path / "out", partition_size=3, resume=True, **RULES)
    with pytest.raises(BatchUsageError, match="unknown format"):
        tag(archive, tmp_path / "new", format="xlsx", **RULES)
    with pytest.raises(BatchUsageError, match="needs engine='dask'"):
        tag(archive, tmp_path / "new", scheduler="tcp://127.0.0.1:1", **RULES)


@pytest.fixture
def ctrl_c_raises():
    """Python's own SIGINT handler for the test: a shell starting pytest in the background (``cmd &``)
    makes it ignore SIGINT, and then nothing would raise KeyboardInterrupt."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


@pytest.mark.slow
def test_ctrl_c_with_two_worker_processes_then_resume(tmp_path, corpus_docs, jsonl_file, table_bytes, ctrl_c_raises):
    records = [dict(doc, id=f"{doc['id']}-{rep}") for rep in range(10) for doc in corpus_docs]
    path = jsonl_file(tmp_path / "in.jsonl", records)
    out = tmp_path / "out"
    first = out / "_parts" / "part-00000.json"

    def press_ctrl_c():
        while not first.exists():
            time.sleep(0.02)
        os.kill(os.getpid(), signal.SIGINT)

    threading.Thread(target=press_ctrl_c, daemon=True).start()
    with pytest.raises(KeyboardInterrupt):
        tag(path, out, partition_size=10, n_process=2, **RULES)
        time.sleep(60)  # only reached if the run ended before Ctrl-C: then the status check below fails
    assert json.loads((out / "manifest.json").read_text())["status"] == "interrupted"
    done = len(list((out / "_parts").glob("part-*.json")))
    assert 1 <= done < 40
    assert len(read_tables(out)["documents"]) == 10 * done  # only whole partitions are visible
    summary = tag(path, out, partition_size=10, n_process=2, resume=True, **RULES)
    assert (summary.resumed_partitions, summary.documents) == (done, 400)
    tag(path, tmp_path / "clean", partition_size=10, **RULES)
    assert table_bytes(out) == table_bytes(tmp_path / "clean")
    assert not list(out.rglob("*.tmp"))
