"""``python -m scomm_nlp.training.ship``: install a trained pipeline as the shipped model, with its provenance."""

import json

import spacy

from scomm_nlp.pipeline import build_rule_pipeline
from scomm_nlp.training.ship import main


def test_ship_fills_meta_keeps_the_card_and_records_the_stance_data(tmp_path):
    src = tmp_path / "trained"
    build_rule_pipeline().to_disk(src)
    annotations = tmp_path / "annotations"
    annotations.mkdir()
    for name in ("train.jsonl", "dev.jsonl", "test.jsonl"):
        (annotations / name).write_text(json.dumps({"id": 1, "text": name, "label": []}) + "\n")
    dest = tmp_path / "models" / "scomm_core"
    dest.mkdir(parents=True)
    (dest / "MODEL_CARD.md").write_text("# card\n")
    (dest / "stale.txt").write_text("from the previous model\n")

    main([str(src), str(dest), "--annotations", str(annotations), "--stance-fitted-on", "train.jsonl,dev.jsonl"])

    meta = json.loads((dest / "meta.json").read_text())
    assert meta["name"] == "scomm_core"
    assert sorted(meta["scomm_nlp"]["trained_from"]) == ["dev.jsonl", "train.jsonl"]  # never the test split
    assert meta["scomm_nlp"]["stance_fitted_on"] == ["train.jsonl", "dev.jsonl"]
    assert (dest / "MODEL_CARD.md").read_text() == "# card\n"
    assert not (dest / "stale.txt").exists()  # the old model is replaced, not merged
    assert spacy.load(dest).pipe_names == ["sentencizer", "scomm_gazetteer", "scomm_linker"]
