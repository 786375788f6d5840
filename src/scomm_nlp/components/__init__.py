"""spaCy pipeline components, one module each; importing this package registers their factories."""

from scomm_nlp.components import gazetteer, linker, stance  # noqa: F401  (registers the factories)
