"""The stance component: candidates, resolution of pronouns and generic nouns, negation, passive
voice, serialisation. Behaviour tests use a scorer fitted on the train split's gold entities."""

from pathlib import Path

import numpy as np
import pytest
import spacy
from spacy.tokens import Span

import scomm_nlp.pipeline  # noqa: F401  (registers the factories)
from scomm_nlp import scheme
from scomm_nlp.components.stance import CLASSES, StanceWeights
from scomm_nlp.components.stance_features import (Featurizer, TokenView, cue_marks, find_anaphors, generate_candidates,
                                                  is_operator, negation_parity, stance_units)
from scomm_nlp.convert import doc_to_analysis
from scomm_nlp.tokenizer import blank_english

REPO = Path(__file__).resolve().parents[2]


def annotate(nlp, text: str, ents: list[tuple[str, str]]):
    """A doc of ``text`` with the given (surface, label) entities, each at its first free occurrence."""
    doc = nlp.make_doc(text)
    spans, pos = [], 0
    for surface, label in ents:
        start = text.index(surface, pos)
        span = doc.char_span(start, start + len(surface), label=label)
        assert span is not None, surface
        spans.append(span)
        pos = start + len(surface)
    doc.ents = spans
    return doc


def run(nlp, text, ents):
    doc = annotate(nlp, text, ents)
    for name, proc in nlp.pipeline:
        doc = proc(doc)
    return doc


def triples(doc) -> set[tuple[str, str, str]]:
    return {(doc[r["head"][0]:r["head"][1]].text, r["type"], doc[r["child"][0]:r["child"][1]].text)
            for r in doc._.stances}


@pytest.fixture(scope="module")
def stance_nlp():
    """Tokenizer + linker + scomm_stance fitted on the train split (gold entities, no parse)."""
    from scomm_nlp.training.stance import train_stance

    nlp = blank_english()
    nlp.add_pipe("scomm_linker")
    nlp.initialize()
    train_stance(nlp, [REPO / "annotations" / "train.jsonl"])
    return nlp


# ------------------------------------------------------------------------------------------ candidates

def test_candidates_follow_the_relation_signatures():
    nlp = blank_english()
    doc = annotate(nlp, "Gov. Pat Quinn said Illinois would withdraw from Secure Communities, ICE said.",
                   [("Pat Quinn", "GOVERNOR"), ("Illinois", "JURISDICTION"), ("Secure Communities", "PROGRAM"),
                    ("ICE", "AGENCY")])
    pairs = {(c.actor.text, c.target.text) for c in generate_candidates(doc)}
    # PROGRAM targets for every actor label; JURISDICTION/AGENCY targets (COMPELS) for every actor
    assert ("Pat Quinn", "Secure Communities") in pairs and ("Illinois", "Secure Communities") in pairs
    assert ("Pat Quinn", "Illinois") in pairs and ("ICE", "Illinois") in pairs and ("Illinois", "ICE") in pairs
    # a program is never an actor, a person never a target
    assert not any(a == "Secure Communities" for a, _t in pairs)
    assert not any(t == "Pat Quinn" for _a, t in pairs)
    assert all(not c.resolved for c in generate_candidates(doc))


def test_candidates_stay_in_their_sentence_without_a_reference():
    nlp = blank_english()
    doc = annotate(nlp, "Pat Quinn spoke in Chicago. Secure Communities began in 2008.",
                   [("Pat Quinn", "GOVERNOR"), ("Chicago", "JURISDICTION"), ("Secure Communities", "PROGRAM")])
    assert [u.text for u in stance_units(doc)] == ["Pat Quinn spoke in Chicago.", "Secure Communities began in 2008."]
    pairs = {(c.actor.text, c.target.text) for c in generate_candidates(doc)}
    assert pairs == {("Pat Quinn", "Chicago")}


