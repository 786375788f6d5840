"""``scomm-nlp package``: an installable wheel of a trained pipeline (spaCy's packaging underneath).

The wheel declares ``scomm-nlp`` as a requirement (next to what spaCy detects itself, such as
``spacy-transformers``) and carries a one-line module that imports :mod:`scomm_nlp.pipeline` before
the pipeline is built, so the project's tokenizer and ``scomm_*`` components are registered. After
``pip install`` of the wheel, ``scomm_nlp.load("en_NAME")`` (or ``spacy.load``) finds it by name.
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import sys
import tempfile
from pathlib import Path

HOOK_MODULE = "scomm_nlp_components"
HOOK_SOURCE = '''"""Registers the scomm-nlp tokenizer and components before this pipeline is loaded."""

import scomm_nlp.pipeline  # noqa: F401
'''


def package_name(name: str, lang: str = "en") -> str:
    """The import name spaCy gives the package: ``lang_`` is put in front unless already there."""
    return name if name.startswith(f"{lang}_") else f"{lang}_{name}"


def build_wheel(model: Path, version: str, out: Path, *, name: str | None = None) -> Path:
    """Build ``out/<en_name>-<version>/dist/<wheel>`` from a trained pipeline folder; returns the wheel."""
    import scomm_nlp
    import scomm_nlp.pipeline  # noqa: F401  (registers the factories the pipeline's config names)
    from spacy.cli.package import package

    model, out = Path(model), Path(out)
    if not (model / "config.cfg").exists() or not (model / "meta.json").exists():
        raise ValueError(f"{model} is not a trained pipeline folder (needs config.cfg and meta.json)")
    if not re.fullmatch(r"\d+(\.\d+)*([.-]?(a|b|rc|dev|post)\d*)*", version):
        raise ValueError(f"version must look like 1.0.0, got {version!r}")
    meta = json.loads((model / "meta.json").read_text(encoding="utf-8"))
    name = name or meta.get("name") or "scomm_custom"
    if not name.isidentifier() or not name.isascii():
        raise ValueError(f"name must be a Python identifier (letters, digits, _), got {name!r}")
    meta["name"] = name
    meta["version"] = version
    meta.setdefault("description", "scomm-nlp pipeline: stances on U.S. immigration-enforcement programs")
    own = f"scomm-nlp>={scomm_nlp.__version__}"
    meta["requirements"] = [r for r in meta.get("requirements", []) if not r.startswith("scomm")] + [own]
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as tmp:
        meta_path = Path(tmp) / "meta.json"
        meta_path.write_text(json.dumps(meta, indent=2), encoding="utf-8")
        hook = Path(tmp) / f"{HOOK_MODULE}.py"
        hook.write_text(HOOK_SOURCE, encoding="utf-8")
        log = out / "build.log"
        try:
            with _output_to(log):  # the setup.py/build subprocess prints ~100 lines: keep them in a log
                package(model, out, meta_path=meta_path, code_paths=[hook], name=name, version=version,
                        create_sdist=False, create_wheel=True, force=True, silent=True)
        except SystemExit:  # spaCy's packaging reports problems with msg.fail(..., exits=1)
            tail = log.read_text(encoding="utf-8", errors="replace").strip().splitlines()[-5:]
            raise ValueError("spaCy's packaging failed: " + " | ".join(tail)) from None
    full = package_name(name, meta.get("lang", "en"))
    dist = out / f"{full}-{version}" / "dist"
    wheels = sorted(dist.glob("*.whl"))
    if not wheels:
        raise ValueError(f"spaCy's packaging made no wheel in {dist} (see {log}; is the 'wheel' or 'build' "
                         "package installed?)")
    return wheels[-1]


@contextlib.contextmanager
def _output_to(path: Path):
    """Send this process's (and its children's) stdout and stderr to ``path`` for the block."""
    sys.stdout.flush()
    sys.stderr.flush()
    saved = os.dup(1), os.dup(2)
    with open(path, "wb") as fh:
        os.dup2(fh.fileno(), 1)
        os.dup2(fh.fileno(), 2)
        try:
            yield
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os.dup2(saved[0], 1)
            os.dup2(saved[1], 2)
            os.close(saved[0])
            os.close(saved[1])
