"""Speed and size of two trained pipelines (e.g. the efficiency and accuracy configs), measured in one run.

    python bench/bench_configs.py MODEL_A MODEL_B [--data annotations/test.jsonl] [--runs 3] [--batch-size 32]

Prints, for each pipeline: words/second of ``nlp.pipe`` over the same texts (one process, best of
``--runs`` interleaved passes, so load on the machine hits both alike), its size on disk, and the ratio
B/A of both figures. MODEL_A is the baseline.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from _common import words_per_second

from scomm_nlp.data.doccano import read_doccano
from scomm_nlp.pipeline import load_pipeline


def size_on_disk(path: Path) -> int:
    return sum(f.stat().st_size for f in Path(path).rglob("*") if f.is_file())


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("model_a", type=Path)
    parser.add_argument("model_b", type=Path)
    parser.add_argument("--data", type=Path, default=Path("annotations/test.jsonl"))
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--batch-size", type=int, default=32)
    args = parser.parse_args(argv)
    texts = [d.text for d in read_doccano(args.data, tokenizer=None).docs]
    pipelines = {"A": load_pipeline(args.model_a), "B": load_pipeline(args.model_b)}
    speed = words_per_second(pipelines, texts, runs=args.runs, batch_size=args.batch_size)
    sizes = {"A": size_on_disk(args.model_a), "B": size_on_disk(args.model_b)}
    print(f"{len(texts)} texts, {sum(len(t.split()) for t in texts)} words from {args.data}; "
          f"best of {args.runs} passes, batch {args.batch_size}")
    for key, path in (("A", args.model_a), ("B", args.model_b)):
        print(f"{key} {str(path):<50} {speed[key]:>9.0f} words/s {sizes[key] / 2**20:>8.1f} MiB  "
              f"pipes: {', '.join(pipelines[key].pipe_names)}")
    print(f"B/A: speed x{speed['B'] / speed['A']:.3f}, size x{sizes['B'] / sizes['A']:.2f}")


if __name__ == "__main__":
    main()
