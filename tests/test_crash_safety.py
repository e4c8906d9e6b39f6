"""Updates that never lose data, with real processes on the fake "hashing" embedder.

`kb index` is killed (SIGKILL) at many points of an update that takes seconds: every time, the index
checks clean, searches answer from the complete old state (or the complete new one, once the commit
is through), and the next update brings it up to date with nothing missing and nothing duplicated.
Ctrl-C leaves the old state too. Two writers take turns; readers never see a mix.
"""

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
from filelock import FileLock

from kb import KnowledgeBase
from tests.conftest import ROOT, seed_variant

KB = [sys.executable, "-m", "kb"]
ENV = {**os.environ, "KB_MODEL": "hashing"}
KILL_FRACTIONS = [0.05, 0.15, 0.25, 0.35, 0.45, 0.55, 0.65, 0.75, 0.85, 0.95]
# Kill points inside the commit, too short to hit by timing: the driver kills itself there.
DRIVER = """
import os, pathlib, signal, sys
from kb.vectors import VectorIndex

point = sys.argv.pop(1)
die = lambda *args, **kwargs: os.kill(os.getpid(), signal.SIGKILL)
if point == "vector-file-half-written":
    os.replace = die
elif point == "vector-file-written-not-committed":
    save = VectorIndex.save
    VectorIndex.save = lambda self, path: (save(self, path), die())
elif point == "committed-old-file-not-removed":
    unlink = pathlib.Path.unlink
    pathlib.Path.unlink = lambda self, *a, **k: die() if self.name.startswith("vectors.") else unlink(self, *a, **k)
from kb.cli import main
main()
"""

ORGS = [
    ("Almi", "Martin Hellström"), ("LRF", "Anders Blomberg"), ("Länsstyrelsen", "Peter Andrén"),
    ("Region JH", "Maria Söderkvist"), ("Arbetsförmedlingen", "Karin Berg"), ("Företagarna", "Lena Nyström"),
    ("Svensk Handel", "Olof Lund"), ("Destination Jämtland", "Eva Holm"), ("Östersunds kommun", "Jonas Ek"),
    ("Krokoms kommun", "Sara Lind"), ("Handelskammaren", "Per Sjöberg"), ("Skatteverket", "Erik Dahl"),
    ("Trafikverket", "Mats Öberg"), ("Mittuniversitetet", "Ulla Sund"),
]
SUBJECTS = ["Brygglånen", "Efterfrågan på investeringslån", "Skogsbruket", "Besöksnäringen", "Julhandeln",
            "Omställningsstödet", "Varslen", "Exporten", "Rekryteringsbehovet", "Byggsektorn", "Fjällturismen",
            "Livsmedelsindustrin", "Korttidspermitteringen", "Digitaliseringen", "Elektrifieringen"]
VERBS = ["har ökat kraftigt", "minskar något", "ligger stabilt", "har förlängts till sommaren", "oroar många företag",
         "går starkt", "väntas vända under våren", "kräver mer samverkan", "har inte nått förväntad nivå"]
PLACES = ["i hela länet", "bland småföretagen", "i Östersund", "i fjällkommunerna", "enligt senaste enkäten",
          "jämfört med i fjol", "trots stödpaketen"]
MONTHS = ["januari", "februari", "mars", "april", "maj", "juni", "augusti", "september", "oktober", "november"]


def minutes(number: int, version: int = 0) -> str:
    """Deterministic minutes: 8-14 items, each a speaker and 8-20 points."""
    rnd = random.Random(number * 7919 + version)
    lines = [f"Anteckningar näringslivsdialog {rnd.randint(1, 28)} {rnd.choice(MONTHS)} {2020 + number % 4}", ""]
    for org, person in rnd.sample(ORGS, rnd.randint(8, 14)):
        lines.append(f"▪ {org}, {person}")
        for _ in range(rnd.randint(8, 20)):
            point = f"{rnd.choice(SUBJECTS)} {rnd.choice(VERBS)} {rnd.choice(PLACES)}, ärende {number}-{rnd.randint(1, 999)}"
            lines.append(f"– {point}")
        lines.append("")
    return "\n".join(lines)


def write_minutes(corpus: Path, numbers, version: int = 0) -> None:
    for number in numbers:
        (corpus / f"m{number:04d}.txt").write_text(minutes(number, version), encoding="utf-8")


def state(index_dir: Path) -> list[tuple]:
    """Every item as (file, file hash, ordinal, text hash), sorted; a duplicate shows up twice."""
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
        rows = kb.store.db.execute(
            "SELECT meetings.source, meetings.sha256, items.ordinal, items.text FROM items "
            "JOIN meetings ON meetings.id = items.meeting_id"
        )
        return sorted((r[0], r[1], r[2], hashlib.sha256(r[3].encode()).hexdigest()) for r in rows)


