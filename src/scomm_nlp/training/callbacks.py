"""Training callbacks named in the configs (spaCy's ``@callbacks`` registry)."""

from __future__ import annotations

import spacy
from spacy.language import Language


@spacy.registry.callbacks("scomm_nlp.InitFrozenEncoders.v1")
def init_frozen_encoders():
    """``[initialize] before_init``: initialize the frozen components that others listen to.

    spaCy leaves frozen components out of ``nlp.initialize`` (it expects them sourced from a trained
    pipeline). A transformer that is frozen on purpose (its pretrained weights used as they are, as
    in the accuracy config) still has to load those weights and connect its listeners before the
    components on top of it are initialized; this does both."""

    def before_init(nlp: Language) -> Language:
        frozen = set(nlp.config.get("training", {}).get("frozen_components", []))
        # nlp.components, not nlp.pipeline: frozen components are disabled at this point
        for name, proc in nlp.components:
            if name in frozen and hasattr(proc, "find_listeners") and hasattr(proc, "initialize"):
                proc.initialize(lambda: [])
                for _other, component in nlp.components:  # connect listeners, giving them the width
                    proc.find_listeners(component)
        return nlp

    return before_init
