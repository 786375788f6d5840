"""Candidate (actor, target) pairs and their features for the stance component.

A candidate joins two entity mentions that the scheme allows as actor and target of some stance
type. Most candidates lie inside one sentence. When a sentence names a party only by a pronoun or a
generic noun ("he", "the governor", "the state", "the law"), guideline rule 2.6 anchors the
relation on the nearest preceding named mention of that party: such a candidate pairs the named
entity in the sentence with an earlier mention, and its features are computed from the position of
the pronoun or generic noun in the stating sentence. Those candidates are marked ``resolved``.

Features are strings (hashed later). They work on any tokenised document with entities; when the
document carries a dependency parse and lemmas, parse features are added.
"""

from __future__ import annotations

import bisect

from dataclasses import dataclass
from functools import lru_cache

from spacy.tokens import Doc, Span, Token

from scomm_nlp import scheme

PERSONS = frozenset({scheme.GOVERNOR, scheme.OFFICIAL})
ORGS = frozenset({scheme.AGENCY, scheme.JURISDICTION, scheme.GROUP})

# ---------------------------------------------------------------------------------------------- lexicons
# Cue stems by the stance they suggest. A stem of five letters or more matches any word it starts
# (refus- covers refuse, refused, refusing); a shorter one matches itself and its inflections only.

CUES: dict[str, tuple[str, ...]] = {name: tuple(words.split()) for name, words in {
    "OPP": """
        reject oppos withdr suspend terminat end limit critic denounc condemn sue sued suing lawsuit suit
        challeng block veto scrap repeal halt cancel drop quit exit abandon resist fight fought against
        object protest decry decri slam blast attack fault overturn struck strike enjoin injunction rescind
        revok curb restrict ban bar replac dismantl kill defeat sever pull unconstitutional failure flawed
        harm damag undermin worri worry concern skeptic leave left out stop cease shut phase dump disband
        invalid lament deplor refus declin opt boycott complain accus unfair overreach bully wrong mistake
        away erode fear disappoint outrage troubl dangerous hurt wedge hold pause freez froze lapse expire
        sunset unwind retreat distanc overhaul narrow
    """,
    "SUP": """
        join sign particip implement activat expand endors defend prais back support sponsor carri carry
        author introduc pass approv adopt restor launch announc enact champion welcom applaud uphold upheld
        reinstat renew enrol use using keep kept continu apply appli agreed embrac push urge urging favor
        extend deploy roll reviv bring brought credit tout hail commend partner cooperat comply complian
        honor honour thank propos wrote written draft file vote ratif seek sought creat establish install
        connect switch part proud success effective help valuable tool model first stand stood please hope
        plan want intend run runs ran operat lobbi lobby celebrat constitutional legal lawful resume
        expansion grow win won order direct mandat requir replaced instead pursu volunteer enforc train
        deputiz cross-design
    """,
    "COMP": """
        forc mandat requir must compel threat withh cut strip punish order direct insist oblig choice
        optional coerc overrid regardless whether anyway pressur demand make made warn lose losing grant
        fund money deadline comply cooperat honor impos activat switch everywhere every statewide nationwide
        consent permission cannot sue sued suing subpoena forfeit penal sanction bar prohibit preempt forbid
        forbade prove show certify enforc obey accountable target singl letter wrote notif ultimatum unless
        risk jeopard
    """,
}.items()}
NEGATORS = frozenset({"not", "n't", "never", "no", "neither", "nor", "without", "refuse", "refused", "refuses",
                      "refusing", "decline", "declined", "declines", "declining", "fail", "failed", "fails",
                      "stop", "stopped", "stops", "stopping", "cannot", "cease", "ceased", "won't", "nobody",
                      "nothing", "halt", "halted", "end", "ended", "ending", "ends", "reject", "rejected",
                      "rejects", "veto", "vetoed", "vetoes", "against", "opposed", "opposes", "oppose", "opposing",
                      "unwilling", "reluctant", "resist", "resisted", "resisting", "can't", "couldn't", "wouldn't",
                      "didn't", "doesn't", "don't", "isn't", "wasn't", "shouldn't"})
#: Negators that are plain negation words (the rest are verbs of refusal or ending, themselves cues).
NEGATION_WORDS = frozenset({"not", "n't", "never", "no", "neither", "nor", "cannot", "won't", "nobody",
                            "nothing", "without", "unwilling", "reluctant", "can't", "couldn't", "wouldn't",
                            "didn't", "doesn't", "don't", "isn't", "wasn't", "shouldn't"})
#: Words that put an obligation on a place or body ("must", "cannot opt out", "forced Chicago to").
OBLIGATION = frozenset({"must", "mandatory", "required", "require", "requires", "requiring", "cannot", "can't",
                        "force", "forces", "forced", "forcing", "compel", "compels", "compelled", "optional",
                        "choice", "obligated", "obliged", "ordered", "orders", "order", "mandate", "mandates",
                        "mandated", "demand", "demands", "demanded", "regardless", "whether", "anyway", "unless",
                        "comply", "threatened", "threatens", "threaten", "warned", "warns", "punish", "withhold"})
PASSIVE_AUX = frozenset({"was", "were", "is", "are", "been", "be", "being", "got", "get", "gets", "has", "had",
                         "have"})
