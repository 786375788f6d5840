"""The stance pair encoder: its marked-up input, tokenization of the markers, the ONNX network mixed into
``scomm_stance``, serialisation (disk, bytes, pickle) and batching across documents."""

import pickle
from pathlib import Path

import numpy as np
import pytest

import scomm_nlp.pipeline  # noqa: F401  (registers the factories)
from scomm_nlp.components.pair_encoder import WINDOW, PairEncoder, pair_text
from scomm_nlp.components.stance_features import generate_candidates
from scomm_nlp.tokenizer import blank_english

REPO = Path(__file__).resolve().parents[2]
QUINN = "Gov. Pat Quinn spoke in Springfield. He said Illinois would withdraw from Secure Communities."


def annotate(nlp, text: str, ents: list[tuple[str, str]]):
    doc = nlp.make_doc(text)
    spans, pos = [], 0
    for surface, label in ents:
        start = text.index(surface, pos)
        spans.append(doc.char_span(start, start + len(surface), label=label))
        pos = start + len(surface)
    doc.ents = spans
    return doc


def candidate(doc, actor: str, target: str, resolved: bool | None = None):
    found = [c for c in generate_candidates(doc) if c.actor.text == actor and c.target.text == target
             and (resolved is None or c.resolved == resolved)]
    assert found, (actor, target)
    return found[0]


@pytest.fixture(scope="module")
def quinn_doc():
    return annotate(blank_english(), QUINN, [("Pat Quinn", "GOVERNOR"), ("Springfield", "JURISDICTION"),
                                             ("Illinois", "JURISDICTION"), ("Secure Communities", "PROGRAM")])


# ------------------------------------------------------------------------------------------ the input text

def test_pair_text_marks_and_types_both_arguments(quinn_doc):
    item = pair_text(candidate(quinn_doc, "Illinois", "Secure Communities"), context=0)
    assert item.text == "He said @ * jurisdiction * Illinois @ would withdraw from # ^ program ^ Secure Communities #."
    assert item.text[item.actor_at:].startswith("@ * jurisdiction *")
    assert item.text[item.target_at:].startswith("# ^ program ^")
    assert item.side == "Illinois (jurisdiction) ; Secure Communities (program)"


def test_pair_text_of_a_resolved_pronoun_marks_the_pronoun_and_names_the_antecedent(quinn_doc):
    item = pair_text(candidate(quinn_doc, "Pat Quinn", "Secure Communities", resolved=True), context=1)
    # the previous sentence comes first as context; the pronoun stands marked in the stating sentence
    assert item.text.startswith("Gov. Pat Quinn spoke in Springfield. @ * governor * He @ said Illinois")
    assert item.text[item.actor_at:].startswith("@ * governor * He @")
    assert item.side == "Pat Quinn (governor) ; Secure Communities (program) ; refers to: he"


def test_adjacent_arguments_close_the_first_marker_before_opening_the_second():
    doc = annotate(blank_english(), "Arizona SB 1070 was signed.", [("Arizona", "JURISDICTION"),
                                                                     ("SB 1070", "PROGRAM")])
    item = pair_text(candidate(doc, "Arizona", "SB 1070"), context=0)
    assert "@ * jurisdiction * Arizona @ # ^ program ^ SB 1070 #" in item.text


def test_a_long_sentence_is_cut_to_a_window_around_the_arguments():
    filler = " ".join(f"word{i}" for i in range(3 * WINDOW))
    text = f"{filler} Pat Quinn rejected Secure Communities {filler}."
    doc = annotate(blank_english(), text, [("Pat Quinn", "GOVERNOR"), ("Secure Communities", "PROGRAM")])
    item = pair_text(candidate(doc, "Pat Quinn", "Secure Communities"), context=0)
    assert len(item.text.split()) < 2 * WINDOW + 20
    assert "@ * governor * Pat Quinn @ rejected # ^ program ^ Secure Communities #" in item.text
    assert item.text.split()[0] == f"word{2 * WINDOW}"


