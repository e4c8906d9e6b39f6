"""Cached embeddings, by (model, text hash), and the passages' vectors read back for the FAISS
index: an unchanged, moved or duplicated text is never embedded twice."""

from __future__ import annotations

import json
import sqlite3
from typing import Iterable

import numpy as np


class Embeddings:
    db: sqlite3.Connection

    def cached_hashes(self, model: str, hashes: Iterable[str]) -> set[str]:
        found: set[str] = set()
        batch = list(hashes)
        for start in range(0, len(batch), 500):
            chunk = batch[start : start + 500]
            rows = self.db.execute(
                f"SELECT text_hash FROM embeddings WHERE model = ? AND text_hash IN ({','.join('?' * len(chunk))})",
                [model, *chunk],
            )
            found.update(r[0] for r in rows)
        return found

    def add_embeddings(self, model: str, hashes: list[str], vectors: np.ndarray) -> None:
        with self.transaction():
            self.db.executemany(
                "INSERT OR REPLACE INTO embeddings (model, text_hash, vector) VALUES (?, ?, ?)",
                [(model, h, v.astype(np.float32).tobytes()) for h, v in zip(hashes, vectors)],
            )

    def last_passage_id(self) -> int:
        return self.db.execute("SELECT coalesce(max(id), 0) FROM passages").fetchone()[0]

    def passage_vectors(self, model: str, after_id: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of the passages with ids above `after_id` (ids only grow, so these are
        the ones added since), filled into one array rather than a list of rows."""
        where = "FROM passages JOIN embeddings ON embeddings.text_hash = passages.text_hash " \
                "AND embeddings.model = ? WHERE passages.id > ?"
        count = self.db.execute(f"SELECT count(*) {where}", (model, after_id)).fetchone()[0]
        ids = np.empty(count, dtype=np.int64)
        vectors = None
        for row, (passage_id, blob) in enumerate(self.db.execute(f"SELECT passages.id, embeddings.vector {where}", (model, after_id))):
            vector = np.frombuffer(blob, dtype=np.float32)
            if vectors is None:
                vectors = np.empty((count, len(vector)), dtype=np.float32)
            ids[row], vectors[row] = passage_id, vector
        return ids, vectors if vectors is not None else np.zeros((0, 0), np.float32)

    def vectors_of_passages(self, model: str, ids: np.ndarray, dim: int) -> np.ndarray:
        """The cached embeddings of these passages, in their order; NaN rows for any without one
        (or of another dimension). The quantised vector index re-scores its candidates with these,
        and `kb check` compares the vector file with them, a chunk at a time."""
        out = np.full((len(ids), dim), np.nan, dtype=np.float32)
        position = {int(passage_id): row for row, passage_id in enumerate(np.asarray(ids).tolist())}
        rows = self.db.execute(
            "SELECT passages.id, embeddings.vector FROM passages JOIN embeddings ON embeddings.text_hash = "
            "passages.text_hash AND embeddings.model = ? WHERE passages.id IN (SELECT value FROM json_each(?))",
            (model, json.dumps(list(position))),
        )
        for passage_id, blob in rows:
            vector = np.frombuffer(blob, dtype=np.float32)
            if len(vector) == dim:
                out[position[passage_id]] = vector
        return out

    def forget_unused_embeddings(self, model: str) -> None:
        """Drop cached vectors no passage uses, and every vector of another model."""
        self.db.execute(
            "DELETE FROM embeddings WHERE model != ? OR text_hash NOT IN (SELECT text_hash FROM passages)",
            (model,),
        )

    def disagreements(self, model: str | None) -> dict[str, int]:
        """Counts of what should be zero in a whole store (`kb check`): cached embeddings of no
        passage (harmless), items without lexical entry or passage, lexical entries of no item,
        items stored twice, passages without a cached embedding of `model`."""
        one = lambda sql, *params: self.db.execute(sql, params).fetchone()[0]  # noqa: E731
        counts = {"unused_embeddings": one(
            "SELECT count(*) FROM embeddings WHERE text_hash NOT IN (SELECT text_hash FROM passages)")}
        if model is None:
            return counts
        counts.update(
            items_without_fts=one("SELECT count(*) FROM items WHERE id NOT IN (SELECT rowid FROM items_fts)"),
            fts_without_item=one("SELECT count(*) FROM items_fts WHERE rowid NOT IN (SELECT id FROM items)"),
            items_without_passage=one("SELECT count(*) FROM items WHERE id NOT IN (SELECT item_id FROM passages)"),
            items_repeated=one(
                "SELECT count(*) FROM (SELECT 1 FROM items GROUP BY meeting_id, ordinal HAVING count(*) > 1)"),
            passages_uncached=one(
                "SELECT count(*) FROM passages WHERE text_hash NOT IN (SELECT text_hash FROM embeddings WHERE model = ?)",
                model),
        )
        return counts

    def passage_ids(self) -> np.ndarray:
        """Every passage id, ascending."""
        return np.fromiter((row[0] for row in self.db.execute("SELECT id FROM passages ORDER BY id")), dtype=np.int64)
