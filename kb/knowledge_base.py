"""The knowledge base: a corpus folder of minutes kept in step with an index folder.

Index folder layout:
    kb.sqlite            meetings, items, passages, cached embeddings, lexical index, and the
                         generation number that names the live vector file
    vectors.<gen>.faiss  one vector per passage, keyed by passage id
    write.lock           held by the one process that updates the index

An update embeds what is new (into the cache, committed as it goes), writes the next vector file
beside the live one, then switches metadata and vector file in one SQLite commit, and only then
removes the old file. A crash at any point leaves the old state searchable; the next update picks
up the cached embeddings and finishes the work.
"""

from __future__ import annotations

import fnmatch
import hashlib
import sqlite3
import sys
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable

from kb.check import CheckReport, check_index
from kb.embed import Embedder, load_embedder, passage_texts, text_hash
from kb.errors import DocumentError, IndexDamagedError, IndexMismatchError, KBError, NoIndexError
from kb.lexical import lexical_terms
from kb.minutes import DEFAULT_SEGMENTER, SEGMENTERS, Item, Meeting
from kb.readers import is_supported, read_bytes, read_document
from kb.search import DEFAULT_MODE, Filters, Hit, chronological, items_around, party_filter, rank
from kb.store import Store
from kb.vectors import VectorIndex