def test_pronoun_and_generic_noun_candidates_point_to_the_nearest_earlier_mention():
    nlp = blank_english()
    text = ("Bill Richardson toured Santa Fe on Monday. Jan Brewer stayed home. "
            "The governor said he will never sign SB 1070.")
    doc = annotate(nlp, text, [("Bill Richardson", "GOVERNOR"), ("Santa Fe", "JURISDICTION"),
                               ("Jan Brewer", "GOVERNOR"), ("SB 1070", "PROGRAM")])
    words = {w for _s, _e, w, _labels in find_anaphors(stance_units(doc)[2])}
    assert {"governor", "he"} <= words
    resolved = [c for c in generate_candidates(doc) if c.resolved and c.target.text == "SB 1070"]
    by_actor = {c.actor.text: c for c in resolved}
    # "the governor" can only be a GOVERNOR: Santa Fe is never offered for it
    assert {c.actor.text for c in resolved if c.anaphor == "governor"} == {"Jan Brewer", "Bill Richardson"}
    assert by_actor["Jan Brewer"].rank < by_actor["Bill Richardson"].rank  # nearest first
    # the features are read in the stating sentence, at the pronoun or generic noun
    c = by_actor["Jan Brewer"]
    assert c.unit.text.startswith("The governor") and doc[c.a[0]].lower_ in ("governor", "he")


def test_a_generic_program_reference_resolves_the_target():
    nlp = blank_english()
    doc = annotate(nlp, "The Senate took up the Stop Sanctuary Cities Act. Elizabeth Warren voted against it.",
                   [("Senate", "AGENCY"), ("Stop Sanctuary Cities Act", "PROGRAM"), ("Elizabeth Warren", "OFFICIAL")])
    cands = [c for c in generate_candidates(doc) if c.resolved]
    assert any(c.actor.text == "Elizabeth Warren" and c.target.text == "Stop Sanctuary Cities Act"
               and doc[c.t[0]].text == "it" for c in cands)


def test_negation_parity_reaches_back_within_the_clause():
    nlp = blank_english()
    doc = nlp.make_doc("Brown would not sign it, but he signed AB 4 and refused to opt out.")
    index = {t.text: t.i for t in doc}
    assert negation_parity(doc, index["sign"], 0) == 1
    assert negation_parity(doc, index["signed"], 0) == 0  # the comma and "but" end the negation's reach
    assert negation_parity(doc, index["opt"], 0) == 1  # "refused to opt out"


def test_token_view_reads_negators_and_cues():
    nlp = blank_english()
    doc = annotate(nlp, "Brown would not sign it, but he signed AB 4 and refused to opt out. The county did not "
                   "reject Secure Communities; it declined to renew 287(g) and never stopped \n honoring holds.",
                   [("Brown", "GOVERNOR"), ("AB 4", "PROGRAM"), ("Secure Communities", "PROGRAM"),
                    ("287(g)", "PROGRAM")])
    view = TokenView(doc, lemmas=False)
    n = len(doc)
    at = {t.text: t.i for t in reversed(doc)}  # first occurrence
    # operators: negators that negate a later cue word ("not reject": "reject" is itself a negator)
    assert [doc[i].text for i in range(n) if view.is_operator(i, n)] == ["not", "refused", "declined", "never",
                                                                          "stopped"]
    assert view.is_operator(at["not"], at["not"] + 2) and not view.is_operator(at["refused"], at["refused"] + 2)
    # parity: odd negators in the few words before, within the clause; with operators only, "did not reject" is
    # not negated ("not" negates no cue there)
    negated = [doc[i].text for i in range(n) if view.negation_parity(i, 0)]
    assert negated == ["sign", "it", ",", "to", "opt", "out", ".", "reject", "to", "renew", "287(g)", "and",
                       "stopped"]
    assert [doc[i].text for i in range(n) if view.negation_parity(i, 0, n)] == [w for w in negated if w != "reject"]
    assert view.negation_parity(at["sign"], at["sign"]) == 0  # nothing before ``lo`` counts
    assert view.cue_marks(0, n, 0) == [(3, "SUP", 1), (8, "SUP", 0), (14, "OPP", 1), (15, "OPP", 1),
                                       (21, "OPP", 1), (28, "SUP", 1), (34, "SUP", 0), (34, "COMP", 0),
                                       (35, "OPP", 0)]
    assert view.cue_marks(0, n, 0, negation=False) == [
        (3, "SUP", 0), (8, "SUP", 0), (12, "OPP", 0), (14, "OPP", 0), (15, "OPP", 0), (21, "OPP", 0), (26, "OPP", 0),
        (28, "SUP", 0), (32, "OPP", 0), (34, "SUP", 0), (34, "COMP", 0), (35, "OPP", 0)]
    # the module functions answer the same questions one at a time
    assert cue_marks(doc, 5, 20, 0) == view.cue_marks(5, 20, 0)
    assert is_operator(doc, at["never"], n) and negation_parity(doc, at["opt"], 0) == 1


