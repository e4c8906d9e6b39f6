"""Where a Dask worker's extra CPU goes: one chunk of 128 texts embedded as a task on a worker
(one thread, OMP_NUM_THREADS=1), timed inside the task (its thread's CPU and its process's CPU),
against the same chunk in this process with torch on one thread. BENCHMARKS.md, "Distributed indexing".

    .venv/bin/python benchmarks/cluster_probe.py

Prints (torch threads on the worker, the task thread's CPU s, the worker process's CPU s, threads
alive in the worker), then this process's CPU s for the same chunk.
"""
import json, os, subprocess, sys, tempfile, time
from pathlib import Path
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
folder = Path(tempfile.mkdtemp())
env = {**os.environ, "OMP_NUM_THREADS": "1"}
py = sys.executable
s = subprocess.Popen([py, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(folder / "s.json")], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
while not (folder / "s.json").exists() or not (folder / "s.json").read_text().strip(): time.sleep(0.1)
addr = json.loads((folder / "s.json").read_text())["address"]
w = subprocess.Popen([py, "-m", "distributed.cli.dask_worker", addr, "--nthreads", "1", "--no-nanny", "--no-dashboard"], env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
from distributed import Client
c = Client(addr); c.wait_for_workers(1)
def probe(texts):
    import time, torch, threading
    import kb.cluster
    kb.cluster._embed_chunk("intfloat/multilingual-e5-small", texts[:4])
    t, p = time.thread_time(), time.process_time()
    kb.cluster._embed_chunk("intfloat/multilingual-e5-small", texts)
    return torch.get_num_threads(), time.thread_time() - t, time.process_time() - p, threading.active_count()
texts = ["Kommunstyrelsen beslutade att anta budgeten för nästa år med tillägg om skolans lokaler. " * 4] * 128
print(c.submit(probe, texts).result())
import torch; from kb.embed import load_embedder
torch.set_num_threads(1)
e = load_embedder(None); e.embed_passages(texts[:4])
t = time.process_time(); e.embed_passages(texts); print("local 1 thread CPU", time.process_time() - t)
c.close(); w.kill(); s.kill()
