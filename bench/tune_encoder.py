"""Grid of the encoder mix settings on a DEV split, gold entities: how much the pair encoder adds.

    PYTHONPATH=src python bench/tune_encoder.py --model training/exp_enc --data annotations/dev.jsonl

MODEL must have ``scomm_stance`` with a pair encoder fitted on train only (``scomm-nlp add-stance MODEL
annotations/ --encoder``). For every candidate the linear and the encoder probabilities are computed once;
each (encoder_weight, threshold) cell then mixes them as the component does (the encoder only for
candidates the linear scorer gives at least ``encoder_min``) and prints exact-match micro F and F per
type. Weight 0 is the linear scorer alone, 1 the encoder alone. Never run it on the test split.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
try:
    import scomm_nlp  # noqa: F401
except ImportError:  # run from a checkout without installing
    sys.path.insert(0, str(REPO / "src"))

import numpy as np  # noqa: E402

from scomm_nlp.components.stance import NONE  # noqa: E402
from scomm_nlp.components.stance_features import set_sentences  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default=str(REPO / "annotations" / "dev.jsonl"))
    parser.add_argument("--weights", default="0,0.2,0.3,0.4,0.5,0.6,0.7,1")
    parser.add_argument("--thresholds", default="0.35,0.4,0.45,0.5")
    parser.add_argument("--encoder-min", default=None, help="comma-separated encoder_min values (default: "
                        "the component's); each also prints the share of candidates the encoder would read")
    args = parser.parse_args(argv)
    if "test" in Path(args.data).name:
        parser.error("tune on dev, never on the test split")

    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import gold_entity_docs, read_docs

    nlp = load_pipeline(args.model)
    pipe = nlp.get_pipe("scomm_stance")
    if pipe.encoder is None:
        parser.error(f"{args.model}: scomm_stance has no pair encoder (add-stance --encoder)")
    classes = pipe.weights.classes
    pipe.cfg["encoder_weight"] = 0.0  # linear probabilities from score(), the encoder's computed here
    rows = []
    for doc in gold_entity_docs(nlp, read_docs([args.data])):
        set_sentences(doc)
        gold = {(tuple(r["head"]), tuple(r["child"])): r["type"] for r in doc._.relations or []}
        cands, linear = pipe.score(doc)
        enc = pipe._allowed(cands, pipe._in_class_order(pipe.encoder.probabilities(cands))) if cands else linear
        rows.append((gold, cands, linear, enc))
    plausible: list = []

    def scores(weight: float, threshold: float) -> tuple[float, dict[str, float]]:
        counts = {cls: [0, 0, 0] for cls in classes if cls != NONE}  # tp, fp, fn
        for (gold, cands, linear, enc), mask in zip(rows, plausible):
            pred = {}
            if cands:
                probs = linear.copy()
                probs[mask] = weight * enc[mask] + (1.0 - weight) * linear[mask]
                pred = {(tuple(r["head"]), tuple(r["child"])): r["type"]
                        for r in pipe.decide(cands, probs, threshold=threshold)}
            for key, typ in pred.items():
                counts[typ][0 if gold.get(key) == typ else 1] += 1
            for key, typ in gold.items():
                if pred.get(key) != typ:
                    counts[typ][2] += 1
        tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
        per = {t: 2 * a / max(1, 2 * a + b + c) for t, (a, b, c) in counts.items()}
        return 2 * tp / max(1, 2 * tp + fp + fn), per

    n_gold = sum(len(g) for g, *_ in rows)
    minima = ([float(m) for m in args.encoder_min.split(",")] if args.encoder_min else [pipe.cfg["encoder_min"]])
    print(f"{args.data}: {len(rows)} documents, {n_gold} gold stances")
    for minimum in minima:
        plausible[:] = [pipe.stance_probability(lin) >= minimum if len(lin) else None for _g, _c, lin, _e in rows]
        read = sum(int(m.sum()) for m in plausible if m is not None)
        total = sum(len(c) for _g, c, _l, _e in rows)
        print(f"encoder_min {minimum}: the encoder reads {read} of {total} candidates ({read / max(1, total):.1%})")
        print(f"{'weight':>6} {'thresh':>6} {'micro':>6}  " + "  ".join(f"{t:>8}" for t in classes if t != NONE))
        for weight in (float(w) for w in args.weights.split(",")):
            for threshold in (float(t) for t in args.thresholds.split(",")):
                micro, per = scores(weight, threshold)
                print(f"{weight:6.2f} {threshold:6.2f} {micro:6.3f}  " + "  ".join(f"{per[t]:8.3f}" for t in per))
    return 0


if __name__ == "__main__":
    sys.exit(main())