def test_featurizer_marks_negated_cues_unless_negation_is_off():
    nlp = blank_english()
    doc = annotate(nlp, "Jerry Brown would not sign the TRUST Act.",
                   [("Jerry Brown", "GOVERNOR"), ("TRUST Act", "PROGRAM")])
    cand = generate_candidates(doc)[0]
    with_neg = Featurizer(negation=True)(cand)
    without = Featurizer(negation=False)(cand)
    assert "polt=OPP|AT|P" in with_neg  # a negated supporting cue reads as opposition
    assert "polt=SUP|AT|P" in without
    assert not any("not" in f.split("|")[0] for f in without)


def test_featurizer_reads_the_cue_after_the_target_and_the_words_around_the_pair():
    nlp = blank_english()
    doc = annotate(nlp, "Patrick Leahy said the Stop Sanctuary Cities Act would hurt local police.",
                   [("Patrick Leahy", "OFFICIAL"), ("Stop Sanctuary Cities Act", "PROGRAM")])
    feats = Featurizer()(generate_candidates(doc)[0])
    assert "tcue=OPP|post|AT|P" in feats  # "would hurt" after the target, nothing between the pair
    assert "post=hurt|AT|P" in feats and "post=would|AT|P" in feats
    negated = annotate(nlp, "Patrick Leahy said the Stop Sanctuary Cities Act would not hurt anyone.",
                       [("Patrick Leahy", "OFFICIAL"), ("Stop Sanctuary Cities Act", "PROGRAM")])
    assert "tcue=SUP|post|AT|P" in Featurizer()(generate_candidates(negated)[0])


def test_featurizer_marks_competing_mentions():
    nlp = blank_english()
    doc = annotate(nlp, "Jerry Brown said Lee Baca would join Secure Communities.",
                   [("Jerry Brown", "GOVERNOR"), ("Lee Baca", "OFFICIAL"), ("Secure Communities", "PROGRAM")])
    feats = {c.actor.text: Featurizer()(c) for c in generate_candidates(doc) if c.target.label_ == "PROGRAM"}
    assert "a_first=1|P" in feats["Jerry Brown"] and "a_nearest=0|AT|P" in feats["Jerry Brown"]
    assert "a_first=0|P" in feats["Lee Baca"] and "a_nearest=1|AT|P" in feats["Lee Baca"]


def test_a_stance_spreads_over_the_rest_of_a_coordinated_list():
    nlp = blank_english()
    pipe = nlp.add_pipe("scomm_stance")
    pipe.weights = StanceWeights(np.zeros((len(CLASSES), 8), np.float32), np.zeros(len(CLASSES), np.float32),
                                 CLASSES)
    doc = annotate(nlp, "Santa Clara County, San Francisco and Chicago sued over Executive Order 13768, and "
                        "Boston watched.",
                   [("Santa Clara County", "JURISDICTION"), ("San Francisco", "JURISDICTION"),
                    ("Chicago", "JURISDICTION"), ("Executive Order 13768", "PROGRAM"), ("Boston", "JURISDICTION")])
    cands = pipe.candidates(doc)
    probs = np.zeros((len(cands), len(CLASSES)), np.float32)
    opp = CLASSES.index("OPPOSES")
    for i, c in enumerate(cands):
        if c.target.text == "Executive Order 13768":
            probs[i, opp] = 0.9 if c.actor.text == "Santa Clara County" else 0.25
        probs[i, 0] = 1.0 - probs[i, opp]

    def opposing(list_threshold):
        pipe.cfg["list_threshold"] = list_threshold
        return {doc[r["head"][0]:r["head"][1]].text for r in pipe.decide(cands, probs) if r["type"] == "OPPOSES"}

    # the other list members follow; Boston, at the same score but outside the list, does not
    assert opposing(0.2) == {"Santa Clara County", "San Francisco", "Chicago"}
    assert opposing(0.3) == {"Santa Clara County"}  # below list_threshold
    assert opposing(None) == {"Santa Clara County"}  # switched off


