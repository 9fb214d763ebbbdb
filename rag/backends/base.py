"""The one interface every answer backend implements, and the failure handling they share.

A backend turns chat messages (``[{"role": ..., "content": ...}]``) into text, whole or streamed. The
constructor only validates settings (cheap, no imports of heavy packages); ``warm_up`` loads models or
clients. Every answer has one total deadline (the ``timeout`` setting): connecting, retries, waits and
every read of a streamed reply together, so a server that trickles a byte every few seconds is cut off
when the deadline passes. 429, 5xx and dropped connections are retried by tenacity with exponential
backoff, honouring Retry-After. Every client failure becomes a ``BackendError`` that says what to do,
with the API key and URL credentials masked.

Subclasses implement ``_load``, ``_complete(messages, call)`` and ``_stream(messages, call)``, and
``_classify(exc)`` to tell their client's failures apart by exception type. Left out: tool calls, images,
token accounting.
"""

from __future__ import annotations

import json
import logging
import queue
import threading
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

from ..errors import BackendError, MissingDependencyError
from ..redact import Secret, mask_logs, scrub, without_credentials
from ..settings import Settings

log = logging.getLogger(__name__)

Messages = list[dict[str, str]]


@dataclass
class Failure:
    """What a client exception means: ``kind`` is timeout, refused, closed, malformed, status or other."""

    kind: str
    status: int | None = None
    retry_after: float | None = None


@dataclass
class Call:
    """One answer in flight: its deadline, a flag set when the caller gave up, and things to close then."""

    deadline: float
    cancelled: threading.Event = field(default_factory=threading.Event)
    on_cancel: list[Callable[[], object]] = field(default_factory=list)
    attempts: int = 0

    def remaining(self) -> float:
        return self.deadline - time.monotonic()

    def cancel(self) -> None:
        self.cancelled.set()
        for close in self.on_cancel:
            try:
                close()
            except Exception:  # noqa: BLE001 - best effort: the worker's read fails or times out anyway
                pass


