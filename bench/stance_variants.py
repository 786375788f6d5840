"""Decision variants of the stance scorer tried on a DEV split (gold entities); none ships, the figures are in
training/STANCE_COMPARISON.md section (d).

    PYTHONPATH=src python bench/stance_variants.py --model training/exp_enc curve
    PYTHONPATH=src python bench/stance_variants.py --model training/exp_enc consistency
    PYTHONPATH=src python bench/stance_variants.py --model training/exp_enc doc-aggregate
    PYTHONPATH=src python bench/stance_variants.py --model training/exp_enc stack

MODEL: a pipeline whose ``scomm_stance`` (with its pair encoders) was fitted on train only.

* ``curve``: the linear scorer refitted on 25 / 50 / 75 / 100 % of the train documents (two random
  subsets for the partial shares), scored on dev: does more annotation still help the linear scorer?
* ``consistency``: one stance type per (actor canonical, target canonical) pair of a document. When a
  document's mentions give both OPPOSES and SUPPORTS for a pair, keep the type with the highest (``max``)
  or summed (``sum``) score and drop the other mentions, or relabel them (``*_relabel``).
* ``doc-aggregate``: document triples decided from every candidate's probabilities, by the highest
  (``max``) or the noisy-or of the mention probabilities of a canonical triple, against the triples of
  the component's own mention-level decisions.
* ``stack``: a logistic regression over the log probabilities of the linear scorer and of each encoder
  (every candidate encoded) and three flags (resolved, person actor, program target), fitted and scored
  by 5-fold cross-validation over the dev documents, against the fixed mix.
"""

from __future__ import annotations

import argparse
import random
import sys
from collections import defaultdict
from pathlib import Path

import numpy as np  # noqa: E402

from _common import REPO  # noqa: E402  (also puts src/ on the path)

from scomm_nlp.components.stance import NONE  # noqa: E402
from scomm_nlp.components.stance_features import set_sentences  # noqa: E402
from scomm_nlp.data.agreement import relation_set  # noqa: E402
from scomm_nlp.training.stance_eval import canonical_triples, prf_table, records_to_adoc, \
    span_canonicals  # noqa: E402


def _f(table: dict) -> str:
    per = " ".join(f"{t[:4]} {s['f']:.3f}" for t, s in table["per_type"].items())
    return f"micro F {table['micro']['f']:.3f} (P {table['micro']['p']:.3f} R {table['micro']['r']:.3f}; {per})"


def curve(nlp, pipe, train, tdocs, dev, ddocs) -> None:
    from scomm_nlp.components.stance import StanceComponent
    from scomm_nlp.training.stance import fit_stance

    gold = [relation_set(g) for g in dev]
    for share in (0.25, 0.5, 0.75, 1.0):
        for seed in ((0, 1) if share < 1 else (0,)):
            order = list(range(len(tdocs)))
            random.Random(seed).shuffle(order)
            part = [tdocs[i] for i in order[: int(share * len(order))]]
            linear = StanceComponent(nlp, "curve", **pipe.cfg)
            fit_stance(linear, part)
            pred = [relation_set(records_to_adoc(d, linear(d)._.stances, g.id)) for g, d in zip(dev, ddocs)]
            print(f"{share:>5.0%} of train ({len(part)} documents, subset {seed}): {_f(prf_table(gold, pred))}")


def _one_type_per_pair(doc, records: list[dict], mode: str) -> list[dict]:
    canon = {(e.start, e.end): e._.canonical or e.text for e in doc.ents}
    groups: dict[tuple, list[dict]] = defaultdict(list)
    for r in records:
        if r["type"] != "COMPELS":
            groups[(canon[tuple(r["head"])], canon[tuple(r["child"])])].append(r)
    drop = set()
    for rs in groups.values():
        types = {r["type"] for r in rs}
        if len(types) < 2:
            continue
        agg = sum if mode.startswith("sum") else max
        score = {t: agg(r["score"] for r in rs if r["type"] == t) for t in types}
        winner = max(score, key=score.get)
        for r in rs:
            if r["type"] != winner:
                if mode.endswith("relabel"):
                    r["type"] = winner
                else:
                    drop.add(id(r))
    return [r for r in records if id(r) not in drop]


def consistency(nlp, pipe, dev, ddocs) -> None:
    gold = [relation_set(g) for g in dev]
    gold_triples = [canonical_triples(g, span_canonicals(d)) for g, d in zip(dev, ddocs)]
    scored = []
    for d in ddocs:
        set_sentences(d)
        scored.append(pipe.score(d))
    for mode in ("none", "max", "sum", "max_relabel", "sum_relabel"):
        preds, triples = [], []
        for g, d, (cands, probs) in zip(dev, ddocs, scored):
            records = pipe.decide(cands, probs)
            if mode != "none":
                records = _one_type_per_pair(d, records, mode)
            adoc = records_to_adoc(d, records, g.id)
            preds.append(relation_set(adoc))
            triples.append(canonical_triples(adoc, span_canonicals(d)))
        print(f"{mode:<12} mentions {_f(prf_table(gold, preds))}")
        print(f"{'':<12} doc triples {_f(prf_table(gold_triples, triples))}")


