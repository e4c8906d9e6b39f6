"""Ranking: dense and lexical candidates, fused by rank, with filters applied before ranking.

Filters select the allowed items first and both searches run inside that set, so a selective
filter still returns k hits whenever k exist.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass

import numpy as np

from kb.lexical import lexical_search
from kb.store import Store
from kb.vectors import VectorIndex

MODES = ("hybrid", "dense", "lexical")
RRF_K = 60


@dataclass
class Filters:
    org: str | None = None
    speaker: str | None = None
    since: dt.date | None = None
    until: dt.date | None = None
    meeting: str | None = None

    def active(self) -> bool:
        return any(value is not None for value in asdict(self).values())

    def sql(self) -> tuple[str, list]:
        clauses, params = [], []
        if self.org:
            clauses.append("items.organisation LIKE ?")
            params.append(f"%{self.org}%")
        if self.speaker:
            clauses.append("items.speaker LIKE ?")
            params.append(f"%{self.speaker}%")
        if self.since:
            clauses.append("meetings.date >= ?")
            params.append(self.since.isoformat())
        if self.until:
            clauses.append("meetings.date <= ?")
            params.append(self.until.isoformat())
        if self.meeting:
            clauses.append("(meetings.title LIKE ? OR meetings.source LIKE ? OR meetings.date = ?)")
            params += [f"%{self.meeting}%", f"%{self.meeting}%", self.meeting]
        return " AND ".join(clauses) or "1", params


@dataclass
class Hit:
    rank: int
    score: float
    item_id: int
    text: str
    date: str | None
    meeting: str
    organisation: str | None
    speaker: str | None
    section: str | None
    source: str
    line_start: int
    line_end: int
    page: int | None

    def to_dict(self) -> dict:
        return asdict(self)


def rank(store: Store, vectors: VectorIndex, embedder, query: str, k: int, mode: str, filters: Filters) -> list[Hit]:
    if mode not in MODES:
        raise ValueError(f"unknown mode {mode!r}; choose one of {', '.join(MODES)}")
    if k < 1:
        raise ValueError("k must be at least 1")
    allowed_items = _allowed_items(store, filters) if filters.active() else None
    depth = max(50, 5 * k)
    dense = _dense(store, vectors, embedder, query, depth, allowed_items) if mode != "lexical" else []
    lexical = lexical_search(store.db, query, depth, allowed_items) if mode != "dense" else []
    if mode == "dense":
        scored = dense
    elif mode == "lexical":
        scored = lexical
    else:
        scored = _fuse(dense, lexical)
    rows = store.items(item_id for item_id, _ in scored[:k])
    return [
        Hit(
            rank=position,
            score=round(float(score), 4),
            item_id=item_id,
            text=rows[item_id]["text"],
            date=rows[item_id]["date"],
            meeting=rows[item_id]["meeting"],
            organisation=rows[item_id]["organisation"],
            speaker=rows[item_id]["speaker"],
            section=rows[item_id]["section"],
            source=rows[item_id]["source"],
            line_start=rows[item_id]["line_start"],
            line_end=rows[item_id]["line_end"],
            page=rows[item_id]["page"],
        )
        for position, (item_id, score) in enumerate(scored[:k], start=1)
        if item_id in rows
    ]


def _allowed_items(store: Store, filters: Filters) -> list[int]:
    where, params = filters.sql()
    rows = store.db.execute(
        f"SELECT items.id FROM items JOIN meetings ON meetings.id = items.meeting_id WHERE {where}", params
    )
    return [r[0] for r in rows]


def _dense(store: Store, vectors: VectorIndex, embedder, query: str, depth: int, allowed_items: list[int] | None) -> list[tuple[int, float]]:
    """Items by their best passage's cosine similarity to the query."""
    allowed = None
    if allowed_items is not None:
        rows = store.db.execute(
            f"SELECT id FROM passages WHERE item_id IN ({','.join('?' * len(allowed_items))})", allowed_items
        ) if allowed_items else []
        allowed = np.array([r[0] for r in rows], dtype=np.int64)
        if not len(allowed):
            return []
    ids, scores = vectors.search(embedder.embed_query(query), depth, allowed)
    item_of = store.item_of_passages(ids.tolist())
    best: dict[int, float] = {}
    for passage_id, score in zip(ids.tolist(), scores.tolist()):
        item_id = item_of.get(passage_id)
        if item_id is not None and score > best.get(item_id, -np.inf):
            best[item_id] = score
    return sorted(best.items(), key=lambda pair: -pair[1])


def _fuse(dense: list[tuple[int, float]], lexical: list[tuple[int, float]]) -> list[tuple[int, float]]:
    """Reciprocal rank fusion."""
    fused: dict[int, float] = {}
    for ranking in (dense, lexical):
        for position, (item_id, _) in enumerate(ranking, start=1):
            fused[item_id] = fused.get(item_id, 0.0) + 1.0 / (RRF_K + position)
    return sorted(fused.items(), key=lambda pair: -pair[1])
