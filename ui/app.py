"""The browser chat: a Gradio app over an ``Assistant``, built by ``build_app`` and served by ``launch``.

Thin by design: it turns library events (text pieces, then an ``Answer``) into chat messages and a sources
panel, and library errors into chat messages. All markup about answers comes from ui/render.py, which
escapes everything that came from an article or a model. Beside the chat: an Articles tab (the indexed
articles, upload, remove, and a scope that limits questions to chosen articles), a backend menu that offers
only the backends that can answer now (ui/probe.py), Stop, copy, and the conversation kept in the browser's
storage across a reload. Named API endpoints serve code callers: ``/ask``, ``/retrieve``, ``/articles`` and
``/upload_articles``. The server's outer guard (ui/guard.py) refuses cross-origin and oversized uploads and
slows down repeated failed logins.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import os
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")  # no phoning home, set before gradio loads

import anyio  # noqa: E402
import gradio as gr  # noqa: E402
from gradio.data_classes import FileData  # noqa: E402

from rag.assistant import Assistant  # noqa: E402
from rag.errors import ConfigError, QuestionError, RagError  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag.types import Answer  # noqa: E402

from . import render  # noqa: E402
from .guard import Guard  # noqa: E402
from .probe import probe_all  # noqa: E402
from .style import CLICK_JS, COPY_JS, HEAD  # noqa: E402
from .uploads import ALLOWED, MAX_BYTES, Uploads, UploadError  # noqa: E402

log = logging.getLogger(__name__)

EXAMPLES = (
    "Which bombers did Kim inspect?",
    "Wo traf Kim Jong Un Wladimir Putin?",
    "What did Kim receive as a farewell gift?",
    "Which fighter jets are built in Komsomolsk-on-Amur?",
    "Who won the football World Cup in 2022?",
)
LLM_SLOTS = 4  # LLM answers generated at once (chat and API together); more wait for a slot
EXTRACTIVE_SLOTS = 4  # extractive answers at once: their own slots, so they never wait behind LLM calls
MAX_TOP_K = 20
ARTICLES_SHOWN = 500  # rows in the articles table; the scope menu (searchable) holds them all
EMPTY_SAVE = {"chat": [], "history": [], "sections": [], "export": ""}
SAVED_SECTIONS = 12  # turns whose sources the browser keeps (each holds its articles' text; storage is ~5 MB)


class Slots:
    """Separate limits for extractive and LLM turns (chat and API together). A Gradio event's concurrency_id
    is fixed when the event is declared, but the backend is chosen per question, so answering events have no
    Gradio limit and each turn waits for its kind's slot here, asynchronously: a waiting turn holds no worker
    thread, so any number of waiting LLM turns never delays an extractive one."""

    def __init__(self, llm: int = LLM_SLOTS, extractive: int = EXTRACTIVE_SLOTS) -> None:
        self.sizes = {"llm": llm, "extractive": extractive}
        self._slots: dict[str, asyncio.Semaphore] = {}

    def take(self, backend: str) -> asyncio.Semaphore:
        kind = "extractive" if backend == "extractive" else "llm"
        if kind not in self._slots:  # made on first use, inside the server's event loop
            self._slots[kind] = asyncio.Semaphore(self.sizes[kind])
        return self._slots[kind]

    async def run(self, backend: str, work, *args):
        """``work(*args)`` in a worker thread once a slot is free."""
        async with self.take(backend):
            return await anyio.to_thread.run_sync(work, *args, abandon_on_cancel=True)

    async def stream(self, backend: str, items: Iterator):
        """The items of a blocking iterator, each fetched in a worker thread, while holding a slot."""
        end = object()
        async with self.take(backend):
            # Stop cancels the turn at once; a call already running finishes in its thread, unread
            while (item := await anyio.to_thread.run_sync(next, items, end, abandon_on_cancel=True)) is not end:
                yield item


def build_app(assistant: Assistant, settings: Settings) -> gr.Blocks:
    """The chat page and API endpoints, not yet served (tests and ``launch`` serve it)."""
    slots = Slots()
    uploads = Uploads(settings.corpus_dir)
    limit = settings.max_question_chars
    # delete_cache: uploads the page did not pick up (or a client left) are deleted within the hour
    with gr.Blocks(title="Ask the articles", analytics_enabled=False, delete_cache=(900, 3600)) as demo:
        turns = gr.State([])  # raw {"role", "content"} history for follow-up questions
        sections = gr.State([])  # one render.Section per answered turn
        failed = gr.State("")  # the last question an LLM failed to answer, for the quotes answer
        saved = gr.BrowserState(EMPTY_SAVE, storage_key="rag-chat")
        gr.Markdown("# Ask the articles\nAnswers come only from the indexed news articles. Each `[n]` in an "
                    "answer links to the passage it quotes, shown under *Sources* with the sentence highlighted. "
                    "Add your own articles under *Articles*.")
        with gr.Row(equal_height=False, elem_id="rag-main"):
            with gr.Column(scale=3, min_width=320):
                chatbot = gr.Chatbot(label="Chat", show_label=False, elem_id="rag-chat", height=520,
                                     sanitize_html=True, render_markdown=True, latex_delimiters=[], buttons=[],
                                     feedback_options=None, allow_file_downloads=False,
                                     placeholder="Ask about the articles in any language, or click an example.")
                with gr.Row(elem_id="rag-ask-row"):
                    question = gr.Textbox(label="Your question", show_label=False, elem_id="rag-question",
                                          placeholder="Ask a question about the articles…", scale=5, max_lines=6,
                                          autofocus=True)
                    send = gr.Button("Ask", variant="primary", scale=1, min_width=80, elem_id="rag-send")
                    stop = gr.Button("Stop", variant="stop", scale=1, min_width=80, elem_id="rag-stop",
                                     visible=False)
                gr.HTML(f'<p id="rag-count" data-limit="{limit}">Up to {limit} characters.</p>'
                        '<p id="rag-live" class="rag-sr-only" role="status" aria-live="polite"></p>',
                        elem_id="rag-count-box", padding=False)
                gr.Markdown("**Examples**")
                with gr.Row(elem_id="rag-examples"):
                    examples = [gr.Button(q, size="sm", min_width=120) for q in EXAMPLES]
                with gr.Row(elem_id="rag-actions"):
                    clear = gr.Button("New conversation", size="sm", variant="secondary", elem_id="rag-clear")
                    copy = gr.Button("Copy answer with sources", size="sm", variant="secondary", elem_id="rag-copy")
                    quotes = gr.Button("Answer with quotes instead", size="sm", variant="secondary",
                                       elem_id="rag-quotes", visible=False)
            with gr.Column(scale=2, min_width=300):
                with gr.Row():
                    backend = gr.Dropdown(["extractive"], value="extractive", label="Backend",
                                          elem_id="rag-backend", interactive=True)
                    top_k = gr.Slider(1, MAX_TOP_K, value=min(settings.top_k, MAX_TOP_K), step=1,
                                      label="Passages searched (top-k)", elem_id="rag-topk")
                backends_note = gr.HTML("", elem_id="rag-backends", padding=False)
                with gr.Tabs(elem_id="rag-tabs") as tabs:
                    with gr.Tab("Sources", id="sources"):
                        sources = gr.HTML(render.sources_panel([]) + _export_html(""), elem_id="rag-sources",
                                          head=HEAD, js_on_load=CLICK_JS, max_height=720)
                    with gr.Tab("Articles", id="articles", elem_id="rag-articles-tab"):
                        scope = gr.Dropdown([], value=[], multiselect=True, elem_id="rag-scope",
                                            label="Ask only these articles (none chosen: all)")
                        upload = gr.File(label=f"Add articles: {', '.join(ALLOWED)} (saved news pages as .html), "
                                               f"up to {MAX_BYTES // 1_000_000} MB each",
                                         file_count="multiple", file_types=list(ALLOWED), elem_id="rag-upload")
                        upload_status = gr.Markdown("", elem_id="rag-upload-status")
                        with gr.Row():
                            to_remove = gr.Dropdown([], value=None, label="Article to remove",
                                                    elem_id="rag-remove-choice")
                            remove = gr.Button("Remove from the index", variant="secondary",
                                               elem_id="rag-remove")
                        table = gr.HTML("", elem_id="rag-articles", padding=False)

        # answering
        async def turn(message, chat, history, done, name, k, chosen):
            steps = _turn(assistant, settings, message, chat, history, done, name, k, chosen)
            async for step in slots.stream(name or settings.backend, steps):
                yield step

        def example(text: str):
            async def run(chat, history, done, name, k, chosen):
                async for step in turn(text, chat, history, done, name, k, chosen):
                    yield step
            return run

        async def quotes_turn(text, chat, history, done, k, chosen):
            async for step in turn(text, chat, history, done, "extractive", k, chosen):
                yield step

        conversation = [chatbot, turns, sections]
        outputs = [question, *conversation, sources, saved, failed, quotes, send, stop, tabs]
        answer_events = dict(api_visibility="private", concurrency_limit=None)  # Slots limits them
        running = [gr.on([question.submit, send.click], turn, [question, *conversation, backend, top_k, scope],
                         outputs, **answer_events)]
        running += [b.click(example(text), [*conversation, backend, top_k, scope], outputs, **answer_events)
                    for b, text in zip(examples, EXAMPLES)]
        running.append(quotes.click(quotes_turn, [failed, *conversation, top_k, scope], outputs, **answer_events))
        stop.click(_stopped, [chatbot, sections, turns], [chatbot, saved, send, stop, question, sources],
                   cancels=running, api_visibility="private", queue=False)
        clear.click(_cleared, None, outputs, cancels=running, api_visibility="private", queue=False)
        chatbot.clear(_cleared, None, outputs, cancels=running, api_visibility="private", queue=False)  # its bin
        copy.click(None, None, None, js=COPY_JS, api_visibility="private")

        # articles
        def listing():
            return _listing(assistant, uploads)

        def add(files, chosen, progress=gr.Progress(track_tqdm=True)):
            message = render.md_text(_add_articles(assistant, uploads, files, progress))
            return (message, *_listing(assistant, uploads, chosen), None)

        def drop(source, chosen):
            message = render.md_text(_remove_article(assistant, uploads, source))
            return (message, *_listing(assistant, uploads, [c for c in chosen or [] if c != source]))

        article_outputs = [table, scope, to_remove]
        upload.upload(add, [upload, scope], [upload_status, *article_outputs, upload], api_visibility="private",
                      concurrency_id="index", concurrency_limit=1)
        remove.click(drop, [to_remove, scope], [upload_status, *article_outputs], api_visibility="private",
                     concurrency_id="index", concurrency_limit=1)

        def on_load(stored):
            backends = _backend_menu(settings)
            return (*_restored(stored), *backends, *listing())

        demo.load(on_load, [saved], [*conversation, sources, backend, backends_note, *article_outputs],
                  api_visibility="private", show_progress="hidden")

        # API
        async def ask(question: str, top_k: int = settings.top_k, backend: str = settings.backend,
                      sources: list[str] | None = None) -> tuple[str, dict]:
            """Answer one question from the articles (optionally only from the articles named in ``sources``,
            file names as in /articles): the answer text with [n] markers, and the whole answer (text,
            citations with file, title, date, quoted sentence and offsets, abstained, error) as JSON."""
            name = backend or settings.backend
            with _api_errors():
                k = _top_k(top_k)
                a = await slots.run(name, lambda: _final(assistant.stream(question, [], top_k=k, backend=name,
                                                                          **_scope(sources))))
            return a.text, render.answer_json(a)

        async def retrieve(question: str, top_k: int = settings.top_k,
                           sources: list[str] | None = None) -> list[dict]:
            """The passages retrieved for a question, best first, without generating an answer."""
            with _api_errors():
                k = _top_k(top_k)
                passages = await slots.run("extractive", lambda: assistant.retrieve(question, top_k=k,
                                                                                    **_scope(sources)))
            return [{"rank": p.rank, "score": p.score, "source": p.chunk.source, "title": p.chunk.title,
                     "date": p.chunk.date, "start": p.chunk.start, "end": p.chunk.end, "text": p.chunk.text,
                     "chunk_id": p.chunk.id} for p in passages]

        def articles() -> list[dict]:
            """The indexed articles: source (file name), title, outlet, author, date, language, chunks."""
            with _api_errors():
                return [dataclasses.asdict(a) for a in assistant.articles()]

        def upload_articles(files: list[FileData]) -> dict:
            """Add articles (.txt, .md, saved news pages .html; up to 5 MB each) to the corpus folder and the
            index: {"added": [saved file names], "message": what happened}."""
            with _api_errors():
                paths = [_upload_path(f) for f in files or []]
                before = {a.source for a in assistant.articles()}
                message = _add_articles(assistant, uploads, paths, None)
                added = sorted({a.source for a in assistant.articles()} - before)
            return {"added": added, "message": message}

        gr.api(ask, api_name="ask", concurrency_limit=None)  # Slots limits them
        gr.api(retrieve, api_name="retrieve", concurrency_limit=None)
        gr.api(articles, api_name="articles")
        gr.api(upload_articles, api_name="upload_articles", concurrency_id="index", concurrency_limit=1)
    return demo


# chat turns
def _turn(assistant: Assistant, settings: Settings, message: str, chat: list, history: list, done: list,
          name: str | None, k: float, chosen: list | None) -> Iterator:
    """One chat turn for the page: the outputs (textbox, chat, history, sections, sources, saved, failed,
    quotes button, Ask, Stop, tabs) after each step. An empty question does nothing."""
    if not (message or "").strip():
        yield (gr.skip(),) * 11
        return
    name = name or settings.backend
    showing = (gr.update(visible=False), gr.update(visible=True))  # Ask hidden, Stop shown while answering
    last = None
    for box, chat, history, done, panel, answer in _respond(assistant, settings, message, chat, history, done,
                                                              name, k, chosen):
        last = (chat, history, done, answer)
        yield box, chat, history, done, panel, gr.skip(), gr.skip(), gr.skip(), *showing, gr.skip()
    chat, history, done, answer = last
    export = answer_text(answer) if answer is not None and not answer.error else ""
    failed = message if answer is not None and answer.error and name != "extractive" else ""
    panel = render.sources_panel(done) + _export_html(export)
    yield (gr.skip(), chat, history, done, panel, _saved(chat, history, done, export), failed,
           gr.update(visible=bool(failed)), gr.update(visible=True), gr.update(visible=False),
           gr.Tabs(selected="sources") if answer is not None else gr.skip())


def _respond(assistant: Assistant, settings: Settings, message: str, chat: list, history: list, done: list,
             name: str | None, k: float, chosen: list | None = None) -> Iterator:
    """One chat turn, streamed: (textbox, chat, history, sections, sources panel, Answer or None) after each
    piece. A refused question keeps its text in the box."""
    message = message or ""
    chat, history, done = list(chat or []), list(history or []), list(done or [])
    try:
        assistant.check_question(message)
    except QuestionError as exc:
        chat.append({"role": "assistant", "content": render.error_markdown(str(exc))})
        yield gr.skip(), chat, history, done, gr.skip(), None
        return
    chat.append({"role": "user", "content": render.user_markdown(message)})
    chat.append({"role": "assistant", "content": "…"})
    yield "", chat, history, done, gr.skip(), None
    text, answer, failure = "", None, None
    try:
        events = assistant.stream(message, history, top_k=int(k or settings.top_k), backend=name or settings.backend,
                                  **_scope(chosen))
        for item in events:
            if isinstance(item, Answer):
                answer = item
            else:
                text += item
                chat[-1] = {"role": "assistant", "content": render.streaming_markdown(text)}
                yield gr.skip(), chat, history, done, gr.skip(), None
    except RagError as exc:
        answer, failure = None, str(exc)
    except Exception as exc:  # a bug or an unexpected failure: log it, tell the user, keep the page alive
        log.exception("answering %r failed", message)
        answer, failure = None, f"Unexpected error ({type(exc).__name__}): {exc}. The server log has details."
    if answer is None:
        chat[-1] = {"role": "assistant", "content": render.error_markdown(failure or "No answer was produced.")}
        yield gr.skip(), chat, history, done, gr.skip(), None
        return
    turn = (getattr(done[-1], "turn", len(done)) + 1) if done else 1  # stored turns may have been trimmed
    infos = {a.source: a for a in _articles(assistant)}
    chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer, turn)}
    if not answer.error:  # a failed turn is no context for the next question
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": answer.text}]
    done = [*done, render.sources_section(answer, turn, infos, article=assistant.article)]
    yield gr.skip(), chat, history, done, render.sources_panel(done), answer


def _stopped(chat: list, done: list, history: list):
    """After Stop: the cut-off answer says so; the conversation so far is kept."""
    chat = list(chat or [])
    if chat and chat[-1].get("role") == "assistant":
        content = _text_of(chat[-1].get("content", "")).removesuffix(" ▍").removesuffix("…").rstrip()
        chat[-1] = {"role": "assistant", "content": f"{content}\n\n*Stopped.*".lstrip()}
    return chat, _saved(chat, history, done, ""), gr.update(visible=True), gr.update(visible=False), gr.skip(), gr.skip()


def _text_of(content) -> str:
    """A chat message's text: Gradio hands messages back with their content as a list of typed parts."""
    if isinstance(content, list):
        return "".join(p.get("text", "") if isinstance(p, dict) else str(p) for p in content)
    if isinstance(content, dict):
        return str(content.get("text", ""))
    return str(content)


