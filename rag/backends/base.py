"""The one interface every answer backend implements, and the failure handling they share.

A backend turns chat messages (``[{"role": ..., "content": ...}]``) into text, whole or streamed. The
constructor only validates settings (cheap, no imports of heavy packages); ``warm_up`` loads models or
clients. ``complete`` and ``stream`` retry 429 and 5xx replies with exponential backoff, turn every
client failure into a ``BackendError`` that says what to do, and scrub the API key from every message.
Left out: tool calls, images, token accounting.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterator, Mapping
from typing import ClassVar

from ..errors import BackendError, MissingDependencyError
from ..settings import Settings

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]
_KEYLIKE = re.compile(r"\b(sk|rk|pk|key|gsk|xai|hf)[-_][A-Za-z0-9_\-*]{6,}")


class Secret:
    """An API key that never shows itself in a repr, str, log line or error message."""

    __slots__ = ("_value",)

    def __init__(self, value: str | None) -> None:
        self._value = value or ""

    def reveal(self) -> str:
        return self._value

    def __bool__(self) -> bool:
        return bool(self._value)

    def __repr__(self) -> str:
        return "Secret('***')" if self._value else "Secret('')"

    __str__ = __repr__


def scrub(text: str, *secrets: Secret | str) -> str:
    """``text`` with the given secrets and anything shaped like an API key masked."""
    for s in secrets:
        value = s.reveal() if isinstance(s, Secret) else s
        if value and len(value) >= 4:
            text = text.replace(value, "***")
    return _KEYLIKE.sub(lambda m: m.group(1) + "-***", text)


class Backend:
    """Base class: subclasses set ``name``, the declared ``options`` and ``key_env``, and implement
    ``_load``, ``_complete`` and ``_stream``; the public methods add retries and error translation."""

    name: ClassVar[str] = ""
    options: ClassVar[tuple[str, ...]] = ("model", "temperature", "max_tokens", "timeout", "retries")
    key_env: ClassVar[tuple[str, ...]] = ()  # environment variables read for the API key, first wins
    requires: ClassVar[tuple[str, str]] = ("", "")  # (module to import, pip install line)
    default_model: ClassVar[str] = ""

    def __init__(self, settings: Settings, env: Mapping[str, str] | None = None) -> None:
        import os

        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.model = settings.model or self.default_model
        self.temperature, self.max_tokens = settings.temperature, settings.max_tokens
        self.timeout, self.retries, self.backoff = settings.timeout, settings.retries, settings.retry_backoff
        self.api_key = Secret(next((self.env[k] for k in self.key_env if self.env.get(k)), ""))
        self._ready = False

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"

    # lifecycle
    def warm_up(self) -> Backend:
        """Import the client library and load the model (idempotent)."""
        if not self._ready:
            self._require()
            self._load()
            self._ready = True
        return self

    def _require(self) -> None:
        module, pip = self.requires
        if module:
            import importlib.util

            try:
                found = importlib.util.find_spec(module) is not None
            except ModuleNotFoundError:  # a parent package is missing
                found = False
            if not found:
                raise MissingDependencyError(f"The {self.name} backend needs the {module} package: {pip}")

    # generation
    def complete(self, messages: Messages) -> str:
        """The whole reply to ``messages``."""
        self.warm_up()
        text = self._retrying(lambda: self._complete(messages))
        if not isinstance(text, str) or not text.strip():
            raise BackendError(f"The {self.name} backend ({self.model}) returned an empty reply. Try again, "
                               "or try another model.")
        return text

    def stream(self, messages: Messages) -> Iterator[str]:
        """The reply in pieces as they arrive. Failures before the first piece are retried like ``complete``."""
        self.warm_up()
        pieces = self._retrying(lambda: _primed(self._stream(messages)))
        produced = False
        try:
            for piece in pieces:
                if piece:
                    produced = True
                    yield piece
        except Exception as exc:  # noqa: BLE001 - every client failure becomes one clear error
            raise self._translate(exc) from None
        if not produced:
            raise BackendError(f"The {self.name} backend ({self.model}) returned an empty reply. Try again, "
                               "or try another model.")

    def _load(self) -> None:
        raise NotImplementedError

    def _complete(self, messages: Messages) -> str:
        raise NotImplementedError

    def _stream(self, messages: Messages) -> Iterator[str]:
        yield self._complete(messages)

    # failures
    def _retrying(self, call: Callable):
        for attempt in range(self.retries + 1):
            try:
                return call()
            except BackendError:
                raise
            except Exception as exc:  # noqa: BLE001
                status = _status(exc)
                retryable = status == 429 or (status or 0) >= 500 or _kind(exc) == "closed"
                if not retryable or attempt == self.retries:
                    raise self._translate(exc, attempts=attempt + 1) from None
                delay = min(self.backoff * 2 ** attempt, _retry_after(exc) or 60.0)
                log.info("%s backend: %s, retrying in %.2f s", self.name, status or "connection closed", delay)
                time.sleep(delay)
        raise AssertionError("unreachable")

    def _translate(self, exc: Exception, attempts: int = 1) -> BackendError:
        """A ``BackendError`` that names the cause and the fix, without the API key."""
        where = f"The {self.name} backend ({self.model}{' at ' + self.where() if self.where() else ''})"
        status, kind = _status(exc), _kind(exc)
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if kind == "timeout":
            msg = f"{where} did not answer within {self.timeout:g} s. Raise the timeout setting (RAG_TIMEOUT) or use a smaller model."
        elif kind == "refused":
            msg = f"{where} is unreachable (connection refused). Start the server or fix base_url (RAG_BASE_URL)."
        elif status in (401, 403):
            env = " or ".join(self.key_env) or "the server's API key variable"
            msg = f"{where} refused the credentials ({status}). Set {env} to a valid API key."
        elif status == 404:
            msg = f"{where} does not know this model or endpoint (404). Check the model name (RAG_MODEL) and base_url."
        elif status == 429:
            msg = f"{where} is rate limiting requests (429){tries}. Wait a moment and try again."
        elif status and status >= 500:
            msg = f"{where} had a server error ({status}){tries}. Try again later."
        elif kind == "closed":
            msg = f"{where} closed the connection before replying{tries}. Check the server's log."
        elif kind == "malformed":
            msg = f"{where} sent a reply that is not valid JSON for its API. Check that base_url points at the right kind of server."
        else:
            msg = f"{where} failed: {type(exc).__name__}: {exc}"
        return BackendError(scrub(msg, self.api_key))

    def where(self) -> str:
        """Where the backend runs (a URL or a path), for messages."""
        return ""


def without_credentials(url: str) -> str:
    """A URL fit for messages: any ``user:password@`` part removed."""
    return re.sub(r"(?<=//)[^/@\s]*@", "", url)


def _primed(gen: Iterator[str]) -> Iterator[str]:
    """Start ``gen`` now, so connection and status failures surface inside the retry loop."""
    gen = iter(gen)
    try:
        first = next(gen)
    except StopIteration:
        return iter(())

    def chained():
        yield first
        yield from gen

    return chained()


def _status(exc: BaseException) -> int | None:
    for e in _chain(exc):
        code = getattr(e, "status_code", None)
        if code is None and getattr(e, "response", None) is not None:
            code = getattr(e.response, "status_code", None)
        if isinstance(code, int) and code >= 400:
            return code
    return None


def _kind(exc: BaseException) -> str:
    """timeout, refused, closed, malformed or other, judged by exception types and messages anywhere in the chain."""
    for e in _chain(exc):
        names = {t.__name__ for t in type(e).__mro__}
        text = str(e).lower()
        if names & {"TimeoutException", "APITimeoutError", "ReadTimeout", "ConnectTimeout", "TimeoutError"} or "timed out" in text:
            return "timeout"
        if names & {"ConnectError", "ConnectionRefusedError"} or "connection refused" in text or "failed to connect" in text:
            return "refused"
        if names & {"RemoteProtocolError", "ConnectionResetError", "IncompleteRead", "RemoteDisconnected"} or \
                "disconnected" in text or "incomplete chunked read" in text or "peer closed" in text:
            return "closed"
        if names & {"JSONDecodeError", "APIResponseValidationError", "ValidationError"}:
            return "malformed"
    for e in _chain(exc):
        if type(e).__name__ == "APIConnectionError":
            return "closed"
    return "other"


def _retry_after(exc: BaseException) -> float | None:
    for e in _chain(exc):
        headers = getattr(getattr(e, "response", None), "headers", None) or {}
        try:
            return float(headers.get("retry-after"))
        except (TypeError, ValueError):
            continue
    return None


def _chain(exc: BaseException) -> Iterator[BaseException]:
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


class LlamaIndexChat(Backend):
    """A backend whose warm-up sets ``self._llm`` to a llama-index chat LLM."""

    _llm = None

    def _messages(self, messages: Messages):
        from llama_index.core.base.llms.types import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]

    def _complete(self, messages: Messages) -> str:
        return self._llm.chat(self._messages(messages)).message.content or ""

    def _stream(self, messages: Messages) -> Iterator[str]:
        for chunk in self._llm.stream_chat(self._messages(messages)):
            if chunk.delta:
                yield chunk.delta
