"""One chat turn, from the question to the answer with its sources, and what the page keeps of it.

Library events (text pieces, then an ``Answer``) become chat messages and a sources panel; library errors
become chat messages, so a turn never breaks the page. Also here: Stop, a new conversation, the plain-text
copy of the last answer, and the conversation kept in the browser's storage across a reload. All markup
comes from ui/render.py and ui/sources.py.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator

import gradio as gr

from rag.assistant import Assistant
from rag.errors import QuestionError, RagError
from rag.settings import Settings
from rag.types import Answer

from . import render
from .articles import indexed, scope
from .sources import Section, sources_panel, sources_section

log = logging.getLogger(__name__)

EMPTY_SAVE = {"chat": [], "history": [], "sections": [], "export": ""}
SAVED_SECTIONS = 12  # turns whose sources the browser keeps (each holds its articles' text; storage is ~5 MB)


def turn(assistant: Assistant, settings: Settings, message: str, chat: list, history: list, done: list,
         name: str | None, k: float, chosen: list | None) -> Iterator:
    """One chat turn for the page: the outputs (textbox, chat, history, sections, sources, saved, failed,
    quotes button, Ask, Stop, tabs) after each step. An empty question does nothing."""
    if not (message or "").strip():
        yield (gr.skip(),) * 11
        return
    name = name or settings.backend
    showing = (gr.update(visible=False), gr.update(visible=True))  # Ask hidden, Stop shown while answering
    last = None
    for box, chat, history, done, panel, answer in respond(assistant, settings, message, chat, history, done,
                                                             name, k, chosen):
        last = (chat, history, done, answer)
        yield box, chat, history, done, panel, gr.skip(), gr.skip(), gr.skip(), *showing, gr.skip()
    chat, history, done, answer = last
    export = answer_text(answer) if answer is not None and not answer.error else ""
    failed = message if answer is not None and answer.error and name != "extractive" else ""
    panel = sources_panel(done) + export_html(export)
    yield (gr.skip(), chat, history, done, panel, _saved(chat, history, done, export), failed,
           gr.update(visible=bool(failed)), gr.update(visible=True), gr.update(visible=False),
           gr.Tabs(selected="sources") if answer is not None else gr.skip())


def respond(assistant: Assistant, settings: Settings, message: str, chat: list, history: list, done: list,
            name: str | None, k: float, chosen: list | None = None) -> Iterator:
    """One chat turn, streamed: (textbox, chat, history, sections, sources panel, Answer or None) after each
    piece. A refused question keeps its text in the box."""
    message = message or ""
    chat, history, done = list(chat or []), list(history or []), list(done or [])
    try:
        assistant.check_question(message)
    except QuestionError as exc:  # shown under the question it refuses, not as part of the last answer
        if message.strip():  # counted as the error counts it
            chat.append({"role": "user", "content": render.user_markdown(message.strip())})
        chat.append({"role": "assistant", "content": render.error_markdown(str(exc))})
        yield gr.skip(), chat, history, done, gr.skip(), None
        return
    chat.append({"role": "user", "content": render.user_markdown(message)})
    chat.append({"role": "assistant", "content": "…"})
    yield "", chat, history, done, gr.skip(), None
    text, answer, failure = "", None, None
    try:
        events = assistant.stream(message, history, top_k=int(k or settings.top_k), backend=name or settings.backend,
                                  **scope(chosen))
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
    number = (getattr(done[-1], "turn", len(done)) + 1) if done else 1  # stored turns may have been trimmed
    infos = {a.source: a for a in indexed(assistant)}
    chat[-1] = {"role": "assistant", "content": render.answer_markdown(answer, number)}
    if not answer.error:  # a failed turn is no context for the next question
        history = [*history, {"role": "user", "content": message}, {"role": "assistant", "content": answer.text}]
    done = [*done, sources_section(answer, number, infos, article=assistant.article)]
    yield gr.skip(), chat, history, done, sources_panel(done), answer


def stopped(chat: list, done: list, history: list):
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


def cleared():
    """A new conversation: the view, the hidden history, the sources and the stored copy all start empty."""
    return ("", [], [], [], sources_panel([]) + export_html(""), EMPTY_SAVE, "", gr.update(visible=False),
            gr.update(visible=True), gr.update(visible=False), gr.skip())


def _saved(chat: list, history: list, done: list, export: str) -> dict:
    """What the browser keeps across a reload (encrypted by Gradio's BrowserState)."""
    return {"chat": chat, "history": history, "export": export,
            "sections": [dataclasses.asdict(s) if dataclasses.is_dataclass(s) else s for s in done[-SAVED_SECTIONS:]]}


def restored(stored) -> tuple:
    """The conversation kept in the browser, or an empty one; a copy from an older page version is dropped."""
    try:
        chat, history, export = list(stored["chat"]), list(stored["history"]), str(stored.get("export", ""))
        done = [Section(**s) for s in stored["sections"]]
    except (KeyError, TypeError, ValueError):
        chat, history, done, export = [], [], [], ""
    return chat, history, done, sources_panel(done) + export_html(export)


def export_html(text: str) -> str:
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
