"""The top of the library: reads settings, loads the model and index once, and answers questions."""

from __future__ import annotations

import logging
import re
import threading
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from .backends import EXTRACTIVE, Backend, check_name, get_backend
from .cite import WireCopy
from .embed import Embedder
from .errors import BackendError, QuestionError, RagError
from .extractive import WEAK_BELOW, extract_answer
from .generate import check, condense, generate, german_rewrite, history_pairs
from .index import Index
from .indexer import IndexReport
from .lead import first_sentence
from .lead import lead as answer_lead
from .profiles import detect
from .quotes import with_antecedents
from .retrieve import Retriever
from .settings import Settings
from .types import Answer, ArticleInfo, ArticleView, Passage

log = logging.getLogger(__name__)


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
        self._view(progress)
        return self

    def _view(self, progress: bool = False, force: bool = False) -> Retriever:
        """The retriever of the newest index version (a newer one published meanwhile is picked up)."""
        snap = self._index.snapshot(progress=progress, force=force)
        with self._lock:
            if self._retriever is None or self._snap is not snap:
                self._retriever = Retriever(snap.catalog, snap.store, snap.sentences, self.embedder,
                                            self.settings.lexical_weight)
                self._snap = snap
            return self._retriever

    def _fresh(self, work):
        """Run ``work(retriever)``; when the collections it read were dropped by a rebuild, once more on the new ones."""
        try:
            return work(self._view())
        except RagError:
            raise
        except Exception as exc:  # noqa: BLE001 - only a collection dropped by a rebuild is retried
            from chromadb.errors import NotFoundError

            if not isinstance(exc, NotFoundError):
                raise
            return work(self._view(force=True))

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
        return self._fresh(lambda r: r.retrieve(r.analyse(q), top_k or self.settings.top_k, sources=sources))

    def ask(self, question: str, top_k: int | None = None, backend: str | None = None,
            sources: list[str] | None = None) -> Answer:
        """A cited answer to one question. Backend failures come back as an ``Answer`` with ``error`` set
        and the retrieved ``passages`` filled; setup problems (unknown backend, missing package) raise."""
        name = check_name(backend or self.settings.backend)
        if name != EXTRACTIVE:
            return _last(self._llm_turn(question, None, top_k, name, streaming=False, sources=sources))
        return self._extractive(self.check_question(question), None, top_k, sources)

    def _extractive(self, q: str, history: list | None, top_k: int | None, sources: list[str] | None = None) -> Answer:
        started = time.perf_counter()
        self.warm_up()
        marks: dict = {}  # times of the stages, and the question's language

        def work(r: Retriever):
            query = r.analyse(q)
            marks["language"] = query.language
            # a follow-up ("And who else went?") is also searched together with the last turn
            context = r.analyse(last_turn, query.language) if (last_turn := _with_last_turn(q, history)) else None
            passages = r.retrieve(query, top_k or self.settings.top_k, (context,) if context else (), sources=sources)
            marks["retrieved"] = time.perf_counter()
            ex = extract_answer(query, passages, r, r.lexical, WireCopy(r), self.settings.max_sentences,
                                self.settings.abstain_below, context)
            return passages, ex

        passages, ex = self._fresh(work)
        retrieved = marks["retrieved"]
        cites = with_antecedents(ex.citations, passages, self._sentences_of)
        lead = "" if ex.abstained else answer_lead(q, [c.quote for c in cites], [c.passage for c in cites],
                                                   marks.get("language", ""), [c.language for c in cites])
        done = time.perf_counter()
        return Answer(question=q, text=ex.text, citations=cites, abstained=ex.abstained,
                      backend="extractive", model=self.embedder.name, grounded=bool(ex.citations),
                      confidence=ex.confidence, passages=passages,
                      timings={"retrieve_ms": (retrieved - started) * 1000, "generate_ms": (done - retrieved) * 1000,
                               "total_ms": (done - started) * 1000},
                      lead=lead, language=marks.get("language", ""),
                      weak=not ex.abstained and ex.confidence < WEAK_BELOW)

    def _sentences_of(self, source: str):
        try:
            return self.article(source).sentences
        except RagError:  # removed since it was retrieved: the quote stands without its antecedent
            return ()

    def chat(self, message: str, history: list | None = None, top_k: int | None = None,
             backend: str | None = None, sources: list[str] | None = None) -> Answer:
        """Answer a message in a conversation; ``history`` is a list of (user, assistant) turns or
        OpenAI-style {"role", "content"} dicts. With an LLM the follow-up is rewritten into a standalone
        question; without one it is searched together with the last question and answer."""
        name = check_name(backend or self.settings.backend)
        if name != EXTRACTIVE:
            return _last(self._llm_turn(message, history, top_k, name, streaming=False, sources=sources))
        return self._extractive(self.check_question(message), history, top_k, sources)

    def stream(self, message: str, history: list | None = None, top_k: int | None = None,
               backend: str | None = None, sources: list[str] | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final ``Answer`` (always last).
        Streamed pieces are the model's raw text; the ``Answer`` holds the checked text and citations."""
        name = check_name(backend or self.settings.backend)
        if name != EXTRACTIVE:
            yield from self._llm_turn(message, history, top_k, name, streaming=True, sources=sources)
            return
        a = self.chat(message, history, top_k=top_k, backend=name, sources=sources)
        for piece in re.findall(r"\S+\s*", a.text):
            yield piece
        yield a

    # LLM backends
    def backend(self, name: str | None = None) -> Backend:
        """The LLM backend ``name`` (default: the setting), built once per (name, model, base_url)."""
        name = check_name(name or self.settings.backend)
        key = (name, self.settings.model, self.settings.base_url)
        with self._lock:
            if key not in self._backends:
                self._backends[key] = get_backend(name, self.settings)
            return self._backends[key]

    def _llm_turn(self, message: str, history: list | None, top_k: int | None, name: str,
                  streaming: bool, sources: list[str] | None = None) -> Iterator[str | Answer]:
        started = time.perf_counter()
        q = self.check_question(message)
        k = top_k or self.settings.top_k
        self.warm_up()
        llm = self.backend(name).warm_up()  # a missing package or model raises here: that is setup, not failure
        r = self._view()
        deadline = llm.deadline()  # one deadline for the whole turn: condense, rewrite and answer together
        timings: dict[str, float] = {}
        passages: list[Passage] = []
        raw = ""
        standalone = q
        try:
            t = time.perf_counter()
            standalone = condense(llm, q, history, deadline)
            timings["condense_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            extra: tuple[str, ...] = ()
            if self.settings.rewrite_query and (german := german_rewrite(llm, standalone, deadline)):
                extra += (german,)
            timings["rewrite_ms"] = (time.perf_counter() - t) * 1000
            if (guess := _with_last_turn(q, history)) and standalone == q:
                extra += (guess,)  # the model-free guess guards against a poor condensation
            t = time.perf_counter()
            passages = r.retrieve(r.analyse(standalone), k, tuple(r.analyse(e) for e in extra), sources=sources)
            timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            for piece in generate(llm, standalone, passages, language_from=q, streaming=streaming,
                                  deadline=deadline):
                raw += piece
                if streaming:
                    yield piece
            timings["generate_ms"] = (time.perf_counter() - t) * 1000
        except BackendError as exc:
            log.warning("%s", exc)
            passages = passages or r.retrieve(r.analyse(q), k, sources=sources)
            timings["total_ms"] = (time.perf_counter() - started) * 1000
            yield Answer(question=standalone, text=str(exc), citations=[], abstained=True, backend=name,
                         model=llm.model, grounded=False, passages=passages, timings=timings, error=str(exc))
            return
        verified, abstained = check(raw, passages, WireCopy(r))
        if verified.dropped:
            log.info("removed citation markers: %s", ", ".join(verified.dropped))
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        conf = len(verified.citations) / max(len(verified.citations) + len(verified.dropped), 1)
        yield Answer(question=standalone, text=verified.text, citations=verified.citations, abstained=abstained,
                     backend=name, model=llm.model, grounded=verified.grounded, confidence=conf,
                     passages=passages, timings=timings, language=detect(q),
                     lead="" if abstained else first_sentence(verified.text),
                     weak=not abstained and not verified.grounded)


def _last(items: Iterator):
    out = None
    for out in items:
        pass
    return out


_MARKER = re.compile(r"\[\d+\]")


def _with_last_turn(message: str, history: list | None) -> str | None:
    """The message with the conversation's last question and answer (its markers dropped), or None without one.
    The answer names what the follow-up's pronouns point at: on follow-ups written apart from the code, facts
    found 0.59 (message alone), 0.72 (with the question), 0.84 (with question and answer)."""
    pairs = history_pairs(history)
    if not pairs:
        return None
    question, said = pairs[-1]
    return " ".join((message, question, _MARKER.sub("", said))).strip()


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    return Assistant()


def answer(question: str, **options) -> Answer:
    """Answer with a process-wide default assistant (built from settings on first use)."""
    return default_assistant().ask(question, **options)
