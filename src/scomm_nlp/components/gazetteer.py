"""``scomm_gazetteer``: entity candidates from the knowledge base (a phrase index of KB names and aliases).

Besides the exact names, it tags later surname-only mentions of a person it found in full
("Gov. Pat Quinn ... Quinn said"), since the knowledge base cannot list bare surnames safely.

The names are matched on token text (as a PhraseMatcher on ``ORTH`` would) by
:class:`~scomm_nlp.components.phrase_index.PhraseIndex`, and merged into ``doc.ents`` by spaCy's
SpanRuler filters. The index is saved with its names already tokenized, so loading a pipeline
neither tokenizes thousands of names nor creates a lexeme for each of their words: that was over a
second of every cold start.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Callable, Iterable

from spacy.language import Language
from spacy.pipeline.span_ruler import prioritize_existing_ents_filter, prioritize_new_ents_filter
from spacy.tokens import Doc, Span
from spacy.util import filter_spans

from scomm_nlp import scheme
from scomm_nlp.components.phrase_index import PhraseIndex
from scomm_nlp.kb import KnowledgeBase, load_kb

PERSON_LABELS = (scheme.GOVERNOR, scheme.OFFICIAL)

#: Single-word names that are ordinary words or first names in news text: left to the trained NER.
AMBIGUOUS_NAMES = frozenset("""
Allen Arlington Aurora Austin Carmel Chandler Clinton Columbia Columbus Concord Eugene Franklin Gilbert Hamilton
Independence Irving Jackson Jefferson Lafayette Lakewood Lincoln Madison Marion Midland Mobile Norman Orange
Pueblo Surprise Temple Tyler Victoria Warren Washington Georgia Virginia Carolina Charlotte Phoenix Paris Salem
Springfield Troy Dayton Camden Davis Sterling Kent Greeley House Senate Court Council Board Department
Legislature Assembly Commission Congress America Homeland Justice Times Post Globe Herald Tribune Journal
Moore Frederick
""".split()) - {"Washington", "Georgia", "Virginia", "Congress", "America", "Austin", "Columbus", "Phoenix", "Arlington"}


def kb_patterns(kb: KnowledgeBase) -> list[dict]:
    """SpanRuler phrase patterns for every safe name and alias in the KB.

    An alias that names one entry carries its id; an alias shared by several entries of a label
    ("Cook County" in three states) carries none and is left to the linker to resolve in context.
    """
    owners: dict[tuple[str, str], list[str]] = {}
    for entry in kb.entries.values():
        for alias in (entry.name, *entry.aliases):
            alias = alias.strip()
            if len(alias) < 2 or (" " not in alias and alias in AMBIGUOUS_NAMES):
                continue
            if entry.attrs.get("kind") == "county" and " " not in alias:
                continue
            ids = owners.setdefault((entry.label, alias), [])
            if entry.id not in ids:
                ids.append(entry.id)
    patterns: list[dict] = []
    for (label, alias), ids in owners.items():
        pattern = {"label": label, "pattern": alias}
        if len(ids) == 1:
            pattern["id"] = ids[0]
        patterns.append(pattern)
    return patterns


def trim_edges(ents: Iterable[Span]) -> list[Span]:
    """The entities without punctuation or space tokens at their edges (guideline rule 1.3): the NER
    can start a span on the hyphen of "Ridley-Thomas" ("-Thomas"); an entity of punctuation only is dropped."""
    out = []
    for ent in ents:
        start, end = ent.start, ent.end
        doc = ent.doc
        while start < end and (doc[start].is_punct or doc[start].is_space):
            start += 1
        while end > start and (doc[end - 1].is_punct or doc[end - 1].is_space):
            end -= 1
        if start == end:
            continue
        out.append(ent if (start, end) == (ent.start, ent.end)
                   else Span(doc, start, end, label=ent.label_, kb_id=ent.kb_id_))
    return out


class Gazetteer:
    """A phrase index over knowledge-base names, plus surname propagation for persons."""

    #: File in the component's folder: one pattern a line, with its tokens.
    PATTERNS_FILE = "patterns.jsonl"
    #: The SpanRuler file that pipelines saved before the phrase index have (read, never written).
    LEGACY_PATTERNS_FILE = "patterns"

    def __init__(self, nlp: Language, name: str, overwrite_ents: bool, propagate_surnames: bool,
                 relabel_known: bool = False):
        self.nlp = nlp
        self.name = name
        self.overwrite_ents = overwrite_ents
        self.propagate_surnames = propagate_surnames
        self.relabel_known = relabel_known and not overwrite_ents
        # Without overwrite_ents the gazetteer is a fallback: entities already set (by a trained NER) win
        # over any overlapping KB match, even a longer one.
        self.ents_filter = prioritize_new_ents_filter if overwrite_ents else prioritize_existing_ents_filter
        self.index = PhraseIndex()

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None,
                   kb_dir: str | None = None) -> None:
        """Load the patterns from the knowledge base (``kb_dir`` defaults to the shipped data)."""
        self.index = PhraseIndex()
        self.add_patterns(kb_patterns(load_kb(kb_dir)))

    def add_patterns(self, patterns: Iterable[dict]) -> None:
        """Add ``{"label", "pattern", "id"?}`` phrase patterns, tokenized by the pipeline's tokenizer."""
        tokenizer = self.nlp.tokenizer
        for pattern in patterns:
            words = [token.text for token in tokenizer(pattern["pattern"])]
            self.index.add(words, pattern["label"], pattern.get("id"), pattern["pattern"])

    def match(self, doc: Doc) -> list[Span]:
        """Every KB name in ``doc`` as a Span (overlapping ones too), sorted and without duplicates."""
        return self.index.match(doc)

    def __call__(self, doc: Doc) -> Doc:
        matches = self.match(doc)
        if doc.ents:
            doc.ents = trim_edges(doc.ents)
        if self.relabel_known and doc.ents:
            self._relabel_known(doc, matches)
        spans = [] if self.overwrite_ents else list(doc.ents)
        doc.ents = sorted(self.ents_filter(spans, matches))
        if self.propagate_surnames:
            self._add_surnames(doc)
        return doc

    def _relabel_known(self, doc: Doc, matches: list[Span]) -> None:
        """An entity whose exact text is a KB name of one label only takes that label ("MALDEF" tagged
        AGENCY becomes GROUP). Persons keep GOVERNOR vs OFFICIAL: the linker decides that by date."""
        labels: dict[tuple[int, int], set[str]] = {}
        for match in matches:
            labels.setdefault((match.start, match.end), set()).add(match.label_)
        ents, changed = list(doc.ents), False
        for i, ent in enumerate(ents):
            known = labels.get((ent.start, ent.end), set())
            if len(known) != 1:
                continue
            label = next(iter(known))
            if label != ent.label_ and not (label in PERSON_LABELS and ent.label_ in PERSON_LABELS):
                ents[i] = Span(doc, ent.start, ent.end, label=label, kb_id=ent.kb_id, span_id=ent.id)
                changed = True
        if changed:
            doc.ents = ents

    def _add_surnames(self, doc: Doc) -> None:
        surnames: dict[str, Span] = {}
        for ent in doc.ents:
            if ent.label_ in PERSON_LABELS and len(ent) > 1:
                surnames.setdefault(ent[-1].text, ent)
        if not surnames:
            return
        taken = set()
        for ent in doc.ents:
            taken.update(range(ent.start, ent.end))
        new = []
        for token in doc:
            full = surnames.get(token.text)
            if full is None or token.i in taken or token.i < full.start:
                continue
            nxt = doc[token.i + 1] if token.i + 1 < len(doc) else None
            if nxt is not None and nxt.text[:1].isupper() and nxt.is_alpha:
                continue  # "Quinn Avenue", "Brown University"
            new.append(Span(doc, token.i, token.i + 1, label=full.label_, kb_id=full.kb_id_, span_id=full.id_))
        if new:
            doc.ents = filter_spans(list(doc.ents) + new)

    def to_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        with (path / self.PATTERNS_FILE).open("w", encoding="utf-8") as out:
            for line in self.index.to_lines():
                out.write(json.dumps(line, ensure_ascii=False) + "\n")

    def from_disk(self, path, *, exclude=tuple()):
        path = Path(path)
        self.index = PhraseIndex()
        if (path / self.PATTERNS_FILE).exists():
            with (path / self.PATTERNS_FILE).open(encoding="utf-8") as lines:
                self.index.add_lines(json.loads(line) for line in lines if line.strip())
        elif (path / self.LEGACY_PATTERNS_FILE).exists():
            with (path / self.LEGACY_PATTERNS_FILE).open(encoding="utf-8") as lines:
                self.add_patterns(json.loads(line) for line in lines if line.strip())
        return self

    def to_bytes(self, *, exclude=tuple()):
        return json.dumps(self.index.to_lines(), ensure_ascii=False).encode("utf-8")

    def from_bytes(self, data, *, exclude=tuple()):
        self.index = PhraseIndex()
        self.index.add_lines(json.loads(data.decode("utf-8")))
        return self


@Language.factory(
    "scomm_gazetteer",
    default_config={"overwrite_ents": False, "propagate_surnames": True, "relabel_known": False},
    assigns=["doc.ents"],
)
def make_gazetteer(nlp: Language, name: str, overwrite_ents: bool, propagate_surnames: bool,
                   relabel_known: bool) -> Gazetteer:
    """Knowledge-base gazetteer; ``overwrite_ents`` decides whether it wins over entities already set;
    ``relabel_known`` lets an exact KB name fix the label of an entity already set."""
    return Gazetteer(nlp, name, overwrite_ents, propagate_surnames, relabel_known)
