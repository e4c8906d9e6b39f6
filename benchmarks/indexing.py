"""Indexing throughput: the kb pipeline (`KnowledgeBase.update`) against the model's raw encode.

On the same texts, with the same loaded model, in the same run, in the order raw, chunked,
pipeline, pipeline, chunked, raw (so drift in the machine's load hits all alike); "chunked" is
the encode pattern kb used before: 64-text calls in corpus order. The pipeline's overhead over the
model is the figure: pipeline time / raw encode time - 1. Model loading is left out of both
(it is reported separately). The corpus is SYNTHETIC minutes (benchmarks/synthetic.py).

    .venv/bin/python benchmarks/indexing.py [--quick] [--meetings N] [--profile]
"""

from __future__ import annotations

import cProfile
import io
import pstats
import shutil
import tempfile
import time
from pathlib import Path

from common import WORK, parser, quiet, report, timer

from synthetic import write_corpus


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--meetings", type=int, help="generated meetings to index (default 40, quick 8)")
    p.add_argument("--profile", action="store_true", help="also print a cProfile of one pipeline run")
    args = p.parse_args()
    meetings = args.meetings or (8 if args.quick else 40)

    from kb.embed import load_embedder, text_hash
    from kb.knowledge_base import KnowledgeBase
    from kb.minutes import parse_minutes
    from kb.pipeline import passages_of
    from kb.readers import read_document

    scratch = Path(tempfile.mkdtemp(prefix="indexing-", dir=_mk(WORK)))
    corpus = scratch / "corpus"
    write_corpus(corpus, meetings, seed=7)

    # The texts the pipeline embeds: every passage of every item, once per distinct text.
    texts = {}
    for path in sorted(corpus.iterdir()):
        for _, passages in passages_of(parse_minutes(read_document(path))):
            for text in passages:
                texts.setdefault(text_hash(text), text)
    texts = list(texts.values())
    chars = sum(len(t) for t in texts)

    load = []
    with timer(load):
        embedder = load_embedder(None, log=quiet)
        model = embedder.model
    embedder.embed_passages(texts[:8])  # warm-up

    encode_in_pipeline: list[float] = []
    original = embedder.embed_passages

    def counted(batch, batch_size=32):
        with timer(encode_in_pipeline):
            return original(batch, batch_size=batch_size)

    def raw() -> float:
        start = time.perf_counter()
        model.encode(texts, prompt_name="passage", batch_size=32, normalize_embeddings=True, convert_to_numpy=True)
        return time.perf_counter() - start

    def chunked() -> float:
        """What kb did before: 64-text encode calls in corpus order (each call sorts only its own)."""
        start = time.perf_counter()
        for i in range(0, len(texts), 64):
            model.encode(texts[i : i + 64], prompt_name="passage", batch_size=32, normalize_embeddings=True)
        return time.perf_counter() - start

    def pipeline(profile: cProfile.Profile | None = None) -> tuple[float, float]:
        index_dir = Path(tempfile.mkdtemp(prefix="index-", dir=scratch))
        kb = KnowledgeBase(index_dir, log=quiet)
        kb._embedder = embedder
        embedder.embed_passages = counted
        encode_in_pipeline.clear()
        start = time.perf_counter()
        if profile:
            profile.enable()
        summary = kb.update(corpus, progress=False)
        if profile:
            profile.disable()
        elapsed = time.perf_counter() - start
        embedder.embed_passages = original
        kb.close()
        shutil.rmtree(index_dir)
        assert summary.items_total > 0
        return elapsed, sum(encode_in_pipeline)

    raw_times, pipe_times, pipe_encode, chunked_times = [], [], [], []
    for step in ("raw", "chunked", "pipeline", "pipeline", "chunked", "raw"):
        if step == "raw":
            raw_times.append(raw())
        elif step == "chunked":
            chunked_times.append(chunked())
        else:
            elapsed, encoding = pipeline()
            pipe_times.append(elapsed)
            pipe_encode.append(encoding)

    profile_text = None
    if args.profile:
        profile = cProfile.Profile()
        pipeline(profile)
        out = io.StringIO()
        pstats.Stats(profile, stream=out).sort_stats("cumulative").print_stats(25)
        profile_text = out.getvalue()
    shutil.rmtree(scratch, ignore_errors=True)

    raw_s, pipe_s, enc_s = sum(raw_times) / 2, sum(pipe_times) / 2, sum(pipe_encode) / 2
    figures = {
        "corpus": {"synthetic_meetings": meetings, "passages": len(texts), "chars": chars},
        "model_load_s": round(load[0], 2),
        "raw_encode_s": [round(t, 2) for t in raw_times],
        "pipeline_s": [round(t, 2) for t in pipe_times],
        "pipeline_encode_s": [round(t, 2) for t in pipe_encode],
        "raw_passages_per_s": round(len(texts) / raw_s, 1),
        "pipeline_passages_per_s": round(len(texts) / pipe_s, 1),
        "unsorted_64_chunks_s": [round(t, 2) for t in chunked_times],
        "unsorted_64_chunks_over_raw": round(sum(chunked_times) / 2 / raw_s - 1, 4),
        "overhead": round(pipe_s / raw_s - 1, 4),
        "overhead_outside_encode": round((pipe_s - enc_s) / raw_s, 4),
        "overhead_inside_encode_calls": round(enc_s / raw_s - 1, 4),
    }
    summary = [
        f"{meetings} synthetic meetings, {len(texts)} passages ({chars / len(texts):.0f} chars each on average)",
        f"raw model.encode: {figures['raw_passages_per_s']} passages/s   pipeline (kb update): "
        f"{figures['pipeline_passages_per_s']} passages/s",
        f"pipeline overhead over raw encode: {figures['overhead']:+.1%} "
        f"(encode calls inside the pipeline {figures['overhead_inside_encode_calls']:+.1%}, "
        f"everything else {figures['overhead_outside_encode']:+.1%})",
        f"encoding in 64-text chunks in corpus order (kb before this change): {figures['unsorted_64_chunks_over_raw']:+.1%} over raw",
        f"model load (not in either figure): {figures['model_load_s']} s",
    ]
    report("indexing", figures, summary, args.out)
    if profile_text:
        print("\ncProfile of one pipeline run (cumulative):\n" + profile_text)


def _mk(path: Path) -> Path:
    path.mkdir(parents=True, exist_ok=True)
    return path


if __name__ == "__main__":
    main()
