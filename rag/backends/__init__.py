"""The table of answer backends: name -> backend class, imported only when asked for.

``extractive`` is listed for completeness (the UI's menu reads ``backend_names()``) but has no ``Backend``:
the assistant answers it without a model. Every other entry builds an LLM backend from ``Settings``.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping

from ..errors import ConfigError
from ..settings import Settings
from .base import Backend, BackendError, Secret, scrub

EXTRACTIVE = "extractive"

# name -> (module, class); modules are imported on first use, so `rag ask` stays light
BACKENDS: dict[str, tuple[str, str]] = {
    "openai": ("rag.backends.openai_compat", "OpenAIBackend"),
    "ollama": ("rag.backends.ollama_native", "OllamaBackend"),
    "transformers": ("rag.backends.hf", "TransformersBackend"),
    "llamacpp": ("rag.backends.llamacpp", "LlamaCppBackend"),
}


def backend_names() -> list[str]:
    """Every valid backend name, the model-free default first."""
    return [EXTRACTIVE, *BACKENDS]


def check_name(name: str) -> str:
    """``name`` when it is a backend, else a ConfigError listing the valid names."""
    if name != EXTRACTIVE and name not in BACKENDS:
        raise ConfigError(f"Unknown backend {name!r}. Valid: {', '.join(backend_names())}.")
    return name


def backend_class(name: str) -> type[Backend]:
    module, cls = BACKENDS[check_name(name)] if name != EXTRACTIVE else (None, None)
    if module is None:
        raise ConfigError("The extractive backend needs no model; it has no LLM backend class.")
    return getattr(importlib.import_module(module), cls)


def get_backend(name: str, settings: Settings, env: Mapping[str, str] | None = None) -> Backend:
    """A configured (not yet warmed-up) backend; cheap, imports no client library."""
    return backend_class(name)(settings, env)


__all__ = ["BACKENDS", "Backend", "BackendError", "Secret", "backend_class", "backend_names", "check_name",
           "get_backend", "scrub"]
