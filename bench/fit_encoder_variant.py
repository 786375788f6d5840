"""Fit one pair encoder on TRAIN with chosen fine-tuning options, to compare options on dev.

    PYTHONPATH=src python bench/fit_encoder_variant.py --model training/exp_enc --linear-out /tmp/lin \
        --out /tmp/enc_lr1e4 --context 0 --seed 1 --learning-rate 1e-4
    PYTHONPATH=src python bench/tune_encoder.py --model /tmp/lin --encoder /tmp/enc_lr1e4 --each

The linear scorer of MODEL is refitted on TRAIN (saved to ``--linear-out`` when given), the candidates the
encoder trains on are chosen as ``scomm-nlp add-stance --encoder`` chooses them (seed 0), and the encoder
is saved to ``--out``. Never pass the test split.
"""

from __future__ import annotations

import argparse
import time

from _common import REPO  # also puts src/ on the path

from scomm_nlp.pipeline import load_pipeline
from scomm_nlp.training.pair_encoder import DEFAULT_LEARNING_RATE, DEFAULT_NAME_SWAPS
from scomm_nlp.training.stance import (
    fit_encoder, gold_entity_docs, plausible_candidates, read_docs, train_stance)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", required=True, help="an entity pipeline (its stance component is refitted)")
    parser.add_argument("--train", default=str(REPO / "annotations" / "train.jsonl"))
    parser.add_argument("--linear-out", default=None)
    parser.add_argument("--out", required=True)
    parser.add_argument("--context", type=int, default=0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--learning-rate", type=float, default=DEFAULT_LEARNING_RATE)
    parser.add_argument("--epochs", type=int, default=4)
    parser.add_argument("--name-swaps", type=int, default=DEFAULT_NAME_SWAPS,
                        help="renamed copies of each training example (0: none)")
    args = parser.parse_args(argv)

    nlp = load_pipeline(args.model)
    pipe = train_stance(nlp, [args.train])
    if args.linear_out:
        nlp.to_disk(args.linear_out)
    docs = gold_entity_docs(nlp, read_docs([args.train]))
    keep = plausible_candidates(pipe, docs, seed=0)
    start = time.time()
    encoder = fit_encoder(pipe, docs, seed=args.seed, keep=keep, context=args.context, epochs=args.epochs,
                          learning_rate=args.learning_rate, name_swaps=args.name_swaps, log=print)
    encoder.to_disk(args.out)
    print(f"encoder saved to {args.out} ({time.time() - start:.0f} s)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
