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
    """Searches one index version. Per question it touches only the nearest chunks and sentences (Chroma's
    HNSW), BM25's postings of the question's words, and the ``depth`` best of each: never every chunk."""

    def __init__(self, catalog: Catalog, store: Store, sentences: Store, embedder: Embedder,
                 lexical_weight: float = 0.3, depth: int = 100) -> None:
        self.catalog, self.store, self.sentences, self.embedder = catalog, store, sentences, embedder
        self.lexical = catalog.lexical
        self.lexical_weight, self.depth = lexical_weight, depth
        self._vectors: dict[str, np.ndarray] = {}

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
        found = [self._scores(q, allowed, where) for q in (query, *extra)]
        pool = np.array(sorted(set().union(*(set(chunk) | set(sent) | set(lex_top) for chunk, sent, _, lex_top in found))))
        if allowed is not None:
            pool = pool[allowed[pool]]
        if not len(pool):
            return []
        fused = np.zeros(len(pool))
        dense_best, lex_best = np.full(len(pool), -np.inf), np.zeros(len(pool))
        for q, (chunk, sent, lex, _) in zip((query, *extra), found):
            dense = _fill(pool, chunk) + _fill(pool, sent)
            lx = lex[pool]
            # words meet words of their own language: across languages BM25 matches mostly by chance
            fused += _z(dense) + self.lexical_weight * _z(lx) * (cat.languages[pool] == q.language)
            dense_best, lex_best = np.maximum(dense_best, dense), np.maximum(lex_best, lx)
        dense_rank, lex_rank = _ranks(dense_best), _ranks(lex_best)
        order = np.argsort(-fused, kind="stable")[:top_k + 5]  # a few spare: a chunk may be gone since the catalog
        chunks = {c.id: c for c in self.store.get([cat.ids[pool[i]] for i in order])}
        out = []
        for i in order:
            c = chunks.get(cat.ids[pool[i]])
            if c is not None and len(out) < top_k:
                out.append(Passage(c, float(fused[i]), len(out) + 1, int(dense_rank[i]), int(lex_rank[i])))
        return out

    def _scores(self, q: Query, allowed: np.ndarray | None, where: dict | None):
        """Per position: best chunk similarity and best sentence similarity (dicts of the nearest only), the
        BM25 scores, and the BM25 leaders in the question's language."""
        cat = self.catalog
        chunk = {p: sim for cid, sim in self.store.query(q.vector, self.depth, where)
                 if (p := cat.position.get(cid)) is not None}
        sent: dict[int, float] = {}
        for sid, sim in self.sentences.query(q.vector, 3 * self.depth):
            for p in cat.holders(sid):
                if sim > sent.get(int(p), -np.inf) and (allowed is None or allowed[p]):
                    sent[int(p)] = sim
        lex = self.lexical.scores(q.terms)
        if allowed is not None:
            lex = lex * allowed
        mine = np.where((cat.languages == q.language) & (lex > 0))[0]
        lex_top = mine[np.argsort(-lex[mine], kind="stable")[:self.depth]] if len(mine) > self.depth else mine
        return chunk, sent, lex, [int(p) for p in lex_top]

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

    def vector(self, sentence: str) -> np.ndarray | None:
        """The stored vector of one sentence (None when the index has none)."""
        sid = sentence_id(sentence)
        if sid not in self._vectors:
            got = self.sentences.vectors([sid])
            if sid not in got:
                return None
            self._vectors[sid] = np.asarray(got[sid], dtype=np.float32)
        return self._vectors[sid]


def _fill(pool: np.ndarray, best: dict[int, float]) -> np.ndarray:
    """The value of each pooled position; positions not among the nearest get the lowest value seen."""
    low = min(best.values()) if best else 0.0
    return np.array([best.get(int(p), low) for p in pool], dtype=float)


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x, dtype=float)


def _ranks(x: np.ndarray) -> np.ndarray:
    r = np.empty(len(x), dtype=int)
    r[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return r
