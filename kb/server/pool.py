"""KnowledgeBases for concurrent requests, each used by one request at a time.

A KnowledgeBase holds one SQLite connection and its loaded vector file, and serves one caller at a
time; a server answers many at once. The pool keeps up to `size` of them over the same index and
lends each to one request's worker thread. At most `size` requests run at once (an async limiter:
the others wait without holding a thread); `size` is about the number of cores, as a search is
CPU-bound (embedding the query, the vector search, SQLite).

Updates by `kb index` or `kb watch` in another process need nothing from the server. Reading
takes no lock: SQLite in WAL mode gives each request a snapshot of the last committed generation
while a writer works, and each KnowledgeBase notices a new generation at its next search (it
reads the generation number in its snapshot and loads the vector file it names; `kb.knowledge_base`
retries once when an update removed the file it had just read of). A store replaced under the
same name (a damaged one set aside by `kb index --rebuild`, an index folder made anew) has another
inode: a KnowledgeBase opened on the old file is closed and a new one opened, so a cached vector
file of the old index is never paired with the new store.

A request that takes longer than its timeout is answered with an error at once; its thread runs
on to the end (Python cannot stop it) and keeps its KnowledgeBase until then. The pool then
opens another for the next request, and keeps no more than `size` once they are returned.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, TypeVar

import anyio

from kb.index_folder import STORE_FILE
from kb.knowledge_base import KnowledgeBase

T = TypeVar("T")


class Timeout(Exception):
    """A request ran past its time limit."""


class KnowledgeBasePool:
    def __init__(self, index_dir: str | Path, size: int = 2, model: str | None = None,
                 log: Callable[[str], None] | None = None):
        if size < 1:
            raise ValueError("a pool needs at least one KnowledgeBase")
        self.index_dir = Path(index_dir)
        self.size = size
        self.model = model
        self.log = log or (lambda message: None)
        self._free: list[tuple[KnowledgeBase, tuple | None]] = []
        self._lock = threading.Lock()
        self._closed = False
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop, at first use

    def open(self) -> KnowledgeBase:
        """Open the first KnowledgeBase and check the index and query model now: a missing index
        or model fails at start with its one line, not at the first request. The others are
        opened as requests arrive at once."""
        kb = self._new()
        kb.stats()
        kb.embedder.prepare_query()
        self._give_back(kb, self._identity())
        return kb

    def _identity(self) -> tuple | None:
        try:
            info = os.stat(self.index_dir / STORE_FILE)
        except OSError:
            return None
        return info.st_dev, info.st_ino

    def _new(self) -> KnowledgeBase:
        return KnowledgeBase(self.index_dir, model=self.model, log=self.log)

    def _take(self) -> tuple[KnowledgeBase, tuple | None]:
        identity = self._identity()
        with self._lock:
            entry = self._free.pop() if self._free else None
        if entry is not None and entry[1] == identity:
            return entry
        if entry is not None:
            entry[0].close()  # the store under that name is another file now
        return self._new(), identity

    def _give_back(self, kb: KnowledgeBase, identity: tuple | None) -> None:
        with self._lock:
            if not self._closed and len(self._free) < self.size:
                self._free.append((kb, identity))
                return
        kb.close()

    def call(self, work: Callable[[KnowledgeBase], T]) -> T:
        """Run `work` with a KnowledgeBase of its own, in this thread."""
        kb, identity = self._take()
        try:
            return work(kb)
        finally:
            self._give_back(kb, identity)

    async def run(self, work: Callable[[KnowledgeBase], T], timeout: float | None = None) -> T:
        """Run `work` on a worker thread with a KnowledgeBase of its own, at most `size` at once;
        Timeout after `timeout` seconds (the waiting for a turn included)."""
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.size)
        try:
            with anyio.fail_after(timeout):
                return await anyio.to_thread.run_sync(self.call, work, limiter=self._limiter, abandon_on_cancel=True)
        except TimeoutError:
            raise Timeout(f"the request took longer than {timeout:g} s; try again, or ask a narrower question") from None

    def close(self) -> None:
        with self._lock:
            self._closed = True
            free, self._free = self._free, []
        for kb, _ in free:
            kb.close()