STORE_FILE = "kb.sqlite"
LOCK_FILE = "write.lock"


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
                 segmenter: str | None = None):
        self.index_dir = Path(index_dir)
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
                raise NoIndexError(f"no index in {self.index_dir}/ yet; run `kb index` first")
            self._store = Store(self.index_dir / STORE_FILE)
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
        with self._damage_reported(), self.store.snapshot():
            return rank(self.store, self._live_vectors(), self.embedder, query, k=k, mode=mode, filters=filters)

    def _live_vectors(self) -> VectorIndex:
        generation = self.store.get_meta("generation")
        if generation is None:
            raise NoIndexError(
                f"no index in {self.index_dir}/ yet (the first `kb index` did not finish); run `kb index`"
            )
        if self._vectors is None or int(generation) != self._generation:
            vectors = VectorIndex.load(self.index_dir / f"vectors.{generation}.faiss")
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
    def _damage_reported(self):
        """SQLite failing on a damaged store becomes one message with the way out."""
        try:
            yield
        except sqlite3.DatabaseError as e:
            if self._store_intact():
                raise
            raise IndexDamagedError(
                f"{self.index_dir / STORE_FILE}: the metadata store is damaged ({e}); run `kb index --rebuild`"
            ) from e

    def _store_intact(self) -> bool:
        try:
            return self.store.db.execute("PRAGMA quick_check").fetchone()[0] == "ok"
        except (sqlite3.DatabaseError, KBError):
            return False

    def stats(self) -> dict:
        store = self.store
        with self._damage_reported(), store.snapshot():
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

    def update(self, corpus_dir: str | Path = "corpus", rebuild: bool = False, progress: bool = True, wait: bool = True) -> UpdateSummary:
        """Bring the index in step with the corpus; only new or changed files are embedded."""
        from kb.locking import writer_lock

        corpus = Path(corpus_dir)
        if not corpus.is_dir():
            raise NoIndexError(f"{corpus}: no such corpus folder")
        self.index_dir.mkdir(parents=True, exist_ok=True)
        with writer_lock(self.index_dir / LOCK_FILE, wait=wait, log=self.log):
            if rebuild:
                self._prepare_rebuild()
            with self._damage_reported():
                return self._update(corpus, rebuild, progress)

    def _prepare_rebuild(self) -> None:
        """--rebuild with a damaged store: set it aside so a fresh one can be built."""
        if self.exists and not self._store_intact():
            self.close()
            for path in self.index_dir.glob(STORE_FILE + "*"):
                path.rename(path.with_name(path.name + ".damaged"))

    def _update(self, corpus: Path, rebuild: bool, progress: bool) -> UpdateSummary:
        summary = UpdateSummary()
        if not self.exists:
            Store(self.index_dir / STORE_FILE).close()
        store = self.store
        embedder = self._embedder_for_update(rebuild)
        stored = store.meetings()
        files = self._corpus_files(corpus, summary)

        segment = SEGMENTERS[self.segmenter]
        if store.get_meta("segmenter", self.segmenter) != self.segmenter and not rebuild:
            raise IndexMismatchError(
                f"the index in {self.index_dir}/ was built with the {store.get_meta('segmenter')} segmenter; "
                "run `kb index --rebuild` to switch"
            )
        parsed: dict[str, tuple[str, Meeting]] = {}
        for rel, path in files.items():
            old = stored.get(rel)
            try:
                data = read_bytes(path)  # hashed and parsed from the same bytes
                digest = hashlib.sha256(data).hexdigest()
                if old and old.sha256 == digest and not rebuild:
                    summary.unchanged.append(rel)
                    continue
                meeting = segment(read_document(path, data))
            except DocumentError as e:
                summary.skipped.append({"file": rel, "problem": e.problem})
                self.log(f"warning: skipped {e}")
                if old:
                    summary.unchanged.append(rel)  # keep what was indexed before
                continue
            parsed[rel] = (digest, meeting)
            (summary.changed if old and not rebuild else summary.added).append(rel)
        gone = [rel for rel in stored if rel not in files]
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
        if parsed or gone or base is None:
            self._commit(store, embedder, stored, parsed, plan, gone, rebuild, base, corpus)
        self._remove_old_vector_files(store)
        summary.items_total = store.counts()["items"]
        return summary

    def _embedder_for_update(self, rebuild: bool) -> Embedder:
        if rebuild and self._requested_model:
            self._embedder = load_embedder(self._requested_model, log=self.log)
        return self.embedder

    def _corpus_files(self, corpus: Path, summary: UpdateSummary) -> dict[str, Path]:
        files = {}
        ignored = _ignore_patterns(corpus)
        for path in sorted(corpus.rglob("*")):
            relative = path.relative_to(corpus)
            if not path.is_file() or any(part.startswith(".") for part in relative.parts):
                continue
            if any(fnmatch.fnmatch(relative.as_posix(), p) or fnmatch.fnmatch(path.name, p) for p in ignored):
                continue
            rel = path.as_posix()
            if is_supported(path):
                files[rel] = path
            else:
                summary.skipped.append({"file": rel, "problem": f"unsupported file type {path.suffix or '(none)'}"})
                self.log(f"warning: skipped {rel}: unsupported file type {path.suffix or '(none)'}")
        return files

    @staticmethod
    def _passages(meeting: Meeting) -> list[tuple[Item, list[str]]]:
        return [(item, passage_texts(item.text, _context(meeting, item))) for item in meeting.items]

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
                base: VectorIndex | None, corpus: Path) -> None:
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
            vectors.save(new_file)
            store.set_meta("model", embedder.name)
            store.set_meta("dim", embedder.dim)
            store.set_meta("generation", generation + 1)
            store.set_meta("segmenter", self.segmenter)
            store.set_meta("corpus", str(corpus))
        self._vectors, self._generation = vectors, generation + 1

    def _remove_old_vector_files(self, store: Store) -> None:
        """Once committed, only the live file is read: the old one and any an interrupted update left go."""
        live = self.index_dir / f"vectors.{store.get_meta('generation')}.faiss"
        for path in self.index_dir.glob("vectors.*"):
            if path != live:
                path.unlink(missing_ok=True)


IGNORE_FILE = ".kbignore"


def _ignore_patterns(corpus: Path) -> list[str]:
    """Glob patterns, one a line, of files in the corpus that are not minutes (notes, licences):
    matched against the path inside the corpus and against the file name."""
    path = corpus / IGNORE_FILE
    if not path.is_file():
        return []
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.lstrip().startswith("#")]


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

