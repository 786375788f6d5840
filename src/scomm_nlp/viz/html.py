"""Small HTML helpers shared by the single-article view and the archive report.

Everything that came from an article, a title, a model or a knowledge base goes through :func:`esc` (text and
attribute values), :func:`safe_url` (links) or :func:`script_json` (data inside ``<script>``); nothing from the
data is ever placed in markup unescaped.
"""

from __future__ import annotations

import html
import json
import math
from typing import Any
from urllib.parse import urlsplit

#: Link schemes allowed in ``href``; anything else (``javascript:``, ``data:``...) is shown as text only.
SAFE_SCHEMES = frozenset({"http", "https"})


def is_missing(value: Any) -> bool:
    """None, NaN, pandas' NA or NaT: a cell with no value."""
    return value is None or (isinstance(value, float) and math.isnan(value)) or \
        type(value).__name__ in ("NAType", "NaTType")


def esc(value: Any) -> str:
    """Escape text for HTML element content and quoted attribute values; a missing value becomes ''."""
    return "" if is_missing(value) else html.escape(str(value), quote=True)


def safe_url(value: Any) -> str | None:
    """The URL if it is an absolute http(s) link, else None (never emit ``javascript:`` links)."""
    if not isinstance(value, str):
        return None
    url = value.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in SAFE_SCHEMES or not parts.netloc:
        return None
    return url


def script_json(data: Any) -> str:
    """JSON that is safe inside a ``<script>`` element: ``<``, ``>`` and ``&`` become ``\\u`` escapes, so no
    ``</script>`` or ``<!--`` from the data can close or confuse the element."""
    text = json.dumps(data, ensure_ascii=False, allow_nan=False, default=str)
    return (text.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
            .replace("\u2028", "\\u2028").replace("\u2029", "\\u2029"))


BASE_CSS = """
.scomm-view, .scomm-report { font-family: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif; color: #1d1d1f;
  line-height: 1.5; max-width: 1100px; margin: 0 auto; padding: 0 1rem 2rem; }
.scomm-view h1, .scomm-report h1 { font-size: 1.5rem; margin: 1rem 0 .25rem; }
.scomm-view h2, .scomm-report h2 { font-size: 1.15rem; margin: 1.5rem 0 .5rem; border-bottom: 1px solid #ddd; }
.scomm-view .meta, .scomm-report .meta { color: #555; font-size: .9rem; }
.scomm-view table, .scomm-report table { border-collapse: collapse; font-size: .9rem; margin: .5rem 0; }
.scomm-view th, .scomm-view td, .scomm-report th, .scomm-report td { border: 1px solid #ddd; padding: .25rem .5rem;
  text-align: left; vertical-align: top; }
.scomm-view th, .scomm-report th { background: #f4f4f6; }
.scomm-view .rel, .scomm-report .rel { color: #fff; border-radius: .3em; padding: 0 .4em; font-size: .8em;
  font-weight: 600; white-space: nowrap; }
.scomm-view .chip, .scomm-report .chip { border-radius: .3em; padding: 0 .4em; font-size: .8em; font-weight: 600;
  margin-right: .3em; white-space: nowrap; }
.scomm-view .note, .scomm-report .note { color: #555; font-style: italic; }
"""


def page(title: str, body: str, *, css: str = "", script: str = "", head_extra: str = "") -> str:
    """A complete, self-contained HTML document (no external resources). ``title`` is escaped here; ``body``,
    ``css`` (e.g. :data:`BASE_CSS` plus the page's own) and ``script`` are markup the caller built."""
    script_tag = f"<script>\n{script}\n</script>\n" if script else ""
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<title>{esc(title)}</title>\n<style>{css}</style>\n{head_extra}</head>\n"
            f"<body>\n{body}\n{script_tag}</body>\n</html>\n")
