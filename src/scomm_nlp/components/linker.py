"""``scomm_linker``: give every entity a knowledge-base id (or none) and a canonical name.

Inside one document, short forms resolve to the full mention they abbreviate ("Patrick" -> Deval
Patrick, "ICE" <-> "Immigration and Customs Enforcement"). With a document date
(``doc._.date``, ISO ``YYYY-MM-DD``), people are relabelled GOVERNOR or OFFICIAL by the office they
held in that year.
"""

from __future__ import annotations

from typing import Callable, Iterable

from spacy.language import Language
from spacy.tokens import Doc, Span

from scomm_nlp import scheme
from scomm_nlp.extensions import register_extensions
from scomm_nlp.kb import KBEntry, KnowledgeBase, load_kb

PERSON_LABELS = (scheme.GOVERNOR, scheme.OFFICIAL)
JURISDICTION_KIND_ORDER = {"nation": 0, "state": 1, "district": 1, "territory": 2, "city": 3, "county": 4}


def _year(doc: Doc) -> int | None:
    date = doc._.date
    if isinstance(date, str) and len(date) >= 4 and date[:4].isdigit():
        return int(date[:4])
    return None


def _initials(text: str) -> str:
    skip = {"of", "and", "the", "for", "on", "in", "&"}
    return "".join(w[0] for w in text.replace("-", " ").split() if w.lower() not in skip and w[:1].isalpha()).upper()


class Linker:
    """Resolves mentions to knowledge-base entries and canonical names, document by document."""

    def __init__(self, nlp: Language, name: str, relabel_by_date: bool):
        self.name = name
        self.relabel_by_date = relabel_by_date
        self._kb: KnowledgeBase | None = None
        register_extensions()

    @property
    def kb(self) -> KnowledgeBase:
        if self._kb is None:
            self._kb = load_kb()
        return self._kb

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None) -> None:
        self._kb = load_kb()

    # ---------------------------------------------------------------- choosing among candidates

    def _context_states(self, doc: Doc) -> set[str]:
        states = set()
        for ent in doc.ents:
            if ent.label_ == scheme.JURISDICTION:
                for cand in self.kb.candidates(ent.text, scheme.JURISDICTION):
                    if cand.attrs.get("kind") == "state":
                        states.add(cand.attrs["state"])
        return states

    def _choose(self, ent: Span, cands: list[KBEntry], states: set[str], year: int | None) -> KBEntry | None:
        if not cands:
            return None
        if len(cands) == 1:
            return cands[0]
        label = ent.label_
        if label in PERSON_LABELS and year is not None:
            active = [c for c in cands if any(t.covers(year) for t in c.terms)]
            if len(active) >= 1:
                cands = active
        if label == scheme.JURISDICTION:
            text = ent.text
            wants_county = text.endswith(("County", "Parish", "Borough"))

            def key(c: KBEntry):
                kind = c.attrs.get("kind", "")
                in_context = c.attrs.get("state") in states and kind != "state"
                order = JURISDICTION_KIND_ORDER.get(kind, 9)
                if wants_county and kind == "county":
                    order = -1
                # a city or county of a state named in the document beats a bare state match only
                # when the document names that state and the mention is not the state itself
                rank = c.attrs.get("population_rank") or 9999
                return (0 if in_context else 1, order, rank)

            return min(cands, key=key)
        def generic(c: KBEntry):
            jid = c.attrs.get("jurisdiction_id") or ""
            return (0 if jid.startswith("state:") and jid[6:] in states else 1, c.id)

        return min(cands, key=generic)

    # ---------------------------------------------------------------- the component

    def __call__(self, doc: Doc) -> Doc:
        year = _year(doc)
        states = self._context_states(doc)
        resolved: list[tuple[Span, KBEntry | None, str]] = []  # (ent, entry, canonical)
        new_ents: list[Span] = []
        for ent in doc.ents:
            entry = self.kb.get(ent.ent_id_) if ent.ent_id_ else None
            if entry is None and ent.kb_id_:
                entry = self.kb.get(ent.kb_id_)
            if entry is None:
                entry = self._choose(ent, self.kb.candidates(ent.text, ent.label_), states, year)
            canonical = entry.name if entry is not None else None
            if entry is None:
                entry, canonical = self._from_earlier(ent, resolved)
            if canonical is None:
                canonical = ent.text
            label = ent.label_
            if entry is not None and self.relabel_by_date and label in PERSON_LABELS and entry.terms:
                label = entry.label_on(year)
            span = Span(doc, ent.start, ent.end, label=label, kb_id=entry.id if entry is not None else "",
                        span_id=ent.id_)
            resolved.append((span, entry, canonical))
            new_ents.append(span)
        doc.ents = new_ents
        for span, entry, canonical in resolved:
            span._.canonical = canonical
        return doc

    def _from_earlier(self, ent: Span, resolved: list[tuple[Span, KBEntry | None, str]]):
        """A short form of an earlier mention in the same document: surname, acronym, or tail of a name."""
        text = ent.text
        for prev, entry, canonical in reversed(resolved):
            same_kind = prev.label_ == ent.label_ or (prev.label_ in PERSON_LABELS and ent.label_ in PERSON_LABELS)
            if not same_kind or prev.text == text:
                if same_kind and prev.text == text:
                    return entry, canonical
                continue
            if ent.label_ in PERSON_LABELS and len(ent) == 1 and prev.text.split()[-1] == text:
                return entry, canonical
            if text.isupper() and len(text) >= 2 and _initials(prev.text) == text.replace(".", ""):
                return entry, canonical
            if prev.text.endswith(" " + text) and ent.label_ not in (scheme.JURISDICTION,):
                return entry, canonical
        # forward acronym: "ICE" first, the long form later is linked by the KB itself
        return None, None


@Language.factory("scomm_linker", default_config={"relabel_by_date": True}, assigns=["doc.ents", "span._.canonical"],
                  requires=["doc.ents"])
def make_linker(nlp: Language, name: str, relabel_by_date: bool) -> Linker:
    """Entity linker over the shipped knowledge base."""
    return Linker(nlp, name, relabel_by_date)
