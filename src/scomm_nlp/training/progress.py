"""``scomm_nlp.ProgressLogger.v1``: the training progress printed by ``scomm-nlp train``.

One line per evaluation on the dev set: epoch, step, elapsed time, training loss per component,
entity P/R/F and the F of each label, whether it is the best so far, and how many steps are left
before early stopping (``training.patience``). Every line is also written as JSON to ``log_file``
(``train_log.jsonl`` in the output folder), which ``train-curve`` and the model card read.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path
from typing import IO, Any, Callable, Optional

import spacy


def _pct(value) -> float:
    return round(100 * float(value or 0.0), 1)


@spacy.registry.loggers("scomm_nlp.ProgressLogger.v1")
def progress_logger(log_file: Optional[str] = None) -> Callable:
    def setup(nlp, stdout: IO = sys.stdout, stderr: IO = sys.stderr):
        training = nlp.config["training"]
        patience, max_steps = training["patience"], training["max_steps"]
        pipes = [name for name, proc in nlp.pipeline if getattr(proc, "is_trainable", False)]
        started = time.perf_counter()
        state = {"best": None, "best_step": 0}
        stream = None
        if log_file:
            Path(log_file).parent.mkdir(parents=True, exist_ok=True)
            stream = open(log_file, "w", encoding="utf-8")

        def write(text: str) -> None:
            print(text, file=stdout, flush=True)

        limit = f"max {max_steps} steps" if max_steps else "no step limit"
        stop = f"stops after {patience} steps without a better dev score" if patience else "no early stopping"
        write(f"training {', '.join(pipes)}: dev evaluation every {training['eval_frequency']} steps, {limit}, {stop}")
        write(f"{'epoch':>5} {'step':>6} {'time':>7}  " + "  ".join(f"{'loss ' + p:>12}" for p in pipes)
              + f"  {'ents P':>6} {'R':>5} {'F':>5}  per label F")

        def log_step(info: Optional[dict[str, Any]]) -> None:
            if info is None:
                return
            scores = info["other_scores"]
            elapsed = time.perf_counter() - started
            score = float(info["score"])
            is_best = state["best"] is None or score > state["best"]
            if is_best:
                state["best"], state["best_step"] = score, info["step"]
            per_type = {label: _pct(s.get("f")) for label, s in sorted((scores.get("ents_per_type") or {}).items())}
            losses = {p: round(float(info["losses"].get(p, 0.0)), 2) for p in pipes}
            left = patience - (info["step"] - state["best_step"]) if patience else None
            tail = "  best so far" if is_best else (f"  (best {100 * state['best']:.1f} at step {state['best_step']}"
                                                     + (f", stops in {left} steps)" if left is not None else ")"))
            write(f"{info['epoch']:>5} {info['step']:>6} {int(elapsed) // 60:>4}:{int(elapsed) % 60:02d}  "
                  + "  ".join(f"{losses[p]:>12.2f}" for p in pipes)
                  + f"  {_pct(scores.get('ents_p')):>6.1f} {_pct(scores.get('ents_r')):>5.1f} "
                  f"{_pct(scores.get('ents_f')):>5.1f}  "
                  + " ".join(f"{label}={f:.1f}" for label, f in per_type.items()) + tail)
            if stream:
                record = {"epoch": info["epoch"], "step": info["step"], "seconds": round(elapsed, 1),
                          "losses": losses, "score": score, "ents_p": scores.get("ents_p"),
                          "ents_r": scores.get("ents_r"), "ents_f": scores.get("ents_f"),
                          "ents_per_type": per_type, "best": is_best}
                stream.write(json.dumps(record) + "\n")
                stream.flush()

        def finalize() -> None:
            if state["best"] is not None:
                write(f"best dev score {100 * state['best']:.1f} at step {state['best_step']}")
            if stream:
                stream.close()

        return log_step, finalize

    return setup
