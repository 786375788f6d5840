"""The Doccano reader: both shapes, all containers, every kind of broken export, and the round trip."""

import gzip
import json
import zipfile

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scomm_nlp import scheme
from scomm_nlp.data.doccano import (
    doc_to_record,
    read_doccano,
    to_utf16_offset,
    utf16_to_codepoint_map,
    write_doccano,
)
from scomm_nlp.data.records import AnnotatedDoc, DoccanoFormatError, Relation, Span


def only(issues, severity="error"):
    return [i for i in issues if i.severity == severity]


def test_reads_relation_shape_and_keeps_meta(write_jsonl, quinn_record):
    result = read_doccano(write_jsonl([quinn_record]))
    assert result.ok, result.issues
    (doc,) = result.docs
    assert [doc.span_text(s) for s in doc.spans] == ["Pat Quinn", "Illinois", "Secure Communities"]
    assert [(r.from_id, r.type, r.to_id) for r in doc.relations] == [(1, "OPPOSES", 3), (2, "OPPOSES", 3)]
    assert doc.meta == {"Comments": ["checked"]}
    assert doc.line == 1


def test_reads_plain_shape(write_jsonl):
    text = "ICE activated Secure Communities in Cook County."
    rec = {"id": 3, "text": text, "label": [[0, 3, "AGENCY"], [14, 32, "PROGRAM"], [36, 47, "JURISDICTION"]]}
    (doc,) = read_doccano(write_jsonl([rec])).docs
    assert [(doc.span_text(s), s.label) for s in doc.spans] == [
        ("ICE", "AGENCY"), ("Secure Communities", "PROGRAM"), ("Cook County", "JURISDICTION")]
    assert doc.relations == []


def test_reads_gzip_and_zip(tmp_path, quinn_record):
    gz = tmp_path / "a.jsonl.gz"
    with gzip.open(gz, "wt", encoding="utf-8") as fh:
        fh.write(json.dumps(quinn_record) + "\n")
    zpath = tmp_path / "export.zip"
    with zipfile.ZipFile(zpath, "w") as zf:
        zf.writestr("admin.jsonl", json.dumps(quinn_record) + "\n" + "{broken\n")
    assert len(read_doccano(gz).docs) == 1
    result = read_doccano(zpath)
    assert len(result.docs) == 1
    (err,) = result.errors
    assert err.file.endswith("export.zip:admin.jsonl") and err.line == 2 and "invalid JSON" in err.message


def test_folder_is_expanded(tmp_path, quinn_record):
    (tmp_path / "x.jsonl").write_text(json.dumps(quinn_record) + "\n")
    (tmp_path / "notes.txt").write_text("not an export")
    assert len(read_doccano(tmp_path).docs) == 1


@pytest.mark.parametrize(
    "mutate, field, words",
    [
        (lambda r: r.update(text=None), "text", "must be a string"),
        (lambda r: r.pop("text"), "text", "missing"),
        (lambda r: r["entities"][1].update(start_offset=60, end_offset=200), "entities[1]", "out of range"),
        (lambda r: r["entities"][0].update(label="PERSON"), "entities[0].label", "unknown label 'PERSON'"),
        (lambda r: r["entities"][2].update(start_offset=9), "entities", "overlaps"),
        (lambda r: r["relations"][0].update(to_id=99), "relations[0]", "no such entity"),
        (lambda r: r["relations"][0].update(type="LIKES"), "relations[0].type", "unknown relation type"),
        (lambda r: r["relations"][0].update(to_id=2), "relations[0]", "OPPOSES does not allow GOVERNOR -> JURISDICTION"),
        (lambda r: r["entities"][1].update(id=1), "entities[1].id", "duplicate entity id"),
        (lambda r: r["entities"][1].update(start_offset=21), "entities[1]", "does not fall on token boundaries"),
        (lambda r: r["entities"][0].pop("label"), "entities[0]", "missing label"),
    ],
)
def test_broken_records_name_file_line_and_field(write_jsonl, quinn_record, mutate, field, words):
    good = json.loads(json.dumps(quinn_record))
    good["id"] = 1
    good["text"] = "A different first line about Secure Communities in Illinois."
    good["entities"], good["relations"] = [], []
    bad = json.loads(json.dumps(quinn_record))
    mutate(bad)
    path = write_jsonl([good, bad])
    result = read_doccano(path)
    errors = only(result.issues)
    assert errors, "expected an error"
    assert any(e.file == str(path) and e.line == 2 and e.field == field and words in e.message for e in errors), errors
    with pytest.raises(DoccanoFormatError) as info:
        read_doccano(path, strict=True)
    assert f"{path}:2" in str(info.value)