# ------------------------------------------------------------------------------------------ tokenization

@pytest.fixture(scope="module")
def tokenizer_json():
    from scomm_nlp.training.pair_encoder import base_model_dir

    return (base_model_dir() / "tokenizer.json").read_text(encoding="utf-8")


def test_inputs_point_at_the_marker_tokens(quinn_doc, tokenizer_json):
    enc = PairEncoder(b"", tokenizer_json, {"classes": ["NONE", "OPPOSES", "SUPPORTS", "COMPELS"]})
    items = [pair_text(c, context=1) for c in generate_candidates(quinn_doc)]
    feed = enc.inputs(items)
    assert feed["input_ids"].shape[0] == len(items) == feed["pa"].shape[0]
    at, hash_ = enc.tokenizer.token_to_id("@"), enc.tokenizer.token_to_id("#")
    rows = np.arange(len(items))
    assert (feed["input_ids"][rows, feed["pa"]] == at).all()
    assert (feed["input_ids"][rows, feed["pt"]] == hash_).all()
    # the pair description is the second segment
    assert (feed["token_type_ids"].max(axis=1) == 1).all()


# ------------------------------------------------------------------------------------------ the network in the component

@pytest.fixture(scope="module")
def encoder_nlp():
    """The shipped pipeline with a pair encoder fine-tuned for one pass over six training documents."""
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import fit_encoder, gold_entity_docs, read_docs

    nlp = load_pipeline(REPO / "models" / "scomm_core")
    pipe = nlp.get_pipe("scomm_stance")
    docs = gold_entity_docs(nlp, read_docs([REPO / "annotations" / "train.jsonl"])[:6])
    fit_encoder(pipe, docs, epochs=1, seed=0, name_swaps=0)  # the component is under test here, not the recipe
    return nlp


TEXTS = ["Gov. Pat Quinn said Illinois would withdraw from Secure Communities; ICE Director John Morton answered "
         "that participation is mandatory for Illinois.",
         "The Arlington County Board voted against Secure Communities. The sheriff said he would keep honoring "
         "detainers under 287(g)."]


@pytest.mark.slow
def test_encoder_scores_are_mixed_into_the_chosen_candidates(encoder_nlp):
    pipe = encoder_nlp.get_pipe("scomm_stance")
    with encoder_nlp.select_pipes(disable=["scomm_stance"]):
        doc = encoder_nlp(TEXTS[0])
    cands, mixed = pipe.score(doc)
    encoder, pipe.encoder = pipe.encoder, None
    try:
        _, linear = pipe.score(doc)
    finally:
        pipe.encoder = encoder
    best = linear[:, 1:].max(axis=1)
    chosen = best >= pipe.cfg["encoder_min"]
    assert chosen.any() and (~chosen).any()
    # rows below encoder_min keep the linear scores; the others move towards the encoder's
    assert np.allclose(mixed[~chosen], linear[~chosen])
    enc = encoder.probabilities([c for c, k in zip(cands, chosen) if k])
    enc = pipe.drop_forbidden_types([c for c, k in zip(cands, chosen) if k], enc)
    w = pipe.cfg["encoder_weight"]
    assert np.allclose(mixed[chosen], w * enc + (1 - w) * linear[chosen], atol=1e-5)
    assert np.allclose(mixed.sum(axis=1), 1.0, atol=1e-5)


