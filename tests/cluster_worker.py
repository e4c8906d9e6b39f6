"""Preloaded into the test cluster's workers (`dask worker --preload tests.cluster_worker`):
counts model loads, and lets a test make the workers slow or kill one, through files in the
folder KB_TEST_CLUSTER_CONTROL names: `slow` (each chunk takes 0.2 s more), `die-NAME` (the
worker named NAME kills itself with SIGKILL at its next chunk; the file is removed first).
Importing it elsewhere changes nothing: the patching is done in `dask_setup`, on a worker."""

import os
import signal
import time
from pathlib import Path

import kb.cluster


def dask_setup(worker):
    if hasattr(kb.cluster, "_test_state"):  # patched once per process
        return
    state = kb.cluster._test_state = {"name": worker.name, "loads": [], "control": Path(os.environ["KB_TEST_CLUSTER_CONTROL"])}
    embed_chunk, load_embedder = kb.cluster._embed_chunk, kb.cluster.load_embedder

    def counted_load(model, **kwargs):
        state["loads"].append(model)
        return load_embedder(model, **kwargs)

    def controlled_embed(model, texts):
        die = state["control"] / f"die-{state['name']}"
        if die.exists():
            die.unlink()
            os.kill(os.getpid(), signal.SIGKILL)
        if (state["control"] / "slow").exists():
            time.sleep(0.2)
        return embed_chunk(model, texts)

    kb.cluster.load_embedder = counted_load
    kb.cluster._embed_chunk = controlled_embed


def model_loads() -> list[str]:
    """On a worker: the models it loaded."""
    return list(kb.cluster._test_state["loads"])
