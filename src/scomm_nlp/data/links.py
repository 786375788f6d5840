"""Gold knowledge-base links for the corpus, and kb_id accuracy of a pipeline against them.

The links file (``annotations/kb_links.jsonl``, reviewed as described in ``annotations/LINKS.md``)
holds one JSON object a line for every gold entity span of the corpus::

    {"doc_id": 1001, "start": 37, "end": 55, "text": "Los Angeles County", "label": "JURISDICTION",
     "kb_id": "county:06037", "note": "..."}

``kb_id`` is a knowledge-base id, or ``null`` when the entity is not in the knowledge base or the
mention is too vague to identify; ``note`` is optional. The spans themselves belong to the corpus:
this file only adds ids to them, and :func:`check_links` makes sure the two agree.

Run ``python -m scomm_nlp.data.links [LINKS] DATA...`` to validate a links file against exports.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable

from scomm_nlp import scheme
from scomm_nlp.data.jsonl import parse_json_object
from scomm_nlp.data.records import AnnotatedDoc, Issue

LINKS_FILENAME = "kb_links.jsonl"
FIELDS = ("doc_id", "start", "end", "text", "label", "kb_id")

#: Gold ids of one document: (start, end, label) -> kb id or None.
DocLinks = dict[tuple[int, int, str], "str | None"]


@dataclass(frozen=True)
class Link:
    """One line of the links file: the id of one gold entity span."""

    doc_id: object
    start: int
    end: int
    text: str
    label: str
    kb_id: str | None
    note: str = ""
    line: int = 0


class LinksError(ValueError):
    """A links file that does not match the corpus or the knowledge base; carries every issue."""

    def __init__(self, issues: list[Issue]):
        self.issues = issues
        head = "\n".join(str(i) for i in issues[:20])
        more = f"\n... and {len(issues) - 20} more" if len(issues) > 20 else ""
        super().__init__(f"{len(issues)} error(s) in the links file:\n{head}{more}")


# --------------------------------------------------------------------------- reading and checking


def read_links(path: str | Path) -> tuple[list[Link], list[Issue]]:
    """Parse a links file; every malformed line becomes an error naming file, line and field."""
    path = Path(path)
    links: list[Link] = []
    issues: list[Issue] = []
    if not path.is_file():
        return links, [Issue(str(path), 0, "<file>", "error", "no such file")]
    seen: dict[tuple, int] = {}
    with path.open(encoding="utf-8") as fh:
        for number, raw in enumerate(fh, start=1):
            if not raw.strip():
                continue

            def err(field: str, message: str, doc_id=None) -> None:
                issues.append(Issue(str(path), number, field, "error", message, doc_id))

            rec, error = parse_json_object(raw)
            if error is not None:
                err("<json>", error)
                continue
            missing = [f for f in FIELDS if f not in rec]
            if missing:
                err(missing[0], "missing field(s): " + ", ".join(missing), rec.get("doc_id"))
                continue
            doc_id = rec["doc_id"]
            bad = [f for f in ("start", "end") if not isinstance(rec[f], int) or isinstance(rec[f], bool)]
            bad += [f for f in ("text", "label") if not isinstance(rec[f], str)]
            if rec["kb_id"] is not None and (not isinstance(rec["kb_id"], str) or not rec["kb_id"]):
                bad.append("kb_id")
            if not isinstance(rec.get("note", ""), str):
                bad.append("note")
            if bad:
                err(bad[0], f"wrong type: {bad[0]}={rec[bad[0]]!r}", doc_id)
                continue
            key = (doc_id, rec["start"], rec["end"])
            if key in seen:
                err("start", f"span [{rec['start']}, {rec['end']}) of doc {doc_id} already linked on line {seen[key]}",
                    doc_id)
                continue
            seen[key] = number
            links.append(Link(doc_id, rec["start"], rec["end"], rec["text"], rec["label"], rec["kb_id"],
                              rec.get("note", ""), number))
    return links, issues


def check_links(links: Iterable[Link], docs: Iterable[AnnotatedDoc], kb=None, *, source: str = "",
                documents: str = "all") -> list[Issue]:
    """Errors where ``links`` and the gold spans of ``docs`` disagree, or an id is not in ``kb``.

    Every gold span needs exactly one line whose text and label match the corpus. ``documents="all"``
    checks a links file for exactly this corpus: every linked document must be among ``docs`` and
    every document of ``docs`` must be linked. ``"given"`` scores a subset (one split, new data):
    links of other documents are ignored, and so are documents without a single line.
    """
    docs = {d.id: d for d in docs}
    issues: list[Issue] = []
    by_doc: dict[object, dict[tuple[int, int], Link]] = {}
    for link in links:

        def err(field: str, message: str) -> None:
            issues.append(Issue(source, link.line, field, "error", message, link.doc_id))

        doc = docs.get(link.doc_id)
        if doc is None:
            if documents == "all":
                err("doc_id", f"no document {link.doc_id!r} in the corpus")
            continue
        by_doc.setdefault(link.doc_id, {})[(link.start, link.end)] = link
        span = {(s.start, s.end): s for s in doc.spans}.get((link.start, link.end))
        if span is None:
            err("start", f"no gold span [{link.start}, {link.end}) in doc {link.doc_id}")
            continue
        if doc.text[link.start:link.end] != link.text:
            err("text", f"text {link.text!r} but the corpus has {doc.text[link.start:link.end]!r}")
        if span.label != link.label:
            err("label", f"label {link.label} but the corpus has {span.label}")
        if kb is not None and link.kb_id is not None:
            entry = kb.get(link.kb_id)
            if entry is None:
                err("kb_id", f"{link.kb_id!r} is not a knowledge-base id")
            elif not _compatible(entry.label, link.label):
                err("kb_id", f"{link.kb_id!r} is a {entry.label}, not a {link.label}")
    for doc in docs.values():
        if documents != "all" and doc.id not in by_doc:
            continue
        linked = by_doc.get(doc.id, {})
        for span in doc.spans:
            if (span.start, span.end) not in linked:
                issues.append(Issue(source, 0, "<missing>", "error",
                                    f"gold span {doc.span_text(span)!r} [{span.start}, {span.end}) {span.label} "
                                    "has no line", doc.id))
    return issues


def _compatible(kb_label: str, label: str) -> bool:
    people = (scheme.GOVERNOR, scheme.OFFICIAL)
    return kb_label == label or (kb_label in people and label in people)


def load_links(path: str | Path, docs: Iterable[AnnotatedDoc], kb=None, *,
               documents: str = "given") -> dict[object, DocLinks]:
    """Read, check and index a links file: ``{doc_id: {(start, end, label): kb_id}}`` for ``docs``.

    With ``documents="given"`` the documents of ``docs`` that the file does not link at all are left
    out of the result. Raises :class:`LinksError` naming file, line and field for every problem.
    """
    docs = list(docs)
    links, issues = read_links(path)
    if not issues:
        issues = check_links(links, docs, kb, source=str(path), documents=documents)
    if issues:
        raise LinksError(issues)
    wanted = {d.id for d in docs}
    out: dict[object, DocLinks] = {d.id: {} for d in docs} if documents == "all" else {}
    for link in links:
        if link.doc_id in wanted:
            out.setdefault(link.doc_id, {})[(link.start, link.end, link.label)] = link.kb_id
    return out


def find_links_file(data: Iterable[str | Path]) -> Path | None:
    """The links file next to the evaluated data: ``kb_links.jsonl`` in the data folder (or the folder given)."""
    for item in data:
        item = Path(item)
        folder = item if item.is_dir() else item.parent
        candidate = folder / LINKS_FILENAME
        if candidate.is_file():
            return candidate
    return None


# --------------------------------------------------------------------------- keeping the file in step with the corpus

#: The note a line gets when the linker proposed its id and nobody has reviewed it yet.
PROPOSED_NOTE = "proposed by scomm_linker, not reviewed"


def sync_links(links: Iterable[Link], docs: Iterable[AnnotatedDoc], nlp=None) -> tuple[list[dict], dict[str, int]]:
    """The links file brought in step with the corpus after documents or spans were added or changed.

    A line whose span still exists with the same text and label is kept as it is; a line whose span
    is gone (or changed label) is dropped; every gold span without a line gets the id the linker
    (``nlp``'s ``scomm_linker``, or a stand-alone one) proposes on the gold spans, with the note
    :data:`PROPOSED_NOTE`, to be reviewed by hand as ``annotations/LINKS.md`` describes. Returns the
    records (sorted by document and offset) and counts of kept, dropped and proposed lines.
    """
    docs = list(docs)
    by_doc: dict[object, dict[tuple[int, int], Link]] = {}
    for link in links:
        by_doc.setdefault(link.doc_id, {})[(link.start, link.end)] = link
    counts = {"kept": 0, "dropped": 0, "proposed": 0}
    records: list[dict] = []
    need: list[AnnotatedDoc] = []
    keep: dict[object, set] = {}
    for doc in docs:
        old = by_doc.pop(doc.id, {})
        spans = {(sp.start, sp.end): sp for sp in doc.spans}
        for (start, end), link in old.items():
            span = spans.get((start, end))
            if span is not None and span.label == link.label and doc.text[start:end] == link.text:
                keep.setdefault(doc.id, set()).add((start, end))
                rec = {"doc_id": doc.id, "start": start, "end": end, "text": link.text, "label": link.label,
                       "kb_id": link.kb_id}
                if link.note:
                    rec["note"] = link.note
                records.append(rec)
                counts["kept"] += 1
            else:
                counts["dropped"] += 1
        if any((sp.start, sp.end) not in keep.get(doc.id, set()) for sp in doc.spans):
            need.append(doc)
    counts["dropped"] += sum(len(v) for v in by_doc.values())  # documents no longer in the corpus
    if need:
        if nlp is None:
            import spacy

            nlp = spacy.blank("en")
        proposed = link_gold_spans(nlp, need, linker=linker_for(nlp))
        for doc in need:
            for (start, end, label), kb_id in proposed[doc.id].items():
                if (start, end) in keep.get(doc.id, set()):
                    continue
                records.append({"doc_id": doc.id, "start": start, "end": end, "text": doc.text[start:end],
                                "label": label, "kb_id": kb_id, "note": PROPOSED_NOTE})
                counts["proposed"] += 1
    records.sort(key=lambda r: (r["doc_id"], r["start"]))
    return records, counts


def linker_for(nlp):
    """The pipeline's ``scomm_linker`` component, or a stand-alone one (default settings) when it has none."""
    found = find_linker(nlp)
    if found is not None:
        return found
    import spacy

    import scomm_nlp.components  # noqa: F401  (registers the factories)

    return spacy.blank("en").add_pipe("scomm_linker")


def write_links_file(path: str | Path, records: Iterable[dict]) -> None:
    """Write link records one JSON object a line (atomically: a temporary file, then a rename)."""
    import json
    import os

    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        for rec in records:
            fh.write(json.dumps(rec, ensure_ascii=False) + "\n")
    os.replace(tmp, path)


# --------------------------------------------------------------------------- scoring


@dataclass
class Accuracy:
    correct: int = 0
    total: int = 0

    @property
    def accuracy(self) -> float:
        return self.correct / self.total if self.total else 0.0

    def add(self, ok: bool) -> None:
        self.total += 1
        self.correct += int(ok)

    def to_dict(self) -> dict:
        return {"accuracy": round(self.accuracy, 4), "correct": self.correct, "total": self.total}


def kb_accuracy(gold: dict[object, DocLinks], predicted: dict[object, DocLinks],
                *, match_label: bool = True) -> tuple[Accuracy, dict[str, Accuracy]]:
    """kb_id accuracy on entities found by both sides: overall and per gold label.

    An entity counts when the prediction has the same span (and, with ``match_label``, the same
    label) as a gold entity; it is correct when the ids are equal, ``None == None`` included.
    Gold entities the prediction missed, and predicted entities not in the gold, are not counted:
    that is entity recall and precision, scored elsewhere.
    """
    overall, per_label = Accuracy(), {}
    for doc_id, gold_links in gold.items():
        pred = predicted.get(doc_id, {})
        if not match_label:
            pred = {(s, e): kb for (s, e, _label), kb in pred.items()}
        for (start, end, label), kb_id in gold_links.items():
            key = (start, end, label) if match_label else (start, end)
            if key not in pred:
                continue
            ok = pred[key] == kb_id
            overall.add(ok)
            per_label.setdefault(label, Accuracy()).add(ok)
    return overall, dict(sorted(per_label.items()))


def predicted_links(docs: Iterable[AnnotatedDoc]) -> dict[object, DocLinks]:
    """``{doc_id: {(start, end, label): kb_id}}`` of predicted documents (spans carry ``kb_id``)."""
    return {d.id: {(s.start, s.end, s.label): s.kb_id for s in d.spans} for d in docs}


def find_linker(nlp):
    """The pipeline's ``scomm_linker`` component, or None."""
    from scomm_nlp.components.linker import Linker

    for _name, component in nlp.pipeline:
        if isinstance(component, Linker):
            return component
    return None


def link_gold_spans(nlp, docs: Iterable[AnnotatedDoc], linker=None) -> dict[object, DocLinks] | None:
    """Run only the pipeline's linker on the gold spans (with each document's date); None without a linker.

    Keys keep the gold label, so the result scores the linker alone, whatever label it gives back.
    """
    from scomm_nlp.data.spacy_io import to_spacy_doc

    linker = linker or find_linker(nlp)
    if linker is None:
        return None
    out: dict[object, DocLinks] = {}
    for adoc in docs:
        doc = to_spacy_doc(adoc, nlp)
        doc._.date = adoc.meta.get("date")
        gold_labels = {(e.start_char, e.end_char): e.label_ for e in doc.ents}
        doc = linker(doc)
        out[adoc.id] = {(e.start_char, e.end_char, gold_labels[(e.start_char, e.end_char)]): e.kb_id_ or None
                        for e in doc.ents}
    return out


def linking_report(nlp, gold_docs: list[AnnotatedDoc], pred_docs: list[AnnotatedDoc],
                   links_path: str | Path | None) -> dict | None:
    """The ``linking`` section of ``scomm-nlp evaluate``; None when there is no links file."""
    if links_path is None:
        return None
    from scomm_nlp.kb import load_kb

    gold = load_links(links_path, gold_docs, load_kb())
    found, per_label = kb_accuracy(gold, predicted_links(pred_docs))
    report = {"links_file": str(links_path), "documents": len(gold),
              "unlinked_documents": len(gold_docs) - len(gold), "found": found.to_dict(),
              "per_label": {k: v.to_dict() for k, v in per_label.items()}, "gold_spans": None}
    on_gold = link_gold_spans(nlp, [d for d in gold_docs if d.id in gold])
    if on_gold is not None:
        acc, per = kb_accuracy(gold, on_gold)
        report["gold_spans"] = {**acc.to_dict(), "per_label": {k: v.to_dict() for k, v in per.items()}}
    return report


def format_linking(section: dict | None) -> list[str]:
    """Report lines for the ``linking`` section."""
    if not section:
        return []
    lines = ["", f"{'KB_ID accuracy':<22}{'found':>10}{'n':>7}{'gold spans':>12}{'n':>7}"]
    spans = section["gold_spans"] or {"per_label": {}}
    for label, s in section["per_label"].items():
        g = spans["per_label"].get(label)
        tail = f"{g['accuracy']:>12.3f}{g['total']:>7}" if g else ""
        lines.append(f"{label:<22}{s['accuracy']:>10.3f}{s['total']:>7}{tail}")
    f = section["found"]
    tail = f"{spans['accuracy']:>12.3f}{spans['total']:>7}" if section["gold_spans"] else f"{'(no linker)':>12}"
    lines.append(f"{'KB_ID all':<22}{f['accuracy']:>10.3f}{f['total']:>7}{tail}")
    return lines


def main(argv: list[str] | None = None) -> int:
    """``python -m scomm_nlp.data.links [--links FILE] DATA...``: check a links file against exports."""
    import argparse

    from scomm_nlp.data.doccano import read_doccano
    from scomm_nlp.kb import load_kb

    parser = argparse.ArgumentParser(prog="python -m scomm_nlp.data.links", description=main.__doc__)
    parser.add_argument("data", nargs="+", help="Doccano exports or folders (the whole corpus)")
    parser.add_argument("--links", help="links file (default: kb_links.jsonl next to the data)")
    parser.add_argument("--sync", action="store_true",
                        help="rewrite the links file in step with the corpus: drop lines of spans that are gone, "
                             "propose ids (scomm_linker) for spans without a line, marked for review")
    args = parser.parse_args(argv)
    path = Path(args.links) if args.links else find_links_file(args.data)
    if path is None:
        print(f"error: no {LINKS_FILENAME} next to {args.data[0]}; pass --links", file=sys.stderr)
        return 2
    result = read_doccano(args.data)
    if result.errors:
        for issue in result.errors:
            print(issue, file=sys.stderr)
        return 2
    links, issues = read_links(path)
    if args.sync and not issues:
        from scomm_nlp import load

        records, counts = sync_links(links, result.docs, load())  # the shipped model's tokenizer and linker
        write_links_file(path, records)
        print(f"{path}: kept {counts['kept']}, dropped {counts['dropped']}, proposed {counts['proposed']} "
              f"(review the lines noted {PROPOSED_NOTE!r})")
        links, issues = read_links(path)
    issues = issues or check_links(links, result.docs, load_kb(), source=str(path))
    for issue in issues:
        print(issue)
    linked = sum(1 for link in links if link.kb_id is not None)
    print(f"{path}: {len(links)} link(s) for {len(result.docs)} document(s), {linked} with an id, "
          f"{len(issues)} error(s)")
    return 1 if issues else 0


if __name__ == "__main__":
    sys.exit(main())
