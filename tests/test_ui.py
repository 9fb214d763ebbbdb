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

from rag.errors import ConfigError, RagError  # noqa: E402
from rag.profiles import detect, profile  # noqa: E402
from rag.types import Answer, Citation  # noqa: E402
from ui import render, sources  # noqa: E402
from tests.conftest import free_port  # noqa: E402
from ui.app import launch, parse_auth  # noqa: E402
from ui.chat import respond  # noqa: E402

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
    steps = list(respond(assistant, settings, message, *state, "extractive", 5))
    _, chat, history, sections, panel, _ = steps[-1]
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
    steps, (chat, history, sections), panel = run_turn(assistant, settings, "x" * 2500, ([], [], []))
    assert "rag-error" in chat[-1]["content"] and "limit is 2000" in chat[-1]["content"]
    assert history == [] and sections == []
    assert not any(isinstance(box, str) for box, *_ in steps)  # the refused question stays in the box


def test_backend_down_is_a_message_and_passages_stay(settings):
    from rag import Assistant

    down = f"http://127.0.0.1:{free_port()}/v1"  # nothing listens there
    a = Assistant(settings.replace(backend="openai", base_url=down, model="m", retries=0, timeout=5))
    steps = list(respond(a, a.settings, BOMBERS, [], [], [], "openai", 5))
    _, chat, history, sections, panel, answer = steps[-1]
    assert answer.error and answer.passages
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
    quote = "<img src=x onerror=alert(2)>"
    c = Citation(marker=1, source="x.txt", title=hostile, date=None, passage=hostile, quote=quote, start=0, end=28,
                 chunk_id="x")
    html_out = sources.sources_section(Answer(question=hostile, text=f"{quote} [1]", citations=[c],
                                              abstained=False, backend="extractive"), 1, {}).body
    assert "<img" not in html_out and "<script" not in html_out
    assert '<mark class="rag-quote">&lt;img src=x onerror=alert(2)&gt;</mark>' in html_out


def test_render_answer_with_error_keeps_passages(assistant):
    passages = assistant.retrieve(BOMBERS, top_k=3)
    failed = Answer(question=BOMBERS, text="", citations=[], abstained=False, backend="ollama",
                    passages=passages, error="Ollama is not reachable at http://127.0.0.1:9: start it")
    msg = render.answer_markdown(failed, 1)
    assert "rag-error" in msg and "not reachable" in msg and "http://" not in msg
    body = sources.sources_section(failed, 1, {}).body
    assert "answer failed" in body and body.count('class="rag-card rag-uncited"') == 3


def test_render_wire_copy_names_articles():
    c = Citation(marker=1, source="a.txt", title="A", date="2023-09", passage="Eins. Zwei drei.",
                 quote="Zwei drei.", start=6, end=16, chunk_id="x", also_in=("b.txt",))
    a = Answer(question="Wer?", text="Zwei drei. [1]", citations=[c], abstained=False, backend="extractive")
    card = sources.sources_section(a, 2, {"b.txt": "Bericht <B>"}).body
    assert 'id="src-2-1"' in card and "Also reported in <em>Bericht &lt;B&gt;</em> (b.txt)" in card
    assert '<mark class="rag-quote">Zwei drei.</mark>' in card


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


# --- own articles, scoped questions, API errors, backends, affordances, the server's surface ---------------

PAGE = Path(__file__).resolve().parent / "pages" / "zoo_page.html"
GIRAFFE = "How much does the giraffe eat every day?"


def own_copy(settings, seeds_dir, tmp_path_factory, **overrides):
    """Settings over a private copy of the seeds and of the session's index: tests that add or remove
    articles never touch what other tests read (copying the built index saves building it again)."""
    import shutil

    corpus, index = tmp_path_factory.mktemp("own_corpus"), tmp_path_factory.mktemp("own_index")
    for f in seeds_dir.iterdir():
        shutil.copy(f, corpus / f.name)
    shutil.copytree(settings.index_dir, index, dirs_exist_ok=True)
    return settings.replace(corpus_dir=str(corpus), index_dir=str(index), port=free_port(), **overrides)


