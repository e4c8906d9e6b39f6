"""Shared fixtures. Unit tests use the "hashing" embedder (deterministic, no model); tests marked
`model` share one real multilingual-e5-small knowledge base, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "2020-12-14_naringslivsdialog.txt"
# A later meeting of the same dialogue, in the seed's layout (tests of updates and of several meetings).
SECOND_MINUTES = """Anteckningar näringslivsdialog 18 januari 2021

▪ Almi, Martin Hellström
– Brygglånen har förlängts till sommaren
– Efterfrågan på investeringslån ökar

▪ LRF, Anders Blomberg
– Skogsbruket går starkt, höga virkespriser
"""


def seed_variant() -> str:
    """The seed minutes with one figure changed: as many items, and not a duplicate (an update
    indexes identical files once)."""
    return SEED.read_text(encoding="utf-8").replace("500 fler", "501 fler")


@pytest.fixture
def corpus(tmp_path: Path) -> Path:
    """A corpus folder holding a copy of the first minutes."""
    folder = tmp_path / "corpus"
    folder.mkdir()
    shutil.copy(SEED, folder / SEED.name)
    return folder


@pytest.fixture
def run(tmp_path: Path, monkeypatch):
    """The `kb` command on the fake embedder, with its index in the test's folder."""
    from click.testing import CliRunner

    from kb.cli import cli

    monkeypatch.setenv("KB_MODEL", "hashing")
    monkeypatch.setenv("KB_INDEX", str(tmp_path / "index"))

    def invoke(*args):
        return CliRunner().invoke(cli, list(args), catch_exceptions=False)

    return invoke


@pytest.fixture
def kb_factory(tmp_path: Path):
    """Open knowledge bases on the fake embedder; all closed at the end of the test."""
    from kb import KnowledgeBase

    opened = []

    def make(index_dir: Path | None = None, model: str = "hashing"):
        kb = KnowledgeBase(index_dir or tmp_path / "index", model=model, log=lambda message: None)
        opened.append(kb)
        return kb

    yield make
    for kb in opened:
        kb.close()


@pytest.fixture(scope="session")
def real_kb(tmp_path_factory):
    """The seed minutes indexed with the real default model, once per test session."""
    from kb import KnowledgeBase

    index_dir = tmp_path_factory.mktemp("real") / "index"
    kb = KnowledgeBase(index_dir, log=lambda message: None)
    kb.update(SEED.parent, progress=False)
    yield kb
    kb.close()


class LocalCluster:
    """A Dask cluster of real processes on 127.0.0.1: a scheduler and named workers (one thread
    each, tests/cluster_worker.py preloaded), for `kb index --cluster`."""

    def __init__(self, root: Path):
        import os
        import subprocess
        import sys

        self.root, self.control = root, root / "control"
        self.control.mkdir(parents=True)
        self.env = {**os.environ, "KB_TEST_CLUSTER_CONTROL": str(self.control), "OMP_NUM_THREADS": "1",
                    "PYTHONPATH": str(ROOT)}
        self.dask = [sys.executable, "-m", "distributed.cli.dask_{}"]
        self.workers: dict[str, subprocess.Popen] = {}
        scheduler_file = root / "scheduler.json"
        # --idle-timeout: a scheduler left behind by a killed test run goes by itself (after 2 hours:
        # a shorter one shut it down while a session built its real-model index, 10 minutes on a busy machine).
        self.scheduler = self._start("scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", str(scheduler_file), "--idle-timeout", "7200")
        import json
        import time

        deadline = time.monotonic() + 60
        while not scheduler_file.exists() or not scheduler_file.read_text().strip():
            assert time.monotonic() < deadline and self.scheduler.poll() is None, "the scheduler did not start"
            time.sleep(0.1)
        self.address = json.loads(scheduler_file.read_text())["address"]
        from distributed import Client

        self.client = Client(self.address, set_as_default=False, timeout=30)

    def _start(self, kind: str, *args: str):
        import subprocess

        command = [self.dask[0], self.dask[1], self.dask[2].format(kind), *args]
        log = open(self.root / f"{kind}-{len(self.workers)}.log", "w")
        return subprocess.Popen(command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT)

    def start_workers(self, *names: str) -> None:
        for name in names:
            self.workers[name] = self._start("worker", self.address, "--name", name, "--nthreads", "1", "--no-nanny",
                                             "--no-dashboard", "--preload", "tests.cluster_worker",
                                             "--death-timeout", "60")  # gone with the scheduler
        self.client.wait_for_workers(len(self.workers), timeout=120)

    def restart_dead(self) -> None:
        """Start again the workers a test killed, so the next test has them all."""
        dead = [name for name, process in self.workers.items() if process.poll() is not None]
        if dead:
            self.start_workers(*dead)

    def model_loads(self) -> dict[str, list[str]]:
        """Per worker, the models it loaded."""
        from tests.cluster_worker import model_loads

        return self.client.run(model_loads)

    def close(self) -> None:
        self.client.close()
        for process in [*self.workers.values(), self.scheduler]:
            process.kill()
            process.wait()


@pytest.fixture(scope="session")
def local_cluster(tmp_path_factory):
    """A scheduler and two workers, "a" and "b", on 127.0.0.1, once per session."""
    pytest.importorskip("distributed")
    cluster = LocalCluster(tmp_path_factory.mktemp("cluster"))
    try:
        cluster.start_workers("a", "b")
        yield cluster
    finally:
        cluster.close()
