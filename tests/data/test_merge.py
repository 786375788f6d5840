"""Merging Doccano exports: duplicates dropped, conflicts reported with file:line, never silently resolved."""

import copy
import json

import pytest
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.merge import merge_exports

runner = CliRunner()

TEXT2 = "ICE said Cook County ignored detainers under 287(g)."


@pytest.fixture
def other_record():
    return {"id": 8, "text": TEXT2,
            "entities": [{"id": 1, "label": "AGENCY", "start_offset": 0, "end_offset": 3},
                         {"id": 2, "label": "JURISDICTION", "start_offset": 9, "end_offset": 20},
                         {"id": 3, "label": "PROGRAM", "start_offset": 45, "end_offset": 51}],
            "relations": []}


def _relabel_quinn(record):
    changed = copy.deepcopy(record)
    changed["entities"][0]["label"] = "OFFICIAL"
    changed["relations"] = [r for r in changed["relations"] if r["from_id"] != 1]
    return changed


def test_identical_copies_are_deduplicated(write_jsonl, quinn_record, other_record, tmp_path):
    old = write_jsonl([quinn_record], "old.jsonl")
    respaced = dict(copy.deepcopy(quinn_record), id=99)  # same text up to spacing and case: still a copy
    respaced["text"] = "  " + quinn_record["text"].replace("said", "SAID")
    for ent in respaced["entities"]:
        ent["start_offset"] += 2
        ent["end_offset"] += 2
    new = write_jsonl([respaced, other_record], "new.jsonl")
    result = merge_exports([old, new])
    assert not result.conflicts and not result.errors
    assert result.duplicates == 1 and result.read == 3
    assert [d.id for d in result.docs] == [7, 8]
    assert result.docs[0].source.endswith("old.jsonl")  # the oldest copy is kept by default


def test_conflict_is_reported_and_left_out(write_jsonl, quinn_record, other_record):
    old = write_jsonl([quinn_record, other_record], "old.jsonl")
    new = write_jsonl([other_record, _relabel_quinn(quinn_record)], "new.jsonl")
    result = merge_exports([old, new])
    assert len(result.conflicts) == 1 and len(result.unresolved) == 1
    assert [d.id for d in result.docs] == [8]  # the conflicting text is in neither version
    lines = result.conflicts[0].describe()
    assert f"{old}:1 (doc 7)" in lines[1] and f"{new}:2 (doc 7)" in lines[2]
    detail = "\n".join(lines)
    assert "entities only in version 1: 'Pat Quinn' GOVERNOR" in detail
    assert "entities only in version 2: 'Pat Quinn' OFFICIAL" in detail
    assert "relations only in version 1: 'Pat Quinn' -OPPOSES-> 'Secure Communities'" in detail
    assert "left out" in lines[0]


@pytest.mark.parametrize("prefer, label", [("new", "OFFICIAL"), ("old", "GOVERNOR")])
def test_prefer_resolves_but_still_reports(write_jsonl, quinn_record, prefer, label):
    old = write_jsonl([quinn_record], "old.jsonl")
    new = write_jsonl([_relabel_quinn(quinn_record)], "new.jsonl")
    result = merge_exports([old, new], prefer=prefer)
    assert len(result.conflicts) == 1 and not result.unresolved
    assert result.docs[0].spans[0].label == label
    assert "--prefer" in result.conflicts[0].describe()[0]


def test_ids_taken_by_another_text_are_renumbered(write_jsonl, quinn_record, other_record):
    old = write_jsonl([quinn_record], "old.jsonl")
    new = write_jsonl([dict(other_record, id=7)], "new.jsonl")
    result = merge_exports([old, new])
    assert [d.id for d in result.docs] == [7, 8]
    assert result.renumbered == [(f"{new}:1", 7, 8)]


def test_broken_export_stops_the_merge(write_jsonl, quinn_record):
    bad = copy.deepcopy(quinn_record)
    bad["entities"][0]["label"] = "PERSON"
    result = merge_exports([write_jsonl([quinn_record], "a.jsonl"), write_jsonl([bad], "b.jsonl")])
    assert result.errors and not result.docs
    assert "b.jsonl:1" in str(result.errors[0]) and "unknown label" in str(result.errors[0])


def test_cli_merge_writes_valid_output_and_exit_codes(write_jsonl, quinn_record, other_record, tmp_path):
    old = write_jsonl([quinn_record, other_record], "old.jsonl")
    new = write_jsonl([_relabel_quinn(quinn_record), other_record], "new.jsonl")
    out = tmp_path / "merged.jsonl"
    res = runner.invoke(app, ["merge", str(old), str(new), "--out", str(out)])
    assert res.exit_code == 1, res.output
    assert "conflict:" in res.output and "1 left out" in res.output
    assert read_doccano(out).ok and [d.id for d in read_doccano(out).docs] == [8]

    res = runner.invoke(app, ["merge", str(old), str(new), "--out", str(out), "--prefer", "new", "--json"])
    assert res.exit_code == 0, res.output
    report = json.loads(res.output)
    assert report["conflicts"][0]["kept"] == f"{new}:1 (doc 7)"
    merged = read_doccano(out)
    assert merged.ok and {d.id: d.spans[0].label for d in merged.docs} == {7: "OFFICIAL", 8: "AGENCY"}

    res = runner.invoke(app, ["merge", str(old), "--out", str(out), "--prefer", "newest"])
    assert res.exit_code == 2 and "--prefer" in res.output