@pytest.fixture(scope="module")
def own(assistant, settings, seeds_dir, tmp_path_factory):
    """(assistant, settings, url) of an app over its own corpus and index."""
    from rag import Assistant

    s = own_copy(settings, seeds_dir, tmp_path_factory)
    a = Assistant(s)
    demo = launch(a, s, prevent_thread_lock=True, quiet=True)
    yield a, s, demo.local_url
    demo.close()


def test_upload_html_article_and_ask_it_through_named_endpoints(own, tmp_path):
    from gradio_client import handle_file

    a, s, url = own
    client = Client(url, verbose=False)
    got = client.predict([handle_file(str(PAGE))], api_name="/upload_articles")
    assert got["added"] == ["zoo_page.html"], got
    assert (Path(s.corpus_dir) / "zoo_page.html").read_bytes() == PAGE.read_bytes()
    listed = {x["source"]: x for x in client.predict(api_name="/articles")}
    assert {k: listed["zoo_page.html"][k] for k in ("title", "outlet", "author", "date", "language")} == {
        "title": "Giraffe Zeraphina delights Pyongyang zoo", "outlet": "The Daily Example", "author": "Jane Reporter",
        "date": "2023-09-14", "language": "en"}
    assert "000_c3f8bdba9f1897a0.txt" in listed  # the rest stays
    # a question limited to the new article quotes only it; limited to another, only that one
    text, data = client.predict(GIRAFFE, 5, "extractive", ["zoo_page.html"], api_name="/ask")
    assert {c["source"] for c in data["citations"]} == {"zoo_page.html"} and "forty kilograms" in text
    _, data = client.predict(BOMBERS, 5, "extractive", ["000_c3f8bdba9f1897a0.txt"], api_name="/ask")
    assert data["citations"] and {c["source"] for c in data["citations"]} == {"000_c3f8bdba9f1897a0.txt"}
    passages = client.predict(GIRAFFE, 3, ["001_56473d0c55bd317a.txt"], api_name="/retrieve")
    assert passages and {p["source"] for p in passages} == {"001_56473d0c55bd317a.txt"}
    # Gradio's temporary copy is gone once the article is saved
    from gradio.utils import get_upload_folder

    assert not list(Path(get_upload_folder()).rglob("zoo_page.html"))


def test_upload_refusals_save_nothing(own, tmp_path):
    from gradio_client import handle_file

    a, s, url = own
    before = sorted(p.name for p in Path(s.corpus_dir).iterdir())
    (tmp_path / "notes.pdf").write_bytes(b"%PDF-1.4 Kim")
    (tmp_path / "latin.txt").write_bytes("Kim aß Käse in Wladiwostok.".encode("latin-1"))
    (tmp_path / "empty.html").write_text("<html><body><script>var x;</script></body></html>")
    client = Client(url, verbose=False)
    got = client.predict([handle_file(str(tmp_path / n)) for n in ("notes.pdf", "latin.txt", "empty.html")],
                         api_name="/upload_articles")
    assert got["added"] == []
    for why in ("notes.pdf: only .txt, .md, .html, .htm", "latin.txt: not UTF-8", "no article text found in the HTML"):
        assert why in got["message"], got["message"]
    (tmp_path / "big.md").write_bytes(b"Kim. " * 1_100_000)  # 5.5 MB: refused by the server before any handler
    with pytest.raises(Exception, match="413|too large|maximum"):
        client.predict([handle_file(str(tmp_path / "big.md"))], api_name="/upload_articles")
    assert sorted(p.name for p in Path(s.corpus_dir).iterdir()) == before
    from ui.articles import upload_path

    with pytest.raises(RagError, match="upload endpoint"):  # a file already on the server is not an upload
        upload_path({"path": str(SEEDS_FILE), "orig_name": "x.txt"})


