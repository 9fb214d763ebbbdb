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
from contextlib import contextmanager
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import IndexLockedError

LOCK_SUFFIX = "-lock"
STALE_AFTER = 120.0  # seconds without a heartbeat after which a server lock is taken over


def _holder_info(purpose: str) -> dict:
    return {"pid": os.getpid(), "host": socket.gethostname(), "purpose": purpose,
            "since": time.strftime("%H:%M:%S"), "command": " ".join(sys.argv[:3]), "beat": time.time()}


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
    for _ in range(2):
        try:
            record = client.create_collection(name, metadata={k: v for k, v in info.items()}, embedding_function=None)
            break
        except Exception:  # noqa: BLE001 - the collection exists: somebody holds (or held) the lock
            held = _server_holder(client, name)
            if held is not None and not _stale(held):
                raise IndexLockedError(f"The index {base!r} on the Chroma server is being written by {_describe(held)}. "
                                       "Wait for it to finish (or stop that process), then run this again.") from None
            _delete(client, name)
    else:
        raise IndexLockedError(f"Could not take the write lock of {base!r} on the Chroma server: try again.")
    stop = threading.Event()

    def heartbeat() -> None:
        while not stop.wait(beat):
            try:
                record.modify(metadata={**info, "beat": time.time()})
            except Exception:  # noqa: BLE001 - the server went away; the writer's own calls will say so
                return

    thread = threading.Thread(target=heartbeat, daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        _delete(client, name)


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


def _delete(client, name: str) -> None:
    try:
        client.delete_collection(name)
    except Exception:  # noqa: BLE001 - already gone
        pass
