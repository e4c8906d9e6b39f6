"""Faults (issue 10, items 8-14): a full disk, a read-only index, a damaged store, a lost vector file,
a large check, an index folder kb cannot write to, a model that is not there. Each is one line that
says what happened and the way out; the index stays whole, and the next run works."""

from __future__ import annotations

import errno
import json
import os
import re
import shutil
import sqlite3
import subprocess
import sys
import tracemalloc
from pathlib import Path

import faiss
import numpy as np
import pytest

from kb import DiskFullError, IndexReadOnlyError, KnowledgeBase
from kb.store import Store
from kb.vectors import VectorIndex
from tests.conftest import ROOT

NEW_MINUTES = "Protokoll 2021-01-18\n\n▪ LRF, Anders Blomberg\n– Skogsbruket går starkt, höga virkespriser\n"


def one_line_error(result, *fragments) -> None:
    assert result.exit_code == 1, result.output
    assert "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1, result.stderr
    for fragment in fragments:
        assert fragment in result.stderr, result.stderr


def leftovers(index: Path) -> list[str]:
    return sorted(path.name for path in index.iterdir() if path.name.endswith(".tmp"))


# -- 8. a full disk ----------------------------------------------------------------------------------


def test_disk_full_while_embedding_is_one_line_and_the_next_run_works(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    pages = kb.store.db.execute("PRAGMA page_count").fetchone()[0]
    kb.store.db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "database or disk is full"
    (corpus / "2021-01-18.txt").write_text(NEW_MINUTES, encoding="utf-8")
    with pytest.raises(DiskFullError) as caught:
        kb.update(corpus, progress=False)
    assert str(caught.value) == (f"disk full while writing {kb.index_dir}/kb.sqlite; free some space and run `kb index` "
                                 "again (the index is as it was, and what was embedded is kept)")
    assert kb_factory(kb.index_dir).stats()["items"] == 18
    kb.store.db.execute("PRAGMA max_page_count = 1073741823")
    assert kb.update(corpus, progress=False).added == [f"{corpus}/2021-01-18.txt"]
    assert kb_factory(kb.index_dir).check().ok


def test_disk_full_during_the_commit_rolls_it_back(kb_factory, corpus, monkeypatch):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (corpus / "2021-01-18.txt").write_text(NEW_MINUTES, encoding="utf-8")

    def full(*args, **kwargs):
        raise sqlite3.OperationalError("database or disk is full")

    monkeypatch.setattr(Store, "insert_item", full)
    with pytest.raises(DiskFullError, match="disk full while writing .*kb.sqlite"):
        kb.update(corpus, progress=False)
    monkeypatch.undo()
    assert kb_factory(kb.index_dir).stats()["items"] == 18
    summary = kb.update(corpus, progress=False)
    assert summary.added == [f"{corpus}/2021-01-18.txt"] and summary.items_embedded == 0  # embedded before, kept
    assert leftovers(kb.index_dir) == [] and kb_factory(kb.index_dir).check().ok


def test_disk_full_while_writing_the_vector_file_leaves_no_temporary_file(run, corpus, tmp_path, monkeypatch):
    assert run("index", str(corpus)).exit_code == 0
    (corpus / "2021-01-18.txt").write_text(NEW_MINUTES, encoding="utf-8")
    real_writer = faiss.PyCallbackIOWriter

    def writer_on_a_full_disk(write):
        written = [0]

        def limited(chunk):
            if written[0] + len(chunk) > 2000:  # a few pieces in, the disk is full
                raise OSError(errno.ENOSPC, "No space left on device")
            written[0] += len(chunk)
            return write(chunk)

        return real_writer(limited)

    monkeypatch.setattr(faiss, "PyCallbackIOWriter", writer_on_a_full_disk)
    index = tmp_path / "index"
    one_line_error(run("index", str(corpus)), f"disk full while writing {index}/vectors.2.faiss; free some space")
    assert leftovers(index) == [] and not (index / "vectors.2.faiss").exists()
    monkeypatch.undo()
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_INDEX", str(index))
    again = run("index", str(corpus))
    assert again.exit_code == 0 and f"added: {corpus}/2021-01-18.txt" in again.stdout
    assert run("check").exit_code == 0


def test_a_temporary_file_left_by_a_crash_does_not_stop_the_next_update(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    (kb.index_dir / "vectors.2.faiss.tmp").write_bytes(b"half a file")  # as an earlier kb left it
    (corpus / "2021-01-18.txt").write_text(NEW_MINUTES, encoding="utf-8")
    assert kb.update(corpus, progress=False).added == [f"{corpus}/2021-01-18.txt"]
    assert leftovers(kb.index_dir) == []


# -- 9. a read-only index ----------------------------------------------------------------------------


def _read_only_runner(index: Path):
    """A way to run `kb` with `index` read-only to it: a read-only bind mount in a mount
    namespace of its own when root (to whom file permissions do not apply), else files and folder
    without write permission. None if neither is possible here."""
    env = {**os.environ, "KB_MODEL": "hashing", "PYTHONDONTWRITEBYTECODE": "1"}
    if os.geteuid() != 0:
        for path in [index, *index.iterdir()]:
            path.chmod(path.stat().st_mode & ~0o222)
        return lambda *args: subprocess.run([sys.executable, "-m", "kb", *args], cwd=ROOT, env=env,
                                            capture_output=True, text=True)
    unshare = shutil.which("unshare")
    if unshare is None:
        return None
    script = 'mount --bind "$0" "$0" && mount -o remount,bind,ro "$0" && exec "$@"'
    probe = subprocess.run([unshare, "--mount", "sh", "-c", script + ' && touch "$0/probe"', str(index), "true"],
                           capture_output=True, text=True)
    if probe.returncode != 0:
        return None
    if "Read-only" not in subprocess.run([unshare, "--mount", "sh", "-c", script, str(index), "touch", f"{index}/probe"],
                                         capture_output=True, text=True).stderr:
        return None
    return lambda *args: subprocess.run([unshare, "--mount", "sh", "-c", script, str(index), sys.executable, "-m", "kb",
                                         *args], cwd=ROOT, env=env, capture_output=True, text=True)


def test_a_read_only_index_answers_every_read_and_refuses_updates_saying_why(kb_factory, corpus):
    kb = kb_factory()
    kb.update(corpus, progress=False)
    kb.close()
    index = kb.index_dir
    run_read_only = _read_only_runner(index)
    if run_read_only is None:
        pytest.skip("no way to make a folder read-only here")
    try:
        for args in (["search", "brygglån", "--json"], ["search", "brygglån", "--mode", "lexical", "--json"],
                     ["stats", "--json"], ["check"], ["parties", "--json"], ["timeline", "Almi"], ["show", "3"]):
            result = run_read_only(*args, "--index", str(index))
            assert result.returncode == 0, (args, result.stderr)
        hits = json.loads(run_read_only("search", "Almi brygglånen", "--json", "--index", str(index)).stdout)
        assert hits[0]["organisation"] == "Almi"
        refused = run_read_only("index", str(corpus), "--index", str(index))
        assert refused.returncode == 1 and refused.stderr.count("\n") == 1 and "Traceback" not in refused.stderr
        assert "is read-only here" in refused.stderr and "updating needs write access" in refused.stderr
        assert "searching works without it" in refused.stderr and "damaged" not in refused.stderr
    finally:
        for path in [index, *index.iterdir()]:
            path.chmod(path.stat().st_mode | 0o200)


def test_a_store_opened_read_only_answers_and_one_that_needs_an_upgrade_says_so(kb_factory, corpus, monkeypatch):
    import kb.store.connection as store_module

    kb = kb_factory()
    kb.update(corpus, progress=False)
    kb.close()
    monkeypatch.setattr(store_module, "_may_write", lambda path: False)
    reader = kb_factory(kb.index_dir)
    assert reader.search("Almi brygglånen", k=1)[0].organisation == "Almi"
    assert reader.store.readonly
    reader.close()
    with sqlite3.connect(kb.index_dir / "kb.sqlite") as db:
        db.execute("PRAGMA user_version = 1")
    with pytest.raises(IndexReadOnlyError, match="made by an earlier kb and needs an upgrade, which needs write access"):
        kb_factory(kb.index_dir).stats()


# -- 10. a damaged store -----------------------------------------------------------------------------


def test_kb_index_on_an_unchanged_corpus_reports_a_damaged_store(run, corpus, tmp_path):
    assert run("index", str(corpus)).exit_code == 0
    store = tmp_path / "index" / "kb.sqlite"
    size = store.stat().st_size
    with open(store, "r+b") as f:
        # Every fourth page from the fourth on, from its b-tree page header: garbage there is
        # damage wherever the page keeps its rows (garbage in a page's free space is none).
        for offset in range(4096 * 3, size, 4096 * 4):
            f.seek(offset)
            f.write(b"\xde\xad\xbe\xef" * 50)
    one_line_error(run("index", str(corpus)), f"{store}: the metadata store is damaged", "run `kb index --rebuild`")
    one_line_error(run("search", "brygglån"), "the metadata store is damaged")


def test_a_large_store_has_its_header_checked_on_open(kb_factory, corpus, monkeypatch):
    import kb.store.connection as store_module

    from kb import IndexDamagedError

    kb = kb_factory()
    kb.update(corpus, progress=False)
    kb.close()
    monkeypatch.setattr(store_module, "QUICK_CHECK_BYTES", 0)  # as for a store too large to read whole on open
    assert kb_factory(kb.index_dir).stats()["items"] == 18
    path = kb.index_dir / "kb.sqlite"
    with open(path, "r+b") as f:
        f.truncate(path.stat().st_size // 2)
    assert re.fullmatch(r"the file ends at \d+ bytes, but its header counts \d+ pages of \d+", store_module._header_problem(path))
    # With a WAL beside it, the pages past the end may be there (a checkpoint killed halfway, as
    # tests/test_crash_safety.py met): the header alone says nothing, SQLite's reads will.
    wal = path.with_name(path.name + "-wal")
    wal.write_bytes(b"\0" * 4096)
    assert store_module._header_problem(path) is None
    wal.unlink()
    with pytest.raises(IndexDamagedError, match="the metadata store is damaged"):
        kb_factory(kb.index_dir).stats()
    path.write_bytes(b"not a database at all" * 10)
    with pytest.raises(IndexDamagedError, match="damaged"):
        kb_factory(kb.index_dir).stats()


# -- 12. kb check streams ----------------------------------------------------------------------------


def _big_index(index: Path, passages: int, dim: int) -> None:
    """An index of `passages` items, one passage each, written directly (faster than parsing)."""
    index.mkdir()
    store = Store(index / "kb.sqlite")
    rng = np.random.default_rng(0)
    vectors = rng.standard_normal((passages, dim)).astype(np.float32)
    with store.transaction():
        meeting = store.db.execute("INSERT INTO meetings (source, sha256, title) VALUES ('m.txt', 'x', 'M')").lastrowid
        store.db.executemany(
            "INSERT INTO items (id, meeting_id, ordinal, title, text, line_start, line_end) VALUES (?, ?, ?, 't', 'x', 1, 1)",
            [(n, meeting, n) for n in range(1, passages + 1)])
        store.db.execute("INSERT INTO items_fts (rowid, sv) SELECT id, 'x' FROM items")
        store.db.executemany("INSERT INTO passages (id, item_id, text_hash) VALUES (?, ?, ?)",
                             [(n, n, f"h{n}") for n in range(1, passages + 1)])
        store.db.executemany("INSERT INTO embeddings (model, text_hash, vector) VALUES ('hashing', ?, ?)",
                             [(f"h{n}", vectors[n - 1].tobytes()) for n in range(1, passages + 1)])
        for key, value in (("model", "hashing"), ("dim", dim), ("generation", 1)):
            store.set_meta(key, value)
    vectors[passages // 2] += 1.0  # one vector in the file is not its passage's embedding
    index_file = VectorIndex(dim)
    index_file.add(np.arange(1, passages + 1), vectors)
    index_file.save(index / "vectors.1.faiss")
    store.close()


def test_kb_check_compares_vectors_a_chunk_at_a_time(tmp_path, monkeypatch):
    import kb.check as check_module

    index = tmp_path / "index"
    passages, dim = 20_000, 256  # 20 MB of vectors
    _big_index(index, passages, dim)
    monkeypatch.setattr(check_module, "CHUNK", 500)

    def whole(*args, **kwargs):
        raise AssertionError("kb check read all vectors at once")

    monkeypatch.setattr(VectorIndex, "contents", whole)
    monkeypatch.setattr(Store, "passage_vectors", whole)
    with KnowledgeBase(index, model="hashing", log=lambda m: None) as kb:
        tracemalloc.start()
        try:
            report = kb.check()
            peak = tracemalloc.get_traced_memory()[1]
        finally:
            tracemalloc.stop()
    assert report.problems == ["1 vector(s) in vectors.1.faiss are not the cached embeddings of model hashing "
                               "(built with another model?); run `kb index --rebuild`"]
    assert peak < passages * dim * 4 * 0.3, peak  # well under the 20 MB of vectors the index holds


# -- 13. an index folder kb cannot write to ----------------------------------------------------------


def test_an_index_folder_kb_cannot_create_files_in_is_refused_at_once(run, corpus, tmp_path):
    one_line_error(run("index", str(corpus), "--index", "/proc"), "cannot create files in /proc/",
                   "choose an index folder kb can write to with --index")
    (tmp_path / "a-file").write_text("x")
    refused = run("index", str(corpus), "--index", str(tmp_path / "a-file"))
    assert refused.exit_code == 2 and refused.stderr.count("\n") == 1 and "is a file" in refused.stderr
    with KnowledgeBase(tmp_path / "a-file", model="hashing", log=lambda m: None) as kb:
        with pytest.raises(Exception, match="is a file, not an index folder; choose a folder with --index"):
            kb.update(corpus, progress=False)


# -- 14. offline models ------------------------------------------------------------------------------


def test_a_model_that_is_not_here_fails_at_once_and_leaves_nothing_behind(run, corpus, tmp_path, monkeypatch):
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")  # were kb to try the network, it would fail, not hang
    index = tmp_path / "fresh"
    monkeypatch.setenv("KB_MODEL", "typo")
    one_line_error(run("index", str(corpus), "--index", str(index)),
                   "model 'typo' is neither a folder here nor in the local model cache", "KB_ALLOW_DOWNLOAD=1")
    assert not index.exists()
    monkeypatch.setenv("KB_MODEL", "hashing")
    one_line_error(run("index", str(corpus), "--index", str(index), "--model", "no-such/model"),
                   "model 'no-such/model' is neither a folder here nor in the local model cache")
    assert not index.exists()
    (tmp_path / "model.bin").write_bytes(b"x")
    one_line_error(run("index", str(corpus), "--index", str(index), "--model", str(tmp_path / "model.bin")),
                   "a file, not a model folder")
    (tmp_path / "empty-model").mkdir()
    one_line_error(run("index", str(corpus), "--index", str(index), "--model", str(tmp_path / "empty-model")),
                   "cannot be loaded")
    assert not index.exists()
