"""An exclusive, non-blocking lock on the index folder, so two writers never share Chroma's local store.

A second writer fails at once and is told which process holds the lock; the lock dies with its holder.
"""

from __future__ import annotations

import fcntl
import json
import os
import sys
import time
from contextlib import contextmanager
from pathlib import Path

from .errors import IndexLockedError


@contextmanager
def index_lock(index_dir: str | Path, purpose: str = "rag index"):
    path = Path(index_dir)
    path.mkdir(parents=True, exist_ok=True)
    lock_file = path / ".lock"
    fd = os.open(lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = _read_holder(fd)
            raise IndexLockedError(
                f"The index at {path}/ is being written by {holder}. Wait for it to finish (or stop that "
                "process), then run this again."
            ) from None
        os.ftruncate(fd, 0)
        os.write(fd, json.dumps({"pid": os.getpid(), "purpose": purpose, "since": time.strftime("%H:%M:%S"),
                                 "command": " ".join(sys.argv[:3])}).encode())
        yield
    finally:
        os.close(fd)  # closing releases the flock


def _read_holder(fd: int) -> str:
    try:
        info = json.loads(os.pread(fd, 4096, 0).decode() or "{}")
        return f"{info.get('purpose', 'another process')} (pid {info.get('pid', '?')}, since {info.get('since', '?')})"
    except (OSError, ValueError):
        return "another process"
