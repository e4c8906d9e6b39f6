"""One writer at a time per index; readers never take the lock."""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from filelock import FileLock, Timeout

from kb.errors import IndexBusyError


@contextmanager
def writer_lock(path: Path, wait: bool, log: Callable[[str], None]) -> Iterator[None]:
    lock = FileLock(str(path))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        if not wait:
            raise IndexBusyError(f"{path.parent}/ is being updated by another process; try again later") from None
        log(f"waiting for another update of {path.parent}/ to finish ...")
        lock.acquire()
    try:
        yield
    finally:
        lock.release()