SEEDS_FILE = ROOT / "seeds" / "000_c3f8bdba9f1897a0.txt"


def test_remove_deletes_only_files_added_through_the_page(own, tmp_path):
    from ui.articles import add_articles, remove_article
    from ui.uploads import Uploads

    a, s, _ = own
    uploads = Uploads(s.corpus_dir)
    page = tmp_path / "extra page.html"
    page.write_bytes(PAGE.read_bytes().replace(b"Zeraphina", b"Amani"))
    message = add_articles(a, uploads, [(str(page), page.name)], None)
    assert message.startswith("Added extra_page.html") and uploads.uploaded("extra_page.html")
    assert not page.exists()  # the temporary copy is deleted
    assert "deleted the file" in remove_article(a, uploads, "extra_page.html")
    assert not (Path(s.corpus_dir) / "extra_page.html").exists()
    assert "extra_page.html" not in {x.source for x in a.articles()}
    kept = remove_article(a, uploads, "003_55b474f34009ce63.txt")  # a corpus file: out of the index, file kept
    assert "stays in the corpus folder" in kept and (Path(s.corpus_dir) / "003_55b474f34009ce63.txt").exists()
    assert "003_55b474f34009ce63.txt" not in {x.source for x in a.articles()}


def test_upload_checks_come_before_saving(tmp_path):
    from ui.uploads import UploadError, Uploads

    up = Uploads(tmp_path / "corpus", max_bytes=100)
    (tmp_path / "big.txt").write_bytes(b"x" * 101)
    with pytest.raises(UploadError, match="over the limit"):
        up.save(tmp_path / "big.txt", "big.txt")
    assert not (tmp_path / "corpus").exists()
    (tmp_path / "one.txt").write_text("Kim besuchte Wladiwostok.")
    assert up.save(tmp_path / "one.txt", "one.txt").name == "one.txt"
    assert up.save(tmp_path / "one.txt", "one.txt").name == "one.txt"  # the same bytes: the same file
    (tmp_path / "two.txt").write_text("Kim besuchte Komsomolsk.")
    assert up.save(tmp_path / "two.txt", "one.txt").name == "one-2.txt"  # another file of that name
    assert sorted(p.name for p in (tmp_path / "corpus").iterdir()) == [".uploaded.json", "one-2.txt", "one.txt"]


@pytest.mark.parametrize("name, saved", [("../../etc/passwd.txt", "passwd.txt"), ("a b<script>.md", "a_b_script.md"),
                                         (".hidden.html", "hidden.html"), ("Ünïcode名.HTML", "Ünïcode名.html"),
                                         ("<>.txt", "article.txt")])
def test_upload_names_are_made_safe(name, saved):
    from ui.uploads import safe_name

    assert safe_name(name) == saved


@pytest.mark.parametrize("top_k", [3.5, "x", 0, 21, [1, 2]])
def test_api_bad_top_k_is_a_message(client, top_k):
    with pytest.raises(AppError, match="top_k must be a whole number from 1 to 20") as err:
        client.predict(BOMBERS, top_k, api_name="/ask")
    assert "upstream Gradio app" not in str(err.value)


def test_api_chroma_down_is_a_message(settings):
    """An app whose Chroma server is gone answers with the library's message, not Gradio's generic one."""
    from rag import Assistant
    from ui.app import build_app

    s = settings.replace(chroma_host="127.0.0.1", chroma_port=free_port(), port=free_port())
    demo = build_app(Assistant(s), s)
    demo.queue().launch(server_name="127.0.0.1", server_port=s.port, prevent_thread_lock=True, quiet=True)
    try:
        with pytest.raises(AppError) as err:
            Client(demo.local_url, verbose=False).predict(BOMBERS, api_name="/ask")
        assert "upstream Gradio app" not in str(err.value) and "Chroma" in str(err.value), err.value
    finally:
        demo.close()


