"""Incremental, idempotent indexing on a real Chroma: on disk, and through a real `chroma run` server."""

import os
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from rag import Assistant, Settings
from rag.errors import IndexLockedError, IndexMissingError, ModelMismatchError
from rag.lock import index_lock
from rag.store import Store, open_client
from tests.conftest import free_port

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture()
def corpus(tmp_path, seeds_dir):
    d = tmp_path / "articles"
    shutil.copytree(seeds_dir, d)
    return d


@pytest.fixture()
def fresh(tmp_path, corpus):
    return Assistant(Settings.load(env={}, corpus_dir=str(corpus), index_dir=str(tmp_path / "index")))


def test_index_is_incremental(fresh, corpus):
    first = fresh.index()
    assert (first.articles, first.embedded, first.removed) == (5, first.chunks, 0)
    again = fresh.index()
    assert (again.added, again.removed, again.embedded, again.unchanged) == (0, 0, 0, first.chunks)

    path = corpus / "001_56473d0c55bd317a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nKim besuchte zum Schluss einen Zoo in Wladiwostok.\n",
                    encoding="utf-8")
    changed = fresh.index()
    assert 1 <= changed.added <= 2 and changed.removed <= 1
    assert changed.embedded == changed.added
    store = fresh._store(create=False)
    assert store.count() == changed.chunks
    assert any("Zoo" in c.text for c in store.all_chunks())

    (corpus / "003_55b474f34009ce63.txt").unlink()
    removed = fresh.index()
    assert removed.articles == 4 and removed.added == 0 and removed.removed > 5
    assert "003_55b474f34009ce63.txt" not in fresh._store(create=False).ids_by_source()


def test_moved_text_is_not_embedded_again(fresh, corpus):
    fresh.index()
    path = corpus / "000_c3f8bdba9f1897a0.txt"
    path.write_text("Eine neue Zeile am Anfang.\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    report = fresh.index()
    assert report.added > 5  # every chunk moved, so every id changed
    assert report.embedded <= 2  # but only the changed text was embedded


def test_crash_half_way_is_repaired(fresh):
    """Simulate a run that died after writing some chunks: the next run completes it, no duplicates."""
    from rag.chunks import chunk_article
    from rag.corpus import load_corpus
    from rag.indexer import manifest_for

    fresh.embedder.warm_up()
    store = fresh._store(create=True)
    store.write_manifest(manifest_for(fresh.embedder, 160, 40))
    article = load_corpus(fresh.settings.corpus_dir).articles[0]
    partial = chunk_article(article)[:3]
    store.upsert(partial, fresh.embedder.embed_passages([c.text for c in partial]))
    report = fresh.index()
    assert report.added == report.chunks - 3
    ids = [c.id for c in fresh._store(create=False).all_chunks()]
    assert len(ids) == len(set(ids)) == report.chunks


def test_second_writer_is_told_who_holds_the_lock(tmp_path, fresh):
    with index_lock(fresh.settings.index_dir, purpose="rag chat"):
        with pytest.raises(IndexLockedError, match=rf"rag chat \(pid {os.getpid()}"):
            fresh.index()
        started = time.monotonic()
        env = {**os.environ, "RAG_INDEX_DIR": fresh.settings.index_dir, "RAG_CORPUS_DIR": fresh.settings.corpus_dir}
        cli = subprocess.run([sys.executable, "-m", "rag.cli", "index"], env=env, capture_output=True, text=True,
                             timeout=120)
        assert cli.returncode == 2 and "is being written by rag chat" in cli.stderr
        assert time.monotonic() - started < 60  # it fails fast instead of hanging
    fresh.index()  # the lock died with its holder


def test_model_mismatch_says_how_to_rebuild(fresh):
    fresh.index()
    other = Assistant(fresh.settings.replace(chunk_tokens=100))
    with pytest.raises(ModelMismatchError, match="rag index --rebuild"):
        other.warm_up()
    rebuilt = other.index(rebuild=True)
    assert rebuilt.chunks > 49 and other.warm_up().ask("Which bombers did Kim inspect?").citations


def test_missing_index_is_explained(tmp_path):
    with pytest.raises(IndexMissingError, match="rag index"):
        open_client(tmp_path / "nothing", create=False)


@pytest.fixture(scope="module")
def chroma_server(tmp_path_factory):
    chroma = Path(sys.executable).parent / "chroma"
    port = free_port()
    proc = subprocess.Popen([str(chroma), "run", "--path", str(tmp_path_factory.mktemp("server")), "--host",
                             "127.0.0.1", "--port", str(port)], stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "ANONYMIZED_TELEMETRY": "False"})
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            time.sleep(0.3)
    else:
        proc.kill()
        pytest.fail("chroma run did not start")
    yield port
    proc.terminate()
    proc.wait(timeout=30)


def test_client_server_mode(chroma_server, seeds_dir, tmp_path):
    s = Settings.load(env={}, corpus_dir=str(seeds_dir), index_dir=str(tmp_path / "unused"),
                      chroma_host="127.0.0.1", chroma_port=chroma_server, collection="server-test")
    remote = Assistant(s)
    assert remote.index().added == 49
    assert remote.index().embedded == 0
    a = remote.warm_up().ask("Which bombers did Kim inspect?")
    assert any(c.source.startswith("000") and "Tu-160" in c.quote for c in a.citations)
    assert not (tmp_path / "unused" / "chroma.sqlite3").exists()
    direct = Store(open_client(host="127.0.0.1", port=chroma_server), "server-test", create=False)
    assert direct.manifest()["model"] == "sentence-transformers/all-MiniLM-L6-v2"


def test_indexing_extra_files_keeps_the_corpus(fresh, tmp_path):
    first = fresh.index()
    extra = tmp_path / "mine.txt"
    extra.write_text("Kim Jong Un besuchte im September auch eine Schokoladenfabrik in Chabarowsk.", encoding="utf-8")
    added = fresh.index([extra])
    assert (added.added, added.removed) == (1, 0)
    assert fresh._store(create=False).count() == first.chunks + 1
    mirrored = fresh.index([extra], prune=True)
    assert mirrored.removed == first.chunks and fresh._store(create=False).count() == 1


def test_half_built_index_is_finished_on_start(fresh):
    fresh.index()
    store = fresh._store(create=False)
    store.write_manifest({**store.manifest(), "complete": False})  # as a run killed half-way leaves it
    store.delete([c.id for c in store.all_chunks()][:10])
    a = Assistant(fresh.settings).warm_up()
    assert len(a.chunks) == 49 and fresh._store(create=False).manifest()["complete"] is True
