"""Errors whose messages tell the user what to do next. The CLI prints them on one line; the UI as a chat message."""


class RagError(Exception):
    """Base class: anything the user can fix."""


class ConfigError(RagError):
    """A setting has a bad value or an unknown name."""


class CorpusError(RagError):
    """The article folder is missing or holds nothing indexable."""


class IndexMissingError(RagError):
    """No index where one was expected."""


class IndexBrokenError(RagError):
    """The index's files are damaged (truncated, not a database)."""


class IndexLockedError(RagError):
    """Another process is writing the index."""


class ModelMismatchError(RagError):
    """The index was built with another embedding model or chunking."""


class ModelLoadError(RagError):
    """An embedding or generation model could not be loaded."""


class QuestionError(RagError):
    """The question is empty or too long."""


class BackendError(RagError):
    """An answer backend failed (unreachable, refused, malformed reply)."""


class MissingDependencyError(RagError):
    """An optional package is not installed."""
