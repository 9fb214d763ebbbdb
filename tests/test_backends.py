"""LLM backends: the table, configuration errors, real generation with a tiny model (in process and over
the OpenAI and Ollama wire protocols), scripted faults, key hygiene, follow-ups and the eval."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time

import pytest

from rag import Assistant
from rag.backends import backend_names, get_backend
from rag.errors import BackendError, ConfigError, MissingDependencyError
from tests.conftest import ROOT, SEEDS
from tests.llm_fixtures import *  # noqa: F403 - fixtures
from tests.llm_server import Fault

SECRET = "sk-test-SECRET-4f9a8b7c6d5e"
MSGS = [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Wer ist Kim?"}]
FACTORY = "Su-35"  # only the Komsomolsk factory passages name the jets


def _http(llm_settings, server, name):
    url = server.url + "/v1" if name == "openai" else server.url
    return llm_settings.replace(backend=name, model="tiny", base_url=url)


@pytest.fixture(scope="module")
def llm_assistant(llm_settings, assistant):
    """One assistant (sharing the session index) whose settings each test points at a backend."""
    return Assistant(llm_settings).warm_up()  # the session's index, opened again


def _use(a: Assistant, settings) -> Assistant:
    a.settings = settings
    return a


# the table ----------------------------------------------------------------------------------------------

def test_backend_names_and_unknown_name(settings):
    assert backend_names() == ["extractive", "openai", "ollama", "transformers", "llamacpp"]
    with pytest.raises(ConfigError, match="Unknown backend 'gpt'. Valid: extractive, openai, ollama, transformers"):
        get_backend("gpt", settings)


def test_unknown_backend_from_ask(assistant):
    with pytest.raises(ConfigError, match="Valid: extractive, openai"):
        assistant.ask("Which bombers?", backend="claude")


def test_llamacpp_missing_package_says_how_to_install(settings, tmp_path):
    pytest.importorskip("llama_index")  # always there; llama_cpp is the optional one
    try:
        import llama_cpp  # noqa: F401
        pytest.skip("llama-cpp-python is installed")
    except ImportError:
        pass
    gguf = tmp_path / "m.gguf"
    gguf.write_bytes(b"GGUF")
    with pytest.raises(MissingDependencyError, match=r'pip install llama-cpp-python  \(in a checkout: pip install "\.\[llamacpp\]"\)'):
        get_backend("llamacpp", settings.replace(model=str(gguf))).warm_up()


@pytest.mark.parametrize("name, changes, env, message", [
    ("openai", {}, {}, "set OPENAI_API_KEY"),
    ("openai", {"base_url": "localhost:8000"}, {}, "must start with http"),
    ("transformers", {}, {}, "needs a model"),
    ("transformers", {"model": "x", "llm_device": "tpu"}, {}, "llm_device must be"),
    ("llamacpp", {}, {}, "path of a .gguf file"),
    ("ollama", {"base_url": "http://127.0.0.1:11434/v1"}, {}, "use --backend openai"),
])
def test_configuration_errors(settings, name, changes, env, message):
    with pytest.raises(ConfigError, match=message):
        get_backend(name, settings.replace(**changes), env=env)


def test_base_url_and_key_come_from_the_environment(settings):
    b = get_backend("openai", settings, env={"RAG_API_KEY": SECRET, "OPENAI_BASE_URL": "http://127.0.0.1:9/v1/"})
    assert b.base_url == "http://127.0.0.1:9/v1" and b.api_key.reveal() == SECRET
    assert get_backend("openai", settings, env={"OPENAI_API_KEY": SECRET}).api_key.reveal() == SECRET  # api.openai.com
    b = get_backend("openai", settings.replace(base_url="http://127.0.0.1:8/v1"), env={"OPENAI_BASE_URL": "http://x"})
    assert b.base_url == "http://127.0.0.1:8/v1" and not b.api_key
    assert get_backend("ollama", settings, env={"OLLAMA_HOST": "127.0.0.1:7"}).base_url == "http://127.0.0.1:7"
    assert SECRET not in repr(b) and SECRET not in repr(b.api_key)


def test_extractive_ask_imports_no_llm_client(settings):
    code = ("import sys, rag; from rag.cli import main; from rag.backends import get_backend; "
            f"main(['ask', 'Which bombers did Kim inspect?']); "
            "print(sorted(m for m in ('openai', 'ollama', 'gradio', 'llama_index.llms.openai', "
            "'llama_index.llms.huggingface', 'llama_cpp') if m in sys.modules))")
    env = {"RAG_INDEX_DIR": settings.index_dir, "RAG_CORPUS_DIR": settings.corpus_dir, "HF_HUB_OFFLINE": "1",
           "PATH": "/usr/bin:/bin", "TOKENIZERS_PARALLELISM": "false", "ANONYMIZED_TELEMETRY": "False"}
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert out.stdout.strip().splitlines()[-1] == "[]"


# real generation ----------------------------------------------------------------------------------------

def _check_structure(a, name, model):
    """What must hold for any model output, gibberish included."""
    assert a.backend == name and a.model == model and a.error is None and a.passages
    given = {p.chunk.id for p in a.passages}
    assert all(c.chunk_id in given for c in a.citations)
    markers = {int(m) for m in __import__("re").findall(r"\[(\d+)\]", a.text)}
    assert markers == {c.marker for c in a.citations}  # every marker left is a real citation
    assert a.grounded == bool(a.citations)
    for c in a.citations:
        assert (SEEDS / c.source).read_text(encoding="utf-8")[c.start:c.end] == c.quote


def test_transformers_end_to_end(llm_assistant, llm_settings, tiny_model_dir):
    a = _use(llm_assistant, llm_settings.replace(backend="transformers", model=tiny_model_dir))
    answer = a.ask("Which bombers did Kim inspect at Knewitschi?")
    _check_structure(answer, "transformers", tiny_model_dir)
    assert answer.text.strip() and answer.timings["generate_ms"] > 0 and "rewrite_ms" in answer.timings
    pieces = list(a.stream("Welche Bomber hat Kim besichtigt?"))
    *tokens, final = pieces
    assert tokens and all(isinstance(t, str) for t in tokens) and final.backend == "transformers"
    _check_structure(final, "transformers", tiny_model_dir)


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_http_backend_generates_with_the_tiny_model(server, llm_settings, name):
    b = get_backend(name, _http(llm_settings, server, name), env={"RAG_API_KEY": SECRET})
    whole = b.complete(MSGS)
    pieces = list(b.stream(MSGS))
    assert len(pieces) > 3 and "".join(pieces) == whole  # greedy: the same text, token by token
    body = server.requests[0]["body"]
    assert body["messages"] == MSGS and body["model"] == "tiny"
    if name == "openai":
        assert body["max_tokens"] == 24 and body["temperature"] == 0.0
        assert server.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"
    else:
        assert body["options"]["num_predict"] == 24 and body["options"]["num_ctx"] == 4096
    assert server.requests[1]["body"]["stream"] is True


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_scripted_answer_is_cited_and_checked(llm_assistant, llm_settings, server, name):
    a = _use(llm_assistant, _http(llm_settings, server, name).replace(rewrite_query=False))
    passages = a.retrieve("At which airfield were the bombers shown?")
    n = 1 + next(i for i, p in enumerate(passages) if "Flugplatz Knewitschi" in p.chunk.text)
    server.script(f'The bombers were shown "auf dem Flugplatz Knewitschi nahe Wladiwostok" [{n}]. Also [9].')
    answer = a.ask("At which airfield were the bombers shown?")
    # the marker keeps the number the model wrote (and the reader saw streaming)
    assert answer.text == f'The bombers were shown "auf dem Flugplatz Knewitschi nahe Wladiwostok" [{n}]. Also.'
    (c,) = answer.citations
    assert c.quote == "auf dem Flugplatz Knewitschi nahe Wladiwostok" and c.source == "000_c3f8bdba9f1897a0.txt"
    assert answer.grounded and not answer.abstained and answer.model == "tiny"


def test_stream_yields_tokens_then_the_checked_answer(llm_assistant, llm_settings, server):
    a = _use(llm_assistant, _http(llm_settings, server, "openai").replace(rewrite_query=False))
    server.script("Kim sah Bomber in Knewitschi [1]. Und [8].")
    *tokens, final = list(a.stream("Wo sah Kim die Bomber?"))
    assert "".join(tokens) == "Kim sah Bomber in Knewitschi [1]. Und [8]."  # raw, as the model sent it
    assert final.text == "Kim sah Bomber in Knewitschi [1]. Und." and len(final.citations) == 1


@pytest.mark.parametrize("reply, grounded, abstained", [
    ("Kim inspected bombers.", False, False),
    ("The articles don't answer this question.", False, True),
    ("Die Artikel beantworten diese Frage nicht.", False, True),
])
def test_ungrounded_and_abstaining_replies(llm_assistant, llm_settings, server, reply, grounded, abstained):
    a = _use(llm_assistant, _http(llm_settings, server, "openai").replace(rewrite_query=False))
    server.script(reply)
    answer = a.ask("Which bombers did Kim inspect?")
    assert (answer.grounded, answer.abstained, answer.citations) == (grounded, abstained, [])


def test_german_rewrite_is_searched_too(llm_assistant, llm_settings, server):
    a = _use(llm_assistant, _http(llm_settings, server, "openai"))
    server.script("Welche Kampfjets werden in Komsomolsk am Amur gebaut?", "Su-35 [1].")
    answer = a.ask("What is made there?")  # retrieval of this alone finds nothing specific
    assert "Translate the question into German" in server.requests[0]["body"]["messages"][0]["content"]
    assert any(FACTORY in p.chunk.text for p in answer.passages)
    assert "rewrite_ms" in answer.timings and len(server.requests) == 2


# follow-ups ---------------------------------------------------------------------------------------------

HISTORY = [("What did Kim do in Komsomolsk am Amur?", "He visited a plant [1].")]


def test_extractive_follow_up_finds_the_factory(assistant):
    a = assistant.chat("And which fighter jets are built there?", HISTORY)
    assert any(FACTORY in p.chunk.text for p in a.passages[:3])
    assert "Su-35" in a.text and "Su-57" in a.text and a.citations
    dicts = [{"role": "user", "content": HISTORY[0][0]}, {"role": "assistant", "content": HISTORY[0][1]}]
    assert assistant.chat("And which fighter jets are built there?", dicts).text == a.text


def test_llm_follow_up_is_condensed(llm_assistant, llm_settings, server):
    a = _use(llm_assistant, _http(llm_settings, server, "ollama"))
    server.script("Which fighter jets are built in the aircraft plant in Komsomolsk am Amur?",
                  "Welche Kampfjets werden im Flugzeugwerk in Komsomolsk am Amur gebaut?",
                  "Dort werden Su-35 und Su-57 gebaut [1].")
    answer = a.chat("And which fighter jets are built there?", HISTORY)
    condense_prompt = server.requests[0]["body"]["messages"][1]["content"]
    assert "Komsomolsk am Amur" in condense_prompt and "And which fighter jets" in condense_prompt
    assert answer.question == "Which fighter jets are built in the aircraft plant in Komsomolsk am Amur?"
    assert any(FACTORY in p.chunk.text for p in answer.passages[:3])  # the condensed question found the factory
    assert [c.chunk_id for c in answer.citations] == [answer.passages[0].chunk.id]  # [1]: the first passage


# failures -----------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["openai", "ollama"])
@pytest.mark.parametrize("script, always, message, requests", [
    ([Fault.RATE_LIMIT], None, None, 2),
    ([Fault.SERVER_ERROR, Fault.CLOSE], None, None, 3),
    ([], Fault.SERVER_ERROR, r"server error \(500\) after 3 attempts", 3),
    ([], Fault.RATE_LIMIT, r"rate limiting requests \(429\) after 3 attempts", 3),
    ([], Fault.BROKEN_JSON, "not valid JSON", 1),
    ([], Fault.EMPTY, "empty reply", 1),
    ([], Fault.UNAUTHORIZED, "refused the credentials", 1),
    ([], Fault.CLOSE, "closed the connection", 3),
])
def test_faults(server, llm_settings, name, script, always, message, requests):
    b = get_backend(name, _http(llm_settings, server, name), env={"OPENAI_API_KEY": SECRET})
    server.script(*script)
    server.always = always
    if message is None:
        assert b.complete(MSGS).strip()
    else:
        with pytest.raises(BackendError, match=message) as info:
            b.complete(MSGS)
        assert SECRET not in str(info.value)
    assert len(server.requests) == requests


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_slow_server_times_out(server, llm_settings, name):
    b = get_backend(name, _http(llm_settings, server, name).replace(timeout=1.0))
    server.script("Warm.")
    assert b.complete(MSGS) == "Warm."  # the client's first-call set-up is done: the deadline times the reply
    server.always, server.slow_seconds = Fault.SLOW, 60.0
    started = time.perf_counter()
    with pytest.raises(BackendError, match=r"did not answer within 1 s.*RAG_TIMEOUT"):
        list(b.stream(MSGS))
    assert time.perf_counter() - started < 15 and len(server.requests) == 2  # not retried, not waited out


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_connection_refused(llm_settings, name):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed again before use: nothing listens there
    url = f"http://127.0.0.1:{port}" + ("/v1" if name == "openai" else "")
    with pytest.raises(BackendError, match=r"unreachable \(connection refused\).*RAG_BASE_URL"):
        get_backend(name, llm_settings.replace(model="tiny", base_url=url)).complete(MSGS)


def test_failure_returns_the_passages_and_never_the_key(llm_assistant, llm_settings, server, monkeypatch, caplog):
    monkeypatch.setenv("RAG_API_KEY", SECRET)
    caplog.set_level(logging.DEBUG)
    a = _use(llm_assistant, _http(llm_settings, server, "openai"))
    a._backends.clear()
    server.always = Fault.UNAUTHORIZED  # the server echoes the key it got in its error message
    answer = a.ask("Which bombers did Kim inspect?")
    assert answer.error and "Set RAG_API_KEY or OPENAI_API_KEY" in answer.error
    assert answer.passages and answer.abstained and not answer.grounded and answer.citations == []
    *tokens, final = list(a.stream("Which bombers did Kim inspect?"))
    assert final.error == answer.error and final.passages
    assert server.requests[0]["headers"]["Authorization"] == f"Bearer {SECRET}"  # it was sent ...
    for text in (answer.error, answer.text, repr(answer), repr(a.settings), repr(a.backend()), repr(a.backend()._client), caplog.text,
                 json.dumps([r.getMessage() for r in caplog.records])):
        assert SECRET not in text  # ... and shown nowhere
    a._backends.clear()


def test_cli_prints_the_error_and_fails(server, settings, monkeypatch, capsys):
    from rag.cli import main

    for k, v in {"RAG_INDEX_DIR": settings.index_dir, "RAG_CORPUS_DIR": settings.corpus_dir,
                 "RAG_RETRY_BACKOFF": "0.01", "RAG_REWRITE_QUERY": "0"}.items():
        monkeypatch.setenv(k, v)
    server.always = Fault.SERVER_ERROR
    code = main(["ask", "--backend", "openai", "--model", "tiny", "--base-url", server.url + "/v1",
                 "Which bombers did Kim inspect?"])
    out = capsys.readouterr()
    assert code != 0 and "server error (500)" in out.err and "000_c3f8bdba9f1897a0.txt" in out.out


# eval ---------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("name", ["openai", "ollama", "transformers"])
def test_eval_names_backend_and_model(llm_assistant, llm_settings, server, tiny_model_dir, tmp_path, name):
    from rag.evaluate import run_eval

    lines = (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    (tmp_path / "q.jsonl").write_text("\n".join(lines), encoding="utf-8")
    s = _http(llm_settings, server, name) if name != "transformers" else \
        llm_settings.replace(backend=name, model=tiny_model_dir)
    report = run_eval(_use(llm_assistant, s), tmp_path / "q.jsonl")
    assert list(report) == ["n", "chunks", "retrieval", "answer", "citations", "abstention", "latency_ms",
                            "per_question"]
    assert report["n"] == 2
    assert {(r["backend"], r["model"]) for r in report["per_question"]} == {(name, s.model)}


def test_implausible_rewrite_is_not_searched(llm_assistant, llm_settings, server, assistant):
    a = _use(llm_assistant, _http(llm_settings, server, "openai"))
    question = "What dishes were served at the dinner Putin hosted for Kim?"
    server.script("Kampfr Kampfr Kampf�iv/rä� se", "Nichts [1].")  # noise from a weak model, then the answer
    answer = a.ask(question)
    assert [p.chunk.id for p in answer.passages] == [p.chunk.id for p in assistant.retrieve(question)]


# deadlines, Retry-After, keys and URL credentials -------------------------------------------------------

def _warm(b, server):
    """``b`` after one answered call: imports and the client's first-call set-up are not part of a deadline test."""
    server.script("Warm.")
    assert b.complete(MSGS) == "Warm."
    server.reset()
    return b


