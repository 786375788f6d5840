"""Custom ``Doc``/``Span`` attributes used across the pipeline, registered once."""

from __future__ import annotations

from spacy.tokens import Doc, Span


def register_extensions() -> None:
    """Register the attributes the components read and write.

    * ``doc._.relations``: gold or predicted relation records (see ``scomm_nlp.data.spacy_io``);
    * ``doc._.stances``: predicted stance records;
    * ``doc._.date``: the document date (ISO string) given by the caller;
    * ``span._.canonical``: the canonical name the linker chose for an entity.
    """
    for name in ("relations", "stances", "date"):
        if not Doc.has_extension(name):
            Doc.set_extension(name, default=None)
    if not Span.has_extension("canonical"):
        Span.set_extension("canonical", default=None)
