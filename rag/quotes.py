"""What a quote needs to be read alone: the sentence before it, when it opens by pointing back.

A sentence quoted out of its article may open with "Er", "He", "Dort" or "Am Mittwoch traf er": the reader
cannot tell who or where. ``with_antecedents`` gives such a citation the article's preceding sentence as
``context`` (shown before the quote, never part of it, so the quote's offsets stay exact). A pointing word
is one of the quote's language profile's ``pronouns`` among its first four words; the preceding sentence
comes from the retrieved passages, else from ``sentences_of(source)`` (the indexed article, file offsets).
Leaves out: resolving the pronoun to a name, which needs a model.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable, Sequence

from .profiles import profile
from .types import Citation, Passage

OPENING_WORDS = 4  # German puts the subject after the verb: "Am Mittwoch traf er ..."

Sentences = Sequence[tuple[int, int, str]]  # (start, end, text) in file offsets, in article order


def points_back(quote: str, language: str) -> bool:
    """Whether ``quote`` opens with one of its language's pointing words (a pronoun, "there", "then")."""
    pronouns = profile(language).pronouns
    words = [w.casefold() for w in re.findall(r"\w+", quote)[:OPENING_WORDS]]
    return bool(pronouns) and any(w in pronouns for w in words)


def with_antecedents(citations: list[Citation], passages: list[Passage],
                     sentences_of: Callable[[str], Sentences] | None = None) -> list[Citation]:
    """The citations, each one that points back given the sentence before it as ``context`` (unless that
    sentence is quoted too)."""
    quoted = {(c.source, c.start) for c in citations}
    out = []
    for c in citations:
        if c.context or not points_back(c.quote, c.language):
            out.append(c)
            continue
        before = _before(c, passages, sentences_of)
        if before and (c.source, before[0]) not in quoted:
            c = dataclasses.replace(c, context=before[1])
        out.append(c)
    return out


def _before(c: Citation, passages: list[Passage],
            sentences_of: Callable[[str], Sentences] | None) -> tuple[int, str] | None:
    """(start, text) of the sentence just before the quote in its article."""
    for p in passages:
        ch = p.chunk
        if ch.source != c.source:
            continue
        for i, (start, _end) in enumerate(ch.sentences):
            if start <= c.start < ch.sentences[i][1] and i > 0:
                return ch.sentences[i - 1][0], ch.sentence_texts[i - 1]
    if sentences_of is None:
        return None
    try:
        sentences = list(sentences_of(c.source))
    except Exception:  # noqa: BLE001 - an article gone from the index meanwhile: no context, still an answer
        return None
    for i, (start, end, _text) in enumerate(sentences):
        if start <= c.start < end and i > 0:
            return sentences[i - 1][0], sentences[i - 1][2]
    return None
