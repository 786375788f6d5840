"""Gold knowledge-base links: the shipped file matches the corpus, bad files are refused clearly,
and kb_id accuracy is computed as documented."""

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.links import (Accuracy, LinksError, check_links, find_links_file, kb_accuracy,
                                  load_links, read_links)
from scomm_nlp.data.records import AnnotatedDoc, Span
from scomm_nlp.kb import load_kb

REPO = Path(__file__).resolve().parents[2]
ANNOTATIONS = REPO / "annotations"


@pytest.fixture(scope="module")
def kb():
    return load_kb()


@pytest.fixture(scope="module")
def corpus():
    return read_doccano([ANNOTATIONS / f"{s}.jsonl" for s in ("train", "dev", "test")], strict=True,
                        tokenizer=None).docs


def test_shipped_links_cover_every_gold_span_once(corpus, kb):
    path = find_links_file([ANNOTATIONS / "dev.jsonl"])
    assert path == ANNOTATIONS / "kb_links.jsonl"
    links, issues = read_links(path)
    assert issues == []
    assert check_links(links, corpus, kb, source=str(path)) == []
    assert len(links) == sum(len(d.spans) for d in corpus)
    assert len({(link.doc_id, link.start, link.end) for link in links}) == len(links)
    linked = [link for link in links if link.kb_id is not None]
    assert 0.8 < len(linked) / len(links) < 1.0  # most mentions are in the KB, some are not
    assert {link.kb_id.split(":")[0] for link in linked} == {"state", "county", "city", "country", "agency",
                                                             "program", "group", "person"}


# ------------------------------------------------------------------ a hand-made corpus and links file

TEXT = "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."


@pytest.fixture
def tiny(tmp_path, quinn_record):
    data = tmp_path / "data"
    data.mkdir()
    (data / "dev.jsonl").write_text(json.dumps({**quinn_record, "date": "2011-05-04"}) + "\n", encoding="utf-8")
    links = [
        {"doc_id": 7, "start": 5, "end": 14, "text": "Pat Quinn", "label": "GOVERNOR", "kb_id": "person:pat-quinn"},
        {"doc_id": 7, "start": 20, "end": 28, "text": "Illinois", "label": "JURISDICTION", "kb_id": "state:IL"},
        {"doc_id": 7, "start": 49, "end": 67, "text": "Secure Communities", "label": "PROGRAM",
         "kb_id": "program:secure-communities", "note": "the federal program"},
    ]
    return data, links


def write_links(path: Path, records) -> Path:
    path.write_text("".join((r if isinstance(r, str) else json.dumps(r)) + "\n" for r in records), encoding="utf-8")
    return path


def test_hand_made_links_load(tiny, kb):
    data, links = tiny
    path = write_links(data / "kb_links.jsonl", links)
    docs = read_doccano([data / "dev.jsonl"], strict=True, tokenizer=None).docs
    assert load_links(path, docs, kb) == {7: {(5, 14, "GOVERNOR"): "person:pat-quinn",
                                              (20, 28, "JURISDICTION"): "state:IL",
                                              (49, 67, "PROGRAM"): "program:secure-communities"}}


@pytest.mark.parametrize("change, field, message", [
    (lambda ls: ls[:2], "<missing>", "'Secure Communities' [49, 67) PROGRAM has no line"),
    (lambda ls: [ls[0], {**ls[1], "text": "Illinoi"}, ls[2]], "text", "the corpus has 'Illinois'"),
    (lambda ls: [ls[0], {**ls[1], "label": "AGENCY"}, ls[2]], "label", "the corpus has JURISDICTION"),
    (lambda ls: [ls[0], ls[1], {**ls[2], "kb_id": "program:nope"}], "kb_id", "not a knowledge-base id"),
    (lambda ls: [ls[0], {**ls[1], "kb_id": "agency:ice"}, ls[2]], "kb_id", "is a AGENCY, not a JURISDICTION"),
    (lambda ls: [ls[0], {**ls[1], "start": 21}, ls[2]], "start", "no gold span [21, 28)"),
    (lambda ls: ls + [ls[0]], "start", "already linked on line 1"),
    (lambda ls: [ls[0], "{not json", ls[2]], "<json>", "invalid JSON"),
    (lambda ls: [ls[0], {k: v for k, v in ls[1].items() if k != "kb_id"}, ls[2]], "kb_id", "missing field"),
    (lambda ls: [ls[0], {**ls[1], "end": "28"}, ls[2]], "end", "wrong type"),
    (lambda ls: ls + [{**ls[0], "doc_id": 99}], "doc_id", "no document 99"),
])
def test_bad_links_are_refused_naming_line_and_field(tiny, kb, change, field, message):
    data, links = tiny
    path = write_links(data / "kb_links.jsonl", change(links))
    docs = read_doccano([data / "dev.jsonl"], strict=True, tokenizer=None).docs
    with pytest.raises(LinksError) as info:
        load_links(path, docs, kb, documents="all")
    issue = next(i for i in info.value.issues if i.field == field)
    assert message in issue.message
    assert str(path) in str(issue)
    if field != "<missing>":
        assert issue.line >= 1


def test_documents_without_links_are_left_out_of_a_subset(tiny, kb):
    data, links = tiny
    other = AnnotatedDoc(8, "ICE acted.", [Span(1, 0, 3, "AGENCY")], [], {})
    path = write_links(data / "kb_links.jsonl", links)
    docs = read_doccano([data / "dev.jsonl"], strict=True, tokenizer=None).docs + [other]
    assert set(load_links(path, docs, kb)) == {7}
    with pytest.raises(LinksError, match="'ICE' \\[0, 3\\) AGENCY has no line"):
        load_links(path, docs, kb, documents="all")


