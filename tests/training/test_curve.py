"""train-curve: fraction handling, nested subsets, the table and chart, and a tiny real run."""

import json
import struct
from pathlib import Path

import pytest
import spacy
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.training.curve import curve_row, format_curve, parse_fractions, write_chart
from scomm_nlp.training.readers import load_examples, subset_indices

REPO = Path(__file__).resolve().parents[2]
runner = CliRunner()


def test_parse_fractions():
    assert parse_fractions("1.0,0.25, 0.5,0.25") == [0.25, 0.5, 1.0]
    for bad in ("0,0.5", "0.5,1.5", "a,b", ""):
        with pytest.raises(ValueError, match="fractions"):
            parse_fractions(bad)


def test_subsets_are_nested_seeded_and_sized():
    n = 273
    sets = {f: set(subset_indices(n, f, seed=0)) for f in (0.25, 0.5, 0.75, 1.0)}
    assert [len(s) for s in sets.values()] == [68, 136, 205, 273]
    assert sets[0.25] < sets[0.5] < sets[0.75] < sets[1.0] == set(range(n))
    assert subset_indices(n, 0.5, seed=0) == sorted(sets[0.5])  # file order kept
    assert set(subset_indices(n, 0.5, seed=1)) != sets[0.5]
    assert subset_indices(3, 0.01) and len(subset_indices(3, 0.01)) == 1  # never empty
    with pytest.raises(ValueError):
        subset_indices(10, 0.0)


def test_reader_uses_the_nested_subset(tmp_path):
    nlp = spacy.blank("en")
    path = tmp_path / "dev.jsonl"
    path.write_text("".join((REPO / "annotations" / "dev.jsonl").open().readlines()[:10]))
    full = [ex.reference.text for ex in load_examples([path], nlp)]
    half = [ex.reference.text for ex in load_examples([path], nlp, fraction=0.5, seed=3)]
    assert half == [full[i] for i in subset_indices(len(full), 0.5, seed=3)]


def _report(f, stance=None):
    report = {"entities": {"f": f, "macro_f": f - 0.1},
              "per_label": {"AGENCY": {"f": f + 0.05}, "PROGRAM": {"f": f - 0.05}}, "relations": None}
    if stance is not None:
        report["relations"] = {"f": stance, "macro_f": stance}
        report["per_type"] = {"OPPOSES": {"f": stance}}
    return report


def test_rows_table_and_chart(tmp_path):
    rows = [curve_row(0.5, 10, _report(0.6)), curve_row(1.0, 20, _report(0.7))]
    assert "stance_f" not in rows[0]
    table = format_curve(rows)
    assert "STANCE" not in table and "50%" in table and "100%" in table
    assert "+0.100" in table and "still rising" in table
    with_stance = [curve_row(0.5, 10, _report(0.6, 0.3)), curve_row(1.0, 20, _report(0.6, 0.4))]
    assert with_stance[1]["stance_f"] == 0.4 and with_stance[1]["per_type_f"] == {"OPPOSES": 0.4}
    assert "STANCE" in format_curve(with_stance) and "still rising" not in format_curve(with_stance)
    png = write_chart(with_stance, tmp_path / "curve.png")
    head = png.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", head[16:24])
    assert width > 400 and height > 200


@pytest.mark.slow
def test_tiny_curve_run(tmp_path):
    data = tmp_path / "data"
    data.mkdir()
    (data / "train.jsonl").write_text("".join((REPO / "annotations" / "train.jsonl").open().readlines()[:12]))
    (data / "dev.jsonl").write_text("".join((REPO / "annotations" / "dev.jsonl").open().readlines()[:4]))
    out = tmp_path / "curve"
    res = runner.invoke(app, ["train-curve", str(data), "--out", str(out), "--fractions", "0.5,1",
                              "--max-steps", "20"])
    assert res.exit_code == 0, res.output
    rows = json.loads((out / "curve.json").read_text())
    assert [(r["fraction"], r["train_docs"]) for r in rows] == [(0.5, 6), (1.0, 12)]
    assert all(0.0 <= r["ents_f"] <= 1.0 for r in rows)
    assert (out / "train-050" / "model-best" / "config.cfg").exists() and (out / "curve.png").exists()
    cfg = spacy.util.load_config(out / "train-050" / "model-best" / "config.cfg", interpolate=False)
    assert cfg["corpora"]["train"]["fraction"] == 0.5
    assert "entity F1 change over the last step" in res.output
