"""Hosted OpenAI and any server that speaks its chat-completions API (vLLM, llama.cpp's server, LM Studio,
Ollama's /v1, other providers), through llama-index's OpenAI integration.

llama-index's ``OpenAI`` looks every model name up in a table of OpenAI models; ``_AnyModel`` declares any
name a chat model instead, so local and third-party model names work. The client's own retries are turned
off: ``Backend`` retries with its own bounded backoff. Left out: the Responses API, tools.
"""

from __future__ import annotations

from collections.abc import Iterator

from ..errors import ConfigError
from .base import Backend, Messages, without_credentials

OPENAI_URL = "https://api.openai.com/v1"


class OpenAIBackend(Backend):
    name = "openai"
    options = Backend.options + ("base_url",)
    key_env = ("RAG_API_KEY", "OPENAI_API_KEY")
    requires = ("llama_index.llms.openai", 'pip install llama-index-llms-openai  (in a checkout: pip install ".[llm]")')
    default_model = "gpt-4o-mini"

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        self.base_url = (settings.base_url or self.env.get("OPENAI_BASE_URL") or OPENAI_URL).rstrip("/")
        if not self.base_url.startswith(("http://", "https://")):
            raise ConfigError(f"base_url must start with http:// or https://, got {self.base_url!r}")
        if not self.api_key and self.base_url == OPENAI_URL:
            raise ConfigError("The openai backend needs an API key for api.openai.com: set OPENAI_API_KEY "
                              "(export OPENAI_API_KEY=sk-...), or set base_url (RAG_BASE_URL / --base-url) "
                              "to an OpenAI-compatible server that needs none.")
        self._llm = None

    def where(self) -> str:
        return without_credentials(self.base_url)

    def _load(self) -> None:
        from llama_index.core.base.llms.types import LLMMetadata
        from llama_index.llms.openai import OpenAI

        class _AnyModel(OpenAI):
            @property
            def metadata(self) -> LLMMetadata:
                return LLMMetadata(context_window=self.context_window_hint, num_output=self.max_tokens or -1,
                                   is_chat_model=True, model_name=self.model)

            context_window_hint: int = 8192

            def __repr__(self) -> str:  # pydantic's would print api_key
                return f"OpenAI(model={self.model!r}, api_base={self.api_base!r})"

            __str__ = __repr__

        # a local server needs no key, but the client insists on one
        self._llm = _AnyModel(model=self.model, temperature=self.temperature, max_tokens=self.max_tokens,
                              timeout=self.timeout, max_retries=0, api_key=self.api_key.reveal() or "not-needed",
                              api_base=self.base_url, context_window_hint=self.settings.context_window)

    def _messages(self, messages: Messages):
        from llama_index.core.base.llms.types import ChatMessage

        return [ChatMessage(role=m["role"], content=m["content"]) for m in messages]

    def _complete(self, messages: Messages) -> str:
        reply = self._llm.chat(self._messages(messages))
        return reply.message.content or ""

    def _stream(self, messages: Messages) -> Iterator[str]:
        for chunk in self._llm.stream_chat(self._messages(messages)):
            if chunk.delta:
                yield chunk.delta
