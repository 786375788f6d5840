"""Write a synthetic news archive of N documents built from the team's own texts.

Relevant documents come from the annotated corpus (``relevant: yes``); the others from the corpus's
off-topic documents and ``annotations/offtopic/``. Each document takes one source text, sometimes
drops one of its later paragraphs and adds one or two paragraphs from another source of the same
kind and split, and swaps the people, cities, counties and states it names (from the knowledge
base; surnames follow their full names), so documents are not identical. The share of relevant
documents is exact (``round(n * share)``), their positions are shuffled, and the same arguments
always give the same archive.

    python bench/make_archive.py --n 10000 --relevant-share 0.05 --seed 0 --out /tmp/archive

writes ``archive.jsonl`` (one ``{"id", "text", "date", "title", "relevant", "source", "split"}``
per line), with ``--format txt`` or ``both`` a folder ``txt/`` of ``.txt`` files (1,000 a
subfolder) plus ``labels.csv``, and ``manifest.json`` with the arguments and counts. By default only
train and dev sources are used, so the test split stays unseen (``--splits train,dev,test`` to add it).
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterator

from _common import REPO  # noqa: E402  (also puts src/ on the path)

#: A run of capitalised words (names are looked up inside it).
CAPITALISED = re.compile(r"[A-Z][\w.'&-]*(?:[ ][A-Z][\w.'&-]*)*")
DATE_RANGE = (dt.date(2008, 1, 1), dt.date(2020, 12, 31))


@dataclass
class Paragraph:
    """A paragraph with the name mentions that may be swapped: (start, end, kind, name)."""

    text: str
    mentions: list[tuple[int, int, str, str]] = field(default_factory=list)


@dataclass
class Source:
    id: str
    relevant: bool
    split: str
    title: str
    date: str | None
    paragraphs: list[Paragraph]


class NamePools:
    """Names from the knowledge base, by kind: person, city, county, state."""

    def __init__(self):
        from scomm_nlp import scheme
        from scomm_nlp.components.gazetteer import AMBIGUOUS_NAMES
        from scomm_nlp.kb import load_kb

        pools: dict[str, set[str]] = {"person": set(), "city": set(), "county": set(), "state": set()}
        for entry in load_kb().entries.values():
            name = entry.name
            if entry.label in (scheme.GOVERNOR, scheme.OFFICIAL):
                if len(name.split()) >= 2 and entry.surname:
                    pools["person"].add(name)
            elif entry.label == scheme.JURISDICTION and entry.attrs.get("kind") in ("city", "county", "state"):
                if " " in name or name not in AMBIGUOUS_NAMES:
                    pools[entry.attrs["kind"]].add(name)
        self.pools = {kind: sorted(names) for kind, names in pools.items()}
        self.kind_of: dict[str, str] = {}
        for kind in ("state", "county", "city", "person"):
            for name in self.pools[kind]:
                self.kind_of.setdefault(name, kind)
        self.longest = max(len(name.split()) for name in self.kind_of)

    def mentions(self, text: str) -> list[tuple[int, int, str, str]]:
        """Known names in ``text``: the longest match first inside each capitalised run."""
        found: list[tuple[int, int, str, str]] = []
        for run in CAPITALISED.finditer(text):
            words = [(m.start() + run.start(), m.end() + run.start()) for m in re.finditer(r"\S+", run.group())]
            i = 0
            while i < len(words):
                for size in range(min(self.longest, len(words) - i), 0, -1):
                    start, end = words[i][0], words[i + size - 1][1]
                    name = text[start:end].rstrip(".,'")
                    kind = self.kind_of.get(name)
                    if kind is not None:
                        found.append((start, start + len(name), kind, name))
                        i += size
                        break
                else:
                    i += 1
        return found


def surname_mentions(text: str, people: dict[str, str], taken: list[tuple[int, int, str, str]]):
    """Stand-alone surnames (``people``: surname -> full name) outside the spans already ``taken``."""
    if not people:
        return []
    pattern = re.compile(r"\b(" + "|".join(map(re.escape, sorted(people))) + r")\b(?![ ][A-Z])")
    return [(m.start(), m.end(), "surname", people[m.group(1)]) for m in pattern.finditer(text)
            if not any(s <= m.start() < e for s, e, _, _ in taken)]


def _paragraphs(text: str, pools: NamePools) -> list[Paragraph]:
    """Paragraphs with their name mentions; a surname is linked to a person named in full
    anywhere in the same document."""
    paragraphs = [Paragraph(p, pools.mentions(p)) for p in (q.strip() for q in re.split(r"\n\s*\n", text)) if p]
    people = {name.split()[-1]: name for para in paragraphs for _, _, kind, name in para.mentions if kind == "person"}
    for para in paragraphs:
        para.mentions = sorted(para.mentions + surname_mentions(para.text, people, para.mentions))
    return paragraphs


def load_sources(annotations: str | Path = REPO / "annotations", splits=("train", "dev")) -> list[Source]:
    """Corpus documents and off-topic texts of the given splits, cut into paragraphs."""
    root = Path(annotations)
    pools = NamePools()
    sources: list[Source] = []
    for split in splits:
        with (root / f"{split}.jsonl").open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                sources.append(Source(str(rec["id"]), rec.get("relevant") == "yes", split, rec.get("topic", ""),
                                      rec.get("date"), _paragraphs(rec["text"], pools)))
    for path in sorted((root / "offtopic").glob("offtopic_*.jsonl")):
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                if rec["meta"]["split"] in splits:
                    sources.append(Source(rec["id"], False, rec["meta"]["split"], rec["meta"].get("topic", ""),
                                          None, _paragraphs(rec["text"], pools)))
    return sources


def _render(paragraphs: list[Paragraph], pools: NamePools, rng: random.Random) -> str:
    mapping: dict[str, str] = {}
    for para in paragraphs:
        for _, _, kind, name in para.mentions:
            if kind != "surname" and name not in mapping:
                mapping[name] = rng.choice(pools.pools[kind])
    out = []
    for para in paragraphs:
        pieces, pos = [], 0
        for start, end, kind, name in para.mentions:
            new = mapping.get(name, name).split()[-1] if kind == "surname" else mapping[name]
            pieces += [para.text[pos:start], new]
            pos = end
        pieces.append(para.text[pos:])
        out.append("".join(pieces))
    return "\n\n".join(out)


def generate(n: int, relevant_share: float, seed: int = 0, sources: list[Source] | None = None,
             pools: NamePools | None = None) -> Iterator[dict]:
    """Yield ``n`` archive records, ``round(n * relevant_share)`` of them relevant."""
    if n < 0 or not 0.0 <= relevant_share <= 1.0:
        raise ValueError("n must be >= 0 and relevant_share within [0, 1]")
    sources = sources if sources is not None else load_sources()
    pools = pools or NamePools()
    groups: dict[tuple[bool, str], list[Source]] = {}
    for src in sources:
        groups.setdefault((src.relevant, src.split), []).append(src)
    by_kind = {flag: [s for s in sources if s.relevant == flag] for flag in (True, False)}
    n_relevant = round(n * relevant_share)
    for flag, count in ((True, n_relevant), (False, n - n_relevant)):
        if count and not by_kind[flag]:
            raise ValueError(f"no {'relevant' if flag else 'off-topic'} source texts to build documents from")
    flags = [True] * n_relevant + [False] * (n - n_relevant)
    random.Random(seed).shuffle(flags)
    span = (DATE_RANGE[1] - DATE_RANGE[0]).days
    for i, flag in enumerate(flags):
        rng = random.Random(f"{seed}:{i}")
        src = rng.choice(by_kind[flag])
        paras = list(src.paragraphs)
        if len(paras) >= 3 and rng.random() < 0.5:
            del paras[rng.randrange(1, len(paras))]
        if rng.random() < 0.6:
            for _ in range(rng.randint(1, 2)):
                other = rng.choice(groups[(flag, src.split)])
                paras.insert(rng.randint(1, len(paras)), rng.choice(other.paragraphs))
        date = src.date or (DATE_RANGE[0] + dt.timedelta(days=rng.randrange(span + 1))).isoformat()
        yield {"id": f"doc-{i:07d}", "text": _render(paras, pools, rng), "date": date, "title": src.title,
               "relevant": flag, "source": src.id, "split": src.split}


def write_archive(out: str | Path, n: int, relevant_share: float, seed: int = 0, fmt: str = "jsonl",
                  splits=("train", "dev"), annotations: str | Path = REPO / "annotations") -> dict:
    """Write the archive into ``out`` (streamed, one document at a time); return the manifest."""
    if fmt not in ("jsonl", "txt", "both"):
        raise ValueError(f"format must be jsonl, txt or both, not {fmt!r}")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    sources = load_sources(annotations, tuple(splits))
    counts = {"documents": 0, "relevant": 0, "characters": 0}
    jsonl = (out / "archive.jsonl").open("w", encoding="utf-8") if fmt in ("jsonl", "both") else None
    labels = (out / "labels.csv").open("w", encoding="utf-8") if fmt in ("txt", "both") else None
    try:
        if labels:
            labels.write("id,relevant,source,split\n")
        for rec in generate(n, relevant_share, seed, sources):
            counts["documents"] += 1
            counts["relevant"] += rec["relevant"]
            counts["characters"] += len(rec["text"])
            if jsonl:
                jsonl.write(json.dumps(rec, ensure_ascii=False) + "\n")
            if labels:
                folder = out / "txt" / f"{(counts['documents'] - 1) // 1000:04d}"
                folder.mkdir(parents=True, exist_ok=True)
                (folder / f"{rec['id']}.txt").write_text(rec["text"] + "\n", encoding="utf-8")
                labels.write(f"{rec['id']},{int(rec['relevant'])},{rec['source']},{rec['split']}\n")
    finally:
        for fh in (jsonl, labels):
            if fh:
                fh.close()
    manifest = {"n": n, "relevant_share": relevant_share, "seed": seed, "format": fmt, "splits": list(splits),
                "sources": len(sources), **counts}
    (out / "manifest.json").write_text(json.dumps(manifest, indent=1) + "\n", encoding="utf-8")
    return manifest


def read_archive(path: str | Path) -> tuple[list[str], list[bool], list[str]]:
    """Texts, relevance labels and source splits of an ``archive.jsonl`` (or of the folder holding it)."""
    path = Path(path)
    if path.is_dir():
        path = path / "archive.jsonl"
    texts, labels, splits = [], [], []
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            texts.append(rec["text"])
            labels.append(bool(rec["relevant"]))
            splits.append(rec.get("split", ""))
    return texts, labels, splits


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, required=True, help="number of documents")
    parser.add_argument("--relevant-share", type=float, default=0.05)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", required=True, help="output folder")
    parser.add_argument("--format", choices=("jsonl", "txt", "both"), default="jsonl")
    parser.add_argument("--splits", default="train,dev", help="source splits, comma-separated")
    parser.add_argument("--annotations", default=str(REPO / "annotations"))
    args = parser.parse_args(argv)
    try:
        manifest = write_archive(args.out, args.n, args.relevant_share, args.seed, args.format,
                                 tuple(s.strip() for s in args.splits.split(",") if s.strip()), args.annotations)
    except (ValueError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(manifest))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