def test_invalid_json_line_is_reported_and_others_kept(write_jsonl, quinn_record):
    path = write_jsonl(['{"id": 1, "text": "oops"', quinn_record])
    result = read_doccano(path)
    assert len(result.docs) == 1
    (err,) = result.errors
    assert (err.line, err.field) == (1, "<json>")


def test_relation_to_a_rejected_span_says_so(write_jsonl, quinn_record):
    quinn_record["entities"][0]["label"] = "NOPE"
    result = read_doccano(write_jsonl([quinn_record]))
    messages = [e.message for e in result.errors]
    assert any("rejected above" in m for m in messages)
    # the other relation survives
    assert [(r.from_id, r.to_id) for r in result.docs[0].relations] == [(2, 3)]


def test_whitespace_and_punctuation_are_snapped_with_a_warning(write_jsonl, quinn_record):
    quinn_record["entities"][0].update(start_offset=4, end_offset=14)  # " Pat Quinn"
    quinn_record["entities"][2].update(end_offset=68)  # "Secure Communities."
    result = read_doccano(write_jsonl([quinn_record]))
    assert result.ok
    doc = result.docs[0]
    assert [doc.span_text(s) for s in doc.spans] == ["Pat Quinn", "Illinois", "Secure Communities"]
    assert len([w for w in result.warnings if "snapped" in w.message]) == 2


def test_utf16_offsets_are_detected_and_converted(write_jsonl):
    text = "\U0001F600\U0001F600 Quinn said Illinois leaves Secure Communities."
    start = text.index("Illinois")
    # Doccano's browser counts each emoji as two UTF-16 units
    rec = {"id": 1, "text": text, "entities": [
        {"id": 1, "label": "GOVERNOR", "start_offset": text.index("Quinn") + 2, "end_offset": text.index("Quinn") + 7},
        {"id": 2, "label": "JURISDICTION", "start_offset": start + 2, "end_offset": start + 10},
    ], "relations": []}
    result = read_doccano(write_jsonl([rec]))
    assert result.ok, result.issues
    doc = result.docs[0]
    assert [doc.span_text(s) for s in doc.spans] == ["Quinn", "Illinois"]
    assert any("UTF-16" in w.message for w in result.warnings)


def test_utf16_helpers_agree():
    text = "a\U0001F600b"
    mapping = utf16_to_codepoint_map(text)
    assert mapping == [0, 1, 1, 2, 3]
    assert [to_utf16_offset(text, i) for i in range(4)] == [0, 1, 3, 4]


def test_duplicate_ids_and_conflicting_duplicate_texts(write_jsonl, quinn_record):
    other = json.loads(json.dumps(quinn_record))
    other["relations"] = other["relations"][:1]
    result = read_doccano(write_jsonl([quinn_record, other]))
    messages = [(e.line, e.field, e.message) for e in result.errors]
    assert any(line == 2 and f == "id" and "duplicate document id 7" in m for line, f, m in messages)
    assert any(line == 2 and f == "text" and "annotated differently" in m for line, f, m in messages)


def test_identical_duplicate_text_is_only_a_warning(write_jsonl, quinn_record):
    copy = json.loads(json.dumps(quinn_record))
    copy["id"] = 8
    result = read_doccano(write_jsonl([quinn_record, copy]))
    assert result.ok
    assert any("duplicate of" in w.message for w in result.warnings)


