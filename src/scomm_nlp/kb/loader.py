"""Load the knowledge-base files into typed entries with an alias index."""

from __future__ import annotations

import csv
import functools
import re
import unicodedata
from dataclasses import dataclass, field
from pathlib import Path

from scomm_nlp import scheme

DATA_DIR = Path(__file__).parent / "data"

#: AP state abbreviations that are also ordinary words or titles; never used as aliases.
UNSAFE_ABBREVIATIONS = {"Miss.", "Ore.", "Wash.", "Me.", "Ind.", "Mo."}
NATION_ALIASES = ("U.S.", "US", "USA", "U.S.A.", "America", "United States of America")


@dataclass(frozen=True)
class Term:
    """One office a person held: ``role`` is GOVERNOR or OFFICIAL; years inclusive, end None if ongoing."""

    role: str
    office: str
    jurisdiction_id: str | None
    agency_id: str | None
    start_year: int | None
    end_year: int | None

    def covers(self, year: int) -> bool:
        return (self.start_year is None or self.start_year <= year) and (self.end_year is None or year <= self.end_year)


@dataclass
class KBEntry:
    """A real-world entity: a stable id, the scheme label, a canonical name and its other written forms."""

    id: str
    label: str
    name: str
    aliases: tuple[str, ...] = ()
    attrs: dict = field(default_factory=dict)
    terms: list[Term] = field(default_factory=list)

    def label_on(self, year: int | None) -> str:
        """GOVERNOR or OFFICIAL for people by the office held in ``year``; the fixed label otherwise."""
        if not self.terms:
            return self.label
        if year is not None:
            held = [t for t in self.terms if t.covers(year)]
            if held:
                # in a handover year the office taken up that year wins: inaugurations fall early in the year
                latest = max((t.start_year or 0) for t in held)
                held = [t for t in held if (t.start_year or 0) == latest]
                return scheme.GOVERNOR if any(t.role == scheme.GOVERNOR for t in held) else scheme.OFFICIAL
            past = [t for t in self.terms if t.end_year is not None and t.end_year < year]
            if any(t.role == scheme.GOVERNOR for t in past):
                return scheme.GOVERNOR  # a former governor stays a governor
        return self.label

    @property
    def surname(self) -> str | None:
        if self.label not in (scheme.GOVERNOR, scheme.OFFICIAL):
            return None
        parts = [p for p in self.name.split() if p.rstrip(".,") not in ("Jr", "Sr", "II", "III", "IV")]
        return parts[-1].rstrip(",") if len(parts) > 1 else None


def normalize_alias(text: str) -> str:
    """Lookup key: NFKC, straight quotes, collapsed whitespace, case folded, leading 'the' dropped."""
    text = unicodedata.normalize("NFKC", text).replace("\u2019", "'").replace("\u2018", "'")
    text = " ".join(text.split()).casefold()
    return re.sub(r"^the ", "", text)


class KnowledgeBase:
    """All entries by id, plus an index from normalised alias to the ids it may name."""

    def __init__(self, entries: list[KBEntry]):
        self.entries: dict[str, KBEntry] = {}
        self.alias_index: dict[str, list[str]] = {}
        for entry in entries:
            if entry.id in self.entries:
                raise ValueError(f"duplicate knowledge-base id {entry.id!r}")
            self.entries[entry.id] = entry
        for entry in self.entries.values():
            for alias in (entry.name, *entry.aliases):
                ids = self.alias_index.setdefault(normalize_alias(alias), [])
                if entry.id not in ids:
                    ids.append(entry.id)

    def __len__(self) -> int:
        return len(self.entries)

    def __contains__(self, kb_id: str) -> bool:
        return kb_id in self.entries

    def get(self, kb_id: str) -> KBEntry | None:
        return self.entries.get(kb_id)

    def candidates(self, text: str, label: str | None = None) -> list[KBEntry]:
        """Entries that ``text`` may name, optionally only those whose label can be ``label``."""
        ids = self.alias_index.get(normalize_alias(text), [])
        found = [self.entries[i] for i in ids]
        if label is None:
            return found
        person = {scheme.GOVERNOR, scheme.OFFICIAL}
        return [e for e in found if e.label == label or (label in person and e.label in person)]

    def collisions(self) -> dict[str, list[str]]:
        """Aliases shared by several entries (reviewed in tests; the linker disambiguates them)."""
        return {alias: ids for alias, ids in self.alias_index.items() if len(ids) > 1}

    def by_label(self, label: str) -> list[KBEntry]:
        return [e for e in self.entries.values() if e.label == label]


def _split_aliases(value: str | None) -> tuple[str, ...]:
    return tuple(a.strip() for a in (value or "").split(";") if a.strip())


def _int_or_none(value: str | None) -> int | None:
    value = (value or "").strip()
    return int(value) if value else None


