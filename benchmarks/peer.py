"""Side by side with txtai: the same corpus, the same model, the same texts, in one run.

txtai lives in its own venv (its dependencies must not touch kb's):
    python3 -m venv /tmp/peer-venv
    /tmp/peer-venv/bin/pip install torch==2.13.0 txtai faiss-cpu sentence-transformers
    .venv/bin/python benchmarks/peer.py [--quick] [--peer-python /tmp/peer-venv/bin/python]

The corpus is the seed minutes plus SYNTHETIC minutes (benchmarks/synthetic.py). txtai gets
exactly the passage texts kb embeds (each item with its context line), the prepared
multilingual-e5-small folder (kb.model_prep.default_model_dir) with the E5 prefixes as
instructions, content storage and hybrid (BM25 + dense) search; kb is asked for its hybrid mode too.
Measured, each side in its own new process, alternated kb, txtai, txtai, kb:
  - indexing: the whole process (imports, model load, index, save) and the index call alone;
  - warm query latency: median over the dev queries (eval/dev_queries.jsonl) in one process;
  - cold start: one search as a new process, from start to printed hits (hyperfine).
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from common import KB_BIN, SEED_CORPUS, WORK, parser, quiet, report, stats_ms

from search_latency import QUERY, cold, queries
from synthetic import write_corpus

HERE = Path(__file__).resolve().parent


def kb_child(argv: list[str]) -> None:
    """This venv's side: `index CORPUS INDEX` or `warm INDEX QUERIES.json ROUNDS`; prints JSON."""
    start = time.perf_counter()
    from kb.knowledge_base import KnowledgeBase

    imported = time.perf_counter() - start
    if argv[0] == "index":
        kb = KnowledgeBase(argv[2], log=quiet)
        t = time.perf_counter()
        summary = kb.update(argv[1], progress=False)
        print(json.dumps({"import_s": imported, "index_s": time.perf_counter() - t, "count": summary.items_total}))
    else:
        kb = KnowledgeBase(argv[1], log=quiet)
        qs, rounds = json.load(open(argv[2])), int(argv[3])
        kb.search(qs[0], k=5, mode="hybrid")
        times = []
        for _ in range(rounds):
            for q in qs:
                t = time.perf_counter()
                kb.search(q, k=5, mode="hybrid")
                times.append(time.perf_counter() - t)
        print(json.dumps({"times": times}))


