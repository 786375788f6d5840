"""The linker on given entity spans: one regression test per linking error found in the corpus review.

Each case is a sentence in our own words with the entity spans an annotator would mark, the
document date, and the id the linker must give (None: not in the knowledge base, or left open).
"""

import pytest

from scomm_nlp.components.linker import Linker
from scomm_nlp.extensions import register_extensions
from scomm_nlp.tokenizer import blank_english


@pytest.fixture(scope="module")
def linked(mark_ents):
    register_extensions()
    nlp = blank_english()
    linker = Linker(nlp, "scomm_linker", relabel_by_date=True)
    linker.initialize()

    def run(text: str, marks: str, date: str | None = None):
        """The linked Doc; ``marks`` lists the spans as "Text/LABEL" separated by " | ", in order of appearance."""
        doc = nlp.make_doc(text)
        doc._.date = date
        return linker(mark_ents(doc, marks))

    return run


@pytest.fixture(scope="module")
def link(linked):
    """(text, kb id or None) for each entity."""
    return lambda *args: [(e.text, e.kb_id_ or None) for e in linked(*args).ents]


@pytest.fixture(scope="module")
def canonical(linked):
    """(text, canonical name) for each entity."""
    return lambda *args: [(e.text, e._.canonical) for e in linked(*args).ents]


def ids(found, text):
    return [kb for t, kb in found if t == text]


# ------------------------------------------------------------------ Washington and New York

def test_washington_dateline_is_the_district_and_the_metonym_the_nation(link):
    found = link("WASHINGTON -- The Justice Department told Chicago on Friday that Washington would not wait.",
                 "WASHINGTON/JURISDICTION | Justice Department/AGENCY | Chicago/JURISDICTION | Washington/JURISDICTION",
                 "2017-04-21")
    assert ids(found, "WASHINGTON") == ["state:DC"]
    assert ids(found, "Washington") == ["country:us"]


def test_washington_the_state_needs_state_evidence(link):
    found = link("Counties in Oregon and Washington stopped honoring holds. The department also sued King County, "
                 "Washington.", "Oregon/JURISDICTION | Washington/JURISDICTION | King County/JURISDICTION | "
                 "Washington/JURISDICTION", "2014-05-01")
    assert ids(found, "Washington") == ["state:WA", "state:WA"]
    assert ids(found, "King County") == ["county:53033"]


def test_new_york_state_unless_a_city_cue(link):
    state = link("Gov. Andrew Cuomo said New York would suspend its part in the program, as Illinois and New York "
                 "had argued.", "Andrew Cuomo/GOVERNOR | New York/JURISDICTION | Illinois/JURISDICTION | "
                 "New York/JURISDICTION", "2011-06-01")
    assert ids(state, "New York") == ["state:NY", "state:NY"]
    city = link("NEW YORK (wire) -- New York Mayor Bill de Blasio answered. Letters went to Chicago, Cook County, "
                "New York and Philadelphia.", "NEW YORK/JURISDICTION | New York/JURISDICTION | "
                "Bill de Blasio/OFFICIAL | Chicago/JURISDICTION | Cook County/JURISDICTION | New York/JURISDICTION | "
                "Philadelphia/JURISDICTION", "2017-10-13")
    assert ids(city, "NEW YORK") == ["city:ny-new-york"]
    assert ids(city, "New York") == ["city:ny-new-york", "city:ny-new-york"]


# ------------------------------------------------------------------ counties and cities in context

def test_county_named_by_a_person_of_the_document(link):
    found = link("Gov. Greg Abbott told Sheriff Lupe Valdez that Dallas County must honor every detainer.",
                 "Greg Abbott/GOVERNOR | Lupe Valdez/OFFICIAL | Dallas County/JURISDICTION", "2015-10-10")
    assert ids(found, "Dallas County") == ["county:48113"]


