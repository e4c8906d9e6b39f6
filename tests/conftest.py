"""Shared fixtures. Unit tests use the "hashing" embedder (deterministic, no model); tests marked
`model` share one real multilingual-e5-small knowledge base, built once per session."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SEED = ROOT / "corpus" / "2020-12-14_naringslivsdialog.txt"


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
