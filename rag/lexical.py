"""Lexical matching: BM25 (bm25s) over stemmed words, each text stemmed by the profile of its language.

A chunk is tokenized with its article's profile. A question is tokenized once per language of the
corpus, with that language's stemmer less the question language's stop words; retrieval fuses BM25 only for
passages in the question's language, where words meet by stem. Accents are
kept for stemming and stripped afterwards, so "Müller" meets "Muller". It leaves out translation and
spelling rules: dense retrieval carries meaning across languages.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from dataclasses import dataclass

import numpy as np

from .profiles import Profile, profile

_WORD = re.compile(r"\w+(?:[-'’.]\w+)*", re.UNICODE)


def words(text: str) -> list[str]:
    """Words, with hyphenated and dotted ones (F-16, U.S.) kept whole."""
    return _WORD.findall(text)


def _plain(token: str) -> str:
    return "".join(c for c in unicodedata.normalize("NFKD", token) if not unicodedata.combining(c))


def _forms(word: str, prof: Profile) -> list[str]:
    low = word.lower()
    parts = [low] if not re.search(r"[-'’.]", low) else [re.sub(r"[-'’.]", "", low), *re.split(r"[-'’.]", low)]
    parts = [p for p in parts if p and (len(p) > 1 or p.isdigit())]
    return [_plain(t) for t in prof.stem(parts)]


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
    """BM25 over chunk texts; ``languages`` gives each chunk's language code."""

    def __init__(self, texts: list[str], languages: list[str]) -> None:
        import bm25s

        self.languages = sorted(set(languages)) or [""]
        self.doc_tokens = [tokens(t, profile(lang)) for t, lang in zip(texts, languages)]
        self.df = Counter(t for toks in self.doc_tokens for t in set(toks))
        self.n = len(texts)
        self.bm25 = bm25s.BM25()
        if texts:
            self.bm25.index([toks or [""] for toks in self.doc_tokens], show_progress=False)

    def idf(self, token: str) -> float:
        df = self.df.get(token, 0)
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
        present = [self.idf(f) for f in forms if self.df.get(f)]
        return max(present) if present else self.idf("")

    def scores(self, terms: QueryTerms) -> np.ndarray:
        """BM25 score of each chunk, in index order."""
        if not self.n:
            return np.zeros(0)
        ids = self.bm25.get_tokens_ids(sorted(terms.all))
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=float) if ids else np.zeros(self.n)

    def absent_share(self, terms: QueryTerms) -> float:
        """The weighted share of the question's words that no article uses in any form: a question about
        what the articles never mention (a mountain, a sports result)."""
        total = sum(self.weight(f) for f in terms.forms.values())
        absent = sum(self.weight(f) for f in terms.forms.values() if not any(self.df.get(t) for t in f))
        return absent / total if total else 0.0

    def coverage(self, terms: QueryTerms, text: str, language: str) -> float:
        """The weighted share of the question's words that ``text`` holds in some form."""
        have = set(tokens(text, profile(language)))
        total = sum(self.weight(f) for f in terms.forms.values())
        got = sum(self.weight(f) for f in terms.forms.values() if have.intersection(f))
        return got / total if total else 0.0