def test_county_with_its_state_named_after_it(link):
    found = link("Letters went to New Orleans and Clark County, Nevada.",
                 "New Orleans/JURISDICTION | Clark County/JURISDICTION | Nevada/JURISDICTION", "2017-04-22")
    assert ids(found, "Clark County") == ["county:32003"]


def test_county_by_the_nearest_state_evidence(link):
    found = link("The sheriff in Iowa City said Johnson County would keep its policy.",
                 "Iowa City/JURISDICTION | Johnson County/JURISDICTION", "2018-04-11")
    assert ids(found, "Johnson County") == ["county:19103"]


def test_coordinated_places_share_a_state(link):
    found = link("In Missouri, sheriffs in Greene County and Jackson County said nothing would change. Kentucky "
                 "officials in Frankfort agreed.", "Missouri/JURISDICTION | Greene County/JURISDICTION | "
                 "Jackson County/JURISDICTION | Kentucky/JURISDICTION | Frankfort/JURISDICTION", "2011-08-06")
    assert ids(found, "Jackson County") == ["county:29095"]


def test_dateline_town_that_is_a_county(link):
    found = link("ARLINGTON, Va. -- The Arlington County Board voted to leave, and ICE said Arlington could not.",
                 "ARLINGTON/JURISDICTION | Va./JURISDICTION | Arlington County Board/AGENCY | ICE/AGENCY | "
                 "Arlington/JURISDICTION", "2010-09-29")
    assert ids(found, "ARLINGTON") == ["county:51013"]
    assert ids(found, "Arlington") == ["county:51013"]


def test_county_short_form_but_not_the_town(link):
    nassau = link("In New York, the Nassau County jail saw no change, and Nassau officials said so.",
                  "New York/JURISDICTION | Nassau County/JURISDICTION | Nassau/JURISDICTION", "2012-09-10")
    assert ids(nassau, "Nassau") == ["county:36059"]
    town = link("Jails in Missoula County report every request. Officials in Missoula, Bozeman and Helena said so.",
                "Missoula County/JURISDICTION | Missoula/JURISDICTION | Bozeman/JURISDICTION | Helena/JURISDICTION",
                "2018-02-13")
    assert ids(town, "Missoula") == [None]
    assert ids(town, "Helena") == ["city:mt-helena"]


def test_small_city_of_another_state_is_left_open(link):
    found = link("Gov. Peter Shumlin toured Waterbury, where the Vermont state offices flooded.",
                 "Peter Shumlin/GOVERNOR | Waterbury/JURISDICTION | Vermont/JURISDICTION", "2011-09-02")
    assert ids(found, "Waterbury") == [None]


def test_shared_city_name_goes_to_the_state_of_the_story(link):
    maine = link("Gov. Paul LePage wants Portland to change its rule.",
                 "Paul LePage/GOVERNOR | Portland/JURISDICTION", "2017-02-02")
    assert ids(maine, "Portland") == ["city:me-portland"]
    oregon = link("Sheriffs around Portland stopped honoring holds.", "Portland/JURISDICTION", "2014-04-17")
    assert ids(oregon, "Portland") == ["city:or-portland"]


def test_borough_is_its_county(link):
    found = link("My neighbor in Queens was fingerprinted in New York.",
                 "Queens/JURISDICTION | New York/JURISDICTION", "2011-06-15")
    assert ids(found, "Queens") == ["county:36081"]


# ------------------------------------------------------------------ bodies and laws

def test_chamber_of_the_state_or_of_congress(link):
    state = link("RALEIGH, N.C. -- Gov. Roy Cooper vetoed HB 370, and the House would consider an override.",
                 "RALEIGH/JURISDICTION | N.C./JURISDICTION | Roy Cooper/GOVERNOR | HB 370/PROGRAM | House/AGENCY",
                 "2019-08-22")
    assert ids(state, "House") == ["agency:nc-house"]
    federal = link("If the Senate confirms her, Arizona Gov. Janet Napolitano will lead the department.",
                   "Senate/AGENCY | Arizona/JURISDICTION | Janet Napolitano/GOVERNOR", "2008-12-02")
    assert ids(federal, "Senate") == ["agency:us-senate"]


