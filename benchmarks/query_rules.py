"""The ranking's query-time rules (kb.search constants) swept side by side on every question set.

Not a speed benchmark: it sweeps the weights of the year rule, the attribution rule, the detail
and point shares, the lexical bonus and the number of candidates each search hands to the fusion
(the comments at each constant in kb/search.py). The year
rule's figures come from it; the others were measured the same way before it existed, by scripts
not kept. None of them changes what is indexed, so every setting is asked of the same indexes.
Each `--sweep NAME=v1,v2` varies one constant with the others at their defaults; the first row
of every set is the defaults. hit@1 and MRR@10 per set, in the default mode (hybrid).

    kb index eval/corpora --index index-dev
    kb index corpus --index index
    kb index eval/heldout-corpora --index index-ho
    kb index eval/format-variants/ludd-pdf --index index-fv-pdf      (optional)
    kb index eval/format-variants/ludd-txt --index index-fv-txt      (optional)
    .venv/bin/python benchmarks/query_rules.py --sweep YEAR_BONUS=0,0.005,0.02 \\
        --sweep NEXT_YEAR_SHARE=0,1 [--dev index-dev] [--seed index] [--heldout index-ho]
        [--format-pdf index-fv-pdf] [--format-txt index-fv-txt]

The year rule's figures in kb/search.py come from `--sweep YEAR_BONUS=0,0.02 --sweep
NEXT_YEAR_SHARE=0`; the questions that name a year are also counted on their own ("years"). The
rule for names' from `--sweep NAMED_COVERAGE=0,0.3,0.75,1`.
"""

from __future__ import annotations

from common import index_arguments, parser, question_sets, report

RULES = ("YEAR_BONUS", "NEXT_YEAR_SHARE", "ATTRIBUTION_BONUS", "DETAIL_SHARE", "POINT_SHARE", "LEXICAL_WEIGHT", "NAMED_COVERAGE",
         "CANDIDATES")
COUNTS = ("CANDIDATES",)  # whole numbers


def sweeps(specs: list[str]) -> list[tuple[str, float]]:
    """("NAME", value) for each value of each `NAME=v1,v2` given."""
    settings = []
    for spec in specs:
        name, _, values = spec.partition("=")
        if name not in RULES or not values:
            raise SystemExit(f"--sweep {spec!r}: give NAME=v1,v2 with NAME one of {', '.join(RULES)}")
        settings += [(name, (int if name in COUNTS else float)(value)) for value in values.split(",")]
    return settings


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--sweep", action="append", default=[], help="NAME=v1,v2: a constant of kb.search and its values")
    index_arguments(p)
    args = p.parse_args()
    sets = question_sets(args)
    import kb.search as search
    from kb import KnowledgeBase
    from kb.evaluate import is_expected

    settings = [("defaults", None)] + sweeps(args.sweep)
    defaults = {name: getattr(search, name) for name in RULES}
    results: dict = {}
    try:
        for name, index, questions in sets:
            with KnowledgeBase(index, log=lambda message: None) as kb:
                for rule, value in settings:
                    for constant, default in defaults.items():
                        setattr(search, constant, default)
                    if rule != "defaults":
                        setattr(search, rule, value)
                    scores: dict[str, list[float]] = {}
                    for q in questions:
                        hits = kb.search(q["query"], k=10)
                        found = next((i + 1 for i, hit in enumerate(hits) if is_expected(q, hit)), None)
                        keys = ["all"] + (["years"] if search.YEAR.search(q["query"]) else [])
                        for key in keys:
                            scores.setdefault(key, []).append(1 / found if found else 0.0)
                    label = rule if rule == "defaults" else f"{rule}={value:g}"
                    results.setdefault(name, {})[label] = {
                        key: {"n": len(r), "hit@1": round(sum(x == 1 for x in r) / len(r), 3),
                              "mrr@10": round(sum(r) / len(r), 3)} for key, r in scores.items()}
    finally:
        for constant, default in defaults.items():
            setattr(search, constant, default)
    lines = []
    for name, by_setting in results.items():
        for label, by_key in by_setting.items():
            cells = "  ".join(f"{key} {v['hit@1']:.3f}/{v['mrr@10']:.3f} (n={v['n']})" for key, v in by_key.items())
            lines.append(f"{name:24s} {label:24s} {cells}")
    report("query_rules", {"defaults": defaults, "sets": results}, lines, args.out)


if __name__ == "__main__":
    main()