def assert_whole(index_dir: Path, leftovers_allowed: bool) -> list[str]:
    """`kb check` finds no problem: FTS, vectors (ids, dimension, values) and metadata agree."""
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
        report = kb.check()
        assert report.ok, report.problems
        assert leftovers_allowed or report.leftovers == []
        assert len(kb._live_vectors()) == report.counts["passages"]
        return report.leftovers


def kb_run(*args, script=None, **kwargs) -> subprocess.Popen:
    command = [sys.executable, "-c", DRIVER, script] if script else KB
    return subprocess.Popen([*command, *args], cwd=ROOT, env=ENV, stdout=subprocess.PIPE,
                            stderr=subprocess.PIPE, text=True, **kwargs)


@pytest.fixture(scope="module")
def update(tmp_path_factory):
    """An index of 100 minutes, and a corpus changed since: 15 removed, 25 changed, 150 added.

    The update is run once, uninterrupted, to learn the new state and how long it takes.
    """
    root = tmp_path_factory.mktemp("crash")
    corpus, old_index, reference = root / "corpus", root / "old-index", root / "reference"
    corpus.mkdir()
    write_minutes(corpus, range(100))
    with KnowledgeBase(old_index, model="hashing", log=lambda message: None) as kb:
        kb.update(corpus, progress=False)
    for number in range(15):
        (corpus / f"m{number:04d}.txt").unlink()
    write_minutes(corpus, range(15, 40), version=1)
    write_minutes(corpus, range(100, 250))
    shutil.copytree(old_index, reference)
    started = time.monotonic()
    result = kb_run("index", str(corpus), "--index", str(reference))
    assert result.communicate()[0] and result.returncode == 0
    duration = time.monotonic() - started
    print(f"\nuninterrupted update: {duration:.2f} s")
    assert_whole(reference, leftovers_allowed=False)
    return {"root": root, "corpus": corpus, "old_index": old_index, "duration": duration,
            "old": state(old_index), "new": state(reference)}


def killed_then_finished(update, name: str, start) -> str:
    """Copy the old index, let `start` run and kill an update on it, check it, finish it.

    Returns which state the kill left, with the leftovers that tell how far the update had got.
    """
    index_dir = update["root"] / name
    shutil.copytree(update["old_index"], index_dir)
    process = start(index_dir)
    process.wait()
    leftovers = assert_whole(index_dir, leftovers_allowed=True)
    after_kill = state(index_dir)
    assert after_kill in (update["old"], update["new"])
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
        assert len(kb.search("brygglånen förlängts", k=3)) == 3

    finished = subprocess.run([*KB, "index", str(update["corpus"]), "--index", str(index_dir)],
                              cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert state(index_dir) == update["new"]
    assert_whole(index_dir, leftovers_allowed=False)
    left = "old" if after_kill == update["old"] else "new"
    return f"{left} state" + "".join(f"; {line.split(';')[0]}" for line in leftovers)


@pytest.mark.parametrize("fraction", KILL_FRACTIONS)
def test_sigkill_at_any_moment_keeps_a_whole_index(update, fraction):
    def start(index_dir):
        process = kb_run("index", str(update["corpus"]), "--index", str(index_dir))
        time.sleep(update["duration"] * fraction)
        process.kill()
        return process

    left = killed_then_finished(update, f"kill-{fraction}", start)
    print(f"killed at {fraction:.0%} of {update['duration']:.2f} s: left the {left}")


@pytest.mark.parametrize("point, expected", [
    ("vector-file-half-written", "old"),
    ("vector-file-written-not-committed", "old"),
    ("committed-old-file-not-removed", "new"),
])
def test_sigkill_inside_the_commit_keeps_a_whole_index(update, point, expected):
    def start(index_dir):
        return kb_run("index", str(update["corpus"]), "--index", str(index_dir), script=point)

    assert killed_then_finished(update, point, start).startswith(expected)


def test_ctrl_c_while_embedding_keeps_the_old_state_and_the_work_done(update):
    def start(index_dir):
        process = kb_run("index", str(update["corpus"]), "--index", str(index_dir))
        with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
            cached = lambda: kb.store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]  # noqa: E731
            before = cached()
            while cached() == before and process.poll() is None:
                time.sleep(0.01)
        process.send_signal(signal.SIGINT)
        assert process.wait() == 1
        assert "Aborted" in process.stderr.read()
        return process

    assert killed_then_finished(update, "ctrl-c", start).startswith("old")


