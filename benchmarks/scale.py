"""Scale: memory, index size, build time, search latency and recall at 10k, 100k and 1M items.

Two parts, all on SYNTHETIC data (benchmarks/synthetic.py):
- vectors: `kb.vectors.VectorIndex` at each size, exact (flat) and approximate (IVF) side by
  side, plus the type kb picks by size; recall@10 of each against exact search (numpy), warm
  search latency (k=50, kb's dense depth), filtered search, the vector side of an update
  (remove + add 20 vectors, save), file size and the resident memory of a fresh process that
  loads the file. Vectors are synthetic (clustered like real embeddings), so 1M fits in minutes.
- pipeline: whole knowledge bases (`KnowledgeBase.update` over generated minutes: parsing, SQLite,
  lexical index, FAISS) at 10k and 100k items, with synthetic passage vectors and real query
  vectors; build time and peak memory, size on disk, and warm `KnowledgeBase.search` latency
  and memory in a fresh process.

    .venv/bin/python benchmarks/scale.py [--quick] [--sizes 10000,100000,1000000] [--pipeline 10000,100000]
"""

from __future__ import annotations

import json
import math
import shutil
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import WORK, dir_bytes, parser, peak_rss_mib, quiet, report, rss_mib, stats_ms

from synthetic import SyntheticPassageEmbedder, anchors, synthetic_vectors, write_corpus

QUERIES = [
    "what did Almi say about bridge loans", "Vad sa Almi om brygglånen?", "short-time work layoffs",
    "Hur går exporten?", "tourism in the region", "kompetensförsörjning och rekrytering",
    "train and flight connections", "energipriserna", "bankruptcies rising", "Företagarna om likviditeten",
]


def exact_topk(X: np.ndarray, Q: np.ndarray, k: int, allowed: np.ndarray | None = None) -> np.ndarray:
    sub = X if allowed is None else X[allowed]
    best_s = np.full((len(Q), k), -np.inf, np.float32)
    best_i = np.zeros((len(Q), k), np.int64)
    for start in range(0, len(sub), 200_000):
        s = Q @ sub[start : start + 200_000].T
        idx = np.arange(start, start + s.shape[1])
        s_all = np.concatenate([best_s, s], axis=1)
        i_all = np.concatenate([best_i, np.broadcast_to(idx, s.shape)], axis=1)
        top = np.argpartition(-s_all, k - 1, axis=1)[:, :k]
        best_s = np.take_along_axis(s_all, top, 1)
        best_i = np.take_along_axis(i_all, top, 1)
    return best_i if allowed is None else allowed[best_i]


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[:10].tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))


