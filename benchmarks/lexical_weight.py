"""Hybrid search's lexical bonus (kb.search.LEXICAL_WEIGHT) against dense, on every question set.

Not a speed benchmark: the measurement behind the default mode and its weight (README, "Ranking").
Each question set is asked of its own index in dense mode and in hybrid mode at each weight,
side by side in one run; hit@1 and MRR@10 per set, overall and by the question's language.

    kb index eval/corpora --index index-dev
    kb index corpus --index index
    kb index eval/heldout-corpora --index index-ho
    .venv/bin/python benchmarks/lexical_weight.py [--weights 0.05,0.075,0.1,0.15,0.2]
        [--dev index-dev] [--seed index] [--heldout index-ho]

Run with KB_DICTIONARY pointing at an empty folder to measure without the dictionaries (the
English-Swedish and the Swedish-English one).
"""

from __future__ import annotations

from common import index_arguments, parser, question_sets, report


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--weights", default="0.05,0.075,0.1,0.15,0.2")
    index_arguments(p)
    args = p.parse_args()
    sets = question_sets(args, paired=True)
    import kb.search as search
    from kb import KnowledgeBase
    from kb.evaluate import is_expected
    from kb.languages import language_of

    settings = [("dense", None)] + [("hybrid", float(w)) for w in args.weights.split(",")]
    default = search.LEXICAL_WEIGHT
    results: dict = {}
    try:
        for name, index, questions in sets:
            with KnowledgeBase(index, log=lambda message: None) as kb:
                for mode, weight in settings:
                    search.LEXICAL_WEIGHT = default if weight is None else weight
                    scores: dict[str, list[float]] = {}
                    for q in questions:
                        hits = kb.search(q["query"], k=10, mode=mode)
                        rank = next((i + 1 for i, hit in enumerate(hits) if is_expected(q, hit)), None)
                        for key in ("all", f"lang:{language_of(q['query']) or '?'}"):
                            scores.setdefault(key, []).append(1 / rank if rank else 0.0)
                    label = mode if weight is None else f"hybrid {weight}"
                    results.setdefault(name, {})[label] = {
                        key: {"n": len(r), "hit@1": round(sum(x == 1 for x in r) / len(r), 3),
                              "mrr@10": round(sum(r) / len(r), 3)} for key, r in scores.items()}
    finally:
        search.LEXICAL_WEIGHT = default
    lines = []
    for name, by_setting in results.items():
        for label, by_key in by_setting.items():
            cells = "  ".join(f"{key} {v['hit@1']:.3f}/{v['mrr@10']:.3f} (n={v['n']})" for key, v in sorted(by_key.items()))
            lines.append(f"{name:32s} {label:13s} {cells}")
    report("lexical_weight", {"sets": results}, lines, args.out)


if __name__ == "__main__":
    main()