def doc_aggregate(nlp, pipe, dev, ddocs) -> None:
    classes = pipe.weights.classes
    gold, own, pooled = [], [], []
    for g, d in zip(dev, ddocs):
        set_sentences(d)
        cands, probs = pipe.score(d)
        canon = {(e.start, e.end): e._.canonical or e.text for e in d.ents}
        gold.append(canonical_triples(g, span_canonicals(d)))
        own.append(canonical_triples(records_to_adoc(d, pipe.decide(cands, probs), g.id), span_canonicals(d)))
        mentions: dict[tuple, list[float]] = defaultdict(list)
        for c, p in zip(cands, probs):
            for k, cls in enumerate(classes):
                if cls != NONE:
                    mentions[(canon[(c.actor.start, c.actor.end)], cls, canon[(c.target.start, c.target.end)])].append(p[k])
        pooled.append(mentions)
    print(f"mention-level decisions: doc triples {_f(prf_table(gold, own))}")
    for mode in ("max", "noisy-or"):
        for threshold in (0.4, 0.45, 0.5, 0.55, 0.6, 0.7):
            pred = [{t for t, ps in m.items()
                     if (max(ps) if mode == "max" else 1 - np.prod([1 - p for p in ps])) >= threshold}
                    for m in pooled]
            print(f"{mode:<9} >= {threshold:.2f}: doc triples {_f(prf_table(gold, pred))}")


def stack(nlp, pipe, dev, ddocs) -> None:
    from sklearn.linear_model import LogisticRegression

    classes = list(pipe.weights.classes)
    rows = []
    for g, d in zip(dev, ddocs):
        set_sentences(d)
        cands, linear = pipe.linear_score(d)
        encoded = pipe.encoder_probabilities(cands) if cands else []
        gold_types = {(tuple(r["head"]), tuple(r["child"])): r["type"] for r in d._.relations or []}
        flags = np.array([[c.resolved, c.actor.label_ in ("GOVERNOR", "OFFICIAL"), c.target.label_ == "PROGRAM"]
                          for c in cands], dtype=np.float32).reshape(len(cands), 3)
        X = np.hstack([np.log(linear + 1e-4)] + [np.log(e + 1e-4) for e in encoded] + [flags])
        y = np.array([classes.index(gold_types.get(c.key, NONE)) for c in cands], dtype=int)
        rows.append((g, d, cands, linear, encoded, X, y))
    gold = [relation_set(g) for g, *_ in rows]

    def score(probs_of, threshold):
        pred = [relation_set(records_to_adoc(d, pipe.decide(cands, probs_of(i), threshold=threshold), g.id))
                for i, (g, d, cands, *_rest) in enumerate(rows)]
        return prf_table(gold, pred)

    def mixed(i):
        _g, _d, cands, linear, encoded, _X, _y = rows[i]
        return pipe.mix(linear, np.arange(len(cands)), encoded) if len(cands) else linear

    print(f"fixed mix (w {pipe.cfg['encoder_weight']}, every candidate encoded), threshold 0.5: "
          f"{_f(score(mixed, 0.5))}")
    for C in (0.1, 1.0):
        out: list = [None] * len(rows)
        for k in range(5):
            fit = [i for i in range(len(rows)) if i % 5 != k and len(rows[i][2])]
            model = LogisticRegression(C=C, max_iter=2000).fit(np.vstack([rows[i][5] for i in fit]),
                                                               np.concatenate([rows[i][6] for i in fit]))
            for i in range(k, len(rows), 5):
                cands, linear, X = rows[i][2], rows[i][3], rows[i][5]
                if len(cands):
                    out[i] = pipe.drop_forbidden_types(cands, model.predict_proba(X).astype(np.float32))
                else:
                    out[i] = linear
        for threshold in (0.4, 0.45, 0.5, 0.55):
            print(f"stacker C {C}, threshold {threshold}: {_f(score(lambda i: out[i], threshold))}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--train", default=str(REPO / "annotations" / "train.jsonl"))
    parser.add_argument("--data", default=str(REPO / "annotations" / "dev.jsonl"))
    parser.add_argument("variant", choices=("curve", "consistency", "doc-aggregate", "stack"))
    args = parser.parse_args(argv)
    if "test" in Path(args.data).name:
        parser.error("decide on dev, never on the test split")

    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import gold_entity_docs, read_docs
    from scomm_nlp.data.links import linker_for

    nlp = load_pipeline(args.model)
    pipe = nlp.get_pipe("scomm_stance")
    dev = read_docs([args.data])
    ddocs = gold_entity_docs(nlp, dev, linker=linker_for(nlp))
    if args.variant == "curve":
        train = read_docs([args.train])
        curve(nlp, pipe, train, gold_entity_docs(nlp, train), dev, ddocs)
    elif args.variant == "consistency":
        consistency(nlp, pipe, dev, ddocs)
    elif args.variant == "doc-aggregate":
        doc_aggregate(nlp, pipe, dev, ddocs)
    else:
        if not pipe.encoders:
            parser.error(f"{args.model}: scomm_stance has no pair encoder")
        stack(nlp, pipe, dev, ddocs)
    return 0


if __name__ == "__main__":
    sys.exit(main())
