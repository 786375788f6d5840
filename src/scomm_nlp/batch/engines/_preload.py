"""Imported once by the engines' fork server (``multiprocessing`` "forkserver" preload).

Every worker process is forked from that server, so loading spaCy, its plugins (spaCy imports
every installed plugin, spacy-transformers and torch included, when it builds a pipeline) and the
run's pipeline here means workers start at once and share that memory instead of each loading it.
The pipeline is named by the ``PRELOAD_ENV`` environment variable (see :mod:`.procs`; JSON: a string, or null for the default model); if loading
it fails here, each worker loads it itself and reports the problem properly.
"""

import json
import os

try:
    import spacy

    import scomm_nlp
    import scomm_nlp.pipeline  # noqa: F401  (registers the scomm_* factories)
    from scomm_nlp.batch.engines.procs import PRELOAD_ENV

    spacy.blank("en")  # loads every spaCy plugin entry point once
    if PRELOAD_ENV in os.environ:
        scomm_nlp.load(json.loads(os.environ[PRELOAD_ENV]))
except Exception:  # never break the fork server: the workers load what they need themselves
    pass