@pytest.mark.parametrize("name", ["openai", "ollama"])
@pytest.mark.parametrize("streaming", [False, True])
def test_a_trickling_server_is_cut_at_the_deadline(server, llm_settings, name, streaming):
    b = _warm(get_backend(name, _http(llm_settings, server, name).replace(timeout=1.5)), server)
    server.always, server.trickle_seconds = Fault.TRICKLE, 0.1  # each read gets a byte well within the timeout
    started = time.perf_counter()
    with pytest.raises(BackendError, match=r"did not answer within 1.5 s \(the deadline for a whole answer"):
        "".join(b.stream(MSGS)) if streaming else b.complete(MSGS)
    # the whole reply would take a minute at this pace: bounds far apart, so a busy machine cannot flake them
    assert 1.4 < time.perf_counter() - started < 15 and len(server.requests) == 1


def test_the_deadline_covers_retries(server, llm_settings):
    b = _warm(get_backend("openai", _http(llm_settings, server, "openai").replace(timeout=1.0, retries=5)), server)
    server.script(Fault.SERVER_ERROR, Fault.SERVER_ERROR)
    server.always = Fault.SLOW
    server.slow_seconds = 60
    started = time.perf_counter()
    with pytest.raises(BackendError, match="did not answer within 1 s"):
        b.complete(MSGS)
    assert time.perf_counter() - started < 15 and len(server.requests) == 3  # not the 60 s of the third reply


