"""Stance evaluation maths on hand-made examples: exact P/R/F, the confusion matrix, canonical triples."""

import pytest

from scomm_nlp.data.records import AnnotatedDoc, Relation, Span
from scomm_nlp.training.stance_eval import (NO_RELATION, canonical_triples, confusion_matrix, format_stance_report,
                                            prf_table)

QUINN, IL, SC, COOK = (0, 5), (10, 18), (30, 48), (60, 71)


def test_prf_table_micro_and_per_type():
    gold = [{(QUINN, "OPPOSES", SC), (IL, "OPPOSES", SC)}, {(QUINN, "COMPELS", COOK)}]
    pred = [{(QUINN, "OPPOSES", SC), (IL, "SUPPORTS", SC)}, set()]
    table = prf_table(gold, pred)
    micro = table["micro"]
    assert (micro["tp"], micro["fp"], micro["fn"]) == (1, 1, 2)
    assert micro["p"] == 0.5 and micro["r"] == pytest.approx(1 / 3, abs=1e-4)
    assert micro["f"] == pytest.approx(0.4, abs=1e-4)
    per = table["per_type"]
    assert (per["OPPOSES"]["tp"], per["OPPOSES"]["fn"], per["OPPOSES"]["fp"]) == (1, 1, 0)
    assert (per["SUPPORTS"]["tp"], per["SUPPORTS"]["fp"]) == (0, 1)
    assert per["COMPELS"]["r"] == 0.0 and per["COMPELS"]["fn"] == 1
    assert table["macro_f"] == pytest.approx((per["OPPOSES"]["f"] + 0 + 0) / 3, abs=1e-4)


def test_confusion_matrix_counts_no_relation_on_either_side():
    gold = [{(QUINN, "OPPOSES", SC), (IL, "OPPOSES", SC), (QUINN, "COMPELS", COOK)}]
    pred = [{(QUINN, "OPPOSES", SC), (IL, "SUPPORTS", SC), (COOK, "SUPPORTS", SC)}]
    m = confusion_matrix(gold, pred)
    assert m["OPPOSES"]["OPPOSES"] == 1  # right
    assert m["OPPOSES"]["SUPPORTS"] == 1  # wrong type for the same pair
    assert m["COMPELS"][NO_RELATION] == 1  # missed
    assert m[NO_RELATION]["SUPPORTS"] == 1  # invented
    assert m[NO_RELATION][NO_RELATION] == 0
    assert sum(sum(row.values()) for row in m.values()) == 4


def test_canonical_triples_merge_mentions_of_one_entity():
    text = "Pat Quinn said Illinois would leave S-Comm. Quinn called Secure Communities a failure."

    def at(surface, start=0):
        i = text.index(surface, start)
        return i, i + len(surface)

    quinn, il, scomm, quinn2, sc = at("Pat Quinn"), at("Illinois"), at("S-Comm"), at("Quinn", 10), at("Secure Comm")
    sc = (sc[0], sc[0] + len("Secure Communities"))
    spans = [Span(i + 1, s, e, label) for i, ((s, e), label) in enumerate(
        [(quinn, "GOVERNOR"), (il, "JURISDICTION"), (scomm, "PROGRAM"), (quinn2, "GOVERNOR"), (sc, "PROGRAM")])]
    rels = [Relation(1, 1, 3, "OPPOSES"), Relation(2, 2, 3, "OPPOSES"), Relation(3, 4, 5, "OPPOSES")]
    doc = AnnotatedDoc(1, text, spans, rels)
    canonical = {quinn: "Pat Quinn", quinn2: "Pat Quinn", scomm: "Secure Communities", sc: "Secure Communities"}
    triples = canonical_triples(doc, canonical)
    # two statements of one stance are one triple; an unnamed canonical falls back to the text
    assert triples == {("Pat Quinn", "OPPOSES", "Secure Communities"),
                       ("Illinois", "OPPOSES", "Secure Communities")}


def test_document_level_scores_ignore_which_mention_was_linked():
    gold_doc = [{("Pat Quinn", "OPPOSES", "Secure Communities"), ("Illinois", "OPPOSES", "Secure Communities")}]
    pred_doc = [{("Pat Quinn", "OPPOSES", "Secure Communities")}]
    table = prf_table(gold_doc, pred_doc)
    assert table["micro"]["p"] == 1.0 and table["micro"]["r"] == 0.5


def test_report_text_lists_every_section():
    gold = [{(QUINN, "OPPOSES", SC)}]
    pred = [{(QUINN, "OPPOSES", SC), (IL, "SUPPORTS", SC)}]
    section = {"end_to_end": prf_table(gold, pred), "confusion": confusion_matrix(gold, pred),
               "documents": prf_table(gold, gold), "gold_entities": prf_table(gold, gold)}
    text = format_stance_report(section)
    for needle in ("e2e micro", "gold-ents micro", "doc triples micro", "Confusion", NO_RELATION):
        assert needle in text
