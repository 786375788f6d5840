"""Turn a trained pipeline folder into the shipped model: ``python -m scomm_nlp.training.ship SRC DEST``.

Copies ``SRC`` (e.g. ``training/scomm_core/model-best``) to ``DEST`` (``models/scomm_core``) through a
temporary folder and a rename, keeps the hand-written ``MODEL_CARD.md`` already in ``DEST``, and fills
``meta.json`` with the model's name, version, provenance (which annotation files, by SHA-256) and the
scomm-nlp version it was trained with.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import shutil
from pathlib import Path

KEEP = ("MODEL_CARD.md",)


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def ship(src: str | Path, dest: str | Path, *, name: str = "scomm_core", annotations: str | Path = "annotations",
         version: str | None = None, stance_fitted_on: list[str] | None = None) -> Path:
    """Copy the pipeline ``src`` to ``dest`` with a filled-in ``meta.json``; returns ``dest``.

    ``stance_fitted_on`` names the files the stance scorer was fitted on, when not only the train split."""
    import scomm_nlp

    src, dest = Path(src), Path(dest)
    if not (src / "config.cfg").exists():
        raise ValueError(f"{src} is not a spaCy pipeline folder (no config.cfg)")
    tmp = dest.with_name(dest.name + ".tmp")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(src, tmp)
    for keep in KEEP:
        if (dest / keep).exists():
            shutil.copy2(dest / keep, tmp / keep)
    meta_path = tmp / "meta.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8"))
    files = sorted(p for p in Path(annotations).glob("*.jsonl") if not p.name.startswith("test"))
    meta.update({
        "name": name,
        "version": version or scomm_nlp.__version__,
        "description": "scomm-nlp entities (GOVERNOR, OFFICIAL, AGENCY, PROGRAM, JURISDICTION, GROUP) with "
                       "knowledge-base links, and stances (OPPOSES, SUPPORTS, COMPELS) in U.S. "
                       "immigration-enforcement news. See MODEL_CARD.md.",
        "author": "The scomm-nlp team",
        "license": "MIT",
        "scomm_nlp": {
            "version": scomm_nlp.__version__,
            "trained_from": {p.name: sha256(p) for p in files},
            **({"stance_fitted_on": list(stance_fitted_on)} if stance_fitted_on else {}),
        },
    })
    meta_path.write_text(json.dumps(meta, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    old = dest.with_name(dest.name + ".old")
    shutil.rmtree(old, ignore_errors=True)
    if dest.exists():
        dest.rename(old)
    tmp.rename(dest)
    shutil.rmtree(old, ignore_errors=True)
    return dest


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("src")
    parser.add_argument("dest")
    parser.add_argument("--name", default="scomm_core")
    parser.add_argument("--annotations", default="annotations")
    parser.add_argument("--stance-fitted-on", default=None,
                        help="comma-separated files the stance scorer was fitted on (recorded in meta.json)")
    args = parser.parse_args(argv)
    fitted = args.stance_fitted_on.split(",") if args.stance_fitted_on else None
    print(ship(args.src, args.dest, name=args.name, annotations=args.annotations, stance_fitted_on=fitted))


if __name__ == "__main__":
    main()
