"""The knowledge base: unique ids, reviewed alias collisions, date-aware person labels."""

import csv
from pathlib import Path

import pytest

from scomm_nlp import scheme
from scomm_nlp.kb import load_kb
from scomm_nlp.kb.loader import DATA_DIR, KBEntry, KnowledgeBase, Term


@pytest.fixture(scope="module")
def kb():
    return load_kb()


def test_ids_are_unique_across_files():
    seen = {}
    for name, col in [("cities.csv", "city_id"), ("agencies.csv", "agency_id"), ("programs.csv", "program_id"),
                      ("groups.csv", "group_id")]:
        with (DATA_DIR / name).open(encoding="utf-8") as fh:
            for row in csv.DictReader(fh):
                assert row[col] not in seen, f"{row[col]} in {name} and {seen.get(row[col])}"
                seen[row[col]] = name
    with (DATA_DIR / "people.csv").open(encoding="utf-8") as fh:
        terms = [(r["person_id"], r["office"], r["start_year"]) for r in csv.DictReader(fh)]
    assert len(terms) == len(set(terms))
    assert not {t[0] for t in terms} & set(seen)


def test_duplicate_id_is_refused():
    with pytest.raises(ValueError, match="duplicate knowledge-base id"):
        KnowledgeBase([KBEntry("x:1", "AGENCY", "A"), KBEntry("x:1", "AGENCY", "B")])


def test_coverage(kb):
    assert len(kb.by_label(scheme.GOVERNOR)) >= 200
    assert len([e for e in kb.entries.values() if e.attrs.get("kind") == "county"]) > 3000
    assert len([e for e in kb.entries.values() if e.attrs.get("kind") == "city"]) >= 300
    for kb_id in ("state:MA", "county:25025", "agency:ice", "program:secure-communities", "person:deval-patrick",
                  "country:us"):
        assert kb_id in kb, kb_id


def test_references_resolve(kb):
    for entry in kb.entries.values():
        for term in entry.terms:
            for ref in (term.jurisdiction_id, term.agency_id):
                assert ref is None or ref in kb, (entry.id, ref)
        parent = entry.attrs.get("parent_id")
        assert parent is None or parent in kb, (entry.id, parent)


# Aliases shared by several entries are resolved by the linker from context; this list is the
# reviewed set of multi-entry aliases outside counties (county names repeat across states by nature).
REVIEWED_PREFIXES = ("county:", "city:", "state:", "group:mira")


def test_alias_collisions_are_reviewed(kb):
    unexpected = {}
    for alias, ids in kb.collisions().items():
        if all(i.startswith(REVIEWED_PREFIXES) for i in ids):
            continue
        unexpected[alias] = ids
    assert unexpected == {}, unexpected


@pytest.mark.parametrize("person, year, label", [
    ("person:janet-napolitano", 2006, "GOVERNOR"),
    ("person:janet-napolitano", 2009, "OFFICIAL"),
    ("person:janet-napolitano", 2011, "OFFICIAL"),
    ("person:jerry-brown", 2008, "OFFICIAL"),
    ("person:jerry-brown", 2013, "GOVERNOR"),
    ("person:pat-quinn", 2011, "GOVERNOR"),
    ("person:john-morton", 2011, "OFFICIAL"),
])
def test_person_label_depends_on_the_date(kb, person, year, label):
    assert kb.get(person).label_on(year) == label


def test_former_governor_stays_governor():
    entry = KBEntry("person:x", "GOVERNOR", "X Y", terms=[Term("GOVERNOR", "Governor", "state:IL", None, 2003, 2009)])
    assert entry.label_on(2015) == "GOVERNOR"


def test_state_nicknames_resolve(kb):
    assert [e.id for e in kb.candidates("Bay State", "JURISDICTION")] == ["state:MA"]
    assert kb.candidates("the Lone Star State", "JURISDICTION")[0].id == "state:TX"


def test_data_readme_documents_every_file():
    readme = (DATA_DIR / "README.md").read_text()
    for path in Path(DATA_DIR).glob("*.csv"):
        assert path.name in readme


def test_place_aliases_name_counties(kb):
    assert [e.id for e in kb.candidates("Queens", "JURISDICTION")] == ["county:36081"]
    assert [e.id for e in kb.candidates("Miami-Dade", "JURISDICTION")] == ["county:12086"]


def test_place_aliases_for_unknown_places_are_refused(tmp_path):
    (tmp_path / "place_aliases.csv").write_text("place_id,alias\ncounty:99999,Nowhere\n", encoding="utf-8")
    with pytest.raises(ValueError, match="unknown place ids: county:99999"):
        load_kb(str(tmp_path))


def test_state_capitals_are_cities(kb):
    import us

    capitals = {"AK": "Juneau", "DE": "Dover", "ME": "Augusta", "MD": "Annapolis", "NY": "Albany", "VT": "Montpelier",
                "WV": "Charleston", "NH": "Concord", "NJ": "Trenton", "PA": "Harrisburg"}
    for state, city in capitals.items():
        assert any(e.attrs.get("state") == state for e in kb.candidates(city, "JURISDICTION")), city
    chambers = [e for e in kb.by_label("AGENCY") if e.attrs.get("parent_id") and e.attrs.get("level") == "legislature"
                and (e.attrs.get("jurisdiction_id") or "").startswith("state:")]
    assert {e.attrs["jurisdiction_id"][6:] for e in chambers} >= {s.abbr for s in us.states.STATES} - {"NE"}
