"""bench/fit_encoder_variant.py: its options reach the encoder fit (the fit itself is exercised by the
pair-encoder tests)."""

import fit_encoder_variant  # bench/ is on the path (conftest.py)
import pytest


def test_needs_an_output_folder(capsys):
    with pytest.raises(SystemExit):
        fit_encoder_variant.main(["--model", "m"])
    assert "--out" in capsys.readouterr().err


def test_passes_the_options_to_fit_encoder(monkeypatch, tmp_path):
    script = fit_encoder_variant
    calls = {}

    class Encoder:
        def to_disk(self, path):
            calls["saved"] = path

    class NLP:
        def to_disk(self, path):
            calls["linear"] = path

    monkeypatch.setattr(script, "load_pipeline", lambda path: NLP())
    monkeypatch.setattr(script, "train_stance", lambda nlp, train: "pipe")
    monkeypatch.setattr(script, "read_docs", lambda paths: paths)
    monkeypatch.setattr(script, "gold_entity_docs", lambda nlp, docs: docs)
    monkeypatch.setattr(script, "plausible_candidates", lambda pipe, docs, seed: [[True]])

    def fit(pipe, docs, **options):
        calls["options"] = options
        return Encoder()

    monkeypatch.setattr(script, "fit_encoder", fit)
    assert script.main(["--model", "m", "--out", str(tmp_path / "enc"), "--linear-out", str(tmp_path / "lin"),
                        "--context", "1", "--seed", "3", "--learning-rate", "3e-5"]) == 0
    options = calls["options"]
    assert (options["context"], options["seed"], options["learning_rate"], options["keep"]) == (1, 3, 3e-5, [[True]])
    assert options["name_swaps"] == script.DEFAULT_NAME_SWAPS == 1  # the shipped recipe unless told otherwise
    assert calls["saved"] == str(tmp_path / "enc") and calls["linear"] == str(tmp_path / "lin")
