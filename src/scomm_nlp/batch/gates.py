"""The relevance-gate hook of a batch run.

A gate is any object with ``predict_proba(texts) -> list[float]`` (one relevance score per text)
and a ``threshold``: a document scoring below the threshold is *skipped* (status ``skipped``, no
mentions or stances) without running the pipeline. ``gate="default"`` loads the shipped gate
(``scomm_nlp.components.relevance.load_default_gate``) once per process; ``gate=None`` tags every
document.
"""

from __future__ import annotations

import functools
from typing import Any

from scomm_nlp.batch.records import BatchUsageError

DEFAULT = "default"


@functools.lru_cache(maxsize=1)
def _default_gate():
    try:
        from scomm_nlp.components.relevance import load_default_gate
    except ImportError as exc:
        raise BatchUsageError(
            "the default relevance gate (scomm_nlp.components.relevance) is not available in this "
            f"installation ({exc}); run without it (--no-gate, or gate=None) or pass a gate object") from None
    return load_default_gate()


def resolve_gate(gate: Any):
    """``"default"`` -> the shipped gate (cached per process); None -> None; a gate object -> itself."""
    if gate is None:
        return None
    if isinstance(gate, str):
        if gate != DEFAULT:
            raise BatchUsageError(f"unknown gate {gate!r}: use 'default', None or an object with "
                                  "predict_proba(texts) and threshold")
        gate = _default_gate()
    if not callable(getattr(gate, "predict_proba", None)) or not hasattr(gate, "threshold"):
        raise BatchUsageError(f"a gate needs predict_proba(texts) and threshold; {type(gate).__name__} has not both")
    return gate


def gate_identity(gate: Any) -> dict | None:
    """What the run fingerprint records about a gate: its class, threshold and version if it has one."""
    if gate is None:
        return None
    return {"class": f"{type(gate).__module__}.{type(gate).__qualname__}", "threshold": float(gate.threshold),
            "version": str(getattr(gate, "version", "")) or None}


def score_texts(gate, texts: list[str]) -> list[float]:
    """Relevance scores for ``texts``, checked: one float per text."""
    if not texts:
        return []
    scores = [float(s) for s in gate.predict_proba(texts)]
    if len(scores) != len(texts):
        raise ValueError(f"the relevance gate returned {len(scores)} scores for {len(texts)} texts")
    return scores
