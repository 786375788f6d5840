"""``scomm-nlp train-curve``: dev F1 after training on growing shares of the training data.

Each share is a nested, seeded subset of the training documents (``readers.subset_indices``: 25% is
inside 50%, which is inside 75%, ...), trained with the same config and seed, and scored on the full
dev set with :func:`scomm_nlp.training.evaluate.evaluate` (entities; stances when the pipeline
predicts them). A curve still rising at 100% says more annotation would likely pay off.
"""

from __future__ import annotations

import json
from pathlib import Path

DEFAULT_FRACTIONS = (0.25, 0.5, 0.75, 1.0)


def parse_fractions(text: str) -> list[float]:
    """``"0.25,0.5,1"`` -> sorted distinct fractions, each in (0, 1]; a clear error otherwise."""
    try:
        values = sorted({float(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValueError(f"fractions must be numbers separated by commas, got {text!r}") from None
    if not values or any(not 0.0 < v <= 1.0 for v in values):
        raise ValueError(f"fractions must be in (0, 1], got {text!r}")
    return values


def curve_row(fraction: float, n_docs: int, report: dict) -> dict:
    """One point of the curve from an :func:`evaluate` report."""
    row = {"fraction": fraction, "train_docs": n_docs, "ents_f": report["entities"]["f"],
           "ents_macro_f": report["entities"]["macro_f"],
           "per_label_f": {label: s["f"] for label, s in report["per_label"].items()}}
    if report.get("relations"):
        row["stance_f"] = report["relations"]["f"]
        row["stance_macro_f"] = report["relations"].get("macro_f")
        row["per_type_f"] = {rel: s["f"] for rel, s in report.get("per_type", {}).items()}
    return row


def train_curve(annotations: list[Path], out: Path, *, config=None, fractions=DEFAULT_FRACTIONS, seed: int = 0,
                overrides: dict | None = None) -> list[dict]:
    """Train one model per fraction under ``out/train-NNN`` and return the curve rows (also ``curve.json``)."""
    from scomm_nlp.data.doccano import read_doccano
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.evaluate import evaluate
    from scomm_nlp.training.readers import subset_indices
    from scomm_nlp.training.train import split_inputs, train

    train_files, dev_files = split_inputs(annotations)
    n_train = len(read_doccano(train_files, strict=True).docs)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    rows = []
    for fraction in fractions:
        settings = dict(overrides or {})
        settings.update({"corpora.train.fraction": fraction, "corpora.train.seed": seed})
        best = train(annotations, out / f"train-{round(fraction * 100):03d}", config=config, seed=seed,
                     overrides=settings)
        report = evaluate(load_pipeline(best), dev_files)
        rows.append(curve_row(fraction, len(subset_indices(n_train, fraction, seed)), report))
        (out / "curve.json").write_text(json.dumps(rows, indent=2) + "\n", encoding="utf-8")
    return rows


def format_curve(rows: list[dict]) -> str:
    stance = any("stance_f" in r for r in rows)
    labels = sorted({label for r in rows for label in r["per_label_f"]})
    head = f"{'train':>6}{'docs':>6}{'ENTS F':>8}{'macro':>7}" + ("".join(f"{'STANCE':>8}") if stance else "")
    lines = [head + "  " + " ".join(f"{label[:5]:>5}" for label in labels)]
    for r in rows:
        line = f"{r['fraction']:>6.0%}{r['train_docs']:>6}{r['ents_f']:>8.3f}{r['ents_macro_f']:>7.3f}"
        if stance:
            line += f"{r.get('stance_f', 0.0):>8.3f}"
        lines.append(line + "  " + " ".join(f"{r['per_label_f'].get(label, 0.0):>5.2f}" for label in labels))
    if len(rows) > 1:
        gain = rows[-1]["ents_f"] - rows[-2]["ents_f"]
        lines.append(f"entity F1 change over the last step ({rows[-2]['fraction']:.0%} -> {rows[-1]['fraction']:.0%}): "
                     f"{gain:+.3f}" + (" (still rising: more annotation is likely to help)" if gain > 0.01 else ""))
    return "\n".join(lines)


def write_chart(rows: list[dict], path: Path) -> Path:
    """A PNG line chart of dev F1 against the number of training documents (altair + vl-convert)."""
    import altair as alt
    import pandas as pd

    records = []
    for r in rows:
        records.append({"train_docs": r["train_docs"], "score": "entities F1 (micro)", "F1": r["ents_f"]})
        records.append({"train_docs": r["train_docs"], "score": "entities F1 (macro)", "F1": r["ents_macro_f"]})
        if "stance_f" in r:
            records.append({"train_docs": r["train_docs"], "score": "stance F1 (micro)", "F1": r["stance_f"]})
    chart = alt.Chart(pd.DataFrame(records), title="Dev F1 by amount of training data").mark_line(point=True).encode(
        x=alt.X("train_docs:Q", title="training documents"),
        y=alt.Y("F1:Q", title="dev F1", scale=alt.Scale(domain=[0, 1])),
        color=alt.Color("score:N", title=None),
    ).properties(width=420, height=260)
    path = Path(path)
    chart.save(str(path), format="png", scale_factor=2)
    return path