#: How many words after the last argument / before the first one become context features.
POST_WORDS = 6
PRE_WORDS = 3
#: How far (in tokens) from the target the nearest stance cue is looked for.
NEAR_TARGET = 6
#: How far back (in words) a negator reaches to flip a cue.
NEGATION_REACH = 4
CLAUSE_BREAKS = frozenset({";", ":", "--", "\u2014", "\u2013", "but", "while", "although", "though", "whereas"})
HEDGES = frozenset({"if", "whether", "could", "might", "may", "would", "should", "unless", "asked", "consider",
                    "considering", "weigh", "weighing", "undecided", "decide", "decided", "perhaps", "possible"})
REPORT_VERBS = frozenset({"said", "says", "say", "told", "tell", "tells", "reported", "reports", "according",
                          "announced", "stated", "wrote", "writes", "argued", "argues", "added", "noted", "quoted",
                          "explained", "insisted", "warned", "claimed", "testified", "asserted", "contended"})
TITLE_WORDS = frozenset({"gov", "gov.", "governor", "sheriff", "mayor", "director", "secretary", "attorney",
                         "general", "chief", "commissioner", "sen", "sen.", "senator", "rep", "rep.",
                         "representative", "judge", "justice", "chairman", "chairwoman", "chair", "president",
                         "executive", "councilman", "councilwoman", "councilmember", "assemblyman",
                         "assemblywoman", "supervisor", "spokesman", "spokeswoman", "lt.", "lieutenant", "acting",
                         "deputy", "administrator", "delegate", "speaker", "leader", "officer", "head",
                         "commander", "superintendent", "member", "state", "county", "city", "u.s.", "federal",
                         "police", "homeland", "security", "district", "former", "then"})

# Words that refer back to an earlier named party: which labels they can stand for.
PERSON_PRONOUNS = frozenset({"he", "she", "his", "her", "him", "i", "my", "me"})
GROUP_PRONOUNS = frozenset({"we", "our", "us", "they", "their", "them"})
THING_PRONOUNS = frozenset({"it", "its"})
GENERIC_HEADS: dict[str, frozenset[str]] = {
    "governor": frozenset({scheme.GOVERNOR}),
    "sheriff": frozenset({scheme.OFFICIAL, scheme.AGENCY}),
    **{w: frozenset({scheme.OFFICIAL}) for w in (
        "mayor", "secretary", "director", "judge", "senator", "commissioner", "chairman", "chairwoman",
        "lawmaker", "official", "attorney", "executive", "president", "sponsor", "author", "councilman",
        "councilwoman", "assemblyman", "assemblywoman", "representative", "congressman", "congresswoman",
        "legislator", "supervisor", "chief", "prosecutor", "administrator", "justice", "candidate")},
    **{w: frozenset({scheme.JURISDICTION}) for w in (
        "state", "city", "county", "town", "commonwealth", "village", "borough", "parish", "township",
        "district", "municipality", "territory", "nation", "country")},
    **{w: frozenset({scheme.AGENCY}) for w in (
        "department", "agency", "office", "board", "council", "court", "legislature", "administration",
        "house", "senate", "bureau", "commission", "committee", "panel", "police", "assembly", "chamber",
        "government", "ministry", "patrol", "division", "service", "jail", "circuit")},
    **{w: frozenset({scheme.GROUP}) for w in (
        "group", "organization", "organisation", "union", "coalition", "center", "centre", "paper",
        "newspaper", "alliance", "association", "network", "foundation", "institute", "federation",
        "company", "campaign", "editorial", "league", "church")},
}
PROGRAM_HEADS = frozenset({"program", "programme", "law", "bill", "measure", "ordinance", "order", "agreement",
                           "policy", "act", "directive", "initiative", "rule", "plan", "memo", "memorandum",
                           "partnership", "contract", "proposal", "statute", "legislation", "system", "effort",
                           "executive", "resolution", "amendment", "deal", "pact", "regulation", "mandate"})
DETERMINERS = frozenset({"the", "this", "that", "these", "those", "its", "their", "his", "her", "our"})


def stem(word: str) -> str:
    """A crude English stem for documents without lemmas: lower case, common suffixes cut."""
    w = word.lower()
    for suffix in ("ing", "ed", "es", "s"):
        if len(w) > len(suffix) + 3 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


# ---------------------------------------------------------------------------------------------- units

def stance_units(doc: Doc) -> list[Span]:
    """The sentences stances are read from: ``doc.sents`` when the document has sentence boundaries
    (otherwise punctuation-based ones), cut again at blank lines (headlines, datelines, sign-offs)."""
    if doc.has_annotation("SENT_START"):
        sents = list(doc.sents)
    else:
        sents = _punct_sentences(doc)
    units: list[Span] = []

    def add(start: int, end: int) -> None:
        while start < end and doc[start].is_space:
            start += 1
        while end > start and doc[end - 1].is_space:
            end -= 1
        if end > start:
            units.append(doc[start:end])

    for sent in sents:
        start = sent.start
        for tok in sent:
            if tok.is_space and tok.text.count("\n") >= 2 and tok.i + 1 < sent.end:
                add(start, tok.i + 1)
                start = tok.i + 1
        add(start, sent.end)
    return units


_ENDERS = frozenset({".", "!", "?", "...", "\u2026"})
_CLOSERS = frozenset({'"', "'", "\u201d", "\u2019", ")", "]"})


