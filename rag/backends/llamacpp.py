"""In-process GGUF models through llama-cpp-python (optional: ``pip install ".[llamacpp]"``).

Uses ``Llama.create_chat_completion``, which applies the chat template stored in the GGUF file. (llama-index's
LlamaCPP wrapper formats prompts with a fixed Llama-2 template instead, which garbles other model families,
so this backend talks to llama-cpp-python directly.) ``model`` is the path of a .gguf file; ``llm_device``
cpu keeps every layer on the CPU, anything else offloads all layers to the GPU when the build supports it.
"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError, ModelLoadError
from .base import Backend, Call, Messages


class LlamaCppBackend(Backend):
    name = "llamacpp"
    retryable = False  # in process: a failure would fail again
    requires = ("llama_cpp", 'pip install llama-cpp-python  (in a checkout: pip install ".[llamacpp]")')

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        if not self.model:
            raise ConfigError("The llamacpp backend needs a model: set model (RAG_MODEL / --model) to the path of "
                              "a .gguf file.")
        self._llm = None

    def where(self) -> str:
        return str(Path(self.model).expanduser())

    def _load(self) -> None:
        from llama_cpp import Llama

        path = Path(self.model).expanduser()
        if not path.is_file():
            raise ModelLoadError(f"No GGUF model file at {path}: set model (RAG_MODEL) to a .gguf file path.")
        try:
            self._llm = Llama(model_path=str(path), n_ctx=self.settings.context_window, verbose=False,
                              n_gpu_layers=0 if self.settings.llm_device == "cpu" else -1)
        except (ValueError, RuntimeError, OSError) as exc:
            raise ModelLoadError(f"llama.cpp could not load {path}: {exc}") from None

    def _args(self, messages: Messages) -> dict:
        return {"messages": messages, "temperature": self.temperature, "max_tokens": self.max_tokens}

    def _complete(self, messages: Messages, call: Call) -> str:
        reply = self._llm.create_chat_completion(**self._args(messages))
        return reply["choices"][0]["message"].get("content") or ""

    def _stream(self, messages: Messages, call: Call) -> Iterator[str]:
        for chunk in self._llm.create_chat_completion(stream=True, **self._args(messages)):
            if call.cancelled.is_set():  # the deadline passed or the caller gave up: stop generating
                return
            piece = chunk["choices"][0]["delta"].get("content")
            if piece:
                yield piece
