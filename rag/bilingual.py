"""Word-for-word translations between two profile languages, from the FreeDict dictionaries Debian packages.

Questions often come in another language than the articles ("Which bombers ...?" over German text). The
multilingual vectors carry the meaning across; these dictionaries let the question's words meet the
articles' words too (BM25 and word coverage), which measurably lifts retrieval across languages. A pair reads
the dictionary of its direction and the reverse one inverted (``freedict-eng-deu`` and ``freedict-deu-eng``),
keeps one-word headwords and one-word translations, and is cached as a pickle keyed by the files' sizes and
dates. No dictionary installed (``apt-get install dict-freedict-eng-deu``): no translations, and the words of
a question meet only the articles of its own language. Phrases, grammar and sense choice are left out: a
word's translations are searched as alternatives of one another (``Lexical.bridged_scores``).
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
from functools import lru_cache
from pathlib import Path

DICT_DIRS = (Path("/usr/share/dictd"), Path("/usr/local/share/dictd"))
MAX_TRANSLATIONS = 8  # the dictionaries list the common senses first; the tail is mostly rare senses
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_MARKUP = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|/[^/]*/")
_NOTE = ("Note:", "see:", "Syn", '"')


@lru_cache(maxsize=None)
def translations(source: str, target: str) -> dict[str, tuple[str, ...]]:
    """Lower-cased word of ISO 639-2 language ``source`` -> its translations into ``target``; empty when no
    dictionary of the pair is installed."""
    files = [f for name in (f"freedict-{source}-{target}", f"freedict-{target}-{source}")
             for d in DICT_DIRS for f in (d / f"{name}.index", d / f"{name}.dict.dz") if f.is_file()]
    if not files:
        return {}
    stamp = hashlib.sha256(repr([(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files]).encode())
    cache = _cache_dir() / f"{source}-{target}-{stamp.hexdigest()[:16]}.pkl"
    try:
        return pickle.loads(cache.read_bytes())
    except (OSError, pickle.UnpicklingError, EOFError):
        pass
    pairs: dict[str, list[str]] = {}
    for head, found in _entries(source, target):
        for t in found:
            pairs.setdefault(head.lower(), []).append(t)
    for head, found in _entries(target, source):  # the reverse dictionary, inverted
        for t in found:
            pairs.setdefault(t.lower(), []).append(head)
    table = {w: tuple(dict.fromkeys(ts))[:MAX_TRANSLATIONS] for w, ts in pairs.items()}
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home: parse again next time
    return table


def _entries(source: str, target: str):
    """(headword, its one-word translations) of each entry of ``freedict-SOURCE-TARGET``, if installed."""
    name = f"freedict-{source}-{target}"
    folder = next((d for d in DICT_DIRS if (d / f"{name}.index").is_file() and (d / f"{name}.dict.dz").is_file()), None)
    if folder is None:
        return
    data = gzip.open(folder / f"{name}.dict.dz").read()
    seen: set[tuple[str, str]] = set()
    for line in (folder / f"{name}.index").read_text(encoding="utf-8", errors="replace").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00") or (parts[1], parts[2]) in seen:
            continue  # 00-database-* entries describe the dictionary; one entry may have several index lines
        seen.add((parts[1], parts[2]))
        start, size = _number(parts[1]), _number(parts[2])
        body = data[start:start + size].decode("utf-8", errors="replace").split("\n")
        head = _clean(body[0])
        if not _one_word(head):
            continue
        found = []
        for text in body[1:]:
            text = _clean(text)
            if text and not text.startswith(_NOTE):
                found += [t.strip(" .!?¿¡") for t in re.split(r"[,;]", text)]
        yield head, [t for t in found if _one_word(t)]


def _clean(line: str) -> str:
    """A line without grammar tags, domains, notes in brackets, pronunciation and sense numbers."""
    return re.sub(r"^\s*\d+\.\s*", "", _MARKUP.sub(" ", line)).strip()


def _one_word(text: str) -> bool:
    return len(text) > 1 and not re.search(r"\s", text)


def _number(text: str) -> int:
    n = 0
    for ch in text:
        n = n * 64 + _B64[ch]
    return n


def _cache_dir() -> Path:
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "rag" / "bilingual"
