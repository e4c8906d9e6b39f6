"""BM25's k1 and b swept side by side on every question set, by recomputing FTS5's BM25 in Python.

Not a speed benchmark. SQLite's FTS5 ranks with Okapi BM25 at k1 = 1.2 and b = 0.75 and offers no
way to change them, so this scores the lexical candidates again from the index's own terms, the
way FTS5 does (an IDF per phrase, log((N - n + 0.5) / (n + 0.5)) at least 1e-6; a row's length
over all its columns against the average), with the question's words matched as kb.lexical
matches them: its own stems whole in either column, its translations as prefixes, in the English
column only for a Swedish question. At k1 1.2 and b 0.75 the scores are FTS5's to two decimals,
so the first row of every set is kb as it ranks. hit@1 and MRR@10 per set, in the default mode.

    .venv/bin/python benchmarks/bm25_params.py --params 1.2:0.5,0.8:0.75,2.0:0 \\
        [--dev index-dev] [--seed index] [--heldout index-ho] [--format-txt index-fv-txt]

The figures in README ("Words stemmed to a fixed point") come from this (lexical index 5).
"""

from __future__ import annotations

import math
from collections import Counter

from common import index_arguments, parser, question_sets, report

FTS5 = (1.2, 0.75)


def recomputed(k1: float, b: float):
    """A stand-in for kb.lexical.lexical_search that scores with these k1 and b."""
    from kb.languages import language_of
    from kb.lexical import MAX_QUERY_TERMS, TRANSLATION_PREFIX, query_terms, stems, translated_words

    rows: dict[int, tuple[Counter, Counter]] = {}

    def search(store, query, limit, scope=None):
        if not rows:
            for rowid, sv, en in store.db.execute("SELECT rowid, sv, en FROM items_fts"):
                rows[rowid] = (Counter((sv or "").split()), Counter((en or "").split()))
        average = sum(sum(c.values()) for row in rows.values() for c in row) / max(len(rows), 1)
        own = set(query_terms(query))
        translated = set(stems(" ".join(translated_words(query)))[:MAX_QUERY_TERMS]) - own
        columns = (1,) if language_of(query) == "sv" else (0, 1)
        phrases = [(term, False, (0, 1)) for term in own]
        phrases += [(term, len(term) >= TRANSLATION_PREFIX, columns) for term in translated]
        allowed = None
        if scope is not None:
            allowed = set(store.item_ids_in_order(scope))
        scores: Counter = Counter()
        for term, prefix, where in phrases:
            counts = {}
            for rowid, row in rows.items():
                found = sum(sum(n for word, n in row[c].items() if word.startswith(term)) if prefix else row[c][term]
                            for c in where)
                if found:
                    counts[rowid] = found
            idf = max(math.log((len(rows) - len(counts) + 0.5) / (len(counts) + 0.5)), 1e-6) if counts else 0.0
            for rowid, found in counts.items():
                if allowed is None or rowid in allowed:
                    length = sum(sum(c.values()) for c in rows[rowid])
                    scores[rowid] += idf * found * (k1 + 1) / (found + k1 * (1 - b + b * length / average))
        return sorted(scores.items(), key=lambda pair: -pair[1])[:limit]

    return search


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--params", default="1.2:0.5,0.8:0.75", help="k1:b pairs, comma-separated")
    index_arguments(p)
    args = p.parse_args()
    sets = question_sets(args)
    import kb.search as search
    from kb import KnowledgeBase
    from kb.evaluate import metrics, run_queries

    settings = [FTS5] + [tuple(float(x) for x in pair.split(":")) for pair in args.params.split(",")]
    original = search.lexical_search
    results: dict = {}
    try:
        for name, index, questions in sets:
            for k1, b in settings:
                with KnowledgeBase(index, log=lambda message: None) as kb:
                    search.lexical_search = recomputed(k1, b)
                    m = metrics(run_queries(kb, questions, "hybrid"))
                results.setdefault(name, {})[f"k1={k1:g} b={b:g}"] = {key: round(m[key], 3) for key in ("hit@1", "mrr@10")}
    finally:
        search.lexical_search = original
    lines = [f"{name:24s} {label:16s} {v['hit@1']:.3f} / {v['mrr@10']:.3f}"
             for name, by_setting in results.items() for label, v in by_setting.items()]
    report("bm25_params", {"sets": results}, lines, args.out)


if __name__ == "__main__":
    main()
