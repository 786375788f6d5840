"""``scomm_stance``: who OPPOSES, SUPPORTS or COMPELS what, from the entities in ``doc.ents``.

The component builds candidate (actor, target) pairs allowed by
:data:`scomm_nlp.scheme.RELATION_SIGNATURES` (inside one sentence, plus pronoun / generic-noun
references resolved to the nearest preceding named mention, guideline rule 2.6), describes each pair
by hashed lexical, negation, reported-speech and (when the document has a parse) dependency
features, and scores it with a multinomial logistic regression over {none, OPPOSES, SUPPORTS,
COMPELS}. When the component carries fine-tuned pair encoders
(:mod:`scomm_nlp.components.pair_encoder`, each reading the candidate's sentence with both arguments
marked), the first encoder's probabilities are mixed in with weight ``encoder_weight`` for every
candidate the linear scorer gives at least ``encoder_min``; further encoders (the shipped model's first
encoder reads the stating sentence alone, its second one also the sentence before it) are consulted
only for the candidates that mix leaves undecided (stance probability inside ``ensemble_band``), which
then get the mean of all encoders with weight ``ensemble_weight``. The weights are fitted by
:mod:`scomm_nlp.training.stance` and saved with the pipeline.
A predicted stance spreads to the other members of a coordinated actor or target list in the same
sentence ("Santa Clara County and San Francisco sued") that score at least ``list_threshold``. With
``sponsor_lines``, the sponsors named on a bill tracker's sponsor line ("Sponsor: Sen. Eric Burlison") SUPPORT
the entry's bill (:mod:`scomm_nlp.components.stance_rules`).

It writes ``doc._.stances``: one record per predicted stance,
``{"head": [start, end], "child": [start, end], "type", "score", "resolved", "sent": [start, end]}``
in token offsets (``head`` is the actor entity, ``child`` the target entity, ``sent`` the sentence
that states the stance).
"""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Callable, Iterable, List, Optional, Sequence

import numpy as np
import srsly
from spacy.language import Language
from spacy.tokens import Doc
from spacy.util import ensure_path

from scomm_nlp import scheme
from scomm_nlp.components.pair_encoder import PairEncoder
from scomm_nlp.components.stance_rules import sponsor_records
from scomm_nlp.components.stance_features import Candidate, Featurizer, coordination_groups, generate_candidates, \
    set_sentences, stance_units
from scomm_nlp.extensions import register_extensions

def record_order(record: dict) -> tuple[int, int, int]:
    """The order of ``doc._.stances``: by sentence, then actor, then target."""
    return record["sent"][0], record["head"][0], record["child"][0]


#: Output classes of the scorer: index 0 is "no stance".
NONE = "NONE"
CLASSES: tuple[str, ...] = (NONE, *scheme.RELATION_TYPES)


def hasher(n_features: int):
    """The training-time feature hasher (scikit-learn; only training imports it)."""
    from sklearn.feature_extraction import FeatureHasher

    return FeatureHasher(n_features=n_features, input_type="string", alternate_sign=False)


def hashed_columns(features: Iterable[str], n_features: int) -> list[int]:
    """The column :func:`hasher` gives each feature (MurmurHash3 x86 32-bit of the UTF-8 bytes, seed 0,
    absolute value modulo ``n_features``), computed with spaCy's own ``murmurhash`` so prediction does
    not import scikit-learn (seconds of start-up)."""
    from murmurhash import hash as murmur

    return [abs(murmur(feature)) % n_features for feature in features]