def test_retry_after_is_honoured(server, llm_settings):
    server.retry_after = "1"
    server.script(Fault.RATE_LIMIT)  # then the tiny model answers
    b = get_backend("openai", _http(llm_settings, server, "openai")).warm_up()  # retry_backoff 0.01: Retry-After waits
    started = time.perf_counter()
    assert b.complete(MSGS).strip()
    assert time.perf_counter() - started >= 0.95 and len(server.requests) == 2


def test_a_retry_after_beyond_the_deadline_fails_at_once(server, llm_settings):
    server.retry_after, server.always = "30", Fault.RATE_LIMIT
    b = get_backend("openai", _http(llm_settings, server, "openai").replace(timeout=3.0)).warm_up()
    started = time.perf_counter()
    with pytest.raises(BackendError, match=r"rate limiting requests \(429\)"):
        b.complete(MSGS)
    assert time.perf_counter() - started < 15 and len(server.requests) == 1  # no waiting out the 30 s


@pytest.mark.parametrize("env, changes, sent", [
    ({"OPENAI_API_KEY": SECRET}, {}, None),  # a foreign base_url never gets the OpenAI key by accident
    ({"OPENAI_API_KEY": SECRET}, {"send_api_key": True}, SECRET),  # unless the user says so
    ({"OPENAI_API_KEY": "sk-other-0123456789", "RAG_API_KEY": SECRET}, {}, SECRET),  # RAG_API_KEY: for this server
])
def test_openai_key_goes_only_where_it_belongs(server, llm_settings, monkeypatch, env, changes, sent):
    for k, v in env.items():
        monkeypatch.setenv(k, v)  # the process environment, which the client library would also read
    monkeypatch.setenv("OPENAI_ORG_ID", "org-private")
    b = get_backend("openai", _http(llm_settings, server, "openai").replace(**changes))
    assert b.complete(MSGS).strip()
    headers = {k.lower(): v for k, v in server.requests[0]["headers"].items()}
    assert headers.get("authorization") == (f"Bearer {sent}" if sent else None)
    assert "openai-organization" not in headers