def _cleared():
    """A new conversation: the view, the hidden history, the sources and the stored copy all start empty."""
    return ("", [], [], [], render.sources_panel([]) + _export_html(""), EMPTY_SAVE, "", gr.update(visible=False),
            gr.update(visible=True), gr.update(visible=False), gr.skip())


def _saved(chat: list, history: list, done: list, export: str) -> dict:
    """What the browser keeps across a reload (encrypted by Gradio's BrowserState)."""
    return {"chat": chat, "history": history, "export": export,
            "sections": [dataclasses.asdict(s) if dataclasses.is_dataclass(s) else s for s in done[-SAVED_SECTIONS:]]}


def _restored(stored) -> tuple:
    """The conversation kept in the browser, or an empty one; a copy from an older page version is dropped."""
    try:
        chat, history, export = list(stored["chat"]), list(stored["history"]), str(stored.get("export", ""))
        done = [render.Section(**s) for s in stored["sections"]]
    except (KeyError, TypeError, ValueError):
        chat, history, done, export = [], [], [], ""
    return chat, history, done, render.sources_panel(done) + _export_html(export)


def _export_html(text: str) -> str:
    """The last answer as plain text, for the copy button (never shown; read by COPY_JS)."""
    return f'<textarea id="rag-export" hidden aria-hidden="true" tabindex="-1">{render.h(text)}</textarea>'


