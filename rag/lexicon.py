"""English-to-German word translations from a FreeDict dictionary (dictd format, Debian's
``dict-freedict-eng-deu``), used to carry English question words over to the German articles.

The first use parses the dictionary (about 10 s) into a compact cache under ``~/.cache/rag``; later
loads take a fraction of a second. Only one- and two-word headwords (``north korea`` -> ``Nordkorea``) and one-word translations are kept; phrases,
examples and notes are left out. Without the dictionary, retrieval still works on cognates and names.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
from collections.abc import Callable, Iterator
from functools import cached_property, lru_cache
from pathlib import Path

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_HEADWORD = re.compile(r"^[a-z][a-z-]{1,30}(?: [a-z][a-z-]{1,30})?$")  # one or two words
_GERMAN_WORD = re.compile(r"^[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]{1,40}$")
_BRACKETS = re.compile(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|/[^/]*/|\b[A-Z]{2,}\b")  # tags, IPA, abbreviations
MAX_SENSES, MAX_WORDS = 5, 10
ENDINGS = ("", "s", "es", "n", "en", "e", "er", "ern")  # German inflection endings
_VERSION = 2  # of the parser: a new one makes the cache stale


class Lexicon:
    def __init__(self, table: dict[str, tuple[str, ...]]) -> None:
        self.table = table

    def translate(self, word: str) -> tuple[str, ...]:
        """German translations of an English word or two-word phrase, trying simple English inflections."""
        w = word.lower()
        head, _, last = w.rpartition(" ")
        for form in (w, *(f"{head} {x}".strip() for x in _lemmas(last))):
            if form in self.table:
                return self.table[form]
        return ()

    def __len__(self) -> int:
        return len(self.table)

    @cached_property
    def german(self) -> frozenset[str]:
        """Every German word the dictionary knows (lowercase): what is not in it, capitalised, is likely a name."""
        return frozenset(w.lower() for found in self.table.values() for w in found)

    @cached_property
    def folded(self) -> frozenset[str]:
        """The German words spelling-folded (see ``lexical.fold``), uncached so the corpus keeps fold's cache."""
        from .lexical import fold

        return frozenset(fold.__wrapped__(w) for w in self.german)

    def is_german_word(self, token: str) -> bool:
        """A dictionary word, an inflection of one (Gouverneurs), or a compound ending in one (Grenzregion)."""
        t = token.lower().rsplit("-", 1)[-1]  # Kreml-Chef: its last part
        if any(t.removesuffix(end) in self.german for end in ENDINGS):
            return True
        return any(t[i:] in self.german for i in range(4, len(t) - 4))  # not Kin+schal: a name


def _lemmas(w: str) -> list[str]:
    out = []
    if w.endswith("ies"):
        out.append(w[:-3] + "y")
    if w.endswith("es"):
        out.append(w[:-2])
    if w.endswith("s") and not w.endswith("ss"):
        out.append(w[:-1])
    if w.endswith("ed"):
        out += [w[:-2], w[:-1]]
    if w.endswith("ing"):
        out += [w[:-3], w[:-3] + "e"]
    return out


@lru_cache(maxsize=2)
def load_lexicon(base: str) -> Lexicon | None:
    """The dictionary at ``base`` (+ .index/.dict.dz), or None when it is not installed."""
    table = load_dictd(base, "lexicon", f"{MAX_SENSES}:{MAX_WORDS}:{_VERSION}:{_HEADWORD.pattern}{_BRACKETS.pattern}", _parse)
    return None if table is None else Lexicon(table)


def load_dictd(base: str, kind: str, params: str, parse: Callable[[Path, Path], dict]) -> dict | None:
    """A dictd dictionary at ``base`` parsed by ``parse``, through a pickle cache under ``~/.cache/rag`` keyed
    by the files and ``params``; None when the dictionary is not installed."""
    if not base:
        return None
    index, data = Path(base + ".index"), Path(base + ".dict.dz")
    if not (index.is_file() and data.is_file()):
        return None
    stamp = f"{index.resolve()}:{index.stat().st_size}:{index.stat().st_mtime_ns}:{params}"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / (
        f"{kind}-" + hashlib.sha1(stamp.encode()).hexdigest()[:12] + ".pkl")
    if cache.is_file():
        try:
            return pickle.loads(cache.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
    table = parse(index, data)
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home still gets the parsed table, just not the cache
    return table


def entries(index: Path, data: Path, headword: re.Pattern) -> Iterator[tuple[str, list[str]]]:
    """(headword, lines of its entry) for each index line whose headword matches."""
    blob = gzip.open(data).read()
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) == 3 and headword.match(parts[0]):
            start = _b64(parts[1])
            yield parts[0], blob[start:start + _b64(parts[2])].decode("utf-8", "replace").splitlines()


def _parse(index: Path, data: Path) -> dict[str, tuple[str, ...]]:
    table: dict[str, list[str]] = {}
    senses: dict[str, int] = {}
    for head, entry in entries(index, data, _HEADWORD):
        if senses.get(head, 0) >= MAX_SENSES:
            continue
        senses[head] = senses.get(head, 0) + 1
        words = table.setdefault(head, [])
        for body in entry[1:]:
            if not body.strip() or body.startswith((" ", "\t")):
                break  # examples, notes and cross references follow the translations
            for item in _BRACKETS.sub(" ", body).replace(";", ",").split(","):
                item = " ".join(w for w in item.split() if not w.endswith("."))  # "Bahnhof Bhf.": no abbreviation
                if _GERMAN_WORD.match(item) and item not in words and len(words) < MAX_WORDS:
                    words.append(item)
    return {k: tuple(v) for k, v in table.items() if v}


def _b64(s: str) -> int:
    n = 0
    for c in s:
        n = n * 64 + _B64[c]
    return n
