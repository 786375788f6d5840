"""``scomm-nlp evaluate``: score a pipeline against annotated documents (entities, and stances when predicted)."""

from __future__ import annotations

from pathlib import Path

from scomm_nlp.data.agreement import PRF, Comparison, compare
from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.data.links import find_links_file, format_linking, linking_report
from scomm_nlp.data.records import AnnotatedDoc
from scomm_nlp.data.spacy_io import from_spacy_doc
from scomm_nlp.training.stance_eval import format_stance_report, stance_report


def predict_docs(nlp, gold: list[AnnotatedDoc], batch_size: int = 32, docs_out: list | None = None) -> list[AnnotatedDoc]:
    """Run ``nlp`` over the gold texts (with their dates) and return predictions as AnnotatedDocs
    (the processed spaCy Docs are appended to ``docs_out`` when given)."""
    from scomm_nlp.extensions import register_extensions

    register_extensions()
    docs = []
    for g in gold:
        doc = nlp.make_doc(g.text)
        doc._.date = g.meta.get("date")
        docs.append(doc)
    out = []
    for g, doc in zip(gold, nlp.pipe(docs, batch_size=batch_size)):
        pred = from_spacy_doc(doc, g.id, relations_attr="stances")
        pred.meta = dict(g.meta)
        out.append(pred)
        if docs_out is not None:
            docs_out.append(doc)
    return out


def macro(per: dict[str, PRF]) -> float:
    return sum(p.f1 for p in per.values()) / len(per) if per else 0.0


def evaluate(nlp, data: list[Path], links: Path | None = None) -> dict:
    """Entity (and stance) P/R/F, micro and macro, per label and per type; kb_id accuracy when the
    gold links are found (``links``, or ``kb_links.jsonl`` next to the data; see ``data/links.py``)."""
    return evaluate_docs(nlp, read_doccano(data, strict=True).docs, links or find_links_file(data))


def evaluate_docs(nlp, gold: list[AnnotatedDoc], links: Path | None = None) -> dict:
    """Like :func:`evaluate`, on documents already read (``links``: the gold links file, if any)."""
    docs: list = []
    preds = predict_docs(nlp, gold, docs_out=docs)
    comparison: Comparison = compare(gold, preds)
    report = comparison.to_dict()
    report["entities"]["macro_f"] = round(macro(comparison.per_label), 4)
    if not any("stance" in name for name in nlp.pipe_names):
        report["relations"], report["per_type"] = None, {}  # nothing predicts stances: no stance scores
    else:
        report["relations"]["macro_f"] = round(macro(comparison.per_type), 4)
    report.pop("n_disagreements", None)
    report.pop("missing_documents", None)
    report.pop("changed_documents", None)
    report["linking"] = linking_report(nlp, gold, preds, links)
    report["stance"] = stance_report(nlp, gold, preds, docs) if report["relations"] is not None else None
    return report


def format_report(report: dict) -> str:
    lines = [f"documents: {report['documents']}", "", f"{'':<14}{'P':>8}{'R':>8}{'F':>8}{'gold':>7}"]
    for label, s in report["per_label"].items():
        lines.append(f"{label:<14}{s['p']:>8.3f}{s['r']:>8.3f}{s['f']:>8.3f}{s['tp'] + s['fn']:>7}")
    e = report["entities"]
    lines.append(f"{'ENTS micro':<14}{e['p']:>8.3f}{e['r']:>8.3f}{e['f']:>8.3f}")
    lines.append(f"{'ENTS macro':<14}{'':>16}{e['macro_f']:>8.3f}")
    if report["per_type"]:
        lines.append("")
        for rel, s in report["per_type"].items():
            lines.append(f"{rel:<14}{s['p']:>8.3f}{s['r']:>8.3f}{s['f']:>8.3f}{s['tp'] + s['fn']:>7}")
        r = report["relations"]
        lines.append(f"{'STANCE micro':<14}{r['p']:>8.3f}{r['r']:>8.3f}{r['f']:>8.3f}")
    if report.get("stance"):
        lines.append(format_stance_report(report["stance"]))
    lines += format_linking(report.get("linking"))
    return "\n".join(lines)
