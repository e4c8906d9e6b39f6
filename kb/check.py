"""`kb check`: is an index folder whole, and do its parts agree?

Problems are what would make a search fail or answer wrongly; the way out is `kb index --rebuild`.
Leftovers are what an interrupted update leaves behind, or a running one has not tidied yet (a vector
file never committed, the old one not yet removed, embeddings cached ahead of their passages):
harmless, a later `kb index` removes or reuses them. Everything is read in one snapshot, so a check
next to a running update sees one state. It streams: vectors are compared a chunk at a time, and
nothing of the size of the index (beyond two arrays of passage ids) is held at once.
"""

from __future__ import annotations

import json
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb.errors import IndexDamagedError
from kb.store import Store
from kb.vectors import VectorIndex, kb_files

REBUILD = "run `kb index --rebuild`"
# Vectors compared with their cached embeddings this many at a time.
CHUNK = 16384


@dataclass
class CheckReport:
    index: str
    problems: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    counts: dict[str, int] = field(default_factory=dict)
    model: str | None = None

    @property
    def ok(self) -> bool:
        return not self.problems

    def to_dict(self) -> dict:
        return {"ok": self.ok, "index": self.index, "problems": self.problems, "leftovers": self.leftovers,
                "model": self.model, **self.counts}


def check_index(store: Store, index_dir: Path) -> CheckReport:
    report = CheckReport(str(index_dir))
    try:
        with store.snapshot():
            _check(store, index_dir, report)
    except sqlite3.DatabaseError as e:
        report.problems.append(f"{store.path}: the metadata store is damaged ({e}); {REBUILD}")
    return report


def _check(store: Store, index_dir: Path, report: CheckReport) -> None:
    one = lambda sql, *params: store.db.execute(sql, params).fetchone()[0]  # noqa: E731
    damage = [line for row in store.db.execute("PRAGMA integrity_check(3)") for line in row[0].splitlines()]
    if damage != ["ok"]:
        found = "; ".join(line for line in damage if not line.startswith("***"))
        report.problems.append(f"{store.path}: the metadata store is damaged ({found}); {REBUILD}")
        return
    report.counts = store.counts()
    report.model = model = store.get_meta("model")
    generation = store.get_meta("generation")
    live = index_dir / f"vectors.{generation}.faiss"
    for path in kb_files(index_dir):
        if path != live:
            report.leftovers.append(f"{path.name}: not the live file (from an update interrupted or under way); "
                                    "the next `kb index` removes it")
    unused = one("SELECT count(*) FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM passages)")
    if unused:
        report.leftovers.append(
            f"{unused} cached embedding(s) of no passage (from an update interrupted or under way); a later "
            "`kb index` uses or drops them"
        )
    if generation is None or model is None:
        report.problems.append("no update has finished yet, so there is nothing to search; run `kb index`")
        return

    no_fts = one("SELECT count(*) FROM items WHERE id NOT IN (SELECT rowid FROM items_fts)")
    stray_fts = one("SELECT count(*) FROM items_fts WHERE rowid NOT IN (SELECT id FROM items)")
    if no_fts or stray_fts:
        report.problems.append(
            f"the lexical index and the items disagree ({no_fts} item(s) not in it, {stray_fts} entry(ies) "
            f"of no item); {REBUILD}"
        )
    no_passage = one("SELECT count(*) FROM items WHERE id NOT IN (SELECT item_id FROM passages)")
    if no_passage:
        report.problems.append(f"{no_passage} item(s) have no passage to embed; {REBUILD}")
    duplicated = one("SELECT count(*) FROM (SELECT 1 FROM items GROUP BY meeting_id, ordinal HAVING count(*) > 1)")
    if duplicated:
        report.problems.append(f"{duplicated} item(s) are stored more than once; {REBUILD}")
    uncached = one(
        "SELECT count(*) FROM passages WHERE text_hash NOT IN "
        "(SELECT text_hash FROM embeddings WHERE model = ?)", model,
    )
    if uncached:
        report.problems.append(f"{uncached} passage(s) have no cached embedding of model {model}; {REBUILD}")

    if not live.exists():
        report.problems.append(f"{live}: the live vector file is missing; run `kb index` to write it anew from the "
                               "cached embeddings (lexical search works without it)")
        return
    try:
        vectors = VectorIndex.load(live)
    except IndexDamagedError as e:
        report.problems.append(str(e))
        return
    _check_vectors(store, vectors, live, model, int(store.get_meta("dim", "0")), report)


