"""bench/make_archive.py (the synthetic archive generator) and the target checks of bench/bench_tag.py."""

import importlib.util
import json
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


def _load(name):
    spec = importlib.util.spec_from_file_location(name, REPO / "bench" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


make_archive = _load("make_archive")


@pytest.fixture(scope="module")
def pools():
    return make_archive.NamePools()


@pytest.fixture(scope="module")
def sources():
    return make_archive.load_sources(REPO / "annotations", splits=("dev",))


def test_same_arguments_give_the_same_archive(sources, pools):
    first = list(make_archive.generate(300, 0.1, seed=5, sources=sources, pools=pools))
    again = list(make_archive.generate(300, 0.1, seed=5, sources=sources, pools=pools))
    other = list(make_archive.generate(300, 0.1, seed=6, sources=sources, pools=pools))
    assert first == again
    assert [r["text"] for r in first] != [r["text"] for r in other]


@pytest.mark.parametrize("n,share", [(200, 0.05), (101, 0.5), (50, 0.0), (40, 1.0), (7, 0.33)])
def test_relevant_share_is_exact(sources, pools, n, share):
    records = list(make_archive.generate(n, share, seed=1, sources=sources, pools=pools))
    assert len(records) == n
    assert sum(r["relevant"] for r in records) == round(n * share)
    assert len({r["id"] for r in records}) == n


def test_documents_vary_their_sources(sources, pools):
    records = list(make_archive.generate(400, 0.5, seed=2, sources=sources, pools=pools))
    originals = {"\n\n".join(p.text for p in s.paragraphs) for s in sources}
    changed = [r for r in records if r["text"] not in originals]
    assert len(changed) > 0.6 * len(records)
    by_source = {}
    for r in records:
        by_source.setdefault(r["source"], set()).add(r["text"])
    assert max(len(texts) for texts in by_source.values()) > 1
    relevant_ids = {s.id for s in sources if s.relevant}
    assert all((r["source"] in relevant_ids) == r["relevant"] for r in records)


def test_names_are_swapped_consistently(pools):
    paragraphs = make_archive._paragraphs("Gov. Pat Quinn spoke in Chicago.\n\nQuinn said Illinois would act.", pools)
    kinds = [(kind, name) for p in paragraphs for _, _, kind, name in p.mentions]
    assert ("person", "Pat Quinn") in kinds and ("surname", "Pat Quinn") in kinds
    assert ("city", "Chicago") in kinds and ("state", "Illinois") in kinds
    import random

    text = make_archive._render(paragraphs, pools, random.Random(0))
    first, second = text.split("\n\n")
    full_name = first[len("Gov. "):first.index(" spoke")]
    assert full_name != "Pat Quinn" and full_name in pools.pools["person"]
    assert second.startswith(full_name.split()[-1] + " said")


def test_write_archive_streams_jsonl_txt_and_manifest(tmp_path):
    manifest = make_archive.write_archive(tmp_path, 30, 0.2, seed=0, fmt="both")
    records = [json.loads(line) for line in (tmp_path / "archive.jsonl").read_text().splitlines()]
    assert len(records) == manifest["documents"] == 30
    assert sum(r["relevant"] for r in records) == manifest["relevant"] == 6
    assert {r["split"] for r in records} <= {"train", "dev"}  # the test split is left out by default
    txt = sorted((tmp_path / "txt").rglob("*.txt"))
    assert len(txt) == 30
    assert txt[0].read_text().rstrip("\n") == records[0]["text"]
    assert len((tmp_path / "labels.csv").read_text().splitlines()) == 31
    texts, labels, splits = make_archive.read_archive(tmp_path)
    assert texts == [r["text"] for r in records] and labels == [r["relevant"] for r in records]


def test_bad_arguments(tmp_path):
    with pytest.raises(ValueError, match="relevant_share"):
        list(make_archive.generate(10, 1.5, sources=[], pools=None))
    assert make_archive.main(["--n", "5", "--out", str(tmp_path), "--format", "jsonl",
                              "--annotations", str(tmp_path / "missing")]) == 2


def test_bench_tag_targets_from_measured_runs():
    bench_tag = _load("bench_tag")
    results = {"sm_1p_relevant": {"rate": 10.0, "peak_gb": 0.3}, "sm_1p_mixed": {"rate": 12.0, "peak_gb": 0.3},
               "tag_1p_nogate": {"rate": 4.0, "peak_gb": 0.6},
               "tag_1p_gate": {"rate": 97.0, "peak_gb": 0.6}, "tag_2p_nogate": {"rate": 7.6, "peak_gb": 0.7},
               "memory_small": {"rate": 50.0, "peak_gb": 0.5}, "memory_large": {"rate": 50.0, "peak_gb": 0.8}}
    lines = dict(bench_tag.targets(results))
    verdicts = list(lines.values())
    assert verdicts == [False, True, True, None, True, False]
    assert any("not measured" in line for line in lines)
