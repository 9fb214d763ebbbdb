"""Text basics every stage shares: words, comparable forms of a sentence, answers without their markers.

The bottom of the library: it imports nothing from ``rag/``, so any module may use it. Language knowledge
(stop words, stemmers, sentence splitters) stays in ``profiles``.
"""

from __future__ import annotations

import re
import unicodedata

_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'"})
_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)
_MARKERS = re.compile(r"\s*\[\d+\]")


def plain_quotes(text: str) -> str:
    """``text`` with typographic quotation marks made plain; one character for one, so offsets hold."""
    return text.translate(_QUOTES)


def one_spaced(text: str) -> str:
    """``text`` with every run of white space (line breaks included) made one space, and trimmed."""
    return " ".join(text.split())


def normalize(sentence: str) -> str:
    """Comparable form of a sentence: quotes unified, spacing and case ignored."""
    return one_spaced(plain_quotes(sentence)).casefold()


def words(text: str) -> list[str]:
    """Words, with hyphenated and dotted ones (F-16, U.S.) kept whole."""
    return _WORD.findall(text)


def plain(token: str) -> str:
    """``token`` without accents ("Müller" -> "Muller")."""
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def without_markers(text: str) -> str:
    """An answer's text without its ``[n]`` citation markers (and the spaces before them)."""
    return _MARKERS.sub("", text)
