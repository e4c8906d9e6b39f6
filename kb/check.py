"""`kb check`: is an index folder whole, and do its parts agree?

Problems are what would make a search fail or answer wrongly; the way out is `kb index --rebuild`.
Leftovers are what an interrupted update leaves behind, or a running one has not tidied yet (a vector
file never committed, the old one not yet removed, embeddings cached ahead of their passages):
harmless, a later `kb index` removes or reuses them. Everything is read in one snapshot, so a check
next to a running update sees one state. It streams: vectors are compared a chunk at a time, and
nothing of the size of the index (beyond two arrays of passage ids) is held at once.
"""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from kb.errors import IndexDamagedError
from kb.store import Store
from kb.vectors import VectorIndex, kb_files, vector_file

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
    damage = store.integrity_problems(3)
    if damage:
        report.problems.append(f"{store.path}: the metadata store is damaged ({'; '.join(damage)}); {REBUILD}")
        return
    report.counts = store.counts()
    report.model = model = store.get_meta("model")
    generation = store.get_meta("generation")
    live = vector_file(index_dir, generation)
    for path in kb_files(index_dir):
        if path != live:
            report.leftovers.append(f"{path.name}: not the live file (from an update interrupted or under way); "
                                    "the next `kb index` removes it")
    found = store.disagreements(model if generation is not None else None)
    if found["unused_embeddings"]:
        report.leftovers.append(
            f"{found['unused_embeddings']} cached embedding(s) of no passage (from an update interrupted or under "
            "way); a later `kb index` uses or drops them"
        )
    if generation is None or model is None:
        report.problems.append("no update has finished yet, so there is nothing to search; run `kb index`")
        return

    if found["items_without_fts"] or found["fts_without_item"]:
        report.problems.append(
            f"the lexical index and the items disagree ({found['items_without_fts']} item(s) not in it, "
            f"{found['fts_without_item']} entry(ies) of no item); {REBUILD}"
        )
    if found["items_without_passage"]:
        report.problems.append(f"{found['items_without_passage']} item(s) have no passage to embed; {REBUILD}")
    if found["items_repeated"]:
        report.problems.append(f"{found['items_repeated']} item(s) are stored more than once; {REBUILD}")
    if found["passages_uncached"]:
        report.problems.append(
            f"{found['passages_uncached']} passage(s) have no cached embedding of model {model}; {REBUILD}")

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
    """The vector file holds exactly one vector per passage: the cached embedding of its text (as
    its backend stores it: a quantised index's codes are compared with the cached embedding's)."""
    if vectors.dim != dim:
        report.problems.append(
            f"{live.name} holds vectors of dimension {vectors.dim}, but model {model} gives {dim}; {REBUILD}"
        )
        return
    recorded = store.get_meta("vectors")
    if recorded is not None and recorded != vectors.kind:
        report.problems.append(f"{live.name} is a vector index of type {vectors.kind}, but the metadata records "
                               f"{recorded}; {REBUILD}")
    ids = np.sort(np.concatenate(list(vectors.ids()) or [np.zeros(0, np.int64)]))
    passages = store.passage_ids()
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
    for chunk_ids, stored in vectors.stored(CHUNK):
        # A passage without a cached embedding (a NaN row) was reported above and is not counted again.
        differ += int(vectors.differs(stored, store.vectors_of_passages(model, chunk_ids, vectors.dim)).sum())
        del stored
    if differ:
        report.problems.append(
            f"{differ} vector(s) in {live.name} are not the cached embeddings of model {model} "
            f"(built with another model?); {REBUILD}"
        )
