"""Word-for-word translations between two profile languages, from the FreeDict dictionaries Debian packages.

Questions often come in another language than the articles ("Which bombers ...?" over German text). The
multilingual vectors carry the meaning across; these dictionaries let the question's words meet the
articles' words too (BM25 and word coverage), which measurably lifts retrieval across languages. A pair reads
the dictionary of its direction and the reverse one inverted (``freedict-eng-deu`` and ``freedict-deu-eng``),
keeps one-word headwords and one-word translations, and is cached as JSON under ``~/.cache/rag/bilingual``
(the first read of a large pair takes seconds), keyed by the files and this parser's version. No dictionary
installed (``apt-get install dict-freedict-eng-deu``), or a damaged one: no translations, and the words of a
question meet only the articles of its own language. Phrases, grammar and sense choice are left out: a word's
translations are searched as alternatives of one another (``Lexical.bridged_scores``).
"""

from __future__ import annotations

import gzip
import hashlib
import json
import logging
import os
import re
import tempfile
import threading
import zlib
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path

from .settings import cache_dir

log = logging.getLogger(__name__)

DICT_DIRS = (Path("/usr/share/dictd"), Path("/usr/local/share/dictd"))
MAX_TRANSLATIONS = 8  # the dictionaries list the common senses first; the tail is mostly rare senses
PARSER_VERSION = 2  # part of the cache key: a change to the parsing below must bump it
_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_MARKUP = re.compile(r"<[^>]*>|\[[^\]]*\]|\([^)]*\)|\{[^}]*\}|/[^/]*/")
_NOTE = re.compile(r"^(Note|see|Synonyms?|Examples?):|^\"")
_LOCK = threading.Lock()  # one parse per pair, even when several chats ask at once


def translations(source: str, target: str) -> dict[str, tuple[str, ...]]:
    """Lower-cased word of ISO 639-2 language ``source`` -> its translations into ``target``; empty when no
    dictionary of the pair is installed or readable."""
    with _LOCK:
        return _translations(source, target)


def by_stem(source: str, target: str, stem: Callable[[list[str]], list[str]]) -> dict[str, tuple[str, ...]]:
    """The pair's table keyed by ``stem`` of each headword (the asking language's stemmer), for inflected
    question words: "cities" finds the translations of "city"."""
    with _LOCK:
        return _by_stem(source, target, stem)


def forget() -> None:
    """Drop the tables read so far: a dictionary installed or updated meanwhile is read again."""
    with _LOCK:
        _translations.cache_clear()
        _by_stem.cache_clear()


@lru_cache(maxsize=None)
def _by_stem(source: str, target: str, stem: Callable[[list[str]], list[str]]) -> dict[str, tuple[str, ...]]:
    table = _translations(source, target)
    out: dict[str, tuple[str, ...]] = {}
    for key, head in zip(stem(list(table)), table):
        out[key] = tuple(dict.fromkeys((*out.get(key, ()), *table[head])))[:MAX_TRANSLATIONS]
    return out


@lru_cache(maxsize=None)
def _translations(source: str, target: str) -> dict[str, tuple[str, ...]]:
    files = [f for name in (f"freedict-{source}-{target}", f"freedict-{target}-{source}")
             for d in DICT_DIRS for f in (d / f"{name}.index", d / f"{name}.dict.dz") if f.is_file()]
    if not files:
        return {}
    stamp = repr([PARSER_VERSION, MAX_TRANSLATIONS] + [(str(f), f.stat().st_size, f.stat().st_mtime_ns) for f in files])
    cache = cache_dir("bilingual") / f"{source}-{target}-{hashlib.sha256(stamp.encode()).hexdigest()[:16]}.json"
    try:
        return {w: tuple(ts) for w, ts in json.loads(cache.read_text(encoding="utf-8")).items()}
    except (OSError, ValueError, AttributeError):
        pass
    pairs: dict[str, list[str]] = {}
    for head, found in _entries(source, target):
        for t in found:
            pairs.setdefault(head.lower(), []).append(t)
    for head, found in _entries(target, source):  # the reverse dictionary, inverted
        for t in found:
            pairs.setdefault(t.lower(), []).append(head)
    table = {w: tuple(dict.fromkeys(ts))[:MAX_TRANSLATIONS] for w, ts in pairs.items()}
    _save(cache, table)
    return table


def _save(cache: Path, table: dict[str, tuple[str, ...]]) -> None:
    """Write the table atomically and drop the pair's older caches; a read-only home only costs a parse."""
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile("w", encoding="utf-8", dir=cache.parent, suffix=".tmp", delete=False) as f:
            json.dump(table, f, ensure_ascii=False)
        os.replace(f.name, cache)
        for old in cache.parent.glob(cache.name.rsplit("-", 1)[0] + "-*.json"):
            if old != cache:
                old.unlink(missing_ok=True)
    except OSError:
        pass


def _entries(source: str, target: str):
    """(headword, its one-word translations) of each entry of ``freedict-SOURCE-TARGET``, if installed and
    readable."""
    name = f"freedict-{source}-{target}"
    folder = next((d for d in DICT_DIRS if (d / f"{name}.index").is_file() and (d / f"{name}.dict.dz").is_file()), None)
    if folder is None:
        return
    try:
        data = gzip.decompress((folder / f"{name}.dict.dz").read_bytes())
        index = (folder / f"{name}.index").read_text(encoding="utf-8", errors="replace").splitlines()
    except (OSError, EOFError, zlib.error, gzip.BadGzipFile) as exc:
        log.warning("Skipping the dictionary %s (%s): reinstall it with `sudo apt-get install --reinstall "
                    "dict-freedict-%s-%s`.", folder / name, exc, source, target)
        return
    seen: set[tuple[str, str]] = set()
    for line in index:
        parts = line.split("\t")
        if len(parts) != 3 or parts[0].startswith("00") or (parts[1], parts[2]) in seen:
            continue  # 00-database-* entries describe the dictionary; one entry may have several index lines
        seen.add((parts[1], parts[2]))
        start, size = _number(parts[1]), _number(parts[2])
        if start is None or size is None:
            continue
        body = data[start:start + size].decode("utf-8", errors="replace").split("\n")
        head = _clean(body[0])
        if not _one_word(head):
            continue
        found = []
        for text in body[1:]:
            text = _clean(text)
            if text and not _NOTE.match(text):
                found += [t.strip(" .!?¿¡") for t in re.split(r"[,;]", text)]
        yield head, [t for t in found if _one_word(t)]


def _clean(line: str) -> str:
    """A line without grammar tags, domains, notes in brackets, pronunciation and sense numbers."""
    return re.sub(r"^\s*\d+\.\s*", "", _MARKUP.sub(" ", line)).strip()


def _one_word(text: str) -> bool:
    return len(text) > 1 and not re.search(r"\s", text)


def _number(text: str) -> int | None:
    """dictd's base64 number; None for a damaged one."""
    n = 0
    for ch in text:
        if ch not in _B64:
            return None
        n = n * 64 + _B64[ch]
    return n


