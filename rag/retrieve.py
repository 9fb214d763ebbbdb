"""Hybrid retrieval: multilingual dense vectors from Chroma and BM25, fused.

A question is analysed once into a ``Query`` (language, vector, lexical terms) and passed on. A chunk's
dense score adds the similarity of its own vector (text under its article's title) and of its best
sentence: the sentence that answers stands out even in a long chunk. Fusion adds z-scored dense and lexical scores (``lexical_weight`` x
lexical, for passages in the question's language), which keeps how far ahead a passage is, unlike
reciprocal rank fusion.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .embed import Embedder
from .errors import ConfigError
from .lexical import Lexical, QueryTerms
from .profiles import detect
from .store import Store, sentence_id
from .types import Chunk, Passage


@dataclass(frozen=True)
class Query:
    """A question, analysed once: its text, language, vector and lexical terms."""

    text: str
    language: str
    vector: np.ndarray
    terms: QueryTerms


class Retriever:
    def __init__(self, chunks: list[Chunk], store: Store, sentences: Store, embedder: Embedder, lexical: Lexical,
                 lexical_weight: float = 0.3, depth: int = 100) -> None:
        self.chunks = chunks
        self.store, self.sentences, self.embedder, self.lexical = store, sentences, embedder, lexical
        self.lexical_weight, self.depth = lexical_weight, depth
        self.position = {c.id: i for i, c in enumerate(chunks)}
        self.holders: dict[str, list[int]] = {}  # sentence id -> chunks holding it
        for i, c in enumerate(chunks):
            for t in c.sentence_texts:
                self.holders.setdefault(sentence_id(t), []).append(i)
        self._vectors: dict[str, np.ndarray] = {}
        self.languages = np.array([c.language for c in chunks])

    def analyse(self, question: str, language: str | None = None) -> Query:
        lang = detect(question) if language is None else language
        return Query(question, lang, self.embedder.embed_query(question), self.lexical.terms(question, lang))

    def retrieve(self, query: Query, top_k: int = 5, extra: tuple[Query, ...] = ()) -> list[Passage]:
        """The ``top_k`` best passages for the query (and any rewrites of it, fused alike)."""
        if top_k <= 0:
            raise ConfigError(f"top_k must be > 0, got {top_k}")
        if not self.chunks:
            return []
        fused = np.zeros(len(self.chunks))
        dense_best = np.full(len(self.chunks), -np.inf)
        lex_best = np.zeros(len(self.chunks))
        for q in (query, *extra):
            dense, lex = self._dense(q.vector), self.lexical.scores(q.terms)
            # words meet words of their own language: across languages BM25 matches mostly by chance
            fused += _z(dense) + self.lexical_weight * _z(lex) * (self.languages == q.language)
            dense_best, lex_best = np.maximum(dense_best, dense), np.maximum(lex_best, lex)
        dense_rank, lex_rank = _ranks(dense_best), _ranks(lex_best)
        best = np.argsort(-fused, kind="stable")[:top_k]
        return [Passage(self.chunks[i], float(fused[i]), r, int(dense_rank[i]), int(lex_rank[i]))
                for r, i in enumerate(best, 1)]

    def similarities(self, vector: np.ndarray, sentences: list[str]) -> np.ndarray:
        """Cosine similarity of each sentence to ``vector``, from the stored sentence vectors."""
        ids = [sentence_id(t) for t in sentences]
        missing = [sid for sid in dict.fromkeys(ids) if sid not in self._vectors]
        if missing:
            if len(self._vectors) > 100_000:
                self._vectors.clear()
            self._vectors.update((k, np.asarray(v, dtype=np.float32)) for k, v in self.sentences.vectors(missing).items())
        dim = len(vector)
        return np.array([float(self._vectors.get(sid, np.zeros(dim)) @ vector) for sid in ids])

    def _dense(self, vector: np.ndarray) -> np.ndarray:
        """Per chunk: similarity of its vector plus that of its best sentence (the least seen, beyond ``depth``)."""
        chunk = _spread(len(self.chunks), ((self.position.get(cid), sim) for cid, sim in self.store.query(vector, self.depth)))
        hits = self.sentences.query(vector, 3 * self.depth)
        best = _spread(len(self.chunks), ((i, sim) for sid, sim in hits for i in self.holders.get(sid, ())))
        return chunk + best


def _spread(n: int, pairs) -> np.ndarray:
    """An array of the highest value given per position; positions not given get the lowest value given."""
    out = np.full(n, np.nan)
    for i, v in pairs:
        if i is not None and not (out[i] >= v):
            out[i] = v
    return np.where(np.isnan(out), np.nanmin(out) if np.isfinite(out).any() else 0.0, out)


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x, dtype=float)


def _ranks(x: np.ndarray) -> np.ndarray:
    r = np.empty(len(x), dtype=int)
    r[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return r
