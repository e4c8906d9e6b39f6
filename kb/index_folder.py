"""The index folder as the file system sees it: made for its owner, checked before an update
writes to it, and the faults writing can meet (a full disk, no write access, a damaged store)
turned into one line that names the file and the way out."""

from __future__ import annotations

import errno
import os
import sqlite3
import stat
import tempfile
from contextlib import contextmanager
from pathlib import Path
from typing import Callable, Iterable

from kb.corpus import display_name
from kb.errors import DiskFullError, IndexDamagedError, IndexReadOnlyError, KBError
from kb.store import is_disk_full, store_error

# The files of an index folder that are not vector files (those are named in `kb.vectors`).
STORE_FILE = "kb.sqlite"
LOCK_FILE = "write.lock"


def prepare_folder(folder: Path, exists: bool, held: Iterable[str], log: Callable[[str], None]) -> None:
    """Make the index folder (for the owner only) and make sure kb can create files in it and
    write the files it holds (`held`, names in it); say which is not so, and the way out.
    `exists`: the folder already holds an index (then a read-only folder can still be searched)."""
    if folder.exists() and not folder.is_dir():
        raise KBError(f"{display_name(folder)} is a file, not an index folder; choose a folder with --index")
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd, probe = tempfile.mkstemp(prefix=".kb-write-test.", dir=folder)
        os.close(fd)
        os.unlink(probe)
    except OSError as e:
        if is_disk_full(e):
            raise DiskFullError(f"disk full: cannot create files in {display_name(folder)}/; free some space and try again") from None
        if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and folder.is_dir() and exists:
            raise IndexReadOnlyError(
                f"{display_name(folder)}/ is read-only here ({e.strerror}): updating needs write access to it and its "
                "files; searching works without it"
            ) from None
        raise KBError(f"cannot create files in {display_name(folder)}/ ({e.strerror}); choose an index folder kb can "
                      "write to with --index") from None
    for name in held:
        path = folder / name
        if path.exists() and not os.access(path, os.W_OK):
            raise IndexReadOnlyError(
                f"{display_name(path)} is read-only here: updating needs write access to {display_name(folder)}/ and "
                "its files; searching works without it"
            )
    mode = folder.stat().st_mode
    if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
        log(f"warning: anyone can create files in {display_name(folder)}/; an index folder is best kept to its owner")


def set_aside(paths: Iterable[Path]) -> None:
    """Rename damaged files to NAME.damaged, so a fresh index can be built beside them and
    nothing is deleted."""
    for path in list(paths):
        path.rename(path.with_name(path.name + ".damaged"))


@contextmanager
def faults_reported(store_path: Path, folder: Path, intact: Callable[[], bool]):
    """SQLite failing (a damaged store, a full disk, no write access) and a disk filling up
    under the vector file become one message with the way out. `intact()` tells a damaged store
    from another SQLite error."""
    try:
        yield
    except sqlite3.DatabaseError as e:
        error = store_error(store_path, e)
        if isinstance(error, IndexDamagedError) and intact():
            error = KBError(f"{store_path}: {' '.join(str(e).split())}")
        raise error from e
    except OSError as e:
        if is_disk_full(e):
            raise DiskFullError(
                f"disk full while writing {display_name(e.filename or folder)}; free some space and run "
                "`kb index` again (the index is as it was, and what was embedded is kept)"
            ) from e
        if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
            raise IndexReadOnlyError(
                f"cannot write {display_name(e.filename or folder)} ({e.strerror}): updating needs write "
                "access to the index folder and its files; searching works without it"
            ) from e
        raise