class StanceWeights:
    """A fitted linear scorer over hashed features: ``coef`` (classes x features) and ``intercept``."""

    def __init__(self, coef: np.ndarray, intercept: np.ndarray, classes: Iterable[str]):
        self.coef = np.asarray(coef, dtype=np.float32)
        self.intercept = np.asarray(intercept, dtype=np.float32)
        self.classes = tuple(classes)
        if self.coef.shape[0] != len(self.classes) or self.intercept.shape[0] != len(self.classes):
            raise ValueError("stance weights: coef, intercept and classes disagree in size")

    @property
    def n_features(self) -> int:
        return int(self.coef.shape[1])

    def probabilities(self, X) -> np.ndarray:
        """Class probabilities for a hashed feature matrix ``X`` (candidates x features)."""
        return self._softmax(np.asarray(X @ self.coef.T) + self.intercept)

    def probabilities_of_columns(self, columns: list[list[int]]) -> np.ndarray:
        """Like :meth:`probabilities`, from each candidate's hashed columns (repeats count, as in ``X``)."""
        z = np.stack([self.coef[:, cols].sum(axis=1) if cols else np.zeros(len(self.classes), np.float32)
                      for cols in columns]) + self.intercept
        return self._softmax(z)

    @staticmethod
    def _softmax(z: np.ndarray) -> np.ndarray:
        z -= z.max(axis=1, keepdims=True)
        e = np.exp(z)
        return e / e.sum(axis=1, keepdims=True)

    def to_bytes(self) -> bytes:
        buf = io.BytesIO()
        rows, cols = np.nonzero(self.coef)
        np.savez_compressed(buf, rows=rows.astype(np.int32), cols=cols.astype(np.int32),
                            values=self.coef[rows, cols], shape=np.array(self.coef.shape),
                            intercept=self.intercept)
        return srsly.msgpack_dumps({"classes": list(self.classes), "npz": buf.getvalue()})

    @classmethod
    def from_bytes(cls, data: bytes) -> "StanceWeights":
        msg = srsly.msgpack_loads(data)
        with np.load(io.BytesIO(msg["npz"]), allow_pickle=False) as z:
            coef = np.zeros(tuple(int(x) for x in z["shape"]), dtype=np.float32)
            coef[z["rows"], z["cols"]] = z["values"]
            return cls(coef, z["intercept"], msg["classes"])


