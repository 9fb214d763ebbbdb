"""Ollama's native chat API (``/api/chat``) through the official ``ollama`` client.

The host is ``base_url``, else ``OLLAMA_HOST``, else http://127.0.0.1:11434. The context window is sent
explicitly (``context_window`` setting), so Ollama does not truncate the passages at its 2048-token default.
``OLLAMA_API_KEY`` is sent as a bearer token to ollama.com, and to another host only with ``send_api_key``
(the client would otherwise send it to any host). Retries and the deadline are ``Backend``'s.
"""

from __future__ import annotations

from collections.abc import Iterator
from urllib.parse import urlsplit, urlunsplit

from ..errors import ConfigError
from .base import Backend, Call, Failure, Messages, causes, without_credentials

DEFAULT_HOST = "http://127.0.0.1:11434"


class OllamaBackend(Backend):
    name = "ollama"
    key_env = ("OLLAMA_API_KEY",)
    requires = ("ollama", 'pip install ollama  (in a checkout: pip install ".[llm]")')
    default_model = "llama3.2"

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        host = settings.base_url or self.env.get("OLLAMA_HOST") or DEFAULT_HOST
        if "://" not in host:
            host = "http://" + host
        self.base_url = host.rstrip("/").removesuffix("/api")
        if self.base_url.endswith("/v1"):
            raise ConfigError(f"base_url {without_credentials(self.base_url)!r} is Ollama's OpenAI-compatible "
                              "endpoint: use --backend openai with it, or drop /v1 for the ollama backend.")
        hostname = (urlsplit(self.base_url).hostname or "").lower()
        if not (hostname == "ollama.com" or hostname.endswith(".ollama.com") or settings.send_api_key):
            self.api_key = type(self.api_key)("")
        self._client = None

    def where(self) -> str:
        return without_credentials(self.base_url)

    def endpoint(self, path: str) -> str:
        """The URL of ``path`` (e.g. ``/models``) on this server, ``base_url``'s query string kept after it."""
        return _join(self.base_url, path)

    def _load(self) -> None:
        import httpx
        from ollama import Client

        self._client = Client(host=self.base_url, timeout=httpx.Timeout(self.timeout, connect=min(self.timeout, 10.0)))
        headers = self._client._client.headers  # the httpx client's: ollama adds OLLAMA_API_KEY from os.environ
        headers.pop("authorization", None)
        if self.api_key:
            headers["authorization"] = f"Bearer {self.api_key.reveal()}"

    def _args(self, messages: Messages) -> dict:
        return {"model": self.model, "messages": messages,
                "options": {"temperature": self.temperature, "num_predict": self.max_tokens,
                            "num_ctx": self.settings.context_window}}

    def _complete(self, messages: Messages, call: Call) -> str:
        return self._client.chat(stream=False, **self._args(messages)).message.content or ""

    def _stream(self, messages: Messages, call: Call) -> Iterator[str]:
        for part in self._client.chat(stream=True, **self._args(messages)):
            if part.message and part.message.content:
                yield part.message.content

    def _classify(self, exc: BaseException) -> Failure:
        import httpx
        import pydantic
        from ollama import ResponseError

        for e in causes(exc):
            if isinstance(e, ResponseError):  # status -1: an error line inside a streamed reply
                return Failure("status", e.status_code) if e.status_code > 0 else Failure("other")
            if isinstance(e, httpx.TimeoutException):
                return Failure("timeout")
            if isinstance(e, httpx.ConnectError) or type(e) is ConnectionError:  # ollama wraps ConnectError
                return Failure("refused")
            if isinstance(e, (httpx.RemoteProtocolError, httpx.ReadError)):
                return Failure("closed")
            if isinstance(e, pydantic.ValidationError):
                return Failure("malformed")
        return super()._classify(exc)


def _join(base: str, path: str) -> str:
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, parts.path.rstrip("/") + path, parts.query, ""))
