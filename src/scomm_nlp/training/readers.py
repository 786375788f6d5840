"""``scomm_nlp.DoccanoCorpus.v1``: a spaCy corpus reader over Doccano exports.

Training configs read the annotations directly (no DocBin step), through the same validating
reader as ``scomm-nlp validate``: a file with errors stops training with every error listed.
"""

from __future__ import annotations

import random
from pathlib import Path
from typing import Callable, Iterator

import spacy
from spacy.language import Language
from spacy.training import Example

from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.spacy_io import to_spacy_doc


def subset_indices(n: int, fraction: float, seed: int = 0) -> list[int]:
    """Indices (in file order) of a seeded share of ``n`` documents; nested: with the same seed, a smaller
    fraction keeps a subset of what a larger one keeps (one shuffle, then a prefix of it)."""
    if not 0.0 < fraction <= 1.0:
        raise ValueError(f"fraction must be in (0, 1], got {fraction}")
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return sorted(order[:max(1, round(n * fraction))]) if n else []


def load_examples(paths, nlp: Language, *, fraction: float = 1.0, seed: int = 0) -> list[Example]:
    """Examples (gold entities and relations) from Doccano exports; ``fraction`` keeps a seeded share."""
    docs = read_doccano([Path(p) for p in paths], strict=True).docs
    if fraction < 1.0:
        docs = [docs[i] for i in subset_indices(len(docs), fraction, seed)]
    examples = []
    for adoc in docs:
        gold = to_spacy_doc(adoc, nlp)
        examples.append(Example(nlp.make_doc(adoc.text), gold))
    return examples


@spacy.registry.readers("scomm_nlp.DoccanoCorpus.v1")
def create_doccano_corpus(path: str, fraction: float = 1.0, seed: int = 0) -> Callable[[Language], Iterator[Example]]:
    """Config entry: ``@readers = "scomm_nlp.DoccanoCorpus.v1"`` with ``path`` one file or a comma-separated list."""
    paths = [p.strip() for p in str(path).split(",") if p.strip()]

    def reader(nlp: Language) -> Iterator[Example]:
        yield from load_examples(paths, nlp, fraction=fraction, seed=seed)

    return reader
