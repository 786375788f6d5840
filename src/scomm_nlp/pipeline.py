"""Build and load scomm-nlp spaCy pipelines; registers the project's factories on import."""

from __future__ import annotations

from pathlib import Path

import spacy
from spacy.language import Language

import scomm_nlp.components  # noqa: F401  (registers the scomm_* factories)
import scomm_nlp.tokenizer  # noqa: F401  (registers scomm_nlp.Tokenizer.v1)
from scomm_nlp.extensions import register_extensions

#: Name of the model shipped in ``models/`` (and inside the wheel as ``scomm_nlp/models``).
DEFAULT_MODEL = "scomm_core"


def models_dirs() -> list[Path]:
    """Where shipped models are looked for: inside the installed package, then the repository's models/."""
    here = Path(__file__).resolve().parent
    return [here / "models", here.parent.parent / "models"]


def shipped_model_path(name: str = DEFAULT_MODEL) -> Path | None:
    for base in models_dirs():
        candidate = base / name
        if (candidate / "config.cfg").exists():
            return candidate
    return None


def build_rule_pipeline() -> Language:
    """The rule-based pipeline: tokenizer, sentencizer, knowledge-base gazetteer and linker."""
    register_extensions()
    from scomm_nlp.tokenizer import blank_english

    nlp = blank_english()
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("scomm_gazetteer")
    nlp.add_pipe("scomm_linker")
    nlp.initialize()
    nlp.meta["name"] = "scomm_rules"
    return nlp


def load_pipeline(model: str | Path | None = None) -> Language:
    """Load a pipeline: None = the shipped model (or the rule pipeline when none is shipped),
    ``"rules"`` = the rule pipeline, a path = a saved pipeline, a name = an installed package."""
    register_extensions()
    if model is None:
        path = shipped_model_path()
        return spacy.load(path) if path is not None else build_rule_pipeline()
    if str(model) == "rules":
        return build_rule_pipeline()
    path = Path(model)
    if path.exists():
        if not (path / "config.cfg").exists():
            raise ValueError(f"{path} is not a spaCy pipeline folder (no config.cfg)")
        return spacy.load(path)
    shipped = shipped_model_path(str(model))
    if shipped is not None:
        return spacy.load(shipped)
    try:
        return spacy.load(str(model))
    except OSError as exc:
        raise ValueError(f"cannot find model {model!r}: not a folder, a shipped model or an installed package") from exc
