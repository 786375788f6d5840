"""Grid of the encoder mix settings on a DEV split, gold entities: how much the pair encoders add.

    PYTHONPATH=src python bench/tune_encoder.py --model training/exp_enc --data annotations/dev.jsonl

MODEL must have ``scomm_stance`` with pair encoders fitted on train only (``scomm-nlp add-stance MODEL
annotations/ --encoder``); ``--encoder DIR`` adds an encoder folder trained elsewhere (to try a mix before
training it into a model). Every encoder's probabilities are computed once for every candidate (the same
scores the pipeline gets for an encoder that runs one pair per pass, ``"batch_size": 1``); each cell
then mixes them with the component's own ``combine`` (the first encoder for candidates the linear scorer
gives at least ``encoder_min``, the others for those the first mix leaves inside ``ensemble_band``), decides
as the component does (``StanceComponent.stances``: its sponsor-line rule included, when on) and prints
exact-match micro F and F per type (``--list-thresholds`` also varies the bar for spreading a stance over a
coordinated list). Weight 0 is the linear scorer alone. ``--each`` also prints
the grid of every encoder alone. Never run it on the test split.
"""

from __future__ import annotations

import argparse
import itertools
import sys
from pathlib import Path

from _common import REPO  # also puts src/ on the path

from scomm_nlp.components.stance import NONE
from scomm_nlp.components.stance_features import set_sentences


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True)
    parser.add_argument("--data", default=str(REPO / "annotations" / "dev.jsonl"))
    parser.add_argument("--weights", default="0,0.2,0.3,0.4,0.5,0.6,0.7,1")
    parser.add_argument("--thresholds", default="0.35,0.4,0.45,0.5")
    parser.add_argument("--encoder-min", default=None, help="comma-separated encoder_min values (default: "
                        "the component's); each also prints the share of candidates the encoders would read")
    parser.add_argument("--encoder", action="append", default=[], help="an extra encoder folder (repeatable)")
    parser.add_argument("--each", action="store_true", help="also the grid of each encoder alone")
    parser.add_argument("--ensemble-weights", default=None, help="comma-separated ensemble_weight values "
                        "(default: the component's)")
    parser.add_argument("--list-thresholds", default=None, help="comma-separated list_threshold values (default: "
                        "the component's; none: no spreading): the bar for spreading a stance over a coordinated list")
    parser.add_argument("--bands", default=None, help="comma-separated LOW-HIGH ensemble bands (default: the "
                        "component's), e.g. 0.35-0.65,0.2-0.8")
    args = parser.parse_args(argv)
    if "test" in Path(args.data).name:
        parser.error("tune on dev, never on the test split")

    from scomm_nlp.components.pair_encoder import PairEncoder
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import gold_entity_docs, read_docs

    nlp = load_pipeline(args.model)
    pipe = nlp.get_pipe("scomm_stance")
    pipe.encoders = pipe.encoders + [PairEncoder.from_disk(folder) for folder in args.encoder]
    if not pipe.encoders:
        parser.error(f"{args.model}: scomm_stance has no pair encoder (add-stance --encoder)")
    classes = pipe.weights.classes
    encoders = pipe.encoders
    rows = []
    for doc in gold_entity_docs(nlp, read_docs([args.data])):
        set_sentences(doc)
        gold = {(tuple(r["head"]), tuple(r["child"])): r["type"] for r in doc._.relations or []}
        cands, linear = pipe.linear_score(doc)  # the encoders' probabilities computed here for every candidate
        rows.append((gold, cands, linear, pipe.encoder_probabilities(cands) if cands else [], doc))
    plausible: list = []

    def scores(weight: float, threshold: float, minimum: float, which: list[int], weight_all: float,
               band: list[float]) -> tuple[float, dict[str, float], int]:
        counts = {cls: [0, 0, 0] for cls in classes if cls != NONE}  # tp, fp, fn
        read_more = 0
        pipe.encoders = [encoders[k] for k in which]
        try:
            for gold, cands, linear, encoded, doc in rows:
                probs = linear
                if cands:
                    def encode(j, at, encoded=encoded):
                        nonlocal read_more
                        read_more += len(at) if j else 0
                        return encoded[which[j]][at]

                    probs = pipe.combine(linear, encode, encoder_min=minimum, weight=weight,
                                         ensemble_weight=weight_all, band=band)
                pred = {(tuple(r["head"]), tuple(r["child"])): r["type"]
                        for r in pipe.stances(doc, cands, probs, threshold=threshold)}
                for key, typ in pred.items():
                    counts[typ][0 if gold.get(key) == typ else 1] += 1
                for key, typ in gold.items():
                    if pred.get(key) != typ:
                        counts[typ][2] += 1
        finally:
            pipe.encoders = encoders
        tp, fp, fn = (sum(c[i] for c in counts.values()) for i in range(3))
        per = {t: 2 * a / max(1, 2 * a + b + c) for t, (a, b, c) in counts.items()}
        return 2 * tp / max(1, 2 * tp + fp + fn), per, read_more

    n_gold = sum(len(g) for g, *_ in rows)
    minima = ([float(m) for m in args.encoder_min.split(",")] if args.encoder_min else [pipe.cfg["encoder_min"]])
    weights_all = ([float(w) for w in args.ensemble_weights.split(",")] if args.ensemble_weights
                   else [pipe.cfg["ensemble_weight"]])
    bands = ([[float(x) for x in b.split("-")] for b in args.bands.split(",")] if args.bands
             else [pipe.cfg["ensemble_band"]])
    list_bars = ([None if x == "none" else float(x) for x in args.list_thresholds.split(",")] if args.list_thresholds
                 else [pipe.cfg.get("list_threshold")])
    mixes = [("all encoders", list(range(len(encoders))))]
    if args.each and len(encoders) > 1:
        mixes += [(f"encoder {k + 1} alone (context {e.cfg.get('context')})", [k]) for k, e in enumerate(encoders)]
    print(f"{args.data}: {len(rows)} documents, {n_gold} gold stances, {len(encoders)} encoder(s)")
    for minimum in minima:
        read = sum(len(pipe.encoder_rows(lin, minimum)) for _g, c, lin, _e, _d in rows if c)
        total = sum(len(c) for _g, c, _l, _e, _d in rows)
        print(f"encoder_min {minimum}: the first encoder reads {read} of {total} candidates "
              f"({read / max(1, total):.1%})")
        for title, which in mixes:
            settings = [(w_all, band) for w_all in weights_all for band in bands] if len(which) > 1 else [(0, [0, 0])]
            for (w_all, band), bar in itertools.product(settings, list_bars):
                pipe.cfg["list_threshold"] = bar  # read by decide()
                head = f"{title}" + (f", ensemble_weight {w_all}, band {band[0]}-{band[1]}" if len(which) > 1 else "")
                head += f", list_threshold {bar}" if args.list_thresholds else ""
                print(f"{head}\n{'weight':>6} {'thresh':>6} {'micro':>6}  "
                      + "  ".join(f"{t:>8}" for t in classes if t != NONE) + "  more read")
                for weight in (float(w) for w in args.weights.split(",")):
                    for threshold in (float(t) for t in args.thresholds.split(",")):
                        micro, per, more = scores(weight, threshold, minimum, which, w_all, band)
                        print(f"{weight:6.2f} {threshold:6.2f} {micro:6.3f}  "
                              + "  ".join(f"{per[t]:8.3f}" for t in per) + f"  {more:9d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
