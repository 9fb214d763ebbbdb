"""The top of the library: reads settings, loads the model and index once, and answers questions."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from . import profiles
from .backends import EXTRACTIVE, Backend, check_name, get_backend
from .embed import Embedder
from .errors import QuestionError, RagError
from .generators import LLM, Extractive
from .index import Index
from .indexer import IndexReport
from .retrieve import Retriever
from .settings import Settings
from .turn import fresh, run_turn
from .types import Answer, ArticleInfo, ArticleView, Passage


class Assistant:
    """Answers questions about the indexed articles. Heavy loading happens once, in ``warm_up``."""

    def __init__(self, settings: Settings | None = None, **overrides) -> None:
        self.settings = settings.replace(**overrides) if settings else Settings.load(**overrides)
        self.embedder = Embedder(self.settings.embedding_model, self.settings.query_prefix,
                                 self.settings.passage_prefix, self.settings.device)
        self._lock = threading.RLock()
        self._index = Index(self.settings, self.embedder)
        self._retriever: Retriever | None = None
        self._snap = None
        self._backends: dict[tuple[str, str, str], Backend] = {}

    # loading
    def warm_up(self, progress: bool = False) -> Assistant:
        """Load the embedding model and the index; build the index first when there is none yet."""
        self.embedder.warm_up()
        profiles.warm_up()
        self._view(progress)
        return self

    def _view(self, progress: bool = False, force: bool = False) -> Retriever:
        """The retriever of the newest index version (a newer one published meanwhile is picked up)."""
        snap = self._index.snapshot(progress=progress, force=force)
        with self._lock:
            if self._retriever is None or self._snap is not snap:
                self._retriever = Retriever(snap.catalog, snap.store, snap.sentences, self.embedder,
                                            self.settings.lexical_weight)
                self._retriever.lexical.prepare()  # once per index version: its languages may be new
                self._snap = snap
            return self._retriever

    def index(self, paths: list[str | Path] | None = None, rebuild: bool = False, progress: bool = False,
              prune: bool | None = None) -> IndexReport:
        """Sync the index with the articles (default: ``corpus_dir``), under the index write lock.

        Indexing ``corpus_dir`` mirrors it; indexing other ``paths`` adds or replaces those articles and keeps
        the rest, unless ``prune`` is set. Readers keep answering from the last complete version meanwhile."""
        return self._index.build(paths, rebuild, progress, prune)

    def remove(self, sources: list[str]) -> IndexReport:
        """Drop the articles ``sources`` (file names, as ``articles()`` lists them) from the index."""
        return self._index.remove(sources)

    def articles(self) -> list[ArticleInfo]:
        """The indexed articles: file name, title, date, language, outlet, author and chunk count."""
        self.embedder.warm_up()
        return self._index.articles()

    def article(self, source: str) -> ArticleView:
        """One indexed article's sentences with their file offsets (the space citations point into)."""
        self.embedder.warm_up()
        return self._index.article(source)

    # answering
    def check_question(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise QuestionError("The question is empty: ask something about the articles, e.g. "
                                "\"Who signed the agreement?\"")
        if len(q) > self.settings.max_question_chars:
            raise QuestionError(f"The question is {len(q)} characters long; the limit is "
                                f"{self.settings.max_question_chars} (setting max_question_chars). Shorten it.")
        return q

    def retrieve(self, question: str, top_k: int | None = None, sources: list[str] | None = None) -> list[Passage]:
        q = self.check_question(question)
        self.warm_up()

        def attempt(r: Retriever) -> Iterator[list[Passage]]:
            yield r.retrieve(r.analyse(q), top_k or self.settings.top_k, sources=sources)

        return next(fresh(attempt, self._view(), self._view))

    def ask(self, question: str, top_k: int | None = None, backend: str | None = None,
            sources: list[str] | None = None) -> Answer:
        """A cited answer to one question. Backend failures come back as an ``Answer`` with ``error`` set
        and the retrieved ``passages`` filled; setup problems (unknown backend, missing package) raise."""
        return _last(self._turn(question, None, top_k, backend, False, sources))

    def chat(self, message: str, history: list | None = None, top_k: int | None = None,
             backend: str | None = None, sources: list[str] | None = None) -> Answer:
        """Answer a message in a conversation; ``history`` is a list of (user, assistant) turns or
        OpenAI-style {"role", "content"} dicts. With an LLM the follow-up is rewritten into a standalone
        question; without one it is searched and read together with the last question and the first claim of
        its answer."""
        return _last(self._turn(message, history, top_k, backend, False, sources))

    def stream(self, message: str, history: list | None = None, top_k: int | None = None,
               backend: str | None = None, sources: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final ``Answer`` (always last).
        Streamed pieces are the model's raw text; the ``Answer`` holds the checked text and citations."""
        yield from self._turn(message, history, top_k, backend, True, sources)

    def _turn(self, message: str, history: list | None, top_k: int | None, backend: str | None, streaming: bool,
              sources: list[str] | None) -> Iterator[str | Answer]:
        """The stage graph (``turn``) over this index, with the backend's generator. Setup problems raise
        here, before the turn: an unknown backend, an empty question, a missing package or model."""
        started = time.perf_counter()
        name = check_name(backend or self.settings.backend)
        q = self.check_question(message)
        self.warm_up()
        s = self.settings
        gen = (Extractive(self.embedder.name, s.max_sentences, s.abstain_below, self._sentences_of)
               if name == EXTRACTIVE else LLM(self.backend(name).warm_up(), s.rewrite_query, streaming))
        return run_turn(gen, q, history, top_k or s.top_k, sources, self._view, streaming, started)

    def _sentences_of(self, source: str):
        try:
            return self.article(source).sentences
        except RagError:  # removed since it was retrieved: the quote stands without its antecedent
            return ()

    # LLM backends
    def backend(self, name: str | None = None) -> Backend:
        """The LLM backend ``name`` (default: the setting), built once per (name, model, base_url)."""
        name = check_name(name or self.settings.backend)
        key = (name, self.settings.model, self.settings.base_url)
        with self._lock:
            if key not in self._backends:
                self._backends[key] = get_backend(name, self.settings)
            return self._backends[key]


def _last(items: Iterator):
    out = None
    for out in items:
        pass
    return out


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    return Assistant()


def answer(question: str, **options) -> Answer:
    """Answer with a process-wide default assistant (built from settings on first use)."""
    return default_assistant().ask(question, **options)
