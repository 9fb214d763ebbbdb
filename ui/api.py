"""The named API endpoints for code callers: ``/ask``, ``/retrieve``, ``/articles`` and ``/upload_articles``.

They share the chat's answer slots (ui/slots.py) and the Articles tab's upload path (ui/articles.py). Every
failure reaches the caller as one readable message: a library error as its own text, anything else as a
one-line summary (logged with its traceback), never Gradio's generic "upstream" error or a traceback.
"""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Iterator
from contextlib import contextmanager

import gradio as gr
from gradio.data_classes import FileData

from rag.assistant import Assistant
from rag.errors import RagError
from rag.settings import Settings
from rag.types import Answer

from .articles import add_articles, scope, upload_path
from .slots import Slots
from .uploads import Uploads

log = logging.getLogger(__name__)

MAX_TOP_K = 20


def add_api(assistant: Assistant, settings: Settings, slots: Slots, uploads: Uploads) -> None:
    """Declare the endpoints on the Blocks being built (call inside its ``with``)."""

    async def ask(question: str, top_k: int = settings.top_k, backend: str = settings.backend,
                  sources: list[str] | None = None) -> tuple[str, dict]:
        """Answer one question from the articles (optionally only from the articles named in ``sources``,
        file names as in /articles): the answer text with [n] markers, and the whole answer (text,
        citations with file, title, date, quoted sentence and offsets, abstained, error) as JSON."""
        name = backend or settings.backend
        with _api_errors():
            k = _top_k(top_k)
            a = await slots.run(name, lambda: _final(assistant.stream(question, [], top_k=k, backend=name,
                                                                      **scope(sources))))
        return a.text, answer_json(a)

    async def retrieve(question: str, top_k: int = settings.top_k,
                       sources: list[str] | None = None) -> list[dict]:
        """The passages retrieved for a question, best first, without generating an answer."""
        with _api_errors():
            k = _top_k(top_k)
            passages = await slots.run("extractive", lambda: assistant.retrieve(question, top_k=k, **scope(sources)))
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
            paths = [upload_path(f) for f in files or []]
            before = {a.source for a in assistant.articles()}
            message = add_articles(assistant, uploads, paths, None)
            added = sorted({a.source for a in assistant.articles()} - before)
        return {"added": added, "message": message}

    gr.api(ask, api_name="ask", concurrency_limit=None)  # Slots limits them
    gr.api(retrieve, api_name="retrieve", concurrency_limit=None)
    gr.api(articles, api_name="articles")
    gr.api(upload_articles, api_name="upload_articles", concurrency_id="index", concurrency_limit=1)


def answer_json(answer: Answer) -> dict:
    """The answer for API callers: text, citations and status, without the retrieved passages."""
    return {
        "question": answer.question,
        "text": answer.text,
        "abstained": answer.abstained,
        "backend": answer.backend,
        "model": answer.model,
        "grounded": answer.grounded,
        "confidence": answer.confidence,
        "error": answer.error,
        "lead": answer.lead,
        "language": answer.language,
        "weak": answer.weak,
        "citations": [
            {"marker": c.marker, "source": c.source, "title": c.title, "date": c.date, "quote": c.quote,
             "start": c.start, "end": c.end, "passage": c.passage, "chunk_id": c.chunk_id,
             "also_in": list(c.also_in), "language": c.language, "context": c.context,
             "days": [list(d) for d in c.days]} for c in answer.citations
        ],
        "timings": answer.timings,
    }


def _final(events: Iterator) -> Answer:
    answer = None
    for item in events:
        if isinstance(item, Answer):
            answer = item
    if answer is None:
        raise RagError("The backend produced no answer.")
    return answer


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
