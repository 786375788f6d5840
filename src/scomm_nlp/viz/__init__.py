"""See the results: an HTML view of one Analysis and a self-contained report for a tagged archive.

Importing this package is light; Altair, vl-convert and pandas load inside the functions that need them.

    >>> from scomm_nlp.viz import analysis_to_html, write_report
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # pragma: no cover
    from pathlib import Path

    from scomm_nlp.results import Analysis

__all__ = ["analysis_to_html", "build_report", "write_report"]


def analysis_to_html(analysis: "Analysis", *, page: bool = True, title: str | None = None) -> str:
    """The text with entities highlighted and the stances listed; see :mod:`scomm_nlp.viz.show`."""
    from scomm_nlp.viz.show import analysis_to_html as render

    return render(analysis, page=page, title=title)


def build_report(results_dir: "str | Path", **kwargs: Any) -> str:
    """One self-contained HTML page for a tagged archive; see :mod:`scomm_nlp.viz.report`."""
    from scomm_nlp.viz.report import build_report as build

    return build(results_dir, **kwargs)


def write_report(results_dir: "str | Path", out: "str | Path", **kwargs: Any) -> "Path":
    """Build the report and write it to ``out``; returns the path written."""
    from scomm_nlp.viz.report import write_report as write

    return write(results_dir, out, **kwargs)
