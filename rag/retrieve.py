"""Hybrid retrieval: multilingual dense vectors from Chroma and BM25, fused.

A question is analysed once into a ``Query`` (language, vector, lexical terms) and passed on. A chunk's
dense score adds the similarity of its own vector (its sentences' and its title's) and of its best
sentence: the sentence that answers stands out even in a long chunk. Fusion adds z-scored dense and
lexical scores (``lexical_weight`` x BM25: of the question's words for passages in its language, of their
dictionary translations for passages in another), which keeps how far ahead a passage is, unlike
reciprocal rank fusion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .errors import ConfigError
from .catalog import Catalog
from .lexical import QueryTerms
from .profiles import detect
from .store import Store, sentence_id
from .types import Passage


@dataclass(frozen=True)
class Query:
    """A question, analysed once: its text, language, vector and lexical terms."""

    text: str
    language: str
    vector: np.ndarray
    terms: QueryTerms


class Retriever:
    """Searches one index version. Per question it reads only the nearest chunks and sentences (Chroma's HNSW)
    and BM25's postings of the question's words; fusion is numpy over one number per chunk, and only the
    ``top_k`` winners are fetched from the store."""

    def __init__(self, catalog: Catalog, store: Store, sentences: Store, embedder: Embedder,
                 lexical_weight: float = 0.3, depth: int = 100) -> None:
        self.catalog, self.store, self.sentences, self.embedder = catalog, store, sentences, embedder
        self.lexical = catalog.lexical
        self.lexical_weight, self.depth = lexical_weight, depth
        self._vectors: dict[str, np.ndarray] = {}
        self._masks: dict[str, np.ndarray] = {}

    def analyse(self, question: str, language: str | None = None) -> Query:
        lang = detect(question) if language is None else language
        return Query(question, lang, self.embedder.embed_query(question), self.lexical.terms(question, lang))

    def retrieve(self, query: Query, top_k: int = 5, extra: tuple[Query, ...] = (),
                 sources: list[str] | None = None) -> list[Passage]:
        """The ``top_k`` best passages for the query (and any rewrites of it, fused alike), from the articles
        ``sources`` only when given."""
        if top_k <= 0:
            raise ConfigError(f"top_k must be > 0, got {top_k}")
        cat = self.catalog
        if not len(cat):
            return []
        allowed = None
        if sources is not None:
            wanted = [cat.by_source[s] for s in sources if s in cat.by_source]
            if not wanted:
                return []
            allowed = np.isin(cat.article_of, wanted)
        where = {"source": {"$in": list(sources)}} if sources is not None else None
        n = len(cat)
        fused = np.zeros(n)
        dense_best, lex_best = np.full(n, -np.inf), np.zeros(n)
        for q in (query, *extra):
            chunk, sent, lex = self._scores(q, where)
            dense = _spread(n, chunk) + _spread(n, sent)
            # words meet words of their own language: across languages BM25 matches mostly by chance
            fused += _z(dense) + self.lexical_weight * _z(lex) * self._language(q.language)
            for code in q.terms.bridged:  # other languages' passages, through the question's translated words
                bridged = self.lexical.bridged_scores(q.terms, code)
                if bridged is not None:
                    fused += self.lexical_weight * _z(bridged) * self._language(code)
                    lex = np.maximum(lex, np.where(self._language(code), bridged, 0.0))
            dense_best, lex_best = np.maximum(dense_best, dense), np.maximum(lex_best, lex)
        if allowed is not None:
            fused = np.where(allowed, fused, -np.inf)
        want = min(top_k + 5, n)  # a few spare: a chunk may be gone since the catalog was made
        top = np.argpartition(-fused, want - 1)[:want]
        order = [int(i) for i in top[np.lexsort((top, -fused[top]))] if np.isfinite(fused[i])]
        chunks = {c.id: c for c in self.store.get([cat.ids[i] for i in order])}
        out = []
        for i in order:
            c = chunks.get(cat.ids[i])
            if c is not None and len(out) < top_k:
                out.append(Passage(c, float(fused[i]), len(out) + 1, _rank(dense_best, i), _rank(lex_best, i)))
        return out

    def _language(self, code: str) -> np.ndarray:
        if code not in self._masks:
            self._masks[code] = self.catalog.languages == code
        return self._masks[code]

    def _scores(self, q: Query, where: dict | None):
        """The nearest chunks' and sentences' similarities by chunk position (Chroma's HNSW: only the nearest
        are touched), and BM25 over the postings of the question's words."""
        cat = self.catalog
        chunk = {p: sim for cid, sim in self.store.query(q.vector, self.depth, where)
                 if (p := cat.position.get(cid)) is not None}
        sent: dict[int, float] = {}
        for sid, sim in self.sentences.query(q.vector, 3 * self.depth):
            for p in cat.holders(sid):
                if sim > sent.get(int(p), -np.inf):
                    sent[int(p)] = sim
        return chunk, sent, self.lexical.scores(q.terms)

    def similarities(self, vector: np.ndarray, sentences: list[str]) -> np.ndarray:
        """Cosine similarity of each sentence to ``vector``, from the stored sentence vectors."""
        ids = [sentence_id(t) for t in sentences]
        self._load(ids)
        dim = len(vector)
        return np.array([float(self._vectors.get(sid, np.zeros(dim)) @ vector) for sid in ids])

    def vector(self, sentence: str) -> np.ndarray | None:
        """The stored vector of one sentence (None when the index has none)."""
        sid = sentence_id(sentence)
        self._load([sid])
        return self._vectors.get(sid)

    def _load(self, ids: list[str]) -> None:
        """Fetch the vectors of ``ids`` not cached yet (a bounded cache: cleared past 100,000)."""
        missing = [sid for sid in dict.fromkeys(ids) if sid not in self._vectors]
        if missing:
            if len(self._vectors) > 100_000:
                self._vectors.clear()
            self._vectors.update((k, np.asarray(v, dtype=np.float32)) for k, v in self.sentences.vectors(missing).items())


def _spread(n: int, best: dict[int, float]) -> np.ndarray:
    """An array of the value given per position; positions not given get the lowest value given."""
    out = np.full(n, min(best.values()) if best else 0.0)
    if best:
        out[list(best)] = list(best.values())
    return out


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x, dtype=float)


def _rank(x: np.ndarray, i: int) -> int:
    """1 + how many score higher (ties keep index order, as a stable sort would)."""
    return int((x > x[i]).sum() + (x[:i] == x[i]).sum()) + 1
