"""The annotation scheme: entity labels, stance relation types and their allowed arguments.

This module is the single source of truth. Every reader, writer, component and report imports
its labels from here; nothing else spells a label out.
"""

from __future__ import annotations

from dataclasses import dataclass

GOVERNOR = "GOVERNOR"
OFFICIAL = "OFFICIAL"
AGENCY = "AGENCY"
PROGRAM = "PROGRAM"
JURISDICTION = "JURISDICTION"
GROUP = "GROUP"

#: Entity labels, in display order.
ENTITY_LABELS: tuple[str, ...] = (GOVERNOR, OFFICIAL, AGENCY, PROGRAM, JURISDICTION, GROUP)

OPPOSES = "OPPOSES"
SUPPORTS = "SUPPORTS"
COMPELS = "COMPELS"

#: Stance relation types, directed actor -> target.
RELATION_TYPES: tuple[str, ...] = (OPPOSES, SUPPORTS, COMPELS)

#: Statute-section program names written as one token: 287(g), 1357(g), 212(a)(6).
SECTION_NUMBER_PATTERN = r"^\d{3,4}(?:\([a-z0-9]{1,3}\))+$"

#: Labels that may act as the actor of any stance.
ACTOR_LABELS: frozenset[str] = frozenset({GOVERNOR, OFFICIAL, AGENCY, JURISDICTION, GROUP})


@dataclass(frozen=True)
class RelationSignature:
    """Which entity labels a relation type accepts as actor (head) and target (child)."""

    type: str
    actors: frozenset[str]
    targets: frozenset[str]
    description: str

    def allows(self, actor_label: str, target_label: str) -> bool:
        return actor_label in self.actors and target_label in self.targets


RELATION_SIGNATURES: dict[str, RelationSignature] = {
    OPPOSES: RelationSignature(
        OPPOSES,
        ACTOR_LABELS,
        frozenset({PROGRAM}),
        "actor rejects, refuses, opts out of, withdraws from, suspends, terminates, limits, "
        "criticises, sues over or votes against a program",
    ),
    SUPPORTS: RelationSignature(
        SUPPORTS,
        ACTOR_LABELS,
        frozenset({PROGRAM}),
        "actor joins, signs, participates in, implements, activates, expands, endorses or defends a program",
    ),
    COMPELS: RelationSignature(
        COMPELS,
        ACTOR_LABELS,
        frozenset({JURISDICTION, AGENCY}),
        "actor forces, mandates or requires a jurisdiction or agency to take part in a program, "
        "or declares participation mandatory for it",
    ),
}

#: Display colours (displaCy and Doccano label set-up), one per label and relation type.
COLORS: dict[str, str] = {
    GOVERNOR: "#f4a261",
    OFFICIAL: "#e9c46a",
    AGENCY: "#8ecae6",
    PROGRAM: "#b5e48c",
    JURISDICTION: "#cdb4db",
    GROUP: "#ffafcc",
    OPPOSES: "#d62828",
    SUPPORTS: "#2a9d8f",
    COMPELS: "#6a4c93",
}


def is_entity_label(label: str) -> bool:
    return label in ENTITY_LABELS


def is_relation_type(rel_type: str) -> bool:
    return rel_type in RELATION_SIGNATURES


def relation_allowed(rel_type: str, actor_label: str, target_label: str) -> bool:
    """True when the scheme allows ``actor_label -[rel_type]-> target_label``."""
    sig = RELATION_SIGNATURES.get(rel_type)
    return sig is not None and sig.allows(actor_label, target_label)
