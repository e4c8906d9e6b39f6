"""Dask distributed against Ray Core, for kb's distributed indexing: what each costs before any
work is done. Run it with each engine's venv (the engines are not in kb's own venv together):

    python3 -m venv /tmp/eng/dask-venv && /tmp/eng/dask-venv/bin/pip install distributed
    python3 -m venv /tmp/eng/ray-venv && /tmp/eng/ray-venv/bin/pip install ray
    /tmp/eng/dask-venv/bin/python benchmarks/cluster_engines.py dask
    /tmp/eng/ray-venv/bin/python benchmarks/cluster_engines.py ray

Measures, on a local cluster of two worker processes (one thread each) on 127.0.0.1: the import,
the cluster's start to the first task's result, one task's round trip (submit, run, result; 200
in a row), a batch of 2,000 tiny tasks, and shipping a file's 1 MB of bytes to a worker and a
384 x 128 float32 matrix (one embedded chunk) back. Each figure is the median of `--rounds`.
"""

from __future__ import annotations

import statistics
import sys
import time


def tiny(x):
    return x + 1


def echo_size(data: bytes):
    return bytes(4 * 384 * 128) if data else b""


def dask_round():
    started = time.perf_counter()
    from distributed import Client, LocalCluster

    imported = time.perf_counter()
    cluster = LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                           dashboard_address=None)
    client = Client(cluster)
    client.submit(tiny, 1).result()
    ready = time.perf_counter()
    t = time.perf_counter()
    for i in range(200):
        client.submit(tiny, i, pure=False).result()
    round_trip = (time.perf_counter() - t) / 200
    t = time.perf_counter()
    client.gather(client.map(tiny, range(2000), pure=False))
    batch = time.perf_counter() - t
    payload = bytes(2**20)
    t = time.perf_counter()
    for _ in range(20):
        client.submit(echo_size, payload, pure=False).result()
    ship = (time.perf_counter() - t) / 20
    client.close()
    cluster.close()
    return imported - started, ready - imported, round_trip, batch, ship


def ray_round():
    started = time.perf_counter()
    import ray

    imported = time.perf_counter()
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, _node_ip_address="127.0.0.1")
    remote_tiny = ray.remote(num_cpus=1)(tiny)
    remote_echo = ray.remote(num_cpus=1)(echo_size)
    ray.get(remote_tiny.remote(1))
    ready = time.perf_counter()
    t = time.perf_counter()
    for i in range(200):
        ray.get(remote_tiny.remote(i))
    round_trip = (time.perf_counter() - t) / 200
    t = time.perf_counter()
    ray.get([remote_tiny.remote(i) for i in range(2000)])
    batch = time.perf_counter() - t
    payload = bytes(2**20)
    t = time.perf_counter()
    for _ in range(20):
        ray.get(remote_echo.remote(payload))
    ship = (time.perf_counter() - t) / 20
    ray.shutdown()
    return imported - started, ready - imported, round_trip, batch, ship


def main() -> None:
    engine = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 1
    # One round per process: the import is only cold once.
    results = [{"dask": dask_round, "ray": ray_round}[engine]() for _ in range(rounds)]
    names = ["import s", "start to first result s", "one task round trip ms", "2,000 tasks s", "1 MB in, 196 KB out ms"]
    for position, name in enumerate(names):
        value = statistics.median(r[position] for r in results)
        scale = 1000 if name.endswith("ms") else 1
        print(f"{engine}\t{name}\t{value * scale:.3f}")


if __name__ == "__main__":
    main()
