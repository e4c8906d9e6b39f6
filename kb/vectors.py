"""The vector index: FAISS, cosine as inner product over normalised vectors, 64-bit passage ids.

The index type follows the size (measured in `benchmarks/scale.py`, figures in BENCHMARKS.md):
- up to FLAT_MAX vectors, exact search: IndexIDMap2(IndexFlatIP);
- beyond, an inverted file, IndexIVFFlat, with NLIST_PER_SQRT * sqrt(n) lists (a power of two),
  searching the nprobe lists nearest the query. Its scores are exact inner products (the
  vectors are kept unquantised); only which candidates are looked at is approximate
  (recall@10 against exact search is measured by the benchmark). Unlike HNSW it can remove ids,
  which every update needs (it removes the old passages, then adds the new).
`add` and `remove` switch type when the size crosses the bound (back to exact only below half of
it, so a size near the bound does not flip back and forth), and retrain the lists when the index
has grown 16-fold since they were trained (nprobe is a share of nlist, so recall holds between); the vectors are copied out of the old index, so nothing else is needed.

A search with `allowed` (an IDSelectorBatch) only looks at those ids. With the inverted file it
probes more lists the smaller the allowed share of the index is, up to all lists, so a selective
filter is searched exactly and never loses hits.

Files are written whole to a temporary name, flushed to disk and renamed, so a reader never sees a
half-written index; which file is live is decided by the metadata store (see `kb.knowledge_base`).
The temporary file is created new and exclusively (never through a link planted under its name),
for the owner only unless asked otherwise, and removed if the write fails; `kb_files` lists the
files kb itself makes, the only ones an update ever deletes.
"""

from __future__ import annotations

import math
import os
import re
import tempfile
from pathlib import Path
from typing import Iterator

import faiss
import numpy as np

from kb.errors import IndexDamagedError

FLAT_MAX = 100_000  # exact search up to this many vectors
NLIST_PER_SQRT = 4  # nlist ~ 4 * sqrt(n), rounded to a power of two
TRAIN_PER_LIST = 40  # k-means training sample: this many vectors per list (FAISS warns below 39)
NPROBE_SHARE = 1 / 4  # lists probed per query: this share of nlist (recall@10 >= 0.95, BENCHMARKS.md) ...
NPROBE_MIN = 16  # ... but at least this many


# The names kb gives vector files: vectors.<generation>.faiss, and while one is written,
# vectors.<generation>.faiss.<random>.tmp (earlier versions: vectors.<generation>.faiss.tmp).
_KB_FILE = re.compile(r"vectors\.\d+\.faiss(?:(?:\.\w+)?\.tmp)?")


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


def _flat(dim: int) -> faiss.Index:
    return faiss.IndexIDMap2(faiss.IndexFlatIP(dim))


def _nlist_for(n: int) -> int:
    return max(64, 2 ** round(math.log2(NLIST_PER_SQRT * math.sqrt(max(n, 1)))))


def _nprobe_for(nlist: int) -> int:
    return min(nlist, max(NPROBE_MIN, int(nlist * NPROBE_SHARE)))


def _ivf(dim: int, ids: np.ndarray, vectors: np.ndarray) -> faiss.Index:
    """An inverted file trained on (a sample of) `vectors`, holding all of them."""
    nlist = _nlist_for(len(ids))
    quantizer = faiss.IndexFlatIP(dim)
    index = faiss.IndexIVFFlat(quantizer, dim, nlist, faiss.METRIC_INNER_PRODUCT)
    index.cp.niter = 10
    index.cp.max_points_per_centroid = TRAIN_PER_LIST
    sample = vectors
    if len(vectors) > TRAIN_PER_LIST * nlist:
        rows = np.random.default_rng(0).choice(len(vectors), TRAIN_PER_LIST * nlist, replace=False)
        sample = vectors[np.sort(rows)]
    index.train(sample)
    index.own_fields = True
    quantizer.this.disown()
    index.nprobe = _nprobe_for(nlist)
    index.add_with_ids(vectors, ids)
    return index