# ------------------------------------------------------------------------------------------ behaviour

def test_negation_turns_support_into_opposition(stance_nlp):
    plain = run(stance_nlp, "Gov. Jerry Brown signed the TRUST Act on Friday.",
                [("Jerry Brown", "GOVERNOR"), ("TRUST Act", "PROGRAM")])
    negated = run(stance_nlp, "Gov. Jerry Brown said he would not sign the TRUST Act.",
                  [("Jerry Brown", "GOVERNOR"), ("TRUST Act", "PROGRAM")])
    assert triples(plain) == {("Jerry Brown", "SUPPORTS", "TRUST Act")}
    assert triples(negated) == {("Jerry Brown", "OPPOSES", "TRUST Act")}


def test_refusing_to_opt_out_is_support(stance_nlp):
    doc = run(stance_nlp, "Sheriff Lee Baca refused to opt out of Secure Communities.",
              [("Lee Baca", "OFFICIAL"), ("Secure Communities", "PROGRAM")])
    assert triples(doc) == {("Lee Baca", "SUPPORTS", "Secure Communities")}


def test_passive_voice_finds_the_agent(stance_nlp):
    doc = run(stance_nlp, "Secure Communities was rejected by the Arlington County Board on Tuesday.",
              [("Secure Communities", "PROGRAM"), ("Arlington County Board", "AGENCY")])
    assert triples(doc) == {("Arlington County Board", "OPPOSES", "Secure Communities")}


@pytest.mark.parametrize("text", [
    pytest.param("Jeff Sessions threatened to withhold grants unless Chicago honors detainers.",
                 marks=pytest.mark.xfail(reason="the linear scorer alone gives COMPELS 0.31 since the sweep "
                                                "adjudication removed the subpoena COMPELS from train (threshold "
                                                "0.4); the place as subject of the 'unless' clause", strict=False)),
    "Jeff Sessions threatened to cut off grants to Chicago unless the city honors detainers.",
    "Jeff Sessions warned that Chicago would lose its grants unless it honors detainers.",
])
def test_threat_is_compels(stance_nlp, text):
    doc = run(stance_nlp, text, [("Jeff Sessions", "OFFICIAL"), ("Chicago", "JURISDICTION")])
    assert triples(doc) == {("Jeff Sessions", "COMPELS", "Chicago")}


def test_an_opinion_stated_after_the_program_is_opposition(stance_nlp):
    doc = run(stance_nlp, "Sen. Patrick Leahy said the Stop Sanctuary Cities Act would hurt local police and "
                          "undermine trust in them.",
              [("Patrick Leahy", "OFFICIAL"), ("Stop Sanctuary Cities Act", "PROGRAM")])
    assert triples(doc) == {("Patrick Leahy", "OPPOSES", "Stop Sanctuary Cities Act")}


