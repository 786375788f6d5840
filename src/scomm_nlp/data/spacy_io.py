"""Convert annotated documents to spaCy ``Doc``/``DocBin`` and back.

Entities go to ``doc.ents``; stance relations go to the ``doc._.relations`` extension as a list of
``{"head": [start_token, end_token], "child": [start_token, end_token], "type": TYPE}`` records
(plain lists and strings so that ``DocBin`` can store them).
"""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from spacy.language import Language
from spacy.tokens import Doc, DocBin, Span as SpacySpan

from scomm_nlp.data.records import AnnotatedDoc, Relation, Span
from scomm_nlp.extensions import register_extensions


def to_spacy_doc(adoc: AnnotatedDoc, nlp: Language) -> Doc:
    """Tokenize ``adoc.text`` with ``nlp``'s tokenizer and set entities and gold relations.

    Spans must already be token-aligned (as :func:`read_doccano` guarantees); a misaligned span
    raises ``ValueError`` naming the document rather than being dropped.
    """
    register_extensions()
    doc = nlp.make_doc(adoc.text)
    ents: list[SpacySpan] = []
    token_span: dict[int, SpacySpan] = {}
    for span in adoc.spans:
        sp = doc.char_span(span.start, span.end, label=span.label)
        if sp is None:
            raise ValueError(f"doc {adoc.id}: span {adoc.text[span.start:span.end]!r} [{span.start}, {span.end}) "
                             "is not on token boundaries")
        ents.append(sp)
        token_span[span.id] = sp
    doc.ents = ents
    doc._.relations = [
        {"head": [token_span[r.from_id].start, token_span[r.from_id].end],
         "child": [token_span[r.to_id].start, token_span[r.to_id].end], "type": r.type}
        for r in adoc.relations
    ]
    doc.user_data["doc_id"] = adoc.id
    doc.user_data["meta"] = dict(adoc.meta)
    return doc


def from_spacy_doc(doc: Doc, doc_id=None, *, relations_attr: str = "relations") -> AnnotatedDoc:
    """The reverse of :func:`to_spacy_doc`: entities and relation records back to an AnnotatedDoc.

    ``relations_attr`` names the extension holding the records: ``relations`` (gold) or ``stances``
    (predicted by the stance component).
    """
    register_extensions()
    spans = [Span(i + 1, ent.start_char, ent.end_char, ent.label_, ent.kb_id_ or None) for i, ent in enumerate(doc.ents)]
    by_tokens = {(ent.start, ent.end): spans[i] for i, ent in enumerate(doc.ents)}
    relations = []
    for i, rel in enumerate(getattr(doc._, relations_attr) or []):
        head, child = by_tokens.get(tuple(rel["head"])), by_tokens.get(tuple(rel["child"]))
        if head is not None and child is not None:
            relations.append(Relation(i + 1, head.id, child.id, rel["type"]))
    return AnnotatedDoc(doc_id if doc_id is not None else doc.user_data.get("doc_id"), doc.text, spans, relations,
                        dict(doc.user_data.get("meta", {})))


def to_docbin(adocs: Iterable[AnnotatedDoc], nlp: Language) -> DocBin:
    """A ``DocBin`` holding every document with its entities, relations and meta data."""
    db = DocBin(store_user_data=True)
    for adoc in adocs:
        db.add(to_spacy_doc(adoc, nlp))
    return db


def write_docbin(adocs: Iterable[AnnotatedDoc], nlp: Language, path: str | Path) -> Path:
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    to_docbin(adocs, nlp).to_disk(path)
    return path
