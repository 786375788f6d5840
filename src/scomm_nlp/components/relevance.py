"""``scomm_relevance``: a fast relevance gate that says whether an article is about U.S.
immigration-enforcement programs at all, so that batch tagging can skip the expensive
components for clearly unrelated articles.

The gate is a linear model (scikit-learn ``LogisticRegression``) over hashed binary word 1-2 grams
(``HashingVectorizer``; stateless, so only the weights are stored). Its threshold is chosen on
the dev split for recall >= 0.99 on relevant documents (see :func:`choose_threshold`).

Saved format (a folder, no pickle): ``gate.json`` (format name and version, vectorizer
parameters, threshold, training summary) and ``weights.npz`` (``coef``, ``intercept``).
:meth:`RelevanceGate.load` refuses another format version. The hashing (MurmurHash3, seed 0)
is the same in every scikit-learn release, so the weights do not depend on the installed version.

Retrain the shipped gate with ``scomm-nlp gate train`` (see :func:`train_gate`).
"""

from __future__ import annotations

import functools
import hashlib
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, Sequence

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import minibatch

from scomm_nlp.data.jsonl import read_json_objects

FORMAT = "scomm-relevance-gate"
FORMAT_VERSION = 1
#: The gate shipped inside the package (and the wheel).
DEFAULT_GATE_DIR = Path(__file__).resolve().parent / "relevance_gate"
#: The category set on ``doc.cats`` by the spaCy component.
CAT = "RELEVANT"
TARGET_RECALL = 0.99
#: Words, plus section numbers such as ``287(g)`` kept whole.
TOKEN_PATTERN = r"(?u)\b\w+(?:\(\w\))?"
DEFAULT_PARAMS = {"ngram_range": [1, 2], "n_features": 2 ** 18, "token_pattern": TOKEN_PATTERN,
                  "lowercase": True, "binary": True, "max_chars": 50_000}


# --- data -----------------------------------------------------------------------------------------

@dataclass
class GateData:
    """Texts with a relevance label and where each came from (``corpus`` or ``offtopic``)."""

    ids: list[str] = field(default_factory=list)
    texts: list[str] = field(default_factory=list)
    labels: list[bool] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)

    def add(self, doc_id, text: str, relevant: bool, source: str) -> None:
        self.ids.append(str(doc_id))
        self.texts.append(text)
        self.labels.append(relevant)
        self.sources.append(source)

    def __len__(self) -> int:
        return len(self.texts)

    def fingerprint(self) -> str:
        digest = hashlib.sha256()
        for doc_id, text, label in zip(self.ids, self.texts, self.labels):
            digest.update(f"{doc_id}\t{int(label)}\t{text}\n".encode("utf-8"))
        return digest.hexdigest()[:16]


def _relevant_flag(value, where: str) -> bool:
    if value in ("yes", "no"):
        return value == "yes"
    raise ValueError(f"{where}: relevant: expected 'yes' or 'no', got {value!r}")


def _read_jsonl(path: Path) -> Iterator[tuple[int, dict]]:
    for number, record in read_json_objects(path):
        if not isinstance(record.get("text"), str):
            raise ValueError(f"{path}:{number}: text: missing or not a string")
        yield number, record


def load_gate_data(split: str, annotations: str | Path = "annotations") -> GateData:
    """Documents of one split: ``annotations/{split}.jsonl`` (label from the ``relevant`` field)
    plus the off-topic texts in ``annotations/offtopic/*.jsonl`` whose ``meta.split`` is ``split``."""
    root = Path(annotations)
    corpus = root / f"{split}.jsonl"
    if not corpus.is_file():
        raise ValueError(f"no corpus file {corpus}")
    data = GateData()
    for number, record in _read_jsonl(corpus):
        meta = record.get("meta") if isinstance(record.get("meta"), dict) else record
        data.add(record.get("id", f"{corpus.name}:{number}"), record["text"],
                 _relevant_flag(meta.get("relevant"), f"{corpus}:{number}"), "corpus")
    for path in sorted((root / "offtopic").glob("offtopic_*.jsonl")):
        for number, record in _read_jsonl(path):
            meta = record.get("meta")
            if not isinstance(meta, dict) or "split" not in meta:
                raise ValueError(f"{path}:{number}: meta.split: missing")
            if _relevant_flag(meta.get("relevant"), f"{path}:{number}"):
                raise ValueError(f"{path}:{number}: relevant: off-topic texts must be 'no'")
            if meta["split"] == split:
                data.add(record.get("id", f"{path.name}:{number}"), record["text"], False, "offtopic")
    return data


