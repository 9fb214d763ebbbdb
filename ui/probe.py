"""Which answer backends can answer now, each with a one-line reason, for the chat's backend menu.

A backend is offered only when it would work if asked: the package it needs is installed, its model is set,
and a server backend's server answers a model listing within a short timeout (a local Ollama at its host,
default 127.0.0.1:11434; an OpenAI-compatible server at ``base_url``) and serves the configured model.
An API key is sent only where the backend itself would send it. Probes run in parallel and are cached for a
few seconds, so a page load costs at most one timeout. Leaves out: trying a generation.
"""

from __future__ import annotations

import json
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

from rag.settings import Settings

TIMEOUT_S = 1.5
CACHE_S = 15.0


@dataclass(frozen=True)
class BackendStatus:
    name: str
    available: bool
    reason: str  # one line: what it uses when available, what to do when not
    models: tuple[str, ...] = field(default=())
    model: str = ""  # the model it would answer with


def probe_all(settings: Settings) -> list[BackendStatus]:
    """Every backend's status, the model-free default first; cached for ``CACHE_S`` per settings."""
    key = (settings.backend, settings.model, settings.base_url)
    with _lock:
        hit = _cache.get(key)
        if hit and time.monotonic() - hit[0] < CACHE_S:
            return hit[1]
    from rag.backends import backend_names

    names = backend_names()
    with ThreadPoolExecutor(max_workers=len(names)) as pool:
        found = list(pool.map(lambda n: probe(n, settings), names))
    with _lock:
        _cache[key] = (time.monotonic(), found)
    return found


_cache: dict[tuple, tuple[float, list[BackendStatus]]] = {}
_lock = threading.Lock()


def probe(name: str, settings: Settings) -> BackendStatus:
    """One backend's status; never raises."""
    from rag.backends import EXTRACTIVE, get_backend
    from rag.errors import RagError

    if name == EXTRACTIVE:
        return BackendStatus(name, True, "quotes the articles; needs no language model")
    try:
        backend = get_backend(name, settings)
        backend.require()  # the client package: a missing one names its pip line
    except RagError as exc:
        return BackendStatus(name, False, _one_line(str(exc)))
    except Exception as exc:  # noqa: BLE001 - a probe reports, it never breaks the page
        return BackendStatus(name, False, _one_line(f"{type(exc).__name__}: {exc}"))
    model = backend.model
    if name == "ollama":
        return _served(name, model, backend.where(), _list_models(f"{backend.base_url}/api/tags", backend,
                                                                  lambda d: [m.get("name", "") for m in d.get("models", [])]))
    if name == "openai":
        return _served(name, model, backend.where(), _list_models(f"{backend.base_url}/models", backend,
                                                                  lambda d: [m.get("id", "") for m in d.get("data", [])]))
    if name == "llamacpp":
        path = Path(model).expanduser()
        return (BackendStatus(name, True, f"model file {path.name}", model=path.name) if path.is_file()
                else BackendStatus(name, False, f"no GGUF model file at {path}: set model (RAG_MODEL)"))
    if name == "transformers":
        if Path(model).expanduser().is_dir() or _in_hub_cache(model):
            return BackendStatus(name, True, f"model {model}", model=model)
        return BackendStatus(name, False, f"model {model} is neither a folder nor in the Hugging Face cache")
    return BackendStatus(name, False, "unknown to this page")


def _served(name: str, model: str, where: str, listed: list[str] | str) -> BackendStatus:
    if isinstance(listed, str):
        return BackendStatus(name, False, f"{where}: {listed}")
    models = tuple(m for m in listed if m)
    if models and not any(m == model or m.split(":")[0] == model for m in models):
        shown = ", ".join(models[:5]) + (" …" if len(models) > 5 else "")
        return BackendStatus(name, False, f"{where} does not serve model {model} (it has {shown}): set model "
                                          f"(RAG_MODEL)", models)
    return BackendStatus(name, True, f"{model} at {where}", models, model)


def _list_models(url: str, backend, parse) -> list[str] | str:
    """The server's model names, or why it could not be asked."""
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    if backend.api_key:
        request.add_header("Authorization", f"Bearer {backend.api_key.reveal()}")
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT_S) as reply:  # noqa: S310 - http(s) checked by backend
            return parse(json.loads(reply.read(1_000_000) or b"{}"))
    except urllib.error.HTTPError as exc:
        return f"answered HTTP {exc.code} to a model listing" + (": check the API key" if exc.code in (401, 403) else "")
    except (urllib.error.URLError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return "not running or unreachable" if isinstance(reason, (ConnectionError, OSError)) else f"unreachable ({reason})"
    except (ValueError, AttributeError, TypeError):
        return "answered, but not with a model list: is base_url the right kind of server?"


def _in_hub_cache(model: str) -> bool:
    try:
        from huggingface_hub import try_to_load_from_cache

        return isinstance(try_to_load_from_cache(model, "config.json"), str)
    except Exception:  # noqa: BLE001 - not a hub id, or no hub library
        return False


def _one_line(text: str) -> str:
    return " ".join(text.split())[:300]