def _punct_sentences(doc: Doc) -> list[Span]:
    spans, start, i = [], 0, 0
    n = len(doc)
    while i < n:
        tok = doc[i]
        if tok.text in _ENDERS:
            j = i + 1
            while j < n and (doc[j].text in _CLOSERS or doc[j].text in _ENDERS):
                j += 1
            while j < n and doc[j].is_space:
                j += 1
            if j < n and not (doc[j].text[:1].islower() and tok.text == "."):
                spans.append(doc[start:j])
                start = j
            i = j
            continue
        i += 1
    if start < n:
        spans.append(doc[start:n])
    return spans


def set_sentences(doc: Doc) -> None:
    """Give a document without sentence boundaries the punctuation/blank-line ones the component uses."""
    if doc.has_annotation("SENT_START") or len(doc) == 0:
        return
    starts = {u.start for u in stance_units(doc)}
    for tok in doc:
        tok.is_sent_start = tok.i in starts


# ---------------------------------------------------------------------------------------------- candidates

@dataclass
class Candidate:
    """One (actor, target) pair to score.

    ``actor``/``target`` are the entity mentions the relation joins; ``a``/``t`` are the token
    ranges in the stating sentence ``unit`` that stand for them (the mention itself, or the pronoun
    or generic noun that refers to it); ``anaphor`` names that word when one was resolved.
    """

    actor: Span
    target: Span
    unit: Span
    a: tuple[int, int]
    t: tuple[int, int]
    resolved: bool = False
    anaphor: str = ""
    rank: int = 0
    sent_dist: int = 0

    @property
    def key(self) -> tuple[tuple[int, int], tuple[int, int]]:
        return (self.actor.start, self.actor.end), (self.target.start, self.target.end)


def allowed_types(actor_label: str, target_label: str) -> list[str]:
    return [t for t in scheme.RELATION_TYPES if scheme.relation_allowed(t, actor_label, target_label)]


def entity_key(span: Span) -> str:
    canonical = span._.canonical if span.has_extension("canonical") else None
    return (span.kb_id_ or canonical or span.text).lower()


def _inside_entity(doc: Doc, i: int) -> bool:
    return doc[i].ent_iob_ in ("B", "I")


def find_anaphors(unit: Span) -> list[tuple[int, int, str, frozenset[str]]]:
    """Pronouns and generic noun phrases in ``unit`` that may refer to an earlier named party:
    (start, end, word, labels it can stand for). Program references ("the law", "it") carry PROGRAM."""
    doc = unit.doc
    found = []
    i = unit.start
    while i < unit.end:
        tok = doc[i]
        low = tok.lower_
        if _inside_entity(doc, i):
            i += 1
            continue
        if low in PERSON_PRONOUNS:
            found.append((i, i + 1, low, PERSONS))
        elif low in GROUP_PRONOUNS:
            found.append((i, i + 1, low, PERSONS | ORGS))
        elif low in THING_PRONOUNS:
            found.append((i, i + 1, low, ORGS | {scheme.PROGRAM}))
        elif low in DETERMINERS:
            # the [adjectives / one entity] HEAD: "the governor", "the state", "the Arizona law"
            j = i + 1
            limit = min(unit.end, i + 5)
            while j < limit:
                w = doc[j].lower_
                if not _inside_entity(doc, j) and (w in GENERIC_HEADS or w in PROGRAM_HEADS):
                    labels = set(GENERIC_HEADS.get(w, ()))
                    if w in PROGRAM_HEADS:
                        labels.add(scheme.PROGRAM)
                    found.append((j, j + 1, w, frozenset(labels)))
                    break
                if doc[j].is_punct or doc[j].is_space or doc[j].lower_ in DETERMINERS:
                    break
                j += 1
        i += 1
    return found


def generate_candidates(doc: Doc, *, window: int = 3, max_rank: int = 3,
                        units: list[Span] | None = None) -> list[Candidate]:
    """Every scheme-allowed pair: within one sentence, plus pairs where the sentence names one side by a
    pronoun or generic noun and the other side is the nearest preceding mention of a party up to
    ``window`` sentences back (the ``max_rank`` most recent parties of a compatible label)."""
    units = units if units is not None else stance_units(doc)
    ents = list(doc.ents)
    unit_of: list[int] = []
    u = 0
    for ent in ents:
        while u < len(units) - 1 and ent.start >= units[u].end:
            u += 1
        unit_of.append(u)
    by_unit: dict[int, list[Span]] = {}
    for ent, ui in zip(ents, unit_of):
        by_unit.setdefault(ui, []).append(ent)
    out: list[Candidate] = []
    seen: set = set()
    for ui, unit in enumerate(units):
        here = by_unit.get(ui, [])
        for a in here:
            if a.label_ not in scheme.ACTOR_LABELS:
                continue
            for t in here:
                if t is a or t.start == a.start or not allowed_types(a.label_, t.label_):
                    continue
                c = Candidate(a, t, unit, (a.start, a.end), (t.start, t.end))
                out.append(c)
                seen.add(c.key)
        if not here:
            continue
        anaphors = find_anaphors(unit)
        if not anaphors:
            continue
        # earlier parties: last mention of each distinct entity in the previous `window` units, most recent first
        earlier: list[tuple[Span, int]] = []
        keys_here = {entity_key(e) for e in here}
        got: set[str] = set()
        for back in range(1, window + 1):
            for e in reversed(by_unit.get(ui - back, [])):
                k = entity_key(e)
                if k in got or k in keys_here:
                    continue
                got.add(k)
                earlier.append((e, back))
        if not earlier:
            continue
        for (s, e_, word, labels) in anaphors:
            rank_by_label: dict[str, int] = {}
            for prev, back in earlier:
                if prev.label_ not in labels:
                    continue
                rank = rank_by_label.get("all", 0) + 1
                rank_by_label["all"] = rank
                if rank > max_rank:
                    break
                for other in here:
                    # prev is the actor (anaphor stands for it) or the target (anaphor stands for it)
                    if prev.label_ in scheme.ACTOR_LABELS and allowed_types(prev.label_, other.label_) \
                            and not (prev.label_ != scheme.PROGRAM and word in PROGRAM_HEADS
                                     and word not in GENERIC_HEADS):
                        c = Candidate(prev, other, unit, (s, e_), (other.start, other.end), True, word, rank, back)
                        if c.key not in seen:
                            out.append(c)
                            seen.add(c.key)
                    if other.label_ in scheme.ACTOR_LABELS and allowed_types(other.label_, prev.label_):
                        c = Candidate(other, prev, unit, (other.start, other.end), (s, e_), True, word, rank, back)
                        if c.key not in seen:
                            out.append(c)
                            seen.add(c.key)
    return out