def vectors_at(n: int, anchor_vectors: np.ndarray, scratch: Path, queries: int) -> dict:
    import kb.vectors as V

    X = synthetic_vectors(n, anchor_vectors, seed=n)
    Q = synthetic_vectors(queries, anchor_vectors, seed=12345)
    ids = np.arange(n, dtype=np.int64)
    truth = exact_topk(X, Q, 10)
    rng = np.random.default_rng(1)
    out = {"items": n, "kb_picks": "flat" if n <= V.FLAT_MAX else "ivf"}
    for kind in ("flat", "ivf"):
        saved = V.FLAT_MAX
        V.FLAT_MAX = n if kind == "flat" else 0
        start = time.perf_counter()
        index = V.VectorIndex(X.shape[1])
        index.add(ids, X)
        build = time.perf_counter() - start
        V.FLAT_MAX = saved
        assert index.kind == kind
        row = {"build_s": round(build, 2)}
        if kind == "ivf":
            row.update(nlist=index._ivf.nlist, nprobe=index._ivf.nprobe)
        times, found10, found50 = [], [], []
        for q in Q:
            t = time.perf_counter()
            got, _ = index.search(q, 50)
            times.append(time.perf_counter() - t)
            found50.append(got)
        for q in Q:
            found10.append(index.search(q, 10)[0])
        row["search_k50"] = stats_ms(times)
        if kind == "ivf":  # what other nprobe values would give: the basis of NPROBE_SHARE
            sweep = {}
            for share in (1 / 32, 1 / 16, 1 / 8, 1 / 4, 1 / 2):
                nprobe = max(1, int(index._ivf.nlist * share))
                params = V.faiss.SearchParametersIVF(nprobe=nprobe)
                t = time.perf_counter()
                got = [index.index.search(q.reshape(1, -1), 10, params=params)[1][0] for q in Q]
                sweep[f"1/{round(1 / share)}"] = {"nprobe": nprobe, "recall@10": round(recall(got, truth), 4),
                                                  "median_ms_k10": stats_ms([(time.perf_counter() - t) / len(Q)])["median_ms"]}
            row["nprobe_sweep"] = sweep
        row["recall@10_k10"] = round(recall(found10, truth), 4)
        row["recall@10_in_k50"] = round(recall(found50, truth), 4)
        filtered = {}
        for share in (0.001, 0.1):
            allowed = np.sort(rng.choice(n, max(10, int(n * share)), replace=False))
            ftruth = exact_topk(X, Q[:50], 10, allowed)
            ftimes, ffound = [], []
            for q in Q[:50]:
                t = time.perf_counter()
                ffound.append(index.search(q, 10, allowed)[0])
                ftimes.append(time.perf_counter() - t)
            filtered[f"{share:g}"] = {"allowed": len(allowed), **stats_ms(ftimes), "recall@10": round(recall(ffound, ftruth), 4)}
        row["filtered"] = filtered
        path = scratch / f"{kind}-{n}.faiss"
        t = time.perf_counter()
        index.save(path)
        row["save_s"] = round(time.perf_counter() - t, 2)
        row["file_mb"] = round(path.stat().st_size / 1e6, 1)
        # The vector side of adding one changed meeting: remove its 20 passages, add 20, save.
        t = time.perf_counter()
        index.remove(list(range(20)))
        index.add(ids[:20], X[:20])
        index.save(path.with_suffix(".upd"))
        row["update_20_vectors_s"] = round(time.perf_counter() - t, 2)
        path.with_suffix(".upd").unlink()
        row["fresh_process"] = child("load", str(path))
        path.unlink()
        out[kind] = row
        del index
    return out


def pipeline_at(items: int, anchor_vectors_path: Path, scratch: Path) -> dict:
    meetings = math.ceil(items / 18)  # the generator makes about 18 items per meeting
    corpus = scratch / f"corpus-{items}"
    index_dir = scratch / f"index-{items}"
    write_corpus(corpus, meetings, seed=3)
    built = child("build", str(corpus), str(index_dir), str(anchor_vectors_path))
    sqlite = dir_bytes(index_dir) - sum(p.stat().st_size for p in index_dir.glob("vectors.*.faiss"))
    faiss_bytes = sum(p.stat().st_size for p in index_dir.glob("vectors.*.faiss"))
    searched = child("search", str(index_dir))
    shutil.rmtree(corpus)
    shutil.rmtree(index_dir)
    return {
        "target_items": items,
        "meetings": meetings,
        **built,
        "sqlite_mb": round(sqlite / 1e6, 1),
        "vectors_mb": round(faiss_bytes / 1e6, 1),
        "search": searched,
    }


def child(*args: str) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True, text=True, check=False)
    if run.returncode:
        raise RuntimeError(run.stderr[-3000:])
    return json.loads(run.stdout.strip().splitlines()[-1])