def test_qualified_law_of_the_documents_state(link):
    ct = link("Gov. Dannel Malloy signed Connecticut's TRUST Act on Tuesday.",
              "Dannel Malloy/GOVERNOR | Connecticut/JURISDICTION | TRUST Act/PROGRAM", "2013-06-26")
    assert ids(ct, "TRUST Act") == ["program:trust-act-ct"]
    ca = link("In California, the TRUST Act already limits holds.",
              "California/JURISDICTION | TRUST Act/PROGRAM", "2014-11-21")
    assert ids(ca, "TRUST Act") == ["program:trust-act-ca"]
    boston = link("The Boston City Council passed the Trust Act.", "Boston City Council/AGENCY | Trust Act/PROGRAM",
                  "2014-08-21")
    assert ids(boston, "Trust Act") == ["program:trust-act-boston"]
    wisconsin = link("Rep. John Spiros said AB 450 would punish Madison, Wisconsin.",
                     "AB 450/PROGRAM | Madison/JURISDICTION | Wisconsin/JURISDICTION", "2016-02-18")
    assert ids(wisconsin, "AB 450") == ["program:ab-450-wi"]


def test_generic_body_name_of_the_documents_place(link):
    found = link("The New York City Police Department and the Department of Correction will stop honoring detainers.",
                 "New York City Police Department/AGENCY | Department of Correction/AGENCY", "2014-11-15")
    assert ids(found, "Department of Correction") == ["agency:nyc-doc"]


def test_federal_body_keeps_its_name(link):
    found = link("California's case could go to the Supreme Court.",
                 "California/JURISDICTION | Supreme Court/AGENCY", "2018-03-07")
    assert ids(found, "Supreme Court") == ["agency:scotus"]


def test_local_body_with_a_shared_county_name(link):
    oregon = link("In Oregon, Multnomah County and the Washington County Sheriff's Office stopped the holds.",
                  "Oregon/JURISDICTION | Multnomah County/JURISDICTION | Washington County Sheriff's Office/AGENCY",
                  "2014-04-17")
    assert ids(oregon, "Washington County Sheriff's Office") == [None]
    arkansas = link("FAYETTEVILLE, Ark. -- The Washington County Sheriff's Office renewed its 287(g) agreement.",
                    "FAYETTEVILLE/JURISDICTION | Ark./JURISDICTION | Washington County Sheriff's Office/AGENCY | "
                    "287(g)/PROGRAM", "2009-10-16")
    assert ids(arkansas, "Washington County Sheriff's Office") == ["agency:washington-county-ar-sheriffs-office"]
    assert ids(arkansas, "FAYETTEVILLE") == ["city:ar-fayetteville"]


def test_span_cut_before_its_parenthesis():
    """Older exports can hold a span that stops short of its ")" (the tokenizer used to split "287(g) lets")."""
    from spacy.tokens import Doc, Span

    register_extensions()
    nlp = blank_english()
    linker = Linker(nlp, "scomm_linker", relabel_by_date=True)
    linker.initialize()
    doc = Doc(nlp.vocab, words=['"', "287(g", ")", "lets", "us", "work", "faster", ",", '"', "the", "sheriff", "said"])
    doc._.date = "2017-06-16"
    doc.ents = [Span(doc, 1, 2, label="PROGRAM")]
    doc = linker(doc)
    assert [(e.text, e.kb_id_) for e in doc.ents] == [("287(g", "program:287g")]
    # the project tokenizer now keeps the closing parenthesis on the span
    assert "287(g)" in [t.text for t in nlp.make_doc('"287(g) lets us work faster," the sheriff said.')]


