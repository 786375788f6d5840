"""``scomm_linker``: give every entity a knowledge-base id (or none) and a canonical name.

Linking works document by document, in two passes. The first pass looks every mention up in the
knowledge base and collects *place evidence*: the states that unambiguous mentions point to (a
state, a city or county, an agency's or a program's jurisdiction, the state a person served in
that year), with their positions. The second pass chooses among candidates with that evidence:

* places and bodies that share a name across states ("Cook County", "Portland") go to the state
  the text around them is about, nearest evidence first; "Clark County, Nevada" or a dateline
  settles it outright, and so does a person or body of the document that belongs to one of the
  candidates ("Sheriff Lupe Valdez" for Dallas County);
* generic names ("the House", "Legislature", "Department of Correction", "TRUST Act") go to the
  body or law of the document's place when the knowledge base has a qualified name for it
  ("North Carolina House of Representatives", "Connecticut TRUST Act"), or to a longer mention of
  the same document; "the House" stays Congress's when the document is about Congress;
* "Washington" is the state only with state evidence; in a dateline it is the District, and
  otherwise it stands for the federal government; "New York" is the city in a dateline, before
  "Mayor" or among cities, and the state otherwise;
* short forms take the entry of a fuller mention of the same document, earlier or later
  ("Patrick" -> Deval Patrick, "ICE" <-> "Immigration and Customs Enforcement", "Nassau" -> Nassau
  County), and a bare surname of a sitting president is that president; a short form of a name the
  knowledge base lacks takes that fuller name as its canonical name ("Eldridge" -> Jamie Eldridge);
* a small city named like one elsewhere is left unlinked in a document about another state, and
  so is a local body ("Washington County Sheriff's Office") whose county name many states share.

With a document date (``doc._.date``, ISO ``YYYY-MM-DD``), people are relabelled GOVERNOR or
OFFICIAL by the office they held in that year.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Callable, Iterable, Iterator

from spacy.language import Language
from spacy.tokens import Doc, Span

from scomm_nlp import scheme
from scomm_nlp.extensions import register_extensions
from scomm_nlp.kb import KBEntry, KnowledgeBase, load_kb
from scomm_nlp.kb.loader import normalize_alias

PERSON_LABELS = (scheme.GOVERNOR, scheme.OFFICIAL)
JURISDICTION_KIND_ORDER = {"nation": 0, "state": 1, "district": 1, "territory": 2, "city": 3, "county": 4}
PLACE_KINDS = ("city", "county", "state", "district", "territory")
#: Place names that also stand for the federal government.
FEDERAL_METONYMS = frozenset({"washington"})
#: Bare names of legislative chambers: Congress's unless the document is about a state's lawmaking.
CHAMBER_WORDS = frozenset({"house", "senate", "house of representatives", "assembly"})
FEDERAL_BODIES = ("agency:us-congress", "agency:us-house", "agency:us-senate")
#: Offices whose holders are known by surname alone nationwide ("the Obama administration").
NATIONAL_OFFICES = ("President of the United States", "Vice President of the United States")
#: Cities ranked below this are not assumed when the document is about another state.
SMALL_CITY_RANK = 125
#: How fast place evidence fades with distance, in characters.
EVIDENCE_SCALE = 1500.0
#: Extra evidence from a coordinated place already resolved ("Greene County and Jackson County").
COORDINATION_WEIGHT = 2.0
SEPARATORS = re.compile(r"^(,\s*|\s+and\s+|\s+or\s+|,\s+and\s+|,\s+or\s+)$")
DATELINE_TAIL = re.compile(r"^\s*(,\s*[A-Z][A-Za-z. ]{1,20})?\s*(\(\w+\)\s*)?(--|\u2014|\u2013)")
CITY_CUES = re.compile(r"^\W{0,3}\s*(Mayor|City Council|City Hall)\b")


def _year(doc: Doc) -> int | None:
    date = doc._.date
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


def _initials(text: str) -> str:
    skip = {"of", "and", "the", "for", "on", "in", "&"}
    return "".join(w[0] for w in text.replace("-", " ").split() if w.lower() not in skip and w[:1].isalpha()).upper()


def _elsewhere(scores: dict[str, float], state: str) -> bool:
    """The text around a mention is about some other state, and not at all about ``state``."""
    return scores.get(state, 0.0) <= 0 and any(w > 0 for w in scores.values())


def _others_nearest_first(mentions: list, i: int) -> Iterator[tuple[int, "Mention"]]:
    """(index, mention) for every mention but the ``i``-th: the nearest earlier one first, then the later ones."""
    for j in (*range(i - 1, -1, -1), *range(i + 1, len(mentions))):
        yield j, mentions[j]


def _surname(text: str) -> str:
    parts = [p.strip(",.") for p in text.split()]
    parts = [p for p in parts if p not in ("Jr", "Sr", "II", "III", "IV")]
    return parts[-1].casefold() if parts else ""


@dataclass
class Mention:
    """One entity of the document during linking."""

    ent: Span
    cands: list[KBEntry]
    key: str
    entry: KBEntry | None = None
    state: str | None = None  # the state this mention is evidence for, if unambiguous


@dataclass
class Context:
    """What the linker knows about one document while linking it."""

    doc: Doc
    text: str  # doc.text, built once: spaCy joins the tokens on every access
    year: int | None
    mentions: list[Mention]
    evidence: dict[str, list[tuple[int, str]]] = field(default_factory=dict)  # state -> (position, name)
    referenced: set[str] = field(default_factory=set)  # places of the document's unambiguous bodies and people

    def scores(self, at: int, key: str) -> dict[str, float]:
        """Evidence for each state, fading with distance; mentions of the same name do not count."""
        return {s: sum(math.exp(-abs(p - at) / EVIDENCE_SCALE) for p, k in found if k != key)
                for s, found in self.evidence.items()}


class Linker:
    """Resolves mentions to knowledge-base entries and canonical names, document by document."""

    def __init__(self, nlp: Language, name: str, relabel_by_date: bool):
        self.name = name
        self.relabel_by_date = relabel_by_date
        self._kb: KnowledgeBase | None = None
        self._prominent: dict[str, int] | None = None
        register_extensions()

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            self._kb = load_kb()
        return self._kb

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None) -> None:
        self._kb = load_kb()
        self._prominent = None

    # ---------------------------------------------------------------- facts about entries

    def state_of(self, entry: KBEntry, year: int | None) -> str | None:
        """The state (postal code) an entry belongs to, if any: a place's, a body's, a person's that year."""
        if entry.attrs.get("state"):
            return entry.attrs["state"]
        if entry.terms:
            terms = [t for t in entry.terms if year is None or t.covers(year)] or entry.terms
            states = {self.place_state(t.jurisdiction_id) for t in terms} - {None}
            return states.pop() if len(states) == 1 else None
        return self.place_state(entry.attrs.get("jurisdiction_id"))

    def place_state(self, place_id: str | None) -> str | None:
        if not place_id:
            return None
        if place_id.startswith("state:"):
            return place_id[6:]
        place = self.kb.get(place_id)
        return place.attrs.get("state") if place is not None else None

    def prominence(self, entry_id: str) -> int:
        """How many other entries refer to a place (its sheriffs, boards, laws): a prior for counties."""
        if self._prominent is None:
            counts: dict[str, int] = {}
            for entry in self.kb.entries.values():
                for ref in {entry.attrs.get("jurisdiction_id"), *(t.jurisdiction_id for t in entry.terms)} - {None}:
                    counts[ref] = counts.get(ref, 0) + 1
            self._prominent = counts
        return self._prominent.get(entry_id, 0)

    def shared_name(self, entry: KBEntry) -> bool:
        """A local body whose name starts with a county name that several states share."""
        if entry.attrs.get("level") not in ("county", "city"):
            return False
        words = entry.name.split()
        if "County" not in words:
            return False
        county = " ".join(words[:words.index("County") + 1])
        return sum(1 for c in self.kb.candidates(county, scheme.JURISDICTION) if c.attrs.get("kind") == "county") > 1

    # ---------------------------------------------------------------- the component

    def __call__(self, doc: Doc) -> Doc:
        ctx = Context(doc, doc.text, _year(doc), [Mention(ent, self._candidates(ent), normalize_alias(ent.text))
                                        for ent in doc.ents])
        self._collect_evidence(ctx)
        for i, m in enumerate(ctx.mentions):
            m.entry = self._resolve(ctx, i)
        self._short_forms(ctx)
        new_ents = []
        for m in ctx.mentions:
            label = m.ent.label_
            if m.entry is not None and self.relabel_by_date and label in PERSON_LABELS and m.entry.terms:
                label = m.entry.label_on(ctx.year)
            new_ents.append(Span(doc, m.ent.start, m.ent.end, label=label, kb_id=m.entry.id if m.entry else "",
                                 span_id=m.ent.id_))
        doc.ents = new_ents
        for name, span in zip(self._canonical_names(ctx), doc.ents):
            span._.canonical = name
        return doc

    def _candidates(self, ent: Span) -> list[KBEntry]:
        text = ent.text
        cands = self.kb.candidates(text, ent.label_)
        if not cands and text.count("(") > text.count(")"):
            cands = self.kb.candidates(text + ")", ent.label_)  # a span cut before its closing parenthesis
        if not cands:
            for kb_id in (ent.ent_id_, ent.kb_id_):  # an id set upstream (gazetteer surname propagation)
                entry = self.kb.get(kb_id) if kb_id else None
                if entry is not None:
                    return [entry]
        return cands

    # ---------------------------------------------------------------- pass 1: place evidence

    def _collect_evidence(self, ctx: Context) -> None:
        for m in ctx.mentions:
            if len(m.cands) == 1:
                c = m.cands[0]
                ctx.referenced.add(c.attrs.get("jurisdiction_id") or "")
                ctx.referenced.update(t.jurisdiction_id or "" for t in c.terms
                                      if ctx.year is None or t.covers(ctx.year))
            if m.key in FEDERAL_METONYMS or not m.cands or any(self.shared_name(c) for c in m.cands):
                continue  # "Washington", "Washington County Sheriff's Office": no state by themselves
            states = {self.state_of(c, ctx.year) for c in m.cands}
            if len(states) == 1 and None not in states:
                m.state = states.pop()
                ctx.evidence.setdefault(m.state, []).append((m.ent.start_char, m.key))
        ctx.referenced.discard("")

    def _scores(self, ctx: Context, i: int) -> dict[str, float]:
        m = ctx.mentions[i]
        scores = ctx.scores(m.ent.start_char, m.key)
        for n in self._neighbours(ctx, i):
            if n.entry is not None and n.entry.attrs.get("kind") in PLACE_KINDS:
                state = self.state_of(n.entry, ctx.year)
                if state:
                    scores[state] = scores.get(state, 0.0) + COORDINATION_WEIGHT
        return scores

    def _neighbours(self, ctx: Context, i: int) -> list[Mention]:
        """Mentions coordinated with this one ("Illinois and New York", "Cook County, Milwaukee County")."""
        out = []
        for j in (i - 1, i + 1):
            if 0 <= j < len(ctx.mentions):
                a, b = sorted((ctx.mentions[i].ent, ctx.mentions[j].ent), key=lambda e: e.start_char)
                if SEPARATORS.match(ctx.text[a.end_char:b.start_char]):
                    out.append(ctx.mentions[j])
        return out

    # ---------------------------------------------------------------- pass 2: choosing

    def _resolve(self, ctx: Context, i: int) -> KBEntry | None:
        m = ctx.mentions[i]
        label = m.ent.label_
        if label in PERSON_LABELS:
            return self._person(m.cands, ctx.year)
        scores = self._scores(ctx, i)
        if label == scheme.JURISDICTION:
            if m.key in FEDERAL_METONYMS:
                return self._washington(ctx, i, scores)
            return self._place(ctx, i, scores)
        return self._body(ctx, i, scores)

    def _person(self, cands: list[KBEntry], year: int | None) -> KBEntry | None:
        if len(cands) > 1 and year is not None:
            cands = [c for c in cands if any(t.covers(year) for t in c.terms)] or cands
        return min(cands, key=lambda c: c.id) if cands else None

    def _is_dateline(self, ctx: Context, ent: Span) -> bool:
        line_start = ctx.text.rfind("\n", 0, ent.start_char) + 1
        return (ent.text.isupper() and not ctx.text[line_start:ent.start_char].strip()
                and bool(DATELINE_TAIL.match(ctx.text[ent.end_char:ent.end_char + 40])))

    def _explicit_state(self, ctx: Context, i: int) -> str | None:
        """The state named right after the mention: "Clark County, Nevada", "ARLINGTON, Va."."""
        if i + 1 < len(ctx.mentions):
            m, nxt = ctx.mentions[i], ctx.mentions[i + 1]
            if ctx.text[m.ent.end_char:nxt.ent.start_char].strip() == "," and \
                    any(c.attrs.get("kind") in ("state", "district") for c in nxt.cands):
                return nxt.state
        return None

    def _washington(self, ctx: Context, i: int, scores: dict[str, float]) -> KBEntry | None:
        m = ctx.mentions[i]
        state, district, nation = self.kb.get("state:WA"), self.kb.get("state:DC"), self.kb.get("country:us")
        if self._is_dateline(ctx, m.ent):
            return district
        text = ctx.text
        if text[m.ent.end_char:m.ent.end_char + 7].lower().startswith((" state", "-state")):
            return state
        if i > 0 and text[ctx.mentions[i - 1].ent.end_char:m.ent.start_char] == ", ":
            return state  # "King County, Washington"
        if any(n.state and any(c.attrs.get("kind") == "state" for c in n.cands) for n in self._neighbours(ctx, i)):
            return state  # "Oregon and Washington"
        if scores.get("WA", 0.0) >= 0.5:
            return state
        if scores.get("DC", 0.0) >= 0.5:
            return district
        return nation

    def _place(self, ctx: Context, i: int, scores: dict[str, float]) -> KBEntry | None:
        m = ctx.mentions[i]
        cands = m.cands
        if not cands:
            return None
        explicit = self._explicit_state(ctx, i)
        if explicit:
            named = [c for c in cands if c.attrs.get("state") == explicit]
            if named:
                cands = named
            else:  # "Arlington, Virginia": the county of that name
                county = self._county_named(m, explicit)
                if county is not None:
                    return county
        kinds = {c.attrs.get("kind") for c in cands}
        if len(cands) == 2 and kinds == {"state", "city"}:  # "New York"
            return self._state_or_city(ctx, i, cands)
        referenced = [c for c in cands if c.id in ctx.referenced]
        if len(referenced) == 1 and not explicit:
            return referenced[0]  # "Sheriff Lupe Valdez" names Dallas County, Texas
        county = self._county_in_document(ctx, i, scores)
        if county is not None and all(scores.get(c.attrs.get("state"), 0.0) < scores.get(county.attrs["state"], 0.0)
                                      for c in cands):
            return county  # "Arlington" in a story about Arlington County
        wants_county = m.ent.text.endswith(("County", "Parish", "Borough"))

        def key(c: KBEntry):
            kind = c.attrs.get("kind", "")
            order = -1 if wants_county and kind == "county" else JURISDICTION_KIND_ORDER.get(kind, 9)
            return (-round(scores.get(c.attrs.get("state"), 0.0), 6), -self.prominence(c.id), order,
                    c.attrs.get("population_rank") or 9999, c.id)

        best = min(cands, key=key)
        if best.attrs.get("kind") == "city" and not explicit and _elsewhere(scores, best.attrs["state"]) \
                and (best.attrs.get("population_rank") or 9999) > SMALL_CITY_RANK:
            return None  # a small city of another state, in a document about somewhere else
        return best

    def _county_named(self, m: Mention, state: str | None) -> KBEntry | None:
        name = m.ent.text.title() if m.ent.text.isupper() else m.ent.text
        for c in self.kb.candidates(f"{name} County", scheme.JURISDICTION):
            if c.attrs.get("kind") == "county" and c.attrs.get("state") == state:
                return c
        return None

    def _county_in_document(self, ctx: Context, i: int, scores: dict[str, float]) -> KBEntry | None:
        """The county "<name> County" when the document names it ("Nassau County Sheriff's Department")."""
        m = ctx.mentions[i]
        prefix = f"{m.ent.text.title() if m.ent.text.isupper() else m.ent.text} County"
        if not any(o.ent.text == prefix or o.ent.text.startswith(prefix + " ") for o in ctx.mentions):
            return None
        counties = [c for c in self.kb.candidates(prefix, scheme.JURISDICTION) if c.attrs.get("kind") == "county"]
        counties = [c for c in counties if scores.get(c.attrs["state"], 0.0) > 0] or \
            [c for c in counties if c.id in ctx.referenced]
        return max(counties, key=lambda c: scores.get(c.attrs["state"], 0.0)) if counties else None

    def _state_or_city(self, ctx: Context, i: int, cands: list[KBEntry]) -> KBEntry:
        m = ctx.mentions[i]
        state = next(c for c in cands if c.attrs.get("kind") == "state")
        city = next(c for c in cands if c.attrs.get("kind") == "city")
        after = ctx.text[m.ent.end_char:m.ent.end_char + 20]
        before = ctx.text[max(0, m.ent.start_char - 12):m.ent.start_char]
        if self._is_dateline(ctx, m.ent) or re.match(r"\s+(Mayor|City|Police)\b", after) \
                or re.search(r"City Hall,\s*$", before):
            return city
        kinds = {c.attrs.get("kind") for n in self._neighbours(ctx, i) if n.state for c in n.cands}
        if kinds and kinds <= {"city", "county"}:
            return city
        return state

    def _body(self, ctx: Context, i: int, scores: dict[str, float]) -> KBEntry | None:
        """Agencies, programs and groups: bare candidates against qualified names of the document's places."""
        m = ctx.mentions[i]
        qualified = self._qualified(m.ent.text, m.ent.label_, self._places(ctx, scores))
        if m.key in CHAMBER_WORDS and m.cands:
            return self._chamber(ctx, i, qualified, scores)
        options = [(c, self.place_state(c.attrs.get("jurisdiction_id"))) for c in m.cands]
        if all(state for _, state in options):  # a federal body keeps its name ("Supreme Court")
            options += [(c, self.state_of(place, ctx.year)) for c, place in qualified]
        if not options:
            return None
        best, state = min(options, key=lambda o: (-round(scores.get(o[1], 0.0), 6) if o[1] else 0.0, o[0].id))
        if state and _elsewhere(scores, state) and self.shared_name(best):
            return None  # "Washington County Sheriff's Office" in a document about Oregon
        return best

    def _places(self, ctx: Context, scores: dict[str, float]) -> list[KBEntry]:
        """Places of the document, best evidence first: its states, then its cities and counties."""
        places = [self.kb.get(f"state:{s}") for s, w in sorted(scores.items(), key=lambda kv: -kv[1]) if w > 0]
        for m in ctx.mentions:
            if len(m.cands) == 1:
                c = m.cands[0]
                place = c if c.attrs.get("kind") else self.kb.get(c.attrs.get("jurisdiction_id") or "")
                if place is not None and place.attrs.get("kind") in ("city", "county") and place not in places:
                    places.append(place)
        return [p for p in places if p is not None]

    def _qualified(self, text: str, label: str, places: list[KBEntry]) -> list[tuple[KBEntry, KBEntry]]:
        """Entries named "<place> <text>" for places of the document ("Connecticut TRUST Act")."""
        found, seen = [], set()
        for place in places:
            for name in (place.name, *place.aliases):
                for cand in self.kb.candidates(f"{name} {text}", label):
                    if cand.id not in seen:
                        seen.add(cand.id)
                        found.append((cand, place))
        return found

    def _chamber(self, ctx: Context, i: int, qualified, scores: dict[str, float]) -> KBEntry:
        """"House"/"Senate": a state's chamber when the document is about that state's lawmaking."""
        m = ctx.mentions[i]
        window = ctx.text[max(0, m.ent.start_char - 200):m.ent.end_char + 200].lower()
        chambers = [(c, self.state_of(p, ctx.year)) for c, p in qualified if c.attrs.get("level") == "legislature"]
        if not chambers or "confirm" in window:  # the Senate confirms nominees
            return m.cands[0]
        best, state = max(chambers, key=lambda cs: scores.get(cs[1], 0.0))
        if scores.get(state, 0.0) <= 0:
            return m.cands[0]
        federal, local = self._legislative_signals(ctx, i, state)
        return best if local >= federal else m.cands[0]

    def _legislative_signals(self, ctx: Context, i: int, state: str) -> tuple[int, int]:
        """Mentions placing the document in Congress's business, and in the state's own lawmaking."""
        federal = local = 0
        for j, m in enumerate(ctx.mentions):
            if j == i or not m.cands or m.key in CHAMBER_WORDS:
                continue
            c = m.cands[0]
            if c.id in FEDERAL_BODIES or (j < i and m.entry is not None and m.entry.id == "state:DC"):
                federal += 1
            elif len(m.cands) == 1 and (c.label == scheme.PROGRAM or c.attrs.get("level") == "legislature") \
                    and self.place_state(c.attrs.get("jurisdiction_id")) == state:
                local += 1
            if m.ent.label_ in PERSON_LABELS and ctx.year is not None:
                federal += sum(1 for t in c.terms if t.covers(ctx.year) and t.agency_id in FEDERAL_BODIES)
        return federal, local

    # ---------------------------------------------------------------- short forms

    def _short_forms(self, ctx: Context) -> None:
        """Unresolved mentions take the entry of a fuller mention of the same document."""
        for i, m in enumerate(ctx.mentions):
            if m.entry is not None:
                continue
            m.entry = next((o.entry for _j, o in _others_nearest_first(ctx.mentions, i)
                            if o.entry is not None and self._abbreviates(m, o)), None)
            if m.entry is None and m.ent.label_ == scheme.JURISDICTION and not self._city_sense(ctx, i):
                m.entry = self._county_in_document(ctx, i, self._scores(ctx, i))
            if m.entry is None and m.ent.label_ in PERSON_LABELS and len(m.ent) == 1:
                m.entry = self._national_figure(m.ent.text, ctx.year)

    def _canonical_names(self, ctx: Context) -> list[str]:
        """Each mention's canonical name: its entry's name, else the name of a fuller unlinked mention of the
        same document that it abbreviates ("Eldridge" -> Jamie Eldridge, "COOKE" -> John Cooke), else its text."""
        names: list[str | None] = [m.entry.name if m.entry is not None else None for m in ctx.mentions]
        for i, m in enumerate(ctx.mentions):
            if names[i] is not None:
                continue
            full = next((j for j, o in _others_nearest_first(ctx.mentions, i)
                         if o.entry is None and self._abbreviates(m, o)), None)
            names[i] = m.ent.text if full is None else (names[full] or ctx.mentions[full].ent.text)
        return names

    @staticmethod
    def _abbreviates(m: Mention, other: Mention) -> bool:
        text, full = m.ent.text, other.ent.text
        label, other_label = m.ent.label_, other.ent.label_
        if label in PERSON_LABELS:
            if other_label not in PERSON_LABELS or len(other.ent) <= len(m.ent):
                return False
            if len(m.ent) == 1:
                return _surname(full) == text.strip(".,").casefold()
            return full.casefold().endswith(" " + text.casefold())  # "de Blasio", "OKAFOR-LINDQVIST"
        if text.isupper() and len(text) >= 2 and _initials(full) == text.replace(".", ""):
            return True
        if label != other_label or label == scheme.JURISDICTION or len(full) <= len(text):
            return False  # places: see _county_in_document
        return full.endswith(" " + text) or f" {text} " in f" {full} "

    def _city_sense(self, ctx: Context, i: int) -> bool:
        """A bare place name used for the town: among cities, or with its mayor ("Missoula? Mayor John Engen")."""
        m = ctx.mentions[i]
        for n in self._neighbours(ctx, i):
            if n.ent.label_ != scheme.JURISDICTION:
                continue
            kinds = {c.attrs.get("kind") for c in n.cands}
            if "city" in kinds or (not kinds and not n.ent.text.endswith(("County", "Parish"))):
                return True  # "Missoula, Bozeman, Billings and Helena"
        return bool(CITY_CUES.match(ctx.text[m.ent.end_char:m.ent.end_char + 40]))

    def _national_figure(self, text: str, year: int | None) -> KBEntry | None:
        """A bare surname of a president or vice president in office that year ("the Obama administration")."""
        if year is None:
            return None
        key = text.strip(".,").casefold()
        found = [e for e in self.kb.entries.values() if e.terms and e.surname and e.surname.casefold() == key
                 and any(t.office in NATIONAL_OFFICES and t.covers(year) for t in e.terms)]
        return found[0] if len(found) == 1 else None


@Language.factory("scomm_linker", default_config={"relabel_by_date": True}, assigns=["doc.ents", "span._.canonical"],
                  requires=["doc.ents"])
def make_linker(nlp: Language, name: str, relabel_by_date: bool) -> Linker:
    """Entity linker over the shipped knowledge base."""
    return Linker(nlp, name, relabel_by_date)