def test_pronoun_actor_is_resolved_and_marked(stance_nlp):
    text = "Gov. Bill Richardson spoke in Santa Fe on Monday. He said he will never sign SB 1070."
    doc = run(stance_nlp, text, [("Bill Richardson", "GOVERNOR"), ("Santa Fe", "JURISDICTION"),
                                 ("SB 1070", "PROGRAM")])
    recs = [r for r in doc._.stances if doc[r["child"][0]:r["child"][1]].text == "SB 1070"]
    assert len(recs) == 1
    rec = recs[0]
    assert doc[rec["head"][0]:rec["head"][1]].text == "Bill Richardson" and rec["type"] == "OPPOSES"
    assert rec["resolved"] is True
    result = doc_to_analysis(doc)
    stance = result.stances[0]
    assert stance.resolved and stance.actor.canonical == "Bill Richardson"
    assert stance.evidence.text == "He said he will never sign SB 1070."  # the stating sentence


def test_stances_only_for_allowed_signatures(stance_nlp):
    doc = run(stance_nlp, "Illinois Gov. Pat Quinn said Illinois would withdraw from Secure Communities and "
                          "Cook County would follow.",
              [("Illinois", "JURISDICTION"), ("Pat Quinn", "GOVERNOR"), ("Illinois", "JURISDICTION"),
               ("Secure Communities", "PROGRAM"), ("Cook County", "JURISDICTION")])
    assert ("Pat Quinn", "OPPOSES", "Secure Communities") in triples(doc)
    label = {(e.start, e.end): e.label_ for e in doc.ents}
    for r in doc._.stances:
        assert scheme.relation_allowed(r["type"], label[tuple(r["head"])], label[tuple(r["child"])])
        assert 0.0 < r["score"] <= 1.0


def test_untrained_component_says_so():
    nlp = blank_english()
    nlp.add_pipe("scomm_stance")
    doc = annotate(nlp, "Pat Quinn opposed Secure Communities.", [("Pat Quinn", "GOVERNOR"),
                                                                 ("Secure Communities", "PROGRAM")])
    with pytest.raises(ValueError, match="no trained weights"):
        nlp.get_pipe("scomm_stance")(doc)


def test_works_without_parse_or_sentences(stance_nlp):
    doc = run(stance_nlp, "The ACLU sued to block SB 4", [("ACLU", "GROUP"), ("SB 4", "PROGRAM")])
    assert not doc.has_annotation("DEP")
    assert triples(doc) == {("ACLU", "OPPOSES", "SB 4")}
    assert doc.has_annotation("SENT_START")  # the component sets the sentences it read


# ------------------------------------------------------------------------------------------ serialisation

def test_weights_round_trip_through_bytes():
    coef = np.zeros((4, 16), dtype=np.float32)
    coef[1, 3], coef[3, 15] = 0.5, -2.0
    w = StanceWeights(coef, np.array([1, 2, 3, 4], dtype=np.float32), CLASSES)
    back = StanceWeights.from_bytes(w.to_bytes())
    assert back.classes == CLASSES and np.array_equal(back.coef, coef) and np.array_equal(back.intercept, w.intercept)
    with pytest.raises(ValueError):
        StanceWeights(coef, np.zeros(3), CLASSES)


def test_to_disk_and_spacy_load_give_the_same_stances(stance_nlp, tmp_path):
    texts = [("Gov. Jerry Brown said he would not sign the TRUST Act.",
              [("Jerry Brown", "GOVERNOR"), ("TRUST Act", "PROGRAM")]),
             ("Jeff Sessions warned that Chicago would lose its grants unless it honors detainers.",
              [("Jeff Sessions", "OFFICIAL"), ("Chicago", "JURISDICTION")])]
    stance_nlp.to_disk(tmp_path / "pipe")
    loaded = spacy.load(tmp_path / "pipe")
    assert loaded.pipe_names == stance_nlp.pipe_names
    assert loaded.get_pipe("scomm_stance").cfg == stance_nlp.get_pipe("scomm_stance").cfg
    for text, ents in texts:
        a, b = run(stance_nlp, text, ents), run(loaded, text, ents)
        assert a._.stances == b._.stances and a._.stances


def test_component_settings_come_from_the_config():
    nlp = blank_english()
    pipe = nlp.add_pipe("scomm_stance", config={"threshold": 0.7, "window": 1, "negation": False})
    assert pipe.cfg["threshold"] == 0.7 and pipe.cfg["window"] == 1 and pipe.featurizer.negation is False
    assert nlp.config["components"]["scomm_stance"]["window"] == 1


