"""Precedence: defaults < rag.toml < RAG_* environment < explicit arguments."""

import pytest

from rag.errors import ConfigError
from rag.settings import Settings


def test_precedence(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text('top_k = 7\nbackend = "extractive"\nchunk_tokens = 120\n', encoding="utf-8")
    assert Settings.load(env={}).top_k == 5
    assert Settings.load(toml, env={}).top_k == 7
    s = Settings.load(toml, env={"RAG_TOP_K": "9", "RAG_SHARE": "yes"})
    assert (s.top_k, s.share, s.chunk_tokens) == (9, True, 120)
    assert Settings.load(toml, env={"RAG_TOP_K": "9"}, top_k=3).top_k == 3
    assert Settings.load(env={"RAG_CONFIG": str(toml)}).top_k == 7


@pytest.mark.parametrize("env,message", [
    ({"RAG_TOP_K": "many"}, "top_k must be int"),
    ({"RAG_TOP_K": "-2"}, "top_k has an invalid value: -2"),
    ({"RAG_SHARE": "maybe"}, "share must be bool"),
])
def test_bad_values_are_quoted(env, message):
    with pytest.raises(ConfigError, match=message):
        Settings.load(env=env)


def test_unknown_keys_are_named(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("topk = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match="topk"):
        Settings.load(toml, env={})
    with pytest.raises(ConfigError, match="does not exist"):
        Settings.load(tmp_path / "missing.toml", env={})
