"""Split articles into sentence-aligned chunks sized in cl100k_base tokens, with sentence overlap.

Sentences come from the NLTK Punkt model of the article's language (shipped inside llama-index, so nothing
is downloaded; a language without a profile is split at sentence punctuation), per paragraph, so headings never fuse with the next sentence. A sentence longer than a chunk is cut at
word boundaries. Chunk ids hash the file, the position, the text and the article's title, date and language: an unchanged
chunk keeps its id.
"""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Callable

from .profiles import profile
from .types import Article, Chunk


@lru_cache(maxsize=1)
def token_counter() -> Callable[[str], int]:
    """cl100k_base token counts, from the encoding llama-index ships (no download)."""
    from llama_index.core.utils import get_tokenizer

    encode = get_tokenizer()
    return lambda text: len(encode(text))


@lru_cache(maxsize=None)
def _punkt(language: str):
    from llama_index.core.utils import globals_helper
    from nltk.tokenize.punkt import PunktTokenizer

    globals_helper.wait_for_nltk_check()  # puts llama-index's bundled nltk_cache on nltk's path
    return PunktTokenizer(language)


_END = re.compile(r"[^.!?。！？]+(?:[.!?。！？]+[\"'”»)]*|$)")


def split_sentences(text: str, language: str = "") -> list[tuple[int, int]]:
    """Sentence spans of ``text``, paragraph by paragraph (blank lines end a sentence)."""
    model = profile(language).punkt
    spans: list[tuple[int, int]] = []
    for para in re.finditer(r"[^\n]+(?:\n(?!\s*\n)[^\n]+)*", text):
        found = (_punkt(model).span_tokenize(para.group()) if model else
                 ((m.start() + len(m.group()) - len(m.group().lstrip()), m.end()) for m in _END.finditer(para.group())
                  if m.group().strip()))
        for s, e in found:
            spans.append((para.start() + s, para.start() + e))
    return spans


def chunk_article(article: Article, max_tokens: int = 160, overlap_tokens: int = 40) -> list[Chunk]:
    """Chunks of whole sentences, at most ``max_tokens`` each; each repeats up to ``overlap_tokens`` of the last."""
    count = token_counter()
    units = [(s, e, count(article.text[s:e])) for s, e in _fit(article.text, split_sentences(article.text, article.language),
                                                                    max_tokens)]
    chunks: list[Chunk] = []
    i = 0
    while i < len(units):
        j, total = i, 0
        while j < len(units) and (j == i or total + units[j][2] + 1 <= max_tokens):
            total += units[j][2] + (1 if j > i else 0)
            j += 1
        chunks.append(_make_chunk(article, units[i:j], count))
        if j >= len(units):
            break
        back, carried = j, 0  # start the next chunk with whole trailing sentences of this one
        while back - 1 > i and carried + units[back - 1][2] <= overlap_tokens:
            back -= 1
            carried += units[back][2]
        i = back
    return chunks


def _fit(text: str, spans: list[tuple[int, int]], max_tokens: int) -> list[tuple[int, int]]:
    """Cut any sentence longer than a chunk into word-aligned pieces that fit."""
    count = token_counter()
    out: list[tuple[int, int]] = []
    for s, e in spans:
        if count(text[s:e]) <= max_tokens:
            out.append((s, e))
            continue
        piece_start = s
        for word in re.finditer(r"\S+", text[s:e]):
            w_end = s + word.end()
            if count(text[piece_start:w_end]) > max_tokens and piece_start < s + word.start():
                out.append((piece_start, s + word.start() - 1))
                piece_start = s + word.start()
        out.append((piece_start, e))
    return out


def _make_chunk(article: Article, units: list[tuple[int, int, int]], count: Callable[[str], int]) -> Chunk:
    start, end = units[0][0], units[-1][1]
    text = article.text[start:end]
    src_start, src_end = article.to_source(start), article.to_source(end)
    # what goes into the chunk's vector and metadata: a changed title, date or language makes a new chunk
    key = f"{article.source}\0{src_start}\0{article.title}\0{article.date}\0{article.language}\0{text}"
    digest = hashlib.sha256(key.encode("utf-8")).hexdigest()[:24]
    return Chunk(
        id=digest,
        source=article.source,
        title=article.title,
        date=article.date,
        start=src_start,
        end=src_end,
        text=text,
        sentences=tuple((article.to_source(s), article.to_source(e)) for s, e, _ in units),
        sentence_texts=tuple(article.text[s:e] for s, e, _ in units),
        n_tokens=count(text),
        language=article.language, outlet=article.outlet, author=article.author,
    )