def child_main(args: list[str]) -> None:
    kind = args[0]
    if kind == "load":
        from kb.vectors import VectorIndex

        before = rss_mib()
        t = time.perf_counter()
        index = VectorIndex.load(Path(args[1]))
        load = time.perf_counter() - t
        q = np.random.default_rng(0).normal(size=index.dim).astype(np.float32)
        times = []
        for _ in range(30):
            t = time.perf_counter()
            index.search(q / np.linalg.norm(q), 50)
            times.append(time.perf_counter() - t)
        result = {"load_s": round(load, 2), "rss_before_mb": before, "rss_after_mb": rss_mib(), "search_k50": stats_ms(times)}
    elif kind == "build":
        from kb.knowledge_base import KnowledgeBase

        kb = KnowledgeBase(args[2], log=quiet)
        kb._embedder = SyntheticPassageEmbedder(np.load(args[3]))
        t = time.perf_counter()
        summary = kb.update(args[1], progress=False)
        result = {
            "items": summary.items_total,
            "build_s": round(time.perf_counter() - t, 1),
            "build_peak_rss_mb": peak_rss_mib(),
            "vector_index": kb._vectors.kind,
        }
        kb.close()
    else:  # search
        from kb.knowledge_base import KnowledgeBase

        before = rss_mib()
        kb = KnowledgeBase(args[1], log=quiet)
        t = time.perf_counter()
        kb.search(QUERIES[0], mode="hybrid")
        first = time.perf_counter() - t
        result = {"rss_before_mb": before, "first_search_s": round(first, 2)}
        for mode in ("hybrid", "dense", "lexical"):
            times = []
            for _ in range(3):
                for query in QUERIES:
                    t = time.perf_counter()
                    kb.search(query, k=5, mode=mode)
                    times.append(time.perf_counter() - t)
            result[mode] = stats_ms(times)
        result["rss_after_mb"] = rss_mib()
        kb.close()
    print(json.dumps(result))


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sizes", help="vector-level sizes (default 10000,100000,1000000; quick 10000,100000)")
    p.add_argument("--pipeline", help="whole-knowledge-base sizes in items (default 10000,100000; quick 10000)")
    p.add_argument("--queries", type=int, default=200)
    args = p.parse_args()
    sizes = [int(s) for s in (args.sizes if args.sizes is not None else ("10000,100000" if args.quick else "10000,100000,1000000")).split(",") if s]
    pipeline_sizes = [int(s) for s in (args.pipeline if args.pipeline is not None else ("10000" if args.quick else "10000,100000")).split(",") if s]

    scratch = WORK / "scale"
    shutil.rmtree(scratch, ignore_errors=True)
    scratch.mkdir(parents=True)
    anchor_path = WORK / "anchors-1000.npy"
    anchor_vectors = anchors(1000, cache=anchor_path)

    vectors = [vectors_at(n, anchor_vectors, scratch, args.queries) for n in sizes]
    pipelines = [pipeline_at(n, anchor_path, scratch) for n in pipeline_sizes]
    shutil.rmtree(scratch, ignore_errors=True)

    summary = ["vectors (synthetic, 384-d):  size | kind | build s | search k=50 median/p95 ms | recall@10 (k=10 / in k=50) | file MB | RSS of a loaded process MB | update 20 vectors s"]
    for v in vectors:
        for kind in ("flat", "ivf"):
            r = v[kind]
            mark = "*" if v["kb_picks"] == kind else " "
            summary.append(
                f"  {v['items']:>9,} {mark}{kind:<4} {r['build_s']:>7} | {r['search_k50']['median_ms']:>6} / {r['search_k50']['p95_ms']:<6} | "
                f"{r['recall@10_k10']:.3f} / {r['recall@10_in_k50']:.3f} | {r['file_mb']:>7} | {r['fresh_process']['rss_after_mb']:>7} | {r['update_20_vectors_s']}"
                + (f"  (nlist {r['nlist']}, nprobe {r['nprobe']})" if kind == "ivf" else "")
            )
    summary.append("  (* = the type kb picks at that size)")
    for pl in pipelines:
        s = pl["search"]
        summary.append(
            f"knowledge base, {pl['items']:,} items ({pl['meetings']:,} synthetic meetings): build {pl['build_s']} s, peak {pl['build_peak_rss_mb']} MB; "
            f"on disk sqlite {pl['sqlite_mb']} MB + vectors {pl['vectors_mb']} MB; search median/p95 ms hybrid "
            f"{s['hybrid']['median_ms']}/{s['hybrid']['p95_ms']}, dense {s['dense']['median_ms']}/{s['dense']['p95_ms']}, "
            f"lexical {s['lexical']['median_ms']}/{s['lexical']['p95_ms']}; RSS {s['rss_after_mb']} MB"
        )
    report("scale", {"vectors": vectors, "pipeline": pipelines}, summary, args.out)


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
