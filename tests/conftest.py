"""Shared fixtures: the real embedding model and a real on-disk Chroma index, loaded once per session.

Network access is blocked for every test except to loopback addresses: nothing may reach the hub.
"""

from __future__ import annotations

import os
import shutil
import socket
from pathlib import Path

import pytest

os.environ["HF_HUB_OFFLINE"] = "1"
os.environ["TRANSFORMERS_OFFLINE"] = "1"
os.environ["ANONYMIZED_TELEMETRY"] = "False"
os.environ["TOKENIZERS_PARALLELISM"] = "false"
for _name in [k for k in os.environ if k.startswith("RAG_")]:
    del os.environ[_name]  # a developer's settings must not leak into tests

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

_real_connect = socket.socket.connect


def _loopback_only(self, address):
    host = address[0] if isinstance(address, tuple) else address
    if isinstance(host, str) and self.family in (socket.AF_INET, socket.AF_INET6):
        if not (host.startswith("127.") or host in ("localhost", "::1")):
            raise OSError(f"tests may not reach the network (tried {host})")
    return _real_connect(self, address)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(autouse=True)
def _no_network(monkeypatch):
    monkeypatch.setattr(socket.socket, "connect", _loopback_only)


@pytest.fixture(scope="session")
def seeds_dir(tmp_path_factory) -> Path:
    """A private copy of the seed articles."""
    d = tmp_path_factory.mktemp("seeds")
    for f in SEEDS.iterdir():
        shutil.copy(f, d / f.name)
    return d


@pytest.fixture(scope="session")
def settings(tmp_path_factory, seeds_dir):
    from rag import Settings

    return Settings.load(env={}, corpus_dir=str(seeds_dir), index_dir=str(tmp_path_factory.mktemp("index")))


@pytest.fixture(scope="session")
def assistant(settings):
    """The default pipeline (extractive) over the seed articles, index built once."""
    from rag import Assistant

    return Assistant(settings).warm_up()


@pytest.fixture(scope="module")
def app_url(assistant, settings):
    """The chat app over the session assistant, served on a free loopback port for one test module."""
    from ui.app import launch

    demo = launch(assistant, settings.replace(port=free_port()), prevent_thread_lock=True, quiet=True)
    yield demo.local_url
    demo.close()


@pytest.fixture(scope="session")
def chroma_server(tmp_path_factory):
    """A real `chroma run` server on a free loopback port; yields the port."""
    import subprocess
    import sys
    import time

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