# ---------------------------------------------------------------------------------------------- features

_INFLECTIONS = frozenset({"s", "es", "ed", "d", "ing", "ting", "ped", "ping", "ned", "ning", "ded", "ding", "red",
                          "ring", "ied", "ies", "led", "ling", "ted", "ged", "ging", "ked", "king"})
_FLIP = {"OPP": "SUP", "SUP": "OPP", "COMP": "COMPneg"}
_CONNECTORS = frozenset({",", "and", "or", "&", "nor", "as", "well", "plus", "along", "with", "both", "either",
                         "the", "its", "their"})


@lru_cache(maxsize=65536)
def cue_classes(word: str) -> tuple[str, ...]:
    """The cue classes (OPP, SUP, COMP) a word belongs to."""
    w = word.lower()
    out = []
    for name, stems in CUES.items():
        for s in stems:
            if w == s or (w.startswith(s) and (len(s) >= 5 or w[len(s):] in _INFLECTIONS)):
                out.append(name)
                break
    return tuple(out)


def _word(tok: Token, lemmas: bool) -> str:
    if lemmas and tok.lemma_:
        return tok.lemma_.lower()
    return stem(tok.text)


def _bucket(n: int) -> str:
    for b in (0, 1, 2, 3, 5, 8, 12, 20, 30):
        if n <= b:
            return str(b)
    return "30+"


def negation_parity(doc: Doc, i: int, lo: int, operators: int | None = None) -> int:
    """1 when an odd number of negators stand in the few words before token ``i`` (within its clause);
    with ``operators`` (the end of the clause), only negators that negate a cue count. (One question: the
    featurizer asks a document's :class:`TokenView`, which keeps its answers.)"""
    return TokenView(doc, lemmas=False).negation_parity(i, lo, operators)


def is_operator(doc: Doc, i: int, hi: int) -> bool:
    """A negator that negates a later cue before ``hi`` ("refused to opt out", "would not sign")."""
    return TokenView(doc, lemmas=False).is_operator(i, hi)


def cue_marks(doc: Doc, start: int, end: int, lo: int, negation: bool = True) -> list[tuple[int, str, int]]:
    """(token index, cue class, negation parity) for every cue word in ``doc[start:end]`` outside entities.

    With ``negation``, a negator that negates a later cue counts as an operator (it flips that cue)
    and not as a cue of its own: "refused to opt out" is a negated opt-out, that is support."""
    return TokenView(doc, lemmas=False).cue_marks(start, end, lo, negation)


def coordination_groups(doc: Doc, ents: list[Span]) -> dict[int, tuple[int, int, int, int]]:
    """For each entity (by start token): (group start, group end, group size, index in group) over lists
    like "Santa Clara County, San Francisco and Chicago" (same kind of entity, joined by , and or)."""

    def kind(e: Span) -> str:
        return "P" if e.label_ in PERSONS else ("G" if e.label_ == scheme.PROGRAM else "O")

    groups: list[list[Span]] = []
    for e in ents:
        if groups:
            prev = groups[-1][-1]
            gap = [t for t in doc[prev.end:e.start] if not t.is_space]
            if kind(prev) == kind(e) and gap and len(gap) <= 4 and all(t.lower_ in _CONNECTORS for t in gap):
                groups[-1].append(e)
                continue
        groups.append([e])
    out = {}
    for g in groups:
        for k, e in enumerate(g):
            out[e.start] = (g[0].start, g[-1].end, len(g), k)
    return out


