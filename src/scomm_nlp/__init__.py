"""scomm-nlp: who took which stance on which U.S. immigration-enforcement program, where.

    >>> import scomm_nlp
    >>> result = scomm_nlp.analyze("Gov. Pat Quinn said Illinois would withdraw from Secure Communities.")
    >>> [(e.text, e.label) for e in result.entities]

Importing this package is light: spaCy and the model load on the first call.
"""

from __future__ import annotations

import datetime as _dt
import re as _re
import threading as _threading
from typing import TYPE_CHECKING, Iterable, Iterator

from scomm_nlp.results import Analysis, Entity, Evidence, Position, Stance

if TYPE_CHECKING:  # pragma: no cover
    from spacy.language import Language

__version__ = "0.1.0.dev0"
__all__ = ["analyze", "analyze_many", "load", "tag", "Analysis", "Entity", "Evidence", "Position", "Stance", "__version__"]

#: Texts longer than this are processed in chunks cut at paragraph or sentence ends.
CHUNK_CHARS = 100_000

_cache: dict[str, "Language"] = {}
_lock = _threading.Lock()


def __getattr__(name: str):
    # ``scomm_nlp.tag`` (batch tagging) is imported on first use, keeping ``import scomm_nlp`` light.
    if name == "tag":
        from scomm_nlp.batch.run import tag

        return tag
    raise AttributeError(f"module 'scomm_nlp' has no attribute {name!r}")


def load(model: str | None = None) -> "Language":
    """Return the (cached) spaCy pipeline: the shipped model by default, or a path / package name."""
    key = str(model) if model is not None else ""
    with _lock:
        if key not in _cache:
            from scomm_nlp.pipeline import load_pipeline

            _cache[key] = load_pipeline(model)
        return _cache[key]


def _check_date(date) -> str | None:
    if date is None:
        return None
    if isinstance(date, (_dt.date, _dt.datetime)):
        return date.strftime("%Y-%m-%d")
    if isinstance(date, str) and _re.fullmatch(r"\d{4}-\d{2}-\d{2}", date.strip()):
        try:
            _dt.date.fromisoformat(date.strip())
        except ValueError:
            pass
        else:
            return date.strip()
    raise ValueError(f"date must be YYYY-MM-DD or a datetime.date, got {date!r}")


def _check_text(text) -> str:
    if isinstance(text, bytes):
        raise TypeError("analyze() needs text as str, got bytes: decode it first, e.g. data.decode('utf-8')")
    if not isinstance(text, str):
        raise TypeError(f"analyze() needs text as str, got {type(text).__name__}")
    return text


def chunk_text(text: str, limit: int = CHUNK_CHARS) -> list[tuple[int, str]]:
    """Cut ``text`` into (offset, chunk) pieces of at most ``limit`` characters at paragraph,
    line or sentence ends where possible, so offsets stay exact."""
    pieces: list[tuple[int, str]] = []
    start = 0
    while len(text) - start > limit:
        window = text[start:start + limit]
        cut = max(window.rfind("\n\n"), window.rfind("\n"), window.rfind(". "))
        cut = cut + 1 if cut > limit // 2 else limit
        pieces.append((start, text[start:start + cut]))
        start += cut
    pieces.append((start, text[start:]))
    return pieces


def _model_name(nlp) -> str:
    return f"{nlp.meta.get('name', 'pipeline')}-{nlp.meta.get('version', '0')}"


def analyze(text: str, *, date=None, model: str | None = None, nlp=None) -> Analysis:
    """Tag one article: entities (with canonical names and KB ids) and stances.

    ``date`` (``YYYY-MM-DD`` or a ``datetime.date``) decides whether a person is tagged GOVERNOR or
    OFFICIAL. Empty or whitespace-only text gives an empty Analysis.
    """
    text = _check_text(text)
    iso = _check_date(date)
    if not text.strip():
        return Analysis(text, date=iso)
    nlp = nlp if nlp is not None else load(model)
    merged = Analysis(text, date=iso, model=_model_name(nlp))
    from scomm_nlp.convert import doc_to_analysis

    for offset, chunk in chunk_text(text):
        doc = nlp.make_doc(chunk)
        doc._.date = iso
        part = doc_to_analysis(nlp(doc), offset=offset, date=iso)
        merged.entities.extend(part.entities)
        merged.stances.extend(part.stances)
    return merged


def analyze_many(texts: Iterable[str], *, dates: Iterable | None = None, batch_size: int = 32,
                 n_process: int = 1, model: str | None = None) -> Iterator[Analysis]:
    """Stream analyses for many texts, in order, with spaCy's batching (and ``n_process`` workers)."""
    from scomm_nlp.convert import doc_to_analysis

    nlp = load(model)
    name = _model_name(nlp)
    date_iter = iter(dates) if dates is not None else None

    def docs():
        for text in texts:
            iso = _check_date(next(date_iter)) if date_iter is not None else None
            text = _check_text(text)
            if len(text) > CHUNK_CHARS:
                raise ValueError("analyze_many() takes texts up to "
                                 f"{CHUNK_CHARS} characters; use analyze() for longer ones")
            doc = nlp.make_doc(text)
            doc._.date = iso
            yield doc

    for doc in nlp.pipe(docs(), batch_size=batch_size, n_process=n_process):
        yield doc_to_analysis(doc, date=doc._.date, model=name)
