"""The gazetteer's phrase index: same matches as spaCy's PhraseMatcher on ORTH, saved tokenized, loaded fast."""

import json

import spacy
from hypothesis import given, settings, strategies as st
from spacy.matcher import PhraseMatcher
from spacy.tokens import Doc

from scomm_nlp.components.phrase_index import PhraseIndex
from scomm_nlp.tokenizer import blank_english

WORDS = ["Secure", "Communities", "Cook", "County", "ICE", "the", "287(g)", "program", "."]


def _phrase_matcher_spans(nlp, patterns, doc):
    matcher = PhraseMatcher(nlp.vocab, attr="ORTH")
    for i, words in enumerate(patterns):
        matcher.add(f"P{i}", [Doc(nlp.vocab, words=words)])
    return sorted((start, end, nlp.vocab.strings[key]) for key, start, end in matcher(doc))


@settings(max_examples=60, deadline=None)
@given(patterns=st.lists(st.lists(st.sampled_from(WORDS), min_size=1, max_size=3), min_size=1, max_size=6),
       text=st.lists(st.sampled_from(WORDS), min_size=0, max_size=25))
def test_matches_equal_the_phrase_matcher(patterns, text):
    nlp = spacy.blank("en")
    doc = Doc(nlp.vocab, words=text)
    index = PhraseIndex()
    for i, words in enumerate(patterns):
        index.add(words, f"P{i}")
    found = sorted((start, end, label) for start, end, label, _id in index.find(doc))
    assert found == _phrase_matcher_spans(nlp, patterns, doc)


def test_match_gives_labelled_spans_with_ids_without_duplicates():
    nlp = blank_english()
    doc = nlp("Cook County and Secure Communities; Cook County again.")
    index = PhraseIndex()
    index.add(["Cook", "County"], "JURISDICTION")
    index.add(["Cook", "County"], "JURISDICTION")  # the same pattern twice is kept once
    index.add(["Secure", "Communities"], "PROGRAM", "program:secure-communities")
    spans = index.match(doc)
    assert [(s.text, s.label_, s.id_) for s in spans] == [
        ("Cook County", "JURISDICTION", ""), ("Secure Communities", "PROGRAM", "program:secure-communities"),
        ("Cook County", "JURISDICTION", "")]
    assert len(index) == 2


def test_saved_gazetteer_loads_without_tokenizing_or_creating_lexemes(tmp_path):
    import scomm_nlp.pipeline  # noqa: F401  (registers the factories)

    nlp = blank_english()
    nlp.add_pipe("scomm_gazetteer")
    nlp.initialize()
    nlp.to_disk(tmp_path / "p")
    lines = [json.loads(line) for line in (tmp_path / "p" / "scomm_gazetteer" / "patterns.jsonl").open()]
    assert len(lines) > 5000
    assert {"label": "PROGRAM", "pattern": "Secure Communities", "words": ["Secure", "Communities"],
            "id": "program:secure-communities"} in lines
    loaded = spacy.load(tmp_path / "p")
    fresh = len(spacy.load(tmp_path / "p", exclude=["scomm_gazetteer"]).vocab)
    assert len(loaded.vocab) == fresh  # no lexeme was made for the thousands of pattern words
    doc = loaded("Gov. Pat Quinn said Illinois would leave Secure Communities. Quinn said so.")
    assert [(e.text, e.label_, e.id_) for e in doc.ents][:3] == [
        ("Pat Quinn", "GOVERNOR", "person:pat-quinn"), ("Illinois", "JURISDICTION", "state:IL"),
        ("Secure Communities", "PROGRAM", "program:secure-communities")]
    assert doc.ents[-1].text == "Quinn"  # surname propagation still works
    clone = blank_english()
    clone.add_pipe("scomm_gazetteer").from_bytes(loaded.get_pipe("scomm_gazetteer").to_bytes())
    assert [(e.text, e.label_) for e in clone(doc.text).ents] == [(e.text, e.label_) for e in doc.ents]


def test_reads_pipelines_saved_with_the_span_ruler_file(tmp_path):
    """Pipelines saved before the phrase index have SpanRuler's ``patterns`` file: they still load."""
    import scomm_nlp.pipeline  # noqa: F401

    nlp = blank_english()
    nlp.add_pipe("scomm_gazetteer")
    nlp.initialize()
    nlp.to_disk(tmp_path / "p")
    folder = tmp_path / "p" / "scomm_gazetteer"
    (folder / "patterns.jsonl").unlink()
    (folder / "patterns").write_text(
        json.dumps({"label": "PROGRAM", "pattern": "Secure Communities", "id": "program:secure-communities"}) + "\n"
        + json.dumps({"label": "AGENCY", "pattern": "ICE"}) + "\n", encoding="utf-8")
    loaded = spacy.load(tmp_path / "p")
    doc = loaded("ICE runs Secure Communities.")
    assert [(e.text, e.label_, e.id_) for e in doc.ents] == [
        ("ICE", "AGENCY", ""), ("Secure Communities", "PROGRAM", "program:secure-communities")]
