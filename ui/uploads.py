"""Articles added through the chat page: checked, saved into the corpus folder under a safe name, remembered.

Checks come before anything is written: the extension (``ALLOWED``), the size (``max_bytes``) and, for plain
text, UTF-8. A file is written under a temporary name without an article extension and renamed into place,
so a concurrent ``rag index`` never reads half a file. The names of files saved here are kept in
``.uploaded.json`` beside them: removing an article through the page deletes its file only when the page
saved it. Leaves out: indexing (``Assistant.index``) and Gradio's temporary copies (the caller deletes them).
"""

from __future__ import annotations

import json
import os
import re
import threading
import unicodedata
from pathlib import Path

from rag.errors import RagError

ALLOWED = (".txt", ".md", ".html", ".htm")
MAX_BYTES = 5_000_000
REGISTRY = ".uploaded.json"


class UploadError(RagError):
    """A file the page refuses, with the reason in words."""


def safe_name(name: str) -> str:
    """A file name that is only letters, digits, ``-``, ``_`` and one extension: no folders, no hidden files."""
    base = Path(unicodedata.normalize("NFKC", name.replace("\\", "/"))).name
    stem, ext = os.path.splitext(base)
    stem = re.sub(r"[^\w-]+", "_", stem).strip("_-")[:80] or "article"
    return f"{stem}{ext.lower()}"


class Uploads:
    def __init__(self, folder: str | Path, max_bytes: int = MAX_BYTES) -> None:
        self.folder, self.max_bytes = Path(folder), max_bytes
        self._lock = threading.Lock()

    def check(self, name: str, size: int) -> str:
        """The extension of an acceptable file, else an UploadError saying why not."""
        ext = os.path.splitext(name)[1].lower()
        if ext not in ALLOWED:
            raise UploadError(f"{name}: only {', '.join(ALLOWED)} files can be added (saved news pages as .html).")
        if size > self.max_bytes:
            raise UploadError(f"{name}: {size / 1e6:.1f} MB is over the limit of {self.max_bytes / 1e6:.0f} MB.")
        if size == 0:
            raise UploadError(f"{name}: the file is empty.")
        return ext

    def save(self, temp: str | Path, name: str) -> Path:
        """Copy an uploaded temporary file into the corpus folder; the path it was saved at."""
        temp = Path(temp)
        self.check(name, temp.stat().st_size)
        data = temp.read_bytes()
        if len(data) > self.max_bytes:  # grew after the check
            raise UploadError(f"{name}: over the limit of {self.max_bytes / 1e6:.0f} MB.")
        if os.path.splitext(name)[1].lower() in (".txt", ".md"):
            try:
                data.decode("utf-8")
            except UnicodeDecodeError:
                raise UploadError(f"{name}: not UTF-8 text; save it as UTF-8 and add it again.") from None
        with self._lock:
            self.folder.mkdir(parents=True, exist_ok=True)
            target = self._free_name(safe_name(name), data)
            if target.exists():  # the same bytes are there already: index them; whose file it is stays as it was
                return target
            part = target.with_name(f".{target.name}.part")
            part.write_bytes(data)
            os.replace(part, target)
            self._write_registry(self._registry() | {target.name})
        return target

    def _free_name(self, name: str, data: bytes) -> Path:
        """``name``, or ``name-2`` … when another file already has it (the same bytes reuse the name)."""
        stem, ext = os.path.splitext(name)
        for i in range(1, 1000):
            target = self.folder / (name if i == 1 else f"{stem}-{i}{ext}")
            if not target.exists() and not target.is_symlink():
                return target
            if target.is_file() and not target.is_symlink() and target.read_bytes() == data:
                return target
        raise UploadError(f"{name}: too many files of this name in the corpus folder.")

    def uploaded(self, name: str) -> bool:
        return name in self._registry()

    def names(self) -> set[str]:
        """The files this page saved."""
        return self._registry()

    def delete(self, name: str) -> bool:
        """Delete a file this page saved (True), or leave any other file alone (False)."""
        with self._lock:
            names = self._registry()
            if name not in names or safe_name(name) != name:
                return False
            try:
                (self.folder / name).unlink()
            except FileNotFoundError:
                pass
            self._write_registry(names - {name})
            return True

    def _registry(self) -> set[str]:
        try:
            got = json.loads((self.folder / REGISTRY).read_text(encoding="utf-8"))
            return {n for n in got if isinstance(n, str)}
        except (OSError, ValueError, TypeError):
            return set()

    def _write_registry(self, names: set[str]) -> None:
        part = self.folder / f"{REGISTRY}.part"
        part.write_text(json.dumps(sorted(names), ensure_ascii=False), encoding="utf-8")
        os.replace(part, self.folder / REGISTRY)
