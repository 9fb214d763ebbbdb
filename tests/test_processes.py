"""Several chat processes over one Chroma server follow an index that another process changes."""

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.conftest import free_port

QUESTION = "Welche Schokoladenfabrik besuchte Kim in Chabarowsk?"


def _chat(env: dict, port: int, log: Path) -> subprocess.Popen:
    return subprocess.Popen([sys.executable, "-m", "rag.cli", "chat", "--port", str(port)], env=env,
                            stdout=log.open("w"), stderr=subprocess.STDOUT)


def _client(port: int, proc: subprocess.Popen, log: Path, seconds: float = 300):
    from gradio_client import Client

    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            pytest.fail(f"the chat process died: {log.read_text()[-2000:]}")
        try:
            return Client(f"http://127.0.0.1:{port}/", verbose=False)
        except Exception:  # noqa: BLE001 - not serving yet
            time.sleep(1)
    pytest.fail(f"the chat did not start: {log.read_text()[-2000:]}")


def _cited(client) -> set[str]:
    _, answer = client.predict(QUESTION, api_name="/ask")
    return {c["source"] for c in answer.get("citations", [])}


def test_two_chat_processes_follow_an_index_run(chroma_server, seeds_dir, tmp_path):
    corpus = tmp_path / "articles"
    shutil.copytree(seeds_dir, corpus)
    env = {**os.environ, "RAG_CHROMA_HOST": "127.0.0.1", "RAG_CHROMA_PORT": str(chroma_server),
           "RAG_COLLECTION": "shared-test", "RAG_CORPUS_DIR": str(corpus), "RAG_INDEX_DIR": str(tmp_path / "unused"),
           "XDG_CACHE_HOME": str(tmp_path / "cache-indexer")}
    first = subprocess.run([sys.executable, "-m", "rag.cli", "index"], env=env, capture_output=True, text=True, timeout=900)
    assert first.returncode == 0, first.stderr
    procs, clients = [], []
    try:
        for n in range(2):  # each with its own cache: as on two machines
            port, log = free_port(), tmp_path / f"chat{n}.log"
            procs.append(_chat({**env, "XDG_CACHE_HOME": str(tmp_path / f"cache{n}")}, port, log))
            clients.append((port, procs[-1], log))
        clients = [_client(*c) for c in clients]
        assert all("schokolade.txt" not in _cited(c) for c in clients)
        (corpus / "schokolade.txt").write_text(
            "Kim besucht Schokoladenfabrik\n\nKim Jong Un besichtigte in Chabarowsk die Schokoladenfabrik "
            "Amur-Konfekt, die seit 1953 Pralinen herstellt.\n", encoding="utf-8")
        added = subprocess.Popen([sys.executable, "-m", "rag.cli", "index", str(corpus / "schokolade.txt")], env=env,
                                 stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        while added.poll() is None:  # both keep answering while the index changes
            for c in clients:
                _, answer = c.predict("Which bombers did Kim inspect?", api_name="/ask")
                assert answer["citations"], answer
        assert added.returncode == 0, added.stderr.read()
        deadline = time.monotonic() + 60
        seen = [False, False]
        while not all(seen) and time.monotonic() < deadline:
            seen = [s or "schokolade.txt" in _cited(c) for s, c in zip(seen, clients)]
            time.sleep(0.5)
        assert all(seen), "a chat process did not pick up the new article"
    finally:
        for p in procs:
            p.terminate()
        for p in procs:
            try:
                p.wait(timeout=30)
            except subprocess.TimeoutExpired:
                p.kill()
