"""Errors a user can act on. The CLI prints their message as one line; nothing else is caught."""

from __future__ import annotations

from pathlib import Path


class KBError(Exception):
    """Base class: the message says what is wrong and, where there is one, the way out."""


class DocumentError(KBError):
    """A minutes file that cannot be read or parsed; the rest of the corpus goes on."""

    def __init__(self, path: Path, problem: str):
        super().__init__(f"{path}: {problem}")
        self.path = path
        self.problem = problem


class NoIndexError(KBError):
    pass


class IndexMismatchError(KBError):
    """The index was built with another embedding model: its vectors mean something else."""


class IndexDamagedError(KBError):
    pass


class IndexBusyError(KBError):
    """Another process is updating the index and the caller chose not to wait."""


class IndexReadOnlyError(KBError):
    """An update was asked of an index this process may only read (searching still works)."""


class DiskFullError(KBError):
    """The disk filled up during an update; the index is as it was, and work done is kept."""


class ModelError(KBError):
    """The embedding model named cannot be found offline or cannot be loaded."""
