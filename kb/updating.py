"""Updating a knowledge base: the writer's side of `KnowledgeBase` (`update`, `add`, `remove`).

Each public method checks what it can before anything is written (a model that loads, an index
folder kb may create files in), takes the writer lock, runs `kb.pipeline`'s steps and keeps the
vectors they committed for the next search; SQLite and disk faults become one line
(`kb.index_folder.faults_reported`).
"""

from __future__ import annotations

from contextlib import contextmanager
from pathlib import Path

from kb.corpus import CorpusFile, display_name, files_to_add
from kb.embed import Embedder, load_embedder
from kb.errors import KBError, NoIndexError
from kb.index_folder import LOCK_FILE, STORE_FILE, prepare_folder, set_aside
from kb.pipeline import Pipeline, UpdateSummary, Work


class Updating:
    """The methods of `KnowledgeBase` that write the index; the rest of its state (index folder,
    store, embedder, vectors) is `KnowledgeBase`'s."""

    def update(self, corpus_dir: str | Path = "corpus", rebuild: bool = False, progress: bool = True, wait: bool = True,
               follow_symlinks: bool = False, cluster: str | None = None) -> UpdateSummary:
        """Bring the index in step with the corpus; only new or changed files are embedded.
        Symbolic links to files outside the corpus are skipped unless `follow_symlinks`. With
        `cluster` (a Dask scheduler's address), new and changed files are parsed and embedded on
        its workers (`kb.cluster`); this process still writes the index, as without it."""
        corpus = Path(corpus_dir)
        if corpus.exists() and not corpus.is_dir():
            raise KBError(f"{display_name(corpus)} is a file, not a folder of minutes; give the folder that holds it, "
                          f"or index this one file with `kb add {display_name(corpus)}`")
        if not corpus.is_dir():
            raise NoIndexError(f"{display_name(corpus)}: no such corpus folder")
        if cluster is None:
            with self._writing(wait, rebuild):
                return self._update(corpus, rebuild, progress, follow_symlinks)
        from kb.cluster import ClusterWork  # the engine is imported only here

        with ClusterWork(cluster, log=self.log) as work, self._writing(wait, rebuild):
            return self._update(corpus, rebuild, progress, follow_symlinks, work)

    def add(self, paths: list[str | Path], progress: bool = True, wait: bool = True) -> UpdateSummary:
        """Index these files now (again, if they changed), as `update` would, without looking at
        the rest of the corpus. A file outside the corpus folder leaves the index at the next
        `update` of the corpus, as every file not in it does."""
        listing = files_to_add(paths)
        summary = UpdateSummary(skipped=listing.skipped)
        with self._writing(wait, rebuild=False):
            return self._update_files(listing.files, summary, progress)

    def remove(self, sources: list[str | Path], wait: bool = True) -> UpdateSummary:
        """Take these files out of the index, by the names it lists them under (`kb stats`),
        without touching them. A file still in the corpus comes back at the next `update`, unless
        the corpus's .kbignore names it."""
        if not self.exists:
            raise NoIndexError(f"no index in {self.index_dir}/ yet; nothing to remove")
        with self._writing(wait, rebuild=False):
            self._writable_store()
            pipeline = self._pipeline(self.embedder)
            return self._committed(pipeline, pipeline.remove([Path(source).as_posix() for source in sources]))

    @contextmanager
    def _writing(self, wait: bool, rebuild: bool):
        """Everything an update needs before it starts: a model that can be found (checked before
        anything is made, so a typo leaves nothing behind), an index folder kb can create files in,
        and the writer lock; faults during the update become one line."""
        if not self.exists or (rebuild and self._requested_model):
            self._embedder = load_embedder(self._requested_model or (None if rebuild else self.model_name), log=self.log)
            self._embedder.dim  # loads it: a model that cannot be loaded fails here too
        self._prepare_folder()
        from kb.locking import writer_lock

        with writer_lock(self.index_dir / LOCK_FILE, wait=wait, log=self.log):
            if rebuild:
                self._prepare_rebuild()
            with self._faults_reported():
                yield

    def _prepare_folder(self) -> None:
        prepare_folder(self.index_dir, self.exists, (STORE_FILE, STORE_FILE + "-wal", STORE_FILE + "-shm"), self.log)

    def _prepare_rebuild(self) -> None:
        """--rebuild with a damaged store: set it aside so a fresh one can be built."""
        if self.exists and not self._store_intact():
            self.close()
            set_aside(self.index_dir.glob(STORE_FILE + "*"))

    def _pipeline(self, embedder: Embedder, work: Work | None = None) -> Pipeline:
        return Pipeline(self.index_dir, self._writable_store(), embedder, self.segmenter, self.limits, self.log, work)

    def _committed(self, pipeline: Pipeline, summary: UpdateSummary) -> UpdateSummary:
        """Keep the vectors the pipeline committed, so the next search need not load them."""
        if pipeline.generation is not None:
            self._vectors, self._generation = pipeline.vectors, pipeline.generation
            self._vectors.exact = self._cached_vectors
        return summary

    def _update(self, corpus: Path, rebuild: bool, progress: bool, follow_symlinks: bool = False,
                work: Work | None = None) -> UpdateSummary:
        self._writable_store()
        pipeline = self._pipeline(self._embedder_for_update(rebuild), work)
        return self._committed(pipeline, pipeline.update(corpus, rebuild, progress, follow_symlinks))

    def _update_files(self, files: dict[str, CorpusFile], summary: UpdateSummary, progress: bool) -> UpdateSummary:
        """Index these files, leaving the rest of the index as it is (`add`)."""
        self._writable_store()
        pipeline = self._pipeline(self._embedder_for_update(False))
        return self._committed(pipeline, pipeline.update_files(files, summary, progress))

    def _embedder_for_update(self, rebuild: bool) -> Embedder:
        if rebuild and self._requested_model and getattr(self._embedder, "name", None) != self._requested_model:
            self._embedder = load_embedder(self._requested_model, log=self.log)
        return self.embedder
