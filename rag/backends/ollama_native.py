"""Ollama's native chat API (``/api/chat``) through llama-index's Ollama integration.

The host is ``base_url``, else ``OLLAMA_HOST``, else http://127.0.0.1:11434. The context window is sent
explicitly (``context_window`` setting), so Ollama neither truncates the passages at its 2048-token default
nor is asked for its model info first. ``OLLAMA_API_KEY``, when set, is sent as a bearer token (ollama.com).
"""

from __future__ import annotations


from ..errors import ConfigError
from .base import LlamaIndexChat, without_credentials

DEFAULT_HOST = "http://127.0.0.1:11434"


class OllamaBackend(LlamaIndexChat):
    name = "ollama"
    options = LlamaIndexChat.options + ("base_url", "context_window")
    key_env = ("OLLAMA_API_KEY",)
    requires = ("llama_index.llms.ollama", 'pip install llama-index-llms-ollama  (in a checkout: pip install ".[llm]")')
    default_model = "llama3.2"

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        host = settings.base_url or self.env.get("OLLAMA_HOST") or DEFAULT_HOST
        if "://" not in host:
            host = "http://" + host
        self.base_url = host.rstrip("/").removesuffix("/api")
        if self.base_url.endswith("/v1"):
            raise ConfigError(f"base_url {self.base_url!r} is Ollama's OpenAI-compatible endpoint: use "
                              "--backend openai with it, or drop /v1 for the ollama backend.")
        self._llm = None

    def where(self) -> str:
        return without_credentials(self.base_url)

    def _load(self) -> None:
        from llama_index.llms.ollama import Ollama

        headers = {"Authorization": f"Bearer {self.api_key.reveal()}"} if self.api_key else None
        self._llm = Ollama(model=self.model, base_url=self.base_url, temperature=self.temperature,
                           request_timeout=self.timeout, context_window=self.settings.context_window,
                           additional_kwargs={"num_predict": self.max_tokens}, headers=headers,
                           is_function_calling_model=False)
