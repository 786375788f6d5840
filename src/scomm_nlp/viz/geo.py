"""Where a stance happened: actors attributed to U.S. states, and a tile-grid layout of the states.

The map in the report is a tile grid: every state (and D.C., Puerto Rico) is one square at a fixed column and row
that roughly keeps its neighbours, so no shape files are needed and small states are as visible as large ones.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from scomm_nlp import scheme

#: Tile-grid positions (column, row) of the states, D.C. and Puerto Rico; row 0 is the top.
TILE_GRID: dict[str, tuple[int, int]] = {
    "AK": (0, 0), "ME": (11, 0),
    "WI": (6, 1), "VT": (10, 1), "NH": (11, 1),
    "WA": (1, 2), "ID": (2, 2), "MT": (3, 2), "ND": (4, 2), "MN": (5, 2), "IL": (6, 2), "MI": (7, 2),
    "NY": (9, 2), "MA": (10, 2),
    "OR": (1, 3), "NV": (2, 3), "WY": (3, 3), "SD": (4, 3), "IA": (5, 3), "IN": (6, 3), "OH": (7, 3),
    "PA": (8, 3), "NJ": (9, 3), "CT": (10, 3), "RI": (11, 3),
    "CA": (1, 4), "UT": (2, 4), "CO": (3, 4), "NE": (4, 4), "MO": (5, 4), "KY": (6, 4), "WV": (7, 4),
    "VA": (8, 4), "MD": (9, 4), "DE": (10, 4),
    "AZ": (2, 5), "NM": (3, 5), "KS": (4, 5), "AR": (5, 5), "TN": (6, 5), "NC": (7, 5), "SC": (8, 5),
    "DC": (9, 5),
    "OK": (4, 6), "LA": (5, 6), "MS": (6, 6), "AL": (7, 6), "GA": (8, 6),
    "HI": (0, 7), "TX": (4, 7), "FL": (9, 7), "PR": (11, 7),
}
GRID_COLUMNS = 12
GRID_ROWS = 8

_CITY_ID = re.compile(r"^city:([a-z]{2})-")
_COUNTY_ID = re.compile(r"^county:(\d{2})\d{3}$")


@dataclass(frozen=True)
class Place:
    """The state a stance is attributed to, and how: ``level`` is state, governor, county or city."""

    state: str
    level: str


def _fips_to_state() -> dict[str, str]:
    import us

    return {s.fips: s.abbr for s in us.states.STATES_AND_TERRITORIES + [us.states.DC] if s.fips}


def state_name(abbr: str) -> str:
    import us

    found = us.states.lookup(abbr)
    return found.name if found is not None else abbr


class StateAttributor:
    """Attribute a stance's actor to a state from its KB id, label and the stance year.

    - ``state:XX`` (a JURISDICTION state) -> XX;
    - ``county:FFCCC`` -> the state of the county in the KB, else of the FIPS state prefix FF;
    - ``city:xx-name`` -> the city's state in the KB, else the two-letter prefix;
    - a GOVERNOR -> the state of the governorship the KB records for the stance year (with no date: the state of
      the person's governorships when there is exactly one). Former governors and other officials are not
      attributed: what they say is not their state's position.
    """

    def __init__(self, kb=None):
        if kb is None:
            from scomm_nlp.kb import load_kb

            kb = load_kb()
        self.kb = kb
        self._fips = _fips_to_state()
        self._cache: dict[tuple, Place | None] = {}

    def __call__(self, kb_id, label, year: int | None = None) -> Place | None:
        if not isinstance(kb_id, str) or not kb_id:
            return None
        key = (kb_id, label, year)
        if key not in self._cache:
            self._cache[key] = self._attribute(kb_id, label, year)
        return self._cache[key]

    def _kb_state(self, kb_id: str) -> str | None:
        entry = self.kb.get(kb_id)
        state = entry.attrs.get("state") if entry is not None else None
        return state if state in TILE_GRID or state in self._fips.values() else None

    def _attribute(self, kb_id: str, label, year: int | None) -> Place | None:
        if kb_id.startswith("state:"):
            abbr = kb_id.split(":", 1)[1].upper()
            return Place(abbr, "state") if abbr in self._fips.values() else None
        county = _COUNTY_ID.match(kb_id)
        if county:
            state = self._kb_state(kb_id) or self._fips.get(county.group(1))
            return Place(state, "county") if state else None
        city = _CITY_ID.match(kb_id)
        if city:
            state = self._kb_state(kb_id) or city.group(1).upper()
            return Place(state, "city") if state in self._fips.values() else None
        if label == scheme.GOVERNOR:
            return self._governor(kb_id, year)
        return None

    def _governor(self, kb_id: str, year: int | None) -> Place | None:
        entry = self.kb.get(kb_id)
        if entry is None:
            return None
        terms = [t for t in entry.terms if t.role == scheme.GOVERNOR and (t.jurisdiction_id or "").startswith("state:")]
        if year is not None:
            terms = [t for t in terms if t.covers(year)]
        states = {t.jurisdiction_id.split(":", 1)[1] for t in terms}
        return Place(states.pop(), "governor") if len(states) == 1 else None
