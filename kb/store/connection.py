"""The store's connection: opened for writing or reading, checked on open, migrated, and the
transactions, snapshots and backups every write and read goes through; what an SQLite error
on it means to a user."""

from __future__ import annotations

import os
import sqlite3
import urllib.parse
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator

from kb.errors import DiskFullError, IndexDamagedError, IndexReadOnlyError, KBError
from kb.store.schema import MIGRATIONS

QUICK_CHECK_BYTES = 32 * 2**20
REBUILD = "run `kb index --rebuild`"
# SQLite's files beside the store: kb refuses to open the store when any of them is a link.
COMPANIONS = ("", "-wal", "-shm", "-journal")


class Connection:
    """The SQLite connection the store's parts share (`Store` says how it is opened and checked)."""

    def __init__(self, path: Path, write: bool = True):
        self.path = path
        self.readonly = False
        for suffix in COMPANIONS:
            if os.path.islink(f"{path}{suffix}"):
                raise KBError(f"{path}{suffix} is a symbolic link, which kb never makes; remove it and try again")
        try:
            if write:
                _create_private(path)
            if write or _may_write(path):
                self.db = sqlite3.connect(path, isolation_level=None, timeout=30, check_same_thread=False)
                self.db.row_factory = sqlite3.Row
                self.db.execute("PRAGMA journal_mode = WAL")
            else:
                self.db = _connect_readonly(path)
                self.readonly = True
            self.db.execute("PRAGMA foreign_keys = ON")
            self._migrate()
            self._quick_check()
        except sqlite3.DatabaseError as e:
            raise store_error(path, e) from e

    def close(self) -> None:
        self.db.close()

    def _quick_check(self) -> None:
        """Damage found on open, not as wrong answers later: SQLite's quick_check reads every page,
        a few milliseconds for a store of up to QUICK_CHECK_BYTES; a larger one has its header
        checked and a few reads that cross each table's tree, and the rest is left to `kb check`."""
        if not self.path.exists():
            return
        if self.path.stat().st_size <= QUICK_CHECK_BYTES:
            result = self.db.execute("PRAGMA quick_check(1)").fetchone()[0]
            if result != "ok":
                raise _Damaged(result)
            return
        problem = _header_problem(self.path)
        if problem:
            raise _Damaged(problem)
        for table in ("meta", "meetings", "items", "passages", "embeddings"):
            self.db.execute(f"SELECT * FROM {table} WHERE rowid IN ((SELECT min(rowid) FROM {table}), "
                            f"(SELECT max(rowid) FROM {table}))").fetchall()

    def _migrate(self) -> None:
        version = self.db.execute("PRAGMA user_version").fetchone()[0]
        if self.readonly and version < len(MIGRATIONS):
            raise IndexReadOnlyError(
                f"{self.path} was made by an earlier kb and needs an upgrade, which needs write access: run `kb index` "
                f"once as a user who can write to {self.path.parent}/ (after that, reading needs no write access)"
            )
        for number, script in enumerate(MIGRATIONS[version:], start=version + 1):
            with self.transaction():
                for statement in script.split(";"):
                    if statement.strip():
                        self.db.execute(statement)
                self.db.execute(f"PRAGMA user_version = {number}")

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction: all of it is committed, or none."""
        self.db.execute("BEGIN IMMEDIATE")
        try:
            yield self.db
        except BaseException:
            if self.db.in_transaction:  # SQLite rolls back by itself on some errors (a full disk)
                self.db.execute("ROLLBACK")
            raise
        self.db.execute("COMMIT")

    @contextmanager
    def snapshot(self) -> Iterator[sqlite3.Connection]:
        """A consistent read: every query inside sees the same committed state."""
        self.db.execute("BEGIN")
        try:
            yield self.db
        finally:
            self.db.execute("COMMIT")

    def backup_to(self, path: Path) -> int | None:
        """This store's committed state copied into the SQLite file at `path` (SQLite's online
        backup, so a writer may go on meanwhile); returns the generation the copy names."""
        target = sqlite3.connect(path)
        try:
            self.db.backup(target)
            row = target.execute("SELECT value FROM meta WHERE key = 'generation'").fetchone()
        finally:
            target.close()
        return int(row[0]) if row else None

    def get_meta(self, key: str, default: str | None = None) -> str | None:
        row = self.db.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return row[0] if row else default

    def set_meta(self, key: str, value: object) -> None:
        self.db.execute(
            "INSERT INTO meta (key, value) VALUES (?, ?) "
            "ON CONFLICT(key) DO UPDATE SET value = excluded.value",
            (key, str(value)),
        )

    def intact(self) -> bool:
        """SQLite's quick_check finds nothing wrong (a damaged store raises or says otherwise)."""
        return self.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"

    def integrity_problems(self, most: int = 3) -> list[str]:
        """What SQLite's integrity_check finds, at most `most` errors; [] if nothing."""
        lines = [line for row in self.db.execute(f"PRAGMA integrity_check({int(most)})") for line in row[0].splitlines()]
        return [] if lines == ["ok"] else [line for line in lines if not line.startswith("***")]

    def counts(self) -> dict[str, int]:
        one = lambda sql: self.db.execute(sql).fetchone()[0]  # noqa: E731
        return {
            "meetings": one("SELECT count(*) FROM meetings"),
            "items": one("SELECT count(*) FROM items"),
            "passages": one("SELECT count(*) FROM passages"),
        }


