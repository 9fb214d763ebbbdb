"""Incremental, idempotent indexing on a real Chroma: on disk, and through a real `chroma run` server."""

import os
import shutil
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from rag import Assistant, Settings
from rag.errors import IndexLockedError, IndexMissingError, ModelMismatchError, RagError
from rag.types import Chunk
from rag import indexer
from rag.catalog import Catalog
from rag.lock import index_lock, server_lock
from rag.store import SENTENCES_SUFFIX, Store, open_client, sentence_id
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


def _stores(a: Assistant) -> tuple[Store, Store]:
    """The collections of the index version published last."""
    snap = a._index.snapshot(force=True)
    return snap.store, snap.sentences


def _chunks(a: Assistant) -> list:
    return list(_stores(a)[0].all_chunks())


def _check_complete(a: Assistant) -> None:
    """Every chunk in the index has its sentences' vectors beside it, and both collections are complete."""
    store, sentences = _stores(a)
    chunks = list(store.all_chunks())
    assert _sentence_ids(chunks) == sentences.ids()
    assert len({c.id for c in chunks}) == len(chunks) == store.count()
    assert store.manifest()["complete"] is True and sentences.manifest()["complete"] is True


def test_index_is_incremental(fresh, corpus):
    files = len(list(corpus.iterdir()))
    first = fresh.index()
    assert (first.articles, first.added, first.removed) == (files, first.chunks, 0)
    assert first.embedded >= first.sentences  # and the titles
    assert first.sentences == len(_sentence_ids(_chunks(fresh)))
    _check_complete(fresh)
    again = fresh.index()
    assert (again.added, again.removed, again.embedded, again.sentences, again.unchanged) == (0, 0, 0, 0, first.chunks)

    path = corpus / "001_56473d0c55bd317a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nKim besuchte zum Schluss einen Zoo in Wladiwostok.\n",
                    encoding="utf-8")
    changed = fresh.index()
    assert 1 <= changed.added <= 2 and changed.removed <= 1
    assert changed.sentences == 1 and changed.embedded <= 2  # only the new sentence, and maybe its title
    store = _stores(fresh)[0]
    assert store.count() == changed.chunks
    assert any("Zoo" in c.text for c in store.all_chunks())
    _check_complete(fresh)

    (corpus / "003_55b474f34009ce63.txt").unlink()
    removed = fresh.index()
    assert removed.articles == files - 1 and removed.added == 0 and removed.removed > 0
    assert "003_55b474f34009ce63.txt" not in _stores(fresh)[0].ids_by_source()
    assert "003_55b474f34009ce63.txt" not in {a.source for a in fresh.articles()}
    _check_complete(fresh)  # the sentences only that article held are gone too


def _chunk_vectors(a: Assistant) -> tuple[list[Chunk], np.ndarray]:
    chunks = sorted(_chunks(a), key=lambda c: c.id)
    got = _stores(a)[0].collection.get(ids=[c.id for c in chunks], include=["embeddings"])
    return chunks, np.asarray(got["embeddings"])[[got["ids"].index(c.id) for c in chunks]]


def test_each_text_passes_through_the_model_once(fresh, tmp_path, monkeypatch):
    """Indexing embeds each distinct sentence and title once and no chunk whole, in blocks of any size; a
    chunk's vector, made from theirs, still finds that chunk among the model's embeddings of whole chunks."""
    real = fresh.embedder.embed_passages
    seen: list[str] = []

    def counted(texts, batch_size=32):
        seen.extend(texts)
        return real(texts, batch_size)

    monkeypatch.setattr(fresh.embedder, "embed_passages", counted)
    monkeypatch.setattr(indexer, "BLOCK", 3)
    report = fresh.index()
    chunks, composed = _chunk_vectors(fresh)
    sentences = {t for c in chunks for t in c.sentence_texts}
    titles = {c.title for c in chunks if not c.text.startswith(c.title)}
    assert len(seen) == len(set(seen)) == report.embedded and set(seen) == sentences | titles
    monkeypatch.undo()
    one_block = Assistant(fresh.settings.replace(index_dir=str(tmp_path / "one-block")))
    one_block.index()
    assert np.allclose(_chunk_vectors(one_block)[1], composed, atol=1e-5)
    whole = np.asarray(real([f"{c.title}\n\n{c.text}" for c in chunks]))
    found = np.argmax(composed @ whole.T, axis=1) == np.arange(len(chunks))
    assert found.mean() >= 0.9, f"{found.mean():.2f} of chunks find their own whole-text vector first"


