"""Retrieval quality on a query set: hit@1, hit@3, MRR@10 and recall@10 per search mode.

A query set is JSON Lines, one object a line: {"query": ..., "expected": "<text the right item
contains>"} or {"query": ..., "expected_id": <item id>}; other keys (id, lang, tags) are carried
along. Each query has one right item, so recall@10 is the share found in the top ten.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError
from kb.search import Hit

DEPTH = 10


@dataclass
class QueryResult:
    query: dict
    rank: int | None  # 1-based rank of the right item within the top DEPTH, or None


def load_queries(path: str | Path) -> list[dict]:
    queries = []
    for number, line in enumerate(Path(path).read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        try:
            query = json.loads(line)
        except json.JSONDecodeError as e:
            raise KBError(f"{path}:{number}: not JSON ({e.msg})") from None
        if "query" not in query or not ("expected" in query or "expected_id" in query):
            raise KBError(f"{path}:{number}: needs \"query\" and \"expected\" or \"expected_id\"")
        queries.append(query)
    if not queries:
        raise KBError(f"{path}: no queries")
    return queries


def is_expected(query: dict, hit: Hit) -> bool:
    if "expected_id" in query:
        return hit.item_id == query["expected_id"]
    return _squash(query["expected"]) in _squash(hit.text)


def run_queries(kb, queries: list[dict], mode: str) -> list[QueryResult]:
    results = []
    for query in queries:
        hits = kb.search(query["query"], k=DEPTH, mode=mode)
        rank = next((hit.rank for hit in hits if is_expected(query, hit)), None)
        results.append(QueryResult(query, rank))
    return results


def metrics(results: list[QueryResult]) -> dict[str, float]:
    n = len(results)
    ranks = [r.rank for r in results]
    return {
        "queries": n,
        "hit@1": round(sum(1 for r in ranks if r == 1) / n, 3),
        "hit@3": round(sum(1 for r in ranks if r and r <= 3) / n, 3),
        "mrr@10": round(sum(1 / r for r in ranks if r) / n, 3),
        "recall@10": round(sum(1 for r in ranks if r) / n, 3),
    }


def _squash(text: str) -> str:
    return " ".join(text.split()).casefold()
