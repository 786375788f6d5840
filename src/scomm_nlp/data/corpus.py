"""Build the shipped corpus: markup sources -> Doccano relation JSONL split into train/dev/test.

The split is fixed by document id (a hash of the id, not the order of files), so adding documents
never moves an existing one to another split.
"""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

from scomm_nlp.data.doccano import parse_record, write_doccano
from scomm_nlp.data.markup import Problem, parse_markup
from scomm_nlp.data.records import AnnotatedDoc

#: Share of documents in each split, by hash bucket out of 100.
SPLIT_SHARES = (("train", 70), ("dev", 15), ("test", 15))


def split_for_id(doc_id) -> str:
    """The fixed split of a document id."""
    bucket = int(hashlib.sha1(str(doc_id).encode("utf-8")).hexdigest(), 16) % 100
    upper = 0
    for name, share in SPLIT_SHARES:
        upper += share
        if bucket < upper:
            return name
    return SPLIT_SHARES[-1][0]


def load_markup_file(path: str | Path, tokenizer=None) -> tuple[list[AnnotatedDoc], list[Problem]]:
    """Parse one markup file into AnnotatedDocs checked by the Doccano validator, with every problem."""
    from scomm_nlp.data.doccano import default_tokenizer

    tokenizer = tokenizer or default_tokenizer()
    mdocs, problems = parse_markup(path)
    docs: list[AnnotatedDoc] = []
    for mdoc in mdocs:
        adoc, issues = parse_record(mdoc.to_record(), str(path), mdoc.line, tokenizer)
        for issue in issues:
            problems.append(Problem(str(path), mdoc.line, issue.severity,
                                    f"doc {mdoc.doc_id}: {issue.field}: {issue.message}"))
        if adoc is not None:
            docs.append(adoc)
    return docs, problems


def load_markup_sources(source_dir: str | Path) -> tuple[list[AnnotatedDoc], list[Problem]]:
    """Parse every ``*.txt`` markup file in a folder into checked AnnotatedDocs."""
    from scomm_nlp.data.doccano import default_tokenizer

    tokenizer = default_tokenizer()
    docs: list[AnnotatedDoc] = []
    problems: list[Problem] = []
    for path in sorted(Path(source_dir).glob("*.txt")):
        file_docs, file_problems = load_markup_file(path, tokenizer)
        docs.extend(file_docs)
        problems.extend(file_problems)
    return docs, problems


def build_corpus(source_dir: str | Path, out_dir: str | Path) -> tuple[dict[str, int], list[Problem]]:
    """Write ``train/dev/test.jsonl`` and ``splits.json`` into ``out_dir``; return counts and problems.

    Nothing is written when any source has an error.
    """
    docs, problems = load_markup_sources(source_dir)
    if any(p.severity == "error" for p in problems):
        return {}, problems
    out_dir = Path(out_dir)
    splits: dict[str, list[AnnotatedDoc]] = {name: [] for name, _ in SPLIT_SHARES}
    for doc in sorted(docs, key=lambda d: d.id):
        doc.meta["split"] = split_for_id(doc.id)
        splits[doc.meta["split"]].append(doc)
    for name, split_docs in splits.items():
        write_doccano(split_docs, out_dir / f"{name}.jsonl")
    ids = {name: [d.id for d in split_docs] for name, split_docs in splits.items()}
    (out_dir / "splits.json").write_text(json.dumps(ids, indent=1) + "\n", encoding="utf-8")
    return {name: len(v) for name, v in splits.items()}, problems