def test_chunk_vector_weighs_sentences_by_tokens_and_adds_the_title():
    """Hand-worked: sentences of 2 and 4 tokens along two axes, the title along a third."""
    short, long = "Ja.", "Kim reiste ab"
    chunk = Chunk(id="c", source="a.txt", title="T", date="", start=0, end=17, text=f"{short} {long}",
                  sentences=((0, 3), (4, 17)), sentence_texts=(short, long), n_tokens=4)
    assert [indexer.token_counter()(t) for t in (short, long)] == [2, 4]
    vectors = {sentence_id(short): np.array([1.0, 0, 0]), sentence_id(long): np.array([0, 1.0, 0])}
    alone = indexer.chunk_vector(chunk, vectors)
    assert np.allclose(alone, np.array([2, 4, 0]) / np.linalg.norm([2, 4, 0]))
    titled = indexer.chunk_vector(chunk, vectors, np.array([0, 0, 1.0]))
    expected = np.array([2 / 6, 4 / 6, indexer.TITLE_WEIGHT])
    assert np.allclose(titled, expected / np.linalg.norm(expected))


def test_moved_text_is_not_embedded_again(fresh, corpus):
    fresh.index()
    path = corpus / "000_c3f8bdba9f1897a0.txt"
    path.write_text("Eine neue Zeile am Anfang.\n\n" + path.read_text(encoding="utf-8"), encoding="utf-8")
    report = fresh.index()
    assert report.added > 1  # every chunk moved, so every id changed
    assert report.sentences == 1 and report.embedded <= 2  # but only the new sentence (and the title) was embedded
    _check_complete(fresh)


def test_index_round_trip(fresh):
    """An index persisted by one assistant answers the same in another process's assistant."""
    fresh.index()
    questions = ["Which bombers did Kim inspect?", "Wo traf Kim Jong Un Wladimir Putin?", "How high is Mount Everest?"]
    before = [fresh.warm_up().ask(q) for q in questions]
    reloaded = Assistant(fresh.settings).warm_up()
    assert reloaded.articles() == fresh.articles() and len(reloaded.articles()) == len(list(Path(fresh.settings.corpus_dir).iterdir()))
    for q, a in zip(questions, before):
        b = reloaded.ask(q)
        assert (b.text, b.citations, b.abstained) == (a.text, a.citations, a.abstained)
        assert [p.chunk for p in b.passages] == [p.chunk for p in a.passages]
        assert [p.score for p in b.passages] == pytest.approx([p.score for p in a.passages], abs=1e-5)


def test_crash_half_way_is_repaired(fresh, monkeypatch):
    """A run that dies after embedding some sentences leaves an index marked incomplete; the next run completes
    it, embeds no sentence twice, and writes no duplicate."""
    monkeypatch.setattr(indexer, "BLOCK", 4)  # several blocks, so some chunks are finished before the crash
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
    monkeypatch.setattr(fresh.embedder, "embed_passages", real)
    client = open_client(fresh.settings.index_dir)
    store, sentences = Store(client, "articles", create=False), Store(client, "articles" + SENTENCES_SUFFIX, create=False)
    assert store.manifest()["complete"] is False and sentences.manifest()["complete"] is False
    chunks_kept, sentences_kept = store.count(), sentences.count()
    assert chunks_kept > 0 and sentences_kept > 0  # finished blocks were written as they were made
    report = fresh.index()
    assert report.added == report.chunks - chunks_kept
    total = len(_sentence_ids(_chunks(fresh)))
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
    assert _stores(fresh)[0].count() == first.chunks + 1
    mirrored = fresh.index([extra], prune=True)
    assert mirrored.removed == first.chunks and _stores(fresh)[0].count() == 1


def test_half_built_first_index_is_finished_on_start(fresh, monkeypatch):
    """A first run killed half-way published nothing: the next start finishes it instead of answering from part."""
    real = fresh.embedder.embed_passages
    calls = []

    def dies(texts, batch_size=32):
        calls.append(1)
        if len(calls) == 2:
            raise RuntimeError("killed")
        return real(texts, batch_size)

    monkeypatch.setattr(fresh.embedder, "embed_passages", dies)
    with pytest.raises(RuntimeError):
        fresh.index()
    monkeypatch.undo()
    a = Assistant(fresh.settings).warm_up()
    assert {x.source for x in a.articles()} == {p.name for p in Path(fresh.settings.corpus_dir).iterdir()}
    _check_complete(a)


