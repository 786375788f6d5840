"""`scomm-nlp package` round trip: wheel -> pip install (offline, --target) -> loaded by name in a fresh process."""

import json
import os
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest
from typer.testing import CliRunner

from scomm_nlp.cli import app
from scomm_nlp.training.package import build_wheel, package_name

SRC = Path(__file__).resolve().parents[2] / "src"
runner = CliRunner()


def test_package_name_and_bad_input(tmp_path):
    assert package_name("scomm_core") == "en_scomm_core" and package_name("en_x") == "en_x"
    with pytest.raises(ValueError, match="not a trained pipeline"):
        build_wheel(tmp_path, "1.0.0", tmp_path / "out")
    res = runner.invoke(app, ["package", str(tmp_path), "--version", "1.0.0", "--out", str(tmp_path / "out")])
    assert res.exit_code == 2 and "not a trained pipeline" in res.output


@pytest.mark.slow
def test_wheel_installs_and_loads_by_name(tmp_path):
    from scomm_nlp.pipeline import build_rule_pipeline

    model = tmp_path / "model"
    build_rule_pipeline().to_disk(model)  # uses the scomm_gazetteer/scomm_linker factories and our tokenizer
    with pytest.raises(ValueError, match="version"):
        build_wheel(model, "latest", tmp_path / "out")
    res = runner.invoke(app, ["package", str(model), "--version", "0.3.0", "--out", str(tmp_path / "out"),
                              "--name", "scomm_roundtrip"])
    assert res.exit_code == 0, res.output
    wheel = tmp_path / "out" / "en_scomm_roundtrip-0.3.0" / "dist" / "en_scomm_roundtrip-0.3.0-py3-none-any.whl"
    assert f"wheel: {wheel}" in res.output and "scomm_nlp.load('en_scomm_roundtrip')" in res.output
    with zipfile.ZipFile(wheel) as zf:
        metadata = zf.read("en_scomm_roundtrip-0.3.0.dist-info/METADATA").decode()
    assert "Requires-Dist: scomm-nlp>=" in metadata

    target = tmp_path / "site"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index", "--target",
                    str(target), str(wheel)], check=True)
    # A fresh interpreter: spacy.load by name must find the package and our factories without any
    # import of scomm_nlp first (the wheel's own module registers them), then the facade loads it too.
    script = (
        "import json, sys, spacy\n"
        "nlp = spacy.load('en_scomm_roundtrip')\n"
        "assert 'scomm_nlp.pipeline' in sys.modules\n"
        "import scomm_nlp\n"
        "res = scomm_nlp.analyze('Gov. Pat Quinn said Illinois would withdraw from Secure Communities.',"
        " model='en_scomm_roundtrip')\n"
        "print(json.dumps({'pipes': nlp.pipe_names, 'version': nlp.meta['version'],"
        " 'ents': [[e.text, e.label] for e in res.entities]}))\n"
    )
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(target), str(SRC)]), HF_HUB_OFFLINE="1")
    proc = subprocess.run([sys.executable, "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr
    out = json.loads(proc.stdout.strip().splitlines()[-1])
    assert out["pipes"] == ["sentencizer", "scomm_gazetteer", "scomm_linker"] and out["version"] == "0.3.0"
    assert ["Secure Communities", "PROGRAM"] in out["ents"]