class TokenView:
    """What the featurizer asks of a document's tokens, read once per document.

    ``doc[i]`` builds a new Token object on every access, and every candidate of a sentence asks the
    same questions of the same tokens (its lower form, is it inside an entity, does a negator negate a
    later cue): the per-token facts are read into lists here, and the negation answers kept as they
    are computed. The module-level functions of the same names ask a fresh view.
    """

    def __init__(self, doc: Doc, lemmas: bool):
        toks = list(doc)
        self.lower = [t.lower_ for t in toks]
        self.space = [t.is_space for t in toks]
        self.punct = [t.is_punct for t in toks]
        self.inside = [t.ent_iob_ in ("B", "I") for t in toks]
        self.word = [_word(t, lemmas) for t in toks]
        # the lemma a cue is looked up by when the word itself is none ("" when it is the word itself)
        self.cue_lemma = [t.lemma_ if t.lemma_ and t.lemma_ != t.text else "" for t in toks]
        self._operator: dict[tuple[int, int], bool] = {}
        self._parity: dict[tuple[int, int, int | None], int] = {}
        self._forms: dict[tuple[int, int], tuple[bool, str]] = {}

    def sentence_form(self, unit: Span) -> tuple[bool, str]:
        """Whether ``unit`` is a question, and its first word (lower case)."""
        key = (unit.start, unit.end)
        found = self._forms.get(key)
        if found is None:
            first = next((self.lower[i] for i in range(unit.start, unit.end)
                          if not self.space[i] and not self.punct[i]), "")
            found = self._forms[key] = (unit.text.rstrip().rstrip('"\u201d\'').endswith("?"), first)
        return found

    def reach_after(self, i: int, hi: int) -> list[int]:
        """Token indices a negator at ``i`` reaches: the next few words in its clause, before ``hi``."""
        out, k, j = [], 0, i + 1
        while j < hi and k < NEGATION_REACH:
            if self.space[j]:
                j += 1
                continue
            low = self.lower[j]
            if low in CLAUSE_BREAKS or low == ",":
                break
            out.append(j)
            j += 1
            k += 1
        return out

    def is_operator(self, i: int, hi: int) -> bool:
        """See :func:`is_operator`."""
        if self.lower[i] not in NEGATORS:
            return False
        key = (i, hi)
        found = self._operator.get(key)
        if found is None:
            found = any(cue_classes(self.lower[j]) and self.lower[j] not in NEGATORS and not self.inside[j]
                        for j in self.reach_after(i, hi))
            self._operator[key] = found
        return found

    def negation_parity(self, i: int, lo: int, operators: int | None = None) -> int:
        """See :func:`negation_parity`."""
        key = (i, lo, operators)
        found = self._parity.get(key)
        if found is not None:
            return found
        n = k = 0
        j = i - 1
        while j >= lo and k < NEGATION_REACH:
            if self.space[j]:
                j -= 1
                continue
            low = self.lower[j]
            if low in CLAUSE_BREAKS or low == ",":
                break
            if low in NEGATORS and (operators is None or self.is_operator(j, operators)):
                n += 1
            j -= 1
            k += 1
        self._parity[key] = n % 2
        return n % 2

    def cue_marks(self, start: int, end: int, lo: int, negation: bool = True) -> list[tuple[int, str, int]]:
        """See :func:`cue_marks`."""
        marks = []
        for i in range(max(start, 0), end):
            if self.space[i] or self.punct[i] or self.inside[i]:
                continue
            if negation and self.is_operator(i, end):
                continue
            classes = cue_classes(self.lower[i])
            if not classes and self.cue_lemma[i]:
                classes = cue_classes(self.cue_lemma[i])
            if classes:
                neg = self.negation_parity(i, lo) if negation else 0
                marks.extend((i, c, neg) for c in classes)
        return marks