@pytest.mark.slow
def test_pipeline_with_encoder_round_trips_through_disk_bytes_and_pickle(encoder_nlp, tmp_path):
    import spacy

    expected = [doc._.stances for doc in encoder_nlp.pipe(TEXTS)]
    encoder_nlp.to_disk(tmp_path / "model")
    folder = tmp_path / "model" / "scomm_stance" / "encoder"
    assert {p.name for p in folder.iterdir()} == {"model.onnx", "tokenizer.json", "encoder.json"}
    loaded = spacy.load(tmp_path / "model")
    assert loaded.get_pipe("scomm_stance").encoder is not None
    assert loaded.get_pipe("scomm_stance").encoder.cfg["training"] == encoder_nlp.get_pipe(
        "scomm_stance").encoder.cfg["training"]  # the recipe travels with the weights
    assert [loaded(t)._.stances for t in TEXTS] == expected
    pipe = loaded.get_pipe("scomm_stance")
    pipe.from_bytes(encoder_nlp.get_pipe("scomm_stance").to_bytes())
    assert [loaded(t)._.stances for t in TEXTS] == expected
    # worker processes get a pickled pipeline: the onnxruntime session is not pickled but rebuilt
    clone = pickle.loads(pickle.dumps(pipe.encoder))
    assert clone._session is None
    probs_a = pipe.encoder.probabilities(pipe.candidates(loaded(TEXTS[0])))
    probs_b = clone.probabilities(pipe.candidates(loaded(TEXTS[0])))
    assert np.allclose(probs_a, probs_b)


@pytest.mark.slow
def test_pipe_batches_documents_and_gives_the_same_stances_as_one_by_one(encoder_nlp):
    one_by_one = [encoder_nlp(t)._.stances for t in TEXTS * 3]
    batched = [d._.stances for d in encoder_nlp.pipe(TEXTS * 3, batch_size=4)]  # a document alone decides
    assert batched == one_by_one
    assert any(one_by_one)


@pytest.mark.slow
def test_encoder_weight_zero_gives_the_linear_scorer_alone(encoder_nlp):
    pipe = encoder_nlp.get_pipe("scomm_stance")
    with_encoder = [encoder_nlp(t)._.stances for t in TEXTS]
    saved = pipe.cfg["encoder_weight"]
    pipe.cfg["encoder_weight"] = 0.0
    try:
        weightless = [encoder_nlp(t)._.stances for t in TEXTS]
    finally:
        pipe.cfg["encoder_weight"] = saved
    encoder, pipe.encoder = pipe.encoder, None
    try:
        linear = [encoder_nlp(t)._.stances for t in TEXTS]
    finally:
        pipe.encoder = encoder
    assert weightless == linear
    assert with_encoder != linear  # scores (at least) differ


@pytest.fixture()
def two_encoder_nlp(encoder_nlp):
    """encoder_nlp with a second encoder: the first one's network reading the sentence without context."""
    pipe = encoder_nlp.get_pipe("scomm_stance")
    first = pipe.encoder
    second = PairEncoder(first.model_bytes, first.tokenizer_json, {**first.cfg, "context": 0})
    pipe.encoders = [first, second]
    yield encoder_nlp
    pipe.encoders = [first]


@pytest.mark.slow
@pytest.mark.parametrize("band", [(0.0, 1.0), (0.35, 0.65), (2.0, 2.0)])
def test_the_second_encoder_reads_only_the_candidates_the_first_leaves_undecided(two_encoder_nlp, band):
    pipe = two_encoder_nlp.get_pipe("scomm_stance")
    with two_encoder_nlp.select_pipes(disable=["scomm_stance"]):
        doc = two_encoder_nlp(" ".join(TEXTS))
    saved = pipe.cfg["ensemble_band"]
    pipe.cfg["ensemble_band"] = list(band)
    try:
        cands, mixed = pipe.score(doc)
    finally:
        pipe.cfg["ensemble_band"] = saved
    _, linear = pipe.linear_score(doc)
    rows = pipe.encoder_rows(linear)
    assert 0 < len(rows) < len(cands)
    first, second = pipe.encoder_probabilities([cands[i] for i in rows])
    assert not np.allclose(first, second)  # the context sentence changes the input of later sentences
    w, w_all = pipe.cfg["encoder_weight"], pipe.cfg["ensemble_weight"]
    one = w * first + (1 - w) * linear[rows]
    undecided = (pipe.stance_probability(one) >= band[0]) & (pipe.stance_probability(one) <= band[1])
    expected = one.copy()
    if undecided.any():
        # the second encoder sees only the undecided candidates (its 8-bit activations scale per batch)
        second = pipe.encoder_probabilities([cands[i] for i in rows[undecided]])[1]
        expected[undecided] = w_all * (first[undecided] + second) / 2 + (1 - w_all) * linear[rows[undecided]]
    assert np.allclose(mixed[rows], expected, atol=1e-5)
    others = np.setdiff1d(np.arange(len(cands)), rows)
    assert np.allclose(mixed[others], linear[others])
    assert undecided.all() if band == (0.0, 1.0) else not undecided.all()
    # the rarely used second session must not busy-wait while the first one works
    assert [e.spinning for e in pipe.encoders] == [True, False]


