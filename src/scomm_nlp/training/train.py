"""``scomm-nlp train``: train a pipeline from Doccano exports with a config from ``configs/``."""

from __future__ import annotations

from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "configs"


def config_path(config: str | Path | None) -> Path:
    """A config file: a path, or the name of a shipped config (``efficiency``)."""
    if config is None:
        config = "efficiency"
    path = Path(config)
    if path.exists():
        return path
    shipped = CONFIG_DIR / f"{config}.cfg"
    if shipped.exists():
        return shipped
    names = ", ".join(sorted(p.stem for p in CONFIG_DIR.glob("*.cfg")))
    raise ValueError(f"no config {config!r}: give a path or one of {names}")


def split_inputs(annotations: list[Path]) -> tuple[list[Path], list[Path]]:
    """Train and dev files: files named dev* are the dev set; a folder contributes train*/dev* files."""
    train, dev = [], []
    for path in annotations:
        path = Path(path)
        files = (sorted(f for f in path.glob("*.jsonl") if f.name.startswith(("train", "dev")))
                 if path.is_dir() else [path])
        for f in files:
            if f.name.startswith("test"):
                continue  # the test split is for final reports only
            (dev if f.name.startswith("dev") else train).append(f)
    if not train or not dev:
        raise ValueError("training needs train files and a dev file (name one dev*.jsonl)")
    return train, dev


def train(annotations: list[Path], output: Path, *, config: str | Path | None = None, seed: int = 0,
          overrides: dict | None = None, stance: bool = True) -> Path:
    """Train into ``output`` (spaCy writes ``model-best`` and ``model-last``); returns the best model's path.

    With ``stance`` (default), the stance component is then fitted on the train files and added to
    both saved pipelines (see :mod:`scomm_nlp.training.stance`)."""
    import scomm_nlp.pipeline  # noqa: F401  (registers factories)
    import scomm_nlp.training.readers  # noqa: F401  (registers the corpus reader)
    from spacy.cli.train import train as spacy_train

    train_files, dev_files = split_inputs(annotations)
    settings = {
        "paths.train": ",".join(str(p) for p in train_files),
        "paths.dev": ",".join(str(p) for p in dev_files),
        "system.seed": seed,
    }
    settings.update(overrides or {})
    output = Path(output)
    output.mkdir(parents=True, exist_ok=True)
    spacy_train(config_path(config), output, overrides=settings)
    if stance:
        from scomm_nlp.training.stance import add_stance_stage

        add_stance_stage(output, train_files, seed=seed)
    return output / "model-best"
