"""The chat app over HTTP (gradio_client against a server on 127.0.0.1), its rendering, and ``rag chat``."""

from __future__ import annotations

import socket
import subprocess
import sys
import threading
from pathlib import Path

import pytest

pytest.importorskip("gradio")
from gradio_client import Client  # noqa: E402
from gradio_client.exceptions import AppError  # noqa: E402

from rag.errors import ConfigError  # noqa: E402
from rag.profiles import detect, profile  # noqa: E402
from rag.types import Answer, Citation  # noqa: E402
from ui import render  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from ui.app import _respond, launch, parse_auth  # noqa: E402

BOMBERS = "Which bombers did Kim inspect?"
OFF_TOPIC = "How high is Mount Everest?"
EXAMPLE_OFF_TOPIC = "Who won the football World Cup in 2022?"  # the chat's own example of a question to decline
ROOT = Path(__file__).resolve().parent.parent
# gradio's queue uses pandas options that pandas 3 deprecates: not ours to fix
pytestmark = [pytest.mark.filterwarnings("ignore:.*no_silent_downcasting"),
              pytest.mark.filterwarnings("ignore:The copy keyword is deprecated")]


@pytest.fixture(scope="module")
def client(app_url):
    return Client(app_url, verbose=False)


def test_ask_returns_cited_answer(client, seeds_dir):
    text, data = client.predict(BOMBERS, api_name="/ask")
    assert data["text"] == text and not data["abstained"] and data["error"] is None
    assert data["citations"], text
    for c in data["citations"]:
        assert f"[{c['marker']}]" in text
        file_text = (seeds_dir / c["source"]).read_text(encoding="utf-8")
        assert file_text[c["start"]:c["end"]] == c["quote"]  # offsets point at the quoted sentence
        assert c["quote"] in text and c["quote"] in c["passage"]
    assert "000_c3f8bdba9f1897a0.txt" in {c["source"] for c in data["citations"]}


def test_ask_options_top_k_and_backend(client):
    _, data = client.predict("Wo traf Kim Jong Un Wladimir Putin?", 1, "extractive", api_name="/ask")
    assert data["backend"] == "extractive"
    assert len({c["chunk_id"] for c in data["citations"]}) == 1  # one passage searched, one cited
    with pytest.raises(AppError, match="extractive"):  # an unknown backend names the valid ones
        client.predict(BOMBERS, 5, "no-such-backend", api_name="/ask")


@pytest.mark.parametrize("question", [
    OFF_TOPIC, "Wie hoch ist der Kilimandscharo?", EXAMPLE_OFF_TOPIC,
])
def test_ask_abstains_off_topic(client, question):
    text, data = client.predict(question, api_name="/ask")
    assert data["abstained"] and data["citations"] == [], text
    assert text == profile(detect(question)).no_answer


@pytest.mark.parametrize("question, message", [("x" * 2500, "limit is 2000"), ("   ", "empty")])
def test_ask_error_is_a_message(client, question, message):
    with pytest.raises(AppError, match=message) as err:
        client.predict(question, api_name="/ask")
    assert "Traceback" not in str(err.value)


def test_retrieve_endpoint(client):
    passages = client.predict("Knewitschi Tu-160", 3, api_name="/retrieve")
    assert [p["rank"] for p in passages] == [1, 2, 3]
    assert passages[0]["source"] == "000_c3f8bdba9f1897a0.txt" and "Tu-160" in passages[0]["text"]


