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


@pytest.mark.parametrize("line, quoted", [
    ("top_k = 3.5", "got 3.5"),
    ("top_k = [1, 2]", "got [1, 2]"),
    ("top_k = true", "got true"),
    ("share = 1", "share must be bool"),
    ("timeout = inf", "timeout must be a finite number, got inf"),
    ("lexical_weight = nan", "lexical_weight must be a finite number, got nan"),
    ('collection = ""', "collection has an invalid value: ''"),
    ("chunk_overlap = 200", "must be smaller than chunk_tokens (160)"),
    ("[rag]\ntop_k = 0", "top_k has an invalid value: 0"),
])
def test_bad_file_values_name_setting_value_file_and_fix(tmp_path, line, quoted):
    toml = tmp_path / "rag.toml"
    toml.write_text(line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        Settings.load(toml, env={})
    message = str(info.value)
    name = line.split("\n")[-1].split(" ")[0]
    assert quoted in message and str(toml) in message and "\n" not in message
    assert f"e.g. {name} = " in message  # says what to write instead


@pytest.mark.parametrize("env, quoted", [
    ({"RAG_COLLECTION": ""}, "collection has an invalid value: '' in RAG_COLLECTION: it must not be empty"),
    ({"RAG_COLLECTION": "my articles"}, "'my articles' in RAG_COLLECTION"),
    ({"RAG_COLLECTION": "x-sentences"}, "reserved"),
    ({"RAG_TIMEOUT": "inf"}, "timeout must be a finite number, got inf in RAG_TIMEOUT"),
    ({"RAG_TEMPERATURE": "nan"}, "temperature must be a finite number, got nan in RAG_TEMPERATURE"),
    ({"RAG_TOP_K": "3.5"}, "top_k must be int (a whole number), got '3.5' in RAG_TOP_K. Write e.g. RAG_TOP_K=5"),
    ({"RAG_PORT": "70000"}, "port has an invalid value: 70000 in RAG_PORT"),
])
def test_bad_environment_values(env, quoted):
    with pytest.raises(ConfigError) as info:
        Settings.load(env=env)
    assert quoted in str(info.value)


def test_a_missing_rag_config_is_an_error(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ConfigError, match=r"nowhere.toml \(RAG_CONFIG\) does not exist.*unset RAG_CONFIG"):
        Settings.load(env={"RAG_CONFIG": str(tmp_path / "nowhere.toml")})
    with pytest.raises(ConfigError, match="it is a folder"):
        Settings.load(env={"RAG_CONFIG": str(tmp_path)})
    assert Settings.load(env={}).top_k == 5  # no rag.toml in the working directory: defaults
    (tmp_path / "rag.toml").write_text("top_k = 4\n", encoding="utf-8")
    assert Settings.load(env={}).top_k == 4


def test_unknown_keys_get_a_suggestion(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("[rag]\ntopk = 3\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"Unknown setting\(s\) in .*rag.toml: topk \(did you mean top_k\?\)"):
        Settings.load(toml, env={})
    with pytest.raises(ConfigError, match="Unknown setting"):
        Settings.load(env={}, top_kk=3)
    with pytest.raises(ConfigError, match="Unknown setting"):
        Settings().replace(bogus=1)
    assert Settings.load(env={"RAG_UNRELATED": "x", "RAG_API_KEY": "k"}).top_k == 5  # other RAG_* are not settings


def test_invalid_toml_is_one_line(tmp_path):
    toml = tmp_path / "rag.toml"
    toml.write_text("top_k = \n", encoding="utf-8")
    with pytest.raises(ConfigError, match="is not valid TOML"):
        Settings.load(toml, env={})


def test_frozen_replace_validates_and_describe_lists_every_field():
    s = Settings()
    with pytest.raises(Exception):
        s.top_k = 3  # frozen
    assert s.replace(top_k=3, model=None).top_k == 3 and s.top_k == 5  # None: unchanged
    with pytest.raises(ConfigError, match="top_k has an invalid value: 0 in arguments"):
        s.replace(top_k=0)
    names = [n for n, _ in s.describe()]
    assert names[:3] == ["corpus_dir", "index_dir", "collection"] and "auth" in names and len(names) == len(set(names))
    assert dict(s.describe())["top_k"] == 5 and hash(s) == hash(Settings())
    assert "s3cret" not in repr(s.replace(auth="alice:s3cret"))


def test_environment_strings_are_parsed_and_files_are_typed(tmp_path):
    s = Settings.load(env={"RAG_SHARE": "", "RAG_REWRITE_QUERY": "off", "RAG_TIMEOUT": "2.5", "RAG_QUERY_PREFIX": ""})
    assert (s.share, s.rewrite_query, s.timeout, s.query_prefix) == (False, False, 2.5, "")
    toml = tmp_path / "rag.toml"
    toml.write_text('timeout = 30\nbase_url = "http://127.0.0.1:8080/v1"\n', encoding="utf-8")
    assert Settings.load(toml, env={}).timeout == 30.0  # an int is a fine float
    toml.write_text('top_k = "5"\n', encoding="utf-8")
    with pytest.raises(ConfigError, match="top_k must be int"):
        Settings.load(toml, env={})
