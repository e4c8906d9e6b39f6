"""The vector index: FAISS, cosine as inner product over normalised vectors, 64-bit passage ids.

Files are written whole to a temporary name, flushed to disk and renamed, so a reader never sees a
half-written index; which file is live is decided by the metadata store (see `kb.knowledge_base`).
"""

from __future__ import annotations

import os
from pathlib import Path

import faiss
import numpy as np

from kb.errors import IndexDamagedError


class VectorIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None):
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    def __len__(self) -> int:
        return self.index.ntotal

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as e:
            raise IndexDamagedError(
                f"{path}: the vector index is damaged ({str(e).splitlines()[0]}); run `kb index --rebuild`"
            ) from e
        return cls(index.d, index)

    def save(self, path: Path) -> None:
        tmp = path.with_name(path.name + ".tmp")
        faiss.write_index(self.index, str(tmp))
        with open(tmp, "rb") as f:
            os.fsync(f.fileno())
        os.replace(tmp, path)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(ids):
            self.index.add_with_ids(np.ascontiguousarray(vectors, dtype=np.float32), ids.astype(np.int64))

    def remove(self, ids: list[int]) -> None:
        if ids:
            self.index.remove_ids(np.asarray(ids, dtype=np.int64))

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores); with `allowed`, search only those ids, so filters never lose hits."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        params = None
        if allowed is not None:
            params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64)))
        scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