def test_twenty_concurrent_clients(app_url, assistant):
    questions = [BOMBERS, "Wo traf Kim Jong Un Wladimir Putin?", "What did Kim receive as a farewell gift?",
                 "Which fighter jets are built in Komsomolsk-on-Amur?", OFF_TOPIC] * 4
    alone = {q: assistant.ask(q) for q in set(questions)}  # asked one at a time
    results: dict[int, object] = {}

    def ask(i: int) -> None:
        try:
            results[i] = Client(app_url, verbose=False).predict(questions[i], api_name="/ask")
        except Exception as exc:  # recorded, so a lost answer fails the test with its reason
            results[i] = exc

    threads = [threading.Thread(target=ask, args=(i,)) for i in range(len(questions))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert len(results) == 20
    for i, q in enumerate(questions):
        assert isinstance(results[i], (tuple, list)), results[i]
        text, data = results[i]
        assert data["question"] == q and text.strip()  # every client got its own answer ...
        assert (text, data["abstained"]) == (alone[q].text, alone[q].abstained)  # ... the one asked alone gets
        assert [c["quote"] for c in data["citations"]] == [c.quote for c in alone[q].citations]


def test_auth_is_required_when_set(assistant, settings):
    demo = launch(assistant, settings.replace(port=free_port(), auth="alice:s3cret"), prevent_thread_lock=True,
                  quiet=True)
    try:
        with pytest.raises(Exception):
            Client(demo.local_url, verbose=False).predict(BOMBERS, api_name="/ask")
        text, _ = Client(demo.local_url, auth=("alice", "s3cret"), verbose=False).predict(BOMBERS, api_name="/ask")
        assert "[1]" in text
    finally:
        demo.close()


def test_busy_port_is_a_user_error(assistant, settings):
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(ConfigError, match=f"127.0.0.1:{port}.*--port"):
            launch(assistant, settings.replace(port=port), prevent_thread_lock=True, quiet=True)


def test_parse_auth():
    assert parse_auth("") is None
    assert parse_auth("alice:pa:ss") == ("alice", "pa:ss")
    for bad in ("alice", ":pw", "alice:"):
        with pytest.raises(Exception, match="user:password"):
            parse_auth(bad)


def run_turn(assistant, settings, message, state):
    """One chat turn through the app's handler: all streamed steps, the new state, the final panel."""
    steps = list(_respond(assistant, settings, message, *state, "extractive", 5))
    _, chat, history, sections, panel = steps[-1]
    return steps, (chat, history, sections), panel


def test_chat_streams_then_links_markers(assistant, settings):
    steps, state, panel = run_turn(assistant, settings, BOMBERS, ([], [], []))
    chat, history, sections = state
    assert len(steps) > 3  # pieces streamed before the final answer
    assert chat[0] == {"role": "user", "content": render.user_markdown(BOMBERS)}
    assert 'href="#src-1-1"' in chat[-1]["content"] and 'id="src-1-1"' in panel
    assert '<mark class="rag-quote">' in panel and "000_c3f8bdba9f1897a0.txt" in panel
    assert "Tu-160" in panel  # the passage naming the bombers was searched (shown, folded, if not cited)
    # a follow-up borrows the previous question; its markers are numbered per turn
    _, state2, panel2 = run_turn(assistant, settings, "And where was that?", state)
    assert len(state2[1]) == 4 and len(state2[2]) == 2
    assert panel2.index('id="turn-2"') < panel2.index('id="turn-1"')  # newest first


def test_chat_errors_are_messages(assistant, settings):
    _, (chat, history, sections), panel = run_turn(assistant, settings, "x" * 2500, ([], [], []))
    assert "rag-error" in chat[-1]["content"] and "limit is 2000" in chat[-1]["content"]
    assert history == [] and sections == []


def test_backend_down_is_a_message_and_passages_stay(settings):
    from rag import Assistant

    down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    a = Assistant(settings.replace(backend="openai", base_url=down, model="m", retries=0, timeout=5))
    steps = list(_respond(a, a.settings, BOMBERS, [], [], [], "openai", 5))
    _, chat, history, sections, panel = steps[-1]
    message = chat[-1]["content"]
    assert "rag-error" in message and "unreachable" in message
    assert "http://" not in message  # the URL is shown as text, not turned into a link
    assert history == []  # a failed turn is not context for the next question
    assert "answer failed" in panel and panel.count('class="rag-card rag-uncited"') == 5
    assert "000_c3f8bdba9f1897a0.txt" in panel


def test_render_escapes_untrusted_text():
    hostile = ('<script>alert(1)</script> <img src=x onerror=alert(2)> ![p](http://203.0.113.7/p.png) '
               '[l](http://203.0.113.7/) www.example.com $x$ `code`')
    md = render.md_text(hostile)
    for bad in ("<script", "<img", "](", "http://", "www.", "$", "`"):
        assert bad not in md
    html_out = render.highlight(hostile, "<img src=x onerror=alert(2)>")
    assert "<img" not in html_out and "<script" not in html_out
    assert '<mark class="rag-quote">&lt;img src=x onerror=alert(2)&gt;</mark>' in html_out


def test_render_answer_with_error_keeps_passages(assistant):
    passages = assistant.retrieve(BOMBERS, top_k=3)
    failed = Answer(question=BOMBERS, text="", citations=[], abstained=False, backend="ollama",
                    passages=passages, error="Ollama is not reachable at http://127.0.0.1:9: start it")
    msg = render.answer_markdown(failed, 1)
    assert "rag-error" in msg and "not reachable" in msg and "http://" not in msg
    body = render.sources_section(failed, 1, {}).body
    assert "answer failed" in body and body.count('class="rag-card rag-uncited"') == 3


def test_render_wire_copy_names_articles():
    c = Citation(marker=1, source="a.txt", title="A", date="2023-09", passage="Eins. Zwei drei.",
                 quote="Zwei drei.", start=6, end=16, chunk_id="x", also_in=("b.txt",))
    card = render.citation_card(c, 2, {"b.txt": "Bericht <B>"})
    assert 'id="src-2-1"' in card and "Also reported in <em>Bericht &lt;B&gt;</em> (b.txt)" in card
    assert 'Eins. <mark class="rag-quote">Zwei drei.</mark>' in card


def test_rag_ask_does_not_import_gradio():
    code = "import sys, rag, rag.cli, rag.assistant; print('gradio' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True)
    assert out.stdout.strip() == "False"


def test_python_m_ui_maps_to_rag_chat():
    from ui.__main__ import _argv

    assert _argv(["--port", "9000"]) == ["chat", "--port", "9000"]
    assert _argv(["--share", "--config", "x.toml"]) == ["--config", "x.toml", "chat", "--share"]
    out = subprocess.run([sys.executable, "-m", "ui", "--help"], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0 and "--auth" in out.stdout and "--top-k" in out.stdout
