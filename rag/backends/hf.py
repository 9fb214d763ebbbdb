"""In-process generation with a Hugging Face causal LM (a local folder or a hub id), directly through
``transformers``, with the model's own chat template.

``model`` names the folder or hub id; ``llm_device`` picks cpu, cuda or auto (cuda when available). The
templated prompt is tokenized without adding a second BOS token; a model without a chat template gets
role-labelled turns. Generation stops when the answer's deadline passes or the caller gives up (a
stopping criterion), and a failure inside the streaming thread ends the stream with that error.
Left out: quantization and multi-GPU placement (load such models behind a server and use ``openai``).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

from ..errors import ConfigError, ModelLoadError
from .base import Backend, Call, Messages


class TransformersBackend(Backend):
    name = "transformers"
    requires = ("transformers", 'pip install transformers  (in a checkout: pip install ".[llm]")')
    retryable = False  # in process: a failure would fail again

    def __init__(self, settings, env=None) -> None:
        super().__init__(settings, env)
        if not self.model:
            raise ConfigError("The transformers backend needs a model: set model (RAG_MODEL / --model) to a local "
                              "model folder or a hub id, e.g. Qwen/Qwen2.5-1.5B-Instruct.")
        self.device = settings.llm_device
        if self.device not in ("auto", "cpu") and not self.device.startswith(("cuda", "mps")):
            raise ConfigError(f"llm_device must be auto, cpu, cuda[:n] or mps, got {self.device!r}")
        self._model = self._tokenizer = None
        self._generating = threading.Lock()  # one generation at a time per loaded model

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
        self.device, self._model, self._tokenizer = device, model, tokenizer

    def _inputs(self, messages: Messages):
        tok = self._tokenizer
        if tok.chat_template:
            prompt = tok.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
        else:  # role-labelled turns, then the assistant's cue
            prompt = "".join(f"{m['role']}: {m['content']}\n\n" for m in messages) + "assistant:"
        return tok(prompt, return_tensors="pt", add_special_tokens=False).to(self._model.device)

    def _generate_kwargs(self, call: Call) -> dict:
        from transformers import StoppingCriteria, StoppingCriteriaList

        class _Stop(StoppingCriteria):
            def __call__(self, input_ids, scores, **kwargs) -> bool:
                return call.cancelled.is_set() or call.remaining() <= 0

        tok = self._tokenizer
        kwargs = {"max_new_tokens": self.max_tokens, "do_sample": self.temperature > 0,
                  "pad_token_id": tok.pad_token_id if tok.pad_token_id is not None else tok.eos_token_id,
                  "stopping_criteria": StoppingCriteriaList([_Stop()])}
        if self.temperature > 0:
            kwargs["temperature"] = self.temperature
        return kwargs

    def _complete(self, messages: Messages, call: Call) -> str:
        import torch

        inputs = self._inputs(messages)
        with self._generating, torch.no_grad():
            tokens = self._model.generate(**inputs, **self._generate_kwargs(call))
        return self._tokenizer.decode(tokens[0][inputs["input_ids"].size(1):], skip_special_tokens=True)

    def _stream(self, messages: Messages, call: Call) -> Iterator[str]:
        import torch
        from transformers import TextIteratorStreamer

        inputs = self._inputs(messages)
        streamer = TextIteratorStreamer(self._tokenizer, skip_prompt=True, skip_special_tokens=True)
        failure: list[BaseException] = []

        def run() -> None:
            try:
                with self._generating, torch.no_grad():
                    self._model.generate(**inputs, streamer=streamer, **self._generate_kwargs(call))
            except BaseException as exc:  # noqa: BLE001 - handed to the reading thread
                failure.append(exc)
                streamer.end()

        threading.Thread(target=run, daemon=True, name="transformers-generate").start()
        for piece in streamer:
            yield piece
        if failure:
            raise failure[0]
