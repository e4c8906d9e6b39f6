"""The vector index: FAISS, cosine as inner product over normalised vectors, 64-bit passage ids.

Four backends, each a `VectorBackend` (build, add, remove, search, the FAISS object saved and
loaded, and the check that the stored vectors are the cached embeddings); the type follows the
size (measured in `benchmarks/scale.py` and `benchmarks/compressed.py`, figures in BENCHMARKS.md):
- "flat", up to FLAT_MAX vectors: exact search, IndexIDMap2(IndexFlatIP);
- "ivf", up to COMPRESS_ABOVE: an inverted file, IndexIVFFlat, with NLIST_PER_SQRT * sqrt(n)
  lists (a power of two), searching the nprobe lists nearest the query. Its scores are exact inner
  products (the vectors are kept unquantised); only which candidates are looked at is approximate.
  Unlike HNSW it can remove ids, which every update needs (it removes the old passages, then adds
  the new);
- "ivf-pq4fs", beyond: the same inverted file with each vector stored as a 4-bit product-quantised
  fast-scan code (IndexIVFPQFastScan, one 4-bit code per two dimensions: 96 bytes a vector
  instead of 1,536), so 10M vectors take about 1 GB of memory instead of 15.4 GB, and a query's
  scan runs from SIMD registers over a quarter of the bytes the 8-bit codes took. Its candidates
  are re-scored exactly from the float vectors where a source of them is given
  (`VectorIndex.exact`: the knowledge base passes its cache of embeddings in SQLite), so the
  scores a search returns are exact cosines and the ranking on top of them (fusion, the
  attribution bonus) sees the same numbers as with the other types;
- "ivf-sq8", what kb chose beyond COMPRESS_ABOVE before: 8-bit scalar-quantised codes
  (IndexIVFScalarQuantizer, 384 bytes a vector), re-scored the same way. Its scan read 120 MB a
  query at 10M (BENCHMARKS.md section 7). Files of it still load and work, and stay of this type
  until the index is rebuilt (`kb index --rebuild`, or the retraining after 16-fold growth).
The file records its type (FAISS writes the index's class), `backend_of` picks the backend for a
loaded file, and the store records the kind too (`kb.pipeline` sets the meta key "vectors").
`add` and `remove` switch type when the size crosses a bound (back down only below half of it,
so a size near the bound does not flip back and forth), and retrain the lists when the index has
grown 16-fold since they were trained (nprobe is a share of nlist, so recall holds between); the
vectors are copied out of the old index (from the exact source, for the quantised one), so nothing
else is needed.

A search with `allowed` (an IDSelectorBatch) only looks at those ids. With an inverted file it
probes more lists the smaller the allowed share of the index is, up to all lists, so a selective
filter is searched exactly and never loses hits.

Files are written whole to a temporary name, flushed to disk and renamed, so a reader never sees a
half-written index; which file is live is decided by the metadata store (see `kb.knowledge_base`).
`vector_file` names it, in one place. The temporary file is created new and exclusively (never
through a link planted under its name), for the owner only unless asked otherwise, and removed if
the write fails; `kb_files` lists the files kb itself makes, the only ones an update ever deletes.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from typing import Callable, ClassVar, Iterator, Protocol

import faiss
import numpy as np

from kb.errors import IndexDamagedError

FLAT_MAX = 100_000  # exact search up to this many vectors
# Quantised codes above this many vectors, for memory: the float inverted file holds 1.5 GB a
# million vectors (BENCHMARKS.md section 4), 3 GB at 2M and 15 GB at 10M; the codes a quarter of
# that (3.9 GB at 10M, section 6). Below it the float file keeps its measured recall and its exact
# scores without reading the store.
COMPRESS_ABOVE = 2_000_000
NLIST_PER_SQRT = 4  # nlist ~ 4 * sqrt(n), rounded to a power of two
TRAIN_PER_LIST = 40  # k-means training sample: this many vectors per list (FAISS warns below 39)
NPROBE_SHARE = 1 / 4  # lists probed per query: this share of nlist (recall@10 >= 0.95, BENCHMARKS.md) ...
NPROBE_MIN = 16  # ... but at least this many
# The quantised index: fewer lists (sqrt(n)), since assigning 10M vectors to 16k lists would take
# hours on two shared cores (4,096 lists took most of the 10M build, section 6), and a fixed number
# probed: on synthetic vectors with topics (BENCHMARKS.md section 6) 64 lists gave recall@10 0.9975
# at 1M with re-scoring (16: 0.988, 32: 0.9925).
SQ8_NLIST_PER_SQRT = 1
SQ8_NPROBE = 64
# ... and more as the lists grow finer: 2 sqrt(nlist), 128 of 4,096 lists at 10M, where 64 gave
# recall@10 0.93 (section 6).
SQ8_NPROBE_PER_SQRT = 2
# The fast-scan index (BENCHMARKS.md section 7): 4-bit PQ codes of two dimensions each (M = dim / 2,
# 96 bytes for 384 dimensions), not by residual, L2 (the same order as the inner product for unit
# vectors). Measured at 1M synthetic vectors with topics, 1,024 lists, 128 probed, recall@10 after
# re-scoring the best 100 exactly (`benchmarks/compressed.py --pq-sweep`): M=48 0.814, M=64 0.874,
# M=96 0.960, M=128 0.995, M=192 0.999 (codes alone 0.30 / 0.36 / 0.47 / 0.54 / 0.70): 4-bit codes
# of 8 or 6 dimensions misorder too many neighbours for the 100 re-scored, and re-scoring more
# costs a read of the embedding cache each. Codes by residual gained little (M=192: 0.9995) for
# two thirds more time a search. The inner-product metric was far worse (M=48: codes alone 0.04, falling
# as more lists were probed; the cause was not looked into), the L2 one is FAISS's usual.
PQFS_DIMS_PER_CODE = 2
# Lists as the 8-bit index (sqrt(n)), probed more since a list costs a quarter of the bytes and is
# scanned with SIMD: 4 sqrt(nlist), at least 128 (128 of 1,024 at 1M, 256 of 4,096 at 10M).
PQFS_NPROBE = 128
PQFS_NPROBE_PER_SQRT = 4
# Candidates re-scored exactly: this many times k (at least RESCORE_MIN). The codes alone reached
# recall@10 0.962 at 1M, re-scored 0.9975: the 8-bit codes misorder near-ties, which the best 2k
# by their codes contain (a first sweep at 1M: re-scoring 20, 50 or 100 for k=10 gave the same recall).
RESCORE_FACTOR = 2
RESCORE_MIN = 100

# An exact source: the float vectors of these ids, in their order (NaN rows for unknown ids).
ExactSource = Callable[[np.ndarray], np.ndarray]

# The names kb gives vector files: vectors.<generation>.faiss, and while one is written,
# vectors.<generation>.faiss.<random>.tmp (earlier versions: vectors.<generation>.faiss.tmp).
_KB_FILE = re.compile(r"vectors\.\d+\.faiss(?:(?:\.\w+)?\.tmp)?")


def vector_file(index_dir: Path, generation: int | str | None) -> Path:
    """The vector file of a generation: the one place its name is made."""
    return Path(index_dir) / f"vectors.{generation}.faiss"


def kb_files(index_dir: Path) -> list[Path]:
    """The vector files in `index_dir` that kb made: regular files by kb's names. A link or
    anything else under such a name is not kb's and is left alone."""
    found = []
    try:
        entries = list(os.scandir(index_dir))
    except OSError:
        return []
    for entry in entries:
        if _KB_FILE.fullmatch(entry.name) and entry.is_file(follow_symlinks=False):
            found.append(Path(entry.path))
    return sorted(found)


