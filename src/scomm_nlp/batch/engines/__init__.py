"""Processing backends for batch tagging. Each one takes the same partition stream and runs
:func:`scomm_nlp.batch.partitions.process_partition` on every partition, somewhere:

* :mod:`~scomm_nlp.batch.engines.local`: in this process, or a pool of worker processes;
* :mod:`~scomm_nlp.batch.engines.dask`: as tasks on a Dask cluster (local or remote).

Each engine calls ``on_done(marker)`` in the driver as partitions complete (in any order) and keeps
a bounded number of partitions in flight, so memory stays flat however long the input is.
"""

ENGINES = ("local", "dask")
