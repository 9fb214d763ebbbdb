"""In-process generation with a Hugging Face causal LM (a local folder or a hub id), through llama-index's
``HuggingFaceLLM``, with the model's own chat template.

``model`` names the folder or hub id; ``llm_device`` picks cpu, cuda or auto (cuda when available). Two
repairs over the stock integration: the templated prompt is tokenized without adding a second BOS token,
and a failure inside the streaming thread ends the stream with that error instead of hanging it.
Left out: quantization and multi-GPU placement (load such models behind a server and use ``openai``).
"""

from __future__ import annotations

import threading
from pathlib import Path

from ..errors import ConfigError, ModelLoadError
from .base import LlamaIndexChat


class TransformersBackend(LlamaIndexChat):
    name = "transformers"
    options = LlamaIndexChat.options + ("llm_device", "context_window")
    requires = ("llama_index.llms.huggingface", 'pip install llama-index-llms-huggingface  (in a checkout: pip install ".[llm]")')

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        if not self.model:
            raise ConfigError("The transformers backend needs a model: set model (RAG_MODEL / --model) to a local "
                              "model folder or a hub id, e.g. Qwen/Qwen2.5-1.5B-Instruct.")
        self.device = settings.llm_device
        if self.device not in ("auto", "cpu") and not self.device.startswith(("cuda", "mps")):
            raise ConfigError(f"llm_device must be auto, cpu, cuda[:n] or mps, got {self.device!r}")
        self._llm = None

    def where(self) -> str:
        return self.device

    def _load(self) -> None:
        import torch
        from transformers import AutoModelForCausalLM, AutoTokenizer

        device = ("cuda" if torch.cuda.is_available() else "cpu") if self.device == "auto" else self.device
        local = Path(self.model).expanduser()
        source = str(local) if local.exists() else self.model
        try:
            tokenizer = AutoTokenizer.from_pretrained(source)
            model = AutoModelForCausalLM.from_pretrained(source, dtype="auto" if device != "cpu" else torch.float32)
            model.to(device).eval()
        except (OSError, ValueError) as exc:
            hint = "" if local.exists() else " It is neither a local folder nor a downloaded hub model (HF_HUB_OFFLINE?)."
            raise ModelLoadError(f"Could not load the transformers model {self.model!r}: {exc}.{hint}") from None
        self.device = device
        self._llm = _llm_class()(model=model, tokenizer=tokenizer, model_name=self.model, tokenizer_name=self.model,
                                 context_window=self.settings.context_window, max_new_tokens=self.max_tokens,
                                 generate_kwargs=_sampling(self.temperature, tokenizer), is_chat_model=True,
                                 messages_to_prompt=None if tokenizer.chat_template else _plain_prompt)



def _sampling(temperature: float, tokenizer) -> dict:
    kwargs = {"do_sample": temperature > 0, "pad_token_id": tokenizer.pad_token_id or tokenizer.eos_token_id}
    if temperature > 0:
        kwargs["temperature"] = temperature
    return kwargs


def _plain_prompt(messages) -> str:
    """For models without a chat template: role-labelled turns, then the assistant's cue."""
    return "".join(f"{m.role.value}: {m.content}\n\n" for m in messages) + "assistant:"


def _llm_class():
    from llama_index.core.base.llms.types import CompletionResponse
    from llama_index.llms.huggingface import HuggingFaceLLM
    from transformers import TextIteratorStreamer

    class _HF(HuggingFaceLLM):
        def _inputs(self, prompt: str):
            return self._tokenizer(prompt, return_tensors="pt", add_special_tokens=False).to(self._model.device)

        def complete(self, prompt: str, formatted: bool = False, **kwargs) -> CompletionResponse:
            inputs = self._inputs(prompt)
            tokens = self._model.generate(**inputs, max_new_tokens=self.max_new_tokens, **self.generate_kwargs)
            new = tokens[0][inputs["input_ids"].size(1):]
            return CompletionResponse(text=self._tokenizer.decode(new, skip_special_tokens=True))

        def stream_complete(self, prompt: str, formatted: bool = False, **kwargs):
            inputs = self._inputs(prompt)
            streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
            failure: list[BaseException] = []

            def run():
                try:
                    self._model.generate(**inputs, streamer=streamer, max_new_tokens=self.max_new_tokens,
                                         **self.generate_kwargs)
                except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                    failure.append(exc)
                    streamer.end()

            threading.Thread(target=run, daemon=True).start()

            def gen():
                text = ""
                for piece in streamer:
                    text += piece
                    yield CompletionResponse(text=text, delta=piece)
                if failure:
                    raise failure[0]

            return gen()

    return _HF
