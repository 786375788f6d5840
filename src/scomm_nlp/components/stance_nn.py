"""``scomm_stance_nn``: a neural stance scorer trained in spaCy's loop (the alternative to ``scomm_stance``).

In the spirit of spaCy's relation-extraction design: a tok2vec layer embeds the tokens, each
candidate pair (the same candidates as ``scomm_stance``, see
:mod:`scomm_nlp.components.stance_features`) is represented by the mean vectors of its actor
mention, its target mention and the words between them plus a few flags (labels, order, distance,
resolved), and a small feed-forward network scores {none, OPPOSES, SUPPORTS, COMPELS}.

It is kept for the model comparison in ``training/STANCE_COMPARISON.md``; the shipped stance
component is ``scomm_stance``. Train it with ``training/configs/stance_nn.cfg`` (the
``scomm_nlp.GoldEntsCorpus.v1`` reader puts the gold entities on the predicted documents, so the
scorer learns and is evaluated on gold entities).
"""

from __future__ import annotations

from typing import Callable, Iterable, Iterator, List, Tuple

import numpy as np
import spacy
from spacy.language import Language
from spacy.pipeline import TrainablePipe
from spacy.tokens import Doc, Span
from spacy.training import Example
from thinc.api import Dropout, set_dropout_rate, Model, Ops, Optimizer, Relu, Softmax, chain
from thinc.types import Floats2d

from scomm_nlp import scheme
from scomm_nlp.components.stance import CLASSES, NONE
from scomm_nlp.components.stance_features import Candidate, generate_candidates, set_sentences
from scomm_nlp.extensions import register_extensions

N_FLAGS = 2 * len(scheme.ENTITY_LABELS) + 3


def _flags(c: Candidate) -> list[float]:
    out = [0.0] * N_FLAGS
    out[scheme.ENTITY_LABELS.index(c.actor.label_)] = 1.0
    out[len(scheme.ENTITY_LABELS) + scheme.ENTITY_LABELS.index(c.target.label_)] = 1.0
    out[-3] = 1.0 if c.a[0] < c.t[0] else 0.0
    out[-2] = 1.0 if c.resolved else 0.0
    gap = max(c.t[0] - c.a[1], c.a[0] - c.t[1], 0)
    out[-1] = float(np.log1p(gap)) / 4.0
    return out


def _pool_forward(model: Model, inputs: Tuple[List[Floats2d], List[List[Candidate]]], is_train: bool):
    """Mean of the actor, target and between token vectors of every candidate, plus flags."""
    tokvecs, cands = inputs
    ops: Ops = model.ops
    width = tokvecs[0].shape[1] if tokvecs else 0
    rows, spans = [], []
    for doc_i, (tv, doc_cands) in enumerate(zip(tokvecs, cands)):
        for c in doc_cands:
            lo, hi = (c.a[1], c.t[0]) if c.a[0] < c.t[0] else (c.t[1], c.a[0])
            parts = [(c.a[0], c.a[1]), (c.t[0], c.t[1]), (lo, hi)]
            vecs = [tv[s:e].mean(axis=0) if e > s else ops.alloc1f(width) for s, e in parts]
            rows.append(ops.xp.concatenate([*vecs, ops.asarray1f(_flags(c))]))
            spans.append((doc_i, parts))
    out = ops.xp.vstack(rows) if rows else ops.alloc2f(0, 3 * width + N_FLAGS)

    def backprop(d_out: Floats2d):
        d_tokvecs = [ops.alloc2f(*tv.shape) for tv in tokvecs]
        for row, (doc_i, parts) in enumerate(spans):
            for k, (s, e) in enumerate(parts):
                if e > s:
                    d_tokvecs[doc_i][s:e] += d_out[row, k * width:(k + 1) * width] / (e - s)
        return d_tokvecs, cands

    return out, backprop


@spacy.registry.architectures("scomm_nlp.StanceNN.v1")
def build_stance_nn(tok2vec: Model[List[Doc], List[Floats2d]], hidden_width: int = 64,
                    dropout: float = 0.2) -> Model:
    """tok2vec -> pooled pair vectors -> Relu -> Softmax over {none, OPPOSES, SUPPORTS, COMPELS}."""
    pooler = Model("stance_pair_pooler", _pool_forward)
    relu = Relu(hidden_width)
    output = Softmax(len(CLASSES), hidden_width)
    head = chain(relu, Dropout(dropout), output)

    def forward(model: Model, inputs: Tuple[List[Doc], List[List[Candidate]]], is_train: bool):
        docs, cands = inputs
        tokvecs, bp_tok = model.get_ref("tok2vec")(docs, is_train)
        pooled, bp_pool = pooler((tokvecs, cands), is_train)
        scores, bp_head = head(pooled, is_train)

        def backprop(d_scores):
            d_tokvecs, _ = bp_pool(bp_head(d_scores))
            bp_tok(d_tokvecs)
            return inputs

        return scores, backprop

    def init(model: Model, X=None, Y=None) -> None:
        tok2vec = model.get_ref("tok2vec")
        tok2vec.initialize(X=X[0] if X is not None else None)
        width = tok2vec.get_dim("nO")
        relu.set_dim("nI", 3 * width + N_FLAGS)
        relu.initialize()
        output.initialize()

    return Model("stance_nn", forward, init=init, layers=[tok2vec, pooler, head], refs={"tok2vec": tok2vec})


