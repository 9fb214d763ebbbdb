"""The index as a whole: open the current version, follow newer ones, and write (one writer at a time).

Readers never take the write lock. They answer from a ``Snapshot`` (the collections and catalog of one
published version) and look for a newer version at most once a second; a newer one is loaded while the old
one keeps answering, then swapped in. Writers take the index's lock (a file lock on disk, a lock record on
a Chroma server). A rebuild writes a new generation of collections and publishes it only when complete.
"""

from __future__ import annotations

import logging
import threading
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .catalog import Catalog, prune_folders
from .embed import Embedder
from .errors import IndexBrokenError, IndexLockedError, IndexMissingError, RagError
from .head import Head
from .indexer import IndexReport, build_index, collect_garbage, manifest_for, remove_sources
from .lock import index_lock, server_lock
from .settings import Settings, cache_dir
from .store import SENTENCES_SUFFIX, Store, open_client
from .types import ArticleInfo, ArticleView

log = logging.getLogger(__name__)

CHECK_EVERY = 1.0  # seconds between looks for a newer index version


@dataclass(frozen=True)
class Snapshot:
    """One published index version: what every answer of one question reads from."""

    name: str
    version: int
    store: Store
    sentences: Store
    catalog: Catalog


class Index:
    def __init__(self, settings: Settings, embedder: Embedder) -> None:
        self.settings, self.embedder = settings, embedder
        self._client = None
        self._snapshot: Snapshot | None = None
        self._checked = 0.0
        self._loading = threading.Lock()

    # reading
    def snapshot(self, build_missing: bool = True, progress: bool = False, force: bool = False) -> Snapshot:
        """The newest complete version (checked at most once a second); the first call builds a missing index."""
        snap = self._snapshot
        now = time.monotonic()
        if snap is not None and not force and now - self._checked < CHECK_EVERY:
            return snap
        self._checked = now
        if snap is None:
            with self._loading:
                if self._snapshot is None:  # another thread may have opened it meanwhile
                    self._snapshot = self._open(build_missing, progress)
                return self._snapshot
        if not self._loading.acquire(blocking=force):
            return snap  # another thread is loading a newer version; this question uses the loaded one
        try:
            if self._snapshot is not snap:
                return self._snapshot
            if self._head(create=False).read() != (snap.name, snap.version):
                self._snapshot = self._open(False, progress)  # only a first start builds a missing index
        except RagError as exc:
            log.warning("keeping index version %s v%s: %s", snap.name, snap.version, exc)
        finally:
            self._loading.release()
        return self._snapshot

    def _open(self, build_missing: bool, progress: bool) -> Snapshot:
        try:
            name, version = self._head(create=False).read()
            store = self._store(name, create=False)
            sentences = self._store(name + SENTENCES_SUFFIX, create=False)
            if version == 0 and (not store.count() or any(s.manifest().get("complete") is not True
                                                          for s in (store, sentences))):
                raise IndexMissingError("No complete index yet: run `rag index` to build it.")
        except IndexMissingError:
            if not build_missing:
                raise
            self.build(progress=progress)  # a second writer is refused, naming the one at work
            return self._open(False, progress)
        for s in (store, sentences):
            s.check_manifest(self.manifest())
        folder = self.catalog_root() / f"{name}-v{version}"
        catalog = Catalog.load(folder, store.collection.id)
        if catalog is None:  # first start on this machine, or a lost or truncated catalog: make it again
            catalog = Catalog.build(store.all_chunks())
            try:
                if self._head(create=False).read() == (name, version):  # not mixed with a run that began meanwhile
                    catalog.save(folder, store.collection.id)
            except (OSError, RagError):
                pass  # read-only or full disk: answer from memory
        return Snapshot(name, version, store, sentences, catalog)

    def articles(self) -> list[ArticleInfo]:
        return list(self.snapshot().catalog.articles)

    def article(self, source: str) -> ArticleView:
        snap = self.snapshot()
        at = snap.catalog.by_source.get(source)
        if at is None:
            raise IndexMissingError(f"No article {source!r} in the index: `Assistant.articles()` lists them.")
        seen: dict[tuple[int, int], str] = {}
        ids = [snap.catalog.ids[int(p)] for p in np.flatnonzero(snap.catalog.article_of == at)]
        for c in snap.store.get(ids):  # this version's chunks, not those of a run under way
            for (start, end), text in zip(c.sentences, c.sentence_texts):
                seen.setdefault((start, end), text)
        return ArticleView(snap.catalog.articles[at], tuple((a, b, t) for (a, b), t in sorted(seen.items())))

    # writing
    def build(self, paths: list[str | Path] | None = None, rebuild: bool = False, progress: bool = False,
              prune: bool | None = None) -> IndexReport:
        s = self.settings
        if rebuild and not s.chroma_host:
            self._set_aside_if_broken()
        with self._writer():
            self.embedder.warm_up()  # the passage model loads only when there is something to embed
            head = self._head(create=True)
            name, version = head.read()
            target = head.next_name() if rebuild else name
            store, sentences = self._store(target, create=True), self._store(target + SENTENCES_SUFFIX, create=True)
            try:
                report, catalog, stale = build_index(paths or [s.corpus_dir], store, sentences, self.embedder,
                                                     s.chunk_tokens, s.chunk_overlap, progress,
                                                     prune=(not paths) if prune is None else prune)
            except BaseException:
                if target != name:
                    self._drop(target)  # a failed rebuild leaves the old index answering
                raise
            self._publish(head, catalog, (name, version), target, store)
            collect_garbage(store, sentences, catalog, stale)  # readers of the old version are told to move on first
            for old in head.generations():  # the current and the previous generation stay; readers may be switching
                if old not in (target, name):
                    self._drop(old)
            return report

    def remove(self, sources: list[str]) -> IndexReport:
        with self._writer("rag remove"):
            head = self._head(create=True)
            name, version = head.read()
            store, sentences = self._store(name, create=False), self._store(name + SENTENCES_SUFFIX, create=False)
            report, catalog, stale = remove_sources(sources, store, sentences, self.manifest())
            self._publish(head, catalog, (name, version), name, store)
            collect_garbage(store, sentences, catalog, stale)
            return report

    def _publish(self, head: Head, catalog: Catalog, old: tuple[str, int], target: str, store: Store) -> None:
        version = old[1] + 1
        try:
            catalog.save(self.catalog_root() / f"{target}-v{version}", store.collection.id)
        except OSError:
            pass  # readers build it from the store
        head.publish(target, version)
        prune_folders(self.catalog_root(), keep={f"{target}-v{version}", f"{old[0]}-v{old[1]}"})
        self._checked = 0.0  # this process sees its own write at once

    def _set_aside_if_broken(self) -> None:
        """A damaged index on disk cannot be opened, so it cannot be rebuilt in place: move it aside."""
        try:
            self.client()
        except IndexBrokenError:
            folder = Path(self.settings.index_dir)
            aside = folder.with_name(f"{folder.name}.damaged-{time.strftime('%Y%m%d-%H%M%S')}")
            folder.rename(aside)
            log.warning("moved the damaged index to %s", aside)
            from chromadb.api.shared_system_client import SharedSystemClient

            stale = SharedSystemClient._identifier_to_system.pop(str(folder), None)  # Chroma keeps one per path
            if stale is not None:
                try:
                    stale.stop()
                except Exception:  # noqa: BLE001 - it was damaged anyway
                    pass

    @contextmanager
    def _writer(self, purpose: str = "rag index"):
        s = self.settings
        if s.chroma_host:
            with server_lock(self.client(), s.collection, purpose):
                yield
        else:
            with index_lock(s.index_dir, purpose):
                yield

    def _drop(self, name: str) -> None:
        for n in (name + SENTENCES_SUFFIX, name):
            try:
                self.client().delete_collection(n)
            except Exception:  # noqa: BLE001 - already gone
                pass

    # plumbing
    def client(self, create: bool = True):
        if self._client is None:
            s = self.settings
            self._client = open_client(s.index_dir, s.chroma_host, s.chroma_port, create=create)
        return self._client

    def _head(self, create: bool) -> Head:
        return Head(self.client(create=create), self.settings.collection)

    def _store(self, name: str, create: bool) -> Store:
        return Store(self.client(create=create), name, create=create)

    def manifest(self) -> dict:
        return manifest_for(self.embedder, self.settings.chunk_tokens, self.settings.chunk_overlap)

    def catalog_root(self) -> Path:
        """Beside the index on disk; for a Chroma server, in this machine's cache, one folder per server."""
        s = self.settings
        if not s.chroma_host:
            return Path(s.index_dir) / "catalog" / s.collection
        return cache_dir("catalog", f"{s.chroma_host}_{s.chroma_port}", s.collection)


__all__ = ["Index", "IndexLockedError", "Snapshot"]