def answer_text(answer: Answer) -> str:
    """An answer with its sources as plain text, for copying: the text, then one line per citation."""
    lead = (getattr(answer, "lead", "") or "").strip()
    lines = [lead] if lead and not answer.text.strip().startswith(lead) else []
    lines += [answer.text.strip(), ""]
    if answer.citations:
        lines.append("Sources:")
    for c in answer.citations:
        date = f", {c.date}" if c.date else ""
        lines.append(f"[{c.marker}] {c.title}{date} ({c.source}): \u201c{' '.join(c.quote.split())}\u201d")
    return "\n".join(lines).strip() + "\n"


def _final(events: Iterator) -> Answer:
    answer = None
    for item in events:
        if isinstance(item, Answer):
            answer = item
    if answer is None:
        raise RagError("The backend produced no answer.")
    return answer


def _scope(sources) -> dict:
    """The ``sources=`` keyword when articles were chosen (none chosen: every article)."""
    chosen = [s for s in (sources or []) if isinstance(s, str) and s]
    return {"sources": chosen} if chosen else {}


def _top_k(value) -> int:
    try:
        k = float(value)
    except (TypeError, ValueError):
        k = float("nan")
    if not (k == k and k.is_integer() and 1 <= k <= MAX_TOP_K):
        raise RagError(f"top_k must be a whole number from 1 to {MAX_TOP_K}, got {value!r}.")
    return int(k)


