"""The rule pipeline: gazetteer candidates, surname propagation, linking, date-aware labels, saving."""

import pytest
import spacy

import scomm_nlp
from scomm_nlp.pipeline import build_rule_pipeline


@pytest.fixture(scope="module")
def nlp():
    return build_rule_pipeline()


def ents(text, date=None, nlp=None):
    return [(e.text, e.label, e.canonical, e.kb_id) for e in scomm_nlp.analyze(text, date=date, nlp=nlp).entities]


def test_surname_and_canonical(nlp):
    found = ents("Massachusetts Gov. Deval Patrick said no. Patrick said the Bay State would wait.", "2011-06-01", nlp)
    assert ("Deval Patrick", "GOVERNOR", "Deval Patrick", "person:deval-patrick") in found
    assert ("Patrick", "GOVERNOR", "Deval Patrick", "person:deval-patrick") in found
    assert ("Bay State", "JURISDICTION", "Massachusetts", "state:MA") in found


def test_acronym_and_long_form_share_an_id(nlp):
    found = ents("Immigration and Customs Enforcement (ICE) said ICE would go on.", None, nlp)
    ids = {kb for _, label, _, kb in found if label == "AGENCY"}
    assert ids == {"agency:ice"}


def test_date_decides_governor_or_official(nlp):
    early = ents("Janet Napolitano spoke in Phoenix.", "2006-03-01", nlp)
    later = ents("Janet Napolitano spoke in Phoenix.", "2010-03-01", nlp)
    assert early[0][:2] == ("Janet Napolitano", "GOVERNOR")
    assert later[0][:2] == ("Janet Napolitano", "OFFICIAL")


def test_county_is_resolved_by_the_state_in_context(nlp):
    il = ents("Illinois officials said Cook County would stop.", None, nlp)
    ga = ents("Georgia officials said Cook County would stop.", None, nlp)
    assert ("Cook County", "JURISDICTION", "Cook County", "county:17031") in il
    assert ("Cook County", "JURISDICTION", "Cook County", "county:13075") in ga


def test_saved_pipeline_loads_with_spacy(nlp, tmp_path):
    nlp.to_disk(tmp_path / "rules")
    again = spacy.load(tmp_path / "rules")
    assert again.pipe_names == nlp.pipe_names
    doc = again("Secure Communities reached Cook County, Illinois.")
    assert [(e.text, e.kb_id_) for e in doc.ents] == [
        ("Secure Communities", "program:secure-communities"), ("Cook County", "county:17031"),
        ("Illinois", "state:IL")]
