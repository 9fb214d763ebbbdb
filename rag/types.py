"""Typed records that cross stage boundaries: articles, chunks, passages, citations, answers."""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property


@dataclass(frozen=True)
class Article:
    """A cleaned article. ``text`` is the cleaned text; ``segments`` map it back to the source file.

    Each segment is ``(clean_start, source_start, length)``: a run of cleaned text copied verbatim
    from the file, so any cleaned offset maps to an exact file offset.
    """

    source: str
    path: str
    title: str
    date: str | None
    text: str
    segments: tuple[tuple[int, int, int], ...]
    content_hash: str
    language: str = ""  # ISO 639-1 code, "" when unknown (see ``profiles``)
    outlet: str = ""  # the publication (an HTML page's site name), "" when unknown
    author: str = ""  # the byline, "" when unknown

    @cached_property
    def _starts(self) -> list[int]:
        return [s[0] for s in self.segments]

    def to_source(self, offset: int) -> int:
        """File offset of cleaned-text offset ``offset`` (an end offset maps to the end of its run)."""
        i = max(bisect.bisect_right(self._starts, offset) - 1, 0)
        clean_start, source_start, length = self.segments[i]
        return source_start + min(offset - clean_start, length)


@dataclass(frozen=True)
class Chunk:
    """A retrievable unit: whole sentences, with file offsets for the chunk and each sentence."""

    id: str
    source: str
    title: str
    date: str | None
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # file offsets of each sentence
    sentence_texts: tuple[str, ...]
    n_tokens: int
    language: str = ""
    outlet: str = ""
    author: str = ""


@dataclass(frozen=True)
class ArticleInfo:
    """An indexed article as listed to people: what it is, and how many chunks it has in the index."""

    source: str
    title: str
    date: str | None
    language: str
    chunks: int
    outlet: str = ""
    author: str = ""
    tokens: int = 0  # of all its chunks together


@dataclass(frozen=True)
class ArticleView:
    """An indexed article's sentences in order, each ``(start, end, text)`` in file offsets (as citations)."""

    info: ArticleInfo
    sentences: tuple[tuple[int, int, str], ...]


@dataclass(frozen=True)
class Passage:
    """A chunk as retrieved for one question, with its fused score and per-retriever ranks."""

    chunk: Chunk
    score: float
    rank: int
    dense_rank: int | None = None
    lexical_rank: int | None = None


@dataclass(frozen=True)
class Citation:
    """One ``[n]`` marker: which passage backs the claim and the exact quoted span in the file."""

    marker: int
    source: str
    title: str
    date: str | None
    passage: str
    quote: str
    start: int
    end: int
    chunk_id: str
    also_in: tuple[str, ...] = ()  # other articles that carry the same sentence (wire copy)
    language: str = ""  # the article's language code
    days: tuple[tuple[str, str], ...] = ()  # weekdays the quote names, placed by the article's date: (word, ISO)
    context: str = ""  # the sentence before the quote, when the quote opens by pointing back ("He said ...")


@dataclass
class Answer:
    """What the assistant returns: text with ``[n]`` markers and the citations they point to."""

    question: str
    text: str
    citations: list[Citation]
    abstained: bool
    backend: str
    model: str = ""
    grounded: bool = True
    confidence: float = 0.0
    passages: list[Passage] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)  # stage -> milliseconds
    error: str | None = None
    lead: str = ""  # a short answer before the quotes: the names, numbers or dates they hold (rag/lead.py)
    language: str = ""  # the question's language code: the wording around the quotes follows it
    weak: bool = False  # answered, but with low confidence: the reader should check the sources
