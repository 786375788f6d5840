"""The annotate -> train loop against a real Doccano 1.8.4 server (see conftest.py for how it is run).

End to end: setup-project -> push 5 pre-annotated documents -> an annotator changes a span label, adds
a relation and a span through the API -> pull -> the file validates, holds the changes and every other
annotation, with offsets right around emoji -> a tiny retrain on it runs and the new model predicts.
Then the error cases a user meets, and a check that no password reaches any output.
"""

from __future__ import annotations

import json
import logging
import shutil
from pathlib import Path

import pytest
from typer.testing import CliRunner

import scomm_nlp
from scomm_nlp import scheme
from scomm_nlp.cli import app
from scomm_nlp.data.doccano import read_doccano, to_utf16_offset
from scomm_nlp.doccano_server import (META_KEY, add_member, find_projects, get_project, preannotate,
                                      read_push_inputs, setup_project)

pytestmark = pytest.mark.slow

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()

#: Team-written test text: emoji before and between the mentions, so UTF-16 and character offsets differ.
EMOJI_TEXT = ("Gov. Pat Quinn 🎉 said Illinois would withdraw from Secure Communities. 👍 The Coalition "
              "for Safe Streets 🙌 cheered the decision.")
NEW_SPAN = ("Coalition for Safe Streets", scheme.GROUP)


def cli(server, *args, user=None):
    return runner.invoke(app, ["doccano", *args], env=server.env(user))


def corpus_lines(name: str, n: int) -> list[str]:
    return (REPO / "annotations" / name).read_text(encoding="utf-8").splitlines()[:n]


def server_examples(session, project_id: int) -> dict:
    """``scomm_id -> (example, spans, relations)`` as the server holds them (offsets in its own unit)."""
    out = {}
    for example in session.paginated(f"projects/{project_id}/examples"):
        eid = example["id"]
        out[example["meta"][META_KEY]["scomm_id"]] = (
            example, session.json("GET", f"projects/{project_id}/examples/{eid}/spans"),
            session.json("GET", f"projects/{project_id}/examples/{eid}/relations"))
    return out


def keys(doc) -> tuple[set, set]:
    spans, rels = doc.annotation_key()
    return set(spans), set(rels)


