"""The run manifest and the fingerprint that decides whether a run may be resumed.

The fingerprint has three parts, each a SHA-256:

* ``inputs``: every input file's path, kind, size and modification time, in input order;
* ``model``: the pipeline's name, version and the content of its files (for the rule pipeline,
  the scomm-nlp version and the knowledge-base data files);
* ``settings``: everything that changes the tables (format, partition size, field names,
  ``max_chars``, ``batch_size``, the gate's class, threshold and version).

The engine, the number of processes and the scheduler do not change the tables, so a run started
on one machine may be resumed on a cluster.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from scomm_nlp.batch.readers import InputFile, check_input_file, estimate_records
from scomm_nlp.batch.records import BatchUsageError, Fields
from scomm_nlp.batch.writers import MANIFEST, atomic_write


def _digest(items: Iterable[Any]) -> str:
    sha = hashlib.sha256()
    for item in items:
        sha.update(json.dumps(item, sort_keys=True, default=str).encode("utf-8"))
        sha.update(b"\n")
    return sha.hexdigest()


def _hash_files(paths: Iterable[Path], root: Path) -> str:
    sha = hashlib.sha256()
    for path in paths:
        sha.update(path.relative_to(root).as_posix().encode("utf-8") + b"\0")
        with open(path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                sha.update(chunk)
    return sha.hexdigest()


def model_identity(model: str | None) -> dict[str, Any]:
    """Name, version and content digest of the pipeline ``model`` names, without loading it."""
    import scomm_nlp
    from scomm_nlp import pipeline

    if model is None or str(model) == "rules":
        path = pipeline.shipped_model_path() if model is None else None
        if path is None:
            kb_dir = Path(pipeline.__file__).resolve().parent / "kb" / "data"
            return {"argument": model, "name": "scomm_rules", "version": scomm_nlp.__version__,
                    "digest": _hash_files(sorted(kb_dir.glob("*.csv")), kb_dir)}
        return _folder_identity(path, model)
    path = Path(model)
    if not path.exists():
        path = pipeline.shipped_model_path(str(model)) or _package_path(str(model))
    if not (path / "config.cfg").exists():
        raise BatchUsageError(f"{path} is not a spaCy pipeline folder (no config.cfg)")
    return _folder_identity(path, model)


def _package_path(name: str) -> Path:
    import spacy.util

    try:
        root = Path(spacy.util.get_package_path(name))
    except Exception:  # spaCy raises several types for a missing package
        raise BatchUsageError(f"cannot find model {name!r}: not a folder, a shipped model or an installed "
                              "package") from None
    configs = sorted(root.glob("*/config.cfg"))
    return configs[0].parent if configs and not (root / "config.cfg").exists() else root


def _folder_identity(path: Path, argument: str | None) -> dict[str, Any]:
    meta_path = path / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.exists() else {}
    files = sorted(p for p in path.rglob("*") if p.is_file())
    return {"argument": None if argument is None else str(argument), "name": meta.get("name", path.name),
            "version": meta.get("version", "0"), "digest": _hash_files(files, path)}


@dataclass
class InputScan:
    """What one pass over the input files found: the per-input summary, the digest, a record estimate."""

    inputs: list[dict] = field(default_factory=list)
    digest: str = ""
    estimated_records: int | None = None


def scan_inputs(inputs: list[str], files_of, fields: Fields, estimate: bool) -> InputScan:
    """Check every input file can be read, and fingerprint them (``files_of(input)`` lists one input's files)."""
    scan = InputScan(estimated_records=0 if estimate else None)
    entries = []
    for given in inputs:
        summary = {"path": str(given), "files": 0, "bytes": 0}
        for f in files_of(given):
            check_input_file(f, fields)
            stat = Path(f.path).stat()
            entries.append((f.path, f.kind, stat.st_size, stat.st_mtime_ns))
            summary["files"] += 1
            summary["bytes"] += stat.st_size
            if estimate:
                scan.estimated_records += estimate_records(f)
        scan.inputs.append(summary)
    scan.digest = _digest(entries)
    return scan


def fingerprint(scan: InputScan, model: dict, settings: dict) -> dict[str, str]:
    parts = {"inputs": scan.digest, "model": _digest([model["name"], model["version"], model["digest"]]),
             "settings": _digest(sorted(settings.items()))}
    parts["run"] = _digest(sorted(parts.items()))
    return parts


def read_manifest(out: Path) -> dict | None:
    path = out / MANIFEST
    if not path.exists():
        return None
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except ValueError:
        raise BatchUsageError(f"{path}: unreadable manifest; this folder cannot be resumed") from None


def write_manifest(out: Path, manifest: dict) -> None:
    atomic_write(out / MANIFEST, (json.dumps(manifest, indent=2, sort_keys=False) + "\n").encode("utf-8"))


def explain_mismatch(old: dict, fp: dict[str, str], model: dict, settings: dict) -> str:
    """Say which of inputs, model and settings differ from the run recorded in ``old``."""
    old_fp = old.get("fingerprint", {})
    what = []
    if old_fp.get("inputs") != fp["inputs"]:
        what.append("the inputs (files, sizes or modification times)")
    if old_fp.get("model") != fp["model"]:
        before = old.get("model", {})
        what.append(f"the model ({before.get('name')}-{before.get('version')} then, "
                    f"{model['name']}-{model['version']} now, or its files)")
    if old_fp.get("settings") != fp["settings"]:
        before = old.get("settings", {})
        changed = [f"{key} {before.get(key)!r} -> {value!r}" for key, value in settings.items()
                   if before.get(key) != value]
        what.append("the settings (" + ("; ".join(changed) or "changed") + ")")
    return ", ".join(what) or "the run fingerprint"