@contextmanager
def _api_errors():
    """Library errors reach API callers as their message; anything else as a one-line message (logged)."""
    try:
        yield
    except gr.Error:
        raise
    except RagError as exc:
        raise gr.Error(str(exc), print_exception=False) from None
    except Exception as exc:  # noqa: BLE001 - e.g. a Chroma server that went away
        log.exception("API call failed")
        raise gr.Error(f"Unexpected error ({type(exc).__name__}): {' '.join(str(exc).split())[:300]}. "
                       "The server log has details.", print_exception=False) from None


# backends
def _backend_menu(settings: Settings) -> tuple:
    """The backend menu (only backends that can answer now) and a note on the others, with the reason."""
    statuses = probe_all(settings)
    ready = [s for s in statuses if s.available]
    value = settings.backend if any(s.name == settings.backend for s in ready) else "extractive"
    choices = [(f"{s.name} · {s.model}"[:60] if s.model else s.name, s.name) for s in ready]
    off = [s for s in statuses if not s.available]
    note = ""
    if off:
        items = "".join(f'<li><span class="rag-off-name">{render.h(s.name)}</span>: {render.h(s.reason)}</li>'
                        for s in off)
        note = f'<details class="rag-backends-off"><summary>Not available now ({len(off)})</summary><ul>{items}</ul></details>'
    if value != settings.backend:
        note = (f'<p class="rag-note">The configured backend {render.h(settings.backend)} cannot answer now; '
                f'answering with quotes.</p>') + note
    return gr.update(choices=choices, value=value), note


