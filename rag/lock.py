"""One writer per index: a file lock for an index on disk, a lock record for an index on a Chroma server.

A second writer fails at once and is told who holds the lock. A file lock dies with its holder; a server
lock is kept alive by a heartbeat and taken over when its holder stopped beating (or, on the same machine,
when its process is gone).
"""

from __future__ import annotations

import json
import os
import socket
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import IndexLockedError

LOCK_SUFFIX = "-lock"
STALE_AFTER = 120.0  # seconds without a heartbeat after which a server lock is taken over


def _holder_info(purpose: str) -> dict:
    command = " ".join([os.path.basename(sys.argv[0]), *sys.argv[1:2]])  # no flags: they may hold a password
    return {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose, "since": time.strftime("%H:%M:%S"),
            "command": command, "beat": time.time(), "token": uuid.uuid4().hex}


def _describe(info: dict) -> str:
    return (f"{info.get('purpose', 'another process')} (pid {info.get('pid', '?')} on {info.get('host', '?')}, "
            f"since {info.get('since', '?')})")


@contextmanager
def index_lock(index_dir: str | Path, purpose: str = "rag index"):
    """The write lock of an index on disk (works on every platform: ``filelock``)."""
    path = Path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    lock = FileLock(str(path / ".lock"), timeout=0)
    try:
        lock.acquire()
    except Timeout:
        raise IndexLockedError(f"The index at {path}/ is being written by {_read(path)}. Wait for it to finish "
                               "(or stop that process), then run this again.") from None
    try:
        (path / ".lock.json").write_text(json.dumps(_holder_info(purpose)))
        yield
    finally:
        lock.release()


def _read(path: Path) -> str:
    try:
        return _describe(json.loads((path / ".lock.json").read_text()))
    except (OSError, ValueError):
        return "another process"


@contextmanager
def server_lock(client, base: str, purpose: str = "rag index", beat: float = 15.0):
    """The write lock of an index on a Chroma server: a collection whose creation only one writer wins."""
    name = base + LOCK_SUFFIX
    info = _holder_info(purpose)
    record = None
    for _ in range(2):
        try:
            record = client.create_collection(name, metadata=dict(info), embedding_function=None)
        except Exception:  # noqa: BLE001 - the collection exists: somebody holds (or held) the lock
            held = _server_holder(client, name)
            if held is not None and not _stale(held):
                raise IndexLockedError(f"The index {base!r} on the Chroma server is being written by {_describe(held)}. "
                                       "Wait for it to finish (or stop that process), then run this again.") from None
            if held is not None:
                _delete(client, name, held.get("token"))
            continue
        if (_server_holder(client, name) or {}).get("token") == info["token"]:  # won a race for a stale lock?
            break
        record = None
    if record is None:
        raise IndexLockedError(f"Could not take the write lock of {base!r} on the Chroma server: another writer "
                               "just took it. Try again when it has finished.")
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(beat):
            try:
                record.modify(metadata={**info, "beat": time.time()})
            except Exception:  # noqa: BLE001 - a passing network fault: beat again next time
                continue

    thread = threading.Thread(target=heartbeat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        _delete(client, name, info["token"])


def _server_holder(client, name: str) -> dict | None:
    try:
        return dict(client.get_collection(name, embedding_function=None).metadata or {})
    except Exception:  # noqa: BLE001 - released in the meantime
        return None


def _stale(info: dict) -> bool:
    if time.time() - float(info.get("beat", 0)) > STALE_AFTER:
        return True
    if info.get("host") == socket.gethostname():
        try:
            os.kill(int(info.get("pid", 0)), 0)
        except (ProcessLookupError, ValueError):
            return True
        except PermissionError:
            return False
    return False


def _delete(client, name: str, token: str | None) -> None:
    """Delete the lock record if it is still the one holding ``token`` (never another writer's)."""
    held = _server_holder(client, name)
    if held is None or held.get("token") != token:
        return
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - already gone
        pass
