"""The gazetteer after an NER: a fallback that never overrides NER spans, and optional KB relabelling."""

import pytest
from spacy.tokens import Span

import scomm_nlp.pipeline  # noqa: F401  (registers the scomm_* factories)
from scomm_nlp.tokenizer import blank_english


def preset_ner(doc):
    """Stand-in for a trained NER: fixed predictions, one with a wrong label."""
    spans = []
    for text, label in (("MALDEF", "AGENCY"), ("287(g)", "PROGRAM"), ("Nebraska Appleseed", "GROUP")):
        start = doc.text.find(text)
        if start >= 0:
            spans.append(doc.char_span(start, start + len(text), label=label))
    doc.ents = [s for s in spans if s is not None]
    return doc


def pipeline(relabel: bool):
    from spacy.language import Language

    if "test_preset_ner" not in Language.factories:
        Language.component("test_preset_ner", func=preset_ner)
    nlp = blank_english()
    nlp.add_pipe("test_preset_ner")
    nlp.add_pipe("scomm_gazetteer", config={"relabel_known": relabel}).initialize()
    return nlp


TEXT = "MALDEF sued over the 287(g) agreement in Texas, and Nebraska Appleseed joined."


@pytest.mark.parametrize("relabel", [False, True])
def test_fallback_keeps_ner_spans_and_adds_missed_names(relabel):
    doc = pipeline(relabel)(TEXT)
    spans = {(e.text, e.label_) for e in doc.ents}
    assert ("287(g)", "PROGRAM") in spans  # not replaced by the longer KB name "287(g) agreement"
    assert ("Texas", "JURISDICTION") in spans  # added: the NER missed it
    assert ("Nebraska Appleseed", "GROUP") in spans


def test_relabel_known_fixes_a_label_only_when_asked():
    assert ("MALDEF", "AGENCY") in {(e.text, e.label_) for e in pipeline(False)(TEXT).ents}
    assert ("MALDEF", "GROUP") in {(e.text, e.label_) for e in pipeline(True)(TEXT).ents}


def test_entity_edges_lose_punctuation_the_ner_put_there():
    from spacy.language import Language

    def hyphen_ner(doc):
        start = doc.text.index("-Thomas")
        doc.ents = [doc.char_span(start, start + len("-Thomas"), label="OFFICIAL"),
                    doc.char_span(doc.text.index('"'), doc.text.index('"') + 1, label="GROUP")]
        return doc

    if "test_hyphen_ner" not in Language.factories:
        Language.component("test_hyphen_ner", func=hyphen_ner)
    nlp = blank_english()
    nlp.add_pipe("test_hyphen_ner")
    nlp.add_pipe("scomm_gazetteer").initialize()
    doc = nlp('Supervisor Mark Ridley-Thomas said "no" on Tuesday.')
    assert [(e.text, e.label_) for e in doc.ents] == [("Thomas", "OFFICIAL")]