def test_missing_file_is_an_error(tmp_path):
    result = read_doccano(tmp_path / "nope.jsonl")
    assert result.errors and result.errors[0].field == "<file>"


def test_write_is_atomic_and_round_trips(tmp_path, write_jsonl, quinn_record):
    docs = read_doccano(write_jsonl([quinn_record])).docs
    out = write_doccano(docs, tmp_path / "out" / "copy.jsonl.gz")
    again = read_doccano(out).docs
    assert again == [_strip_source(d, again[0]) for d in docs]
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]


def test_utf16_writing_round_trips(tmp_path, write_jsonl):
    text = "\U0001F600 Quinn said Illinois leaves."
    rec = {"id": 1, "text": text, "entities": [
        {"id": 1, "label": "JURISDICTION", "start_offset": text.index("Illinois"),
         "end_offset": text.index("Illinois") + 8}], "relations": []}
    docs = read_doccano(write_jsonl([rec])).docs
    out = write_doccano(docs, tmp_path / "u16.jsonl", utf16=True)
    raw = json.loads(out.read_text().splitlines()[0])
    assert raw["entities"][0]["start_offset"] == text.index("Illinois") + 1
    assert read_doccano(out).docs[0].spans == docs[0].spans


def _strip_source(doc, like):
    return AnnotatedDoc(doc.id, doc.text, doc.spans, doc.relations, doc.meta, like.source, like.line)


# ------------------------------------------------------------------ property: read -> write -> read

WORDS = ["Quinn", "Illinois", "ICE", "rejects", "joins", "287(g)", "the", "county", "Secure", "Communities",
         "said", "and", "S-Comm", "\U0001F600", "caf\u00e9", "Ma\u00f1ana"]


@st.composite
def annotated_docs(draw):
    words = draw(st.lists(st.sampled_from(WORDS), min_size=1, max_size=25))
    text = " ".join(words)
    offsets, pos = [], 0
    for w in words:
        offsets.append((pos, pos + len(w)))
        pos += len(w) + 1
    chosen = sorted(draw(st.sets(st.integers(0, len(words) - 1), max_size=6)))
    spans = [Span(i + 1, offsets[w][0], offsets[w][1], draw(st.sampled_from(scheme.ENTITY_LABELS)))
             for i, w in enumerate(chosen)]
    relations = []
    for a in spans:
        for b in spans:
            for rel_type in scheme.RELATION_TYPES:
                if a is not b and scheme.relation_allowed(rel_type, a.label, b.label) and draw(st.booleans()):
                    relations.append(Relation(len(relations) + 100, a.id, b.id, rel_type))
    meta = draw(st.dictionaries(st.sampled_from(["Comments", "source", "date"]), st.text(max_size=5), max_size=2))
    return AnnotatedDoc(draw(st.integers(0, 10**6)), text, spans, relations, meta)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(docs=st.lists(annotated_docs(), min_size=1, max_size=4, unique_by=lambda d: (d.id, d.text)),
       utf16=st.booleans())
def test_read_write_read_is_identity(tmp_path, docs, utf16):
    ids, texts = [d.id for d in docs], [d.text.casefold() for d in docs]
    if len(set(ids)) != len(ids) or len(set(texts)) != len(texts):
        return
    first_path = write_doccano(docs, tmp_path / "first.jsonl", utf16=utf16)
    first = read_doccano(first_path)
    assert first.ok, first.errors
    second_path = write_doccano(first.docs, tmp_path / "second.jsonl", utf16=utf16)
    second = read_doccano(second_path)
    strip = lambda d: (d.id, d.text, d.spans, d.relations, d.meta)  # noqa: E731
    assert [strip(d) for d in second.docs] == [strip(d) for d in first.docs] == [strip(d) for d in docs]
    assert first_path.read_bytes() == second_path.read_bytes()


def test_doc_to_record_shape(quinn_record, write_jsonl):
    (doc,) = read_doccano(write_jsonl([quinn_record])).docs
    assert doc_to_record(doc) == quinn_record
