"""Read the tables of a tagged archive (the output folder of ``scomm-nlp tag``) for the report.

Each table is a folder of part files: ``part-*.parquet`` (the default), or ``.jsonl`` / ``.jsonl.gz`` / ``.csv``
when the archive was tagged with another ``--format``. A missing column or an unreadable file is a
:class:`ResultsFormatError` naming the file (and line, for JSON lines) and the field.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scomm_nlp.data.jsonl import read_json_objects

#: The columns each table must have (the batch tagger's output schema).
SCHEMA: dict[str, tuple[str, ...]] = {
    "documents": ("doc_id", "position", "source", "date", "title", "url", "relevant", "relevance_score",
                  "n_entities", "n_stances", "status"),
    "mentions": ("doc_id", "start", "end", "text", "label", "canonical", "kb_id"),
    "stances": ("doc_id", "date", "actor_text", "actor_label", "actor_canonical", "actor_kb_id", "type",
                "target_text", "target_label", "target_canonical", "target_kb_id", "score", "resolved", "evidence",
                "evidence_start", "evidence_end"),
    "errors": ("doc_id", "position", "source", "reason"),
}

#: Tables a results folder must contain; the others are read as empty when their folder is missing.
REQUIRED_TABLES = ("documents", "stances")

PART_SUFFIXES = (".parquet", ".jsonl", ".jsonl.gz", ".csv")


class ResultsFormatError(ValueError):
    """A results folder that is not what ``scomm-nlp tag`` writes: names the file, line and field."""


@dataclass
class ArchiveTables:
    """The four tables and the manifest of one tagged archive."""

    root: Path
    documents: Any
    mentions: Any
    stances: Any
    errors: Any
    manifest: dict = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)


def _parts(folder: Path) -> list[Path]:
    return sorted(p for p in folder.iterdir()
                  if p.is_file() and not p.name.startswith((".", "_")) and p.name.endswith(PART_SUFFIXES))


def _read_jsonl(path: Path):
    import pandas as pd

    return pd.DataFrame([row for _number, row in read_json_objects(path, ResultsFormatError)])


def _read_part(path: Path):
    import pandas as pd

    try:
        if path.name.endswith(".parquet"):
            return pd.read_parquet(path)
        if path.name.endswith(".csv"):
            return pd.read_csv(path, dtype={"doc_id": str, "date": str})
        return _read_jsonl(path)
    except ResultsFormatError:
        raise
    except Exception as exc:  # pyarrow / pandas raise many kinds; all mean the same thing here
        raise ResultsFormatError(f"{path}: cannot read table file: {exc}") from None


def read_table(folder: Path, name: str):
    """All part files of one table concatenated, with exactly the columns of :data:`SCHEMA` checked."""
    import pandas as pd

    columns = SCHEMA[name]
    frames = []
    for path in _parts(folder):
        frame = _read_part(path)
        if frame.empty and len(frame.columns) == 0:
            continue  # an empty JSON-lines / CSV part carries no header
        missing = [c for c in columns if c not in frame.columns]
        if missing:
            raise ResultsFormatError(f"{path}: missing column(s) {', '.join(missing)} "
                                     f"(the {name} table needs {', '.join(columns)})")
        frames.append(frame)
    if not frames:
        return read_table_empty(name)
    return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def _normalise(tables: dict) -> None:
    import pandas as pd

    for name in ("documents", "stances"):
        frame = tables[name]
        frame["date"] = frame["date"].astype(object).where(frame["date"].notna(), None)
        frame["doc_id"] = frame["doc_id"].astype(str)
    stances = tables["stances"]
    stances["score"] = pd.to_numeric(stances["score"], errors="coerce")
    for name in ("mentions", "errors"):
        frame = tables[name]
        frame["doc_id"] = frame["doc_id"].where(frame["doc_id"].isna(), frame["doc_id"].astype(str))


def load_results(root: str | Path) -> ArchiveTables:
    """Read ``documents``, ``mentions``, ``stances``, ``errors`` and ``manifest.json`` from a results folder."""
    root = Path(root)
    if not root.is_dir():
        raise ResultsFormatError(f"{root}: no such results folder")
    tables: dict[str, Any] = {}
    missing = []
    for name in SCHEMA:
        folder = root / name
        if not folder.is_dir():
            if name in REQUIRED_TABLES:
                raise ResultsFormatError(f"{root}: no {name}/ table folder: is this the --out folder of "
                                         "`scomm-nlp tag`?")
            missing.append(name)
        tables[name] = read_table(folder, name) if folder.is_dir() else read_table_empty(name)
    _normalise(tables)
    manifest: dict = {}
    manifest_path = root / "manifest.json"
    if manifest_path.is_file():
        try:
            manifest = json.loads(manifest_path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise ResultsFormatError(f"{manifest_path}: invalid JSON: {exc}") from None
        if not isinstance(manifest, dict):
            raise ResultsFormatError(f"{manifest_path}: expected a JSON object")
    return ArchiveTables(root, tables["documents"], tables["mentions"], tables["stances"], tables["errors"],
                         manifest, missing)


def read_table_empty(name: str):
    """An empty table with the columns of :data:`SCHEMA`."""
    import pandas as pd

    return pd.DataFrame({c: pd.Series(dtype=object) for c in SCHEMA[name]})
