"""Data I/O: Doccano exports, the corpus markup format, spaCy conversion."""
