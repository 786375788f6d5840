"""Fixtures for the viz tests: an Analysis with stances, and a small tagged archive in the batch tables' schema.

Both carry hostile text (a script element and an image with an onerror handler) in every field the pages show, so
each test that looks at a page also checks that nothing from the data becomes markup.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from scomm_nlp.results import Analysis, Entity, Evidence, Stance

SCRIPT_PAYLOAD = "<script>alert('xss-script')</script>"
IMG_PAYLOAD = '<img src=x onerror="alert(\'xss-img\')">'


def make_analysis() -> Analysis:
    """Quinn and Illinois oppose Secure Communities; ICE compels Illinois; hostile markup in the text."""
    first = "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."
    second = f" A reader wrote {SCRIPT_PAYLOAD} and {IMG_PAYLOAD} in the comments."
    third = " ICE said participation is mandatory for Illinois."
    text = first + second + third

    def ent(surface, label, canonical, kb_id, after=0):
        start = text.index(surface, after)
        return Entity(surface, label, start, start + len(surface), canonical, kb_id)

    quinn = ent("Pat Quinn", "GOVERNOR", "Pat Quinn", "person:pat-quinn")
    illinois = ent("Illinois", "JURISDICTION", "Illinois", "state:IL")
    scomm = ent("Secure Communities", "PROGRAM", "Secure Communities", "program:secure-communities")
    ice = ent("ICE", "AGENCY", "U.S. Immigration and Customs Enforcement", "agency:ice")
    illinois2 = ent("Illinois", "JURISDICTION", "Illinois", "state:IL", after=ice.end)
    sent1 = Evidence(first, 0, len(first))
    sent3 = Evidence(third.strip(), text.index("ICE said"), len(text))
    stances = [
        Stance(quinn, "OPPOSES", scomm, 0.91, sent1),
        Stance(illinois, "OPPOSES", scomm, 0.77, sent1, resolved=False),
        Stance(ice, "COMPELS", illinois2, 0.64, sent3),
    ]
    return Analysis(text, [quinn, illinois, scomm, ice, illinois2], stances, date="2011-05-04", model="test-model")


@pytest.fixture
def stance_analysis() -> Analysis:
    return make_analysis()


def _stance(doc_id, date, actor, target, rel, score, evidence, start=0):
    (a_text, a_label, a_canon, a_kb), (t_text, t_label, t_canon, t_kb) = actor, target
    return {"doc_id": doc_id, "date": date, "actor_text": a_text, "actor_label": a_label, "actor_canonical": a_canon,
            "actor_kb_id": a_kb, "type": rel, "target_text": t_text, "target_label": t_label,
            "target_canonical": t_canon, "target_kb_id": t_kb, "score": score, "resolved": False,
            "evidence": evidence, "evidence_start": start, "evidence_end": start + len(evidence)}


QUINN = ("Quinn", "GOVERNOR", "Pat Quinn", "person:pat-quinn")
ILLINOIS = ("Illinois", "JURISDICTION", "Illinois", "state:IL")
COOK = ("Cook County", "JURISDICTION", "Cook County", "county:17031")
CHICAGO = ("Chicago", "JURISDICTION", "Chicago", "city:il-chicago")
LA_COUNTY = ("Los Angeles County", "JURISDICTION", "Los Angeles County", "county:06037")
PERRY = ("Perry", "GOVERNOR", "Rick Perry", "person:rick-perry")
TEXAS = ("Texas", "JURISDICTION", "Texas", "state:TX")
ICE = ("ICE", "AGENCY", "U.S. Immigration and Customs Enforcement", "agency:ice")
ACLU = ("ACLU", "GROUP", "American Civil Liberties Union", "group:aclu")
NO_KB = ("the council", "GROUP", f"Council {IMG_PAYLOAD}", None)
SCOMM = ("Secure Communities", "PROGRAM", "Secure Communities", "program:secure-communities")
G287 = ("287(g)", "PROGRAM", "287(g)", "program:287g")


def archive_tables():
    """The four tables as lists of row dicts (documents, mentions, stances in two parts, errors)."""
    documents = [
        {"doc_id": "d1", "position": 0, "source": "wire.jsonl", "date": "2011-05-04", "title": "Quinn pulls out",
         "url": "https://example.org/news/quinn", "relevant": True, "relevance_score": 0.97, "n_entities": 4,
         "n_stances": 2, "status": "ok"},
        {"doc_id": "d2", "position": 1, "source": "wire.jsonl", "date": "2011-06-01",
         "title": f"Cook County board {SCRIPT_PAYLOAD}", "url": "javascript:alert('xss-url')", "relevant": True,
         "relevance_score": 0.88, "n_entities": 3, "n_stances": 2, "status": "ok"},
        {"doc_id": "d3", "position": 2, "source": "wire.jsonl", "date": "2010-09-10", "title": None, "url": None,
         "relevant": True, "relevance_score": 0.9, "n_entities": 5, "n_stances": 3, "status": "ok"},
        {"doc_id": "d4", "position": 3, "source": "wire.jsonl", "date": None, "title": "Undated letter",
         "url": None, "relevant": True, "relevance_score": 0.6, "n_entities": 2, "n_stances": 2, "status": "ok"},
        {"doc_id": "d5", "position": 4, "source": "wire.jsonl", "date": "2012-01-01", "title": "Sports",
         "url": None, "relevant": False, "relevance_score": 0.02, "n_entities": 0, "n_stances": 0,
         "status": "skipped"},
        {"doc_id": "d6", "position": 5, "source": "wire.jsonl", "date": None, "title": None, "url": None,
         "relevant": None, "relevance_score": None, "n_entities": 0, "n_stances": 0, "status": "error"},
    ]
    mentions = [
        {"doc_id": "d1", "start": 5, "end": 14, "text": "Pat Quinn", "label": "GOVERNOR", "canonical": "Pat Quinn",
         "kb_id": "person:pat-quinn"},
        {"doc_id": "d1", "start": 20, "end": 28, "text": "Illinois", "label": "JURISDICTION",
         "canonical": "Illinois", "kb_id": "state:IL"},
        {"doc_id": "d1", "start": 49, "end": 67, "text": "Secure Communities", "label": "PROGRAM",
         "canonical": "Secure Communities", "kb_id": "program:secure-communities"},
        {"doc_id": "d3", "start": 0, "end": 5, "text": "Texas", "label": "JURISDICTION", "canonical": "Texas",
         "kb_id": "state:TX"},
    ]
    stances_a = [
        _stance("d1", "2011-05-04", QUINN, SCOMM, "OPPOSES", 0.93,
                "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."),
        _stance("d1", "2011-05-04", ILLINOIS, SCOMM, "OPPOSES", 0.81,
                "Gov. Pat Quinn said Illinois would withdraw from Secure Communities."),
        _stance("d2", "2011-06-01", COOK, SCOMM, "OPPOSES", 0.88,
                f"The Cook County board voted to stop honoring detainers {SCRIPT_PAYLOAD}.", 100),
        _stance("d2", "2011-06-01", CHICAGO, SCOMM, "SUPPORTS", 0.55,
                f"Chicago police said the checks help {IMG_PAYLOAD}.", 200),
    ]
    stances_b = [
        _stance("d3", "2010-09-10", PERRY, SCOMM, "SUPPORTS", 0.9, "Gov. Rick Perry praised Secure Communities."),
        _stance("d3", "2010-09-10", TEXAS, SCOMM, "SUPPORTS", 0.86, "Texas joined Secure Communities statewide.", 50),
        _stance("d3", "2010-09-10", LA_COUNTY, SCOMM, "SUPPORTS", 0.7,
                "Los Angeles County activated the program.", 90),
        _stance("d4", None, ICE, ILLINOIS, "COMPELS", 0.66, "ICE said participation is mandatory for Illinois."),
        _stance("d4", None, ACLU, G287, "OPPOSES", 0.8, "The ACLU asked the county to end its 287(g) agreement.", 60),
        _stance("d1", "2011-05-04", NO_KB, G287, "OPPOSES", 0.5, "The council opposed 287(g).", 300),
    ]
    errors = [{"doc_id": "d6", "position": 5, "source": "wire.jsonl", "reason": f"wire.jsonl:6: text: not a string "
               f"{SCRIPT_PAYLOAD}"}]
    return {"documents": documents, "mentions": mentions, "stances": [stances_a, stances_b], "errors": errors}


def write_archive(root: Path, tables: dict | None = None) -> Path:
    """Write the tables as Parquet part files (stances in two parts) plus a manifest, as ``scomm-nlp tag`` does."""
    import json

    import pandas as pd

    tables = tables or archive_tables()
    for name, rows in tables.items():
        parts = rows if rows and isinstance(rows[0], list) else [rows]
        (root / name).mkdir(parents=True, exist_ok=True)
        for i, part in enumerate(parts):
            pd.DataFrame(part).to_parquet(root / name / f"part-{i:05d}.parquet", index=False)
    (root / "manifest.json").write_text(json.dumps({"model": {"name": "test-model", "version": "0.0"},
                                                    "counts": {"documents": 6}, "inputs": ["wire.jsonl"]}))
    return root


@pytest.fixture
def sample_archive(tmp_path) -> Path:
    return write_archive(tmp_path / "results")