@pytest.mark.slow
def test_round_trip_with_an_annotator_and_a_retrain(doccano_server, project_name, tmp_path):
    server = doccano_server
    annotator_name = server.annotator[0]

    # 1. set up the project: its id alone on standard output, the scheme's labels in its colours
    res = cli(server, "setup-project", "--url", server.url, "--name", project_name, "--member", annotator_name)
    assert res.exit_code == 0, res.output
    project_id = int(res.stdout.strip())
    with server.session() as admin:
        info = get_project(admin, project_id)
        assert (info.project_type, info.use_relation, info.collaborative) == ("SequenceLabeling", True, True)
        span_types = admin.json("GET", f"projects/{project_id}/span-types")
        rel_types = admin.json("GET", f"projects/{project_id}/relation-types")
    assert {t["text"]: t["background_color"] for t in span_types} == {l: scheme.COLORS[l] for l in scheme.ENTITY_LABELS}
    assert sorted((t["suffix_key"], t["text"]) for t in span_types) == [
        (str(i), label) for i, label in enumerate(scheme.ENTITY_LABELS, start=1)]
    assert {t["text"]: t["background_color"] for t in rel_types} == {t: scheme.COLORS[t] for t in scheme.RELATION_TYPES}

    # 2. push 5 documents (4 from the corpus, 1 text file with emoji) with the default model's annotations
    inputs = tmp_path / "in"
    inputs.mkdir()
    (inputs / "four.jsonl").write_text("\n".join(corpus_lines("dev.jsonl", 4)) + "\n", encoding="utf-8")
    (inputs / "emoji-note.txt").write_text(EMOJI_TEXT, encoding="utf-8")
    res = cli(server, "push", str(inputs / "four.jsonl"), str(inputs / "emoji-note.txt"), "--url", server.url,
              "--project", str(project_id))
    assert res.exit_code == 0, res.output
    assert f"pushed 5 document(s) to project {project_id}" in res.stdout
    assert "4 document(s) in the input carry annotations; they are replaced by the model's" in res.output
    expected = {d.meta.get("scomm_id", d.id): d for d in preannotate(
        read_push_inputs([inputs / "four.jsonl", inputs / "emoji-note.txt"]).docs, scomm_nlp.load())}
    assert sum(len(d.spans) for d in expected.values()) >= 10, "the default model tags the corpus documents"

    # 3. the server holds the pre-annotations, in UTF-16 units where the text has emoji
    with server.session(server.annotator) as annotator:
        held = server_examples(annotator, project_id)
        assert set(held) == set(expected)
        label_ids = {t["text"]: t["id"] for t in annotator.json("GET", f"projects/{project_id}/span-types")}
        type_ids = {t["text"]: t["id"] for t in annotator.json("GET", f"projects/{project_id}/relation-types")}
        label_of = {v: k for k, v in label_ids.items()}
        type_of = {v: k for k, v in type_ids.items()}
        for sid, (example, spans, _) in held.items():
            assert example["text"] == expected[sid].text
            assert sorted((s["start_offset"], s["end_offset"], label_of[s["label"]]) for s in spans) == sorted(
                (to_utf16_offset(example["text"], s.start), to_utf16_offset(example["text"], s.end), s.label)
                for s in expected[sid].spans)
        example, spans, relations = held["emoji-note"]
        eid = example["id"]
        assert any(to_utf16_offset(EMOJI_TEXT, s.start) != s.start for s in expected["emoji-note"].spans), \
            "a pre-annotated span after an emoji"

        # 4. as an annotator: relabel one span, add one relation and (when free) one span, the browser's way
        span, new_label = _relabel(spans, relations, label_of, type_of)
        annotator.json("PATCH", f"projects/{project_id}/examples/{eid}/spans/{span['id']}",
                       json={"label": label_ids[new_label]})
        label_now = {s["id"]: (new_label if s["id"] == span["id"] else label_of[s["label"]]) for s in spans}
        existing = {(r["from_id"], type_of[r["type"]], r["to_id"]) for r in relations}
        added = next(((a["id"], t, b["id"]) for a in spans for b in spans for t in scheme.RELATION_TYPES
                      if a is not b and (a["id"], t, b["id"]) not in existing
                      and scheme.relation_allowed(t, label_now[a["id"]], label_now[b["id"]])), None)
        assert added is not None, "the emoji document offers an actor and a target for a new stance"
        annotator.json("POST", f"projects/{project_id}/examples/{eid}/relations",
                       json={"from_id": added[0], "to_id": added[2], "type": type_ids[added[1]]})
        start = EMOJI_TEXT.index(NEW_SPAN[0])
        end = start + len(NEW_SPAN[0])
        span_free = all(s.end <= start or s.start >= end for s in expected["emoji-note"].spans)
        if span_free:
            annotator.json("POST", f"projects/{project_id}/examples/{eid}/spans", json={
                "start_offset": to_utf16_offset(EMOJI_TEXT, start), "end_offset": to_utf16_offset(EMOJI_TEXT, end),
                "label": label_ids[NEW_SPAN[1]]})

    # 5. pull: the file validates and holds exactly the pre-annotations plus the annotator's changes
    out = tmp_path / "pulled" / "doccano.jsonl"
    res = cli(server, "pull", "--url", server.url, "--project", str(project_id), "--out", str(out))
    assert res.exit_code == 0, res.output
    assert "5 document(s)" in res.stdout and "0 error(s)" in res.stdout
    check = read_doccano(out)
    assert check.ok, [str(i) for i in check.errors]
    pulled = {d.meta["scomm_id"]: d for d in check.docs}
    assert set(pulled) == set(expected)
    for sid, doc in pulled.items():
        assert doc.text == expected[sid].text
        if sid != "emoji-note":
            assert keys(doc) == keys(expected[sid])
            assert doc.meta["date"] == expected[sid].meta["date"]
    want_spans, want_rels = keys(expected["emoji-note"])
    old = next(s for s in expected["emoji-note"].spans if to_utf16_offset(EMOJI_TEXT, s.start) == span["start_offset"])
    want_spans = (want_spans - {(old.start, old.end, old.label)}) | {(old.start, old.end, new_label)}
    if span_free:
        want_spans |= {(start, end, NEW_SPAN[1])}
    char_of = {s["id"]: _chars(s) for s in spans}
    want_rels |= {(char_of[added[0]], added[1], char_of[added[2]])}
    got_spans, got_rels = keys(pulled["emoji-note"])
    assert got_spans == want_spans
    assert got_rels == want_rels
    emoji_doc = pulled["emoji-note"]
    assert NEW_SPAN[0] in {emoji_doc.span_text(s) for s in emoji_doc.spans} or not span_free

    # 6. a tiny retrain on the pulled file; the new model loads and predicts
    from scomm_nlp.training.train import train

    data = tmp_path / "data"
    data.mkdir()
    shutil.copy(out, data / "train.jsonl")
    shutil.copy(out, data / "dev.jsonl")
    best = train([data], tmp_path / "model", overrides={"training.max_steps": 20, "training.eval_frequency": 10})
    assert (best / "config.cfg").exists()
    nlp = scomm_nlp.load(str(best))
    assert "ner" in nlp.pipe_names
    result = scomm_nlp.analyze(EMOJI_TEXT, nlp=nlp)
    assert result.text == EMOJI_TEXT
    assert all(e.label in scheme.ENTITY_LABELS and EMOJI_TEXT[e.start:e.end] == e.text for e in result.entities)