class StanceComponent:
    """Scores candidate actor-target pairs and writes ``doc._.stances``."""

    def __init__(self, nlp: Language, name: str, *, threshold: float, window: int, max_rank: int,
                 negation: bool, use_parse: bool, n_features: int, list_threshold: float | None = None,
                 encoder_weight: float = 0.5, encoder_min: float = 0.15, ensemble_weight: float = 0.6,
                 ensemble_band: Sequence[float] = (0.35, 0.65), sponsor_lines: bool = True):
        register_extensions()
        self.name = name
        self.cfg = {"threshold": float(threshold), "window": int(window), "max_rank": int(max_rank),
                    "negation": bool(negation), "use_parse": bool(use_parse), "n_features": int(n_features),
                    "list_threshold": None if list_threshold is None else float(list_threshold),
                    "encoder_weight": float(encoder_weight), "encoder_min": float(encoder_min),
                    "ensemble_weight": float(ensemble_weight), "ensemble_band": [float(x) for x in ensemble_band],
                    "sponsor_lines": bool(sponsor_lines)}
        if len(self.cfg["ensemble_band"]) != 2:
            raise ValueError(f"{name}: ensemble_band must be [low, high], got {ensemble_band!r}")
        self.weights: StanceWeights | None = None
        #: the fine-tuned pair encoders: none, one, or a first one and others for undecided candidates
        self.encoders: list[PairEncoder] = []

    @property
    def encoder(self) -> PairEncoder | None:
        """The first pair encoder, or None; setting it replaces all encoders by this one (None: no encoder)."""
        return self.encoders[0] if self.encoders else None

    @encoder.setter
    def encoder(self, value: PairEncoder | None) -> None:
        self.encoders = [] if value is None else [value]

    # ------------------------------------------------------------------ configuration views

    @property
    def featurizer(self) -> Featurizer:
        return Featurizer(negation=self.cfg["negation"], parse=self.cfg["use_parse"])

    @property
    def is_trained(self) -> bool:
        return self.weights is not None

    def candidates(self, doc: Doc) -> list[Candidate]:
        return generate_candidates(doc, window=self.cfg["window"], max_rank=self.cfg["max_rank"],
                                   units=stance_units(doc))

    # ------------------------------------------------------------------ prediction

    def score(self, doc: Doc) -> tuple[list[Candidate], np.ndarray]:
        """Candidates and their class probabilities (columns in ``self.weights.classes`` order),
        with the types the scheme forbids for a pair set to zero: the linear scorer's, with the pair encoders
        mixed in (:meth:`combine`)."""
        cands, linear = self.linear_score(doc)
        if not cands or not self.encoders or self.cfg.get("encoder_weight", 0.0) <= 0:
            return cands, linear
        return cands, self.combine(linear, lambda k, rows: self._encode(k, [cands[i] for i in rows]))

    def linear_score(self, doc: Doc) -> tuple[list[Candidate], np.ndarray]:
        """Candidates and the linear scorer's class probabilities alone (forbidden types set to zero)."""
        if self.weights is None:
            raise ValueError(f"the {self.name!r} component has no trained weights: train it with "
                             "`scomm-nlp train` or scomm_nlp.training.stance.train_stance()")
        cands = self.candidates(doc)
        if not cands:
            return cands, np.zeros((0, len(self.weights.classes)), dtype=np.float32)
        n_features = self.cfg["n_features"]
        featurize = self.featurizer  # one Featurizer per document: it caches per-document facts
        # sorted: the features come partly from sets of strings, whose order changes from one process to the
        # next (hash randomisation); summing float32 weights in another order changes the last digits
        return cands, self.drop_forbidden_types(cands, self.weights.probabilities_of_columns(
            [sorted(hashed_columns(featurize(c), n_features)) for c in cands]))

    def combine(self, linear: np.ndarray, encode: Callable[[int, np.ndarray], np.ndarray], *,
                encoder_min: float | None = None, weight: float | None = None, ensemble_weight: float | None = None,
                band: Sequence[float] | None = None) -> np.ndarray:
        """The linear probabilities with the encoders mixed in (settings default to ``self.cfg``).

        ``encode(k, rows)`` gives encoder ``k``'s probabilities for the candidates at ``rows``. The first encoder
        reads the candidates the linear scorer gives at least ``encoder_min`` (the rest could hardly reach the
        threshold, and an encoder costs a network pass per candidate), mixed with ``weight``; the others read only
        those whose mixed stance probability lies inside ``band``, which then get the mean of all encoders mixed
        with ``ensemble_weight``."""
        rows = self.encoder_rows(linear, encoder_min)
        if not len(rows) or not self.encoders:
            return linear
        first = encode(0, rows)
        probs = self.mix(linear, rows, [first], weight)
        if len(self.encoders) > 1:
            low, high = self.cfg["ensemble_band"] if band is None else band
            undecided = self.stance_probability(probs[rows])
            pos = np.flatnonzero((undecided >= low) & (undecided <= high))
            if len(pos):
                chosen = rows[pos]
                encoded = [first[pos]] + [encode(k, chosen) for k in range(1, len(self.encoders))]
                weight_all = self.cfg["ensemble_weight"] if ensemble_weight is None else ensemble_weight
                probs[chosen] = self.mix(linear, chosen, encoded, weight_all)[chosen]
        return probs

    def encoder_rows(self, linear: np.ndarray, encoder_min: float | None = None) -> np.ndarray:
        """Indices of the candidates the encoders read: linear stance probability >= ``encoder_min``."""
        minimum = self.cfg.get("encoder_min", 0.0) if encoder_min is None else encoder_min
        return np.flatnonzero(self.stance_probability(linear) >= minimum)

    def encoder_probabilities(self, cands: list[Candidate]) -> list[np.ndarray]:
        """Each encoder's class probabilities for all of ``cands`` (columns in ``self.weights.classes`` order,
        forbidden types set to zero): what :meth:`combine` reads, computed up front (for tuning)."""
        return [self._encode(k, cands) for k in range(len(self.encoders))]

    def _encode(self, k: int, cands: list[Candidate]) -> np.ndarray:
        """Encoder ``k``'s probabilities for ``cands``, in class order, forbidden types zeroed."""
        encoder = self.encoders[k]
        # the first encoder runs for most candidates and busy-waits between its runs (faster); the others run
        # rarely and must not, or their waiting threads hold the cores the first one needs (PairEncoder.spinning)
        encoder.spinning = k == 0
        return self.drop_forbidden_types(cands, self._in_class_order(encoder, encoder.probabilities(cands)))

    def mix(self, linear: np.ndarray, rows: np.ndarray, encoded: list[np.ndarray],
            weight: float | None = None) -> np.ndarray:
        """``linear`` with rows ``rows`` mixed with the encoders' probabilities for those rows (``encoded``,
        one array per encoder): ``(1 - weight) * linear + weight * mean(encoded)``; ``weight`` defaults to
        ``encoder_weight``."""
        weight = self.cfg.get("encoder_weight", 0.0) if weight is None else weight
        probs = linear.copy()
        if len(rows) and encoded:
            probs[rows] = weight * (sum(encoded) / len(encoded)) + (1.0 - weight) * linear[rows]
        return probs

    def stance_probability(self, probs: np.ndarray) -> np.ndarray:
        """Per row of ``probs`` (classes in ``self.weights.classes`` order), the probability of its most likely
        stance type: what ``encoder_min`` is compared with."""
        return probs[:, [k for k, cls in enumerate(self.weights.classes) if cls != NONE]].max(axis=1)

    def drop_forbidden_types(self, cands: list[Candidate], probs: np.ndarray) -> np.ndarray:
        """``probs`` (changed in place and returned) with the types the scheme forbids for each pair set to zero,
        rows summing to one."""
        for i, c in enumerate(cands):
            for j, cls in enumerate(self.weights.classes):
                if cls != NONE and not scheme.relation_allowed(cls, c.actor.label_, c.target.label_):
                    probs[i, j] = 0.0
        probs /= probs.sum(axis=1, keepdims=True)
        return probs

    def _in_class_order(self, encoder: PairEncoder, probs: np.ndarray) -> np.ndarray:
        """An encoder's columns reordered to ``self.weights.classes``."""
        order = encoder.cfg["classes"]
        if list(order) == list(self.weights.classes):
            return probs.astype(np.float32)
        return probs[:, [order.index(cls) for cls in self.weights.classes]].astype(np.float32)

    def decide(self, cands: list[Candidate], probs: np.ndarray, threshold: float | None = None) -> list[dict]:
        threshold = self.cfg["threshold"] if threshold is None else threshold
        classes = self.weights.classes
        records = []
        best_resolved: dict[tuple, tuple[float, dict]] = {}
        for c, p in zip(cands, probs):
            best_type = max((k for k in range(len(classes)) if classes[k] != NONE), key=lambda k: p[k])
            if p[best_type] < threshold:
                continue
            rec = {"head": [c.actor.start, c.actor.end], "child": [c.target.start, c.target.end],
                   "type": classes[best_type], "score": round(float(p[best_type]), 4),
                   "resolved": bool(c.resolved), "sent": [c.unit.start, c.unit.end]}
            if c.resolved:
                # a pronoun or generic noun names one party: keep the best-scored antecedent only
                key = (c.a, c.t)
                if key not in best_resolved or best_resolved[key][0] < p[best_type]:
                    best_resolved[key] = (float(p[best_type]), rec)
            else:
                records.append(rec)
        records.extend(rec for _score, rec in best_resolved.values())
        records.extend(self._spread_over_lists(cands, probs, records))
        records.sort(key=record_order)
        return records

    def _spread_over_lists(self, cands: list[Candidate], probs: np.ndarray, records: list[dict]) -> list[dict]:
        """Guideline rule 8 (coordination): when one member of a list ("Santa Clara County and San Francisco
        sued over the order") holds a predicted stance, every other member of that list in the same sentence
        holds it too if the scorer gives it at least ``list_threshold`` (lower than ``threshold``)."""
        low = self.cfg.get("list_threshold")
        if low is None or not records or not cands:
            return []
        classes = self.weights.classes
        groups = coordination_groups(cands[0].unit.doc, list(cands[0].unit.doc.ents))
        done = {(tuple(r["head"]), tuple(r["child"])) for r in records}
        by_pair = {}
        for r in records:
            if not r["resolved"]:
                by_pair.setdefault(r["type"], []).append((r["head"][0], r["child"][0]))

        def same_list(start: int, other: int) -> bool:
            """Two different entities (by first token) in one coordinated list of two or more."""
            group = groups.get(start)
            return (start != other and group is not None and group[2] > 1
                    and groups.get(other, (None,))[0] == group[0])

        extra = []
        for c, p in zip(cands, probs):
            if c.resolved or c.key in done:
                continue
            actor, target = c.actor.start, c.target.start
            for typ, pairs in by_pair.items():
                k = classes.index(typ)
                if p[k] < low:
                    continue
                # same target, actor from the same list; or same actor, target from the same list
                if any((t == target and same_list(actor, h)) or (h == actor and same_list(target, t))
                       for h, t in pairs):
                    extra.append({"head": [c.actor.start, c.actor.end], "child": [c.target.start, c.target.end],
                                  "type": typ, "score": round(float(p[k]), 4), "resolved": False,
                                  "sent": [c.unit.start, c.unit.end]})
                    done.add(c.key)
                    break
        return extra

    def __call__(self, doc: Doc) -> Doc:
        set_sentences(doc)
        cands, probs = self.score(doc)
        doc._.stances = self.stances(doc, cands, probs)
        return doc

    def stances(self, doc: Doc, cands: list[Candidate], probs: np.ndarray,
                threshold: float | None = None) -> list[dict]:
        """The ``doc._.stances`` records of scored candidates: :meth:`decide`, then the sponsor-line stances
        (guideline rule 13) when ``sponsor_lines`` is on."""
        records = self.decide(cands, probs, threshold=threshold)
        if self.cfg.get("sponsor_lines"):
            records.extend(sponsor_records(doc, records))
            records.sort(key=record_order)
        return records

    def pipe(self, docs: Iterable[Doc], batch_size: int = 128):
        # one document at a time, also for the encoder: its 8-bit network scales activations by the batch it
        # sees, so batching candidates of several documents would make a document's scores depend on its
        # neighbours (and the same text give other scores in another batch, process or resumed run)
        for doc in docs:
            yield self(doc)

    def initialize(self, get_examples: Callable[[], Iterable] | None = None, *, nlp: Language | None = None) -> None:
        """Nothing to set up: the weights come from :func:`scomm_nlp.training.stance.fit_stance`."""

    # ------------------------------------------------------------------ serialisation

    def to_bytes(self, *, exclude=tuple()) -> bytes:
        return srsly.msgpack_dumps({"cfg": self.cfg,
                                    "weights": self.weights.to_bytes() if self.weights is not None else None,
                                    "encoders": [encoder.to_dict() for encoder in self.encoders]})

    def from_bytes(self, data: bytes, *, exclude=tuple()) -> "StanceComponent":
        msg = srsly.msgpack_loads(data)
        self.cfg.update(msg["cfg"])
        self.weights = StanceWeights.from_bytes(msg["weights"]) if msg["weights"] is not None else None
        if "encoders" in msg:
            self.encoders = [PairEncoder.from_dict(m) for m in msg["encoders"]]
        else:  # written before there could be several encoders
            self.encoder = PairEncoder.from_dict(msg["encoder"]) if msg.get("encoder") is not None else None
        return self

    def to_disk(self, path, *, exclude=tuple()) -> None:
        path = ensure_path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "cfg.json").write_text(json.dumps(self.cfg, indent=2), encoding="utf-8")
        if self.weights is not None:
            (path / "weights.bin").write_bytes(self.weights.to_bytes())
        for k, encoder in enumerate(self.encoders):
            encoder.to_disk(path / encoder_folder(k))

    def from_disk(self, path, *, exclude=tuple()) -> "StanceComponent":
        path = Path(path)
        cfg_file = path / "cfg.json"
        if cfg_file.exists():
            self.cfg.update(json.loads(cfg_file.read_text(encoding="utf-8")))
        weights = path / "weights.bin"
        self.weights = StanceWeights.from_bytes(weights.read_bytes()) if weights.exists() else None
        self.encoders = []
        while (path / encoder_folder(len(self.encoders))).is_dir():
            self.encoders.append(PairEncoder.from_disk(path / encoder_folder(len(self.encoders))))
        return self