def test_openai_key_withheld_explains_itself(server, llm_settings, monkeypatch):
    monkeypatch.setenv("OPENAI_API_KEY", SECRET)
    server.always = Fault.UNAUTHORIZED
    with pytest.raises(BackendError, match="OPENAI_API_KEY is sent only to api.openai.com: set RAG_API_KEY"):
        get_backend("openai", _http(llm_settings, server, "openai")).complete(MSGS)


def test_ollama_key_is_not_sent_to_a_local_server(server, llm_settings, monkeypatch):
    monkeypatch.setenv("OLLAMA_API_KEY", SECRET)
    assert get_backend("ollama", _http(llm_settings, server, "ollama")).complete(MSGS).strip()
    assert "authorization" not in {k.lower() for k in server.requests[0]["headers"]}


@pytest.mark.parametrize("name", ["openai", "ollama"])
def test_credentials_in_base_url_never_show(server, llm_settings, name, caplog):
    caplog.set_level(logging.DEBUG)
    token, password = "tok-9c8b7a6d5e4f", "pw-3e2d1c0b"
    url = server.url.replace("http://", f"http://alice:{password}@") + ("/v1" if name == "openai" else "")
    server.always = Fault.SERVER_ERROR
    b = get_backend(name, llm_settings.replace(model="tiny", base_url=f"{url}?token={token}&api_key={token}x"))
    with pytest.raises(BackendError) as info:
        b.complete(MSGS)
    message = str(info.value)
    assert "server error (500)" in message and "token=***" in message
    for text in (message, repr(b), repr(b.settings), caplog.text):
        assert token not in text and password not in text
    if name == "openai":
        assert token in server.requests[0]["path"]  # the query string still reaches the server


