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