def timed(cmd: list[str]) -> tuple[float, dict]:
    t = time.perf_counter()
    run = subprocess.run(cmd, capture_output=True, text=True)
    elapsed = time.perf_counter() - t
    if run.returncode:
        raise RuntimeError(f"{cmd}: {run.stderr[-2000:]}")
    return elapsed, json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--peer-python", default="/tmp/peer-venv/bin/python")
    p.add_argument("--meetings", type=int, help="synthetic meetings besides the seed (default 30, quick 5)")
    args = p.parse_args()
    meetings = args.meetings if args.meetings is not None else (5 if args.quick else 30)
    rounds = 2 if args.quick else 5

    from kb.embed import cache_dir, text_hash
    from kb.minutes import parse_minutes
    from kb.pipeline import passages_of
    from kb.model_prep import default_model_dir, prepare_default_model
    from kb.readers import read_document

    model_dir = prepare_default_model(cache_dir(), log=quiet)
    assert model_dir == default_model_dir(cache_dir())
    scratch = Path(tempfile.mkdtemp(prefix="peer-", dir=_mk(WORK)))
    corpus = scratch / "corpus"
    write_corpus(corpus, meetings, seed=11)
    for seed in SEED_CORPUS.iterdir():
        shutil.copy(seed, corpus / seed.name)
    texts = {}
    for path in sorted(corpus.iterdir()):
        for _, passages in passages_of(parse_minutes(read_document(path))):
            for text in passages:
                texts.setdefault(text_hash(text), text)
    texts_file = scratch / "texts.json"
    texts_file.write_text(json.dumps(list(texts.values()), ensure_ascii=False))
    queries_file = scratch / "queries.json"
    queries_file.write_text(json.dumps(queries(), ensure_ascii=False))

    me = [sys.executable, __file__, "--kb-child"]
    peer = [args.peer_python, str(HERE / "peer_txtai.py")]
    kb_index, txtai_index = scratch / "kb-index", scratch / "txtai-index"
    runs = {"kb": [], "txtai": []}
    for side in (["kb", "txtai"] if args.quick else ["kb", "txtai", "txtai", "kb"]):
        if side == "kb":
            shutil.rmtree(kb_index, ignore_errors=True)
            runs["kb"].append(timed([*me, "index", str(corpus), str(kb_index)]))
        else:
            shutil.rmtree(txtai_index, ignore_errors=True)
            runs["txtai"].append(timed([*peer, "index", str(texts_file), str(txtai_index), str(model_dir)]))

    warm = {
        "kb": stats_ms(timed([*me, "warm", str(kb_index), str(queries_file), str(rounds)])[1]["times"]),
        "txtai": stats_ms(timed([*peer, "warm", str(txtai_index), str(queries_file), str(rounds)])[1]["times"]),
    }
    cold_figures = cold(
        {
            "kb search": [str(KB_BIN), "search", "--index", str(kb_index), "--mode", "hybrid", QUERY],
            "txtai search": [*peer, "search", str(txtai_index), QUERY],
        },
        5 if args.quick else 10,
    )
    shutil.rmtree(scratch, ignore_errors=True)

    def mean(side: str, key: str | None) -> float:
        values = [wall if key is None else result[key] for wall, result in runs[side]]
        return sum(values) / len(values)

    indexing = {
        side: {
            "process_s": [round(w, 2) for w, _ in runs[side]],
            "index_call_s": [round(r["index_s"], 2) for _, r in runs[side]],
            "import_s": [round(r["import_s"], 2) for _, r in runs[side]],
            "count": runs[side][0][1]["count"],
        }
        for side in runs
    }
    ratios = {
        "indexing_process_kb_over_txtai": round(mean("kb", None) / mean("txtai", None), 3),
        "indexing_call_kb_over_txtai": round(mean("kb", "index_s") / mean("txtai", "index_s"), 3),
        "warm_query_kb_over_txtai": round(warm["kb"]["median_ms"] / warm["txtai"]["median_ms"], 3),
        "cold_start_kb_over_txtai": round(cold_figures["kb search"]["median_ms"] / cold_figures["txtai search"]["median_ms"], 3),
    }
    figures = {
        "corpus": {"seed_files": 1, "synthetic_meetings": meetings, "passages": len(texts)},
        "model_dir": str(model_dir),
        "indexing": indexing,
        "warm_query": warm,
        "cold": cold_figures,
        "ratios": ratios,
    }
    summary = [
        f"corpus: seed + {meetings} synthetic meetings, {len(texts)} passages; kb counts {indexing['kb']['count']} items, txtai {indexing['txtai']['count']} passages",
        f"indexing, whole process s: kb {indexing['kb']['process_s']} txtai {indexing['txtai']['process_s']} -> kb/txtai {ratios['indexing_process_kb_over_txtai']}",
        f"indexing, index call s (model load included; kb's includes importing torch, txtai's import does that): kb {indexing['kb']['index_call_s']} txtai {indexing['txtai']['index_call_s']} -> kb/txtai {ratios['indexing_call_kb_over_txtai']}",
        f"warm query median / p95 ms (hybrid both): kb {warm['kb']['median_ms']} / {warm['kb']['p95_ms']}, txtai {warm['txtai']['median_ms']} / {warm['txtai']['p95_ms']} -> kb/txtai {ratios['warm_query_kb_over_txtai']}",
        f"cold start median ms ({cold_figures['tool']}): kb {cold_figures['kb search']['median_ms']}, txtai {cold_figures['txtai search']['median_ms']} -> kb/txtai {ratios['cold_start_kb_over_txtai']}",
    ]
    report("peer", figures, summary, args.out)


def _mk(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--kb-child":
        kb_child(sys.argv[2:])
    else:
        main()
