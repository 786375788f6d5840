"""Training and evaluation: spaCy configs in ``configs/``, a Doccano corpus reader, the train loop."""
