"""Stances read off the layout: the sponsor lines of bill trackers (guideline rule 13)."""

import pytest

from scomm_nlp.components.stance_features import set_sentences, stance_units
from scomm_nlp.components.stance_rules import SPONSOR_SCORE, sponsor_records, sponsor_stances
from scomm_nlp.extensions import register_extensions
from scomm_nlp.tokenizer import blank_english


@pytest.fixture(scope="module")
def make(mark_ents):
    """A doc of ``text`` with the marked entities (see ``mark_ents``) and the component's sentences."""
    register_extensions()
    nlp = blank_english()

    def build(text: str, marks: str):
        doc = mark_ents(nlp.make_doc(text), marks)
        set_sentences(doc)
        return doc

    return build


def pairs(doc):
    return [(a.text, b.text) for a, b, _line in sponsor_stances(doc, stance_units(doc))]


def test_sponsor_line_of_a_tracker_entry(make):
    doc = make("HB 1204 -- Detainer requests. Sponsor: Rep. Dana Whitcombe of Millbrook.\n\n"
                    "Status: referred to the Judiciary Committee.", "HB 1204/PROGRAM | Dana Whitcombe/OFFICIAL")
    assert pairs(doc) == [("Dana Whitcombe", "HB 1204")]
    (record,) = sponsor_records(doc, [])
    assert (record["type"], record["score"], record["resolved"]) == ("SUPPORTS", SPONSOR_SCORE, False)
    assert doc[record["sent"][0]:record["sent"][1]].text.startswith("Sponsor:")


def test_heading_paragraph_names_the_bill_and_the_line_runs_past_an_abbreviation(make):
    doc = make("SB 77 -- Community Trust Act\n\nSponsors: Sen. Lena Okoro of Dale; Reps. Sam Trent of Ash and "
                    "Ivy Moss of Elm.\n\nStatus: heard in committee; SB 88 was also filed.",
               "SB 77/PROGRAM | Community Trust Act/PROGRAM | Lena Okoro/OFFICIAL | Sam Trent/OFFICIAL | "
               "Ivy Moss/OFFICIAL | SB 88/PROGRAM")
    # the bill's name rather than its number; all three sponsors, though "Reps." ends a sentence for the splitter
    assert pairs(doc) == [("Lena Okoro", "Community Trust Act"), ("Sam Trent", "Community Trust Act"),
                          ("Ivy Moss", "Community Trust Act")]


def test_each_sponsor_with_a_bill_of_their_own(make):
    doc = make("HB 10 AND HB 11 (DETAINERS)\n\nSponsors: Rep. Ann Price (HB 10); Rep. Lee Ortiz (HB 11).",
               "HB 10/PROGRAM | HB 11/PROGRAM | Ann Price/OFFICIAL | HB 10/PROGRAM | Lee Ortiz/OFFICIAL | "
               "HB 11/PROGRAM")
    found = pairs(doc)
    assert found == [("Ann Price", "HB 10"), ("Lee Ortiz", "HB 11")]
    assert [b.start_char for _a, b, _l in sponsor_stances(doc, stance_units(doc))] == [
        doc.text.index("HB 10", 30), doc.text.index("HB 11", 50)]  # the bills on the line, not the heading's


def test_prose_and_lines_without_a_sponsor_or_a_bill_give_nothing(make):
    long_line = ("Introduced by Sen. Ray Hollis last spring after a long fight over the county jail and its "
                 "contracts with federal agents, a measure that many in the capital had written off for good "
                 "by now, the bill is back.")
    doc = make("The House took up SB 5 on Monday. " + long_line, "SB 5/PROGRAM | Ray Hollis/OFFICIAL")
    assert pairs(doc) == []  # a long sentence is prose: its bill must be on the line
    doc = make("HB 3 -- Jails.\n\nSponsor: the Judiciary Committee.", "HB 3/PROGRAM | Judiciary Committee/AGENCY")
    assert pairs(doc) == []  # no person on the line
    doc = make("Budget notes\n\nSponsor: Rep. Kay Dunn.", "Kay Dunn/OFFICIAL")
    assert pairs(doc) == []  # no bill in the entry
    doc = make("Rep. Kay Dunn sponsored HB 4 and spoke for it.", "Kay Dunn/OFFICIAL | HB 4/PROGRAM")
    assert pairs(doc) == []  # an ordinary sentence: the scorer's business


def test_records_the_scorer_already_gives_are_not_repeated(make):
    doc = make("HB 1204 -- Detainer requests. Sponsor: Rep. Dana Whitcombe of Millbrook.",
               "HB 1204/PROGRAM | Dana Whitcombe/OFFICIAL")
    (person, bill, _line), = sponsor_stances(doc, stance_units(doc))
    given = [{"head": [person.start, person.end], "child": [bill.start, bill.end], "type": "SUPPORTS"}]
    assert sponsor_records(doc, given) == []
