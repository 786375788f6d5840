"""The project's tokenizer: spaCy's English rules plus the few policy-text forms they split wrongly.

spaCy's English tokenizer cuts ``287(g)`` into ``287(g`` and ``)``, so a program span could never
line up with tokens. The tokenizer is registered so that a saved pipeline's config names it, and its
rules are serialised with the pipeline.
"""

from __future__ import annotations

import re

import spacy
from spacy.language import Language
from spacy.tokenizer import Tokenizer
from spacy.util import compile_infix_regex

from scomm_nlp import scheme

#: Statute-section forms kept as one token: 287(g), 1357(g), 212(a)(6)...
SECTION_TOKEN = re.compile(scheme.SECTION_NUMBER_PATTERN)
#: A hyphen after a closing parenthesis joins words ("287(g)-program"): split it.
EXTRA_INFIXES = (r"(?<=\))-(?=[A-Za-z])",)


def suffix_search(nlp: Language):
    """spaCy's English suffixes, except that the closing parenthesis of a section form is not cut off: a
    quote or bracket before ``287(g)`` ("\"287(g) lets us ...") makes spaCy strip prefixes and suffixes,
    and the section rule (a whole-token match) no longer sees the token whole."""
    guarded = r"(?<![\d)]\([a-z0-9])(?<![\d)]\([a-z0-9]{2})(?<![\d)]\([a-z0-9]{3})\)"
    suffixes = [guarded if s == "\\)" else s for s in nlp.Defaults.suffixes]
    return spacy.util.compile_suffix_regex(suffixes).search


def infix_finditer():
    """spaCy's English infixes plus :data:`EXTRA_INFIXES`, compiled (so ``Tokenizer.to_disk`` can save it)."""
    return compile_infix_regex(tuple(spacy.lang.en.English.Defaults.infixes) + EXTRA_INFIXES).finditer


@spacy.registry.tokenizers("scomm_nlp.Tokenizer.v1")
def create_tokenizer():
    """Config entry: ``[nlp.tokenizer] @tokenizers = "scomm_nlp.Tokenizer.v1"``."""

    def make(nlp: Language) -> Tokenizer:
        # Every rule goes to the constructor: setting one afterwards reloads all special cases (slow).
        return spacy.tokenizer.Tokenizer(
            nlp.vocab,
            rules=nlp.Defaults.tokenizer_exceptions,
            prefix_search=spacy.util.compile_prefix_regex(nlp.Defaults.prefixes).search,
            suffix_search=suffix_search(nlp),
            infix_finditer=infix_finditer(),
            token_match=SECTION_TOKEN.match,
            url_match=nlp.Defaults.url_match,
        )

    return make


def blank_english() -> Language:
    """A blank English pipeline with the project's tokenizer (used for validation and conversion)."""
    return spacy.blank("en", config={"nlp": {"tokenizer": {"@tokenizers": "scomm_nlp.Tokenizer.v1"}}})
