"""Hosted OpenAI and any server that speaks its chat-completions API (vLLM, llama.cpp's server, LM Studio,
Ollama's /v1, other providers), through the official ``openai`` client.

The key: ``RAG_API_KEY`` is sent to whatever ``base_url`` is set (the user named it for this tool).
``OPENAI_API_KEY`` is sent only to api.openai.com, or to another ``base_url`` when the ``send_api_key``
setting (``RAG_SEND_API_KEY=1``) says so: a local or third-party server never sees it by accident. A query
string in ``base_url`` (``?token=...``) is sent as the client's default query and masked in every message.
The client's own retries are off: ``Backend`` retries (tenacity, Retry-After honoured) within the answer's
deadline. Left out: the Responses API, tools.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import parse_qsl, urlsplit, urlunsplit

from ..errors import ConfigError
from .base import Backend, Call, Failure, Messages, causes, without_credentials

OPENAI_URL = "https://api.openai.com/v1"
OPENAI_HOST = "api.openai.com"


class OpenAIBackend(Backend):
    name = "openai"
    key_env = ("RAG_API_KEY", "OPENAI_API_KEY")
    requires = ("openai", 'pip install openai  (in a checkout: pip install ".[llm]")')
    default_model = "gpt-4o-mini"

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        self.base_url = (settings.base_url or self.env.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {without_credentials(self.base_url)!r}")
        self.official = (urlsplit(self.base_url).hostname or "").lower() == OPENAI_HOST
        if not self.env.get("RAG_API_KEY") and not (self.official or settings.send_api_key):
            self.api_key = type(self.api_key)("")  # OPENAI_API_KEY is for api.openai.com only
        self._withheld = bool(self.env.get("OPENAI_API_KEY")) and not self.api_key
        if not self.api_key and self.official:
            raise ConfigError("The openai backend needs an API key for api.openai.com: set OPENAI_API_KEY "
                              "(export OPENAI_API_KEY=sk-...), or set base_url (RAG_BASE_URL / --base-url) "
                              "to an OpenAI-compatible server that needs none.")
        self._client = None

    def where(self) -> str:
        return without_credentials(self.base_url)

    def endpoint(self, path: str) -> str:
        """The URL of ``path`` (e.g. ``/models``) on this server, ``base_url``'s query string kept after it."""
        return _join(self.base_url, path)

    def _key_hint(self) -> str:
        if self._withheld:
            return ("OPENAI_API_KEY is sent only to api.openai.com: set RAG_API_KEY to this server's key, or "
                    "RAG_SEND_API_KEY=1 (send_api_key = true) to send OPENAI_API_KEY to it.")
        return super()._key_hint()

    def _load(self) -> None:
        import httpx
        from openai import Omit, OpenAI

        parts = urlsplit(self.base_url)
        query = dict(parse_qsl(parts.query, keep_blank_values=True)) or None
        headers = {} if self.official else {"OpenAI-Organization": Omit(), "OpenAI-Project": Omit()}
        # every value passed explicitly: the client must not read OPENAI_* from the environment by itself
        self._client = OpenAI(api_key=self.api_key.reveal() or "no-key", base_url=urlunsplit((*parts[:3], "", "")),
                              organization=self.env.get("OPENAI_ORG_ID") if self.official else None,
                              project=self.env.get("OPENAI_PROJECT_ID") if self.official else None,
                              default_headers=headers or None, default_query=query, max_retries=0,
                              timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))

    def _args(self, messages: Messages) -> dict:
        from openai import Omit

        args = {"model": self.model, "messages": messages, "temperature": self.temperature,
                "max_tokens": self.max_tokens}
        if not self.api_key:
            args["extra_headers"] = {"Authorization": Omit()}  # no key: no Authorization header at all
        return args

    def _complete(self, messages: Messages, call: Call) -> str:
        reply = self._client.chat.completions.create(**self._args(messages))
        return (reply.choices[0].message.content or "") if reply.choices else ""

    def _stream(self, messages: Messages, call: Call) -> Iterator[str]:
        stream = self._client.chat.completions.create(stream=True, **self._args(messages))
        call.on_cancel.append(stream.close)
        with stream:
            for chunk in stream:
                if chunk.choices and chunk.choices[0].delta and chunk.choices[0].delta.content:
                    yield chunk.choices[0].delta.content

    def _classify(self, exc: BaseException) -> Failure:
        import httpx
        import openai

        for e in causes(exc):
            if isinstance(e, openai.APIStatusError):
                return Failure("status", e.status_code, _retry_after(e.response.headers))
            if isinstance(e, (openai.APITimeoutError, httpx.TimeoutException)):
                return Failure("timeout")
            if isinstance(e, httpx.ConnectError):
                return Failure("refused")
            if isinstance(e, (httpx.RemoteProtocolError, httpx.ReadError)):
                return Failure("closed")
            if isinstance(e, openai.APIResponseValidationError):
                return Failure("malformed")
        base = super()._classify(exc)
        if base.kind == "other" and any(isinstance(e, openai.APIConnectionError) for e in causes(exc)):
            return Failure("closed")
        return base


def _retry_after(headers) -> float | None:
    """Seconds from ``retry-after-ms`` or ``retry-after`` (seconds or an HTTP date), capped at 60."""
    import email.utils
    import time

    try:
        if headers.get("retry-after-ms"):
            return min(float(headers["retry-after-ms"]) / 1000, 60.0)
        value = headers.get("retry-after")
        if value is None:
            return None
        try:
            seconds = float(value)
        except ValueError:
            seconds = email.utils.parsedate_to_datetime(value).timestamp() - time.time()
        return min(max(seconds, 0.0), 60.0)
    except (TypeError, ValueError, OverflowError):
        return None


def _join(base: str, path: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + path, parts.query, ""))
