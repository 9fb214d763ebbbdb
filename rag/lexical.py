"""Lexical matching: BM25 (bm25s) over stemmed words, each text stemmed by the profile of its language.

A chunk is tokenized with its article's profile. A question is tokenized once per language of the
corpus, with that language's stemmer less the question language's stop words; retrieval fuses BM25 only for
passages in the question's language, where words meet by stem. Accents are
kept for stemming and stripped afterwards, so "Müller" meets "Muller". It leaves out translation and
spelling rules: dense retrieval carries meaning across languages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .profiles import Profile, profile
from .text import plain, words


def _forms(word: str, prof: Profile) -> list[str]:
    low = word.lower()
    parts = [low] if not re.search(r"[-'’.]", low) else [re.sub(r"[-'’.]", "", low), *re.split(r"[-'’.]", low)]
    parts = [p for p in parts if p and (len(p) > 1 or p.isdigit())]
    return [plain(t) for t in prof.stem(parts)]


def tokens(text: str, prof: Profile) -> list[str]:
    """Stemmed content tokens of ``text`` under ``prof``; a hyphenated word also counts by its parts."""
    return [t for w in words(text) if w.lower() not in prof.stopwords for t in _forms(w, prof)]


@dataclass(frozen=True)
class QueryTerms:
    """Each content word of a question -> its tokens under every corpus language's profile."""

    forms: dict[str, tuple[str, ...]]

    @property
    def all(self) -> set[str]:
        return {t for ts in self.forms.values() for t in ts}


class Lexical:
    """BM25 over chunk texts, in catalog order. Built at index time (``build``), saved beside the index and
    memory-mapped at start-up (``load``): nothing corpus-wide happens per question or per start."""

    def __init__(self, bm25, languages: list[str]) -> None:
        self.bm25, self.languages = bm25, sorted(set(languages)) or [""]
        self.n = int(bm25.scores["num_docs"]) if bm25 is not None else 0

    @classmethod
    def build(cls, texts: list[str], languages: list[str]) -> Lexical:
        """``languages`` gives each text's language code; each text is stemmed by its language's profile."""
        import bm25s

        if not texts:
            return cls(None, languages)
        bm25 = bm25s.BM25()
        bm25.index([tokens(t, profile(lang)) or [""] for t, lang in zip(texts, languages)], show_progress=False)
        return cls(bm25, languages)

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / "languages.json").write_text(json.dumps(self.languages))
        if self.bm25 is not None:
            self.bm25.save(str(folder / "bm25"))

    @classmethod
    def load(cls, folder: Path) -> Lexical:
        import bm25s

        languages = json.loads((folder / "languages.json").read_text())
        bm25 = bm25s.BM25.load(str(folder / "bm25"), mmap=True) if (folder / "bm25").is_dir() else None
        return cls(bm25, languages)

    def doc_freq(self, token: str) -> int:
        """How many chunks use ``token``: the length of its column in BM25's sparse matrix."""
        tid = self.bm25.vocab_dict.get(token) if self.bm25 is not None else None
        if tid is None:
            return 0
        indptr = self.bm25.scores["indptr"]
        return int(indptr[tid + 1] - indptr[tid])

    def idf(self, token: str) -> float:
        df = self.doc_freq(token) if token else 0
        return math.log(1 + (self.n - df + 0.5) / (df + 0.5))

    def terms(self, question: str, language: str) -> QueryTerms:
        """The question's content words (its language's stop words left out), each under every corpus
        language's stemmer."""
        asked = profile(language)
        out: dict[str, tuple[str, ...]] = {}
        for w in words(question):
            low = w.lower()
            if low in asked.stopwords or low in out:
                continue
            forms = [f for code in self.languages if low not in profile(code).stopwords
                     for f in _forms(w, profile(code))]
            if forms:
                out[low] = tuple(dict.fromkeys(forms))
        return QueryTerms(out)

    def weight(self, forms: tuple[str, ...]) -> float:
        """A word's weight: the idf of its rarest form that the articles use; the most for an absent word."""
        present = [self.idf(f) for f in forms if self.doc_freq(f)]
        return max(present) if present else self.idf("")

    def scores(self, terms: QueryTerms) -> np.ndarray:
        """BM25 score of each chunk, in index order."""
        if not self.n:
            return np.zeros(0)
        ids = [i for t in sorted(terms.all) if (i := self.bm25.vocab_dict.get(t)) is not None]
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=float) if ids else np.zeros(self.n)

    def absent_share(self, terms: QueryTerms) -> float:
        """The weighted share of the question's words that no article uses in any form: a question about
        what the articles never mention (a mountain, a sports result)."""
        total = sum(self.weight(f) for f in terms.forms.values())
        absent = sum(self.weight(f) for f in terms.forms.values() if not any(self.doc_freq(t) for t in f))
        return absent / total if total else 0.0

    def coverage(self, terms: QueryTerms, text: str, language: str) -> float:
        """The weighted share of the question's words that ``text`` holds in some form."""
        have = set(tokens(text, profile(language)))
        total = sum(self.weight(f) for f in terms.forms.values())
        got = sum(self.weight(f) for f in terms.forms.values() if have.intersection(f))
        return got / total if total else 0.0