@pytest.mark.slow
def test_two_encoders_round_trip_through_disk_and_bytes_in_order(two_encoder_nlp, tmp_path):
    import spacy

    expected = [doc._.stances for doc in two_encoder_nlp.pipe(TEXTS)]
    two_encoder_nlp.to_disk(tmp_path / "model")
    folder = tmp_path / "model" / "scomm_stance"
    assert (folder / "encoder").is_dir() and (folder / "encoder_1").is_dir() and not (folder / "encoder_2").exists()
    loaded = spacy.load(tmp_path / "model")
    assert [e.cfg["context"] for e in loaded.get_pipe("scomm_stance").encoders] == [1, 0]
    assert [loaded(t)._.stances for t in TEXTS] == expected
    pipe = loaded.get_pipe("scomm_stance")
    pipe.encoders = []
    pipe.from_bytes(two_encoder_nlp.get_pipe("scomm_stance").to_bytes())
    assert [e.cfg["context"] for e in pipe.encoders] == [1, 0]
    assert [loaded(t)._.stances for t in TEXTS] == expected


@pytest.mark.slow
def test_bytes_written_with_a_single_encoder_key_still_load(encoder_nlp):
    import srsly

    pipe = encoder_nlp.get_pipe("scomm_stance")
    msg = srsly.msgpack_loads(pipe.to_bytes())
    old = srsly.msgpack_dumps({"cfg": msg["cfg"], "weights": msg["weights"], "encoder": msg["encoders"][0]})
    from scomm_nlp.components.stance import StanceComponent

    fresh = StanceComponent(encoder_nlp, "old", **pipe.cfg).from_bytes(old)
    assert len(fresh.encoders) == 1 and fresh.encoder.model_bytes == pipe.encoder.model_bytes
    none = srsly.msgpack_dumps({"cfg": msg["cfg"], "weights": msg["weights"], "encoder": None})
    assert StanceComponent(encoder_nlp, "old", **pipe.cfg).from_bytes(none).encoders == []


def test_an_incomplete_encoder_folder_is_named_in_the_error(tmp_path):
    (tmp_path / "encoder").mkdir()
    (tmp_path / "encoder" / "encoder.json").write_text("{}")
    with pytest.raises(ValueError, match="has no model.onnx"):
        PairEncoder.from_disk(tmp_path / "encoder")


# ------------------------------------------------------------------------------------------ training-set selection

