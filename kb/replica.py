"""Read replicas: an index copied to another folder (a search server's) and switched there atomically.

A generation of an index is immutable files plus one SQLite commit: `vectors.<G>.faiss`, never
rewritten once committed, and `kb.sqlite`, whose meta row `generation` names it. A replica is an
ordinary index folder kept by the same rule as the index itself, so searches on it need nothing
new (`kb search --index REPLICA`, or a long-lived `KnowledgeBase(REPLICA)`, which loads the new
vector file when it sees the generation change):

1. Snapshot the source's store with SQLite's backup API into a staging file in the replica
   folder (`.kb-incoming.sqlite`): one read transaction, so the copy is one committed state of
   the source even while its writer goes on; it names the generation G.
2. Open the source's `vectors.G.faiss` at once (a committed file is never rewritten, so the file
   under that name is G's, and once open it can be read to the end even if the source's writer
   commits G+1 and removes it); if it is gone already, start again from 1. Copy it into the
   replica folder (a temporary file, flushed, renamed): a file no reader of the replica opens
   until its store says G.
3. Check the pair: the staged store opens and passes its check, and the vector file holds one
   vector of its dimension for each of its passages; a mixed pair is refused, not switched to.
4. Switch: the staged store is copied into the replica's `kb.sqlite` with the backup API, which
   is one write transaction there. A reader in the middle of a search keeps its snapshot (WAL)
   and the vector file it loaded; its next search sees G and loads `vectors.G.faiss`.
5. Remove the replica's older vector files and the staging file (a reader that had read the old
   generation but not loaded its file yet retries once, as on any index: `KnowledgeBase.search`).

The replica's writer lock is held throughout, so two copies into one folder take turns, and
`kb index` run on a replica by mistake waits for it too. A crash anywhere leaves the replica on its
old generation, whole (the staging file and a temporary vector file are removed by the next run).

N search servers: each server's replica is switched atomically; the servers are not switched at
the same instant. On paper, from the writer's host:
  `kb replicate /srv/kb/outgoing --index index`      a consistent snapshot folder, quickly
  `rsync -a /srv/kb/outgoing/ server-i:/srv/kb/incoming/`  for each server i (in parallel)
  on each server: `kb replicate /srv/kb/live --index /srv/kb/incoming`, searching /srv/kb/live
The second hop checks the pair before switching, so a copy taken while outgoing/ was being
replaced is refused and can be taken again. Each server reports its generation (`kb stats`); a
load balancer that must never mix generations across servers switches after all report G.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from kb.errors import IndexDamagedError, KBError, NoIndexError
from kb.index_folder import LOCK_FILE, STORE_FILE
from kb.locking import writer_lock
from kb.store import Store
from kb.vectors import VectorIndex, kb_files

STAGING_FILE = ".kb-incoming.sqlite"
# Snapshots taken while the source's writer commits and removes the file named in them.
ATTEMPTS = 20


@dataclass
class Replicated:
    replica: str
    generation: int
    copied_bytes: int  # 0 when the replica was at this generation already

    def to_dict(self) -> dict:
        return {"replica": self.replica, "generation": self.generation, "copied_bytes": self.copied_bytes}


def replicate(source: str | Path, replica: str | Path, wait: bool = True,
              log: Callable[[str], None] = lambda message: None) -> Replicated:
    """Copy the live generation of the index in `source` to the folder `replica` and switch the
    replica to it in one SQLite commit (see the module's docstring)."""
    source, replica = Path(source), Path(replica)
    if not (source / STORE_FILE).is_file():
        raise NoIndexError(f"no index in {source}/ to copy; give the index folder with --index")
    if replica.resolve() == source.resolve():
        raise KBError(f"{replica}/ is the index itself; give another folder for the replica")
    replica.mkdir(parents=True, exist_ok=True, mode=0o700)
    with writer_lock(replica / LOCK_FILE, wait=wait, log=log):
        stage = replica / STAGING_FILE
        try:
            return _replicate(source, replica, stage)
        finally:
            for leftover in (stage, *(Path(f"{stage}{suffix}") for suffix in ("-wal", "-shm", "-journal"))):
                leftover.unlink(missing_ok=True)


def _replicate(source: Path, replica: Path, stage: Path) -> Replicated:
    source_store = Store(source / STORE_FILE, write=False)
    try:
        for _ in range(ATTEMPTS):
            stage.unlink(missing_ok=True)
            generation = _snapshot(source_store, stage)
            if generation is None:
                raise NoIndexError(f"the index in {source}/ has no committed generation yet; run `kb index` first")
            name = f"vectors.{generation}.faiss"
            try:
                # At once, while G is most likely still live; once open, the file may go.
                vector_file = open(source / name, "rb")
            except FileNotFoundError:  # the source committed again and removed it: take a new snapshot
                continue
            with vector_file:
                return _install(stage, vector_file, replica, generation, name)
        raise KBError(f"the index in {source}/ changed {ATTEMPTS} times while being copied; try again")
    finally:
        source_store.close()


def _install(stage: Path, vector_file, replica: Path, generation: int, name: str) -> Replicated:
    """Steps 2 to 5 for a snapshot of generation G and G's vector file, open."""
    staged = Store(stage, write=False)
    try:
        if _live_generation(replica) == generation and _same_file(vector_file, replica / name):
            return Replicated(str(replica), generation, 0)
        copied = _copy_file(vector_file, replica / name)
        _check_pair(staged, replica / name)
        _switch(staged, replica)
    finally:
        staged.close()
    for path in kb_files(replica):
        if path.name != name:
            path.unlink(missing_ok=True)
    return Replicated(str(replica), generation, copied + (replica / STORE_FILE).stat().st_size)


def _snapshot(source: Store, stage: Path) -> int | None:
    """The source's store as one committed state, copied into `stage` (created for the owner
    only); returns the generation it names."""
    os.close(os.open(stage, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600))
    return source.backup_to(stage)


def _live_generation(replica: Path) -> int | None:
    if not (replica / STORE_FILE).exists():
        return None
    store = Store(replica / STORE_FILE, write=False)
    try:
        generation = store.get_meta("generation")
        return int(generation) if generation is not None else None
    finally:
        store.close()


def _same_file(fa, b: Path) -> bool:
    """Whether the open file `fa` has the contents of the file `b`."""
    if not b.exists() or os.fstat(fa.fileno()).st_size != b.stat().st_size:
        return False
    fa.seek(0)
    with open(b, "rb") as fb:
        while True:
            block_a, block_b = fa.read(2**20), fb.read(2**20)
            if block_a != block_b:
                return False
            if not block_a:
                return True


def _copy_file(source, target: Path) -> int:
    """Copy the open vector file `source` beside the replica's live one: a temporary file,
    flushed, renamed."""
    source.seek(0)
    fd, temporary = tempfile.mkstemp(prefix=target.name + ".", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as out:
            shutil.copyfileobj(source, out, 2**20)
            out.flush()
            os.fsync(out.fileno())
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    _fsync_folder(target.parent)
    return target.stat().st_size


def _check_pair(staged: Store, vector_file: Path) -> None:
    vectors = VectorIndex.load(vector_file)
    dim, passages = int(staged.get_meta("dim", "0")), staged.counts()["passages"]
    if (vectors.dim, len(vectors)) != (dim, passages):
        raise IndexDamagedError(f"{vector_file}: {len(vectors)} vectors of dimension {vectors.dim} for {passages} "
                                f"passages of dimension {dim}; the copy is not switched to")


def _switch(staged: Store, replica: Path) -> None:
    """The replica's store becomes the staged one in one write transaction (SQLite's backup API)."""
    live = Store(replica / STORE_FILE, write=True)  # created for the owner only if new, in WAL mode
    try:
        staged.db.backup(live.db)
    finally:
        live.close()
    _fsync_folder(replica)


def _fsync_folder(folder: Path) -> None:
    fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
