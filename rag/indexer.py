"""Bring the index in line with the articles: embed new sentences, write new chunks, drop stale ones.

State is read back from the store itself, not from a side file, so a run that crashed half-way is
repaired by the next one: upserts are keyed by content-hash ids and never duplicate.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from pathlib import Path

import numpy as np

from .chunks import chunk_article, token_counter
from .corpus import load_corpus
from .embed import Embedder
from .errors import CorpusError
from .catalog import Catalog
from .store import Store, sentence_id
from .types import Chunk


@dataclass
class IndexReport:
    articles: int
    chunks: int
    added: int
    removed: int
    unchanged: int
    embedded: int  # texts through the model: the new sentences and the titles of new chunks
    sentences: int = 0  # sentence vectors embedded (a sentence already known is not)
    skipped: list[tuple[str, str]] = field(default_factory=list)
    seconds: float = 0.0


LAYOUT = "titled-chunks+sentences"  # chunk and sentence vectors; an index of another layout must be rebuilt
TITLE_WEIGHT = 0.25  # of the title's vector in a chunk's; chosen on the development splits among 0, 0.25, 0.5, 1
# How a chunk's vector is made (``chunk_vector``). Not in the manifest: chunks embedded whole, as before,
# are vectors of the same text in the same space, so such an index stays usable; eval caches key on it.
CHUNK_VECTORS = f"sentences-by-tokens+title*{TITLE_WEIGHT}"
BLOCK = 512  # new chunks whose sentences are embedded together, then the chunks written


def manifest_for(embedder: Embedder, chunk_tokens: int, chunk_overlap: int) -> dict:
    return {"model": embedder.name, "dim": embedder.dim, "chunk_tokens": chunk_tokens,
            "chunk_overlap": chunk_overlap, "passage_prefix": embedder.passage_prefix, "layout": LAYOUT}


def build_index(paths: list[str | Path], store: Store, sentences: Store, embedder: Embedder, chunk_tokens: int = 160,
                chunk_overlap: int = 40, progress: bool = False,
                prune: bool = True) -> tuple[IndexReport, Catalog, list[str]]:
    """Sync ``store`` (chunks) and ``sentences`` (their sentence vectors) with the articles under ``paths``;
    the caller holds the write lock. Returns the report and the catalog of the whole index after the run.

    Each sentence is embedded on its own, once per distinct text: the best sentence helps find the chunk and
    picks the quote, and the chunk's vector is made from its sentences' and its title's (``chunk_vector``).
    Vectors are written a block at a time as they are made, so a killed run keeps what it finished.
    Stale chunks are returned, not deleted: the caller deletes them once the new version is published.
    With ``prune`` the index mirrors ``paths`` (articles no longer there are dropped); without it, only the
    articles found are added or replaced."""
    started = time.perf_counter()
    say = _say(progress)
    say(f"Reading articles in {', '.join(map(str, paths))}")
    corpus = load_corpus(*paths)
    if not corpus.articles:
        raise CorpusError(f"No readable articles in {', '.join(map(str, paths))}"
                          + (f" (skipped: {'; '.join(f'{p}: {why}' for p, why in corpus.skipped)})" if corpus.skipped else "")
                          + ": add articles there or point corpus_dir (RAG_CORPUS_DIR) elsewhere. The index was not changed.")
    articles, skipped = [], list(corpus.skipped)
    for a in corpus.articles:  # sources are file names; a second file of the same name would clash
        if any(b.source == a.source for b in articles):
            skipped.append((a.path, f"same file name as an earlier article ({a.source})"))
        else:
            articles.append(a)
    say(f"Chunking {len(articles)} articles")
    wanted: list[Chunk] = []
    for a in articles:
        wanted += chunk_article(a, chunk_tokens, chunk_overlap)
    expected = manifest_for(embedder, chunk_tokens, chunk_overlap)
    for s in (store, sentences):
        s.check_manifest(expected)
        s.write_manifest({**expected, "complete": False})  # labelled before any vector; completed at the end
    existing = store.ids_by_source()
    if not prune:
        existing = {src: ids for src, ids in existing.items() if any(a.source == src for a in articles)}
    wanted_ids = {c.id for c in wanted}
    have = set().union(*existing.values()) if existing else set()
    new = [c for c in wanted if c.id not in have]
    stale = sorted(have - wanted_ids)
    # every chunk's sentences, not only the new chunks': a lost or half-built sentence collection is completed
    present = sentences.ids()
    needed = {sentence_id(t): t for c in wanted for t in c.sentence_texts}
    pending = {sid: t for sid, t in needed.items() if sid not in present}
    bar = _bar(len(pending), progress)
    embedded, titles = _add_chunks(new, pending, store, sentences, embedder, bar)
    embedded += len(_embed_sentences(pending, sentences, embedder, bar))  # those of unchanged chunks only
    bar.close()
    catalog = finish(store, sentences, expected, set(stale), say)
    return IndexReport(articles=len(articles), chunks=len(wanted), added=len(new), removed=len(stale),
                       unchanged=len(wanted) - len(new), embedded=embedded + titles, sentences=embedded,
                       skipped=skipped,
                       seconds=time.perf_counter() - started), catalog, stale


def remove_sources(sources: list[str], store: Store, sentences: Store, manifest: dict,
                   progress: bool = False) -> tuple[IndexReport, Catalog, list[str]]:
    """Catalogue the index without the articles ``sources`` (file names); the caller holds the write lock,
    publishes the catalog, then deletes the returned chunk ids (``collect_garbage``)."""
    started = time.perf_counter()
    for s in (store, sentences):
        s.check_manifest(manifest)
    by_source = store.ids_by_source()
    unknown = [s for s in sources if s not in by_source]
    if unknown:
        raise CorpusError(f"Not in the index: {', '.join(unknown)}. Nothing was removed; `Assistant.articles()` "
                          "or the chat's Articles tab lists the indexed articles.")
    stale = sorted(cid for s in sources for cid in by_source[s])
    catalog = finish(store, sentences, manifest, set(stale), _say(progress))
    return IndexReport(articles=len(by_source) - len(sources), chunks=len(catalog), added=0, removed=len(stale),
                       unchanged=len(catalog), embedded=0, seconds=time.perf_counter() - started), catalog, stale


def finish(store: Store, sentences: Store, manifest: dict, stale: set[str], say=lambda _: None) -> Catalog:
    """Catalogue every chunk but the ``stale`` ones and mark the index complete. The stale chunks stay in the
    store until the catalog is published, so readers of the previous version still find them."""
    say("Cataloguing the index (lexical index, articles, sentences)")
    catalog = Catalog.build(c for c in store.all_chunks() if c.id not in stale)
    for s in (store, sentences):
        s.write_manifest({**manifest, "complete": True})
    return catalog


def collect_garbage(store: Store, sentences: Store, catalog: Catalog, stale: list[str]) -> None:
    """After publishing: delete the stale chunks, and the sentence vectors no catalogued chunk holds."""
    store.delete(stale)
    if stale:
        sentences.delete([sid for sid in sentences.ids() if not catalog.has_sentence(sid)])


def chunk_vector(chunk: Chunk, sentence_vectors: dict, title_vector=None) -> np.ndarray:
    """A chunk's vector from its sentences' (weighted by their tokens) and, as context for a passage from the
    middle of an article, its title's at ``TITLE_WEIGHT``: no model pass of its own, at half the indexing cost
    of embedding the chunk whole, and on the development splits it retrieves as well (README)."""
    count = token_counter()
    weights = np.array([count(t) for t in chunk.sentence_texts], dtype=np.float32)
    stacked = np.asarray([sentence_vectors[sentence_id(t)] for t in chunk.sentence_texts], dtype=np.float32)
    v = weights @ stacked / weights.sum()
    if title_vector is not None:
        v = v + TITLE_WEIGHT * np.asarray(title_vector, dtype=np.float32)
    return v / np.linalg.norm(v)


def _add_chunks(new: list[Chunk], pending: dict[str, str], store: Store, sentences: Store, embedder: Embedder,
                bar) -> tuple[int, int]:
    """Write the ``new`` chunks a block at a time: first the sentences of the block still ``pending`` (taken
    from it), then the chunks with vectors made from theirs. Returns (sentences, titles) embedded. A title is
    embedded once per run: a title that is also a sentence (an article's first line) as that sentence."""
    embedded, titled, titles = 0, 0, {}
    for i in range(0, len(new), BLOCK):
        block = new[i:i + BLOCK]
        heads = {c.title for c in block if _titled(c) and c.title not in titles}
        own = {sentence_id(t) for c in block for t in c.sentence_texts} | {sentence_id(t) for t in heads}
        vectors = _embed_sentences({sid: pending.pop(sid) for sid in own if sid in pending}, sentences, embedder, bar)
        embedded += len(vectors)
        vectors.update(sentences.vectors([sid for sid in own if sid not in vectors]))
        titles.update((t, vectors[sentence_id(t)]) for t in heads if sentence_id(t) in vectors)
        rest = sorted(t for t in heads if t not in titles)
        if rest:
            titles.update(zip(rest, embedder.embed_passages(rest)))
            titled += len(rest)
        store.upsert(block, [chunk_vector(c, vectors, titles[c.title] if _titled(c) else None) for c in block])
    return embedded, titled


def _titled(chunk: Chunk) -> bool:
    """Whether the chunk's vector takes its title's: a chunk that opens with the title holds it already."""
    return bool(chunk.title) and not chunk.text.startswith(chunk.title)


def _embed_sentences(texts: dict[str, str], sentences: Store, embedder: Embedder, bar) -> dict:
    """Embed and store ``texts`` (id -> text) in order of length, so a batch pads little; id -> vector."""
    order = sorted(texts, key=lambda sid: len(texts[sid]))
    out = {}
    for i in range(0, len(order), 32):
        batch = order[i:i + 32]
        vectors = embedder.embed_passages([texts[sid] for sid in batch])
        sentences.put_vectors(batch, vectors)
        out.update(zip(batch, vectors))
        bar.update(len(batch))
    return out


def _bar(total: int, enabled: bool, what: str = "Embedding sentences"):
    from tqdm import tqdm

    return tqdm(total=total, desc=what, unit="text", disable=not enabled, leave=False)


def _say(enabled: bool):
    """Progress lines on stderr from the first second (reading and chunking come before any bar)."""
    import sys

    return (lambda line: print(line + "…", file=sys.stderr, flush=True)) if enabled else (lambda _: None)
