"""spaCy pipeline components, one module each; importing this package registers their factories."""

from scomm_nlp.components import gazetteer, linker, relevance, stance, stance_nn  # noqa: F401  (registers the factories)
