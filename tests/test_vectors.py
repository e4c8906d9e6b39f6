"""The vector index switches from exact to approximate search by size and keeps its API."""

from __future__ import annotations

import numpy as np
import pytest

import kb.vectors as vectors
from kb.vectors import VectorIndex


def unit(n: int, dim: int = 16, seed: int = 0) -> np.ndarray:
    x = np.random.default_rng(seed).normal(size=(n, dim)).astype(np.float32)
    return x / np.linalg.norm(x, axis=1, keepdims=True)


@pytest.fixture
def small_bound(monkeypatch):
    monkeypatch.setattr(vectors, "FLAT_MAX", 300)


def test_flat_below_the_bound_ivf_above_and_back(small_bound, tmp_path):
    x = unit(1000)
    index = VectorIndex(16)
    index.add(np.arange(200), x[:200])
    assert index.kind == "flat"
    index.add(np.arange(200, 1000), x[200:])
    assert index.kind == "ivf" and len(index) == 1000
    ids, scores = index.search(x[500], 1)
    assert ids.tolist() == [500] and scores[0] == pytest.approx(1.0, abs=1e-5)

    index.save(tmp_path / "v.faiss")
    loaded = VectorIndex.load(tmp_path / "v.faiss")
    assert loaded.kind == "ivf" and len(loaded) == 1000 and loaded.dim == 16

    loaded.remove(list(range(100)))  # IVF removes ids, as every update needs
    assert len(loaded) == 900 and 5 not in loaded.search(x[5], 10)[0].tolist()
    loaded.remove(list(range(100, 900)))  # below half the bound: exact again
    assert loaded.kind == "flat" and len(loaded) == 100
    assert loaded.search(x[950], 1)[0].tolist() == [950]
    got_ids, got_vectors = loaded.contents()
    assert sorted(got_ids.tolist()) == list(range(900, 1000))
    assert np.allclose(got_vectors[np.argsort(got_ids)], x[900:])


def test_allowed_is_searched_exactly_with_ivf(small_bound):
    x = unit(2000, seed=1)
    index = VectorIndex(16)
    index.add(np.arange(2000), x)
    assert index.kind == "ivf"
    allowed = np.array([3, 77, 1500, 1999])
    ids, _ = index.search(x[0], 10, allowed)
    assert sorted(ids.tolist()) == sorted(allowed.tolist())  # every allowed id, whichever list it is in
    expected = allowed[np.argsort(-(x[allowed] @ x[0]))][:2]
    assert index.search(x[0], 2, allowed)[0].tolist() == expected.tolist()
