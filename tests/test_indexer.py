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
from rag.indexer import sentence_id
from rag.lock import index_lock
from rag.store import SENTENCES_SUFFIX, Store, open_client
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


def _sentence_ids(chunks) -> set[str]:
    return {sentence_id(t) for c in chunks for t in c.sentence_texts}


def _check_complete(a: Assistant) -> None:
    """Every chunk in the index has its sentences' vectors beside it, and both collections are complete."""
    store, sentences = a._store(create=False), a._store(create=False, suffix=SENTENCES_SUFFIX)
    chunks = store.all_chunks()
    assert _sentence_ids(chunks) == sentences.ids()
    assert len({c.id for c in chunks}) == len(chunks) == store.count()
    assert store.manifest()["complete"] is True and sentences.manifest()["complete"] is True


def test_index_is_incremental(fresh, corpus):
    files = len(list(corpus.iterdir()))
    first = fresh.index()
    assert (first.articles, first.added, first.embedded, first.removed) == (files, first.chunks, first.chunks, 0)
    assert first.sentences == len(_sentence_ids(fresh._store(create=False).all_chunks()))
    _check_complete(fresh)
    again = fresh.index()
    assert (again.added, again.removed, again.embedded, again.sentences, again.unchanged) == (0, 0, 0, 0, first.chunks)

    path = corpus / "001_56473d0c55bd317a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nKim besuchte zum Schluss einen Zoo in Wladiwostok.\n",
                    encoding="utf-8")
    changed = fresh.index()
    assert 1 <= changed.added <= 2 and changed.removed <= 1
    assert changed.embedded == changed.added and changed.sentences == 1  # only the new sentence
    store = fresh._store(create=False)
    assert store.count() == changed.chunks
    assert any("Zoo" in c.text for c in store.all_chunks())
    _check_complete(fresh)

    (corpus / "003_55b474f34009ce63.txt").unlink()
    removed = fresh.index()
    assert removed.articles == files - 1 and removed.added == 0 and removed.removed > 0
    assert "003_55b474f34009ce63.txt" not in fresh._store(create=False).ids_by_source()
    _check_complete(fresh)  # the sentences only that article held are gone too


def test_moved_text_is_not_embedded_again(fresh, corpus):
    fresh.index()
    path = corpus / "000_c3f8bdba9f1897a0.txt"
    path.write_text("Eine neue Zeile am Anfang.\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    report = fresh.index()
    assert report.added > 1 and report.embedded == report.added  # every chunk moved, so every id changed
    assert report.sentences == 1  # but only the new sentence was embedded
    _check_complete(fresh)


def test_index_round_trip(fresh):
    """An index persisted by one assistant answers the same in another process's assistant."""
    fresh.index()
    questions = ["Which bombers did Kim inspect?", "Wo traf Kim Jong Un Wladimir Putin?", "How high is Mount Everest?"]
    before = [fresh.warm_up().ask(q) for q in questions]
    reloaded = Assistant(fresh.settings).warm_up()
    assert [c.id for c in reloaded.chunks] == [c.id for c in fresh.chunks]
    for q, a in zip(questions, before):
        b = reloaded.ask(q)
        assert (b.text, b.citations, b.abstained) == (a.text, a.citations, a.abstained)
        assert [p.chunk for p in b.passages] == [p.chunk for p in a.passages]
        assert [p.score for p in b.passages] == pytest.approx([p.score for p in a.passages], abs=1e-5)


def test_crash_half_way_is_repaired(fresh, monkeypatch):
    """A run that dies after embedding some sentences leaves an index marked incomplete; the next run completes
    it, embeds no sentence twice, and writes no duplicate."""
    real = fresh.embedder.embed_passages
    calls = []

    def dies_on_the_third_batch(texts, batch_size=32):
        calls.append(len(texts))
        if len(calls) == 3:
            raise RuntimeError("killed")
        return real(texts, batch_size)

    monkeypatch.setattr(fresh.embedder, "embed_passages", dies_on_the_third_batch)
    with pytest.raises(RuntimeError, match="killed"):
        fresh.index()
    monkeypatch.undo()
    store, sentences = fresh._store(create=False), fresh._store(create=False, suffix=SENTENCES_SUFFIX)
    assert store.manifest()["complete"] is False and sentences.manifest()["complete"] is False
    chunks_kept, sentences_kept = store.count(), sentences.count()
    assert chunks_kept + sentences_kept > 0
    report = fresh.index()
    assert report.added == report.chunks - chunks_kept
    total = len(_sentence_ids(fresh._store(create=False).all_chunks()))
    assert report.sentences == total - sentences_kept  # what the dead run embedded is kept
    _check_complete(fresh)


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
    first = fresh.index()
    other = Assistant(fresh.settings.replace(chunk_tokens=100))
    with pytest.raises(ModelMismatchError, match="rag index --rebuild"):
        other.warm_up()
    with pytest.raises(ModelMismatchError, match="chunk_tokens"):
        other.index()  # no writing into an index of other settings either
    rebuilt = other.index(rebuild=True)
    assert rebuilt.chunks > first.chunks and rebuilt.added == rebuilt.chunks
    assert other.warm_up().ask("Which bombers did Kim inspect?").passages
    with pytest.raises(ModelMismatchError, match="rag index --rebuild"):
        Assistant(fresh.settings).warm_up()  # and now the old settings are refused


def test_another_embedding_model_is_refused(fresh):
    fresh.index()
    other = Assistant(fresh.settings.replace(embedding_model="all-MiniLM-L6-v2"))
    with pytest.raises(ModelMismatchError,
                       match=rf"model: index has '{fresh.settings.embedding_model}'.*rag index --rebuild"):
        other.warm_up()


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
    first = remote.index()
    assert first.added == first.chunks > 0 and first.sentences > first.chunks
    again = remote.index()
    assert (again.embedded, again.sentences) == (0, 0)
    a = remote.warm_up().ask("Which bombers did Kim inspect?")
    assert any(c.source.startswith("000") for c in a.citations), a.text
    for c in a.citations:
        assert (seeds_dir / c.source).read_text(encoding="utf-8")[c.start:c.end] == c.quote
    assert not (tmp_path / "unused" / "chroma.sqlite3").exists()
    client = open_client(host="127.0.0.1", port=chroma_server)
    direct = Store(client, "server-test", create=False)
    assert direct.manifest()["model"] == s.embedding_model and direct.count() == first.chunks
    assert Store(client, "server-test" + SENTENCES_SUFFIX, create=False).count() == first.sentences


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
    first = fresh.index()
    store = fresh._store(create=False)
    store.write_manifest({**store.manifest(), "complete": False})  # as a run killed half-way leaves it
    store.delete([c.id for c in store.all_chunks()][:10])
    a = Assistant(fresh.settings).warm_up()
    assert len(a.chunks) == first.chunks
    _check_complete(a)
