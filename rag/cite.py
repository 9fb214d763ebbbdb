"""Citations: the exact quoted span in its file, and wire copy (the same sentence in several articles)."""

from __future__ import annotations

import re

from .types import Chunk, Citation, Passage

_QUOTES = str.maketrans({"„": '"', "“": '"', "”": '"', "«": '"', "»": '"', "‚": "'", "‘": "'", "’": "'"})


def normalize(sentence: str) -> str:
    """Comparable form of a sentence: quotes unified, spacing and case ignored."""
    return " ".join(sentence.translate(_QUOTES).split()).casefold()


class WireCopy:
    """Which articles carry each sentence, so a repeated sentence is cited once and the others named."""

    def __init__(self, chunks: list[Chunk]) -> None:
        self.sources: dict[str, set[str]] = {}
        for c in chunks:
            for text in c.sentence_texts:
                if len(text) >= 40:  # short lines (headings, "Alliierte") repeat by chance
                    self.sources.setdefault(normalize(text), set()).add(c.source)

    def also_in(self, sentence: str, source: str) -> tuple[str, ...]:
        return tuple(sorted(self.sources.get(normalize(sentence), set()) - {source}))


def citation(marker: int, passage: Passage, sentence_index: int | None, wire: WireCopy | None = None) -> Citation:
    """A citation of one sentence of a passage (or of the whole passage when no sentence is known)."""
    c = passage.chunk
    if sentence_index is None:
        quote, (start, end) = c.text, (c.start, c.end)
    else:
        quote, (start, end) = c.sentence_texts[sentence_index], c.sentences[sentence_index]
    return Citation(marker=marker, source=c.source, title=c.title, date=c.date, passage=c.text, quote=quote,
                    start=start, end=end, chunk_id=c.id, also_in=wire.also_in(quote, c.source) if wire else ())


def locate(quote: str, chunk: Chunk) -> tuple[int, int] | None:
    """File offsets of ``quote`` inside one of the chunk's sentences, tolerant of spacing and quote marks."""
    target = normalize(quote)
    if not target:
        return None
    for (start, _end), text in zip(chunk.sentences, chunk.sentence_texts):
        flat = text.translate(_QUOTES).casefold()
        pattern = r"\s+".join(map(re.escape, target.split()))
        if m := re.search(pattern, flat):
            return start + m.start(), start + m.end()
    return None
