"""Hybrid retrieval: dense vectors from Chroma and cross-lingual lexical scores, fused.

Fusion adds z-scored similarities (lexical + ``dense_weight`` x dense), which keeps how far ahead a
passage is, unlike reciprocal rank fusion. English-only embedding models barely see German text (the
packaged MiniLM finds the right passage in its top 5 for under 40% of English questions here), so by
default they get a small weight and multilingual models an equal one; ``dense_weight`` overrides it. For
English questions, English-only models also compare the question with each passage's English gloss
(``gloss``), a third score fused alike. A question that wants a number, a time or a distance
(``answer_type``) also favours passages that hold one.
"""

from __future__ import annotations

import re

import numpy as np

from . import answer_type
from .embed import Embedder
from .errors import ConfigError
from .lexical import Lexical, is_german
from .store import Store
from .types import Chunk, Passage

KIND_BOOST = 0.5  # for a passage holding the kind of answer asked for (a number for "how many years")
GLOSS_WEIGHT = 0.2  # of the gloss vectors, for English-only models
_MULTILINGUAL = re.compile(r"multilingual|labse|e5|bge-m3|gte-multi|jina-embeddings-v3|xlm|mpnet-base-v2", re.I)


def default_dense_weight(model: str) -> float:
    return 1.0 if _MULTILINGUAL.search(model) else 0.1


def default_gloss_weight(model: str) -> float:
    """A multilingual model reads the German itself; an English-only one reads it through the gloss."""
    return 0.0 if _MULTILINGUAL.search(model) else GLOSS_WEIGHT


class Retriever:
    def __init__(self, chunks: list[Chunk], store: Store, embedder: Embedder, lexical: Lexical,
                 dense_weight: float | None = None, depth: int = 100, gloss: Store | None = None,
                 gloss_weight: float | None = None) -> None:
        self.chunks = {c.id: c for c in chunks}
        self.order = [c.id for c in chunks]
        self.position = {cid: i for i, cid in enumerate(self.order)}
        self.store, self.embedder, self.lexical = store, embedder, lexical
        self.dense_weight = default_dense_weight(embedder.name) if dense_weight is None else dense_weight
        self.depth = depth
        self.gloss = gloss  # the collection of gloss vectors, under the chunks' ids
        self.gloss_weight = (default_gloss_weight(embedder.name) if gloss_weight is None else gloss_weight) if gloss else 0.0

    def retrieve(self, question: str, top_k: int = 5, extra_queries: tuple[str, ...] = ()) -> list[Passage]:
        """The ``top_k`` best passages for the question (and any rewrites of it, fused alike)."""
        if top_k <= 0:
            raise ConfigError(f"top_k must be > 0, got {top_k}")
        if not self.order:
            return []
        fused = np.zeros(len(self.order))
        lex_best = np.zeros(len(self.order))
        dense_best = np.full(len(self.order), -1.0)
        for q in (question, *extra_queries):
            lex = self.lexical.scores(q)
            dense = self._similarities(self.store, q) if self.dense_weight > 0 else np.zeros(len(self.order))
            fused += _z(lex) + self.dense_weight * _z(dense)
            if self.gloss_weight > 0 and not is_german(q):
                fused += self.gloss_weight * _z(self._similarities(self.gloss, q))
            lex_best, dense_best = np.maximum(lex_best, lex), np.maximum(dense_best, dense)
        kind = answer_type.expected(answer_type.parts(question)[0])
        if kind not in (None, "name") and KIND_BOOST:
            for i in np.argsort(-fused, kind="stable")[:self.depth]:  # the leading passages: a big corpus stays fast
                fused[i] += KIND_BOOST * answer_type.holds(kind, self.chunks[self.order[i]].text, question)
        lex_rank = _ranks(lex_best)
        dense_rank = _ranks(dense_best) if self.dense_weight > 0 else None
        best = np.argsort(-fused, kind="stable")[:top_k]
        return [Passage(self.chunks[self.order[i]], float(fused[i]), r, None if dense_rank is None else int(dense_rank[i]),
                        int(lex_rank[i])) for r, i in enumerate(best, 1)]


    def _similarities(self, store: Store, question: str) -> np.ndarray:
        """Cosine similarity of the question to each chunk's vector in ``store``; beyond ``depth``, the least."""
        sims = np.full(len(self.order), np.nan)
        for cid, sim in store.query(self.embedder.embed_query(question), self.depth):
            if cid in self.position:
                sims[self.position[cid]] = sim
        return np.where(np.isnan(sims), np.nanmin(sims) if np.isfinite(sims).any() else 0.0, sims)


def _z(x: np.ndarray) -> np.ndarray:
    sd = float(x.std())
    return (x - x.mean()) / sd if sd > 1e-9 else np.zeros_like(x, dtype=float)


def _ranks(x: np.ndarray) -> np.ndarray:
    r = np.empty(len(x), dtype=int)
    r[np.argsort(-x, kind="stable")] = np.arange(1, len(x) + 1)
    return r
