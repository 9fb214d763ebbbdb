"""What retrieval needs beside Chroma, per index version: chunk order, articles, sentence holders, BM25.

Everything corpus-wide is computed here once, when an index version is published, and saved in a folder
named after the collection and version; a start-up loads it (BM25 memory-mapped) instead of reading every
chunk. A folder is written under a temporary name and renamed when complete, and its ``complete.json``
records each file's size, so a half-written or truncated catalog is detected and built again from the
store. It leaves out the vectors: Chroma holds and searches those.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .lexical import Lexical
from .store import sentence_id
from .types import ArticleInfo, Chunk

FORMAT = 1  # bump when the files change


@dataclass
class Catalog:
    """Chunk positions 0..n-1 in a fixed order; everything else is keyed by position."""

    ids: list[str]
    article_of: np.ndarray  # chunk position -> index into ``articles``
    languages: np.ndarray  # chunk position -> language code
    articles: list[ArticleInfo]
    sentence_keys: np.ndarray  # sorted sentence ids (bytes)
    sentence_ptr: np.ndarray  # CSR offsets into ``sentence_chunks``
    sentence_chunks: np.ndarray  # chunk positions holding each sentence
    lexical: Lexical

    def __post_init__(self) -> None:
        self.position = {cid: i for i, cid in enumerate(self.ids)}
        self.by_source = {a.source: i for i, a in enumerate(self.articles)}

    def __len__(self) -> int:
        return len(self.ids)

    def holders(self, sid: str) -> np.ndarray:
        """Positions of the chunks that hold the sentence ``sid``."""
        key = sid.encode()
        i = int(np.searchsorted(self.sentence_keys, key))
        if i < len(self.sentence_keys) and self.sentence_keys[i] == key:
            return self.sentence_chunks[self.sentence_ptr[i]:self.sentence_ptr[i + 1]]
        return self.sentence_chunks[:0]

    def sources_of(self, positions) -> set[str]:
        return {self.articles[int(self.article_of[p])].source for p in positions}

    def has_sentence(self, sid: str) -> bool:
        return len(self.holders(sid)) > 0

    # building and persistence
    @classmethod
    def build(cls, chunks: Iterable[Chunk]) -> Catalog:
        chunks = sorted(chunks, key=lambda c: (c.source, c.start, c.id))
        articles: dict[str, dict] = {}
        article_of = np.zeros(len(chunks), dtype=np.int32)
        for i, c in enumerate(chunks):
            a = articles.setdefault(c.source, {"source": c.source, "title": c.title, "date": c.date,
                                               "language": c.language, "chunks": 0, "outlet": c.outlet,
                                               "author": c.author, "tokens": 0, "index": len(articles)})
            a["chunks"] += 1
            a["tokens"] += c.n_tokens
            article_of[i] = a["index"]
        pairs = sorted((sentence_id(t).encode(), i) for i, c in enumerate(chunks) for t in set(c.sentence_texts))
        keys = [k for k, _ in pairs]
        unique, starts = np.unique(np.array(keys, dtype="S24"), return_index=True) if keys else (np.array([], "S24"), np.array([], int))
        ptr = np.append(starts, len(keys)).astype(np.int64)
        return cls(ids=[c.id for c in chunks], article_of=article_of,
                   languages=np.array([c.language for c in chunks], dtype="U16"),
                   articles=[ArticleInfo(**{k: v for k, v in a.items() if k != "index"}) for a in articles.values()],
                   sentence_keys=unique, sentence_ptr=ptr,
                   sentence_chunks=np.array([i for _, i in pairs], dtype=np.int32),
                   lexical=Lexical.build([c.text for c in chunks], [c.language for c in chunks]))

    def save(self, folder: Path, collection_id: object = "") -> None:
        """Write the catalog to ``folder`` atomically: a reader sees the old folder, none, or the whole new one.
        ``collection_id`` ties it to its Chroma collection: a reset server's new collection of the same name
        does not reuse it."""
        folder.parent.mkdir(parents=True, exist_ok=True)
        tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}-", dir=folder.parent))
        try:
            (tmp / "chunks.json").write_text(json.dumps({"ids": self.ids, "languages": self.languages.tolist(),
                                                         "articles": [a.__dict__ for a in self.articles]},
                                                        ensure_ascii=False))
            np.save(tmp / "article_of.npy", self.article_of)
            np.save(tmp / "sentence_keys.npy", self.sentence_keys)
            np.save(tmp / "sentence_ptr.npy", self.sentence_ptr)
            np.save(tmp / "sentence_chunks.npy", self.sentence_chunks)
            self.lexical.save(tmp / "lexical")
            sizes = {str(p.relative_to(tmp)): p.stat().st_size for p in sorted(tmp.rglob("*")) if p.is_file()}
            (tmp / "complete.json").write_text(json.dumps({"format": FORMAT, "files": sizes,
                                                           "collection": str(collection_id)}))
            if folder.exists():
                shutil.rmtree(folder)
            os.replace(tmp, folder)
        finally:
            shutil.rmtree(tmp, ignore_errors=True)

    @classmethod
    def load(cls, folder: Path, collection_id: object = "") -> Catalog | None:
        """The catalog in ``folder``, or None when it is missing, half-written, truncated, of another format or
        of another collection."""
        try:
            done = json.loads((folder / "complete.json").read_text())
            if done.get("format") != FORMAT or done.get("collection") != str(collection_id) or any((folder / name).stat().st_size != size
                                                   for name, size in done["files"].items()):
                return None
            meta = json.loads((folder / "chunks.json").read_text())
            return cls(ids=meta["ids"], article_of=np.load(folder / "article_of.npy"),
                       languages=np.array(meta["languages"], dtype="U16"),
                       articles=[ArticleInfo(**a) for a in meta["articles"]],
                       sentence_keys=np.load(folder / "sentence_keys.npy"),
                       sentence_ptr=np.load(folder / "sentence_ptr.npy"),
                       sentence_chunks=np.load(folder / "sentence_chunks.npy"),
                       lexical=Lexical.load(folder / "lexical"))
        except (OSError, ValueError, KeyError, TypeError, EOFError):
            return None


def prune_folders(root: Path, keep: set[str]) -> None:
    """Remove catalog folders not named in ``keep`` (an open memory map outlives its file's removal)."""
    if root.is_dir():
        for p in root.iterdir():
            if p.is_dir() and p.name not in keep and not p.name.startswith("."):
                shutil.rmtree(p, ignore_errors=True)
