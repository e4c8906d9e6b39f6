"""One writer at a time per index; readers never take the lock.

The lock is an advisory lock (flock) on write.lock in the index folder. The file is opened
without following a link planted under its name and never truncated, so a planted link cannot
make kb write to another file; it is created for the owner only.
"""

from __future__ import annotations

import errno
import fcntl
import os
import stat
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterator

from kb.errors import IndexBusyError, KBError


@contextmanager
def writer_lock(path: Path, wait: bool, log: Callable[[str], None]) -> Iterator[None]:
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_CLOEXEC, 0o600)
    except OSError as e:
        if e.errno == errno.ELOOP:
            raise KBError(f"{path} is a symbolic link, which kb never makes; remove it and try again") from None
        raise KBError(f"{path}: cannot create the lock file ({e.strerror}); choose an index folder kb can write to "
                      "with --index") from None
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise KBError(f"{path} is not a regular file; remove it and try again")
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            if not wait:
                raise IndexBusyError(f"{path.parent}/ is being updated by another process; try again later") from None
            log(f"waiting for another update of {path.parent}/ to finish ...")
            fcntl.flock(fd, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fd, fcntl.LOCK_UN)
    finally:
        os.close(fd)