# ------------------------------------------------------------------ people

def test_headline_surname_takes_the_full_name_that_follows(link):
    found = link("Cuomo suspends the program\n\nGov. Andrew Cuomo said Wednesday that the state would stop.",
                 "Cuomo/GOVERNOR | Andrew Cuomo/GOVERNOR", "2011-06-01")
    assert ids(found, "Cuomo") == ["person:andrew-cuomo"]


def test_surname_after_a_suffixed_or_two_word_name(link):
    found = link("Gov. Jon Huntsman Jr. signed it; Huntsman said so. Mayor Bill de Blasio agreed, and de Blasio "
                 "signed.", "Jon Huntsman Jr./GOVERNOR | Huntsman/GOVERNOR | Bill de Blasio/OFFICIAL | "
                 "de Blasio/OFFICIAL", "2008-03-14")
    assert ids(found, "Huntsman") == ["person:jon-huntsman-jr"]
    assert ids(found, "de Blasio") == ["person:bill-de-blasio"]


def test_sitting_president_by_surname_only(link):
    found = link("It was the most contested part of the Obama administration's enforcement work.", "Obama/OFFICIAL",
                 "2014-11-21")
    assert ids(found, "Obama") == ["person:barack-obama"]
    assert ids(link("Scott thanked her for her service.", "Scott/OFFICIAL", "2015-02-12"), "Scott") == [None]


# ------------------------------------------------------------------ canonical names outside the knowledge base

def test_short_form_of_an_unlisted_person_takes_the_full_name(canonical):
    found = canonical("County Commissioner Maria Okafor-Lindqvist voted no. OKAFOR-LINDQVIST: We will not sign. "
                      "Later Okafor-Lindqvist said the vote stands.",
                      "Maria Okafor-Lindqvist/OFFICIAL | OKAFOR-LINDQVIST/OFFICIAL | Okafor-Lindqvist/OFFICIAL")
    assert [c for _, c in found] == ["Maria Okafor-Lindqvist"] * 3


def test_short_form_before_the_full_name_and_of_a_group(canonical):
    found = canonical("Tillbrook said the ordinance goes too far. State Sen. Dana Tillbrook, a Democrat, filed the "
                      "repeal with the Harbor Valley Workers Alliance; the Alliance and Harbor Valley Workers backed "
                      "it.", "Tillbrook/OFFICIAL | Dana Tillbrook/OFFICIAL | Harbor Valley Workers Alliance/GROUP | "
                      "Alliance/GROUP | Harbor Valley Workers/GROUP")
    assert dict(found)["Tillbrook"] == "Dana Tillbrook"
    assert dict(found)["Alliance"] == "Harbor Valley Workers Alliance"
    assert dict(found)["Harbor Valley Workers"] == "Harbor Valley Workers Alliance"


def test_unlisted_names_that_do_not_abbreviate_keep_their_text(canonical):
    found = canonical("Dana Tillbrook and Chris Tillman spoke; Tillman left, and the Workers Alliance stayed with "
                      "the Farm Bureau.", "Dana Tillbrook/OFFICIAL | Chris Tillman/OFFICIAL | Tillman/OFFICIAL | "
                      "Workers Alliance/GROUP | Farm Bureau/GROUP")
    assert dict(found) == {"Dana Tillbrook": "Dana Tillbrook", "Chris Tillman": "Chris Tillman",
                           "Tillman": "Chris Tillman", "Workers Alliance": "Workers Alliance",
                           "Farm Bureau": "Farm Bureau"}


def test_a_linked_entry_keeps_its_knowledge_base_name(canonical):
    found = canonical("Gov. Andrew Cuomo said the state would stop; Cuomo spoke in Albany.",
                      "Andrew Cuomo/GOVERNOR | Cuomo/GOVERNOR", "2011-06-01")
    assert [c for _, c in found] == ["Andrew Cuomo", "Andrew Cuomo"]