def _check_vectors(store: Store, vectors: VectorIndex, live: Path, model: str, dim: int, report: CheckReport) -> None:
    """The vector file holds exactly one vector per passage: the cached embedding of its text."""
    if vectors.dim != dim:
        report.problems.append(
            f"{live.name} holds vectors of dimension {vectors.dim}, but model {model} gives {dim}; {REBUILD}"
        )
        return
    ids = np.sort(np.concatenate([chunk_ids for chunk_ids, _ in _id_chunks(vectors)] or [np.zeros(0, np.int64)]))
    passages = np.fromiter((row[0] for row in store.db.execute("SELECT id FROM passages ORDER BY id")), dtype=np.int64)
    distinct = np.unique(ids)
    repeated = len(ids) - len(distinct)
    missing = len(np.setdiff1d(passages, distinct, assume_unique=True))
    extra = len(np.setdiff1d(distinct, passages, assume_unique=True))
    del ids, passages, distinct
    if missing or extra or repeated:
        report.problems.append(
            f"{live.name} and the metadata disagree ({missing} passage(s) without a vector, {extra} vector(s) "
            f"of no passage, {repeated} repeated); {REBUILD}"
        )
        return
    differ = 0
    for chunk_ids, chunk in vectors.chunks(CHUNK):
        cached = _cached_vectors(store, model, chunk_ids, vectors.dim)
        # |stored - cached| > 1e-5 + 1e-5 |cached| anywhere in the row (np.isclose's test, with
        # fewer arrays the size of the chunk); a passage without a cached embedding (NaN) was
        # reported above and is not counted again.
        difference = np.subtract(chunk, cached)
        np.abs(difference, out=difference)
        tolerance = np.abs(cached)
        tolerance *= 1e-5
        tolerance += 1e-5
        differ += int((difference > tolerance).any(axis=1).sum())
        del difference, tolerance, cached, chunk
    if differ:
        report.problems.append(
            f"{differ} vector(s) in {live.name} are not the cached embeddings of model {model} "
            f"(built with another model?); {REBUILD}"
        )


def _id_chunks(vectors: VectorIndex):
    """The ids in the vector file, a chunk at a time, without their vectors where FAISS allows."""
    if vectors.kind == "flat" and len(vectors):
        import faiss

        yield faiss.vector_to_array(vectors.index.id_map).astype(np.int64), None
        return
    for chunk_ids, _ in vectors.chunks(CHUNK):
        yield chunk_ids, None


def _cached_vectors(store: Store, model: str, ids: np.ndarray, dim: int) -> np.ndarray:
    """The cached embeddings of these passages, in their order; NaN rows for any without one."""
    out = np.full((len(ids), dim), np.nan, dtype=np.float32)
    position = {int(passage_id): row for row, passage_id in enumerate(ids.tolist())}
    rows = store.db.execute(
        "SELECT passages.id, embeddings.vector FROM passages JOIN embeddings ON embeddings.text_hash = passages.text_hash "
        "AND embeddings.model = ? WHERE passages.id IN (SELECT value FROM json_each(?))",
        (model, json.dumps(ids.tolist())),
    )
    for passage_id, blob in rows:
        vector = np.frombuffer(blob, dtype=np.float32)
        if len(vector) == dim:
            out[position[passage_id]] = vector
    return out
