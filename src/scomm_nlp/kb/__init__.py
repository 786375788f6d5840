"""The knowledge base: states, counties, cities, people, agencies, programs and groups with stable ids.

Data files live in ``kb/data/`` (see its README.md for the schema); states, territories and counties
come from the ``us`` package at load time. ``load_kb()`` returns one cached :class:`KnowledgeBase`.
"""

from scomm_nlp.kb.loader import KBEntry, KnowledgeBase, Term, load_kb

__all__ = ["KBEntry", "KnowledgeBase", "Term", "load_kb"]