def test_backend_menu_lists_only_backends_that_answer(settings):
    from tests.gated_llm import GatedLLM
    from ui.probe import probe

    server = GatedLLM(model="m1").start()
    try:
        ok = probe("openai", settings.replace(base_url=server.url, model="m1"))
        assert ok.available and ok.models == ("m1",) and ok.model == "m1" and "m1" in ok.reason
        wrong = probe("openai", settings.replace(base_url=server.url, model="m2"))
        assert not wrong.available and "does not serve model m2" in wrong.reason and "m1" in wrong.reason
    finally:
        server.stop()
    down = probe("ollama", settings.replace(base_url=f"http://127.0.0.1:{free_port()}"))
    assert not down.available and "not running" in down.reason
    no_model = probe("transformers", settings.replace(model=""))
    assert not no_model.available and "needs a model" in no_model.reason
    assert probe("extractive", settings).available


def test_failed_llm_answer_offers_the_quotes_answer(settings):
    from rag import Assistant
    from ui.chat import turn

    down = f"http://127.0.0.1:{free_port()}/v1"
    a = Assistant(settings.replace(backend="openai", base_url=down, model="m", retries=0, timeout=5))
    *_, last = turn(a, a.settings, BOMBERS, [], [], [], "openai", 5, [])
    box, chat, history, sections, panel, saved, failed, quotes, send, stop, tabs = last
    assert failed == BOMBERS and quotes["visible"] is True and stop["visible"] is False
    assert "answer failed" in panel and "000_c3f8bdba9f1897a0.txt" in panel  # the passages are shown
    *_, last = turn(a, a.settings, failed, chat, history, sections, "extractive", 5, [])
    assert last[6] == "" and last[7]["visible"] is False and 'href="#src-2-1"' in last[1][-1]["content"]


def test_turn_affordances(assistant, settings):
    from ui.chat import EMPTY_SAVE, answer_text, cleared, restored, stopped, turn

    assert list(turn(assistant, settings, "   ", [], [], [], "extractive", 5, [])) == [(gr_skip(),) * 11]
    *_, last = turn(assistant, settings, BOMBERS, [], [], [], "extractive", 5, [])
    _, chat, history, sections, panel, saved, *_ = last
    # what the browser keeps restores the same conversation
    assert restored(saved) == (chat, history, sections, panel)
    assert 'id="rag-export"' in panel and "Sources:" in saved["export"] and "000_c3f8bdba9f1897a0.txt" in saved["export"]
    a = assistant.ask(BOMBERS)
    text = answer_text(a)
    assert text.startswith(getattr(a, "lead", "") or a.text.strip()) and a.text.strip() in text  # lead, answer
    assert f"[1] {a.citations[0].title}" in text
    assert a.citations[0].quote.split()[-1] in text
    # Stop marks the cut-off answer; clearing empties the view, the hidden history and the stored copy
    cut, kept, *_ = stopped([*chat[:-1], {"role": "assistant", "content": "Ein Video ▍"}], sections, history)
    assert cut[-1]["content"] == "Ein Video\n\n*Stopped.*" and kept["history"] == history
    as_gradio_sends_it = [{"role": "assistant", "content": [{"type": "text", "text": "…"}]}]
    assert stopped(as_gradio_sends_it, [], [])[0][-1]["content"] == "*Stopped.*"
    empty = cleared()
    assert empty[:4] == ("", [], [], []) and empty[5] == EMPTY_SAVE and empty[6] == ""
    assert restored({"chat": "junk"}) [:3] == ([], [], [])


def gr_skip():
    import gradio as gr

    return gr.skip()


