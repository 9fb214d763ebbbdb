"""LLM fixtures: a tiny causal LM built from scratch, and a stand-in LLM server that runs it.

The model has random weights (its text is gibberish), a BPE tokenizer trained on the seed articles and a
chat template, so the real ``transformers`` path (template, generate, decode, stream) runs end to end in
seconds. Import with ``from tests.llm_fixtures import *`` in the test modules that need them.
"""

from __future__ import annotations

import pytest

from tests.conftest import SEEDS

CHAT_TEMPLATE = (
    "{% for m in messages %}<|{{ m['role'] }}|>\n{{ m['content'] }}<|end|>\n{% endfor %}"
    "{% if add_generation_prompt %}<|assistant|>\n{% endif %}"
)
SPECIAL = ["<|pad|>", "<|bos|>", "<|end|>", "<|system|>", "<|user|>", "<|assistant|>", "<|unk|>"]


def build_tiny_model(folder, vocab_size: int = 800, seed: int = 0):
    """Train a byte-level BPE tokenizer on the seeds and save it with a random 2-layer Llama to ``folder``."""
    import torch
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, trainers
    from transformers import LlamaConfig, LlamaForCausalLM, PreTrainedTokenizerFast

    bpe = Tokenizer(models.BPE(unk_token="<|unk|>"))
    bpe.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    bpe.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(vocab_size=vocab_size, special_tokens=SPECIAL,
                                  initial_alphabet=pre_tokenizers.ByteLevel.alphabet())
    texts = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.iterdir())]
    bpe.train_from_iterator(texts + ["[1] [2] [3] [4] [5] Passages question answer the articles don't say"], trainer)
    tok = PreTrainedTokenizerFast(tokenizer_object=bpe, bos_token="<|bos|>", eos_token="<|end|>",
                                  pad_token="<|pad|>", unk_token="<|unk|>")
    tok.chat_template = CHAT_TEMPLATE
    torch.manual_seed(seed)
    config = LlamaConfig(vocab_size=len(tok), hidden_size=32, intermediate_size=64, num_hidden_layers=2,
                         num_attention_heads=2, num_key_value_heads=2, max_position_embeddings=8192,
                         bos_token_id=tok.bos_token_id, eos_token_id=tok.eos_token_id, pad_token_id=tok.pad_token_id,
                         tie_word_embeddings=False, initializer_range=1.0)  # large weights: varied text
    model = LlamaForCausalLM(config)
    model.generation_config.eos_token_id = tok.eos_token_id
    model.generation_config.pad_token_id = tok.pad_token_id
    model.save_pretrained(folder)
    tok.save_pretrained(folder)
    return folder


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    return str(build_tiny_model(tmp_path_factory.mktemp("tiny-llm")))


@pytest.fixture(scope="session")
def llm_server(tiny_model_dir):
    """A stand-in OpenAI / Ollama server on 127.0.0.1 generating with the tiny model; shut down at the end."""
    from tests.llm_server import LLMServer

    server = LLMServer(tiny_model_dir).start()
    yield server
    server.stop()


@pytest.fixture
def server(llm_server):
    """The session's server with no scripted replies or faults left over from another test."""
    llm_server.reset()
    yield llm_server
    llm_server.reset()


@pytest.fixture(scope="session")
def llm_settings(settings):
    """The session settings tuned for fast LLM tests: short replies, quick retries; a deadline that holds on a
    busy machine (tests of the deadline set their own)."""
    return settings.replace(max_tokens=24, temperature=0.0, timeout=30.0, retries=2, retry_backoff=0.01,
                            context_window=4096)
