"""The txtai side of benchmarks/peer.py; runs in txtai's own venv (see peer.py), not kb's.

    python peer_txtai.py index TEXTS.json OUT_DIR MODEL_DIR   -> JSON timings
    python peer_txtai.py warm OUT_DIR QUERIES.json ROUNDS     -> JSON latencies
    python peer_txtai.py search OUT_DIR QUERY                 -> prints hits (the cold-start command)
"""

import json
import statistics
import sys
import time

start = time.perf_counter()
from txtai import Embeddings  # noqa: E402

imported = time.perf_counter() - start


def main(argv):
    kind = argv[0]
    if kind == "index":
        texts, out, model = json.load(open(argv[1])), argv[2], argv[3]
        t = time.perf_counter()
        embeddings = Embeddings(
            path=model, content=True, hybrid=True, backend="faiss",
            instructions={"query": "query: ", "data": "passage: "},
        )
        embeddings.index([(i, text, None) for i, text in enumerate(texts)])
        index = time.perf_counter() - t  # includes loading the model, as txtai loads it here
        t = time.perf_counter()
        embeddings.save(out)
        save = time.perf_counter() - t
        print(json.dumps({"import_s": imported, "index_s": index, "save_s": save, "count": embeddings.count()}))
    elif kind == "warm":
        embeddings = Embeddings()
        embeddings.load(argv[1])
        queries, rounds = json.load(open(argv[2])), int(argv[3])
        embeddings.search(queries[0], 5)
        times = []
        for _ in range(rounds):
            for q in queries:
                t = time.perf_counter()
                embeddings.search(q, 5)
                times.append(time.perf_counter() - t)
        print(json.dumps({"times": times, "median_ms": statistics.median(times) * 1000}))
    else:
        embeddings = Embeddings()
        embeddings.load(argv[1])
        for hit in embeddings.search(argv[2], 5):
            print(f"{hit['score']:.3f} {hit['text'][:100]}")


if __name__ == "__main__":
    main(sys.argv[1:])
