from scomm_nlp.data.consistency import find_misses, mark_misses_in_markup
from scomm_nlp.data.markup import parse_markup
from scomm_nlp.data.records import AnnotatedDoc, Span


def _doc(i, text, tagged):
    spans = [Span(k + 1, text.index(t), text.index(t) + len(t), lab) for k, (t, lab) in enumerate(tagged)]
    return AnnotatedDoc(i, text, spans)


def test_untagged_form_that_is_tagged_elsewhere_is_a_miss():
    docs = [_doc(i, "ICE said so.", [("ICE", "AGENCY")]) for i in range(1, 11)]
    docs.append(_doc(9, "Later ICE said no.", []))
    docs.append(_doc(10, "The ICE Age Trail is long.", []))  # glued to a capitalised word: not a miss
    misses = find_misses(docs)
    assert [(m.doc_id, m.surface, m.label) for m in misses] == [(9, "ICE", "AGENCY")]


def test_marking_misses_keeps_the_text(tmp_path):
    src = tmp_path / "b.txt"
    body = ("[[ICE|AGENCY]] spoke. " * 4) + "Then ICE spoke again. " + "word " * 60
    src.write_text(f"### doc 5\ndate: 2011-01-01\nstyle: wire\nrelevant: yes\ntopic: t\n---\n{body}\n---\n")
    (doc,), _ = parse_markup(src)
    adoc = AnnotatedDoc(5, doc.text, [Span(e["id"], e["start_offset"], e["end_offset"], e["label"])
                                      for e in doc.entities])
    misses = find_misses([adoc])
    assert len(misses) == 1
    assert mark_misses_in_markup(src, misses) == 1
    (after,), problems = parse_markup(src)
    assert after.text == doc.text
    assert len(after.entities) == 5