def test_rebuild_is_atomic_for_readers(fresh, corpus):
    """A reader keeps answering while a rebuild runs, then answers from the new index without a restart."""
    fresh.index()
    reader = Assistant(fresh.settings).warm_up()
    question = "Welche Tiere sah Kim im Zoo von Wladiwostok?"
    before = reader.ask(question)
    assert not any("Zoo" in c.quote for c in before.citations)
    path = corpus / "001_56473d0c55bd317a.txt"
    path.write_text(path.read_text(encoding="utf-8") + "\nIm Zoo von Wladiwostok sah Kim Jong Un Tiger und Eisbären.\n",
                    encoding="utf-8")
    writer = Assistant(fresh.settings)
    done, answered, failures = threading.Event(), [], []

    def ask_until_done():
        while not done.is_set():
            try:
                answered.append(reader.ask("Which bombers did Kim inspect?"))
            except Exception as exc:  # noqa: BLE001 - every failure is a finding
                failures.append(exc)

    thread = threading.Thread(target=ask_until_done)
    thread.start()
    try:
        writer.index(rebuild=True)
    finally:
        done.set()
        thread.join()
    assert not failures and answered and all(a.citations for a in answered)
    after = _eventually(lambda: reader.ask(question), lambda a: any("Zoo" in c.quote for c in a.citations))
    assert any(c.source == path.name for c in after.citations)


