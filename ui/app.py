"""The browser chat: a Gradio app over an ``Assistant``, built by ``build_app`` and served by ``launch``.

Thin by design: it turns library events (text pieces, then an ``Answer``) into chat messages and a sources
panel, and library errors into chat messages. All markup comes from ui/render.py, which escapes everything
that came from an article or a model. Named API endpoints (``/ask``, ``/retrieve``) serve code callers.
"""

from __future__ import annotations

import logging
import os
import sys
from collections.abc import Iterator

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home, set before gradio loads

import gradio as gr  # noqa: E402

from rag.assistant import Assistant  # noqa: E402
from rag.errors import ConfigError, RagError  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Answer  # noqa: E402

from . import render  # noqa: E402
from .style import CLICK_JS, HEAD  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = (
    "Which bombers did Kim inspect?",
    "Wo traf Kim Jong Un Wladimir Putin?",
    "What did Kim receive as a farewell gift?",
    "Which fighter jets are built in Komsomolsk-on-Amur?",
    "Who won the football World Cup in 2022?",
)
CONCURRENCY = 4  # questions answered at once, chat and API together; more wait in the (unbounded) queue
MAX_TOP_K = 20


def backend_names(current: str) -> list[str]:
    """The answer backends the library offers, the configured one included."""
    try:
        from rag.backends import backend_names as names_of

        names = list(names_of())
    except ImportError:
        names = ["extractive"]
    return names if current in names else [current, *names]


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The chat page and API endpoints, not yet served (tests and ``launch`` serve it)."""
    with gr.Blocks(title="Ask the articles", analytics_enabled=False) as demo:
        turns = gr.State([])  # raw {"role", "content"} history for follow-up questions
        sections = gr.State([])  # one render.Section per answered turn
        gr.Markdown("## Ask the articles\nAnswers come only from the indexed news articles. Each `[n]` in an "
                    "answer links to the passage it quotes, shown under *Sources* with the sentence highlighted.")
        with gr.Row(equal_height=False):
            with gr.Column(scale=3, min_width=360):
                chatbot = gr.Chatbot(label="Chat", show_label=False, elem_id="rag-chat", height=520,
                                     sanitize_html=True, render_markdown=True, latex_delimiters=[], buttons=[],
                                     feedback_options=None, allow_file_downloads=False,
                                     placeholder="Ask about the articles in English or German, or click an example.")
                with gr.Row():
                    question = gr.Textbox(show_label=False, placeholder="Ask a question…", elem_id="rag-question",
                                          scale=5, max_lines=6, autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                gr.Markdown("**Examples**")
                with gr.Row(elem_id="rag-examples"):
                    examples = [gr.Button(q, size="sm", min_width=120) for q in EXAMPLES]
                clear = gr.Button("New conversation", size="sm", variant="secondary", elem_id="rag-clear")
            with gr.Column(scale=2, min_width=320):
                with gr.Row():
                    names = backend_names(settings.backend)
                    backend = gr.Dropdown(names, value=settings.backend, label="Backend", elem_id="rag-backend")
                    top_k = gr.Slider(1, MAX_TOP_K, value=min(settings.top_k, MAX_TOP_K), step=1,
                                      label="Passages searched (top-k)", elem_id="rag-topk")
                gr.Markdown("### Sources")
                sources = gr.HTML(render.sources_panel([]), elem_id="rag-sources", head=HEAD, js_on_load=CLICK_JS,
                                  max_height=720)

        def respond(message: str, chat: list, history: list, done: list, name: str | None, k: float) -> Iterator:
            yield from _respond(assistant, settings, message, chat, history, done, name, k)

        state = [chatbot, turns, sections, backend, top_k]
        outputs = [question, chatbot, turns, sections, sources]
        gr.on([question.submit, send.click], respond, [question, *state], outputs, api_visibility="private",
              concurrency_id="answer")
        for button, text in zip(examples, EXAMPLES):
            button.click(_example(respond, text), state, outputs, api_visibility="private", concurrency_id="answer")
        clear.click(lambda: ("", [], [], [], render.sources_panel([])), None, outputs, api_visibility="private")

        def ask(question: str, top_k: int = settings.top_k, backend: str = settings.backend) -> tuple[str, dict]:
            """Answer one question from the articles: the answer text with [n] markers, and the whole answer
            (text, citations with file, title, date, quoted sentence and offsets, abstained, error) as JSON."""
            try:
                a = _final(assistant.stream(question, [], top_k=int(top_k), backend=backend or settings.backend))
            except RagError as exc:
                raise gr.Error(str(exc), print_exception=False) from None
            return a.text, render.answer_json(a)

        def retrieve(question: str, top_k: int = settings.top_k) -> list[dict]:
            """The passages retrieved for a question, best first, without generating an answer."""
            try:
                passages = assistant.retrieve(question, top_k=int(top_k))
            except RagError as exc:
                raise gr.Error(str(exc), print_exception=False) from None
            return [{"rank": p.rank, "score": p.score, "source": p.chunk.source, "title": p.chunk.title,
                     "date": p.chunk.date, "start": p.chunk.start, "end": p.chunk.end, "text": p.chunk.text,
                     "chunk_id": p.chunk.id} for p in passages]

        gr.api(ask, api_name="ask", concurrency_id="answer")
        gr.api(retrieve, api_name="retrieve", concurrency_id="answer")
    return demo


def _example(respond, text: str):
    def run(chat: list, history: list, done: list, name: str | None, k: float) -> Iterator:
        yield from respond(text, chat, history, done, name, k)

    return run


def _respond(assistant: Assistant, settings: Settings, message: str, chat: list, history: list, done: list,
             name: str | None, k: float) -> Iterator:
    """One chat turn, streamed: (textbox, chat, history, sections, sources panel) after each piece."""
    message = message or ""
    chat = list(chat or [])
    if message.strip():
        chat.append({"role": "user", "content": render.user_markdown(message)})
    waiting = "…" if hasattr(assistant, "chunks") else "Opening the index (the first start builds it)…"
    chat.append({"role": "assistant", "content": waiting})
    yield "", chat, history, done, gr.skip()
    text, answer, failure = "", None, None
    try:
        events = assistant.stream(message, history, top_k=int(k or settings.top_k), backend=name or settings.backend)
        for item in events:
            if isinstance(item, Answer):
                answer = item
            else:
                text += item
                chat[-1] = {"role": "assistant", "content": render.streaming_markdown(text)}
                yield gr.skip(), chat, history, done, gr.skip()
    except RagError as exc:
        answer, failure = None, str(exc)
    except Exception as exc:  # a bug or an unexpected failure: log it, tell the user, keep the page alive
        log.exception("answering %r failed", message)
        answer, failure = None, f"Unexpected error ({type(exc).__name__}): {exc}. The server log has details."
    if answer is None:
        chat[-1] = {"role": "assistant", "content": render.error_markdown(failure or "No answer was produced.")}
        yield gr.skip(), chat, history, done, gr.skip()
        return
    turn = len(done) + 1
    titles = {c.source: c.title for c in getattr(assistant, "chunks", [])}
    chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer, turn)}
    if not answer.error:  # a failed turn is no context for the next question
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": answer.text}]
    done = [*done, render.sources_section(answer, turn, titles)]
    yield gr.skip(), chat, history, done, render.sources_panel(done)


def _final(events: Iterator) -> Answer:
    answer = None
    for item in events:
        if isinstance(item, Answer):
            answer = item
    if answer is None:
        raise RagError("The backend produced no answer.")
    return answer


def parse_auth(auth: str) -> tuple[str, str] | None:
    """``"user:password"`` as Gradio's auth pair; empty means no login."""
    if not auth:
        return None
    user, sep, password = auth.partition(":")
    if not sep or not user or not password:
        raise ConfigError("auth must look like user:password (setting auth, flag --auth, or RAG_AUTH).")
    return user, password


def launch(assistant: Assistant, settings: Settings, *, prevent_thread_lock: bool = False,
           quiet: bool = False) -> gr.Blocks:
    """Open (or build, on the first start) the index with a progress bar, then serve the chat."""
    auth = parse_auth(settings.auth)
    if not quiet:
        print("Loading the model and the index (the first start builds the index)…", file=sys.stderr, flush=True)
    assistant.warm_up(progress=not quiet)
    if not quiet and not auth and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {settings.host} without a login; set --auth user:password", file=sys.stderr)
    demo = build_app(assistant, settings)
    demo.queue(default_concurrency_limit=CONCURRENCY)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, share=settings.share, auth=auth,
                    prevent_thread_lock=prevent_thread_lock, quiet=quiet, show_error=False, ssr_mode=False,
                    mcp_server=False, footer_links=["api"])
    except OSError:
        raise ConfigError(f"Cannot listen on {settings.host}:{settings.port}: the port is taken (another chat?) or the "
                          f"address is not this machine's. Pick another: rag chat --port {settings.port + 1}") from None
    return demo
