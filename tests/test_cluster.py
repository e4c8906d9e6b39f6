"""`kb index --cluster`: parsing and embedding on a Dask cluster of real processes on 127.0.0.1
(a scheduler and two workers, tests/conftest.py `local_cluster`), the index written by this
process as without it.

The workers run the fake "hashing" embedder, except in one test with the real model: what is
tested here is where the work runs and that the index comes out the same, which the fake
embedder shows exactly (its vectors are a function of the text); that the real model gives the
same vectors on a worker is the one model test.
"""

from __future__ import annotations

import shutil
import subprocess
import sys

import numpy as np
import pytest

import kb.pipeline
from kb import KnowledgeBase
from tests.conftest import ROOT, SEED
from tests.test_crash_safety import minutes, write_minutes

pytest.importorskip("distributed")


def corpus_of(folder, numbers, version: int = 0):
    folder.mkdir(exist_ok=True)
    write_minutes(folder, numbers, version)
    return folder


def contents(index_dir) -> tuple[list, np.ndarray, np.ndarray]:
    """Every item (file, hash, ordinal, title, who, text, lines) and every passage vector, by id."""
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
        assert kb.check().ok, kb.check().problems
        items = kb.store.db.execute(
            "SELECT meetings.source, meetings.sha256, items.ordinal, items.title, items.organisation, items.speaker, "
            "items.text, items.line_start, items.line_end FROM items JOIN meetings ON meetings.id = items.meeting_id "
            "ORDER BY meetings.source, items.ordinal").fetchall()
        ids, vectors = kb.store.passage_vectors(kb.model_name)
        return [tuple(row) for row in items], ids, vectors


def assert_same_index(cluster_index, local_index, min_cosine: float = 0.9999) -> None:
    cluster_items, cluster_ids, cluster_vectors = contents(cluster_index)
    local_items, local_ids, local_vectors = contents(local_index)
    assert cluster_items == local_items and cluster_items
    assert np.array_equal(cluster_ids, local_ids)
    assert (cluster_vectors * local_vectors).sum(axis=1).min() >= min_cosine


def updated(index_dir, corpus, cluster=None):
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
        return kb.update(corpus, progress=False, cluster=cluster).to_dict()


def test_the_cluster_index_equals_the_single_process_one_first_and_after_changes(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setattr(kb.pipeline, "EMBED_CHUNK", 32)  # many tasks for two workers
    corpus = corpus_of(tmp_path / "corpus", range(30))
    (corpus / "damaged.pdf").write_bytes(b"%PDF-1.4 not really")
    (corpus / "copy.txt").write_text(minutes(3), encoding="utf-8")
    cluster_index, local_index = tmp_path / "cluster-index", tmp_path / "local-index"

    first = updated(cluster_index, corpus, local_cluster.address)
    assert first == updated(local_index, corpus)
    assert first["items_embedded"] > 300 and len(first["skipped"]) == 2
    assert_same_index(cluster_index, local_index)

    for number in range(3):
        (corpus / f"m{number:04d}.txt").unlink()
    write_minutes(corpus, range(3, 8), version=1)
    write_minutes(corpus, range(30, 35))
    second = updated(cluster_index, corpus, local_cluster.address)
    assert second == updated(local_index, corpus)
    # m0003 changed, so its copy is no longer a duplicate: it comes in as added.
    assert (len(second["changed"]), len(second["added"]), len(second["removed"])) == (4, 6, 3)
    assert_same_index(cluster_index, local_index)
    # Each worker loaded the model once, whatever number of tasks it ran.
    assert all(loads == ["hashing"] for loads in local_cluster.model_loads().values())


def test_a_worker_killed_in_the_middle_and_the_run_still_finishes_exactly(local_cluster, tmp_path, monkeypatch):
    monkeypatch.setattr(kb.pipeline, "EMBED_CHUNK", 16)
    corpus = corpus_of(tmp_path / "corpus", range(40))
    (local_cluster.control / "die-b").touch()  # worker b kills itself (SIGKILL) at its next chunk
    try:
        summary = updated(tmp_path / "cluster-index", corpus, local_cluster.address)
        assert local_cluster.workers["b"].wait(timeout=30) == -9
    finally:
        (local_cluster.control / "die-b").unlink(missing_ok=True)
        local_cluster.restart_dead()
    assert summary == updated(tmp_path / "local-index", corpus)
    assert_same_index(tmp_path / "cluster-index", tmp_path / "local-index")


@pytest.mark.model
def test_the_real_model_on_a_worker_gives_the_single_process_vectors(local_cluster, real_kb, tmp_path):
    cluster_index = tmp_path / "cluster-index"
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    shutil.copy(SEED, corpus / SEED.name)
    with KnowledgeBase(cluster_index, log=lambda message: None) as cluster_kb:
        cluster_kb.update(corpus, progress=False, cluster=local_cluster.address)
        ids, vectors = cluster_kb.store.passage_vectors(cluster_kb.model_name)
    local_ids, local_vectors = real_kb.store.passage_vectors(real_kb.model_name)
    assert np.array_equal(ids, local_ids) and len(ids) >= 18
    assert (vectors * local_vectors).sum(axis=1).min() >= 0.9999


def test_an_unreachable_cluster_is_one_line_and_nothing_is_made(run, corpus, tmp_path, monkeypatch):
    import kb.cluster

    monkeypatch.setattr(kb.cluster, "CONNECT_TIMEOUT_S", 1)
    result = run("index", str(corpus), "--cluster", "tcp://127.0.0.1:9")
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("Error: cannot reach the cluster at tcp://127.0.0.1:9 (")
    assert "start its scheduler there (`dask scheduler`) and workers (`dask worker tcp://127.0.0.1:9`)" in result.stderr
    assert not (tmp_path / "index").exists()


def test_without_cluster_nothing_of_the_engine_is_imported(corpus, tmp_path):
    script = ("import sys; from kb.cli import main; sys.argv = ['kb', 'index', sys.argv[1], '--index', sys.argv[2]]\n"
              "try:\n    main()\nexcept SystemExit:\n    pass\n"
              "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed', 'ray') or m == 'kb.cluster'))")
    env = {"PATH": "/usr/bin:/bin", "KB_MODEL": "hashing", "HOME": str(tmp_path)}
    result = subprocess.run([sys.executable, "-c", script, str(corpus), str(tmp_path / "index")], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"