def _chars(span: dict) -> tuple[int, int]:
    """A server span's offsets (UTF-16 units in EMOJI_TEXT) as character offsets."""
    from scomm_nlp.data.doccano import utf16_to_codepoint_map

    mapping = utf16_to_codepoint_map(EMOJI_TEXT)
    return mapping[span["start_offset"]], mapping[span["end_offset"]]


def _relabel(spans: list, relations: list, label_of: dict, type_of: dict) -> tuple[dict, str]:
    """A pre-annotated span and a new label that keeps every relation touching it allowed by the scheme."""
    by_id = {s["id"]: label_of[s["label"]] for s in spans}
    for span in spans:
        for new in scheme.ENTITY_LABELS:
            if new == by_id[span["id"]]:
                continue
            labels = {**by_id, span["id"]: new}
            if all(scheme.relation_allowed(type_of[r["type"]], labels[r["from_id"]], labels[r["to_id"]])
                   for r in relations):
                return span, new
    raise AssertionError("no span of the emoji document can be relabelled within the scheme")


@pytest.mark.slow
def test_keep_annotations_round_trip_and_only_approved(doccano_server, project_name, tmp_path):
    server = doccano_server
    with server.session() as admin:
        project_id = setup_project(admin, project_name, members=[server.annotator[0]]).id
    source = tmp_path / "six.jsonl"
    source.write_text("\n".join(corpus_lines("train.jsonl", 6)) + "\n", encoding="utf-8")
    originals = {d.id: d for d in read_doccano(source).docs}
    assert sum(len(d.relations) for d in originals.values()) > 0

    res = cli(server, "push", str(source), "--url", server.url, "--project", str(project_id), "--keep-annotations")
    assert res.exit_code == 0, res.output
    assert "with their own annotations" in res.stdout

    out = tmp_path / "all.jsonl"
    res = cli(server, "pull", "--url", server.url, "--project", str(project_id), "--out", str(out))
    assert res.exit_code == 0, res.output
    pulled = read_doccano(out)
    assert pulled.ok
    by_source_id = {d.meta["scomm_id"]: d for d in pulled.docs}
    assert set(by_source_id) == set(originals)
    for doc_id, original in originals.items():
        doc = by_source_id[doc_id]
        assert (doc.text, keys(doc)) == (original.text, keys(original))
        assert {k: doc.meta[k] for k in original.meta} == original.meta

    # nothing is marked done yet; then the annotator marks one document done and --only-approved pulls just that one
    approved = tmp_path / "approved.jsonl"
    res = cli(server, "pull", "--url", server.url, "--project", str(project_id), "--out", str(approved),
              "--only-approved")
    assert res.exit_code == 0 and "warning: the export holds no documents marked done" in res.output, res.output
    with server.session(server.annotator) as annotator:
        first = next(annotator.paginated(f"projects/{project_id}/examples"))
        annotator.json("POST", f"projects/{project_id}/examples/{first['id']}/states", json={})
    res = cli(server, "pull", "--url", server.url, "--project", str(project_id), "--out", str(approved),
              "--only-approved")
    assert res.exit_code == 0, res.output
    assert [d.id for d in read_doccano(approved).docs] == [first["id"]]


def _make_project(admin, name: str, project_type: str = "SequenceLabeling", resource: str = "SequenceLabelingProject",
                  use_relation: bool = True, collaborative: bool = True) -> int:
    """A project made without scomm-nlp (as someone would in Doccano's web page): no labels yet."""
    return admin.json("POST", "projects", json={
        "name": name, "description": "d", "project_type": project_type, "resourcetype": resource,
        "use_relation": use_relation, "collaborative_annotation": collaborative, "tags": []})["id"]


