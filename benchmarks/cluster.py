"""Embedding on a Dask cluster (`kb index --cluster`) against embedding in the process, real model.

    .venv/bin/python benchmarks/cluster.py [--passages 1024]

The same passage texts (items of the dev corpus, eval/corpora, as kb embeds them: longest first,
chunks of 128) are embedded four ways, the model warm each time:
  local, 1 thread      kb.pipeline.LocalWork in this process, torch held to one thread
  local, all threads   the same with torch's default threads (what `kb index` does)
  cluster, 1 worker    kb.cluster.ClusterWork, a scheduler and one worker process (one thread)
  cluster, 2 workers   the same with two worker processes
on a local cluster on 127.0.0.1. Prints, for each, the wall time and passages/s, and the CPU
seconds spent: this process's (time.process_time) and, for the cluster, each worker process's
(all its threads: the task, its event loop, (de)serialising), read with Client.run before and
after. On a shared machine the wall times move with the load; CPU seconds do not, so the
per-core rate and the engine's overhead are taken from them:
  per-core rate      passages / CPU seconds of the embedding (local, 1 thread)
  engine overhead    (workers' CPU + this process's CPU, cluster of 1) / local 1-thread CPU - 1
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def passage_texts(limit: int) -> list[str]:
    from kb.corpus import list_corpus
    from kb.pipeline import EMBED_CHUNK, ParseJob, parse_file
    from kb.readers import read_bytes

    texts: dict[str, None] = {}
    for rel, file in sorted(list_corpus(ROOT / "eval" / "corpora").files.items()):
        data = read_bytes(file.path)
        parsed = parse_file(ParseJob(rel, file.path, "", data), "minutes")
        if isinstance(parsed, str):
            continue
        for _, item_texts in parsed.passages:
            texts.update(dict.fromkeys(item_texts))
        if len(texts) >= limit:
            break
    chosen = sorted(list(texts)[:limit], key=len, reverse=True)
    return [chosen[start : start + EMBED_CHUNK] for start in range(0, len(chosen), EMBED_CHUNK)]


def worker_cpu() -> float:
    return time.process_time()


def timed(work, embedder, chunks, client=None) -> tuple[float, float, float]:
    """(wall s, this process's CPU s, the workers' CPU s)."""
    workers_before = sum(client.run(worker_cpu).values()) if client else 0.0
    cpu, started = time.process_time(), time.perf_counter()
    for _ in work.embed(embedder, chunks):
        pass
    wall, cpu = time.perf_counter() - started, time.process_time() - cpu
    workers = sum(client.run(worker_cpu).values()) - workers_before if client else 0.0
    return wall, cpu, workers


def start_cluster(workers: int, folder: Path):
    python = sys.executable
    scheduler_file = folder / "scheduler.json"
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    processes = [subprocess.Popen([python, "-m", "distributed.cli.dask_scheduler", "--host", "127.0.0.1", "--port", "0",
                                   "--no-dashboard", "--scheduler-file", str(scheduler_file)],
                                  env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)]
    while not scheduler_file.exists() or not scheduler_file.read_text().strip():
        time.sleep(0.1)
    address = json.loads(scheduler_file.read_text())["address"]
    for number in range(workers):
        processes.append(subprocess.Popen([python, "-m", "distributed.cli.dask_worker", address, "--nthreads", "1",
                                           "--no-nanny", "--no-dashboard", "--name", f"w{number}"],
                                          env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL))
    return address, processes


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--passages", type=int, default=1024)
    args = parser.parse_args()

    import torch

    from kb.cluster import ClusterWork
    from kb.embed import load_embedder
    from kb.pipeline import LocalWork

    chunks = passage_texts(args.passages)
    count = sum(len(chunk) for chunk in chunks)
    embedder = load_embedder(None, log=lambda message: None)
    embedder.embed_passages(chunks[-1][:8])  # warm: the model loaded
    results = {}
    default_threads = torch.get_num_threads()
    torch.set_num_threads(1)
    results["local, 1 thread"] = timed(LocalWork(), embedder, chunks)
    torch.set_num_threads(default_threads)
    results[f"local, all threads ({default_threads})"] = timed(LocalWork(), embedder, chunks)
    for workers in (1, 2):
        with tempfile.TemporaryDirectory() as folder:
            address, processes = start_cluster(workers, Path(folder))
            try:
                started = time.perf_counter()
                with ClusterWork(address, log=lambda message: None) as work:
                    work.client.wait_for_workers(workers, timeout=120)
                    ready = time.perf_counter() - started
                    # Warm every worker: each loads the model once, on its first chunk.
                    list(work.embed(embedder, [chunk[:4] for chunk in chunks[: 2 * workers]]))
                    results[f"cluster, {workers} worker(s)"] = timed(work, embedder, chunks, work.client)
                    print(f"cluster of {workers}: connected and workers up in {ready:.1f} s", file=sys.stderr)
            finally:
                for process in processes:
                    process.kill()
                    process.wait()
    print(f"{count} passages in {len(chunks)} chunks; load average at the end {os.getloadavg()[0]:.1f}")
    print("run\twall s\tpassages/s (wall)\tthis process CPU s\tworkers CPU s")
    for name, (wall, cpu, workers) in results.items():
        print(f"{name}\t{wall:.1f}\t{count / wall:.1f}\t{cpu:.1f}\t{workers:.1f}")
    local_cpu = results["local, 1 thread"][1]
    _, driver_cpu, workers_cpu = results["cluster, 1 worker(s)"]
    print(f"per-core rate (local, 1 thread): {count / local_cpu:.1f} passages per CPU second; "
          f"on the worker: {count / workers_cpu:.1f}")
    print(f"engine overhead in CPU (cluster of 1: workers {workers_cpu:.1f} + this process {driver_cpu:.1f} s, "
          f"against {local_cpu:.1f} s): {(workers_cpu + driver_cpu) / local_cpu - 1:+.1%}")


if __name__ == "__main__":
    main()
