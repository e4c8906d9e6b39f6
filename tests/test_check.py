"""Damage is reported, not hidden: `kb check` says what is wrong, searches say it in one line, and
`kb index --rebuild` is the way out. On the fake "hashing" embedder."""

import json
import os
import sqlite3

import numpy as np
import pytest
from click.testing import CliRunner

from kb import IndexDamagedError
from kb.cli import cli
from kb.vectors import VectorIndex


@pytest.fixture
def index(tmp_path, corpus, monkeypatch):
    """An index of the seed minutes, and the CLI pointed at it."""
    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))
    assert run("index", str(corpus)).exit_code == 0
    return tmp_path / "index"


def run(*args):
    return CliRunner().invoke(cli, list(args), catch_exceptions=False)


def vector_file(index):
    (path,) = index.glob("vectors.*.faiss")
    return path


def assert_one_line_error(result, *fragments):
    assert result.exit_code == 1 and "Traceback" not in result.output
    assert result.stderr.startswith("Error: ") and result.stderr.count("\n") == 1
    for fragment in fragments:
        assert fragment in result.stderr


def test_a_whole_index_is_ok(index):
    result = run("check")
    assert result.exit_code == 0
    assert result.stdout.startswith(f"ok: {index} (1 meetings, 18 items, 18 passages; model hashing)")
    report = json.loads(run("check", "--json").stdout)
    assert (report["ok"], report["problems"], report["leftovers"]) == (True, [], [])


def test_a_truncated_vector_file_is_found_and_rebuild_repairs_it(index, corpus):
    path = vector_file(index)
    os.truncate(path, path.stat().st_size // 2)
    result = run("check")
    assert result.exit_code == 1
    assert result.stdout.startswith(f"problem: {path}: the vector index is damaged")
    assert "run `kb index --rebuild`" in result.stdout
    assert json.loads(run("check", "--json").stdout)["ok"] is False
    assert_one_line_error(run("search", "brygglån"), "the vector index is damaged", "kb index --rebuild")
    assert run("index", str(corpus), "--rebuild").exit_code == 0
    assert run("check").exit_code == 0
    assert run("search", "brygglån").exit_code == 0


def test_a_missing_vector_file_is_a_problem_lexical_search_still_works_and_kb_index_mends_it(index, corpus):
    vector_file(index).unlink()
    assert "the live vector file is missing" in run("check").stdout
    assert_one_line_error(run("search", "brygglån"), "the vector file is missing", "run `kb index`", "--mode lexical")
    assert_one_line_error(run("search", "brygglån", "--mode", "hybrid"), "the vector file is missing")
    lexical = run("search", "brygglån", "--mode", "lexical", "--json")
    assert lexical.exit_code == 0 and "Brygglånen" in json.loads(lexical.stdout)[0]["text"]
    assert run("index", str(corpus)).exit_code == 0
    assert run("check").exit_code == 0 and run("search", "brygglån").exit_code == 0


def test_a_corrupt_metadata_store_is_found_and_rebuild_sets_it_aside(index, corpus):
    store = index / "kb.sqlite"
    size = store.stat().st_size
    with open(store, "r+b") as f:  # overwrite pages past the schema, as a bad disk would
        for offset in range(size // 4, size, 4096 * 3):
            f.seek(offset)
            f.write(b"\xff" * 4096)
    result = run("check")
    assert result.exit_code == 1 and "the metadata store is damaged" in result.stdout
    assert_one_line_error(run("search", "brygglån"), "the metadata store is damaged", "kb index --rebuild")
    assert_one_line_error(run("index", str(corpus)), "the metadata store is damaged", "kb index --rebuild")
    assert run("index", str(corpus), "--rebuild").exit_code == 0
    assert (index / "kb.sqlite.damaged").exists()
    assert run("check").exit_code == 0


def test_metadata_that_disagrees_with_the_vectors_is_a_problem(index):
    with sqlite3.connect(index / "kb.sqlite") as db:
        db.execute("DELETE FROM passages WHERE id = (SELECT max(id) FROM passages)")
    assert "1 vector(s) of no passage" in run("check").stdout
    assert_one_line_error(run("search", "brygglån"), "the vector file and the metadata disagree", "kb index --rebuild")


def test_vectors_of_another_dimension_are_a_problem(index):
    VectorIndex(384).save(vector_file(index))
    assert "vectors of dimension 384, but model hashing gives 256" in run("check").stdout
    assert_one_line_error(run("search", "brygglån"), "the vector file and the metadata disagree", "kb index --rebuild")


def test_vectors_that_are_not_the_cached_embeddings_are_a_problem(index):
    with sqlite3.connect(index / "kb.sqlite") as db:
        ids = np.array([row[0] for row in db.execute("SELECT id FROM passages")])
    other = VectorIndex(256)
    other.add(ids, np.eye(256, dtype=np.float32)[: len(ids)])
    other.save(vector_file(index))
    assert "18 vector(s) in" in run("check").stdout and "(built with another model?)" in run("check").stdout


def test_searching_with_another_model_says_the_way_out(index):
    assert_one_line_error(run("search", "brygglån", "--model", "some/other-model"), "built with model hashing", "--rebuild")


def test_a_lexical_index_out_of_step_is_a_problem(index):
    with sqlite3.connect(index / "kb.sqlite") as db:
        db.execute("DELETE FROM items_fts WHERE rowid = (SELECT min(id) FROM items)")
    assert "the lexical index and the items disagree (1 item(s) not in it" in run("check").stdout


def test_leftovers_of_an_interrupted_update_are_harmless_and_removed_by_the_next(index, corpus, kb_factory):
    live = vector_file(index)
    (index / "vectors.7.faiss").write_bytes(live.read_bytes())
    (index / "vectors.8.faiss.tmp").write_bytes(b"half")
    report = kb_factory(index).check()
    assert report.ok and report.problems == []
    assert [line.split(":")[0] for line in report.leftovers] == ["vectors.7.faiss", "vectors.8.faiss.tmp"]
    assert run("check").exit_code == 0
    (corpus / "new.txt").write_text("Anteckningar 18 januari 2021\n\n▪ LRF, Anders Blomberg\n– Skogen växer\n", encoding="utf-8")
    assert run("index", str(corpus)).exit_code == 0
    assert kb_factory(index).check().leftovers == []


def test_checking_without_an_index_says_so(tmp_path, monkeypatch):
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "nothing"))
    assert_one_line_error(run("check"), "no index in")


def test_the_library_reports_damage_without_raising(index, kb_factory):
    os.truncate(vector_file(index), 10)
    kb = kb_factory(index)
    report = kb.check()
    assert not report.ok and "the vector index is damaged" in report.problems[0]
    with pytest.raises(IndexDamagedError, match="kb index --rebuild"):
        kb.search("brygglån")
