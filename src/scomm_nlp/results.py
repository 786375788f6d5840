"""What users hold: typed, JSON-serialisable analysis results."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any


@dataclass(frozen=True)
class Entity:
    """One entity mention: its text and character offsets, label, and the real-world entity it names."""

    text: str
    label: str
    start: int
    end: int
    canonical: str
    kb_id: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "label": self.label, "start": self.start, "end": self.end,
                "canonical": self.canonical, "kb_id": self.kb_id}


@dataclass(frozen=True)
class Evidence:
    """The sentence that states a stance, with its character offsets in the document."""

    text: str
    start: int
    end: int

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "start": self.start, "end": self.end}


@dataclass(frozen=True)
class Stance:
    """``actor`` OPPOSES/SUPPORTS/COMPELS ``target``, with a score and the evidence sentence.

    ``resolved`` is True when the sentence named the actor or target only by pronoun or generic
    noun and the mention was resolved to an earlier named one.
    """

    actor: Entity
    type: str
    target: Entity
    score: float
    evidence: Evidence
    resolved: bool = False

    def to_dict(self) -> dict[str, Any]:
        return {"actor": self.actor.to_dict(), "type": self.type, "target": self.target.to_dict(),
                "score": round(float(self.score), 4), "evidence": self.evidence.to_dict(), "resolved": self.resolved}


@dataclass(frozen=True)
class Position:
    """One row of :meth:`Analysis.positions`: a (actor, type, target) triple summarised over the document."""

    actor: str
    actor_kb_id: str | None
    type: str
    target: str
    target_kb_id: str | None
    count: int
    max_score: float
    evidence: str

    def to_dict(self) -> dict[str, Any]:
        return {"actor": self.actor, "actor_kb_id": self.actor_kb_id, "type": self.type, "target": self.target,
                "target_kb_id": self.target_kb_id, "count": self.count, "max_score": round(self.max_score, 4),
                "evidence": self.evidence}


@dataclass
class Analysis:
    """The result of :func:`scomm_nlp.analyze` for one text."""

    text: str
    entities: list[Entity] = field(default_factory=list)
    stances: list[Stance] = field(default_factory=list)
    date: str | None = None
    model: str | None = None

    def positions(self) -> list[Position]:
        """One row per (actor canonical, type, target canonical): count, max score and best evidence."""
        groups: dict[tuple, list[Stance]] = {}
        for stance in self.stances:
            key = (stance.actor.canonical, stance.type, stance.target.canonical)
            groups.setdefault(key, []).append(stance)
        rows = []
        for (actor, rel_type, target), items in groups.items():
            best = max(items, key=lambda s: s.score)
            rows.append(Position(actor, best.actor.kb_id, rel_type, target, best.target.kb_id, len(items),
                                 float(best.score), best.evidence.text))
        rows.sort(key=lambda p: (-p.max_score, p.actor, p.type, p.target))
        return rows

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable dict: ``text``, ``date``, ``model``, ``entities``, ``stances``, ``positions``."""
        return {
            "text": self.text,
            "date": self.date,
            "model": self.model,
            "entities": [e.to_dict() for e in self.entities],
            "stances": [s.to_dict() for s in self.stances],
            "positions": [p.to_dict() for p in self.positions()],
        }

    def to_json(self, **kwargs) -> str:
        return json.dumps(self.to_dict(), ensure_ascii=False, **kwargs)

    def to_html(self, *, page: bool = True, title: str | None = None) -> str:
        """The text with entities highlighted and stances listed: a self-contained page, or with ``page=False``
        a ``<div>`` fragment. All text is escaped. See :mod:`scomm_nlp.viz.show`."""
        from scomm_nlp.viz.show import analysis_to_html

        return analysis_to_html(self, page=page, title=title)

    def _repr_html_(self) -> str:  # Jupyter shows an Analysis as its view
        return self.to_html(page=False)