def _eventually(make, ok, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while True:
        got = make()
        if ok(got) or time.monotonic() > deadline:
            return got
        time.sleep(0.5)


@pytest.mark.parametrize("empty", ["missing", "empty"])
def test_failed_rebuild_keeps_the_index(fresh, tmp_path, empty):
    fresh.index()
    kept = fresh.articles()
    folder = tmp_path / "nothing-here"
    if empty == "empty":
        folder.mkdir()
    broken = Assistant(fresh.settings.replace(corpus_dir=str(folder)))
    with pytest.raises(RagError, match="index was not changed|No article folder|No readable"):
        broken.index(rebuild=True)
    again = Assistant(fresh.settings).warm_up()
    assert again.articles() == kept
    assert again.ask("Which bombers did Kim inspect?").citations


def test_truncated_catalog_is_rebuilt(fresh):
    fresh.index()
    a = Assistant(fresh.settings).warm_up()
    expected = [(p.chunk.id, round(p.score, 5)) for p in a.retrieve("Wo traf Kim Jong Un Wladimir Putin?")]
    folder = next((Path(fresh.settings.index_dir) / "catalog" / fresh.settings.collection).iterdir())
    victim = max((p for p in folder.rglob("*") if p.is_file() and p.name != "complete.json"), key=lambda p: p.stat().st_size)
    victim.write_bytes(victim.read_bytes()[: victim.stat().st_size // 2])
    collection = _stores(a)[0].collection.id
    assert Catalog.load(folder, collection) is None
    b = Assistant(fresh.settings).warm_up()
    assert [(p.chunk.id, round(p.score, 5)) for p in b.retrieve("Wo traf Kim Jong Un Wladimir Putin?")] == expected
    assert Catalog.load(folder, collection) is not None  # and saved again whole
    assert Catalog.load(folder, "another-collection") is None  # a reset server's namesake does not reuse it


def test_remove_and_scope(fresh):
    fresh.index()
    sources = [a.source for a in fresh.articles()]
    scoped = fresh.retrieve("Which bombers did Kim inspect?", sources=sources[1:2])
    assert scoped and {p.chunk.source for p in scoped} == {sources[1]}
    view = fresh.article(sources[0])
    text = (Path(fresh.settings.corpus_dir) / sources[0]).read_text(encoding="utf-8")
    assert view.sentences and all(text[a:b] == t for a, b, t in view.sentences)
    report = fresh.remove([sources[0]])
    assert report.removed == view.info.chunks
    assert sources[0] not in {a.source for a in fresh.articles()}
    assert all(p.chunk.source != sources[0] for p in fresh.retrieve("Which bombers did Kim inspect?", top_k=20))
    with pytest.raises(RagError, match="Not in the index"):
        fresh.remove(["no-such-article.txt"])
    _check_complete(fresh)


def test_index_above_sqlite_variable_limit_opens(tmp_path):
    """Chroma's embedded store binds one SQL variable per record read: every read is paged."""
    client = open_client(tmp_path / "big")
    store = Store(client, "big")
    rng = np.random.default_rng(0)
    n = 33_000
    chunks = [Chunk(id=f"c{i}", source=f"a{i // 10}.txt", title=f"Artikel {i // 10}", date=None, start=0, end=10,
                    text=f"Satz {i} über Thema {i % 97}.", sentences=((0, 10),), sentence_texts=(f"Satz {i} über Thema {i % 97}.",),
                    n_tokens=8, language="de") for i in range(n)]
    vectors = rng.normal(size=(n, 8)).astype(np.float32)
    for i in range(0, n, 5000):
        store.upsert(chunks[i:i + 5000], vectors[i:i + 5000])
    assert len(store.ids()) == n and sum(len(v) for v in store.ids_by_source().values()) == n
    catalog = Catalog.build(store.all_chunks())
    assert len(catalog) == n and len(catalog.articles) == n // 10
    assert len(store.get([f"c{i}" for i in range(0, n, 3)])) == len(range(0, n, 3))


def test_server_mode_has_a_writer_lock(chroma_server, seeds_dir, tmp_path):
    s = Settings.load(env={}, corpus_dir=str(seeds_dir), index_dir=str(tmp_path / "unused"),
                      chroma_host="127.0.0.1", chroma_port=chroma_server, collection="locked-test")
    client = open_client(host="127.0.0.1", port=chroma_server)
    with server_lock(client, "locked-test", purpose="another rag index"):
        with pytest.raises(IndexLockedError, match="another rag index"):
            Assistant(s).index()
        env = {**os.environ, "RAG_INDEX_DIR": s.index_dir, "RAG_CORPUS_DIR": s.corpus_dir, "RAG_CHROMA_HOST": "127.0.0.1",
               "RAG_CHROMA_PORT": str(chroma_server), "RAG_COLLECTION": "locked-test"}
        cli = subprocess.run([sys.executable, "-m", "rag.cli", "index"], env=env, capture_output=True, text=True,
                             timeout=120)
        assert cli.returncode == 2 and "being written by another rag index" in cli.stderr


def test_damaged_or_misplaced_index_is_explained(fresh, tmp_path):
    not_a_folder = tmp_path / "index-file"
    not_a_folder.write_text("x")
    with pytest.raises(RagError, match="is a file"):
        Assistant(fresh.settings.replace(index_dir=str(not_a_folder))).warm_up()
    fresh.index()
    db = Path(fresh.settings.index_dir) / "chroma.sqlite3"
    db.write_bytes(db.read_bytes()[:4096])  # truncated, as a full disk or a bad copy leaves it
    with pytest.raises(RagError, match="damaged.*rag index --rebuild"):
        Assistant(fresh.settings).warm_up()
    report = Assistant(fresh.settings).index(rebuild=True)
    assert report.added == report.chunks > 0
    assert Assistant(fresh.settings).warm_up().ask("Which bombers did Kim inspect?").citations
    assert list(tmp_path.glob("index.damaged-*"))  # the damaged files are kept aside, not deleted


def test_kill_9_mid_index_keeps_finished_batches(fresh):
    """A `rag index` killed outright keeps the batches it wrote; the next run embeds only the rest."""
    s = fresh.settings
    env = {**os.environ, "RAG_INDEX_DIR": s.index_dir, "RAG_CORPUS_DIR": s.corpus_dir}
    proc = subprocess.Popen([sys.executable, "-m", "rag.cli", "index"], env=env, stdout=subprocess.DEVNULL,
                            stderr=subprocess.DEVNULL)
    kept = 0
    try:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and proc.poll() is None:
            time.sleep(0.5)
            try:
                kept = Store(open_client(s.index_dir, create=False), "articles" + SENTENCES_SUFFIX, create=False).count()
            except RagError:
                continue
            if kept >= 64:  # two batches are on disk
                break
    finally:
        proc.kill()
        proc.wait()
    from chromadb.api.shared_system_client import SharedSystemClient

    SharedSystemClient._identifier_to_system.pop(s.index_dir, None)  # open the index afresh, as a new process would
    assert kept >= 64, "the run finished before it could be killed"
    report = fresh.index()
    assert 0 < report.sentences <= len(_sentence_ids(_chunks(fresh))) - kept
    _check_complete(fresh)
