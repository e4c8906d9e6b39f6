"""Retrieval quality on query sets: hit@1, hit@3, MRR@10 and recall@10 per search mode, per
source and per language, for kb and, side by side, for the naive paragraph chunker.

A query set is JSON Lines, one object a line: {"query": ..., "expected": "<text the right item
contains>"} or {"query": ..., "expected_id": <item id>}; with "source": "<file>", the hit must
also come from that file (graded by meeting as well as text). Other keys (id, lang, tags) are
carried along. A set is a .jsonl file, or a folder holding queries.jsonl (its "source" names a
file in that folder), or a folder of such folders (a dev corpus, one folder per issuer).

A hit counts only if it is item-sized (at most MAX_HIT_CHARS): a chunker that returned whole
meetings would otherwise "contain" every answer.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path

from kb.errors import KBError
from kb.search import Hit

DEPTH = 10
MAX_HIT_CHARS = 1000
QUERY_FILE = "queries.jsonl"


@dataclass
class QueryResult:
    query: dict
    rank: int | None  # 1-based rank of the right item within the top DEPTH, or None


def load_queries(path: str | Path) -> list[dict]:
    """The queries of a .jsonl file or of every queries.jsonl at or under a folder; each gets a
    "group" (its folder's name, or the file's stem) and, with a "source", the path that a hit's
    source must end with."""
    path = Path(path)
    files = [path] if path.is_file() else sorted(path.rglob(QUERY_FILE))
    if not files:
        raise KBError(f"{path}: no query set (a .jsonl file, or folders with {QUERY_FILE})")
    queries = []
    for file in files:
        group = file.parent.name if file.name == QUERY_FILE else file.stem
        for number, line in enumerate(file.read_text(encoding="utf-8").splitlines(), start=1):
            if not line.strip():
                continue
            try:
                query = json.loads(line)
            except json.JSONDecodeError as e:
                raise KBError(f"{file}:{number}: not JSON ({e.msg})") from None
            if not isinstance(query, dict) or not isinstance(query.get("query"), str) or not (
                isinstance(query.get("expected"), str) or isinstance(query.get("expected_id"), int)
            ):
                raise KBError(f"{file}:{number}: needs \"query\" and \"expected\" (text) or \"expected_id\" (a number)")
            query["group"] = group
            if query.get("source"):
                query["source_path"] = f"{file.parent.name}/{query['source']}"
            queries.append(query)
    if not queries:
        raise KBError(f"{path}: no queries")
    return queries


def is_expected(query: dict, hit: Hit) -> bool:
    if "expected_id" in query:
        return hit.item_id == query["expected_id"]
    if len(hit.text) > MAX_HIT_CHARS:
        return False
    if "source_path" in query and not hit.source.endswith(query["source_path"]):
        return False
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


def breakdown(results: list[QueryResult]) -> dict[str, dict[str, float]]:
    """Metrics over all queries, then per group (source) and per language."""
    out = {"all": metrics(results)}
    for key, prefix in (("group", ""), ("lang", "lang:")):
        values = sorted({r.query.get(key) for r in results if r.query.get(key)})
        if len(values) > 1 or key == "lang":
            for value in values:
                out[prefix + value] = metrics([r for r in results if r.query.get(key) == value])
    return out


def language_gap(by_set: dict) -> dict[str, float] | None:
    """Swedish minus English, where a set has both: on paired questions (the same answers asked
    in both languages) what English questions lose to the model's language preference."""
    swedish, english = by_set.get("lang:sv"), by_set.get("lang:en")
    if not swedish or not english:
        return None
    return {metric: round(swedish[metric] - english[metric], 3) for metric in ("hit@1", "mrr@10")}


def _squash(text: str) -> str:
    """Text as the grading compares it: whitespace and case aside, and a word hyphenated at a
    line's end read whole. kb's readers join "regionut-" / "vecklare" as "regionutvecklare", the
    naive chunker keeps the lines; a phrase copied from one line of the source ("Till mötet
    inbjuds Fredrik Sandelin, regionut-") had been found only in the naive chunker's text."""
    text = " ".join(text.split()).casefold()
    return _WRAPPED.sub("", _TRAILING_HYPHEN.sub("", text))


_WRAPPED = re.compile(r"(?<=[^\W\d_])- (?=[^\W\d_])")
_TRAILING_HYPHEN = re.compile(r"(?<=[^\W\d_])-$")


BASELINE = "paragraphs"


def baseline_of(kb, log=None):
    """The naive paragraph chunker over the same corpus with the same model, kept up to date in
    the index folder's baseline/ (the index records the corpus it was built from)."""
    from kb.knowledge_base import KnowledgeBase

    corpus = kb.store.get_meta("corpus")
    if corpus is None or not Path(corpus).is_dir():
        raise KBError(f"{kb.index_dir}/ does not record a corpus folder that exists here; run `kb index CORPUS` first")
    baseline = KnowledgeBase(kb.index_dir / "baseline", model=kb.model_name, segmenter=BASELINE, log=log)
    baseline.update(corpus, progress=False)
    return baseline


def evaluate(kb, queries: list[dict], modes: list[str], with_baseline: bool = False, log=None) -> dict:
    """{system: {mode: {"all" | group | "lang:xx": metrics, ..., "language gap": {"hit@1",
    "mrr@10"}, "misses": [...]}}}, system being "kb" and, with the baseline, "paragraphs"."""
    systems = {"kb": kb}
    if with_baseline:
        systems[BASELINE] = baseline_of(kb, log=log)
    report: dict = {}
    try:
        for name, system in systems.items():
            for mode in modes:  # the naive chunker in the same modes: the same search over other items
                results = run_queries(system, queries, mode)
                report.setdefault(name, {})[mode] = breakdown(results)
                gap = language_gap(report[name][mode])
                if gap:
                    report[name][mode]["language gap"] = gap
                report[name][mode]["misses"] = [
                    {"id": r.query.get("id"), "query": r.query["query"], "rank": r.rank} for r in results if r.rank != 1
                ]
    finally:
        if with_baseline:
            systems[BASELINE].close()
    return report
