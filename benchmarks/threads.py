"""Threads for one query: cold `kb search` on a busy machine, with the thread count the libraries
choose and with OMP_NUM_THREADS=1, side by side, now and (with --before COMMIT) as kb was then.

kb holds its thread pools to one thread during a search (issue 10, item 19): the two columns should
match for the current code, while before the fix the default was several times slower on a busy
2-core machine. The machine is made busy by one spinning process per core, for the whole run.

    .venv/bin/python benchmarks/threads.py [--quick] [--before COMMIT]
"""

from __future__ import annotations

import multiprocessing
import os
import subprocess
import sys
import time
from pathlib import Path

from common import KB_BIN, ROOT, SEED_CORPUS, WORK, parser, report, stats_ms

QUERY = "what did Almi say about bridge loans"


def spin(stop) -> None:
    while not stop.is_set():
        pass


def cold_runs(command: list[str], env: dict, cwd: Path, runs: int) -> dict:
    times = []
    for i in range(runs + 1):  # the first run warms the page cache
        start = time.perf_counter()
        subprocess.run(command, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=env, cwd=cwd)
        if i:
            times.append(time.perf_counter() - start)
    return stats_ms(times)


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--before", help="also measure kb as it was at this commit (extracted with git archive)")
    args = p.parse_args()
    runs = 5 if args.quick else 15
    index = WORK / "threads-index"
    subprocess.run([str(KB_BIN), "index", str(SEED_CORPUS), "--index", str(index)], check=True,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    versions = {"now": ROOT}
    if args.before:
        old = WORK / f"kb-{args.before}"
        if not old.exists():
            old.mkdir(parents=True)
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", args.before], check=True, capture_output=True).stdout
            subprocess.run(["tar", "-x", "-C", str(old)], input=archive, check=True)
        versions[args.before] = old
    base_env = {key: value for key, value in os.environ.items() if not key.endswith("_NUM_THREADS")}
    stop = multiprocessing.Event()
    busy = [multiprocessing.Process(target=spin, args=(stop,), daemon=True) for _ in range(os.cpu_count() or 1)]
    for process in busy:
        process.start()
    figures: dict = {"runs": runs, "busy_processes": len(busy)}
    try:
        for name, source in versions.items():
            command = [sys.executable, "-m", "kb", "search", QUERY, "-k", "5", "--index", str(index)]
            env = {**base_env, "PYTHONPATH": str(source)}  # and run from there: `-m` looks in the cwd first
            figures[name] = {
                "default threads": cold_runs(command, env, source, runs),
                "OMP_NUM_THREADS=1": cold_runs(command, {**env, "OMP_NUM_THREADS": "1", "OPENBLAS_NUM_THREADS": "1"},
                                               source, runs),
            }
    finally:
        stop.set()
        for process in busy:
            process.join()
    summary = [
        f"{name}: cold kb search median {f['default threads']['median_ms']:.0f} ms with the default threads, "
        f"{f['OMP_NUM_THREADS=1']['median_ms']:.0f} ms with OMP_NUM_THREADS=1 ({len(busy)} spinning processes)"
        for name, f in figures.items() if isinstance(f, dict)
    ]
    report("threads", figures, summary, args.out)


if __name__ == "__main__":
    main()
