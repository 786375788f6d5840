"""Vega-Lite charts embedded in a page with no CDN: the Vega, Vega-Lite and vega-embed JavaScript is inlined.

The bundle comes from ``vl-convert-python`` (``vl_convert.javascript_bundle``), which ships the libraries; building
it takes seconds, so it is cached in memory and on disk (``$XDG_CACHE_HOME/scomm-nlp``, else ``~/.cache/scomm-nlp``)
keyed by the vl-convert and Vega-Lite versions.
"""

from __future__ import annotations

import functools
import os
import tempfile
from pathlib import Path

from scomm_nlp.viz.html import esc, script_json

# Render every chart found in the page; a failure is shown in place of the chart and reported on the console.
EMBED_SCRIPT = """
for (const el of document.querySelectorAll("[data-vega-spec]")) {
  const spec = JSON.parse(document.getElementById(el.dataset.vegaSpec).textContent);
  window.vegaEmbed(el, spec, {renderer: "svg", actions: false})
    .then(() => { el.dataset.rendered = "true"; })
    .catch((err) => { el.textContent = "This chart could not be drawn: " + err; console.error(err); });
}
"""


def _cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "scomm-nlp"


def _vegalite_version() -> str | None:
    """The Vega-Lite version Altair writes specs for, if vl-convert bundles it (e.g. '6.4')."""
    import altair as alt
    import vl_convert as vlc

    wanted = ".".join(alt.SCHEMA_VERSION.lstrip("v").split(".")[:2])
    return wanted if wanted in vlc.get_vegalite_versions() else None


@functools.lru_cache(maxsize=2)
def javascript_bundle() -> str:
    """Vega, Vega-Lite and vega-embed as one script that sets ``window.vegaEmbed``."""
    import vl_convert as vlc

    version = _vegalite_version()
    name = f"vega-bundle-vlc{vlc.__version__}-vl{version or 'default'}.js"
    path = _cache_dir() / name
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        pass
    bundle = vlc.javascript_bundle(vl_version=version) if version else vlc.javascript_bundle()
    if "</script" in bundle.lower():  # cannot happen with today's bundle; never emit a broken page if it does
        bundle = bundle.replace("</script", "<\\/script").replace("</SCRIPT", "<\\/SCRIPT")
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=path.parent, delete=False,
                                         suffix=".tmp") as fh:
            fh.write(bundle)
        os.replace(fh.name, path)
    except OSError:
        pass  # a read-only home still gets a report, just without the cache
    return bundle


def chart_div(chart_id: str, label: str) -> str:
    """The placeholder a chart is drawn into; ``label`` is its accessible name."""
    return (f'<div class="chart" id="{esc(chart_id)}" data-vega-spec="{esc(chart_id)}-spec" role="img" '
            f'aria-label="{esc(label)}"></div>')


def embed_scripts(specs: dict[str, dict]) -> str:
    """The specs as JSON data blocks, the inlined libraries and the script that draws them (end of ``<body>``)."""
    if not specs:
        return ""
    blocks = "".join(f'<script type="application/json" id="{esc(chart_id)}-spec">{script_json(spec)}</script>\n'
                     for chart_id, spec in specs.items())
    return (f"{blocks}<script type=\"module\">\n{javascript_bundle()}\n</script>\n"
            f"<script type=\"module\">{EMBED_SCRIPT}</script>\n")
