"""How long `scomm-nlp report` takes on a synthetic tagged archive, against reading its tables.

    PYTHONPATH=src python bench/viz_report.py [--stances 200000] [--docs 50000]

Writes an archive in the batch tables' schema (random actors drawn from the knowledge base: states, counties,
cities, governors, agencies; random programs, types and dates 2008-2020), then times (1) reading the four tables
with pandas (the baseline: the I/O any report needs) and (2) building the whole report, and prints both, their
ratio and the page size. The Vega bundle is built (or read from its cache) before timing.
"""

from __future__ import annotations

import argparse
import random
import tempfile
import time
from pathlib import Path


def make_archive(root: Path, n_docs: int, n_stances: int, seed: int = 0) -> None:
    import pandas as pd

    from scomm_nlp.kb import load_kb

    rng = random.Random(seed)
    kb = load_kb()
    pools = {
        "JURISDICTION": [e for e in kb.by_label("JURISDICTION") if e.id.startswith(("state:", "county:", "city:"))],
        "GOVERNOR": kb.by_label("GOVERNOR"),
        "AGENCY": kb.by_label("AGENCY"),
    }
    programs = kb.by_label("PROGRAM")
    docs = [{"doc_id": f"doc-{i}", "position": i, "source": "bench.jsonl",
             "date": f"{rng.randint(2008, 2020)}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}",
             "title": f"Article {i}", "url": f"https://news.example/{i}", "relevant": True, "relevance_score": 0.9,
             "n_entities": 5, "n_stances": 0, "status": "ok"} for i in range(n_docs)]
    stances = []
    for _ in range(n_stances):
        doc = docs[rng.randrange(n_docs)]
        label = rng.choice(["JURISDICTION", "JURISDICTION", "GOVERNOR", "AGENCY"])
        actor, target = rng.choice(pools[label]), rng.choice(programs)
        evidence = f"{actor.name} said it would act on {target.name} after a long debate in the chamber."
        stances.append({"doc_id": doc["doc_id"], "date": doc["date"], "actor_text": actor.name, "actor_label": label,
                        "actor_canonical": actor.name, "actor_kb_id": actor.id,
                        "type": rng.choice(["OPPOSES", "SUPPORTS"]), "target_text": target.name,
                        "target_label": "PROGRAM", "target_canonical": target.name, "target_kb_id": target.id,
                        "score": rng.random(), "resolved": False, "evidence": evidence, "evidence_start": 0,
                        "evidence_end": len(evidence)})
    mentions = [{"doc_id": s["doc_id"], "start": 0, "end": len(s["actor_text"]), "text": s["actor_text"],
                 "label": s["actor_label"], "canonical": s["actor_canonical"], "kb_id": s["actor_kb_id"]}
                for s in stances]
    errors = [{"doc_id": None, "position": 0, "source": "bench.jsonl", "reason": "bench"}]
    for name, rows in [("documents", docs), ("mentions", mentions), ("stances", stances), ("errors", errors)]:
        (root / name).mkdir(parents=True)
        pd.DataFrame(rows).to_parquet(root / name / "part-00000.parquet", index=False)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stances", type=int, default=200_000)
    parser.add_argument("--docs", type=int, default=50_000)
    args = parser.parse_args()

    from scomm_nlp.viz.archive import load_results
    from scomm_nlp.viz.report import build_report
    from scomm_nlp.viz.vega import javascript_bundle

    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "results"
        make_archive(root, args.docs, args.stances)
        javascript_bundle()
        start = time.perf_counter()
        load_results(root)
        read_s = time.perf_counter() - start
        start = time.perf_counter()
        html = build_report(root)
        report_s = time.perf_counter() - start
    print(f"archive: {args.docs:,} documents, {args.stances:,} stances")
    print(f"read tables (baseline): {read_s:.2f} s")
    print(f"build report:           {report_s:.2f} s  ({report_s / read_s:.1f}x the read)")
    print(f"page size:              {len(html.encode('utf-8')) / 1e6:.1f} MB (evidence table capped at 50,000 rows)")


if __name__ == "__main__":
    main()
