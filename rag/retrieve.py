"""Hybrid retrieval: dense vectors from Chroma and cross-lingual lexical scores, fused by weighted
reciprocal rank. Each retriever votes with its rank, so neither's score scale matters."""

from __future__ import annotations

import numpy as np

from .embed import Embedder
from .lexical import Lexical
from .store import Store
from .types import Chunk, Passage

RRF_K = 60


class Retriever:
    def __init__(self, chunks: list[Chunk], store: Store, embedder: Embedder, lexical: Lexical,
                 dense_weight: float = 0.6, lexical_weight: float = 1.0, depth: int = 30) -> None:
        self.chunks = {c.id: c for c in chunks}
        self.order = [c.id for c in chunks]
        self.store, self.embedder, self.lexical = store, embedder, lexical
        self.dense_weight, self.lexical_weight, self.depth = dense_weight, lexical_weight, depth

    def retrieve(self, question: str, top_k: int = 5, extra_queries: tuple[str, ...] = ()) -> list[Passage]:
        """The ``top_k`` best passages for the question (and any rewrites of it, fused alike)."""
        if top_k <= 0:
            raise ValueError(f"top_k must be > 0, got {top_k}")
        fused: dict[str, float] = {}
        dense_rank: dict[str, int] = {}
        lexical_rank: dict[str, int] = {}
        for q in (question, *extra_queries):
            for rank, (cid, _) in enumerate(self.store.query(self.embedder.embed_query(q), self.depth), 1):
                if cid in self.chunks:
                    fused[cid] = fused.get(cid, 0.0) + self.dense_weight / (RRF_K + rank)
                    dense_rank[cid] = min(rank, dense_rank.get(cid, rank))
            scores = self.lexical.scores(q)
            for rank, i in enumerate(np.argsort(-scores)[: self.depth], 1):
                if scores[i] <= 0:
                    break
                cid = self.order[i]
                fused[cid] = fused.get(cid, 0.0) + self.lexical_weight / (RRF_K + rank)
                lexical_rank[cid] = min(rank, lexical_rank.get(cid, rank))
        best = sorted(fused, key=fused.get, reverse=True)[:top_k]
        return [Passage(self.chunks[cid], fused[cid], r, dense_rank.get(cid), lexical_rank.get(cid))
                for r, cid in enumerate(best, 1)]
