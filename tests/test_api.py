"""The public facade: analyze, analyze_many, load, and bad input."""

import json
import subprocess
import sys

import pytest

import scomm_nlp
from scomm_nlp.results import Analysis

TEXT = "Gov. Pat Quinn said Illinois would withdraw from Secure Communities, and Cook County agreed."


def test_import_is_light():
    code = "import sys, scomm_nlp; print('spacy' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


def test_analyze_returns_typed_serialisable_result():
    result = scomm_nlp.analyze(TEXT, date="2011-05-04")
    assert isinstance(result, Analysis)
    for ent in result.entities:
        assert TEXT[ent.start:ent.end] == ent.text
    by_text = {e.text: e for e in result.entities}
    assert by_text["Illinois"].kb_id == "state:IL"
    data = json.loads(json.dumps(result.to_dict()))
    assert data["date"] == "2011-05-04"
    assert {"entities", "stances", "positions", "text", "model"} <= set(data)


def test_non_str_input_is_a_type_error():
    with pytest.raises(TypeError, match="got int"):
        scomm_nlp.analyze(42)
    with pytest.raises(TypeError, match="bytes"):
        scomm_nlp.analyze(b"Illinois")


@pytest.mark.parametrize("text", ["", "   \n\t "])
def test_empty_text_gives_empty_analysis(text):
    result = scomm_nlp.analyze(text)
    assert result.entities == [] and result.stances == []


def test_bad_date_is_a_value_error():
    with pytest.raises(ValueError, match="YYYY-MM-DD"):
        scomm_nlp.analyze(TEXT, date="2011-13-45")


def test_garbage_and_other_languages_do_not_crash():
    garbage = bytes(range(256)).decode("latin-1") * 20
    assert isinstance(scomm_nlp.analyze(garbage), Analysis)
    assert isinstance(scomm_nlp.analyze("Le gouverneur a refusé le programme. 州长拒绝了该计划。"), Analysis)


def test_long_text_is_chunked_with_exact_offsets():
    paragraph = TEXT + "\n\n"
    text = paragraph * (2 * scomm_nlp.CHUNK_CHARS // len(paragraph) + 3)
    result = scomm_nlp.analyze(text)
    assert len(text) > 2 * scomm_nlp.CHUNK_CHARS
    assert result.entities
    for ent in result.entities[-5:] + result.entities[:5]:
        assert text[ent.start:ent.end] == ent.text
    per_paragraph = len(scomm_nlp.analyze(TEXT).entities)
    assert len(result.entities) == per_paragraph * text.count(TEXT)


def test_chunk_text_cuts_at_paragraphs():
    text = ("a" * 60 + "\n\n") * 10
    pieces = scomm_nlp.chunk_text(text, limit=100)
    assert "".join(p for _, p in pieces) == text
    assert all(len(p) <= 100 for _, p in pieces)
    assert all(text[o:o + len(p)] == p for o, p in pieces)


def test_analyze_many_streams_in_order():
    texts = ["Illinois left Secure Communities.", "", "Cook County stayed in."]
    results = list(scomm_nlp.analyze_many(texts, dates=["2011-05-04", None, "2012-01-01"], batch_size=2))
    assert [r.text for r in results] == texts
    assert results[0].date == "2011-05-04"
    assert results[1].entities == []
    assert [e.text for e in results[0].entities] == [e.text for e in scomm_nlp.analyze(texts[0]).entities]


def test_load_is_cached():
    assert scomm_nlp.load() is scomm_nlp.load()


def test_load_unknown_model_is_a_clear_error(tmp_path):
    with pytest.raises(ValueError, match="cannot find model"):
        scomm_nlp.load("no_such_model_anywhere")
    with pytest.raises(ValueError, match="no config.cfg"):
        scomm_nlp.load(str(tmp_path))
