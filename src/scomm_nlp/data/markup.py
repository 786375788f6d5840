"""The corpus authoring format: articles written with inline entity markup, compiled to Doccano records.

Annotators write text with inline marks and never type an offset; offsets are computed here.

    ### doc 1001
    date: 2011-05-04
    style: wire
    relevant: yes
    topic: Illinois leaves Secure Communities
    ---
    Gov. [[Pat Quinn|GOVERNOR|quinn]] said [[Illinois|JURISDICTION|il]] would leave
    [[Secure Communities|PROGRAM|sc]].
    ---
    quinn OPPOSES sc
    il OPPOSES sc

A mention is ``[[surface|LABEL]]`` or ``[[surface|LABEL|key]]``; a key names the mention in the
relation lines (``actor_key TYPE target_key``) and is unique inside its document. Paragraphs are
separated by a blank line; line breaks inside a paragraph become spaces.
"""

from __future__ import annotations

import json
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from scomm_nlp import scheme

MENTION_RE = re.compile(r"\[\[([^\[\]|]+)\|([A-Za-z_]+)(?:\|([A-Za-z0-9_\-]+))?\]\]")
DOC_HEADER_RE = re.compile(r"^###\s*doc\s+(\d+)\s*$")
RELATION_RE = re.compile(r"^([A-Za-z0-9_\-]+)\s+([A-Za-z_]+)\s+([A-Za-z0-9_\-]+)\s*$")
SECTION_RE = re.compile(scheme.SECTION_NUMBER_PATTERN)
HEADER_FIELDS = ("date", "style", "relevant", "topic")
TITLE_WORDS = (
    "Gov.", "Governor", "Sheriff", "Mayor", "Director", "Secretary", "Sen.", "Senator", "Rep.",
    "Attorney General", "Commissioner", "Chief", "President", "Judge", "Lt.", "Councilman",
    "Councilwoman", "Speaker", "Assemblyman", "Assemblywoman", "Delegate", "Supervisor",
)


class MarkupError(ValueError):
    """A problem in a markup file, with the file and line it was found on."""


@dataclass
class Problem:
    path: str
    line: int
    severity: str  # "error" or "warning"
    message: str

    def __str__(self) -> str:
        return f"{self.path}:{self.line}: {self.severity}: {self.message}"


@dataclass
class MarkupDoc:
    doc_id: int
    line: int
    meta: dict[str, str] = field(default_factory=dict)
    text: str = ""
    entities: list[dict] = field(default_factory=list)
    relations: list[dict] = field(default_factory=list)

    def to_record(self) -> dict:
        """The document as a Doccano relation-export record, metadata kept beside it."""
        record = {"id": self.doc_id, "text": self.text, "entities": self.entities, "relations": self.relations}
        for key, value in self.meta.items():
            record[key] = value
        return record


def _split_blocks(lines: list[str]) -> Iterator[tuple[int, int, list[str]]]:
    """Yield (doc_id, header line number, body lines with numbers) for each ``### doc`` block."""
    current: tuple[int, int] | None = None
    body: list[tuple[int, str]] = []
    for number, raw in enumerate(lines, start=1):
        match = DOC_HEADER_RE.match(raw.strip())
        if match:
            if current is not None:
                yield current[0], current[1], body
            current = (int(match.group(1)), number)
            body = []
        elif current is not None:
            body.append((number, raw.rstrip("\n")))
    if current is not None:
        yield current[0], current[1], body


