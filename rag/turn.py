"""One stage graph for every answer backend: question -> Query -> retrieve -> generate -> cite -> Answer.

The question is analysed once into a ``Query`` (language, vector, lexical terms) and passed on. What differs
between backends comes from a ``Generator``, one per turn: the question the answer is for (``resolve``: an
LLM rewrites a follow-up to stand alone), what else is searched (``expand``), the text (``generate``: an
LLM's tokens, the extractive answer's words) and its citations (``finish``). The turn times the stages,
turns a backend failure into an ``Answer`` with ``error`` set and the passages filled, and reads once more
from the newest index version when a rebuild dropped the collections it read before any text was written:
readers hold no lock, so a rebuild may finish mid-answer.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Protocol, TypeVar

from .errors import BackendError
from .retrieve import Query, Retriever
from .types import Answer, Citation, Passage

log = logging.getLogger(__name__)
T = TypeVar("T")
View = Callable[..., Retriever]  # view(force=False): the retriever of the newest index version


@dataclass(frozen=True)
class Plan:
    """What a turn searches for: the question as asked, the question answered (the same, or a follow-up
    rewritten to stand alone), queries searched along with it, and the conversation the answer reads it in."""

    asked: Query
    question: Query
    extra: tuple[Query, ...] = ()
    context: Query | None = None
    topic: str = ""  # the conversation without the last answer: the message and the last question


@dataclass(frozen=True)
class Draft:
    """A generator's answer: the text the reader gets, its citations and how far to trust it."""

    text: str
    citations: list[Citation]
    abstained: bool
    grounded: bool
    confidence: float
    lead: str
    weak: bool


class Generator(Protocol):
    """What differs per backend. One object per turn, so ``finish`` may use what ``generate`` made."""

    name: str  # the backend, as ``Answer.backend`` names it
    model: str

    def resolve(self, plan: Plan, history: list | None, r: Retriever, timings: dict[str, float]) -> Plan:
        """The plan with the question the answer is for."""

    def expand(self, plan: Plan, history: list | None, r: Retriever, timings: dict[str, float]) -> Plan:
        """The plan with what else to search for, and the conversation to read the passages in."""

    def generate(self, plan: Plan, passages: list[Passage], r: Retriever) -> Iterator[str]:
        """The answer's text, in pieces."""

    def finish(self, plan: Plan, passages: list[Passage], r: Retriever) -> Draft:
        """The text as the reader gets it, with its citations checked."""


def run_turn(gen: Generator, message: str, history: list | None, top_k: int, sources: list[str] | None,
             view: View, streaming: bool, started: float) -> Iterator[str | Answer]:
    """The text in pieces when ``streaming``, then the ``Answer`` (always last). ``started``: when the turn
    began (``time.perf_counter()``), for ``total_ms``."""
    timings: dict[str, float] = {}
    r = view()
    asked = r.analyse(message)  # question -> Query: language, vector and terms, once
    plan, passages = Plan(asked, asked), []

    def attempt(r: Retriever) -> Iterator[str | Draft]:
        nonlocal passages
        with timed(timings, "retrieve_ms"):
            passages = r.retrieve(plan.question, top_k, plan.extra, sources=sources)
        with timed(timings, "generate_ms"):
            yield from gen.generate(plan, passages, r)
        yield gen.finish(plan, passages, r)

    try:
        plan = gen.resolve(plan, history, r, timings)  # a follow-up as a question of its own
        plan = gen.expand(plan, history, r, timings)  # and what else to search for
        for item in fresh(attempt, r, view):  # retrieve -> generate -> cite
            if isinstance(item, Draft):
                draft = item
            elif streaming:
                yield item
    except BackendError as exc:
        log.warning("%s", exc)
        passages = passages or r.retrieve(asked, top_k, sources=sources)
        yield Answer(question=plan.question.text, text=str(exc), citations=[], abstained=True, backend=gen.name,
                     model=gen.model, grounded=False, passages=passages, timings=_total(timings, started),
                     error=str(exc))
        return
    yield Answer(question=plan.question.text, text=draft.text, citations=draft.citations, abstained=draft.abstained,
                 backend=gen.name, model=gen.model, grounded=draft.grounded, confidence=draft.confidence,
                 passages=passages, timings=_total(timings, started), lead=draft.lead, language=asked.language,
                 weak=draft.weak)


def fresh(attempt: Callable[[Retriever], Iterator[T]], r: Retriever, view: View) -> Iterator[T]:
    """The items of ``attempt(r)``; when the collections it read were dropped by a rebuild before it yielded
    anything, those of ``attempt`` on the newest index version instead."""
    yielded = False
    try:
        for item in attempt(r):
            yielded = True
            yield item
    except Exception as exc:  # noqa: BLE001 - only a collection dropped by a rebuild is retried
        from chromadb.errors import NotFoundError

        if yielded or not isinstance(exc, NotFoundError):
            raise
        yield from attempt(view(force=True))


@contextmanager
def timed(timings: dict[str, float], key: str) -> Iterator[None]:
    """Record the milliseconds the block took as ``timings[key]`` (nothing when it raised)."""
    t = time.perf_counter()
    yield
    timings[key] = (time.perf_counter() - t) * 1000


def _total(timings: dict[str, float], started: float) -> dict[str, float]:
    timings["total_ms"] = (time.perf_counter() - started) * 1000
    return timings