@pytest.mark.slow
def test_errors_a_user_meets_are_one_line_and_never_show_a_password(doccano_server, project_name, tmp_path, caplog):
    server = doccano_server
    caplog.set_level(logging.DEBUG)
    doc = tmp_path / "one.txt"
    doc.write_text("Sheriff Vicki Hennessy said San Francisco would keep limiting ICE detainers.", encoding="utf-8")
    outputs = []

    def run(*args, user=None, code=2):
        res = cli(server, *args, user=user)
        outputs.append(res.output)
        assert res.exit_code == code, res.output
        if code == 2:
            lines = res.output.strip().splitlines()
            assert len(lines) == 1 and lines[0].startswith("error: "), res.output
        return res.output

    with server.session() as admin:
        good = _make_project(admin, project_name)
        classification = _make_project(admin, project_name + "-cls", "DocumentClassification",
                                       "TextClassificationProject", use_relation=False)
        no_relations = _make_project(admin, project_name + "-norel", use_relation=False)
        foreign = setup_project(admin, project_name + "-foreign").id
        admin.json("POST", f"projects/{foreign}/span-types", json={"text": "PERSON", "background_color": "#123456",
                                                                   "text_color": "#ffffff"})
        admin.json("POST", f"projects/{foreign}/relation-types", json={"text": "LIKES", "background_color": "#654321",
                                                                       "text_color": "#ffffff"})

    wrong = (server.admin[0], server.admin[1] + "-wrong")
    assert f"refused the login for user '{server.admin[0]}': wrong user name or password" in run(
        "pull", "--url", server.url, "--project", str(good), "--out", str(tmp_path / "x.jsonl"), user=wrong)
    assert f"error: no project 999999 on {server.url}" in run(
        "pull", "--url", server.url, "--project", "999999", "--out", str(tmp_path / "x.jsonl"))
    assert "is a DocumentClassification project; scomm-nlp needs a SequenceLabeling project" in run(
        "push", str(doc), "--url", server.url, "--project", str(classification))
    assert "has relation labelling switched off" in run(
        "pull", "--url", server.url, "--project", str(no_relations), "--out", str(tmp_path / "x.jsonl"))
    assert "has labels outside the scheme: span labels PERSON; relation types LIKES" in run(
        "push", str(doc), "--url", server.url, "--project", str(foreign))
    assert f"user '{server.annotator[0]}' is not a member of project {good}" in run(
        "pull", "--url", server.url, "--project", str(good), "--out", str(tmp_path / "x.jsonl"), user=server.annotator)
    assert f"a project named '{project_name}' already exists" in run(
        "setup-project", "--url", server.url, "--name", project_name)
    assert f"no Doccano user 'nobody-{project_name}' on {server.url}" in run(
        "setup-project", "--url", server.url, "--name", project_name + "-new", "--member", f"nobody-{project_name}")
    with server.session() as admin:
        assert find_projects(admin, project_name + "-new") == [], "nothing is created for an unknown member"
    assert not (tmp_path / "x.jsonl").exists()

    # a push into a project made by hand adds the scheme's labels; a pull that fails leaves the pulled file intact
    pushed = run("push", str(doc), "--url", server.url, "--project", str(good), code=0)
    assert "added missing labels: GOVERNOR, OFFICIAL, AGENCY, PROGRAM, JURISDICTION, GROUP, OPPOSES, SUPPORTS, " \
        "COMPELS" in pushed
    out = tmp_path / "good.jsonl"
    run("pull", "--url", server.url, "--project", str(good), "--out", str(out), code=0)
    before = out.read_bytes()
    run("pull", "--url", server.url, "--project", str(good), "--out", str(out), user=wrong)
    assert out.read_bytes() == before

    # a project that is not collaborative exports one file per member: the user picks one
    with server.session() as admin:
        separate = _make_project(admin, project_name + "-separate", collaborative=False)
        add_member(admin, separate, server.annotator[0])
    run("push", str(doc), "--url", server.url, "--project", str(separate), code=0)
    people = sorted([server.admin[0], server.annotator[0]])
    assert f"is not collaborative, so Doccano exports one file per member ({', '.join(people)}); choose one with " \
        "--annotator NAME" in run("pull", "--url", server.url, "--project", str(separate), "--out", str(out))
    mine = tmp_path / "admin.jsonl"
    run("pull", "--url", server.url, "--project", str(separate), "--out", str(mine), "--annotator", server.admin[0],
        code=0)
    assert len(read_doccano(mine).docs[0].spans) > 0, "the admin's file holds the pre-annotations"

    # no password in what the commands printed, in any log record, or in the written file
    for password in (server.admin[1], server.annotator[1]):
        for text in outputs + [caplog.text, out.read_text(encoding="utf-8")]:
            assert password not in text
    assert json.loads(before.decode("utf-8").splitlines()[0])["scomm_id"] == "one"
