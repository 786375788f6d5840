"""Partitions: the unit of work, of writing and of resuming.

The record stream is cut into partitions of ``partition_size`` records in input order, so
partition ``i`` always holds the same records for the same inputs. :func:`process_partition` is
what every engine runs, in whichever process: parse the records, ask the relevance gate, tag the
relevant ones with the cached pipeline (:func:`scomm_nlp.analyze_many`, or the chunked
:func:`scomm_nlp.analyze` for texts over ``CHUNK_CHARS``), and write the four tables and the
completion marker.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Iterable, Iterator

from scomm_nlp.batch.gates import score_texts
from scomm_nlp.batch.readers import parse_record
from scomm_nlp.batch.records import DocInput, Fields, RawRecord
from scomm_nlp.batch.writers import write_partition
from scomm_nlp.results import Analysis


@dataclass(frozen=True)
class Settings:
    """What a worker needs besides the gate; small and picklable, sent with every partition."""

    out: str
    format: str
    model: str | None
    fields: Fields
    max_chars: int
    batch_size: int
    fingerprint: str


@dataclass
class PartitionSpec:
    """Partition ``index``: its raw records, from input position ``first_position`` on."""

    index: int
    first_position: int
    records: list[RawRecord] = field(default_factory=list)


def cut_partitions(records: Iterable[RawRecord], size: int) -> Iterator[PartitionSpec]:
    """Fixed-size partitions in input order; an empty input still gives one (empty) partition."""
    batch: list[RawRecord] = []
    index = 0
    for record in records:
        batch.append(record)
        if len(batch) == size:
            yield PartitionSpec(index, index * size, batch)
            index, batch = index + 1, []
    if batch or index == 0:
        yield PartitionSpec(index, index * size, batch)


def process_partition(spec: PartitionSpec, settings: Settings, gate: Any) -> dict:
    """Tag one partition and write its tables; returns its completion marker."""
    started = time.perf_counter()
    docs = [parse_record(raw, settings.fields, settings.max_chars) for raw in spec.records]
    good = [d for d in docs if d.error is None]
    scores: dict[int, float] = {}
    if gate is not None:
        scores = dict(zip((d.position for d in good), score_texts(gate, [d.text for d in good])))
        good = [d for d in good if scores[d.position] >= gate.threshold]
    results, model_name = _analyze(good, settings)
    tables: dict[str, list[dict]] = {"documents": [], "mentions": [], "stances": [], "errors": []}
    counts = {"documents": len(docs), "ok": 0, "skipped": 0, "error": 0, "mentions": 0, "stances": 0}
    for doc in docs:
        result = results.get(doc.position)
        if isinstance(result, str):
            doc.error = result
        status = "error" if doc.error else ("ok" if result is not None else "skipped")
        score = scores.get(doc.position)
        tables["documents"].append({
            "doc_id": doc.doc_id, "position": doc.position, "source": doc.source, "date": doc.date,
            "title": doc.title, "url": doc.url,
            "relevant": None if score is None or status == "error" else score >= gate.threshold,
            "relevance_score": None if status == "error" else score,
            "n_entities": len(result.entities) if status == "ok" else 0,
            "n_stances": len(result.stances) if status == "ok" else 0,
            "status": status})
        counts[status] += 1
        if status == "error":
            tables["errors"].append({"doc_id": doc.doc_id, "position": doc.position, "source": doc.source,
                                     "reason": doc.error})
        elif status == "ok":
            tables["mentions"].extend(_mention_rows(doc, result))
            tables["stances"].extend(_stance_rows(doc, result))
    counts["mentions"], counts["stances"] = len(tables["mentions"]), len(tables["stances"])
    marker = {"partition": spec.index, "first_position": spec.first_position, "n_records": len(docs),
              "fingerprint": settings.fingerprint, "model": model_name, "counts": counts,
              "seconds": round(time.perf_counter() - started, 3)}
    write_partition(settings.out, spec.index, settings.format, tables, marker)
    return marker


def _analyze(docs: list[DocInput], settings: Settings) -> tuple[dict[int, Analysis | str], str | None]:
    """Analyses by position (or the error text for a document the pipeline failed on), and the model name."""
    import scomm_nlp

    results: dict[int, Analysis | str] = {}
    if not docs:
        return results, None
    nlp = scomm_nlp.load(settings.model)
    short = [d for d in docs if len(d.text) <= scomm_nlp.CHUNK_CHARS]
    try:
        stream = scomm_nlp.analyze_many([d.text for d in short], dates=[d.date for d in short],
                                        batch_size=settings.batch_size, model=settings.model)
        for doc, analysis in zip(short, stream):
            results[doc.position] = analysis
    except Exception:  # one bad document must not sink its batch: the rest are redone one by one below
        pass
    for doc in docs:
        if doc.position in results:
            continue
        try:  # texts over CHUNK_CHARS take the chunked path; so does a batch that failed
            results[doc.position] = scomm_nlp.analyze(doc.text, date=doc.date, nlp=nlp)
        except Exception as exc:
            where = f"{doc.source} (doc {doc.doc_id})"
            results[doc.position] = f"{where}: pipeline failed: {type(exc).__name__}: {exc}"
    return results, scomm_nlp._model_name(nlp)


def _mention_rows(doc: DocInput, result: Analysis) -> list[dict]:
    return [{"doc_id": doc.doc_id, "start": e.start, "end": e.end, "text": e.text, "label": e.label,
             "canonical": e.canonical, "kb_id": e.kb_id} for e in result.entities]


def _stance_rows(doc: DocInput, result: Analysis) -> list[dict]:
    rows = []
    for s in result.stances:
        rows.append({"doc_id": doc.doc_id, "date": doc.date,
                     "actor_text": s.actor.text, "actor_label": s.actor.label, "actor_canonical": s.actor.canonical,
                     "actor_kb_id": s.actor.kb_id, "type": s.type,
                     "target_text": s.target.text, "target_label": s.target.label,
                     "target_canonical": s.target.canonical, "target_kb_id": s.target.kb_id,
                     "score": float(s.score), "resolved": bool(s.resolved), "evidence": s.evidence.text,
                     "evidence_start": s.evidence.start, "evidence_end": s.evidence.end})
    return rows
