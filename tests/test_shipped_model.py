"""The model shipped in models/scomm_core: loads offline, is complete, predicts, and travels in the wheel."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import scomm_nlp
from scomm_nlp.pipeline import DEFAULT_MODEL, shipped_model_path

REPO = Path(__file__).resolve().parent.parent
MODEL = REPO / "models" / DEFAULT_MODEL
TEXT = ("Gov. Pat Quinn said Illinois would withdraw from Secure Communities. Immigration and Customs "
        "Enforcement director John Morton answered that participation is mandatory for every jurisdiction.")


def test_model_is_shipped_with_meta_and_card():
    assert shipped_model_path() == MODEL
    meta = json.loads((MODEL / "meta.json").read_text(encoding="utf-8"))
    assert meta["name"] == DEFAULT_MODEL
    assert meta["scomm_nlp"]["trained_from"], "meta.json says which annotation files trained it"
    assert not any(name.startswith("test") for name in meta["scomm_nlp"]["trained_from"])
    card = (MODEL / "MODEL_CARD.md").read_text(encoding="utf-8")
    for section in ("## Data", "## Architecture", "## Ablation", "## Test scores", "## Speed", "## Known limits"):
        assert section in card


def test_default_load_is_the_trained_pipeline():
    nlp = scomm_nlp.load()
    assert nlp.meta["name"] == DEFAULT_MODEL
    for pipe in ("ner", "scomm_gazetteer", "scomm_linker"):
        assert pipe in nlp.pipe_names


def test_analyze_with_shipped_model_finds_and_links_entities():
    result = scomm_nlp.analyze(TEXT, date="2011-05-04")
    found = {(e.text, e.label, e.kb_id) for e in result.entities}
    assert ("Pat Quinn", "GOVERNOR", "person:pat-quinn") in found
    assert ("Illinois", "JURISDICTION", "state:IL") in found
    assert ("Secure Communities", "PROGRAM", "program:secure-communities") in found
    assert any(e.kb_id == "person:john-morton" for e in result.entities)
    json.dumps(result.to_dict())


def test_spacy_load_needs_no_scomm_import():
    """Entry points register our factories and tokenizer: a bare spacy.load works in a fresh process."""
    code = ("import spacy, sys; nlp = spacy.load(sys.argv[1]); doc = nlp('Gov. Pat Quinn rejected Secure "
            "Communities.'); print([(e.text, e.label_) for e in doc.ents])")
    out = subprocess.run([sys.executable, "-c", code, str(MODEL)], capture_output=True, text=True,
                         env={**os.environ, "HF_HUB_OFFLINE": "1"}, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "Secure Communities" in out.stdout


@pytest.mark.slow
def test_wheel_contains_the_model(tmp_path):
    out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                          "-w", str(tmp_path), str(REPO)], capture_output=True, text=True, timeout=600)
    if out.returncode != 0 and "hatchling" in out.stderr:
        out = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path),
                              str(REPO)], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr[-2000:]
    wheel = next(tmp_path.glob("scomm_nlp-*.whl"))
    names = zipfile.ZipFile(wheel).namelist()
    assert f"scomm_nlp/models/{DEFAULT_MODEL}/config.cfg" in names
    assert f"scomm_nlp/models/{DEFAULT_MODEL}/meta.json" in names
    assert any(n.startswith(f"scomm_nlp/models/{DEFAULT_MODEL}/ner/") for n in names)