# -- the backends -----------------------------------------------------------------------------------


class VectorBackend(Protocol):
    """What kb needs of a vector index. `index` is the FAISS object the file holds."""

    kind: ClassVar[str]
    dim: int
    index: faiss.Index

    @classmethod
    def build(cls, dim: int, ids: np.ndarray, vectors: np.ndarray) -> "VectorBackend":
        """A new index holding these vectors (trained on a sample of them, where it is trained)."""

    @classmethod
    def holds(cls, index: faiss.Index) -> bool:
        """Whether a FAISS object read from a file is this backend's."""

    def __len__(self) -> int: ...

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None: ...

    def remove(self, ids: np.ndarray) -> None: ...

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None,
               exact: ExactSource | None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores) for one query, on the calling thread."""

    def ids(self, size: int) -> Iterator[np.ndarray]:
        """The ids held, a chunk at a time, without their vectors where FAISS allows."""

    def chunks(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, float vectors as stored) a chunk at a time; lossy for a quantised backend."""

    def stored(self, size: int) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors in the form stored: floats, or codes), a chunk at a time, for `differs`."""

    def differs(self, stored: np.ndarray, cached: np.ndarray) -> np.ndarray:
        """Rows where what is stored is not `cached` (the float vectors the index was given) as
        this backend stores it; rows of `cached` that are NaN (no cached vector) never differ."""


def _one_thread_search(index: faiss.Index, query: np.ndarray, k: int, params) -> tuple[np.ndarray, np.ndarray]:
    # One query is searched on one thread: FAISS's OpenMP threads only contend for one vector
    # (flat search of 100k vectors: 48 ms with 2 threads, 7 ms with 1, on a busy 2-core machine).
    # The setting is per calling thread, so builds and other threads keep theirs.
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(1)
    try:
        scores, ids = index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
    finally:
        faiss.omp_set_num_threads(threads)
    keep = ids[0] >= 0
    return ids[0][keep], scores[0][keep]


def _float_differs(stored: np.ndarray, cached: np.ndarray) -> np.ndarray:
    """|stored - cached| > 1e-5 + 1e-5 |cached| anywhere in the row (np.isclose's test, with fewer
    arrays the size of the chunk); NaN rows of `cached` compare false."""
    difference = np.subtract(stored, cached)
    np.abs(difference, out=difference)
    tolerance = np.abs(cached)
    tolerance *= 1e-5
    tolerance += 1e-5
    return (difference > tolerance).any(axis=1)


class _FaissBackend:
    """What every backend does the same way: its FAISS object holds the passage ids."""

    index: faiss.Index

    def __len__(self) -> int:
        return self.index.ntotal

    def add(self, ids, vectors) -> None:
        if len(ids):
            self.index.add_with_ids(vectors, ids)

    def remove(self, ids) -> None:
        self.index.remove_ids(np.asarray(ids, dtype=np.int64))


class FlatBackend(_FaissBackend):
    """Exact search over every vector: IndexIDMap2(IndexFlatIP)."""

    kind = "flat"

    def __init__(self, dim: int, index: faiss.Index | None = None):
        self.dim = dim
        self.index = index if index is not None else faiss.IndexIDMap2(faiss.IndexFlatIP(dim))

    @classmethod
    def build(cls, dim, ids, vectors) -> "FlatBackend":
        backend = cls(dim)
        backend.add(ids, vectors)
        return backend

    @classmethod
    def holds(cls, index) -> bool:
        return isinstance(index, faiss.IndexIDMap)

    def search(self, query, k, allowed, exact=None):
        params = faiss.SearchParameters(sel=faiss.IDSelectorBatch(allowed)) if allowed is not None else None
        return _one_thread_search(self.index, query, k, params)

    def ids(self, size: int = 65536) -> Iterator[np.ndarray]:
        if len(self):
            yield faiss.vector_to_array(self.index.id_map).astype(np.int64)

    def chunks(self, size: int = 65536):
        if not len(self):
            return
        ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
        for start in range(0, len(ids), size):
            count = min(size, len(ids) - start)
            yield ids[start : start + count], self.index.index.reconstruct_n(start, count)

    stored = chunks

    def differs(self, stored, cached):
        return _float_differs(stored, cached)


class _InvertedFile(_FaissBackend):
    """What the two inverted files share: lists trained by k-means, nprobe, filters, removal,
    reading the lists. A subclass says how vectors are stored (`_new`, `_decode`)."""

    kind: ClassVar[str]

    def __init__(self, dim: int, index: faiss.Index):
        self.dim = dim
        self.index = index

    @staticmethod
    def nlist_for(n: int) -> int:
        return max(64, 2 ** round(math.log2(NLIST_PER_SQRT * math.sqrt(max(n, 1)))))

    @staticmethod
    def nprobe_for(nlist: int) -> int:
        return min(nlist, max(NPROBE_MIN, int(nlist * NPROBE_SHARE)))

    @classmethod
    def _new(cls, quantizer: faiss.Index, dim: int, nlist: int) -> faiss.IndexIVF:
        raise NotImplementedError

    @staticmethod
    def _quantizer(dim: int) -> faiss.Index:
        """The coarse quantizer (exact: nlist centroids are few), of the index's metric."""
        return faiss.IndexFlatIP(dim)

    @classmethod
    def trained(cls, dim: int, sample: np.ndarray, expected: int) -> "_InvertedFile":
        """An empty index whose lists are trained on `sample` for about `expected` vectors; add
        them afterwards, a chunk at a time if need be (`benchmarks/compressed.py` builds 10M so)."""
        # No more lists than the sample can train (k-means wants 39 points a list; a knowledge base
        # held to the compressed type by a low bound may be tiny).
        nlist = max(1, min(cls.nlist_for(expected), len(sample) // 39))
        quantizer = cls._quantizer(dim)
        index = cls._new(quantizer, dim, nlist)
        index.cp.niter = 10
        index.cp.max_points_per_centroid = TRAIN_PER_LIST
        if len(sample) > TRAIN_PER_LIST * nlist:
            rows = np.random.default_rng(0).choice(len(sample), TRAIN_PER_LIST * nlist, replace=False)
            sample = sample[np.sort(rows)]
        index.train(np.ascontiguousarray(sample, dtype=np.float32))
        index.own_fields = True
        quantizer.this.disown()
        index.nprobe = cls.nprobe_for(nlist)
        return cls(dim, index)

    @classmethod
    def build(cls, dim, ids, vectors):
        backend = cls.trained(dim, vectors, len(ids))
        backend.add(ids, vectors)
        return backend

    @classmethod
    def holds(cls, index) -> bool:
        return type(index).__name__ == cls._faiss_class

    @property
    def ivf(self) -> faiss.IndexIVF:
        return self.index

    def _params(self, allowed: np.ndarray | None, n: int):
        ivf = self.ivf
        nprobe = self.nprobe_for(ivf.nlist)  # the setting now, not the one the file was trained with
        if allowed is None:
            return faiss.SearchParametersIVF(nprobe=nprobe)
        # A filter keeps a share of each list: probe more lists, all if need be.
        nprobe = min(ivf.nlist, math.ceil(nprobe * n / max(len(allowed), 1)))
        return faiss.SearchParametersIVF(sel=faiss.IDSelectorBatch(allowed), nprobe=nprobe)

    def search(self, query, k, allowed, exact=None):
        return _one_thread_search(self.index, query, k, self._params(allowed, len(self)))

    def _lists(self) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, codes as bytes, one row a vector) of each non-empty list."""
        ivf = self.ivf
        lists = ivf.invlists
        for number in range(ivf.nlist):
            count = lists.list_size(number)
            if count:
                ids = faiss.rev_swig_ptr(lists.get_ids(number), count).astype(np.int64)
                yield ids, self._codes(lists, number, count)

    def _codes(self, lists: faiss.InvertedLists, number: int, count: int) -> np.ndarray:
        """The codes of a list, one row a vector (a copy)."""
        codes = faiss.rev_swig_ptr(lists.get_codes(number), count * lists.code_size)
        return np.frombuffer(codes.tobytes(), dtype=np.uint8).reshape(count, lists.code_size)

    def _batched(self, size: int, decode: bool) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """Lists gathered into chunks of about `size` rows (a list longer than that is one chunk)."""
        ids_buffer, rows_buffer, held = [], [], 0
        for ids, codes in self._lists():
            ids_buffer.append(ids)
            rows_buffer.append(self._decode(codes) if decode else codes)
            held += len(ids)
            if held >= size:
                yield np.concatenate(ids_buffer), np.concatenate(rows_buffer)
                ids_buffer, rows_buffer, held = [], [], 0
        if held:
            yield np.concatenate(ids_buffer), np.concatenate(rows_buffer)

    def ids(self, size: int = 65536) -> Iterator[np.ndarray]:
        for ids, _ in self._lists():
            yield ids

    def chunks(self, size: int = 65536):
        return self._batched(size, decode=True)

    def _decode(self, codes: np.ndarray) -> np.ndarray:
        raise NotImplementedError


class IVFFlatBackend(_InvertedFile):
    """IndexIVFFlat: approximate candidates, exact scores (the vectors are stored as they are)."""

    kind = "ivf"
    _faiss_class = "IndexIVFFlat"

    @classmethod
    def _new(cls, quantizer, dim, nlist):
        return faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)

    def _decode(self, codes):
        return codes.view(np.float32).reshape(len(codes), self.dim)

    def stored(self, size: int = 65536):
        return self.chunks(size)

    def differs(self, stored, cached):
        return _float_differs(stored, cached)


class _Quantised(_InvertedFile):
    """An inverted file of lossy codes, not by residual (a vector's code does not depend on its
    list, so `kb check` can encode a cached embedding and compare codes exactly). With an exact
    source, the best RESCORE_FACTOR * k candidates by their codes are re-scored with the float
    vectors, and the scores returned are exact."""

    def _approximate(self, query, k, allowed):
        return _one_thread_search(self.index, query, k, self._params(allowed, len(self)))

    def search(self, query, k, allowed, exact=None):
        if exact is None:
            return self._approximate(query, k, allowed)
        depth = min(len(self), max(RESCORE_MIN, RESCORE_FACTOR * k))
        ids, _ = self._approximate(query, depth, allowed)
        return rescore(ids, np.asarray(query, dtype=np.float32).reshape(-1), k, exact)

    def stored(self, size: int = 65536):
        return self._batched(size, decode=False)

    def _encode(self, vectors: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def differs(self, stored, cached):
        missing = np.isnan(cached).any(axis=1)
        codes = self._encode(np.ascontiguousarray(np.nan_to_num(cached), dtype=np.float32))
        return (codes != stored).any(axis=1) & ~missing


class SQ8Backend(_Quantised):
    """IndexIVFScalarQuantizer, 8 bits a dimension, not by residual; re-scored (`_Quantised`)."""

    kind = "ivf-sq8"
    _faiss_class = "IndexIVFScalarQuantizer"

    @staticmethod
    def nlist_for(n: int) -> int:
        return max(64, 2 ** round(math.log2(SQ8_NLIST_PER_SQRT * math.sqrt(max(n, 1)))))

    @staticmethod
    def nprobe_for(nlist: int) -> int:
        return min(nlist, max(SQ8_NPROBE, round(SQ8_NPROBE_PER_SQRT * math.sqrt(nlist))))

    @classmethod
    def _new(cls, quantizer, dim, nlist):
        return faiss.IndexIVFScalarQuantizer(quantizer, dim, nlist, faiss.ScalarQuantizer.QT_8bit,
                                             faiss.METRIC_INNER_PRODUCT, False)

    def _decode(self, codes):
        return self.ivf.sq.decode(codes)

    def _encode(self, vectors):
        return self.ivf.sq.compute_codes(vectors)


class PQFastScanBackend(_Quantised):
    """IndexIVFPQFastScan: 4-bit product-quantised codes, one per PQFS_DIMS_PER_CODE dimensions,
    not by residual, metric L2 (for unit vectors ||q - x||^2 = 2 - 2 q.x: the same order as the
    inner product; scores without an exact source are given as 1 - d/2, approximate cosines).
    Re-scored (`_Quantised`). Its lists are stored in blocks of 32 codes interleaved for SIMD, so
    reading them goes through FAISS's code packer. A filter is an IDSelectorBatch in the search
    parameters, as for the other inverted files (FAISS 1.15's fast-scan search honours it)."""

    kind = "ivf-pq4fs"
    _faiss_class = "IndexIVFPQFastScan"

    nlist_for = staticmethod(SQ8Backend.nlist_for)

    @staticmethod
    def nprobe_for(nlist: int) -> int:
        return min(nlist, max(PQFS_NPROBE, round(PQFS_NPROBE_PER_SQRT * math.sqrt(nlist))))

    @staticmethod
    def _quantizer(dim):
        return faiss.IndexFlatL2(dim)

    @classmethod
    def _new(cls, quantizer, dim, nlist):
        m = dim // PQFS_DIMS_PER_CODE if dim % PQFS_DIMS_PER_CODE == 0 else dim
        index = faiss.IndexIVFPQFastScan(quantizer, dim, nlist, m, 4, faiss.METRIC_L2)
        index.by_residual = False
        return index

    def _approximate(self, query, k, allowed):
        ids, distances = super()._approximate(query, k, allowed)
        return ids, (1 - distances / 2).astype(np.float32)

    def _codes(self, lists, number, count):
        packer = self.ivf.get_CodePacker()
        blocks = (count + packer.nvec - 1) // packer.nvec
        packed = faiss.rev_swig_ptr(lists.get_codes(number), blocks * packer.block_size)
        codes = np.empty((blocks * packer.nvec, packer.code_size), np.uint8)
        for block in range(blocks):
            packer.unpack_all(faiss.swig_ptr(packed[block * packer.block_size:]),
                              faiss.swig_ptr(codes[block * packer.nvec:]))
        return codes[:count]

    def _decode(self, codes):
        return self.ivf.pq.decode(codes)

    def _encode(self, vectors):
        return self.ivf.pq.compute_codes(vectors)


def rescore(ids: np.ndarray, query: np.ndarray, k: int, exact: ExactSource) -> tuple[np.ndarray, np.ndarray]:
    """The k best of `ids` by their exact inner product with the query; ids the source does not
    know (NaN rows) are dropped. Equal scores go the larger id first, as FAISS's exact search
    orders them (its heaps compare ids on ties), not in the order the codes happened to rank them."""
    if not len(ids):
        return ids, np.zeros(0, np.float32)
    scores = exact(ids) @ query
    known = ~np.isnan(scores)
    ids, scores = ids[known], scores[known]
    order = np.lexsort((-ids, -scores))[:k]
    return ids[order], scores[order].astype(np.float32)


# In order of size; the last is what kb builds beyond COMPRESS_ABOVE.
BACKENDS: dict[str, type] = {backend.kind: backend
                             for backend in (FlatBackend, IVFFlatBackend, SQ8Backend, PQFastScanBackend)}
COMPRESSED = PQFastScanBackend.kind


def backend_of(index: faiss.Index) -> VectorBackend:
    """The backend that holds a FAISS object read from a file."""
    for backend in BACKENDS.values():
        if backend.holds(index):
            return backend(index.d, index)
    raise IndexDamagedError(f"a vector index of a type kb does not make ({type(index).__name__}); run `kb index --rebuild`")


def kind_for(n: int, current: str | None = None) -> str:
    """The backend kind for n vectors. From `current`, a kind is left downwards only below half
    its lower bound, so a size near a bound does not flip back and forth; a compressed index of
    the older kind ("ivf-sq8") stays so while compressed (changing it means re-encoding all)."""
    wanted = "flat" if n <= FLAT_MAX else "ivf" if n <= COMPRESS_ABOVE else COMPRESSED
    if current is not None and issubclass(BACKENDS[current], _Quantised):
        if n >= COMPRESS_ABOVE // 2:
            return current
    elif current is not None and list(BACKENDS).index(wanted) < list(BACKENDS).index(current):
        if n >= FLAT_MAX // 2:
            return current
    return wanted


# -- the index kb uses ------------------------------------------------------------------------------


class VectorIndex:
    """A vector index of whichever backend its size calls for, and its file.

    `exact`, if set, gives the float vectors of passage ids; the quantised backend re-scores with
    it, and leaves it (when the index shrinks) from it rather than from its lossy codes."""

    def __init__(self, dim: int, index: faiss.Index | None = None, exact: ExactSource | None = None):
        self.dim = dim
        self.backend: VectorBackend = backend_of(index) if index is not None else FlatBackend(dim)
        self.exact = exact

    @classmethod
    def of(cls, backend: VectorBackend, exact: ExactSource | None = None) -> "VectorIndex":
        index = cls(backend.dim, exact=exact)
        index.backend = backend
        return index

    def __len__(self) -> int:
        return len(self.backend)

    @property
    def index(self) -> faiss.Index:
        return self.backend.index

    @property
    def kind(self) -> str:
        """"flat" (exact), "ivf" (approximate candidates, exact scores), "ivf-pq4fs" (quantised)
        or "ivf-sq8" (quantised, as kb made it before)."""
        return self.backend.kind

    @property
    def _ivf(self) -> faiss.IndexIVF | None:
        return self.backend.ivf if isinstance(self.backend, _InvertedFile) else None

    @classmethod
    def load(cls, path: Path, exact: ExactSource | None = None) -> "VectorIndex":
        if path.is_symlink():
            raise IndexDamagedError(f"{path} is a symbolic link, which kb never makes; run `kb index --rebuild`")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as e:
            raise IndexDamagedError(
                f"{path}: the vector index is damaged ({str(e).splitlines()[0]}); run `kb index --rebuild`"
            ) from e
        return cls(index.d, index, exact)

    def save(self, path: Path, mode: int = 0o600) -> None:
        """Write the index to `path` whole or not at all: to a new temporary file beside it (its
        permissions `mode`), flushed to disk, then renamed over `path`. On any failure, a full
        disk among them, the temporary file is removed and the error raised (an OSError names
        the file)."""
        fd, tmp = tempfile.mkstemp(prefix=path.name + ".", suffix=".tmp", dir=path.parent)
        try:
            with os.fdopen(fd, "wb") as file:
                if mode != 0o600:
                    os.fchmod(file.fileno(), mode)
                writer = faiss.PyCallbackIOWriter(file.write)  # in 1 MB pieces
                try:
                    faiss.write_index(self.index, writer)
                finally:
                    del writer
                file.flush()
                os.fsync(file.fileno())
            os.replace(tmp, path)
        except BaseException as e:
            Path(tmp).unlink(missing_ok=True)
            if isinstance(e, OSError) and e.filename is None:
                raise OSError(e.errno, e.strerror, str(path)) from e
            raise

    def disagreement(self, dim: int, passages: int, kind: str | None = None) -> str | None:
        """What is wrong with this file as the vectors of an index of `passages` passages of
        dimension `dim` (and of the kind the store records, if it records one), or None: the one
        size check, for searching, updating and `kb check`."""
        if (self.dim, len(self)) != (dim, passages):
            return (f"the vector file and the metadata disagree ({len(self)} vectors of dimension {self.dim}, "
                    f"{passages} passages of dimension {dim})")
        if kind is not None and kind != self.kind:
            return f"the vector file is of type {self.kind}, but the metadata records {kind}"
        return None

    def _exact_vectors(self, ids: np.ndarray) -> np.ndarray:
        """The float vectors of these ids: from the exact source, else as stored."""
        if self.exact is not None:
            return np.asarray(self.exact(ids), dtype=np.float32)
        if isinstance(self.backend, _Quantised):  # no source: decoded codes, the best there is
            wanted = {int(i): row for row, i in enumerate(ids.tolist())}
            out = np.full((len(ids), self.dim), np.nan, np.float32)
            for chunk_ids, chunk in self.backend.chunks():
                rows = [wanted.get(int(i), -1) for i in chunk_ids.tolist()]
                hit = np.array(rows) >= 0
                out[np.array(rows)[hit]] = chunk[hit]
            return out
        raise AssertionError("exact and flat-stored backends copy their vectors out")

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of everything in the index, copied out (from the exact source, for the
        quantised backend)."""
        if len(self) == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        if isinstance(self.backend, _Quantised):
            ids = np.concatenate(list(self.backend.ids()))
            return ids, self._exact_vectors(ids)
        all_ids, all_vectors = zip(*self.backend.chunks(1 << 62))
        return np.concatenate(all_ids), np.concatenate(all_vectors)

    def chunks(self, size: int = 65536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) of everything in the index, copied out `size` vectors at a time (whole
        inverted lists at a time), so that reading all of it never holds much more than a chunk.
        A quantised index gives its decoded codes."""
        return self.backend.chunks(size)

    def ids(self) -> Iterator[np.ndarray]:
        """The ids in the index, a chunk at a time, without their vectors where FAISS allows."""
        return self.backend.ids()

    def stored(self, size: int = 65536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, what is stored for them) a chunk at a time, for `differs` (`kb check`)."""
        return self.backend.stored(size)

    def differs(self, stored: np.ndarray, cached: np.ndarray) -> np.ndarray:
        return self.backend.differs(stored, cached)

    def _rebuild(self, kind: str, ids: np.ndarray, vectors: np.ndarray) -> None:
        if len(self):  # a first build needs no copy of what it adds
            old_ids, old_vectors = self.contents()
            ids, vectors = np.concatenate([old_ids, ids]), np.concatenate([old_vectors, vectors])
        self.backend = BACKENDS[kind].build(self.dim, ids, vectors)

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        total = len(self) + len(ids)
        kind = kind_for(total, self.kind)
        ivf = self._ivf
        grown = ivf is not None and kind == self.kind and type(self.backend).nlist_for(total) >= 4 * ivf.nlist
        if grown:  # about 16 times the size trained for: retrained, as the kind kb makes now
            self._rebuild(kind_for(total), ids, vectors)
        elif kind != self.kind:
            self._rebuild(kind, ids, vectors)
        else:
            self.backend.add(ids, vectors)

    def remove(self, ids: list[int]) -> None:
        if not len(ids):
            return
        self.backend.remove(np.asarray(ids, dtype=np.int64))
        kind = kind_for(len(self), self.kind)
        if kind != self.kind:
            kept_ids, kept_vectors = self.contents()
            self.backend = BACKENDS[kind].build(self.dim, kept_ids, kept_vectors) if len(kept_ids) else FlatBackend(self.dim)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores); with `allowed`, search only those ids, so filters never lose hits."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        if allowed is not None:
            allowed = np.asarray(allowed, dtype=np.int64)
        return self.backend.search(query, k, allowed, self.exact)