class Backend:
    """Base class: subclasses set ``name``, ``key_env`` and ``requires`` and implement the hooks above."""

    name: ClassVar[str] = ""
    key_env: ClassVar[tuple[str, ...]] = ()  # environment variables read for the API key, first wins
    requires: ClassVar[tuple[str, str]] = ("", "")  # (module to import, pip install line)
    default_model: ClassVar[str] = ""
    retryable: ClassVar[bool] = True  # remote servers: retry 429, 5xx and dropped connections

    def __init__(self, settings: Settings, env: Mapping[str, str] | None = None) -> None:
        import os

        self.settings = settings
        self.env = dict(os.environ if env is None else env)
        self.model = settings.model or self.default_model
        self.temperature, self.max_tokens = settings.temperature, settings.max_tokens
        self.timeout, self.retries, self.backoff = settings.timeout, settings.retries, settings.retry_backoff
        self.api_key = Secret(next((self.env[k] for k in self.key_env if self.env.get(k)), ""))
        self._ready = False
        self._ready_lock = threading.Lock()

    def __repr__(self) -> str:
        return f"{type(self).__name__}(model={self.model!r})"

    # lifecycle
    def warm_up(self) -> Backend:
        """Import the client library and load the model (idempotent)."""
        with self._ready_lock:
            if not self._ready:
                self.require()
                mask_logs()
                self._load()
                self._ready = True
        return self

    def require(self) -> None:
        """Raise with the `pip install` line when the backend's client package is missing."""
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
    def deadline(self) -> float:
        """A deadline (``time.monotonic()`` value) ``timeout`` seconds from now: pass it to every call of one
        answer (condense, rewrite, generate) so the answer as a whole keeps it."""
        return time.monotonic() + self.timeout

    def complete(self, messages: Messages, deadline: float | None = None) -> str:
        """The whole reply to ``messages``, within ``timeout`` seconds (and ``deadline``, when given)."""
        self.warm_up()
        text = "".join(self._run(messages, streaming=False, deadline=deadline))
        if not text.strip():
            raise self._empty()
        return text

    def stream(self, messages: Messages, deadline: float | None = None) -> Iterator[str]:
        """The reply in pieces as they arrive, all within the deadline. Failures before the first piece
        are retried like ``complete``."""
        self.warm_up()
        produced = False
        for piece in self._run(messages, streaming=True, deadline=deadline):
            produced = True
            yield piece
        if not produced:
            raise self._empty()

    def _run(self, messages: Messages, streaming: bool, deadline: float | None = None) -> Iterator[str]:
        """The reply's pieces from a worker thread, waited for no longer than the deadline."""
        call = Call(deadline=min(self.deadline(), deadline if deadline is not None else float("inf")))
        out: queue.Queue = queue.Queue()

        def work() -> None:
            try:
                for piece in self._attempts(messages, call, streaming):
                    if call.cancelled.is_set():
                        return
                    if piece:
                        out.put(("piece", piece))
                out.put(("done", None))
            except BaseException as exc:  # noqa: BLE001 - handed to the caller's thread
                out.put(("error", exc))

        threading.Thread(target=work, name=f"{self.name}-answer", daemon=True).start()
        try:
            while True:
                try:
                    kind, value = out.get(timeout=max(call.remaining(), 0.0))
                except queue.Empty:
                    raise BackendError(scrub(self._timeout_message(), self.api_key)) from None
                if kind == "done":
                    return
                if kind == "error":
                    if isinstance(value, BackendError):
                        raise BackendError(scrub(str(value), self.api_key)) from None
                    raise self._translate(value, call.attempts) from None
                yield value
        finally:
            call.cancel()  # a finished, failed, timed-out or abandoned answer stops its worker

    def _attempts(self, messages: Messages, call: Call, streaming: bool) -> Iterator[str]:
        """The pieces of the first attempt that starts replying; earlier attempts are retried (tenacity)."""
        from tenacity import Retrying, retry_if_exception, stop_after_attempt

        def start() -> Iterator[str]:
            call.attempts += 1
            if streaming:
                return _primed(self._stream(messages, call))
            return iter((self._complete(messages, call),))

        def wait(state) -> float:
            failure = self._classify(state.outcome.exception())
            backoff = self.backoff * 2 ** (state.attempt_number - 1)
            return failure.retry_after if failure.retry_after is not None else min(backoff, 60.0)

        def out_of_time(state) -> bool:
            return call.remaining() <= (state.upcoming_sleep or 0.0) or call.cancelled.is_set()

        def before_sleep(state) -> None:
            f = self._classify(state.outcome.exception())
            log.info("%s backend: %s, retry %d in %.2f s", self.name, f.status or f.kind, state.attempt_number,
                     state.upcoming_sleep)

        retrying = Retrying(stop=stop_after_attempt(self.retries + 1 if self.retryable else 1) | out_of_time,
                            wait=wait, retry=retry_if_exception(self._retry_on), reraise=True,
                            sleep=lambda seconds: call.cancelled.wait(seconds), before_sleep=before_sleep)
        yield from retrying(start)

    def _retry_on(self, exc: BaseException) -> bool:
        if isinstance(exc, BackendError):
            return False
        f = self._classify(exc)
        return f.status == 429 or (f.status or 0) >= 500 or f.kind == "closed"

    def _load(self) -> None:
        raise NotImplementedError

    def _complete(self, messages: Messages, call: Call) -> str:
        raise NotImplementedError

    def _stream(self, messages: Messages, call: Call) -> Iterator[str]:
        yield self._complete(messages, call)

    def _classify(self, exc: BaseException) -> Failure:
        """What ``exc`` means; subclasses add their client's exception types, then call this."""
        for e in causes(exc):
            if isinstance(e, TimeoutError):
                return Failure("timeout")
            if isinstance(e, ConnectionRefusedError):
                return Failure("refused")
            if isinstance(e, (ConnectionResetError, ConnectionAbortedError, BrokenPipeError, EOFError)):
                return Failure("closed")
            if isinstance(e, (json.JSONDecodeError, UnicodeDecodeError)):
                return Failure("malformed")
        return Failure("other")

    # messages
    def _where(self) -> str:
        return f"The {self.name} backend ({self.model}{' at ' + self.where() if self.where() else ''})"

    def _timeout_message(self) -> str:
        return (f"{self._where()} did not answer within {self.timeout:g} s (the deadline for a whole answer, "
                "streamed or not). Raise the timeout setting (RAG_TIMEOUT) or use a smaller model.")

    def _empty(self) -> BackendError:
        return BackendError(f"{self._where()} returned an empty reply. Try again, or try another model.")

    def _key_hint(self) -> str:
        return f"Set {' or '.join(self.key_env) or 'the server API key variable'} to a valid API key."

    def _translate(self, exc: BaseException, attempts: int = 1) -> BackendError:
        """A ``BackendError`` that names the cause and the fix, without the API key or URL credentials."""
        where, f = self._where(), self._classify(exc)
        tries = f" after {attempts} attempts" if attempts > 1 else ""
        if f.kind == "timeout":
            msg = self._timeout_message()
        elif f.kind == "refused":
            msg = f"{where} is unreachable (connection refused). Start the server or fix base_url (RAG_BASE_URL)."
        elif f.status in (401, 403):
            msg = f"{where} refused the credentials ({f.status}). {self._key_hint()}"
        elif f.status == 404:
            msg = f"{where} does not know this model or endpoint (404). Check the model name (RAG_MODEL) and base_url."
        elif f.status == 429:
            msg = f"{where} is rate limiting requests (429){tries}. Wait a moment and try again."
        elif f.status and f.status >= 500:
            msg = f"{where} had a server error ({f.status}){tries}. Try again later."
        elif f.kind == "closed":
            msg = f"{where} closed the connection before replying{tries}. Check the server's log."
        elif f.kind == "malformed":
            msg = f"{where} sent a reply that is not valid JSON for its API. Check that base_url points at the right kind of server."
        elif f.status:
            msg = f"{where} refused the request ({f.status}): {str(exc)[:300]}"
        else:
            msg = f"{where} failed: {type(exc).__name__}: {str(exc)[:300]}"
        return BackendError(scrub(msg, self.api_key))

    def where(self) -> str:
        """Where the backend runs (a URL without credentials, or a path), for messages."""
        return ""


def _primed(gen: Iterator[str]) -> Iterator[str]:
    """Start ``gen`` now, so connection and status failures surface inside the retry loop."""
    gen = iter(gen)
    for first in gen:
        if first:
            break
    else:
        return iter(())

    def chained():
        yield first
        yield from gen

    return chained()


def causes(exc: BaseException | None) -> Iterator[BaseException]:
    """``exc`` and what raised it, cause after cause: client libraries wrap the socket error that tells."""
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        exc = exc.__cause__ or exc.__context__


__all__ = ["Backend", "BackendError", "Call", "Failure", "Messages", "Secret", "causes", "scrub",
           "without_credentials"]