def test_a_killed_first_update_says_there_is_no_index_yet(update):
    index_dir = update["root"] / "killed-first"
    process = kb_run("index", str(update["corpus"]), "--index", str(index_dir))
    time.sleep(update["duration"] / 2)
    process.kill()
    process.wait()
    searched = subprocess.run([*KB, "search", "brygglånen", "--index", str(index_dir)],
                              cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert searched.returncode == 1 and "run `kb index`" in searched.stderr
    assert "Traceback" not in searched.stderr
    finished = subprocess.run([*KB, "index", str(update["corpus"]), "--index", str(index_dir)],
                              cwd=ROOT, env=ENV, capture_output=True, text=True)
    assert finished.returncode == 0, finished.stderr
    assert state(index_dir) == update["new"]
    assert_whole(index_dir, leftovers_allowed=False)


def test_a_second_writer_waits_or_with_no_wait_fails_clearly_and_searches_never_wait(tmp_path, corpus):
    index_dir = tmp_path / "index"
    with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
        kb.update(corpus, progress=False)
    (corpus / "copy.txt").write_text(seed_variant(), encoding="utf-8")
    with FileLock(str(index_dir / "write.lock")):  # another process is updating
        searched = subprocess.run([*KB, "search", "brygglånen", "--index", str(index_dir)],
                                  cwd=ROOT, env=ENV, capture_output=True, text=True)
        assert searched.returncode == 0 and "Almi" in searched.stdout
        refused = subprocess.run([*KB, "index", str(corpus), "--index", str(index_dir), "--no-wait"],
                                 cwd=ROOT, env=ENV, capture_output=True, text=True)
        assert refused.returncode == 1
        assert refused.stderr == f"Error: {index_dir}/ is being updated by another process; try again later\n"
        waiting = kb_run("index", str(corpus), "--index", str(index_dir))
        assert waiting.stderr.readline() == f"waiting for another update of {index_dir}/ to finish ...\n"
        assert waiting.poll() is None
    assert waiting.wait() == 0
    assert_whole(index_dir, leftovers_allowed=False)
    assert len(state(index_dir)) == 36


def test_two_concurrent_updates_leave_one_consistent_index(update):
    index_dir = update["root"] / "concurrent"
    runs = [kb_run("index", str(update["corpus"]), "--index", str(index_dir), "--json") for _ in range(2)]
    outputs = [run.communicate() for run in runs]
    assert [run.returncode for run in runs] == [0, 0], outputs
    embedded = sorted(json.loads(stdout)["items_embedded"] for stdout, _ in outputs)
    assert embedded[0] == 0 and embedded[1] > 0  # one did the work, the other found it done
    assert state(index_dir) == update["new"]
    assert_whole(index_dir, leftovers_allowed=False)


def test_readers_see_the_old_state_or_the_new_never_a_mix(kb_factory, corpus):
    """Readers open the index and search while a writer adds and removes a file, again and again."""
    writer = kb_factory()
    writer.update(corpus, progress=False)
    extra = corpus / "copy.txt"
    done, seen, errors = threading.Event(), set(), []

    def read():
        while not done.is_set():
            try:
                with KnowledgeBase(writer.index_dir, model="hashing", log=lambda message: None) as reader:
                    hits = reader.search("Almi brygglånen", k=40)
                    seen.add(len(hits))
            except Exception as e:  # noqa: BLE001 - any failure is the finding
                errors.append(e)

    readers = [threading.Thread(target=read) for _ in range(3)]
    for thread in readers:
        thread.start()
    try:
        for _ in range(10):
            extra.write_text(seed_variant(), encoding="utf-8")
            writer.update(corpus, progress=False)
            extra.unlink()
            writer.update(corpus, progress=False)
    finally:
        done.set()
        for thread in readers:
            thread.join()
    assert errors == []
    assert seen and seen <= {18, 36}


def test_sigkill_of_a_cluster_run_keeps_a_whole_index_and_the_next_run_resumes_from_the_cache(update, local_cluster):
    """`kb index --cluster`: the workers parse and embed, this process writes; killed once the
    first chunks from the workers are in the cache, the index is the old one, whole, and the next
    run (here without the cluster) finishes from the cache."""
    (local_cluster.control / "slow").touch()  # each chunk takes 0.2 s more on the workers

    def start(index_dir):
        process = kb_run("index", str(update["corpus"]), "--index", str(index_dir), "--cluster", local_cluster.address)
        with KnowledgeBase(index_dir, model="hashing", log=lambda message: None) as kb:
            cached = lambda: kb.store.db.execute("SELECT count(*) FROM embeddings").fetchone()[0]  # noqa: E731
            before = cached()
            while cached() == before and process.poll() is None:
                time.sleep(0.01)
            process.kill()
            assert process.wait() == -signal.SIGKILL, process.stderr.read()
            assert cached() > before
        return process

    try:
        assert killed_then_finished(update, "cluster-kill", start).startswith("old")
    finally:
        (local_cluster.control / "slow").unlink()
