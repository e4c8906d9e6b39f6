"""Each source of a corpora folder in an index of its own, as a user keeps one body's minutes.

Not a speed benchmark. `kb eval eval/heldout-corpora` asks every source's questions of one index
holding all ten issuers, so a question competes with every other issuer's minutes and BM25's
word statistics are those of the mixture. A user indexes one body's minutes; so are the corpora
the issue measures kb on. This builds one index per source folder (with the naive chunker's
beside it), asks each its own questions in the default mode and by the model alone, and gives
hit@1 / MRR@10 per source and over all questions, kb and the naive chunker side by side.

    .venv/bin/python benchmarks/per_source.py eval/heldout-corpora [--work /tmp/kb-bench/per-source]

Each source's minutes are copied into a folder of their own first, as the corpora's .kbignore
selects them (a source folder alone would index its PROVENANCE.md too). The first run embeds
every source (about 5 minutes for the held-out corpora on 2 cores); a later run with the same
--work reuses the indexes and embeds only what changed.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from common import ROOT, WORK, parser, quiet, report

MODES = ("hybrid", "dense")


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("corpora", type=Path, help="a folder with one folder per source, each with its queries.jsonl")
    p.add_argument("--work", type=Path, default=WORK / "per-source", help="where the indexes are kept")
    args = p.parse_args()
    sys.path.insert(0, str(ROOT))
    from kb import KnowledgeBase
    from kb.evaluate import QUERY_FILE, baseline_of, load_queries, metrics, run_queries

    sources = sorted(folder for folder in args.corpora.resolve().iterdir() if (folder / QUERY_FILE).is_file())
    if not sources:
        raise SystemExit(f"{args.corpora}: no source folder with a {QUERY_FILE}")
    minutes = _minutes_by_source(args.corpora, args.work / "corpora")
    rows: dict[str, dict] = {}
    pooled: dict[str, list] = {}
    for folder in sources:
        questions = load_queries(folder / QUERY_FILE)
        print(f"{folder.name}: indexing and asking {len(questions)} questions", file=sys.stderr, flush=True)
        with KnowledgeBase(args.work / "indexes" / folder.name, log=quiet) as kb:
            kb.update(minutes[folder.name], progress=False)
            with baseline_of(kb, log=quiet) as naive:
                row = rows.setdefault(folder.name, {"questions": len(questions)})
                for system, index in (("kb", kb), ("naive", naive)):
                    for mode in MODES:
                        results = run_queries(index, questions, mode)
                        pooled.setdefault(f"{system} {mode}", []).extend(results)
                        row[f"{system} {mode}"] = _figures(metrics(results))
    overall = {name: _figures(metrics(results)) for name, results in pooled.items()}
    summary = [f"{'source':32s} " + "  ".join(f"{name:>13s}" for name in overall)]
    for name, row in [*rows.items(), ("all", overall)]:
        summary.append(f"{name:32s} " + "  ".join(f"{row[column]['hit@1']:.3f} / {row[column]['mrr@10']:.3f}" for column in overall))
    for mode in MODES:
        lead = overall[f"kb {mode}"]["hit@1"] - overall[f"naive {mode}"]["hit@1"]
        summary.append(f"kb leads the naive chunker by {lead:+.3f} hit@1 in {mode} mode")
    report("per_source", {"corpora": str(args.corpora), "sources": rows, "all": overall}, summary, args.out)


def _minutes_by_source(corpora: Path, into: Path) -> dict[str, Path]:
    """Each source's minutes copied into a folder of its own under `into`, as the corpora's
    .kbignore selects them (not the PROVENANCE, README and question files beside them)."""
    from kb.corpus import list_corpus

    folders: dict[str, Path] = {}
    shutil.rmtree(into, ignore_errors=True)
    for name, file in list_corpus(corpora).files.items():
        relative = Path(name).relative_to(corpora)  # the name starts with the corpora folder as given
        target = into / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(file.path, target)
        folders.setdefault(relative.parts[0], into / relative.parts[0])
    return folders


def _figures(m: dict) -> dict:
    return {"hit@1": round(m["hit@1"], 3), "mrr@10": round(m["mrr@10"], 3)}


if __name__ == "__main__":
    main()