def test_entities_from_any_source_are_used(stance_nlp):
    doc = annotate(stance_nlp, "The ACLU sued to block SB 4.", [("ACLU", "GROUP"), ("SB 4", "PROGRAM")])
    doc.ents = [Span(doc, e.start, e.end, label=e.label_) for e in doc.ents]  # no canonical, no KB id
    doc = stance_nlp.get_pipe("scomm_stance")(doc)
    assert triples(doc) == {("ACLU", "OPPOSES", "SB 4")}


def test_prediction_hashing_equals_training_hashing():
    """Prediction hashes features without scikit-learn; the columns and scores must be the training ones."""
    import numpy as np

    from scomm_nlp.components.stance import StanceWeights, hasher, hashed_columns

    rows = [["cue=rejects", "between=rejects", "~sign", "label=GOVERNOR>PROGRAM", "cue=rejects"],
            ["dist=3", "été<neg>", "passive"], []]
    n = 2 ** 12
    matrix = hasher(n).transform(rows)
    assert [sorted(hashed_columns(r, n)) for r in rows] == [sorted(np.repeat(m.indices, m.data.astype(int)))
                                                            for m in matrix]
    rng = np.random.default_rng(0)
    weights = StanceWeights(rng.normal(size=(4, n)), rng.normal(size=4), ("NONE", "OPPOSES", "SUPPORTS", "COMPELS"))
    assert np.allclose(weights.probabilities(matrix), weights.probabilities_of_columns(
        [hashed_columns(r, n) for r in rows]), atol=1e-5)


def test_scores_do_not_depend_on_the_order_features_come_in(stance_nlp, monkeypatch):
    """Some features come from sets of strings, whose order changes between processes (hash randomisation);
    the scores must not, or a batch run and its resume would write different tables."""
    from scomm_nlp.components.stance import StanceComponent

    text = ("Gov. Jerry Brown said he would not sign the TRUST Act, while the Los Angeles County Board "
            "voted to keep Secure Communities.")
    ents = [("Jerry Brown", "GOVERNOR"), ("TRUST Act", "PROGRAM"), ("Los Angeles County Board", "AGENCY"),
            ("Secure Communities", "PROGRAM")]
    pipe = stance_nlp.get_pipe("scomm_stance")
    _cands, probs = pipe.score(annotate(stance_nlp, text, ents))
    original = StanceComponent.featurizer.fget

    def reversed_featurizer(self):
        featurize = original(self)
        return lambda cand: list(reversed(featurize(cand)))

    monkeypatch.setattr(StanceComponent, "featurizer", property(reversed_featurizer))
    _cands, reordered = pipe.score(annotate(stance_nlp, text, ents))
    assert probs.shape[0] >= 3
    assert reordered.tobytes() == probs.tobytes()  # bit for bit


def test_component_reads_sponsor_lines_unless_turned_off(stance_nlp):
    text = "SB 412 -- Jail detainers. Sponsor: Sen. Maren Holt of Ridgefield.\n\nStatus: passed the Senate 20-9."
    ents = [("SB 412", "PROGRAM"), ("Maren Holt", "OFFICIAL"), ("Senate", "AGENCY")]
    pipe = stance_nlp.get_pipe("scomm_stance")
    doc = run(stance_nlp, text, ents)
    found = {(doc[r["head"][0]:r["head"][1]].text, r["type"], doc[r["child"][0]:r["child"][1]].text)
             for r in doc._.stances}
    assert ("Maren Holt", "SUPPORTS", "SB 412") in found
    pipe.cfg["sponsor_lines"] = False
    try:
        doc = run(stance_nlp, text, ents)
    finally:
        pipe.cfg["sponsor_lines"] = True
    assert all(doc[r["head"][0]:r["head"][1]].text != "Maren Holt" for r in doc._.stances)