# articles
def _articles(assistant: Assistant) -> list:
    try:
        return list(assistant.articles())
    except RagError:
        return []


def _listing(assistant: Assistant, uploads: Uploads, chosen: list | None = None) -> tuple:
    """The articles table, the scope menu and the remove menu."""
    items = sorted(_articles(assistant), key=lambda a: (a.title.casefold(), a.source))
    choices = [(_label(a), a.source) for a in items]
    known = {a.source for a in items}
    added = uploads.names()
    rows = "".join(
        f'<tr data-source="{render.h(a.source)}"><td>{render.h(a.title)}'
        f'{" <span class=rag-added>added here</span>" if a.source in added else ""}'
        f'<br><span class="rag-file">{render.h(a.source)}</span></td><td>{render.h(a.outlet or "–")}</td>'
        f'<td>{render.h(a.date or "–")}</td><td>{render.h(a.language or "–")}</td><td>{a.chunks}</td></tr>'
        for a in items[:ARTICLES_SHOWN])
    more = (f'<p class="rag-note">The first {ARTICLES_SHOWN} of {len(items)} are listed; the menus hold all.</p>'
            if len(items) > ARTICLES_SHOWN else "")
    table = (f'<table class="rag-articles"><caption>{len(items)} articles indexed</caption><thead><tr>'
             '<th scope="col">Title</th><th scope="col">Outlet</th><th scope="col">Date</th>'
             f'<th scope="col">Language</th><th scope="col">Chunks</th></tr></thead><tbody>{rows}</tbody></table>{more}')
    kept = [c for c in chosen or [] if c in known]
    return table, gr.update(choices=choices, value=kept), gr.update(choices=choices, value=None)


