"""Corpora, questions and stand-in vectors for ``evals/bench.py``, from the 10kGNAD test split.

The data is read from ``../shared/data/10kgnad/`` and written only to temporary folders: it is CC BY-NC-SA,
for measuring, never copied into the repository. S = 100 articles, M = all 1,028, L = about 100,000 chunks of
articles recombined from paragraphs of different real articles with a fixed seed.
"""

from __future__ import annotations

import csv
import random
import re
import zlib
from dataclasses import dataclass
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent.parent / "shared" / "data" / "10kgnad" / "test.csv"
SEED = 14
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[\"„»(]?[A-ZÄÖÜ0-9])")


@dataclass(frozen=True)
class Source:
    """One real article: its teaser (the first sentence) as the title, its body as paragraphs."""

    title: str
    paragraphs: tuple[str, ...]

    def text(self) -> str:
        return "\n\n".join((self.title, *self.paragraphs)) + "\n"


def load_sources(path: Path = DATA) -> list[Source]:
    """The articles of ``label;'text'`` lines; sentences grouped four to a paragraph (the file has none)."""
    with open(path, encoding="utf-8", newline="") as f:
        rows = list(csv.reader(f, delimiter=";", quotechar="'"))
    sources = []
    for _label, text in rows:
        sentences = _SENTENCE_END.split(text.strip())
        title = sentences[0].rstrip(".")  # no final stop: the corpus reader takes the first line as a headline
        body = sentences[1:] or sentences
        sources.append(Source(title, tuple(" ".join(body[i:i + 4]) for i in range(0, len(body), 4))))
    return sources


def write_real(sources: list[Source], n: int | None, folder: Path) -> list[Source]:
    """``n`` articles drawn with the fixed seed (all of them when ``n`` is None), one .txt file each."""
    chosen = sources if n is None else random.Random(SEED).sample(sources, n)
    for i, s in enumerate(chosen):
        (folder / f"a{i:05d}.txt").write_text(s.text(), encoding="utf-8")
    return chosen


def write_recombined(sources: list[Source], chunks: int, chunks_per_char: float, folder: Path) -> int:
    """Articles of four to eight paragraphs from different real articles under a real title, enough for
    about ``chunks`` chunks at ``chunks_per_char``; returns how many were written."""
    rng = random.Random(SEED)
    paragraphs = [(i, p) for i, s in enumerate(sources) for p in s.paragraphs]
    budget, n = chunks / chunks_per_char, 0
    while budget > 0:
        picked: dict[int, str] = {}
        k = rng.randint(4, 8)
        while len(picked) < k:
            i, p = rng.choice(paragraphs)
            picked.setdefault(i, p)
        text = "\n\n".join((rng.choice(sources).title, *picked.values())) + "\n"
        (folder / f"r{n:06d}.txt").write_text(text, encoding="utf-8")
        budget -= len(text)
        n += 1
    return n


def questions(sources: list[Source], n: int) -> list[str]:
    """``n`` distinct questions from the corpus itself: alternately an article's title (while unused ones are
    left) and the longest words of one of its sentences, in their order."""
    rng, out = random.Random(SEED), []
    while len(out) < n:
        s = rng.choice(sources)
        if len(out) % 2 == 0 and s.title + "?" not in out:
            q = s.title + "?"
        else:
            sentence = rng.choice(_SENTENCE_END.split(rng.choice(s.paragraphs)))
            words = re.findall(r"\w[\w-]{3,}", sentence)
            keep = set(sorted(words, key=len, reverse=True)[:7])
            q = " ".join(w for w in words if w in keep) + "?"
        if len(q) > 12 and q not in out:
            out.append(q)
    rng.shuffle(out)  # titles run out first in a small corpus: every slice gets the same mix
    return out


def chunk_texts(corpus_dir: str | Path, chunk_tokens: int, chunk_overlap: int) -> list[str]:
    """The texts of the chunks the project makes of the corpus: what the floor encodes."""
    from rag.chunks import chunk_article
    from rag.corpus import load_corpus

    return [c.text for a in load_corpus(corpus_dir).articles for c in chunk_article(a, chunk_tokens, chunk_overlap)]


class StandInVectors:
    """Deterministic unit vectors standing in for a model's where embedding all of L would take hours: a
    fixed random projection of hashed words, so texts sharing words lie near each other, as with a model."""

    BUCKETS = 1 << 14

    def __init__(self, dim: int) -> None:
        import numpy as np

        self.np = np
        self.table = np.random.default_rng(SEED).standard_normal((self.BUCKETS, dim)).astype(np.float32)

    def __call__(self, texts: list[str]):
        np = self.np
        out = np.zeros((len(texts), self.table.shape[1]), dtype=np.float32)
        for row, text in enumerate(texts):
            ids = [zlib.crc32(w.encode()) % self.BUCKETS for w in re.findall(r"\w+", text.casefold())] or [0]
            out[row] = self.table[ids].sum(axis=0)
        return out / np.linalg.norm(out, axis=1, keepdims=True).clip(1e-6)
