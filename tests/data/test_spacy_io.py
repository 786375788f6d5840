"""Conversion to spaCy Docs and DocBin keeps entities, relations and meta data."""

import pytest
from spacy.tokens import DocBin

from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.records import AnnotatedDoc, Span
from scomm_nlp.data.spacy_io import from_spacy_doc, to_docbin, to_spacy_doc
from scomm_nlp.tokenizer import blank_english


@pytest.fixture(scope="module")
def nlp():
    return blank_english()


def test_doc_has_ents_and_relations(nlp, write_jsonl, quinn_record):
    (adoc,) = read_doccano(write_jsonl([quinn_record])).docs
    doc = to_spacy_doc(adoc, nlp)
    assert [(e.text, e.label_) for e in doc.ents] == [
        ("Pat Quinn", "GOVERNOR"), ("Illinois", "JURISDICTION"), ("Secure Communities", "PROGRAM")]
    assert doc._.relations == [{"head": [1, 3], "child": [8, 10], "type": "OPPOSES"},
                               {"head": [4, 5], "child": [8, 10], "type": "OPPOSES"}]
    back = from_spacy_doc(doc)
    assert back.annotation_key() == adoc.annotation_key()
    assert back.meta == adoc.meta


def test_docbin_round_trip(nlp, write_jsonl, quinn_record):
    (adoc,) = read_doccano(write_jsonl([quinn_record])).docs
    data = to_docbin([adoc], nlp).to_bytes()
    (doc,) = DocBin().from_bytes(data).get_docs(nlp.vocab)
    assert from_spacy_doc(doc).annotation_key() == adoc.annotation_key()
    assert doc.user_data["doc_id"] == 7


def test_program_section_numbers_are_one_token(nlp):
    text = "The county ended its 287(g) agreement."
    adoc = AnnotatedDoc(1, text, [Span(1, text.index("287"), text.index("287") + 6, "PROGRAM")])
    doc = to_spacy_doc(adoc, nlp)
    assert [e.text for e in doc.ents] == ["287(g)"]


@pytest.mark.parametrize("text, tokens", [
    ('"287(g) lets us hold them," he said.', ['"', "287(g)", "lets"]),
    ("\u201c287(g) works\u201d", ["\u201c", "287(g)", "works", "\u201d"]),
    ("(under 212(a)(6))", ["(", "under", "212(a)(6)", ")"]),
    ("(see page 4) and (a)", ["(", "see", "page", "4", ")", "and", "(", "a", ")"]),
])
def test_a_quote_or_bracket_before_a_section_number_does_not_split_it(nlp, text, tokens):
    got = [t.text for t in nlp.make_doc(text)]
    assert got[:len(tokens)] == tokens


def test_misaligned_span_raises_with_doc_id(nlp):
    adoc = AnnotatedDoc(42, "Quinn spoke.", [Span(1, 0, 3, "GOVERNOR")])
    with pytest.raises(ValueError, match="doc 42"):
        to_spacy_doc(adoc, nlp)