def _read_csv(name: str, data_dir: Path) -> list[dict[str, str]]:
    path = data_dir / name
    if not path.exists():
        return []
    with path.open(encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    for number, row in enumerate(rows, start=2):
        if None in row or any(v is None for v in row.values()):
            raise ValueError(f"{path}:{number}: wrong number of fields")
    return rows


def _places() -> list[KBEntry]:
    import us

    entries: list[KBEntry] = [
        KBEntry("country:us", scheme.JURISDICTION, "United States", NATION_ALIASES, {"kind": "nation"})
    ]
    for state in us.states.STATES_AND_TERRITORIES + [us.states.DC]:
        aliases = []
        if state.ap_abbr and state.ap_abbr not in UNSAFE_ABBREVIATIONS and state.ap_abbr != state.name:
            aliases.append(state.ap_abbr)
        if state.abbr == "DC":
            aliases += ["Washington, D.C.", "D.C.", "DC", "District of Columbia"]
        kind = "territory" if state.is_territory else ("district" if state.abbr == "DC" else "state")
        entries.append(KBEntry(f"state:{state.abbr}", scheme.JURISDICTION, state.name, tuple(aliases),
                               {"kind": kind, "fips": state.fips, "state": state.abbr}))
        for county in state.counties or []:
            name = county.name
            if name.endswith(" city"):
                name = name[:-5].strip()
            entries.append(KBEntry(f"county:{county.fips}", scheme.JURISDICTION, name, (),
                                   {"kind": "county", "fips": county.fips, "state": state.abbr}))
    return entries


def _dedupe_ids(entries: list[KBEntry]) -> list[KBEntry]:
    seen: dict[str, KBEntry] = {}
    for entry in entries:
        seen.setdefault(entry.id, entry)
    return list(seen.values())


@functools.lru_cache(maxsize=4)
def load_kb(data_dir: str | None = None) -> KnowledgeBase:
    """Load and cache the knowledge base (``data_dir`` defaults to the shipped files)."""
    data = Path(data_dir) if data_dir else DATA_DIR
    entries = _dedupe_ids(_places())
    nicknames: dict[str, list[str]] = {}
    for row in _read_csv("state_nicknames.csv", data):
        nicknames.setdefault(row["state_id"], []).append(row["nickname"])
    for row in _read_csv("place_aliases.csv", data):
        nicknames.setdefault(row["place_id"], []).append(row["alias"])
    known = {entry.id for entry in entries}
    unknown = sorted(set(nicknames) - known)
    if unknown:
        raise ValueError(f"{data}: nicknames or place aliases for unknown place ids: {', '.join(unknown)}")
    for entry in entries:
        if entry.id in nicknames:
            entry.aliases = entry.aliases + tuple(nicknames[entry.id])
    for row in _read_csv("cities.csv", data):
        entries.append(KBEntry(row["city_id"], scheme.JURISDICTION, row["name"], _split_aliases(row.get("aliases")),
                               {"kind": "city", "state": row["state"],
                                "population_rank": _int_or_none(row.get("population_rank"))}))
    people: dict[str, KBEntry] = {}
    for row in _read_csv("people.csv", data):
        term = Term(row["role"], row["office"], row.get("jurisdiction_id") or None, row.get("agency_id") or None,
                    _int_or_none(row.get("start_year")), _int_or_none(row.get("end_year")))
        entry = people.get(row["person_id"])
        if entry is None:
            entry = people[row["person_id"]] = KBEntry(row["person_id"], row["role"], row["name"])
        entry.terms.append(term)
        entry.aliases = tuple(dict.fromkeys(entry.aliases + _split_aliases(row.get("aliases"))))
        if row["role"] == scheme.GOVERNOR:
            entry.label = scheme.GOVERNOR  # default label when no date is known
    entries.extend(people.values())
    for row in _read_csv("agencies.csv", data):
        entries.append(KBEntry(row["agency_id"], scheme.AGENCY, row["name"], _split_aliases(row.get("aliases")),
                               {"level": row.get("level"), "jurisdiction_id": row.get("jurisdiction_id") or None,
                                "parent_id": row.get("parent_id") or None}))
    for row in _read_csv("programs.csv", data):
        entries.append(KBEntry(row["program_id"], scheme.PROGRAM, row["name"], _split_aliases(row.get("aliases")),
                               {"jurisdiction_id": row.get("jurisdiction_id") or None,
                                "year": _int_or_none(row.get("year")), "description": row.get("description", "")}))
    for row in _read_csv("groups.csv", data):
        entries.append(KBEntry(row["group_id"], scheme.GROUP, row["name"], _split_aliases(row.get("aliases")),
                               {"kind": row.get("kind")}))
    return KnowledgeBase(entries)
