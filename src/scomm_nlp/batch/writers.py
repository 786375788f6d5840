"""Output tables: their schemas, atomic per-partition writes, completion markers, and reading back.

Layout of an output folder ``OUT``::

    OUT/documents/part-00000.parquet   one row per input record
    OUT/mentions/part-00000.parquet    one row per entity mention
    OUT/stances/part-00000.parquet     one row per stance
    OUT/errors/part-00000.parquet      one row per record that could not be tagged
    OUT/_parts/part-00000.json         completion marker of partition 0 (written last)
    OUT/manifest.json                  inputs, model, settings, counts, timings

Every file is written to a temporary name in its folder and moved into place with ``os.replace``,
so no file is ever seen half-written. A partition counts as done only once its marker exists;
:func:`read_tables` reads only such partitions.
"""

from __future__ import annotations

import csv
import io
import json
import os
import uuid
from pathlib import Path
from typing import Any, Iterable

TABLES = ("documents", "mentions", "stances", "errors")
FORMATS = ("parquet", "jsonl", "csv")
MARKERS = "_parts"
MANIFEST = "manifest.json"

#: Column name -> type ("string", "int64", "float64", "bool"); every string column may be null.
SCHEMAS: dict[str, list[tuple[str, str]]] = {
    "documents": [("doc_id", "string"), ("position", "int64"), ("source", "string"), ("date", "string"),
                  ("title", "string"), ("url", "string"), ("relevant", "bool"), ("relevance_score", "float64"),
                  ("n_entities", "int64"), ("n_stances", "int64"), ("status", "string")],
    "mentions": [("doc_id", "string"), ("start", "int64"), ("end", "int64"), ("text", "string"),
                 ("label", "string"), ("canonical", "string"), ("kb_id", "string")],
    "stances": [("doc_id", "string"), ("date", "string"),
                ("actor_text", "string"), ("actor_label", "string"), ("actor_canonical", "string"),
                ("actor_kb_id", "string"), ("type", "string"),
                ("target_text", "string"), ("target_label", "string"), ("target_canonical", "string"),
                ("target_kb_id", "string"), ("score", "float64"), ("resolved", "bool"),
                ("evidence", "string"), ("evidence_start", "int64"), ("evidence_end", "int64")],
    "errors": [("doc_id", "string"), ("position", "int64"), ("source", "string"), ("reason", "string")],
}


def part_name(index: int) -> str:
    return f"part-{index:05d}"


def table_path(out: str | Path, table: str, index: int, fmt: str) -> Path:
    return Path(out) / table / f"{part_name(index)}.{fmt}"


def marker_path(out: str | Path, index: int) -> Path:
    return Path(out) / MARKERS / f"{part_name(index)}.json"


def arrow_schema(table: str):
    import pyarrow as pa

    types = {"string": pa.string(), "int64": pa.int64(), "float64": pa.float64(), "bool": pa.bool_()}
    return pa.schema([(name, types[kind]) for name, kind in SCHEMAS[table]])


def atomic_write(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and ``os.replace``."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def encode_table(table: str, rows: list[dict[str, Any]], fmt: str) -> bytes:
    """The bytes of one table part: the same rows always give the same bytes."""
    columns = [name for name, _ in SCHEMAS[table]]
    if fmt == "parquet":
        import pyarrow as pa
        import pyarrow.parquet as pq

        data = pa.Table.from_pydict({c: [row[c] for row in rows] for c in columns}, schema=arrow_schema(table))
        sink = io.BytesIO()
        pq.write_table(data, sink, compression="zstd")
        return sink.getvalue()
    if fmt == "jsonl":
        return "".join(json.dumps({c: row[c] for c in columns}, ensure_ascii=False) + "\n"
                       for row in rows).encode("utf-8")
    if fmt == "csv":
        text = io.StringIO()
        writer = csv.writer(text, lineterminator="\n")
        writer.writerow(columns)
        for row in rows:
            writer.writerow([_csv_cell(row[c]) for c in columns])
        return text.getvalue().encode("utf-8")
    raise ValueError(f"unknown format {fmt!r} (use {', '.join(FORMATS)})")


def _csv_cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_partition(out: str | Path, index: int, fmt: str, tables: dict[str, list[dict]], marker: dict) -> None:
    """Write a partition's four tables, then its completion marker (each file atomically)."""
    for table in ("errors", "stances", "mentions", "documents"):
        atomic_write(table_path(out, table, index, fmt), encode_table(table, tables[table], fmt))
    atomic_write(marker_path(out, index), json.dumps(marker, indent=1, sort_keys=True).encode("utf-8"))


def read_marker(out: str | Path, index: int) -> dict | None:
    path = marker_path(out, index)
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None


def iter_markers(out: str | Path) -> Iterable[dict]:
    """Every readable completion marker, in partition order."""
    folder = Path(out) / MARKERS
    if not folder.is_dir():
        return []
    found = []
    for path in folder.glob("part-*.json"):
        try:
            found.append(json.loads(path.read_text(encoding="utf-8")))
        except ValueError:
            continue
    return sorted(found, key=lambda m: m["partition"])


def remove_stale_temporaries(out: str | Path) -> int:
    """Delete temporary files a killed run left behind; returns how many."""
    removed = 0
    for sub in (*TABLES, MARKERS):
        folder = Path(out) / sub
        if folder.is_dir():
            for tmp in folder.glob(".part-*.tmp"):
                tmp.unlink(missing_ok=True)
                removed += 1
    return removed


# --------------------------------------------------------------------------- reading back


def read_tables(out: str | Path) -> dict[str, "Any"]:
    """The four tables of a run as pandas DataFrames (only partitions whose marker exists, in order).

    Works for every output format; empty tables keep their columns.
    """
    import pyarrow as pa

    out = Path(out)
    try:
        fmt = json.loads((out / MANIFEST).read_text(encoding="utf-8"))["settings"]["format"]
    except (OSError, ValueError, KeyError):
        raise FileNotFoundError(f"{out} holds no scomm-nlp tag output ({MANIFEST} missing or unreadable)") from None
    indexes = [m["partition"] for m in iter_markers(out)]
    frames = {}
    for table in TABLES:
        schema = arrow_schema(table)
        parts = [_read_part(table_path(out, table, i, fmt), table, fmt, schema) for i in indexes]
        frames[table] = (pa.concat_tables(parts) if parts else schema.empty_table()).to_pandas()
    return frames


def _read_part(path: Path, table: str, fmt: str, schema):
    import pyarrow as pa

    if fmt == "parquet":
        import pyarrow.parquet as pq

        return pq.read_table(path, schema=schema)
    if fmt == "jsonl":
        with open(path, encoding="utf-8") as fh:
            rows = [json.loads(line) for line in fh if line.strip()]
        return pa.Table.from_pylist(rows, schema=schema)
    with open(path, newline="", encoding="utf-8") as fh:
        reader = csv.reader(fh)
        next(reader)
        types = [kind for _, kind in SCHEMAS[table]]
        rows = [[_from_csv(cell, kind) for cell, kind in zip(row, types)] for row in reader]
    return pa.Table.from_pylist([dict(zip(schema.names, row)) for row in rows], schema=schema)


def _from_csv(cell: str, kind: str) -> Any:
    if cell == "":
        return None
    if kind == "int64":
        return int(cell)
    if kind == "float64":
        return float(cell)
    if kind == "bool":
        return cell == "true"
    return cell