class VectorIndex:
    def __init__(self, dim: int, index: faiss.Index | None = None):
        self.dim = dim
        self.index = index if index is not None else _flat(dim)

    def __len__(self) -> int:
        return self.index.ntotal

    @property
    def kind(self) -> str:
        """"flat" (exact) or "ivf" (approximate)."""
        return "ivf" if self._ivf is not None else "flat"

    @property
    def _ivf(self) -> faiss.IndexIVF | None:
        return faiss.try_extract_index_ivf(self.index) if not isinstance(self.index, faiss.IndexIDMap) else None

    @classmethod
    def load(cls, path: Path) -> "VectorIndex":
        if path.is_symlink():
            raise IndexDamagedError(f"{path} is a symbolic link, which kb never makes; run `kb index --rebuild`")
        try:
            index = faiss.read_index(str(path))
        except RuntimeError as e:
            raise IndexDamagedError(
                f"{path}: the vector index is damaged ({str(e).splitlines()[0]}); run `kb index --rebuild`"
            ) from e
        return cls(index.d, index)

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

    def add(self, ids: np.ndarray, vectors: np.ndarray) -> None:
        if not len(ids):
            return
        vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        ids = np.ascontiguousarray(ids, dtype=np.int64)
        total = len(self) + len(ids)
        ivf = self._ivf
        grown = ivf is not None and _nlist_for(total) >= 4 * ivf.nlist  # about 16 times the size trained for
        if (ivf is None and total > FLAT_MAX) or grown:
            if len(self):  # a first build needs no copy of what it adds
                old_ids, old_vectors = self.contents()
                ids, vectors = np.concatenate([old_ids, ids]), np.concatenate([old_vectors, vectors])
            self.index = _ivf(self.dim, ids, vectors)
        else:
            self.index.add_with_ids(vectors, ids)

    def remove(self, ids: list[int]) -> None:
        if not len(ids):
            return
        self.index.remove_ids(np.asarray(ids, dtype=np.int64))
        if self._ivf is not None and len(self) < FLAT_MAX // 2:
            kept_ids, kept_vectors = self.contents()
            self.index = _flat(self.dim)
            if len(kept_ids):
                self.index.add_with_ids(kept_vectors, kept_ids)

    def chunks(self, size: int = 65536) -> Iterator[tuple[np.ndarray, np.ndarray]]:
        """(ids, vectors) of everything in the index, copied out `size` vectors at a time (an
        inverted list at a time), so that reading all of it never holds more than a chunk."""
        ivf = self._ivf
        if ivf is None:
            if not len(self):
                return
            ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            for start in range(0, len(ids), size):
                count = min(size, len(ids) - start)
                yield ids[start : start + count], self.index.index.reconstruct_n(start, count)
            return
        lists = ivf.invlists
        for number in range(ivf.nlist):
            count = lists.list_size(number)
            if count:
                ids = faiss.rev_swig_ptr(lists.get_ids(number), count).astype(np.int64)
                codes = faiss.rev_swig_ptr(lists.get_codes(number), count * lists.code_size)
                yield ids, np.frombuffer(codes.tobytes(), dtype=np.float32).reshape(count, self.dim)

    def contents(self) -> tuple[np.ndarray, np.ndarray]:
        """(ids, vectors) of everything in the index, copied out."""
        n = len(self)
        if n == 0:
            return np.zeros(0, np.int64), np.zeros((0, self.dim), np.float32)
        ivf = self._ivf
        if ivf is None:
            ids = faiss.vector_to_array(self.index.id_map).astype(np.int64)
            return ids, self.index.index.reconstruct_n(0, n)
        lists = ivf.invlists
        all_ids, all_vectors = [], []
        for number in range(ivf.nlist):
            size = lists.list_size(number)
            if size:
                all_ids.append(faiss.rev_swig_ptr(lists.get_ids(number), size).copy())
                codes = faiss.rev_swig_ptr(lists.get_codes(number), size * lists.code_size)
                all_vectors.append(np.frombuffer(codes.tobytes(), dtype=np.float32).reshape(size, self.dim))
        return np.concatenate(all_ids).astype(np.int64), np.concatenate(all_vectors)

    def search(self, query: np.ndarray, k: int, allowed: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Top-k (ids, scores); with `allowed`, search only those ids, so filters never lose hits."""
        k = min(k, len(self))
        if k <= 0:
            return np.zeros(0, np.int64), np.zeros(0, np.float32)
        selector = None
        if allowed is not None:
            selector = faiss.IDSelectorBatch(np.asarray(allowed, dtype=np.int64))
        ivf = self._ivf
        if ivf is None:
            params = faiss.SearchParameters(sel=selector) if selector is not None else None
        else:
            nprobe = ivf.nprobe
            if allowed is not None:  # a filter keeps a share of each list: probe more lists, all if need be
                nprobe = min(ivf.nlist, math.ceil(nprobe * len(self) / max(len(allowed), 1)))
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            if selector is not None:
                params = faiss.SearchParametersIVF(sel=selector, nprobe=nprobe)
        # One query is searched on one thread: FAISS's OpenMP threads only contend for one vector
        # (flat search of 100k vectors: 48 ms with 2 threads, 7 ms with 1, on a busy 2-core machine).
        # The setting is per calling thread, so builds and other threads keep theirs.
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        try:
            scores, ids = self.index.search(np.asarray(query, dtype=np.float32).reshape(1, -1), k, params=params)
        finally:
            faiss.omp_set_num_threads(threads)
        keep = ids[0] >= 0
        return ids[0][keep], scores[0][keep]
