"""English-to-German word translations, used to carry English question words over to the German articles.

Two dictionary formats are read: FreeDict's dictd files (Debian's ``dict-freedict-eng-deu``) and the Ding
German-English list (Debian's ``trans-de-en``), whose verb and noun entries align inflected forms
(inspected -> inspizierte, besichtigte), so past tenses and plurals in a question find their German match.
The first use parses a dictionary (seconds) into a compact cache under ``~/.cache/rag``; later loads take a
fraction of a second. Only one- and two-word English headwords (``north korea`` -> ``Nordkorea``) and
one-word translations are kept; phrases, examples and notes are left out. Without a dictionary, retrieval
still works on cognates and names.
"""

from __future__ import annotations

import gzip
import hashlib
import os
import pickle
import re
from functools import cached_property, lru_cache
from pathlib import Path

_B64 = {c: i for i, c in enumerate("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/")}
_HEADWORD = re.compile(r"^[a-z][a-z-]{1,30}(?: [a-z][a-z-]{1,30})?$")  # one or two words
_GERMAN_WORD = re.compile(r"^[A-Za-zÄÖÜäöüß][A-Za-zÄÖÜäöüß-]{1,40}$")
_BRACKETS = re.compile(r"<[^>]*>|\[[^\]]*\]|\{[^}]*\}|\([^)]*\)|/[^/]*/|\b[A-Z]{2,}\b")  # tags, IPA, abbreviations
MAX_SENSES, MAX_WORDS, MAX_MERGED = 5, 10, 16
_DING_NOISE = re.compile(r"\b(etw|jdn|jdm|jds|sth|sb|sb's)\.?(?=\s|$)|\bsich\b|^to\s+|^(I/)?(he/she|I|he|she|we|you|they)\s+", re.I)


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

    def is_german_word(self, token: str) -> bool:
        """A dictionary word, an inflection of one (Gouverneurs), or a compound ending in one (Grenzregion)."""
        t = token.lower()
        if any(t.removesuffix(end) in self.german for end in ("", "s", "es", "n", "en", "e", "er", "ern")):
            return True
        return any(t[i:] in self.german for i in range(3, len(t) - 4))


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
def load_lexicon(paths: str) -> Lexicon | None:
    """The dictionaries named in ``paths`` (comma-separated; the first has priority), or None when none is
    installed. A dictd dictionary is named by its base (``.index`` and ``.dict.dz`` beside it)."""
    table: dict[str, tuple[str, ...]] = {}
    for base in filter(None, (p.strip() for p in paths.split(","))):
        for head, found in _load_one(base).items():
            table[head] = tuple(dict.fromkeys((*table.get(head, ()), *found)))[:MAX_MERGED]
    return Lexicon(table) if table else None


def _load_one(base: str) -> dict[str, tuple[str, ...]]:
    index, data = Path(base + ".index"), Path(base + ".dict.dz")
    if index.is_file() and data.is_file():
        source, parse = index, lambda: _parse(index, data)
    elif Path(base).is_file():
        source, parse = Path(base), lambda: _parse_ding(Path(base))
    else:
        return {}
    stamp = f"{source.resolve()}:{source.stat().st_size}:{source.stat().st_mtime_ns}:{MAX_SENSES}:{MAX_WORDS}:{_HEADWORD.pattern}{_BRACKETS.pattern}"
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "rag" / (
        "lexicon-" + hashlib.sha1(stamp.encode()).hexdigest()[:12] + ".pkl")
    if cache.is_file():
        try:
            return pickle.loads(cache.read_bytes())
        except (OSError, pickle.UnpicklingError, EOFError):
            pass
    table = parse()
    try:
        cache.parent.mkdir(parents=True, exist_ok=True)
        tmp = cache.with_suffix(f".{os.getpid()}.tmp")
        tmp.write_bytes(pickle.dumps(table, protocol=pickle.HIGHEST_PROTOCOL))
        tmp.replace(cache)
    except OSError:
        pass  # a read-only home still gets the parsed table, just not the cache
    return table


def _parse(index: Path, data: Path) -> dict[str, tuple[str, ...]]:
    blob = gzip.open(data).read()
    table: dict[str, list[str]] = {}
    senses: dict[str, int] = {}
    for line in index.read_text(encoding="utf-8").splitlines():
        parts = line.split("\t")
        if len(parts) != 3 or not _HEADWORD.match(parts[0]) or senses.get(parts[0], 0) >= MAX_SENSES:
            continue
        head = parts[0]
        senses[head] = senses.get(head, 0) + 1
        entry = blob[_b64(parts[1]):_b64(parts[1]) + _b64(parts[2])].decode("utf-8", "replace").splitlines()
        words = table.setdefault(head, [])
        for body in entry[1:]:
            if not body.strip() or body.startswith((" ", "\t")):
                break  # examples, notes and cross references follow the translations
            for item in _BRACKETS.sub(" ", body).replace(";", ",").split(","):
                item = item.strip()
                if _GERMAN_WORD.match(item) and item not in words and len(words) < MAX_WORDS:
                    words.append(item)
    return {k: tuple(v) for k, v in table.items() if v}


def _parse_ding(path: Path) -> dict[str, tuple[str, ...]]:
    """Ding lines: ``German forms | inflections :: English forms | inflections``; ``;`` separates synonyms.
    A translation whose entry names the English word first, among few synonyms, comes before the others."""
    ranked: dict[str, list[tuple[int, int, str]]] = {}
    n = 0
    for line in path.read_text(encoding="utf-8", errors="replace").splitlines():
        german, sep, english = line.partition(" :: ")
        if not sep or line.startswith("#"):
            continue
        de_parts, en_parts = german.split(" | "), english.split(" | ")
        if len(de_parts) != len(en_parts):
            de_parts, en_parts = de_parts[:1], en_parts[:1]
        for de, en in zip(de_parts, en_parts):
            targets = [w for w in (_DING_NOISE.sub(" ", _BRACKETS.sub(" ", x)).strip() for x in de.split(";"))
                       if _GERMAN_WORD.match(w)]
            heads = [h for h in (" ".join(_DING_NOISE.sub(" ", _BRACKETS.sub(" ", x)).lower().split())
                                 for x in en.split(";")) if _HEADWORD.match(h)]
            for pos, head in enumerate(heads):
                for w in targets:
                    n += 1
                    ranked.setdefault(head, []).append((pos, len(heads), n, w))
    table = {}
    for head, items in ranked.items():
        words = list(dict.fromkeys(item[-1] for item in sorted(items)))
        table[head] = tuple(words[:MAX_WORDS])
    return table


def _b64(s: str) -> int:
    n = 0
    for c in s:
        n = n * 64 + _B64[c]
    return n
