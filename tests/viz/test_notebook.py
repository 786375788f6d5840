"""notebooks/quickstart.ipynb: kept without outputs in git, and executed end to end with nbclient."""

from __future__ import annotations

import json
import os
import sys
from pathlib import Path

import pytest

NOTEBOOK = Path(__file__).resolve().parents[2] / "notebooks" / "quickstart.ipynb"
KERNEL = "scomm-nlp-test"


def test_notebook_is_committed_without_outputs():
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(c["outputs"] == [] and c["execution_count"] is None for c in code)


@pytest.fixture
def kernel_in_this_venv(tmp_path, monkeypatch) -> str:
    """A kernelspec that runs ipykernel with this interpreter, found first on JUPYTER_PATH (works on a clean CI
    checkout with nothing registered), importing the same scomm_nlp sources as the tests."""
    import scomm_nlp

    sources = [str(Path(scomm_nlp.__file__).resolve().parents[1])]
    sources += [str(Path(p).resolve()) for p in os.environ.get("PYTHONPATH", "").split(os.pathsep) if p]
    spec = tmp_path / "jupyter" / "kernels" / KERNEL
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "scomm-nlp (tests)", "language": "python",
        "env": {"PYTHONPATH": os.pathsep.join(dict.fromkeys(sources))}}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "jupyter"))
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    return KERNEL


@pytest.mark.slow
def test_quickstart_notebook_runs(kernel_in_this_venv):
    import nbformat
    from nbclient import NotebookClient

    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = NotebookClient(nb, timeout=600, kernel_name=kernel_in_this_venv,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()  # raises CellExecutionError, with the cell and traceback, if any cell fails
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    texts = "\n".join(str(o.get("data", {}).get("text/plain", "")) + o.get("text", "") for o in outputs)
    html = "\n".join(o.get("data", {}).get("text/html", "") for o in outputs)
    assert "'state:IL'" in texts and "program:secure-communities" in texts
    assert '<mark class="ent"' in html
    charts = [o for o in outputs if str(o.get("data", {}).get("text/plain", "")).startswith("alt.")]
    assert charts and all("vega" in c["data"].get("text/html", "") for c in charts)  # Altair drew the chart
    assert "report.html" in texts and "bytes" in texts