# ------------------------------------------------------------------ the accuracy maths


def test_kb_accuracy_counts_only_entities_found_with_the_right_label():
    gold = {1: {(0, 5, "AGENCY"): "agency:ice", (10, 15, "PROGRAM"): None, (20, 28, "JURISDICTION"): "state:IL",
                (30, 35, "GROUP"): "group:aclu", (40, 45, "OFFICIAL"): "person:john-morton"},
            2: {(0, 8, "JURISDICTION"): "state:MA"}}
    pred = {1: {(0, 5, "AGENCY"): "agency:ice",                # right
                (10, 15, "PROGRAM"): None,                     # right: both unknown
                (20, 28, "JURISDICTION"): "city:il-chicago",   # wrong id
                (30, 35, "AGENCY"): "group:aclu",              # wrong label: not found, not counted
                (50, 55, "PROGRAM"): "program:pep"},           # not in the gold: not counted
            # document 2 not predicted at all, (40, 45) missed: not counted
            }
    overall, per_label = kb_accuracy(gold, pred)
    assert (overall.correct, overall.total) == (2, 3)
    assert overall.accuracy == pytest.approx(2 / 3)
    assert {k: (v.correct, v.total) for k, v in per_label.items()} == {
        "AGENCY": (1, 1), "JURISDICTION": (0, 1), "PROGRAM": (1, 1)}
    spans_only, _ = kb_accuracy(gold, pred, match_label=False)
    assert (spans_only.correct, spans_only.total) == (3, 4)  # the GROUP span now counts, with the right id
    assert Accuracy().accuracy == 0.0


def test_evaluate_reports_linking_next_to_the_data(tiny):
    import scomm_nlp.components  # noqa: F401  (registers the scomm_* factories)
    from scomm_nlp.tokenizer import blank_english
    from scomm_nlp.training.evaluate import evaluate, format_report

    data, links = tiny
    write_links(data / "kb_links.jsonl", links)
    nlp = blank_english()  # a small pipeline with a linker: entity patterns, then scomm_linker
    nlp.add_pipe("entity_ruler").add_patterns([
        {"label": "GOVERNOR", "pattern": "Pat Quinn"}, {"label": "JURISDICTION", "pattern": "Illinois"},
        {"label": "AGENCY", "pattern": "Secure Communities"}])  # a wrong label: found by span, not by label
    nlp.add_pipe("scomm_linker")
    report = evaluate(nlp, [data / "dev.jsonl"])
    linking = report["linking"]
    assert linking["links_file"] == str(data / "kb_links.jsonl")
    assert linking["found"] == {"accuracy": 1.0, "correct": 2, "total": 2}
    assert set(linking["per_label"]) == {"GOVERNOR", "JURISDICTION"}
    assert linking["gold_spans"]["total"] == 3 and linking["gold_spans"]["accuracy"] == 1.0
    assert "KB_ID all" in format_report(report)
    assert evaluate(nlp, [data / "dev.jsonl"], links=None)["linking"] is not None
    (data / "kb_links.jsonl").unlink()
    assert evaluate(nlp, [data / "dev.jsonl"])["linking"] is None
    res = CliRunner().invoke(app, ["evaluate", "rules", str(data / "dev.jsonl"), "--links", str(data / "no.jsonl")])
    assert res.exit_code == 2 and "no such links file" in res.output


# ------------------------------------------------------------------ keeping the file in step with the corpus

def test_sync_keeps_reviewed_lines_drops_stale_ones_and_proposes_missing_ones(tiny, kb):
    from scomm_nlp.data.links import PROPOSED_NOTE, sync_links

    data, links = tiny
    docs = read_doccano([data / "dev.jsonl"], strict=True, tokenizer=None).docs
    path = write_links(data / "kb_links.jsonl", [
        links[0],                                            # still a gold span: kept as reviewed
        {**links[1], "label": "AGENCY"},                     # the span changed label: dropped, proposed again
        {"doc_id": 7, "start": 0, "end": 4, "text": "Gov.", "label": "OFFICIAL", "kb_id": None},  # span gone
        {"doc_id": 99, "start": 0, "end": 3, "text": "ICE", "label": "AGENCY", "kb_id": "agency:ice"},  # no doc
    ])
    old, issues = read_links(path)
    assert issues == []
    records, counts = sync_links(old, docs)
    assert counts == {"kept": 1, "dropped": 3, "proposed": 2}
    assert [(r["start"], r["end"]) for r in records] == [(5, 14), (20, 28), (49, 67)]  # sorted, one per span
    assert records[0] == links[0]
    proposed = {r["text"]: r for r in records[1:]}
    assert all(r["note"] == PROPOSED_NOTE for r in proposed.values())
    assert proposed["Illinois"]["label"] == "JURISDICTION"
    assert proposed["Secure Communities"]["kb_id"] == "program:secure-communities"  # the linker's proposal
    from scomm_nlp.data.links import Link

    synced = [Link(r["doc_id"], r["start"], r["end"], r["text"], r["label"], r["kb_id"], r.get("note", ""), i + 1)
              for i, r in enumerate(records)]
    assert check_links(synced, docs, kb) == []


def test_sync_command_rewrites_the_file_and_reports_counts(tiny):
    from scomm_nlp.data.links import main

    data, links = tiny
    path = write_links(data / "kb_links.jsonl", links[:2])
    assert main([str(data / "dev.jsonl"), "--sync"]) == 0
    lines = [json.loads(x) for x in path.read_text(encoding="utf-8").splitlines()]
    assert [x["text"] for x in lines] == ["Pat Quinn", "Illinois", "Secure Communities"]
    assert "note" in lines[2] and "note" not in lines[0]