def encoder_folder(k: int) -> str:
    """The folder of the ``k``-th pair encoder inside the component's folder: encoder, encoder_1, ..."""
    return "encoder" if k == 0 else f"encoder_{k}"


@Language.factory(
    "scomm_stance",
    default_config={"threshold": 0.4, "window": 3, "max_rank": 3, "negation": True, "use_parse": True,
                    "n_features": 262144, "list_threshold": 0.2, "encoder_weight": 0.5, "encoder_min": 0.15,
                    "ensemble_weight": 0.6, "ensemble_band": [0.35, 0.65], "sponsor_lines": True},
    assigns=["doc._.stances"],
    requires=["doc.ents"],
)
def make_stance(nlp: Language, name: str, threshold: float, window: int, max_rank: int, negation: bool,
                use_parse: bool, n_features: int, list_threshold: Optional[float] = 0.2,
                encoder_weight: float = 0.5, encoder_min: float = 0.15, ensemble_weight: float = 0.6,
                ensemble_band: List[float] = [0.35, 0.65], sponsor_lines: bool = True) -> StanceComponent:
    """Stance scorer over the entities in ``doc.ents`` (fit with ``scomm_nlp.training.stance``)."""
    return StanceComponent(nlp, name, threshold=threshold, window=window, max_rank=max_rank, negation=negation,
                           use_parse=use_parse, n_features=n_features, list_threshold=list_threshold,
                           encoder_weight=encoder_weight, encoder_min=encoder_min, ensemble_weight=ensemble_weight,
                           ensemble_band=ensemble_band, sponsor_lines=sponsor_lines)