class Featurizer:
    """Turns a candidate into a list of feature strings.

    ``negation=False`` leaves out every negation feature and drops negators from the word features
    (the ablation reported by ``bench/bench_stance.py``); ``parse`` adds dependency features when
    the document has a parse.
    """

    def __init__(self, *, negation: bool = True, parse: bool = True):
        self.negation = negation
        self.parse = parse
        self._groups_cache: tuple[int, dict] | None = None
        self._unit_cache: tuple | None = None

    def _doc_facts(self, doc: Doc) -> tuple:
        """(doc, entities, their starts, has lemmas, has a parse, its TokenView, entity keys by (start, end)),
        computed once per document: ``doc.ents`` and
        ``doc.has_annotation`` each walk the whole document, which made long documents quadratic."""
        if self._unit_cache is None or self._unit_cache[0] is not doc:
            ents = list(doc.ents)
            lemmas = doc.has_annotation("LEMMA")
            self._unit_cache = (doc, ents, [e.start for e in ents], lemmas, doc.has_annotation("DEP"),
                                TokenView(doc, lemmas), {(e.start, e.end): entity_key(e) for e in ents})
        return self._unit_cache

    def _unit_ents(self, unit: Span) -> list[Span]:
        """The entities inside ``unit`` (sliced by start from the per-document list)."""
        _, ents, starts, *_ = self._doc_facts(unit.doc)
        lo = bisect.bisect_left(starts, unit.start)
        hi = bisect.bisect_left(starts, unit.end)
        return [e for e in ents[lo:hi] if e.end <= unit.end]

    def _groups(self, unit: Span) -> dict[int, tuple[int, int, int, int]]:
        key = (id(unit.doc), unit.start, unit.end)
        if self._groups_cache is None or self._groups_cache[0] != key:
            self._groups_cache = (key, coordination_groups(unit.doc, self._unit_ents(unit)))
        return self._groups_cache[1]

    def __call__(self, cand: Candidate) -> list[str]:
        doc = cand.unit.doc
        facts = self._doc_facts(doc)
        lemmas, view, keys = facts[3], facts[5], facts[6]
        unit = cand.unit
        neg_ok = self.negation
        al, tl = cand.actor.label_, cand.target.label_
        tk = "P" if tl == scheme.PROGRAM else "X"
        groups = self._groups(unit)
        a0, a1 = cand.a
        t0, t1 = cand.t
        ga = groups.get(a0) if cand.a == (cand.actor.start, cand.actor.end) else None
        gt = groups.get(t0) if cand.t == (cand.target.start, cand.target.end) else None
        f: list[str] = ["bias", f"al={al}", f"tl={tl}", f"pair={al}|{tl}"]
        # coordinated lists: read the context around the whole list ("X, Y and Z opted out")
        if ga is not None and gt is not None and ga[0] == gt[0]:
            f.append("same_list")
        else:
            if ga is not None and ga[2] > 1:
                a0, a1 = ga[0], ga[1]
                f.append(f"a_list|{'first' if ga[3] == 0 else 'last' if ga[3] == ga[2] - 1 else 'mid'}")
            if gt is not None and gt[2] > 1:
                t0, t1 = gt[0], gt[1]
                f.append(f"t_list|{tk}|{'first' if gt[3] == 0 else 'last' if gt[3] == gt[2] - 1 else 'mid'}")
        order = "AT" if a0 < t0 else "TA"
        first0, first1, last0, last1 = (a0, a1, t0, t1) if a0 < t0 else (t0, t1, a0, a1)
        # passive voice: "<target> was rejected by (the) <actor>" reads like "<actor> rejected <target>"
        skip: set[int] = set()
        if order == "TA" and cand.a == (cand.actor.start, cand.actor.end):
            gap_toks = [t for t in doc[first1:last0] if not t.is_space]
            tail = [t.lower_ for t in gap_toks[-2:]]
            if gap_toks and ("by" in tail) and any(t.lower_ in PASSIVE_AUX for t in gap_toks):
                order = "AT"
                skip = {t.i for t in gap_toks if t.lower_ in PASSIVE_AUX or t.lower_ in ("by", "the")}
        o = f"{order}|{tk}"
        f.append(f"order={o}")
        gap = max(0, last0 - first1 - len(skip))
        f.append(f"dist={_bucket(gap)}|{o}")

        def words(lo: int, hi: int) -> list[str]:
            """Word features. With negation handling, a negator that negates a later cue is the
            operator ``<neg>`` and the words in its reach are marked ``~word``: "would not sign" and
            "refused to sign" both give ``<neg> ~sign``, and ~sign is no evidence of support."""
            out = []
            for i in range(lo, hi):
                if view.space[i] or i in skip or view.inside[i] or (not neg_ok and view.lower[i] in NEGATORS):
                    continue
                if neg_ok and view.is_operator(i, unit.end):
                    out.append("<neg>")
                    continue
                w = view.word[i]
                if neg_ok and not view.punct[i] and view.negation_parity(i, unit.start, operators=unit.end):
                    w = "~" + w
                out.append(w)
            return out

        bw = words(first1, last0)
        for w in set(bw):
            f.append(f"bw={w}|{o}")
        for k in range(len(bw) - 1):
            f.append(f"bw2={bw[k]}_{bw[k + 1]}|{o}")
        for w in bw[:2]:
            f.append(f"bwf={w}|{o}")
        for w in bw[-2:]:
            f.append(f"bwl={w}|{o}")
        if len(bw) <= 4:
            f.append(f"bwall={'_'.join(bw)}|{o}")
        # entities in between
        ents_between = [e for e in self._unit_ents(unit) if e.start >= first1 and e.end <= last0]
        f.append(f"nents={_bucket(len(ents_between))}|{o}")
        for lab in {e.label_ for e in ents_between}:
            f.append(f"ebw={lab}|{o}")
        actors_between = [e for e in ents_between if e.label_ in scheme.ACTOR_LABELS]
        f.append(f"actors_between={min(len(actors_between), 3)}|{o}")
        if order == "AT" and actors_between:
            f.append(f"nearer_actor={actors_between[-1].label_}|{tk}")
        # the same party named twice: is this the mention nearest the other argument?
        def key_of(e: Span) -> str:
            found = keys.get((e.start, e.end))
            return found if found is not None else entity_key(e)

        akey, tkey = key_of(cand.actor), key_of(cand.target)
        for side, key, (s0, s1), (o0, o1) in (("A", akey, cand.a, cand.t), ("T", tkey, cand.t, cand.a)):
            same = [e for e in self._unit_ents(unit) if key_of(e) == key and e.start != s0]
            if same:
                d = abs(s0 - o0)
                f.append(f"dup{side}|nearest={int(all(abs(e.start - o0) > d for e in same))}")
        # competing mentions: is the actor the sentence's first possible actor, the nearest one to the target,
        # and the target the nearest possible target to the actor?
        if cand.a == (cand.actor.start, cand.actor.end) and cand.t == (cand.target.start, cand.target.end):
            unit_ents = self._unit_ents(unit)
            actors = [e for e in unit_ents if e.label_ in scheme.ACTOR_LABELS and e.start != t0]
            targets = [e for e in unit_ents if e.label_ == tl and e.start != a0]
            if actors:
                f.append(f"a_first={int(actors[0].start == cand.actor.start)}|{tk}")
                da = abs(cand.actor.start - cand.target.start)
                f.append(f"a_nearest={int(all(abs(e.start - cand.target.start) >= da for e in actors))}|{o}")
            if targets:
                dt = abs(cand.target.start - cand.actor.start)
                f.append(f"t_nearest={int(all(abs(e.start - cand.actor.start) >= dt for e in targets))}|{o}")
        # stance cues between the arguments, with and without their negation
        lo = unit.start
        marks = view.cue_marks(first1, last0, lo, neg_ok)
        wanted = ("OPP", "SUP") if tk == "P" else ("COMP",)
        for i, c, n in marks:  # with negation handling, the cue as negated: "refused to opt out" gives SUP
            f.append(f"cue={_FLIP[c] if (n and neg_ok) else c}|{o}")
        main = [(i, c, n) for i, c, n in marks if c in wanted]
        if main:
            near_t = min(main, key=lambda m: min(abs(m[0] - t0), abs(m[0] - t1)))
            near_a = min(main, key=lambda m: min(abs(m[0] - a0), abs(m[0] - a1)))
            for name, (i, c, n) in (("t", near_t), ("a", near_a)):
                pol = _FLIP[c] if (n and neg_ok) else c
                f.append(f"pol{name}={pol}|{o}")
                f.append(f"pol{name}w={view.word[i]}|{pol}|{tk}")
            votes = {}
            for i, c, n in main:
                pol = _FLIP[c] if (n and neg_ok) else c
                votes[pol] = votes.get(pol, 0) + 1
            f.append(f"polmaj={max(sorted(votes), key=votes.get)}|{o}")
        else:
            f.append(f"nocue|{o}")
        # the stance cue nearest the target on either side, inside the sentence ("X said the Act would
        # punish local police", "... afraid of 287(g)")
        near = [m for m in view.cue_marks(max(unit.start, t0 - NEAR_TARGET), min(unit.end, t1 + NEAR_TARGET), lo,
                                     neg_ok) if m[1] in wanted and not (a0 <= m[0] < a1)]
        if near:
            i, c, n = min(near, key=lambda m: min(abs(m[0] - t0), abs(m[0] - t1 + 1)))
            pol = _FLIP[c] if (n and neg_ok) else c
            side = "pre" if i < t0 else "post"
            f.append(f"tcue={pol}|{side}|{o}")
            f.append(f"tcuew={view.word[i]}|{pol}|{side}|{tk}")
        # an obligation put on a place or body: "force Chicago to", "Illinois cannot opt out"
        if tk == "X":
            for name, rng in (("before", range(max(unit.start, t0 - 3), t0)),
                              ("after", range(t1, min(unit.end, t1 + 4)))):
                hits = {view.lower[i] for i in rng if view.lower[i] in OBLIGATION}
                for w in hits:
                    f.append(f"oblig_{name}={w}")
                if hits:
                    f.append(f"oblig_{name}|{order}")
        # the rest of the sentence: cues before the first and after the last argument
        for name, (s, e) in (("ctxpre", (unit.start, first0)), ("ctxpost", (last1, unit.end))):
            for i, c, n in view.cue_marks(s, e, lo, neg_ok):
                if c in wanted:
                    pol = _FLIP[c] if (n and neg_ok) else c
                    f.append(f"{name}={pol}|{o}")
        # the words right after the last argument and right before the first: "X said the Act would
        # punish ...", "... in Illinois, Quinn said"
        for w in set(words(last1, min(unit.end, last1 + POST_WORDS))):
            f.append(f"post={w}|{o}")
        for w in set(words(max(unit.start, first0 - PRE_WORDS), first0)):
            f.append(f"pre={w}|{o}")
        # passive voice without a parse: "<target> was rejected by <actor>"
        if order == "TA":
            tail = [view.lower[i] for i in range(max(first1, last0 - 3), last0)]
            if "by" in tail:
                f.append(f"by_before_actor|{tk}")
            if any(view.lower[i] in ("was", "were", "been", "is", "be", "being") for i in range(first1, last0)):
                f.append(f"passive_aux|{tk}")
        # hypotheticals and questions
        for h in {view.lower[i] for i in range(unit.start, last0) if view.lower[i] in HEDGES}:
            f.append(f"hedge={h}|{tk}")
        question, first_word = view.sentence_form(unit)
        if question:
            f.append("question")
        if first_word in ("if", "whether", "unless", "should", "would", "will", "could", "can", "did", "does", "asked"):
            f.append(f"first={first_word}")
        # reported speech: is the actor the speaker?
        if any(view.lower[i] in REPORT_VERBS for i in range(unit.start, unit.end)):
            f.append(f"report|{al}")
            near = range(max(unit.start, a0 - 3), min(unit.end, a1 + 3))
            if any(view.lower[i] in REPORT_VERBS for i in near if not (a0 <= i < a1)):
                f.append(f"speaker|{al}|{o}")
        # titles: the actor sits in another person's title ("ICE Director John Morton")
        if cand.a == (cand.actor.start, cand.actor.end):
            j = cand.actor.end
            while j < unit.end and j - cand.actor.end < 4 and view.lower[j] in TITLE_WORDS | {"of"}:
                j += 1
            if j > cand.actor.end and j < unit.end and doc[j].ent_iob_ == "B" and doc[j].ent_type_ in PERSONS:
                f.append(f"actor_in_title|{tk}")
            if cand.actor.end < unit.end and view.lower[cand.actor.end] in ("'s", "\u2019s", "'"):
                f.append(f"actor_possessive|{tk}")
            if cand.actor.start > unit.start and view.lower[cand.actor.start - 1] in TITLE_WORDS:
                f.append(f"actor_titled|{al}")
        if t0 > unit.start and view.lower[t0 - 1] in ("in", "for", "to", "across", "throughout", "from", "of"):
            f.append(f"target_prep={view.lower[t0 - 1]}|{tk}")
        if cand.t == (cand.target.start, cand.target.end) and cand.target.end < unit.end \
                and view.lower[cand.target.end] in ("'s", "\u2019s"):
            f.append(f"target_possessive|{tk}")
        # resolution of a pronoun or generic noun
        if cand.resolved:
            side = "A" if cand.a != (cand.actor.start, cand.actor.end) else "T"
            lab = al if side == "A" else tl
            f += [f"res={side}", f"res={side}|{cand.anaphor}", f"res={side}|{cand.anaphor}|{lab}",
                  f"res={side}|rank={cand.rank}", f"res={side}|back={cand.sent_dist}",
                  f"res={side}|rank={cand.rank}|back={cand.sent_dist}"]
            kb = (cand.actor if side == "A" else cand.target).kb_id_.split(":")[0]
            if kb:
                f.append(f"res={side}|{cand.anaphor}|kb={kb}")
            s = cand.a[0] if side == "A" else cand.t[0]
            prev = next((view.lower[j] for j in range(s - 1, unit.start - 1, -1) if not view.space[j]), "^")
            if prev in ("^", '"', "\u201c", ",", "the", "and"):
                f.append(f"res={side}|subjpos|{prev if prev in ('^', 'the') else 'x'}")
        if self.parse and self._doc_facts(doc)[4]:
            f.extend(self._parse_features(cand, lemmas, tk))
        return f

    def _parse_features(self, cand: Candidate, lemmas: bool, tk: str) -> list[str]:
        doc = cand.unit.doc
        ha = doc[cand.a[0]:cand.a[1]].root
        ht = doc[cand.t[0]:cand.t[1]].root
        if ha.sent.start != ht.sent.start:
            return [f"dep=nopath|{tk}"]
        anc_a = [ha, *ha.ancestors]
        anc_t = [ht, *ht.ancestors]
        ids_t = [t.i for t in anc_t]
        lca = next((t for t in anc_a if t.i in ids_t), None)
        if lca is None:
            return [f"dep=nopath|{tk}"]
        up = anc_a[: [t.i for t in anc_a].index(lca.i)]
        down = anc_t[: ids_t.index(lca.i)]
        path_a = [t.dep_ for t in up if t.dep_ not in ("conj", "appos")]
        path_t = [t.dep_ for t in down if t.dep_ not in ("conj", "appos")]
        lca_w = _word(lca, lemmas)
        f = [f"dep_lca={lca_w}|{tk}", f"dep_lcapos={lca.pos_}|{tk}",
             f"dep_path={'/'.join(path_a)}^{'/'.join(reversed(path_t))}|{tk}",
             f"dep_len={_bucket(len(path_a) + len(path_t))}|{tk}"]
        if path_a:
            f.append(f"dep_adep={path_a[-1]}|{tk}")
            f.append(f"dep_adep_lca={path_a[-1]}|{lca_w}|{tk}")
        else:
            f.append(f"dep_a_is_lca|{tk}")
        if path_t:
            f.append(f"dep_tdep={path_t[-1]}|{tk}")
            f.append(f"dep_tdep0={path_t[0]}|{tk}")
        # verbs from the target up to the common ancestor; negation above a verb flips what is below
        verbs = [t for t in [*down, lca] if t.pos_ in ("VERB", "AUX", "ADJ", "NOUN") and t.dep_ not in ("compound",)]
        negs = [1 if (any(c.dep_ == "neg" or c.lower_ in NEGATION_WORDS for c in v.children)
                      or v.lower_ in NEGATORS or (lemmas and v.lemma_.lower() in NEGATORS)) else 0 for v in verbs]
        wanted = ("OPP", "SUP") if tk == "P" else ("COMP",)
        for k, v in enumerate(verbs):
            w = _word(v, lemmas)
            above = sum(negs[k + 1:]) + (1 if any(c.dep_ == "neg" for c in v.children) else 0)
            f.append(f"dep_verb={w}|{tk}")
            for c in cue_classes(v.lower_) or cue_classes(w):
                pol = _FLIP[c] if (self.negation and above % 2) else c
                f.append(f"dep_cue={pol}|{tk}")
                if c in wanted:
                    f.append(f"dep_pol={pol}|{tk}")
        if self.negation:
            f.append(f"dep_neg={sum(negs) % 2}|{tk}")
        if "nsubjpass" in path_a or "agent" in path_a:
            f.append(f"dep_passive_actor|{tk}")
        if "nsubjpass" in path_t:
            f.append(f"dep_passive_target|{tk}")
        if lca.lower_ in REPORT_VERBS or (lemmas and lca.lemma_ in ("say", "tell", "report", "announce")):
            f.append(f"dep_report|{path_a[-1] if path_a else 'self'}|{cand.actor.label_}")
        if any(t.dep_ == "advcl" and any(c.lower_ in ("if", "whether") for c in t.children) for t in down):
            f.append("dep_conditional")
        if ha.dep_ in ("compound", "poss"):
            f.append(f"dep_actor_{ha.dep_}|{ha.head.ent_type_ or ha.head.pos_}")
        return f