def _label(a) -> str:
    where = ", ".join(x for x in (a.outlet, a.date) if x)
    return f"{a.title} ({where})" if where else a.title


def _upload_path(f) -> tuple[str, str]:
    """(temporary path, original name) of an uploaded file; only Gradio's own upload folder is read."""
    path = f.get("path") if isinstance(f, dict) else getattr(f, "path", None)
    name = (f.get("orig_name") if isinstance(f, dict) else getattr(f, "orig_name", None)) or Path(path or "").name
    folder = Path(gr.utils.get_upload_folder()).resolve()
    if not path or not Path(path).resolve().is_relative_to(folder):
        raise UploadError("Files can only be added through this chat's upload endpoint.")
    return str(path), name


def _add_articles(assistant: Assistant, uploads: Uploads, files, progress) -> str:
    """Save and index uploaded files; a message saying what was added and what was refused."""
    pairs = [f if isinstance(f, tuple) else _upload_path({"path": f} if isinstance(f, str) else f) for f in files or []]
    refused, saved = [], []
    try:
        for temp, name in pairs:
            try:
                saved.append(uploads.save(temp, name))
            except UploadError as exc:
                refused.append(str(exc))
            except OSError as exc:
                refused.append(f"{name}: could not be read ({exc.strerror or exc}).")
    finally:
        for temp, _ in pairs:  # Gradio's temporary copies go as soon as they are read
            _unlink(temp)
    lines = [f"Not added: {r}" for r in refused]
    if saved:
        if progress is not None:
            progress(0, desc=f"Indexing {len(saved)} article(s)…")
        try:
            report = assistant.index(saved, progress=progress is not None)
        except RagError as exc:
            for p in saved:
                uploads.delete(p.name)
            return "\n\n".join([f"Not added: {exc}", *lines])
        bad = {Path(p).name for p, _ in report.skipped}
        for p in saved:
            if p.name in bad:
                uploads.delete(p.name)
        lines += [f"Not added: {Path(p).name}: {why}" for p, why in report.skipped]
        added = [p.name for p in saved if p.name not in bad]
        if added:
            lines.insert(0, f"Added {', '.join(added)}: {report.added} new chunks indexed "
                            f"({report.seconds:.1f} s).")
    return "\n\n".join(lines) or "No file was given."