def test_scrub_masks_urls_in_any_text():
    from rag.redact import mask_url, scrub

    text = "failed: POST https://u:p4ss@llm.example.org/v1/chat?key=abc123&sig=zz (see http://x.org/?token=t0k)"
    clean = scrub(text)
    assert "p4ss" not in clean and "abc123" not in clean and "zz)" not in clean and "t0k" not in clean
    assert "https://***@llm.example.org/v1/chat?key=***&sig=***" in clean
    assert mask_url("http://127.0.0.1:8080/v1") == "http://127.0.0.1:8080/v1"


def test_one_deadline_shared_by_the_calls_of_a_turn(server, llm_settings):
    from rag.generate import condense, generate

    b = _warm(get_backend("openai", _http(llm_settings, server, "openai").replace(timeout=4.0)), server)
    deadline = b.deadline()  # one answer: condense, then generate, both inside the same 4 s
    server.delay = 2.5
    server.script("Which bombers did Kim inspect at the airfield?")
    assert condense(b, "And there?", HISTORY, deadline).startswith("Which bombers")  # 2.5 of the 4 s spent
    server.always, server.slow_seconds = Fault.SLOW, 60.0
    started = time.perf_counter()
    with pytest.raises(BackendError, match="did not answer within 4 s"):
        "".join(generate(b, "Which bombers?", [], streaming=True, deadline=deadline))
    assert time.perf_counter() - started < 3.0  # cut when the turn's deadline passed, not 4 s after this call began
