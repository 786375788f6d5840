"""A fine-tuned sentence encoder that reads one stance candidate as marked-up text.

The linear stance scorer sees hashed word features; this encoder reads the candidate's sentence
itself, with the two arguments marked in place and typed (a "typed entity marker" input, see
:func:`pair_text`):

    @ * governor * Pat Quinn @ said Illinois would leave # ^ program ^ Secure Communities # .
    [SEP] Pat Quinn (governor) ; Secure Communities (program)

and returns class probabilities over ``CLASSES`` (none, OPPOSES, SUPPORTS, COMPELS). The network
is the MiniLM-L6 sentence encoder fine-tuned by :mod:`scomm_nlp.training.pair_encoder` (which needs
torch); at run time it is an ONNX graph executed by onnxruntime with a Hugging Face ``tokenizers``
tokenizer, so analysing text needs neither torch nor transformers. Files (``encoder/`` inside the
``scomm_stance`` folder): ``model.onnx``, ``tokenizer.json`` and ``encoder.json`` (settings).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Sequence

import numpy as np

from scomm_nlp.components.stance_features import Candidate, stance_units

ACTOR_OPEN, ACTOR_CLOSE = "@", "@"
TARGET_OPEN, TARGET_CLOSE = "#", "#"
#: the characters around the label inside the actor's and the target's opening marker
ACTOR_LABEL_MARK, TARGET_LABEL_MARK = "*", "^"
#: between the parties of the pair description
SIDE_SEP = " ; "
#: spaCy tokens kept on each side of the two arguments inside a long sentence.
WINDOW = 40


@dataclass(frozen=True)
class PairText:
    """The encoder's input for one candidate: the marked text, the pair description, and where the
    actor and target markers start in ``text`` (character offsets)."""

    text: str
    side: str
    actor_at: int
    target_at: int


def _char_span(doc, span: tuple[int, int]) -> tuple[int, int]:
    return doc[span[0]].idx, doc[span[1] - 1].idx + len(doc[span[1] - 1].text)


def pair_text(cand: Candidate, *, context: int = 1, units: Sequence | None = None) -> PairText:
    """The marked-up text of a candidate.

    The stating sentence (cut to ``WINDOW`` tokens around the arguments when it is long) with the
    actor's stand-in (its mention, or the pronoun / generic noun that refers to it) wrapped as
    ``@ * label * ... @`` and the target's as ``# ^ label ^ ... #``; before it, the ``context``
    sentences that precede it. The second segment names both parties by their mention text and
    label, and the referring word when the candidate was resolved.
    """
    doc = cand.unit.doc
    unit = cand.unit
    lo_tok = max(unit.start, min(cand.a[0], cand.t[0]) - WINDOW)
    hi_tok = min(unit.end, max(cand.a[1], cand.t[1]) + WINDOW)
    start = doc[lo_tok].idx
    window = doc[lo_tok:hi_tok].text  # (doc.text would join every token of the document)
    al, tl = cand.actor.label_.lower(), cand.target.label_.lower()
    a0, a1 = _char_span(doc, cand.a)
    t0, t1 = _char_span(doc, cand.t)
    # at one position a closing marker goes before an opening one
    inserts = sorted([(a0, _opening(ACTOR_OPEN, ACTOR_LABEL_MARK, al), "a"), (a1, f" {ACTOR_CLOSE}", ""),
                      (t0, _opening(TARGET_OPEN, TARGET_LABEL_MARK, tl), "t"), (t1, f" {TARGET_CLOSE}", "")],
                     key=lambda x: (x[0], x[2] != ""))
    prefix = ""
    if context:
        units = units if units is not None else stance_units(doc)
        before = [u for u in units if u.end <= unit.start][-context:]
        prefix = " ".join(u.text for u in before)
        prefix = prefix + " " if prefix else ""
    # whitespace (newlines of a headline, say) stays as it is: the tokenizer splits on it anyway
    pieces, pos, marks = [prefix], start, {}
    length = len(prefix)
    for at, marker, which in inserts:
        chunk = window[pos - start:at - start]
        pieces.append(chunk)
        length += len(chunk)
        if which:
            marks[which] = length
        pieces.append(marker)
        length += len(marker)
        pos = at
    pieces.append(window[pos - start:])
    parties = [_side_party(cand.actor.text, al), _side_party(cand.target.text, tl)]
    if cand.resolved:
        parties.append(f"refers to: {cand.anaphor}")
    return PairText("".join(pieces), " ".join(SIDE_SEP.join(parties).split()), marks["a"], marks["t"])


def _opening(opener: str, mark: str, label: str) -> str:
    return f"{opener} {mark} {label} {mark} "


def _side_party(name: str, label: str) -> str:
    return f"{name} ({label})"


def marked_party(text: str, at: int) -> tuple[str, int, int]:
    """The label and the character span of the name inside the argument marker that :func:`pair_text`
    wrote at ``at`` (``@ * label * NAME @`` or ``# ^ label ^ NAME #``)."""
    opener = text[at]
    mark = text[at + len(opener) + 1]
    lead, tail = _opening(opener, mark, "\0").split("\0")  # what _opening writes before and after the label
    label_start = at + len(lead)
    label_end = text.index(tail, label_start)
    start = label_end + len(tail)
    return text[label_start:label_end], start, text.index(f" {opener}", start)


def side_parties(side: str) -> list[str]:
    """The parts of a pair description: actor, target and, for a resolved candidate, the referring word."""
    return side.split(SIDE_SEP)


def side_party_name(part: str, label: str) -> str:
    """The name in one party of the pair description (``NAME (label)``)."""
    suffix = _side_party("", label)  # " (label)"
    return part[: -len(suffix)] if part.endswith(suffix) else part


#: Candidates per network run at inference. The 8-bit network scales its activations by the batch it sees, so a
#: row of a batch of 32 (padded to its longest pair) is read more coarsely than alone; one pair per run scored
#: +1.0 stance micro F end to end on dev and level on test (STANCE_COMPARISON.md, section h) at no measured cost
#: in speed, and makes a candidate's score independent of the other candidates of its document.
INFERENCE_BATCH = 1


class PairEncoder:
    """The ONNX encoder and its tokenizer: :meth:`probabilities` of candidates."""

    def __init__(self, model_bytes: bytes, tokenizer_json: str, cfg: dict):
        self.model_bytes = model_bytes
        self.tokenizer_json = tokenizer_json
        self.cfg = {"max_length": 160, "context": 1, "batch_size": INFERENCE_BATCH, "classes": None, **cfg}
        self._session = None
        self._tokenizer = None
        self._spinning = True

    @property
    def spinning(self) -> bool:
        """Whether the runtime's threads busy-wait between runs: faster for an encoder that runs all the time,
        much slower when another session then runs on the same cores (its waiting threads hold them). The
        stance component lets its first encoder spin and not the others. Changing it rebuilds the session."""
        return self._spinning

    @spinning.setter
    def spinning(self, value: bool) -> None:
        if bool(value) != self._spinning:
            self._spinning = bool(value)
            self._session = None

    def __getstate__(self) -> dict:
        # an onnxruntime session cannot be pickled (worker processes, Dask): each process makes its own
        return {**self.__dict__, "_session": None, "_tokenizer": None}

    # ------------------------------------------------------------------ lazy runtime objects

    @property
    def tokenizer(self):
        if self._tokenizer is None:
            from tokenizers import Tokenizer

            tok = Tokenizer.from_str(self.tokenizer_json)
            tok.enable_truncation(self.cfg["max_length"], strategy="only_first")
            tok.enable_padding(pad_id=tok.token_to_id("[PAD]") or 0, pad_token="[PAD]")
            self._tokenizer = tok
        return self._tokenizer

    @property
    def session(self):
        if self._session is None:
            import onnxruntime as ort

            options = ort.SessionOptions()
            options.intra_op_num_threads = int(self.cfg.get("threads", 0) or 0)
            options.inter_op_num_threads = 1
            options.log_severity_level = 3
            if not self._spinning:
                options.add_session_config_entry("session.intra_op.allow_spinning", "0")
            self._session = ort.InferenceSession(self.model_bytes, options, providers=["CPUExecutionProvider"])
        return self._session

    # ------------------------------------------------------------------ prediction

    def inputs(self, items: Sequence[PairText]) -> dict[str, np.ndarray]:
        """Token ids, mask, segment ids and the token positions of the two markers."""
        encodings = self.tokenizer.encode_batch([(p.text, p.side) for p in items])
        ids = np.array([e.ids for e in encodings], dtype=np.int64)
        mask = np.array([e.attention_mask for e in encodings], dtype=np.int64)
        types = np.array([e.type_ids for e in encodings], dtype=np.int64)
        pa = np.zeros(len(items), dtype=np.int64)
        pt = np.zeros(len(items), dtype=np.int64)
        for row, (item, enc) in enumerate(zip(items, encodings)):
            pa[row] = _token_at(enc, item.actor_at)
            pt[row] = _token_at(enc, item.target_at)
        return {"input_ids": ids, "attention_mask": mask, "token_type_ids": types, "pa": pa, "pt": pt}

    def probabilities(self, cands: Sequence[Candidate]) -> np.ndarray:
        """Class probabilities (candidates x classes), in ``cfg["classes"]`` order.

        With 8-bit weights a row depends a little on the other rows of its batch (activations are scaled
        per batch): ``cfg["batch_size"]`` defaults to :data:`INFERENCE_BATCH` (one pair per run); with a larger
        one the stance component still passes one document's candidates at a time."""
        n_classes = len(self.cfg["classes"])
        if not cands:
            return np.zeros((0, n_classes), dtype=np.float32)
        units: dict[int, list] = {}
        if self.cfg["context"]:
            for c in cands:
                if id(c.unit.doc) not in units:
                    units[id(c.unit.doc)] = stance_units(c.unit.doc)
        items = [pair_text(c, context=self.cfg["context"], units=units.get(id(c.unit.doc))) for c in cands]
        out = np.zeros((len(items), n_classes), dtype=np.float32)
        order = sorted(range(len(items)), key=lambda i: len(items[i].text) + len(items[i].side))
        size = int(self.cfg["batch_size"])
        for k in range(0, len(order), size):
            idx = order[k:k + size]
            out[idx] = self.session.run(["probs"], self.inputs([items[i] for i in idx]))[0]
        return out

    # ------------------------------------------------------------------ serialisation

    def to_disk(self, path: str | Path) -> None:
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        (path / "model.onnx").write_bytes(self.model_bytes)
        (path / "tokenizer.json").write_text(self.tokenizer_json, encoding="utf-8")
        (path / "encoder.json").write_text(json.dumps(self.cfg, indent=2), encoding="utf-8")

    @classmethod
    def from_disk(cls, path: str | Path) -> "PairEncoder":
        path = Path(path)
        for name in ("model.onnx", "tokenizer.json", "encoder.json"):
            if not (path / name).is_file():
                raise ValueError(f"stance encoder folder {path} has no {name}")
        return cls((path / "model.onnx").read_bytes(), (path / "tokenizer.json").read_text(encoding="utf-8"),
                   json.loads((path / "encoder.json").read_text(encoding="utf-8")))

    def to_dict(self) -> dict:
        return {"model": self.model_bytes, "tokenizer": self.tokenizer_json, "cfg": self.cfg}

    @classmethod
    def from_dict(cls, msg: dict) -> "PairEncoder":
        return cls(msg["model"], msg["tokenizer"], msg["cfg"])


def _token_at(encoding, char: int) -> int:
    """The first token of the first segment whose character span starts at or after ``char``."""
    for i, ((s, _e), seq) in enumerate(zip(encoding.offsets, encoding.sequence_ids)):
        if seq == 0 and s >= char:
            return i
    return 0