def test_extractive_answers_never_wait_behind_llm_calls(assistant, settings):
    """All LLM slots busy (held at the stand-in server's gate): an extractive question is still answered."""
    from rag import Assistant
    from tests.gated_llm import GatedLLM
    from ui.slots import LLM_SLOTS

    server = GatedLLM(model="gated").start()
    s = settings.replace(base_url=server.url, model="gated", retries=0, timeout=120, rewrite_query=False,
                         port=free_port())
    demo = launch(Assistant(s), s, prevent_thread_lock=True, quiet=True)
    llm = Client(demo.local_url, verbose=False)
    jobs = [llm.submit(BOMBERS, 5, "openai", api_name="/ask") for _ in range(LLM_SLOTS + 12)]  # many wait
    try:
        assert server.wait_for(LLM_SLOTS), "the LLM calls never reached the server"
        extractive = Client(demo.local_url, verbose=False).submit(BOMBERS, 5, "extractive", api_name="/ask")
        text, data = extractive.result(timeout=240)  # behind the LLM calls it would wait for the gate (never)
        assert data["backend"] == "extractive" and data["citations"]
        assert server.waiting == LLM_SLOTS and server.arrived == LLM_SLOTS  # still held; the rest wait their turn
    finally:
        server.open()
        for j in jobs:
            j.result(timeout=300)
        demo.close()
        server.stop()
    assert server.arrived == LLM_SLOTS + 12


def test_uploads_are_refused_cross_origin_and_oversized(app_url):
    import httpx

    upload = app_url.rstrip("/") + "/gradio_api/upload"
    host = app_url.split("//")[1].rstrip("/")
    files = {"files": ("a.txt", b"Kim besuchte Wladiwostok.", "text/plain")}
    evil = httpx.post(upload, files=files, headers={"Origin": "http://evil.example"})
    assert evil.status_code == 403 and "own page" in evil.text
    assert httpx.post(upload, files=files, headers={"Origin": "null"}).status_code == 403
    assert httpx.post(upload, files=files, headers={"Sec-Fetch-Site": "cross-site"}).status_code == 403
    same = httpx.post(upload, files=files, headers={"Origin": f"http://{host}"})
    assert same.status_code == 200, same.text
    proxied = {"Origin": "https://news.example", "X-Forwarded-Host": "news.example"}  # behind a reverse proxy
    assert httpx.post(upload, files=files, headers=proxied).status_code == 200
    other = {"Origin": "https://evil.example", "X-Forwarded-Host": "news.example"}
    assert httpx.post(upload, files=files, headers=other).status_code == 403
    big = httpx.post(upload, files={"files": ("b.txt", b"x" * 6_000_000, "text/plain")})
    assert big.status_code == 413


def test_failed_logins_are_slowed_down(assistant, settings):
    import httpx

    demo = launch(assistant, settings.replace(port=free_port(), auth="alice:s3cret"), prevent_thread_lock=True,
                  quiet=True)
    login = demo.local_url.rstrip("/") + "/login"
    try:
        codes = [httpx.post(login, data={"username": "alice", "password": f"guess{i}"}).status_code for i in range(8)]
        assert codes[:5] == [400] * 5 and set(codes[5:]) == {429}, codes
        right = httpx.post(login, data={"username": "alice", "password": "s3cret"})
        assert right.status_code == 429 and int(right.headers["retry-after"]) >= 1  # even the right one waits
    finally:
        demo.close()


def test_throttle_doubles_the_wait_and_forgets_on_success():
    from ui.guard import Throttle

    now = [0.0]
    t = Throttle(free=2, max_wait=8, clock=lambda: now[0])
    for _ in range(2):
        assert t.wait("a") == 0
        t.failed("a")
    assert t.wait("a") == 1 and t.wait("b") == 0
    now[0] += 1
    assert t.wait("a") == 0
    t.failed("a")
    assert t.wait("a") == 2
    for _ in range(10):
        t.failed("a")
    assert t.wait("a") == 8  # capped
    t.succeeded("a")
    assert t.wait("a") == 0
