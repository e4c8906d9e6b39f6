"""Read replicas (kb/replica.py, `kb replicate`): an index copied to another folder and switched
there in one SQLite commit, while readers of the replica go on searching and the source's writer
goes on updating."""

from __future__ import annotations

import threading

import pytest

import kb.replica as replica_module
from kb import KnowledgeBase
from kb.replica import replicate
from kb.vectors import kb_files
from tests.conftest import seed_variant


def searched(index_dir) -> int:
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as reader:
        return len(reader.search("Almi brygglånen", k=40))


def test_readers_of_a_replica_keep_answering_through_switches_and_see_each_new_generation(kb_factory, corpus, tmp_path):
    source = kb_factory(tmp_path / "source")
    source.update(corpus, progress=False)
    replica = tmp_path / "replica"
    assert replicate(source.index_dir, replica).generation == 1
    assert searched(replica) == 18

    long_lived = kb_factory(replica)  # one reader open across every switch
    done, seen, errors = threading.Event(), set(), []

    def read(search):
        while not done.is_set():
            try:
                seen.add(search())
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                errors.append(e)

    readers = [threading.Thread(target=read, args=(lambda: len(long_lived.search("Almi brygglånen", k=40)),)),
               threading.Thread(target=read, args=(lambda: searched(replica),))]
    for thread in readers:
        thread.start()
    extra = corpus / "copy.txt"
    try:
        for _ in range(5):
            extra.write_text(seed_variant(), encoding="utf-8")
            source.update(corpus, progress=False)
            result = replicate(source.index_dir, replica)
            assert result.copied_bytes > 0
            assert len(kb_factory(replica).search("Almi brygglånen", k=40)) == 36  # the new generation, at once
            extra.unlink()
            source.update(corpus, progress=False)
            replicate(source.index_dir, replica)
            assert len(kb_factory(replica).search("Almi brygglånen", k=40)) == 18
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert errors == []
    assert seen == {18, 36}
    assert len(long_lived.search("Almi brygglånen", k=40)) == 18 and long_lived.stats()["items"] == 18
    assert kb_factory(replica).check().ok
    assert [path.name for path in kb_files(replica)] == ["vectors.11.faiss"]
    assert not list(replica.glob(".kb-incoming*"))


def test_copies_taken_while_the_source_is_updated_are_each_one_whole_generation(kb_factory, corpus, tmp_path):
    source = kb_factory(tmp_path / "source")
    source.update(corpus, progress=False)
    done = threading.Event()

    def write():
        writer = KnowledgeBase(source.index_dir, model="hashing", log=lambda message: None)
        extra = corpus / "copy.txt"
        while not done.is_set():
            extra.write_text(seed_variant(), encoding="utf-8")
            writer.update(corpus, progress=False)
            extra.unlink()
            writer.update(corpus, progress=False)
        writer.close()

    writer = threading.Thread(target=write)
    writer.start()
    try:
        generations = [replicate(source.index_dir, tmp_path / "replica").generation for _ in range(10)]
    finally:
        done.set()
        writer.join()
    assert generations == sorted(generations)
    with KnowledgeBase(tmp_path / "replica", model="hashing", log=lambda message: None) as copy:
        assert copy.check().ok and copy.stats()["items"] in (18, 36)


def test_a_vector_file_removed_before_it_is_opened_means_a_new_snapshot(kb_factory, corpus, tmp_path, monkeypatch):
    source = kb_factory(tmp_path / "source")
    source.update(corpus, progress=False)
    live, aside = source.index_dir / "vectors.1.faiss", tmp_path / "aside.faiss"
    real_snapshot, calls = replica_module._snapshot, []

    def snapshot_then_a_commit(store, stage):
        calls.append(1)
        if aside.exists():
            aside.rename(live)
        generation = real_snapshot(store, stage)
        if len(calls) == 1:
            live.rename(aside)  # as when the writer commits and removes the file right after the snapshot
        return generation

    monkeypatch.setattr(replica_module, "_snapshot", snapshot_then_a_commit)
    assert replicate(source.index_dir, tmp_path / "replica").generation == 1
    assert len(calls) == 2 and searched(tmp_path / "replica") == 18


def test_a_mixed_pair_is_refused_and_the_replica_stays_as_it_was(kb_factory, corpus, tmp_path, monkeypatch):
    source = kb_factory(tmp_path / "source")
    source.update(corpus, progress=False)
    replica = tmp_path / "replica"
    replicate(source.index_dir, replica)
    (corpus / "copy.txt").write_text(seed_variant(), encoding="utf-8")
    source.update(corpus, progress=False)
    live = source.index_dir / "vectors.2.faiss"
    monkeypatch.setattr(replica_module, "_copy_file",
                        lambda path, target: replica_module.shutil.copyfile(tmp_path / "replica" / "vectors.1.faiss", target)
                        and target.stat().st_size)
    with pytest.raises(Exception, match="passages of dimension 256; the copy is not switched to"):
        replicate(source.index_dir, replica)
    assert live.exists() and searched(replica) == 18


def test_kb_replicate_prints_a_line_per_replica_and_errors_are_one_line(run, corpus, tmp_path):
    assert run("index", str(corpus)).exit_code == 0
    result = run("replicate", str(tmp_path / "r1"), str(tmp_path / "r2"))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert len(lines) == 2 and lines[0].startswith(f"{tmp_path}/r1/: generation 1 (") and "MB copied" in lines[0]
    again = run("replicate", str(tmp_path / "r1"))
    assert again.stdout == f"{tmp_path}/r1/: generation 1 (up to date already)\n"
    missing = run("replicate", str(tmp_path / "r3"), "--index", str(tmp_path / "nowhere"))
    assert missing.exit_code == 1 and missing.stderr.count("\n") == 1 and "no index in" in missing.stderr