class _Damaged(sqlite3.DatabaseError):
    """What the checks on open found wrong with the store."""


_NOT_DAMAGE = {  # SQLite's errors that say something other than "the file is damaged"
    "SQLITE_READONLY", "SQLITE_CANTOPEN", "SQLITE_PERM", "SQLITE_BUSY", "SQLITE_LOCKED", "SQLITE_FULL",
    "SQLITE_IOERR", "SQLITE_NOMEM", "SQLITE_AUTH",
}


def is_disk_full(error: BaseException) -> bool:
    import errno

    if isinstance(error, sqlite3.Error):
        return getattr(error, "sqlite_errorname", "") == "SQLITE_FULL" or "disk is full" in str(error)
    return isinstance(error, OSError) and error.errno in (errno.ENOSPC, errno.EDQUOT)


def store_error(path: Path, error: sqlite3.DatabaseError) -> KBError:
    """The KBError an SQLite error on the store stands for: damage (with the way out), a full
    disk, no write access, or else the error itself in one line."""
    detail = " ".join(str(error).split())
    name = getattr(error, "sqlite_errorname", "")
    if is_disk_full(error):
        return DiskFullError(f"disk full while writing {path}; free some space and run `kb index` again "
                             "(the index is as it was, and what was embedded is kept)")
    if name == "SQLITE_READONLY" or "readonly database" in detail:
        return IndexReadOnlyError(f"{path} is read-only here ({detail}): updating needs write access to "
                                  f"{path.parent}/ and its files; searching works without it")
    if "unable to open" in detail or "database is locked" in detail:
        name = name or "SQLITE_CANTOPEN"  # Python < 3.11 does not name SQLite's error codes
    if isinstance(error, _Damaged) or name not in _NOT_DAMAGE:
        return IndexDamagedError(f"{path}: the metadata store is damaged ({detail}); {REBUILD}")
    return KBError(f"{path}: {detail}")


def _create_private(path: Path) -> None:
    """Create the store file for the owner only (SQLite gives its -wal and -shm files the same
    permissions); an existing one is left as it is."""
    try:
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    except FileExistsError:
        pass


def _may_write(path: Path) -> bool:
    return os.access(path, os.W_OK) and os.access(path.parent, os.W_OK)


def _connect_readonly(path: Path) -> sqlite3.Connection:
    """A read-only connection. Without write access to the folder SQLite cannot make the shared
    memory file that WAL mode reads through; the store is then opened as immutable, which is
    sound there: no one can write to it either (a writer would need to create its -wal file)."""
    uri = "file:" + urllib.parse.quote(str(path.resolve())) + "?mode=ro"
    for suffix in ("", "&immutable=1"):
        db = sqlite3.connect(uri + suffix, uri=True, isolation_level=None, check_same_thread=False)
        db.row_factory = sqlite3.Row
        try:
            db.execute("SELECT count(*) FROM sqlite_master").fetchone()
            return db
        except sqlite3.OperationalError as e:
            db.close()
            if suffix or "unable to open" not in str(e):
                raise
    raise AssertionError("unreachable")


def _header_problem(path: Path) -> str | None:
    """What is wrong with the store file's 100-byte header, if anything: not SQLite's, an
    impossible page size, or fewer pages in the file than the header counts (a cut-off file)."""
    with open(path, "rb") as file:
        header = file.read(100)
    if len(header) < 100 or header[:16] != b"SQLite format 3\x00":
        return "not an SQLite database file"
    page_size = int.from_bytes(header[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    if page_size < 512 or page_size & (page_size - 1):
        return f"impossible page size {page_size}"
    pages = int.from_bytes(header[28:32], "big")
    size = path.stat().st_size
    # A checkpoint copies the WAL's pages into the file in page order, page 1 (the header, with
    # the new page count) first; killed before the last of them, it leaves a file shorter than
    # its header counts and the pages past the end still in the -wal file, where SQLite reads
    # them (tests/test_crash_safety.py met it, a kill at 85% of an update). Only without a WAL
    # does a short file mean one cut off.
    wal = path.with_name(path.name + "-wal")
    in_wal = wal.exists() and wal.stat().st_size > 32  # more than the WAL's own header
    if header[24:28] == header[92:96] and pages * page_size > size and not in_wal:
        return f"the file ends at {size} bytes, but its header counts {pages} pages of {page_size}"
    return None
