"""Incremental update: adding one meeting to a knowledge base of 1,000 meetings, against
embedding that meeting alone.

The base is 1,000 SYNTHETIC meetings (about 18,000 items); its passage vectors are synthetic
(benchmarks/synthetic.py), which changes nothing in what an update does with them: the update
hashes every file, parses and embeds only the new one, rewrites the vector file and commits.
The new meeting is embedded with the real model. Side by side, alternated (ABBA), model warm:
  - raw: model.encode of the new meeting's passages;
  - alone: `KnowledgeBase.update` of an empty index with only that meeting;
  - into base: `KnowledgeBase.update` of (a fresh copy of) the 1,000-meeting index.
Then, once each, the same two updates as `kb index` in a new process (imports + model load).

    .venv/bin/python benchmarks/incremental.py [--quick] [--meetings 1000]
"""

from __future__ import annotations

import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np

from common import KB_BIN, WORK, parser, quiet, report

from synthetic import SyntheticPassageEmbedder, anchors, minutes_text, write_corpus


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--meetings", type=int, help="meetings in the base (default 1000, quick 100)")
    args = p.parse_args()
    meetings = args.meetings or (100 if args.quick else 1000)

    from kb.embed import load_embedder
    from kb.knowledge_base import KnowledgeBase
    from kb.minutes import parse_minutes
    from kb.pipeline import passages_of
    from kb.readers import read_document

    scratch = Path(tempfile.mkdtemp(prefix="incremental-", dir=_mk(WORK)))
    corpus, base = scratch / "corpus", scratch / "base-index"
    write_corpus(corpus, meetings, seed=5)
    kb = KnowledgeBase(base, log=quiet)
    kb._embedder = SyntheticPassageEmbedder(anchors(1000, cache=WORK / "anchors-1000.npy"))
    t = time.perf_counter()
    kb.update(corpus, progress=False)
    base_build = time.perf_counter() - t
    base_items = kb.stats()["items"]
    kb.close()

    name, text = minutes_text(10**6, seed=5)
    (corpus / name).write_text(text, encoding="utf-8")
    alone_corpus = scratch / "alone"
    alone_corpus.mkdir()
    (alone_corpus / name).write_text(text, encoding="utf-8")
    passages = [t for _, ps in passages_of(parse_minutes(read_document(corpus / name))) for t in ps]

    embedder = load_embedder(None, log=quiet)
    model = embedder.model
    embedder.embed_passages(passages[:4])  # warm-up

    def raw() -> float:
        t = time.perf_counter()
        model.encode(passages, prompt_name="passage", batch_size=32, normalize_embeddings=True)
        return time.perf_counter() - t

    def update(into_base: bool) -> float:
        target = scratch / "run-index"
        shutil.rmtree(target, ignore_errors=True)
        if into_base:
            shutil.copytree(base, target)
        kb = KnowledgeBase(target, log=quiet)
        kb._embedder = embedder
        t = time.perf_counter()
        summary = kb.update(corpus if into_base else alone_corpus, progress=False)
        elapsed = time.perf_counter() - t
        kb.close()
        assert summary.added == [str(corpus / name) if into_base else str(alone_corpus / name)], summary.added
        return elapsed

    times = {"raw": [], "alone": [], "into_base": []}
    order = ["raw", "alone", "into_base", "into_base", "alone", "raw"]
    for step in order * (1 if args.quick else 2):
        times[step].append(raw() if step == "raw" else update(step == "into_base"))

    cli = {}
    if not args.quick:
        for label, source, copy in (("alone", alone_corpus, False), ("into_base", corpus, True)):
            target = scratch / "cli-index"
            shutil.rmtree(target, ignore_errors=True)
            if copy:
                shutil.copytree(base, target)
            t = time.perf_counter()
            subprocess.run([str(KB_BIN), "index", str(source), "--index", str(target)], check=True, capture_output=True)
            cli[label] = round(time.perf_counter() - t, 2)
    shutil.rmtree(scratch, ignore_errors=True)

    med = {k: float(np.median(v)) for k, v in times.items()}
    figures = {
        "base": {"synthetic_meetings": meetings, "items": base_items, "build_s_synthetic_vectors": round(base_build, 1)},
        "new_meeting_passages": len(passages),
        "seconds": {k: [round(x, 3) for x in v] for k, v in times.items()},
        "median_s": {k: round(v, 3) for k, v in med.items()},
        "ratio_into_base_over_raw": round(med["into_base"] / med["raw"], 2),
        "ratio_alone_over_raw": round(med["alone"] / med["raw"], 2),
        "update_overhead_of_base_s": round(med["into_base"] - med["alone"], 3),
        "cli_new_process_s": cli,
    }
    summary = [
        f"base: {meetings} synthetic meetings, {base_items} items; new meeting: {len(passages)} passages",
        f"median s: embed alone (raw encode) {med['raw']:.2f}, update of an empty index {med['alone']:.2f}, "
        f"update of the {meetings}-meeting index {med['into_base']:.2f}",
        f"adding one meeting to {meetings} costs {figures['ratio_into_base_over_raw']}x embedding it alone "
        f"(+{figures['update_overhead_of_base_s']:.2f} s for the size of the base)",
    ]
    if cli:
        summary.append(f"`kb index` as a new process: alone {cli['alone']} s, into the base {cli['into_base']} s")
    report("incremental", figures, summary, args.out)


def _mk(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    main()