def _compile_text(text_lines: list[tuple[int, str]], doc: MarkupDoc, path: str, problems: list[Problem]):
    """Turn marked-up paragraphs into plain text plus entity spans; return mention keys -> entity."""
    paragraphs: list[list[tuple[int, str]]] = [[]]
    for number, line in text_lines:
        if line.strip():
            paragraphs[-1].append((number, line.strip()))
        elif paragraphs[-1]:
            paragraphs.append([])
    paragraphs = [p for p in paragraphs if p]
    out: list[str] = []
    keys: dict[str, dict] = {}
    offset = 0
    next_entity = doc.doc_id * 1000
    for p_index, paragraph in enumerate(paragraphs):
        if p_index:
            out.append("\n\n")
            offset += 2
        for l_index, (number, line) in enumerate(paragraph):
            if l_index:
                out.append(" ")
                offset += 1
            pos = 0
            for match in MENTION_RE.finditer(line):
                before = line[pos:match.start()]
                out.append(before)
                offset += len(before)
                surface, label, key = match.group(1), match.group(2), match.group(3)
                _check_surface(surface, label, path, number, problems)
                entity = {"id": next_entity, "label": label, "start_offset": offset,
                          "end_offset": offset + len(surface)}
                next_entity += 1
                doc.entities.append(entity)
                if key:
                    if key in keys:
                        problems.append(Problem(path, number, "error", f"doc {doc.doc_id}: key {key!r} used twice"))
                    keys[key] = entity
                out.append(surface)
                offset += len(surface)
                pos = match.end()
            rest = line[pos:]
            out.append(rest)
            offset += len(rest)
            leftovers = MENTION_RE.sub("", line)
            if "[[" in leftovers or "]]" in leftovers:
                problems.append(Problem(path, number, "error", f"doc {doc.doc_id}: malformed mention markup"))
    doc.text = "".join(out)
    return keys


def _check_surface(surface: str, label: str, path: str, number: int, problems: list[Problem]) -> None:
    if not scheme.is_entity_label(label):
        problems.append(Problem(path, number, "error", f"unknown label {label!r} on {surface!r}"))
    if surface != surface.strip() or not surface.strip():
        problems.append(Problem(path, number, "error", f"mention {surface!r} has surrounding whitespace"))
    if (surface[:1] in ",.;:'\"(" or surface[-1:] in ",.;:'\")") and not SECTION_RE.match(surface):
        if not surface.endswith(".") or len(surface.split()[-1]) > 4:
            problems.append(Problem(path, number, "warning", f"mention {surface!r} starts or ends with punctuation"))
    if surface.lower().startswith("the "):
        problems.append(Problem(path, number, "warning", f"mention {surface!r} starts with 'the'"))
    if surface.endswith("'s") or surface.endswith("\u2019s"):
        problems.append(Problem(path, number, "warning", f"mention {surface!r} includes a possessive 's"))
    if label in (scheme.GOVERNOR, scheme.OFFICIAL):
        for title in TITLE_WORDS:
            if surface.startswith(title + " "):
                problems.append(Problem(path, number, "warning", f"person mention {surface!r} includes a title"))