class StanceNN(TrainablePipe):
    """Trainable pipe scoring candidate pairs with :func:`build_stance_nn`; writes ``doc._.stances``."""

    def __init__(self, vocab, model: Model, name: str = "scomm_stance_nn", *, threshold: float = 0.4,
                 window: int = 3, max_rank: int = 3):
        register_extensions()
        self.vocab = vocab
        self.model = model
        self.name = name
        self.cfg = {"threshold": threshold, "window": window, "max_rank": max_rank}

    def _candidates(self, doc: Doc) -> list[Candidate]:
        return generate_candidates(doc, window=self.cfg["window"], max_rank=self.cfg["max_rank"])

    def predict(self, docs: Iterable[Doc]):
        docs = list(docs)
        cands = [self._candidates(d) for d in docs]
        if not any(cands):
            return cands, self.model.ops.alloc2f(0, len(CLASSES))
        scores = self.model.predict((docs, cands))
        return cands, self.model.ops.to_numpy(scores)

    def set_annotations(self, docs: Iterable[Doc], preds) -> None:
        cands, scores = preds
        row = 0
        for doc, doc_cands in zip(docs, cands):
            set_sentences(doc)
            records = []
            for c in doc_cands:
                p = scores[row].copy()
                row += 1
                for j, cls in enumerate(CLASSES):
                    if cls != NONE and not scheme.relation_allowed(cls, c.actor.label_, c.target.label_):
                        p[j] = 0.0
                p /= p.sum() or 1.0
                j = max(range(1, len(CLASSES)), key=lambda k: p[k])
                if p[j] >= self.cfg["threshold"]:
                    records.append({"head": [c.actor.start, c.actor.end], "child": [c.target.start, c.target.end],
                                    "type": CLASSES[j], "score": round(float(p[j]), 4),
                                    "resolved": bool(c.resolved), "sent": [c.unit.start, c.unit.end]})
            doc._.stances = records

    def _examples_with_ents(self, examples: Iterable[Example]) -> tuple[list[Doc], list[list[Candidate]], list[int]]:
        docs, cands, labels = [], [], []
        for eg in examples:
            doc = eg.predicted
            if not doc.ents and eg.reference.ents:
                doc.ents = [Span(doc, e.start, e.end, label=e.label_) for e in eg.reference.ents]
            gold = {(tuple(r["head"]), tuple(r["child"])): r["type"] for r in eg.reference._.relations or []}
            doc_cands = self._candidates(doc)
            docs.append(doc)
            cands.append(doc_cands)
            labels.extend(CLASSES.index(gold.get(c.key, NONE)) for c in doc_cands)
        return docs, cands, labels

    def update(self, examples: Iterable[Example], *, drop: float = 0.0, sgd: Optimizer | None = None,
               losses: dict | None = None) -> dict:
        losses = {} if losses is None else losses
        losses.setdefault(self.name, 0.0)
        docs, cands, labels = self._examples_with_ents(examples)
        if not labels:
            return losses
        set_dropout_rate(self.model, drop)
        scores, backprop = self.model.begin_update((docs, cands))
        truth = self.model.ops.alloc2f(len(labels), len(CLASSES))
        truth[np.arange(len(labels)), np.array(labels)] = 1.0
        d_scores = (scores - truth) / len(labels)
        backprop(d_scores)
        if sgd is not None:
            self.finish_update(sgd)
        losses[self.name] += float(((scores - truth) ** 2).sum())
        return losses

    def get_loss(self, examples, scores):
        raise NotImplementedError("scomm_stance_nn computes its loss in update()")

    def initialize(self, get_examples: Callable[[], Iterable[Example]], *, nlp: Language | None = None) -> None:
        sample = list(get_examples())[:10]
        docs, cands, _labels = self._examples_with_ents(sample)
        self.model.initialize(X=(docs, cands))

    def score(self, examples: Iterable[Example], **kwargs) -> dict:
        """Micro P/R/F of exact (actor span, type, target span) against the reference relations."""
        tp = fp = fn = 0
        for eg in examples:
            gold = {(tuple(r["head"]), r["type"], tuple(r["child"])) for r in eg.reference._.relations or []}
            pred = {(tuple(r["head"]), r["type"], tuple(r["child"])) for r in eg.predicted._.stances or []}
            tp += len(gold & pred)
            fp += len(pred - gold)
            fn += len(gold - pred)
        p = tp / (tp + fp) if tp + fp else 0.0
        r = tp / (tp + fn) if tp + fn else 0.0
        return {"stance_p": p, "stance_r": r, "stance_f": 2 * p * r / (p + r) if p + r else 0.0}


@Language.factory("scomm_stance_nn", default_config={"threshold": 0.4, "window": 3, "max_rank": 3},
                  assigns=["doc._.stances"], requires=["doc.ents"],
                  default_score_weights={"stance_f": 1.0, "stance_p": 0.0, "stance_r": 0.0})
def make_stance_nn(nlp: Language, name: str, model: Model, threshold: float, window: int,
                   max_rank: int) -> StanceNN:
    return StanceNN(nlp.vocab, model, name, threshold=threshold, window=window, max_rank=max_rank)


@spacy.registry.readers("scomm_nlp.GoldEntsCorpus.v1")
def create_gold_ents_corpus(path: str) -> Callable[[Language], Iterator[Example]]:
    """Doccano exports as Examples whose predicted documents already carry the gold entities."""
    from scomm_nlp.training.readers import load_examples

    paths = [p.strip() for p in str(path).split(",") if p.strip()]

    def reader(nlp: Language) -> Iterator[Example]:
        for eg in load_examples(paths, nlp):
            eg.predicted.ents = [Span(eg.predicted, e.start, e.end, label=e.label_) for e in eg.reference.ents]
            yield eg

    return reader