# --- the gate -------------------------------------------------------------------------------------

def _check_texts(texts) -> list[str]:
    if isinstance(texts, (str, bytes)):
        raise TypeError("the gate takes a list of texts, not a single string: wrap it in a list")
    try:
        items = list(texts)
    except TypeError:
        raise TypeError(f"the gate takes a list of texts, got {type(texts).__name__}") from None
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"text {i} is {type(text).__name__}, not str"
                            + (": decode it first" if isinstance(text, bytes) else ""))
    return items


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -500, 500)))


def _logit(p: float) -> float:
    p = min(max(p, 1e-12), 1 - 1e-12)
    return math.log(p / (1 - p))


class RelevanceGate:
    """Probability that a text is about U.S. immigration-enforcement programs, and a threshold."""

    def __init__(self, coef: np.ndarray, intercept: float, threshold: float, *, params: dict | None = None,
                 info: dict | None = None):
        self.params = {**DEFAULT_PARAMS, **(params or {})}
        self.coef = np.asarray(coef, dtype=np.float64).ravel()
        if self.coef.shape[0] != self.params["n_features"]:
            raise ValueError(f"gate weights have {self.coef.shape[0]} features, "
                             f"the parameters say {self.params['n_features']}")
        self.intercept = float(intercept)
        self.threshold = float(threshold)
        self.info = info or {}
        self._vectorizer = None

    @property
    def version(self) -> str:
        """Identifies the exact gate (format, parameters, weights, threshold), e.g. for run fingerprints."""
        digest = hashlib.sha256(json.dumps([FORMAT_VERSION, self.params, self.threshold, self.intercept],
                                           sort_keys=True).encode("utf-8"))
        digest.update(np.ascontiguousarray(self.coef, dtype=np.float64).tobytes())
        return f"{FORMAT_VERSION}-{digest.hexdigest()[:16]}"

    @property
    def vectorizer(self):
        if self._vectorizer is None:
            from sklearn.feature_extraction.text import HashingVectorizer

            p = self.params
            self._vectorizer = HashingVectorizer(ngram_range=tuple(p["ngram_range"]), n_features=p["n_features"],
                                                 token_pattern=p["token_pattern"], lowercase=p["lowercase"],
                                                 binary=p["binary"], alternate_sign=False, norm="l2")
        return self._vectorizer

    def features(self, texts: Sequence[str]):
        limit = self.params["max_chars"]
        return self.vectorizer.transform([t[:limit] for t in texts])

    def decision_function(self, texts: Iterable[str]) -> np.ndarray:
        texts = _check_texts(texts)
        if not texts:
            return np.zeros(0)
        return self.features(texts) @ self.coef + self.intercept

    def predict_proba(self, texts: Iterable[str]) -> list[float]:
        """Probability that each text is relevant."""
        return _sigmoid(self.decision_function(texts)).tolist()

    def is_relevant(self, texts: Iterable[str], threshold: float | None = None) -> list[bool]:
        cut = self.threshold if threshold is None else threshold
        return [p >= cut for p in self.predict_proba(texts)]

    def __getstate__(self):
        return {**self.__dict__, "_vectorizer": None}

    # -- persistence --------------------------------------------------------------------------------

    def save(self, path: str | Path) -> Path:
        """Write ``gate.json`` and ``weights.npz`` into the folder ``path``."""
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {"format": FORMAT, "format_version": FORMAT_VERSION, "params": self.params,
                "threshold": self.threshold, "info": self.info}
        np.savez_compressed(path / "weights.npz", coef=self.coef, intercept=np.array([self.intercept]))
        (path / "gate.json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "RelevanceGate":
        path = Path(path)
        meta_path, weights_path = path / "gate.json", path / "weights.npz"
        if not meta_path.is_file() or not weights_path.is_file():
            raise ValueError(f"{path} is not a relevance gate folder (needs gate.json and weights.npz)")
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if meta.get("format") != FORMAT:
            raise ValueError(f"{meta_path}: format: expected {FORMAT!r}, got {meta.get('format')!r}")
        if meta.get("format_version") != FORMAT_VERSION:
            raise ValueError(f"{meta_path}: format_version: this scomm-nlp reads version {FORMAT_VERSION}, "
                             f"the file is version {meta.get('format_version')!r}; retrain with "
                             "'scomm-nlp gate train'")
        with np.load(weights_path, allow_pickle=False) as weights:
            coef, intercept = weights["coef"], weights["intercept"]
        return cls(coef, float(intercept[0]), meta["threshold"], params=meta.get("params"), info=meta.get("info"))


@functools.lru_cache(maxsize=1)
def load_default_gate() -> RelevanceGate:
    """The gate shipped with the package (cached)."""
    return RelevanceGate.load(DEFAULT_GATE_DIR)


# --- training and evaluation ----------------------------------------------------------------------

def choose_threshold(pos: Sequence[float], neg: Sequence[float], target_recall: float = TARGET_RECALL) -> float:
    """The threshold (``p >= threshold`` is relevant) for recall >= ``target_recall`` on ``pos``
    that rejects as many of ``neg`` as possible.

    The highest such threshold is the lowest positive probability that may not be missed. Every
    threshold between the highest negative below it and it rejects the same negatives, so the
    middle of that interval (in log-odds) is taken: it keeps the figures and leaves a margin.
    """
    if not pos:
        raise ValueError("choosing a threshold needs at least one relevant document")
    pos_sorted = sorted(pos)
    allowed_misses = int(math.floor((1.0 - target_recall) * len(pos_sorted) + 1e-9))
    top = pos_sorted[allowed_misses]
    below = [p for p in neg if p < top]
    if not below:
        return top
    highest = max(below)
    middle = float(_sigmoid(np.array([(_logit(highest) + _logit(top)) / 2]))[0])
    return middle if highest < middle <= top else top


def evaluate_gate(gate: RelevanceGate, data: GateData, threshold: float | None = None) -> dict:
    """Recall and precision on relevant documents, and the share of negatives the gate rejects."""
    probs = gate.predict_proba(data.texts)
    cut = gate.threshold if threshold is None else threshold
    accepted = [p >= cut for p in probs]
    pos = [a for a, y in zip(accepted, data.labels) if y]
    neg_off = [a for a, y, s in zip(accepted, data.labels, data.sources) if not y and s == "offtopic"]
    neg_all = [a for a, y in zip(accepted, data.labels) if not y]
    true_pos = sum(pos)
    return {
        "threshold": cut,
        "relevant": len(pos),
        "negatives": len(neg_all),
        "offtopic": len(neg_off),
        "recall": true_pos / len(pos) if pos else None,
        "precision": true_pos / sum(accepted) if any(accepted) else None,
        "offtopic_rejected": 1 - sum(neg_off) / len(neg_off) if neg_off else None,
        "negatives_rejected": 1 - sum(neg_all) / len(neg_all) if neg_all else None,
        "missed": [i for i, a, y in zip(data.ids, accepted, data.labels) if y and not a],
        "let_through": [i for i, a, y in zip(data.ids, accepted, data.labels) if not y and a],
    }


def train_gate(train: GateData, dev: GateData | None = None, *, C: float = 10.0, seed: int = 0,
               target_recall: float = TARGET_RECALL, params: dict | None = None) -> RelevanceGate:
    """Fit the gate on ``train``; choose the threshold on ``dev`` (0.5 without dev data).

    Same data, parameters and seed give the same weights (liblinear is deterministic for a seed).
    """
    from sklearn.linear_model import LogisticRegression

    labels = np.asarray(train.labels, dtype=bool)
    if labels.all() or not labels.any():
        raise ValueError("training the gate needs both relevant and off-topic documents")
    gate = RelevanceGate(np.zeros(int({**DEFAULT_PARAMS, **(params or {})}["n_features"])), 0.0, 0.5,
                         params=params)
    model = LogisticRegression(C=C, class_weight="balanced", solver="liblinear", random_state=seed, max_iter=1000)
    model.fit(gate.features(_check_texts(train.texts)), labels)
    gate.coef = model.coef_.ravel().astype(np.float64)
    gate.intercept = float(model.intercept_[0])
    gate.info = {"C": C, "seed": seed, "target_recall": target_recall,
                 "train": {"documents": len(train), "relevant": int(labels.sum()),
                           "fingerprint": train.fingerprint()}}
    if dev is not None and len(dev):
        probs = gate.predict_proba(dev.texts)
        gate.threshold = choose_threshold([p for p, y in zip(probs, dev.labels) if y],
                                          [p for p, y in zip(probs, dev.labels) if not y], target_recall)
        report = evaluate_gate(gate, dev)
        gate.info["dev"] = {"documents": len(dev), "fingerprint": dev.fingerprint(),
                            **{k: v for k, v in report.items() if k not in ("missed", "let_through")}}
    return gate


def train_default_gate(annotations: str | Path = "annotations", out: str | Path = DEFAULT_GATE_DIR, *,
                       seed: int = 0, C: float = 10.0, target_recall: float = TARGET_RECALL) -> RelevanceGate:
    """Retrain the shipped gate: fit on the train split, threshold on dev; test is never read."""
    gate = train_gate(load_gate_data("train", annotations), load_gate_data("dev", annotations),
                      C=C, seed=seed, target_recall=target_recall)
    gate.save(out)
    return gate


# --- spaCy component ------------------------------------------------------------------------------

class RelevanceComponent:
    """Sets ``doc.cats["RELEVANT"]`` to the gate's probability. It reads only ``doc.text``, so it can
    stand first in a pipeline. ``threshold`` (the gate's own by default) is kept for callers."""

    def __init__(self, name: str, gate_path: str | None = None, threshold: float | None = None,
                 batch_size: int = 256):
        self.name = name
        self.gate_path = gate_path
        self._threshold = threshold
        self.batch_size = batch_size
        self._gate: RelevanceGate | None = None

    @property
    def gate(self) -> RelevanceGate:
        if self._gate is None:
            self._gate = RelevanceGate.load(self.gate_path) if self.gate_path else load_default_gate()
        return self._gate

    @property
    def threshold(self) -> float:
        return self.gate.threshold if self._threshold is None else self._threshold

    def _set(self, docs: list[Doc]) -> None:
        for doc, prob in zip(docs, self.gate.predict_proba([doc.text for doc in docs])):
            doc.cats[CAT] = prob

    def __call__(self, doc: Doc) -> Doc:
        self._set([doc])
        return doc

    def pipe(self, stream: Iterable[Doc], *, batch_size: int | None = None) -> Iterator[Doc]:
        for batch in minibatch(stream, size=batch_size or self.batch_size):
            self._set(batch)
            yield from batch

    def initialize(self, get_examples=None, *, nlp=None) -> None:
        self.gate  # noqa: B018  (load it now rather than on the first document)

    def to_disk(self, path, *, exclude=tuple()) -> None:
        self.gate.save(path)

    def from_disk(self, path, *, exclude=tuple()) -> "RelevanceComponent":
        self._gate = RelevanceGate.load(path)
        return self


@Language.factory(
    "scomm_relevance",
    assigns=["doc.cats"],
    default_config={"gate_path": None, "threshold": None, "batch_size": 256},
)
def make_relevance(nlp: Language, name: str, gate_path: str | None, threshold: float | None,
                   batch_size: int) -> RelevanceComponent:
    """The relevance gate as a pipeline component (``gate_path`` None = the shipped gate)."""
    return RelevanceComponent(name, gate_path, threshold, batch_size)
