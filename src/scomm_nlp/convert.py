"""Turn processed spaCy ``Doc``s into :class:`~scomm_nlp.results.Analysis` objects."""

from __future__ import annotations

from spacy.tokens import Doc

from scomm_nlp.results import Analysis, Entity, Evidence, Stance


def entity_from_span(span, offset: int = 0) -> Entity:
    canonical = span._.canonical if span.has_extension("canonical") and span._.canonical else span.text
    return Entity(span.text, span.label_, span.start_char + offset, span.end_char + offset, canonical,
                  span.kb_id_ or None)


def doc_to_analysis(doc: Doc, *, offset: int = 0, date: str | None = None, model: str | None = None) -> Analysis:
    """Entities from ``doc.ents``; stances from ``doc._.stances`` records when a stance component ran."""
    entities = [entity_from_span(ent, offset) for ent in doc.ents]
    by_tokens = {(ent.start, ent.end): entities[i] for i, ent in enumerate(doc.ents)}
    stances = []
    for rec in doc._.stances or []:
        actor, target = by_tokens.get(tuple(rec["head"])), by_tokens.get(tuple(rec["child"]))
        if actor is None or target is None:
            continue
        if rec.get("sent"):  # the sentence that states the stance (the actor may be named earlier)
            sent = doc[rec["sent"][0]:rec["sent"][1]]
        else:
            sent = doc[rec["head"][0]].sent if doc.has_annotation("SENT_START") else doc[:]
        evidence = Evidence(sent.text, sent.start_char + offset, sent.end_char + offset)
        stances.append(Stance(actor, rec["type"], target, float(rec.get("score", 1.0)), evidence,
                              bool(rec.get("resolved", False))))
    return Analysis(doc.text, entities, stances, date=date, model=model)