@pytest.mark.slow
def test_fit_encoders_trains_one_encoder_per_variant_on_the_same_selection(gold_docs_and_pipe):
    from scomm_nlp.training.stance import fit_encoders

    docs, pipe = gold_docs_and_pipe
    saved = pipe.encoders
    lines = []
    try:
        encoders = fit_encoders(pipe, docs[:3], variants=({"context": 1}, {"context": 0, "seed_offset": 1}),
                                epochs=1, name_swaps=1, log=lines.append)
        assert pipe.encoders == encoders and [e.cfg["context"] for e in encoders] == [1, 0]
        assert encoders[0].model_bytes != encoders[1].model_bytes
        counts = [line.split(":")[1].split(" of ")[0] for line in lines if line.startswith("encoder (context")]
        assert len(counts) == 2 and counts[0] == counts[1]  # the same candidates, once selected
        # each encoder trained on its candidates and one renamed copy of each
        swapped = [line for line in lines if "renamed copy" in line]
        assert swapped == [f"encoder: {2 * int(counts[0])} examples with 1 renamed copy each"] * 2
        # each encoder states its recipe, with its own seed
        assert [e.cfg["training"]["seed"] for e in encoders] == [0, 1]
        assert all(e.cfg["training"]["examples"] == 2 * int(counts[0]) and e.cfg["training"]["name_swaps"] == 1
                   and e.cfg["training"]["epochs"] == 1 for e in encoders)
        assert all(e.cfg["batch_size"] == 1 for e in encoders)  # a fitted encoder runs one pair per pass
    finally:
        pipe.encoders = saved


def test_length_batches_cover_every_item_once_in_batches_of_similar_length():
    from scomm_nlp.training.pair_encoder import _length_batches

    lengths = list(np.random.default_rng(1).integers(5, 500, size=1000))
    batches = _length_batches(lengths, 16, np.random.default_rng(0))
    flat = np.concatenate(batches)
    assert sorted(flat.tolist()) == list(range(1000))
    assert max(len(b) for b in batches) == 16
    # within a batch, lengths are close (sorted windows), much closer than in a random batch
    spread = np.mean([max(lengths[i] for i in b) - min(lengths[i] for i in b) for b in batches])
    assert spread < 100
    again = _length_batches(lengths, 16, np.random.default_rng(0))
    assert all((a == b).all() for a, b in zip(batches, again))


def test_swap_names_renames_both_parties_in_the_text_and_the_description(quinn_doc):
    from scomm_nlp.training.pair_encoder import swap_names

    item = pair_text(candidate(quinn_doc, "Illinois", "Secure Communities"), context=1)
    pools = {"jurisdiction": ["Illinois", "Santa Clara County"], "program": ["Secure Communities", "287(g)"]}
    out = swap_names(item, pools, np.random.default_rng(0))
    assert out.text == item.text.replace("Illinois @", "Santa Clara County @").replace(
        "Secure Communities #", "287(g) #")
    assert out.side == "Santa Clara County (jurisdiction) ; 287(g) (program)"
    # the markers still open at the offsets the encoder reads
    assert out.text[out.actor_at:].startswith("@ * jurisdiction * Santa Clara County @")
    assert out.text[out.target_at:].startswith("# ^ program ^ 287(g) #")
    # the words that carry the stance are untouched
    assert "would withdraw from" in out.text and out.text.startswith("Gov. Pat Quinn spoke in Springfield.")


def test_swap_names_keeps_a_pronoun_and_renames_its_antecedent_only_in_the_description(quinn_doc):
    from scomm_nlp.training.pair_encoder import swap_names

    item = pair_text(candidate(quinn_doc, "Pat Quinn", "Secure Communities", resolved=True), context=1)
    out = swap_names(item, {"governor": ["Jerry Brown"], "program": ["287(g)"]}, np.random.default_rng(0))
    assert out.text[out.actor_at:].startswith("@ * governor * He @")
    assert out.text[out.target_at:].startswith("# ^ program ^ 287(g) #")
    assert out.side == "Jerry Brown (governor) ; 287(g) (program) ; refers to: he"
    # an empty pool leaves the party as it was
    same = swap_names(item, {}, np.random.default_rng(0))
    assert same == item