def _remove_article(assistant: Assistant, uploads: Uploads, source: str | None) -> str:
    if not source:
        return "Choose an article to remove first."
    try:
        assistant.remove([source])
    except RagError as exc:
        return f"Not removed: {exc}"
    if uploads.delete(source):
        return f"Removed {source} from the index and deleted the file added here."
    return (f"Removed {source} from the index. Its file stays in the corpus folder, so the next `rag index` adds it "
            "back: delete the file to drop it for good.")


def _unlink(path: str) -> None:
    try:
        p = Path(path)
        p.unlink()
        p.parent.rmdir()  # Gradio keeps each upload in a folder of its own
    except OSError:
        pass


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
    from starlette.middleware import Middleware

    auth = parse_auth(settings.auth)
    if not quiet:
        print("Loading the model and the index (the first start builds the index)…", file=sys.stderr, flush=True)
    assistant.warm_up(progress=not quiet)
    if not quiet and not auth and settings.host not in ("127.0.0.1", "localhost", "::1"):
        print(f"warning: serving on {settings.host} without a login; set --auth user:password", file=sys.stderr)
    demo = build_app(assistant, settings)
    demo.queue(default_concurrency_limit=EXTRACTIVE_SLOTS)
    try:
        demo.launch(server_name=settings.host, server_port=settings.port, share=settings.share, auth=auth,
                    prevent_thread_lock=prevent_thread_lock, quiet=quiet, show_error=False, ssr_mode=False,
                    mcp_server=False, footer_links=["api"], max_file_size=MAX_BYTES,
                    app_kwargs={"middleware": [Middleware(Guard, max_upload_bytes=MAX_BYTES)]})
    except OSError:
        raise ConfigError(f"Cannot listen on {settings.host}:{settings.port}: the port is taken (another chat?) or the "
                          f"address is not this machine's. Pick another: rag chat --port {settings.port + 1}") from None
    return demo
