"""Batch tagging of news archives: readers and writers apart from interchangeable engines.

    >>> from scomm_nlp.batch import tag, read_tables
    >>> summary = tag(["archive/"], "out/", engine="local", n_process=4)
    >>> tables = read_tables("out/")          # documents, mentions, stances, errors as DataFrames

Modules: :mod:`.readers` (input formats), :mod:`.writers` (output tables, atomic writes),
:mod:`.partitions` (the unit of work), :mod:`.manifest` (fingerprint, resume), :mod:`.gates`
(relevance-gate hook), :mod:`.engines` (local processes, Dask), :mod:`.run` (``tag``).
Importing this package does not import spaCy.
"""

from scomm_nlp.batch.records import BatchRunError, BatchUsageError
from scomm_nlp.batch.run import RunSummary, tag
from scomm_nlp.batch.writers import SCHEMAS, TABLES, read_tables

__all__ = ["tag", "read_tables", "RunSummary", "BatchUsageError", "BatchRunError", "SCHEMAS", "TABLES"]
