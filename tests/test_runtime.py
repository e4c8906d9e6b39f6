"""Embedding runtimes: fp32 (the model as loaded) and bf16 (torch autocast), named by a suffix of
the model name, which is the embedding cache's key and what an index records."""

from __future__ import annotations

import numpy as np
import pytest

from kb import KnowledgeBase
from kb.embed import BF16, FP32, default_runtime, load_embedder, split_runtime, with_runtime
from kb.errors import IndexMismatchError, ModelError
from kb.model_prep import DEFAULT_MODEL
from tests.conftest import ROOT, SEED

E5 = DEFAULT_MODEL


def test_names_carry_the_runtime(tmp_path):
    assert split_runtime(f"{E5}@bf16") == (E5, BF16)
    assert split_runtime(E5) == split_runtime(f"{E5}@fp32") == (E5, FP32)
    assert split_runtime("someone/model@v2") == ("someone/model@v2", FP32)  # not a runtime: part of the name
    folder = tmp_path / "model@bf16"
    folder.mkdir()
    assert split_runtime(str(folder)) == (str(folder), FP32)  # a folder is a folder
    assert with_runtime(E5, FP32) == E5 and with_runtime(E5, BF16) == f"{E5}@bf16"


def test_the_default_runtime_follows_kb_runtime(monkeypatch):
    monkeypatch.delenv("KB_MODEL", raising=False)
    monkeypatch.setenv("KB_RUNTIME", "fp32")
    assert load_embedder(None).name == E5
    monkeypatch.setenv("KB_RUNTIME", "BF16")
    assert load_embedder(None).name == f"{E5}@bf16" and load_embedder(None).runtime == BF16
    for amx, runtime in ((True, BF16), (False, FP32)):  # auto, also when KB_RUNTIME is not set
        monkeypatch.setattr("kb.embed._cpu_has_amx", lambda: amx)
        monkeypatch.setenv("KB_RUNTIME", "auto")
        assert default_runtime() == runtime
        monkeypatch.delenv("KB_RUNTIME")
        assert default_runtime() == runtime and load_embedder(None).runtime == runtime
    monkeypatch.setenv("KB_RUNTIME", "int3")
    with pytest.raises(ModelError, match="KB_RUNTIME"):
        load_embedder(None)


def test_a_named_model_keeps_its_runtime(monkeypatch):
    """A name given (by --model, KB_MODEL or an index) is taken as it is, whatever KB_RUNTIME says:
    an index built before runtimes existed records the bare name, and stays fp32."""
    monkeypatch.setenv("KB_RUNTIME", "bf16")
    assert load_embedder(E5).name == E5 and load_embedder(E5).runtime == FP32
    monkeypatch.setenv("KB_MODEL", f"{E5}@fp32")
    assert load_embedder(None).name == E5
    assert load_embedder("hashing").name == "hashing"


@pytest.mark.model
def test_bf16_vectors_are_fp32_vectors_on_real_text():
    """Cosine >= 0.9999 between the runtimes' vectors of every passage of the first minutes and
    of Swedish sentences with every letter (measured: min 0.99998 on them, 0.99999 on 256
    dev-corpus passages, BENCHMARKS.md section 9)."""
    from kb.pipeline import ParseJob, parse_file

    data = SEED.read_bytes()
    parsed = parse_file(ParseJob(SEED.name, SEED, "", data), "minutes")
    texts = [t for _, passages in parsed.passages for t in passages]
    texts += ["Åsa och Örjan åt ärtsoppa på torsdag, sa Ängelholms kommun.", "Budget 2021: 37 miljoner kr (ca 3,5 %)"]
    fp32, bf16 = load_embedder(f"{E5}@fp32"), load_embedder(f"{E5}@bf16")
    bf16._model = fp32.model  # one copy of the weights: autocast leaves them as they are
    a, b = fp32.embed_passages(texts), bf16.embed_passages(texts)
    assert a.shape == b.shape == (len(texts), 384) and len(texts) >= 20
    assert np.allclose(np.linalg.norm(b, axis=1), 1, atol=1e-5)
    assert (a * b).sum(axis=1).min() >= 0.9999


@pytest.mark.model
def test_the_other_runtime_finds_the_same_items(real_kb, tmp_path):
    """The seed indexed in the runtime the shared index does not use: its own name recorded, its
    vectors cached under it, and the same first hit for every question of both query sets."""
    from kb.evaluate import load_queries

    used = split_runtime(real_kb.model_name)[1]
    other = with_runtime(E5, FP32 if used == BF16 else BF16)
    with KnowledgeBase(tmp_path / "index", model=other, log=lambda message: None) as kb:
        kb.update(SEED.parent, progress=False)
        assert kb.model_name == other and kb.store.get_meta("model") == other
        ids, vectors = kb.store.passage_vectors(other)
        assert len(ids) == kb.store.counts()["passages"] >= 18
        assert len(kb.store.passage_vectors(real_kb.model_name)[0]) == 0  # nothing cached under the other key
        with KnowledgeBase(tmp_path / "index", model=real_kb.model_name) as mismatched, pytest.raises(IndexMismatchError):
            mismatched.embedder
        queries = load_queries(ROOT / "eval" / "dev_queries.jsonl") + load_queries(ROOT / "eval" / "heldout_queries.jsonl")
        differ = []
        for query in queries:
            a, b = real_kb.search(query["query"], k=1)[0], kb.search(query["query"], k=1)[0]
            if (a.source, a.line_start) != (b.source, b.line_start):
                differ.append(query["query"])
        assert len(queries) >= 75 and differ == []
