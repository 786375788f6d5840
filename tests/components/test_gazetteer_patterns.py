"""The gazetteer builds its KB patterns with the tokenizer only, never through the components before it."""

import spacy
from spacy.language import Language

from scomm_nlp.tokenizer import blank_english

CALLS = {"n": 0}


@Language.component("scomm_test_call_counter")
def call_counter(doc):
    CALLS["n"] += 1
    return doc


def test_patterns_skip_earlier_components_at_initialize_and_load(tmp_path):
    import scomm_nlp.pipeline  # noqa: F401  (registers the factories)

    nlp = blank_english()
    nlp.add_pipe("scomm_test_call_counter")  # stands in for a transformer or NER before the gazetteer
    nlp.add_pipe("scomm_gazetteer")
    nlp.initialize()
    assert CALLS["n"] == 0
    nlp.to_disk(tmp_path / "p")
    loaded = spacy.load(tmp_path / "p")
    assert CALLS["n"] == 0
    assert loaded.pipe_names == ["scomm_test_call_counter", "scomm_gazetteer"]  # and all enabled again
    doc = loaded("Illinois would withdraw from Secure Communities.")
    assert CALLS["n"] == 1
    assert ("Secure Communities", "PROGRAM") in [(e.text, e.label_) for e in doc.ents]