def test_with_swapped_names_appends_renamed_copies_with_their_labels(quinn_doc):
    from scomm_nlp.training.pair_encoder import with_swapped_names

    items = [pair_text(c, context=0) for c in generate_candidates(quinn_doc)]
    labels = np.arange(len(items))
    out, out_labels = with_swapped_names(items, labels, copies=2, rng=np.random.default_rng(3))
    assert len(out) == 3 * len(items) and out[:len(items)] == items
    assert out_labels.tolist() == labels.tolist() * 3
    names = {"Pat Quinn", "Springfield", "Illinois", "Secure Communities"}
    for original, copy in zip(items * 2, out[len(items):]):
        # a copy differs from its original only in names drawn from the same label's pool
        for at_o, at_c in ((original.actor_at, copy.actor_at), (original.target_at, copy.target_at)):
            head_o = original.text[at_o:].split(" ")[:4]
            head_c = copy.text[at_c:].split(" ")[:4]
            assert head_o == head_c  # opener, separator, label, separator
        assert set(copy.side.replace(" (governor)", "").replace(" (jurisdiction)", "").replace(
            " (program)", "").split(" ; ")) - {"refers to: he"} <= names


@pytest.fixture(scope="module")
def gold_docs_and_pipe():
    from scomm_nlp.pipeline import load_pipeline
    from scomm_nlp.training.stance import gold_entity_docs, read_docs

    nlp = load_pipeline(REPO / "models" / "scomm_core")
    docs = gold_entity_docs(nlp, read_docs([REPO / "annotations" / "train.jsonl"])[:9])
    return docs, nlp.get_pipe("scomm_stance")


def test_plausible_candidates_follow_the_floor_and_leave_the_weights_alone(gold_docs_and_pipe):
    from scomm_nlp.training.stance import plausible_candidates

    docs, pipe = gold_docs_and_pipe
    weights = pipe.weights
    keep = plausible_candidates(pipe, docs)
    assert [len(k) for k in keep] == [len(pipe.candidates(d)) for d in docs]
    n_kept = sum(map(sum, keep))
    assert 0 < n_kept < sum(map(len, keep))
    assert all(all(k) for k in plausible_candidates(pipe, docs, floor=0.0))
    assert not any(any(k) for k in plausible_candidates(pipe, docs, floor=10.0))
    assert pipe.weights is weights


def test_encoder_examples_keep_every_gold_stance_and_only_the_flagged_negatives(gold_docs_and_pipe):
    from scomm_nlp.training.pair_encoder import encoder_examples

    docs, pipe = gold_docs_and_pipe
    _all, labels = encoder_examples(pipe, docs, context=0)
    none = [[False] * len(pipe.candidates(d)) for d in docs]
    _items, gold_only = encoder_examples(pipe, docs, context=0, keep=none)
    assert len(gold_only) == int((labels != 0).sum()) > 0 and (gold_only != 0).all()
    first = [[i == 0 for i in range(len(pipe.candidates(d)))] for d in docs]
    _items, some = encoder_examples(pipe, docs, context=0, keep=first)
    assert len(gold_only) <= len(some) <= len(gold_only) + len(docs)


def test_a_candidates_encoder_score_does_not_depend_on_the_other_candidates_of_its_document():
    from scomm_nlp.components.pair_encoder import INFERENCE_BATCH
    from scomm_nlp.pipeline import load_pipeline

    nlp = load_pipeline(REPO / "models" / "scomm_core")
    pipe = nlp.get_pipe("scomm_stance")
    encoder = pipe.encoders[0]
    assert INFERENCE_BATCH == 1 and all(int(e.cfg["batch_size"]) == INFERENCE_BATCH for e in pipe.encoders)
    doc = nlp(TEXTS[0] + " " + TEXTS[1])
    cands = pipe.candidates(doc)
    assert len(cands) > 3
    together = encoder.probabilities(cands)
    alone = np.vstack([encoder.probabilities([c]) for c in cands])
    assert np.array_equal(together, alone)  # one pair per network run: no batch partners
    assert np.allclose(together.sum(axis=1), 1.0, atol=1e-4)
