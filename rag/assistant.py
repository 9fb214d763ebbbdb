"""The top of the library: reads settings, loads the model and index once, and answers questions."""

from __future__ import annotations

import logging
import re
import threading
from contextlib import nullcontext
import time
from collections.abc import Iterator
from functools import lru_cache
from pathlib import Path

from .backends import EXTRACTIVE, Backend, check_name, get_backend
from .cite import WireCopy
from .embed import Embedder
from .errors import BackendError, IndexLockedError, IndexMissingError, QuestionError
from .extractive import extract_answer
from .generate import check, condense, generate, german_rewrite
from .gloss import Glossary, load_glossary
from .gloss import available as gloss_available
from .indexer import IndexReport, build_index, gloss_ready, manifest_for, sync_gloss
from .lexical import Lexical
from .lexicon import load_lexicon
from .lock import index_lock
from .retrieve import Retriever, default_gloss_weight
from .settings import Settings
from .store import GLOSS_SUFFIX, Store, open_client
from .types import Answer, Passage

log = logging.getLogger(__name__)


class Assistant:
    """Answers questions about the indexed articles. Heavy loading happens once, in ``warm_up``."""

    def __init__(self, settings: Settings | None = None, **overrides) -> None:
        self.settings = settings.replace(**overrides) if settings else Settings.load(**overrides)
        self.embedder = Embedder(self.settings.embedding_model, self.settings.query_prefix,
                                 self.settings.passage_prefix, self.settings.device)
        self._lock = threading.RLock()
        self._retriever: Retriever | None = None
        self._backends: dict[tuple[str, str, str], Backend] = {}

    # loading
    def warm_up(self, progress: bool = False) -> Assistant:
        """Load the embedding model and the index; build the index first when there is none yet."""
        with self._lock:
            if self._retriever is None:
                self.embedder.warm_up()
                try:
                    store = self._store(create=False)
                    if not store.count() or store.manifest().get("complete") is False:
                        raise IndexMissingError("empty or half-built index")  # a crashed run: finish it
                except IndexMissingError:
                    self.index(progress=progress)
                    store = self._store(create=False)
                store.check_manifest(self._manifest())
                self._load(store)
        return self

    def index(self, paths: list[str | Path] | None = None, rebuild: bool = False, progress: bool = False,
              prune: bool | None = None) -> IndexReport:
        """Sync the index with the articles (default: ``corpus_dir``), under the index write lock.

        Indexing ``corpus_dir`` mirrors it; indexing other ``paths`` adds or replaces those articles and keeps
        the rest, unless ``prune`` is set."""
        s = self.settings
        with self._lock, (index_lock(s.index_dir) if not s.chroma_host else nullcontext()):
            self.embedder.warm_up()
            store = self._store(create=True)
            if rebuild:
                for old in (self._gloss_store(store), store):
                    if old:
                        old.drop()
                store = self._store(create=True)
            report = build_index(paths or [s.corpus_dir], store, self.embedder, s.chunk_tokens, s.chunk_overlap,
                                 progress, prune=(not paths) if prune is None else prune)
            if gloss := self._gloss_store(store):
                started = time.perf_counter()
                report.glossed = sync_gloss(store.all_chunks(), gloss, self.embedder, self._glossary(), progress)
                report.seconds += time.perf_counter() - started
            if self._retriever is not None:
                self._load(store)
            return report

    def _store(self, create: bool) -> Store:
        s = self.settings
        return Store(open_client(s.index_dir, s.chroma_host, s.chroma_port, create=create), s.collection, create=create)

    def _glossary(self) -> Glossary | None:
        return load_glossary(self.settings.glossary, load_lexicon(self.settings.lexicon))

    def _gloss_store(self, store: Store) -> Store | None:
        """The collection of English-gloss vectors beside ``store``, when this model reads through a gloss."""
        weight = self.settings.gloss_weight
        if (default_gloss_weight(self.embedder.name) if weight is None else weight) <= 0 or not gloss_available(
                self.settings.glossary):
            return None
        return Store(store.client, f"{store.name}{GLOSS_SUFFIX}")

    def _ready_gloss(self, store: Store, chunks: list) -> Store | None:
        """The gloss collection, brought in step with the chunks first when it lags (an index built without it,
        or by another setting); None, and plain retrieval, while another process holds the write lock."""
        gloss = self._gloss_store(store)
        if gloss is None or gloss_ready(gloss, self.embedder, chunks):
            return gloss
        try:
            with index_lock(self.settings.index_dir) if not self.settings.chroma_host else nullcontext():
                sync_gloss(chunks, gloss, self.embedder, self._glossary())
        except IndexLockedError as exc:
            log.warning("English glosses not used this time: %s", exc)
            return None
        return gloss

    def _manifest(self) -> dict:
        return manifest_for(self.embedder, self.settings.chunk_tokens, self.settings.chunk_overlap)

    def _load(self, store: Store) -> None:
        chunks = store.all_chunks()
        self.chunks = chunks
        self.wire = WireCopy(chunks)
        self.lexical = Lexical([c.text for c in chunks], load_lexicon(self.settings.lexicon))
        self._retriever = Retriever(chunks, store, self.embedder, self.lexical, self.settings.dense_weight,
                                    gloss=self._ready_gloss(store, chunks), gloss_weight=self.settings.gloss_weight)

    # answering
    def check_question(self, question: str) -> str:
        q = (question or "").strip()
        if not q:
            raise QuestionError("The question is empty: ask something about the articles, e.g. "
                                "\"Which bombers did Kim inspect?\"")
        if len(q) > self.settings.max_question_chars:
            raise QuestionError(f"The question is {len(q)} characters long; the limit is "
                                f"{self.settings.max_question_chars} (setting max_question_chars). Shorten it.")
        return q

    def retrieve(self, question: str, top_k: int | None = None) -> list[Passage]:
        q = self.check_question(question)
        self.warm_up()
        return self._retriever.retrieve(q, top_k or self.settings.top_k)

    def ask(self, question: str, top_k: int | None = None, backend: str | None = None) -> Answer:
        """A cited answer to one question. Backend failures come back as an ``Answer`` with ``error`` set
        and the retrieved ``passages`` filled; setup problems (unknown backend, missing package) raise."""
        name = check_name(backend or self.settings.backend)
        if name != EXTRACTIVE:
            return _last(self._llm_turn(question, None, top_k, name, streaming=False))
        started = time.perf_counter()
        q = self.check_question(question)
        self.warm_up()
        passages = self._retriever.retrieve(q, top_k or self.settings.top_k)
        retrieved = time.perf_counter()
        ex = extract_answer(q, passages, self.lexical, self.wire, self.settings.max_sentences,
                            self.settings.abstain_below)
        done = time.perf_counter()
        return Answer(question=q, text=ex.text, citations=ex.citations, abstained=ex.abstained,
                      backend="extractive", model=self.embedder.name, grounded=bool(ex.citations),
                      confidence=ex.confidence, passages=passages,
                      timings={"retrieve_ms": (retrieved - started) * 1000, "generate_ms": (done - retrieved) * 1000,
                               "total_ms": (done - started) * 1000})

    def chat(self, message: str, history: list | None = None, top_k: int | None = None,
             backend: str | None = None) -> Answer:
        """Answer a message in a conversation; ``history`` is a list of (user, assistant) turns or
        OpenAI-style {"role", "content"} dicts. With an LLM the follow-up is rewritten into a standalone
        question; without one it borrows the previous question's subject."""
        name = check_name(backend or self.settings.backend)
        if name != EXTRACTIVE:
            return _last(self._llm_turn(message, history, top_k, name, streaming=False))
        return self.ask(_standalone(self.check_question(message), history), top_k=top_k, backend=name)

    def stream(self, message: str, history: list | None = None, top_k: int | None = None,
               backend: str | None = None) -> Iterator[str | Answer]:
        """Yield the answer text in pieces as it is produced, then the final ``Answer`` (always last).
        Streamed pieces are the model's raw text; the ``Answer`` holds the checked text and citations."""
        name = check_name(backend or self.settings.backend)
        if name != EXTRACTIVE:
            yield from self._llm_turn(message, history, top_k, name, streaming=True)
            return
        a = self.chat(message, history, top_k=top_k, backend=name)
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
                  streaming: bool) -> Iterator[str | Answer]:
        started = time.perf_counter()
        q = self.check_question(message)
        k = top_k or self.settings.top_k
        self.warm_up()
        llm = self.backend(name).warm_up()  # a missing package or model raises here: that is setup, not failure
        timings: dict[str, float] = {}
        passages: list[Passage] = []
        raw = ""
        standalone = q
        try:
            t = time.perf_counter()
            standalone = condense(llm, q, history)
            timings["condense_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            extra: tuple[str, ...] = ()
            if self.settings.rewrite_query and (german := german_rewrite(llm, standalone)):
                extra += (german,)
            timings["rewrite_ms"] = (time.perf_counter() - t) * 1000
            if (guess := _standalone(q, history)) not in (q, standalone):
                extra += (guess,)  # the model-free guess guards against a poor condensation
            t = time.perf_counter()
            passages = self._retriever.retrieve(standalone, k, extra_queries=extra)
            timings["retrieve_ms"] = (time.perf_counter() - t) * 1000
            t = time.perf_counter()
            for piece in generate(llm, standalone, passages, language_from=q, streaming=streaming):
                raw += piece
                if streaming:
                    yield piece
            timings["generate_ms"] = (time.perf_counter() - t) * 1000
        except BackendError as exc:
            log.warning("%s", exc)
            passages = passages or self._retriever.retrieve(_standalone(q, history), k)
            timings["total_ms"] = (time.perf_counter() - started) * 1000
            yield Answer(question=standalone, text=str(exc), citations=[], abstained=True, backend=name,
                         model=llm.model, grounded=False, passages=passages, timings=timings, error=str(exc))
            return
        verified, abstained = check(raw, passages, self.wire)
        if verified.dropped:
            log.info("removed citation markers: %s", ", ".join(verified.dropped))
        timings["total_ms"] = (time.perf_counter() - started) * 1000
        yield Answer(question=standalone, text=verified.text, citations=verified.citations, abstained=abstained,
                     backend=name, model=llm.model, grounded=verified.grounded,
                     confidence=len(verified.citations) / max(len(verified.citations) + len(verified.dropped), 1),
                     passages=passages, timings=timings)


def _last(items: Iterator):
    out = None
    for out in items:
        pass
    return out


def _user_turns(history: list | None) -> list[str]:
    out = []
    for turn in history or []:
        if isinstance(turn, dict):
            if turn.get("role") == "user" and isinstance(turn.get("content"), str):
                out.append(turn["content"])
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            out.append(turn[0])
    return out


_FOLLOW_UP = re.compile(r"^(and|und|also|what about|how about|und was|was ist mit|sowie)\b|\b(there|it|they|them|he|she|"
                        r"this|that|those|dort|da|dabei|er|sie|es|ihm|ihr|dies\w*|jene\w*)\b", re.I)


def _standalone(message: str, history: list | None) -> str:
    """Without an LLM to rewrite it, a follow-up question is searched together with the last question."""
    previous = _user_turns(history)
    if previous and _FOLLOW_UP.search(message.strip()):
        return f"{message.strip()} ({previous[-1].strip()})"
    return message


@lru_cache(maxsize=1)
def default_assistant() -> Assistant:
    return Assistant()


def answer(question: str, **options) -> Answer:
    """Answer with a process-wide default assistant (built from settings on first use)."""
    return default_assistant().ask(question, **options)
