"""Bring the index in line with the articles: embed new chunks, drop stale ones, keep the rest.

State is read back from the store itself, not from a side file, so a run that crashed half-way is
repaired by the next one: upserts are keyed by content-hash ids and never duplicate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field
from pathlib import Path

from .chunks import chunk_article
from .corpus import load_corpus
from .embed import Embedder
from .errors import CorpusError
from .gloss import VERSION as GLOSS_VERSION
from .gloss import Glossary
from .store import Store
from .types import Chunk


@dataclass
class IndexReport:
    articles: int
    chunks: int
    added: int
    removed: int
    unchanged: int
    embedded: int
    glossed: int = 0  # English glosses embedded (see ``gloss``)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


def manifest_for(embedder: Embedder, chunk_tokens: int, chunk_overlap: int) -> dict:
    return {"model": embedder.name, "dim": embedder.dim, "chunk_tokens": chunk_tokens,
            "chunk_overlap": chunk_overlap, "passage_prefix": embedder.passage_prefix}


def build_index(paths: list[str | Path], store: Store, embedder: Embedder, chunk_tokens: int = 160,
                chunk_overlap: int = 40, progress: bool = False, prune: bool = True) -> IndexReport:
    """Sync ``store`` with the articles under ``paths``; the caller holds the write lock.

    With ``prune`` the index mirrors ``paths`` (articles no longer there are dropped); without it, only the
    articles found are added or replaced and the rest of the index is left alone."""
    started = time.perf_counter()
    corpus = load_corpus(*paths)
    if not corpus.articles:
        raise CorpusError(f"No readable .txt or .md articles in {', '.join(map(str, paths))}"
                          + (f" (skipped: {'; '.join(f'{p}: {why}' for p, why in corpus.skipped)})" if corpus.skipped else "")
                          + ": add articles there or point corpus_dir (RAG_CORPUS_DIR) elsewhere.")
    articles, skipped = [], list(corpus.skipped)
    for a in corpus.articles:  # sources are file names; a second file of the same name would clash
        if any(b.source == a.source for b in articles):
            skipped.append((a.path, f"same file name as an earlier article ({a.source})"))
        else:
            articles.append(a)
    expected = manifest_for(embedder, chunk_tokens, chunk_overlap)
    store.check_manifest(expected)
    store.write_manifest({**expected, "complete": False})  # labelled before any vector; completed at the end
    existing = store.ids_by_source()
    if not prune:
        existing = {src: ids for src, ids in existing.items() if any(a.source == src for a in articles)}
    wanted: list[Chunk] = []
    for a in articles:
        wanted += chunk_article(a, chunk_tokens, chunk_overlap)
    wanted_ids = {c.id for c in wanted}
    have = set().union(*existing.values()) if existing else set()
    new = [c for c in wanted if c.id not in have]
    stale = sorted(have - wanted_ids)
    reused = _reusable_vectors(store, new, stale)
    to_embed = [c for c in new if c.text not in reused]
    vectors = {}
    if to_embed:
        texts = [c.text for c in to_embed]
        bar = _bar(len(texts), progress)
        for i in range(0, len(texts), 32):
            for c, v in zip(to_embed[i:i + 32], embedder.embed_passages(texts[i:i + 32])):
                vectors[c.id] = v
            bar.update(len(texts[i:i + 32]))
        bar.close()
    if new:
        store.upsert(new, [vectors[c.id] if c.id in vectors else reused[c.text] for c in new])
    store.delete(stale)
    store.write_manifest({**expected, "complete": True})
    return IndexReport(articles=len(articles), chunks=len(wanted), added=len(new), removed=len(stale),
                       unchanged=len(wanted) - len(new), embedded=len(to_embed), skipped=skipped,
                       seconds=time.perf_counter() - started)


def gloss_manifest(embedder: Embedder) -> dict:
    return {"model": embedder.name, "dim": embedder.dim, "passage_prefix": embedder.passage_prefix,
            "gloss": GLOSS_VERSION}


def sync_gloss(chunks: list[Chunk], store: Store, embedder: Embedder, glossary: Glossary,
               progress: bool = False) -> int:
    """Give the gloss collection ``store`` one vector per chunk, of the chunk's English gloss (see ``gloss``),
    under the chunk's own id; returns how many were embedded. Like the chunks, it repairs a half-done run,
    and vectors of another model or gloss version are replaced."""
    expected = gloss_manifest(embedder)
    found = store.manifest()
    have = set().union(*store.ids_by_source().values()) if store.count() else set()
    if any(found.get(k) != v for k, v in expected.items()):
        store.delete(sorted(have))
        have = set()
    store.write_manifest({**expected, "complete": False})
    new = [c for c in chunks if c.id not in have]
    if new:
        bar = _bar(len(new), progress, "Embedding English glosses")
        for i in range(0, len(new), 32):
            batch = new[i:i + 32]
            store.upsert(batch, embedder.embed_passages([glossary.gloss(c.text) for c in batch]))
            bar.update(len(batch))
        bar.close()
    store.delete(sorted(have - {c.id for c in chunks}))
    store.write_manifest({**expected, "complete": True})
    return len(new)


def gloss_ready(store: Store, embedder: Embedder, chunks: list[Chunk]) -> bool:
    """Whether the gloss collection holds this model's vectors for exactly these chunks."""
    return (store.manifest() == {**gloss_manifest(embedder), "complete": True}
            and set(store.collection.get(include=[])["ids"]) == {c.id for c in chunks})


def _reusable_vectors(store: Store, new: list[Chunk], stale: list[str]) -> dict:
    """Vectors of stale chunks whose text reappears (moved, not changed): never embed the same text twice."""
    if not new or not stale:
        return {}
    texts = {c.text for c in new}
    got = store.collection.get(ids=stale, include=["documents", "embeddings"])
    return {doc: vec for doc, vec in zip(got["documents"], got["embeddings"]) if doc in texts}


def _bar(total: int, enabled: bool, what: str = "Embedding chunks"):
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit="chunk", disable=not enabled, leave=False)