def parse_markup(path: str | Path) -> tuple[list[MarkupDoc], list[Problem]]:
    """Parse one markup file into documents and a list of problems (errors and warnings)."""
    path = str(path)
    lines = Path(path).read_text(encoding="utf-8").splitlines()
    problems: list[Problem] = []
    docs: list[MarkupDoc] = []
    for doc_id, header_line, body in _split_blocks(lines):
        doc = MarkupDoc(doc_id=doc_id, line=header_line)
        separators = [i for i, (_, line) in enumerate(body) if line.strip() == "---"]
        if len(separators) < 2:
            problems.append(Problem(path, header_line, "error", f"doc {doc_id}: needs a header, '---', text, '---', relations"))
            continue
        head, text, rels = body[:separators[0]], body[separators[0] + 1:separators[1]], body[separators[1] + 1:]
        for number, line in head:
            if not line.strip():
                continue
            name, _, value = line.partition(":")
            name = name.strip().lower()
            if name not in HEADER_FIELDS:
                problems.append(Problem(path, number, "error", f"doc {doc_id}: unknown header field {name!r}"))
            doc.meta[name] = value.strip()
        for name in HEADER_FIELDS:
            if name not in doc.meta:
                problems.append(Problem(path, header_line, "error", f"doc {doc_id}: missing header field {name!r}"))
        if doc.meta.get("relevant", "yes") not in ("yes", "no"):
            problems.append(Problem(path, header_line, "error", f"doc {doc_id}: relevant must be yes or no"))
        if not re.fullmatch(r"\d{4}-\d{2}-\d{2}", doc.meta.get("date", "")):
            problems.append(Problem(path, header_line, "error", f"doc {doc_id}: date must be YYYY-MM-DD"))
        keys = _compile_text(text, doc, path, problems)
        words = len(doc.text.split())
        if not 60 <= words <= 400:
            problems.append(Problem(path, header_line, "error", f"doc {doc_id}: {words} words, outside 60-400"))
        seen: set[tuple[str, str, str]] = set()
        next_relation = doc.doc_id * 1000
        for number, line in rels:
            if not line.strip() or line.strip().startswith("#"):
                continue
            match = RELATION_RE.match(line.strip())
            if not match:
                problems.append(Problem(path, number, "error", f"doc {doc_id}: relation line must be 'actor TYPE target'"))
                continue
            actor, rel_type, target = match.groups()
            if (actor, rel_type, target) in seen:
                problems.append(Problem(path, number, "error", f"doc {doc_id}: duplicate relation {line.strip()!r}"))
            seen.add((actor, rel_type, target))
            if actor not in keys or target not in keys:
                missing = actor if actor not in keys else target
                problems.append(Problem(path, number, "error", f"doc {doc_id}: relation names unknown key {missing!r}"))
                continue
            if not scheme.is_relation_type(rel_type):
                problems.append(Problem(path, number, "error", f"doc {doc_id}: unknown relation type {rel_type!r}"))
                continue
            a_label, t_label = keys[actor]["label"], keys[target]["label"]
            if not scheme.relation_allowed(rel_type, a_label, t_label):
                problems.append(Problem(path, number, "error",
                                        f"doc {doc_id}: {rel_type} does not allow {a_label} -> {t_label}"))
                continue
            doc.relations.append({"id": next_relation, "from_id": keys[actor]["id"], "to_id": keys[target]["id"],
                                  "type": rel_type})
            next_relation += 1
        docs.append(doc)
    ids = [d.doc_id for d in docs]
    for dup in sorted({i for i in ids if ids.count(i) > 1}):
        problems.append(Problem(path, 0, "error", f"doc id {dup} appears more than once"))
    return docs, problems


def summarize(docs: list[MarkupDoc]) -> dict:
    """Counts an author checks against the corpus targets."""
    label_counts: dict[str, int] = {label: 0 for label in scheme.ENTITY_LABELS}
    distinct: dict[str, set[str]] = {label: set() for label in scheme.ENTITY_LABELS}
    rel_counts = {t: 0 for t in scheme.RELATION_TYPES}
    no_stance = off_topic = 0
    words = []
    for doc in docs:
        words.append(len(doc.text.split()))
        for ent in doc.entities:
            label_counts[ent["label"]] = label_counts.get(ent["label"], 0) + 1
            distinct.setdefault(ent["label"], set()).add(doc.text[ent["start_offset"]:ent["end_offset"]])
        for rel in doc.relations:
            rel_counts[rel["type"]] += 1
        if doc.meta.get("relevant") == "no":
            off_topic += 1
        elif doc.entities and not doc.relations:
            no_stance += 1
    return {
        "documents": len(docs),
        "words_min": min(words, default=0),
        "words_max": max(words, default=0),
        "off_topic": off_topic,
        "relevant_without_stance": no_stance,
        "relations": rel_counts,
        "mentions": label_counts,
        "distinct_surfaces": {k: len(v) for k, v in distinct.items()},
    }


def main(argv: list[str] | None = None) -> int:
    """``python -m scomm_nlp.data.markup FILE... [--jsonl OUT]``: check markup files, print counts."""
    args = list(sys.argv[1:] if argv is None else argv)
    out_path = None
    if "--jsonl" in args:
        i = args.index("--jsonl")
        out_path = args[i + 1]
        del args[i:i + 2]
    all_docs: list[MarkupDoc] = []
    n_errors = 0
    for path in args:
        docs, problems = parse_markup(path)
        all_docs.extend(docs)
        for problem in problems:
            print(problem)
            n_errors += problem.severity == "error"
    print(json.dumps(summarize(all_docs), indent=2))
    if out_path:
        with open(out_path, "w", encoding="utf-8") as fh:
            for doc in all_docs:
                fh.write(json.dumps(doc.to_record(), ensure_ascii=False) + "\n")
    print(f"{n_errors} error(s)")
    return 1 if n_errors else 0


if __name__ == "__main__":
    raise SystemExit(main())
