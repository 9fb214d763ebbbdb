"""Lexical matching: BM25 (bm25s) over stemmed words, each text stemmed by the profile of its language.

A chunk is tokenized with its article's profile. A question is tokenized once per language of the
corpus, with that language's stemmer less the question language's stop words; for passages in the question's
language its words meet by stem. Accents are
kept for stemming and stripped afterwards, so "Müller" meets "Muller". Across languages a question's words
meet the articles' through their dictionary translations (``rag.bilingual``), where a dictionary of the pair
is installed; a word's translations count as alternatives of one another. Spelling rules are left out: dense
retrieval carries meaning across languages.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .bilingual import by_stem, translations
from .profiles import PROFILES, Profile, profile
from .text import plain, words


def _forms(word: str, prof: Profile) -> list[str]:
    low = word.lower()
    parts = [low] if not re.search(r"[-'’.]", low) else [re.sub(r"[-'’.]", "", low), *re.split(r"[-'’.]", low)]
    parts = [p for p in parts if p and (len(p) > 1 or p.isdigit())]
    return [plain(t) for t in prof.stem(parts)]


def tokens(text: str, prof: Profile) -> list[str]:
    """Stemmed content tokens of ``text`` under ``prof``; a hyphenated word also counts by its parts."""
    return [t for w in words(text) if w.lower() not in prof.stopwords for t in _forms(w, prof)]


def _translated(words_: list[str], asked: Profile, target: Profile) -> dict[str, tuple[str, ...]]:
    """Each word that the pair's dictionary knows (as written, or by its stem: "cities" finds "city") -> the
    tokens of its translations."""
    if not (asked.dictionary and target.dictionary):
        return {}
    table = translations(asked.dictionary, target.dictionary)
    stemmed = by_stem(asked.dictionary, target.dictionary, asked.stem)
    out = {}
    for w in words_:
        found = table.get(w) or stemmed.get(asked.stem([w])[0], ())
        if toks := tuple(dict.fromkeys(t for tr in found for t in tokens(tr, target))):
            out[w] = toks
    return out


@dataclass(frozen=True)
class QueryTerms:
    """Each content word of a question -> its tokens under every corpus language's profile; and, per corpus
    language other than the question's, each word -> the tokens of its dictionary translations."""

    forms: dict[str, tuple[str, ...]]
    bridged: dict[str, dict[str, tuple[str, ...]]] = field(default_factory=dict)

    @property
    def all(self) -> set[str]:
        return {t for ts in self.forms.values() for t in ts}

    def alternatives(self, word: str, language: str | None = None) -> tuple[str, ...]:
        """The word's own tokens and those of its translations (into ``language``, or into every language)."""
        bridges = [self.bridged.get(language, {})] if language is not None else list(self.bridged.values())
        return tuple(dict.fromkeys((*self.forms[word], *(t for b in bridges for t in b.get(word, ())))))


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

    def prepare(self) -> None:
        """Read the dictionaries from every profile language into the corpus's languages now (a first read
        parses each for seconds, later ones load its cache), so that no question waits for it."""
        for code in self.languages:
            for asked in PROFILES.values():
                if asked.code != code and asked.dictionary and profile(code).dictionary:
                    by_stem(asked.dictionary, profile(code).dictionary, asked.stem)

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
        own: dict[str, tuple[str, ...]] = {}
        for w in words(question):
            low = w.lower()
            if low not in asked.stopwords and low not in own:
                own[low] = tuple(dict.fromkeys(f for code in self.languages if low not in profile(code).stopwords
                                               for f in _forms(w, profile(code))))
        # a word may be a stop word of the articles' language and still translate ("war" -> "Krieg")
        bridged = {code: found for code in self.languages if code != language
                   and (found := _translated(list(own), asked, profile(code)))}
        out = {w: forms for w, forms in own.items() if forms or any(w in b for b in bridged.values())}
        return QueryTerms(out, bridged)

    def weight(self, forms: tuple[str, ...]) -> float:
        """A word's weight: the idf of its rarest form that the articles use; the most for an absent word."""
        present = [self.idf(f) for f in forms if self.doc_freq(f)]
        return max(present) if present else self.idf("")

    def bridged_scores(self, terms: QueryTerms, language: str) -> np.ndarray | None:
        """BM25 of each chunk for the question's words translated into ``language``: per word, the best of
        its translations (they are alternatives, not a conjunction), summed over words. None without a
        dictionary for the pair."""
        found = terms.bridged.get(language)
        if not found or not self.n:
            return None
        data, indices, indptr = (self.bm25.scores[k] for k in ("data", "indices", "indptr"))
        total = np.zeros(self.n)
        for stems in found.values():  # per word: only the postings of its translations are read
            best = np.zeros(self.n)
            for t in stems:
                if (i := self.bm25.vocab_dict.get(t)) is not None:
                    rows = np.asarray(indices[indptr[i]:indptr[i + 1]])
                    best[rows] = np.maximum(best[rows], data[indptr[i]:indptr[i + 1]])
            total += best
        return total

    def scores(self, terms: QueryTerms) -> np.ndarray:
        """BM25 score of each chunk, in index order."""
        if not self.n:
            return np.zeros(0)
        ids = [i for t in sorted(terms.all) if (i := self.bm25.vocab_dict.get(t)) is not None]
        return np.asarray(self.bm25.get_scores_from_ids(ids), dtype=float) if ids else np.zeros(self.n)

    def absent_share(self, terms: QueryTerms) -> float:
        """The weighted share of the question's words that no article uses in any form: a question about
        what the articles never mention (a mountain, a sports result)."""
        alts = [terms.alternatives(w) for w in terms.forms]
        total = sum(self.weight(f) for f in alts)
        absent = sum(self.weight(f) for f in alts if not any(self.doc_freq(t) for t in f))
        return absent / total if total else 0.0

    def coverage(self, terms: QueryTerms, text: str, language: str) -> float:
        """The weighted share of the question's words that ``text`` holds in some form or translation."""
        have = set(tokens(text, profile(language)))
        alts = [terms.alternatives(w, language) for w in terms.forms]
        total = sum(self.weight(f) for f in alts)
        got = sum(self.weight(f) for f in alts if have.intersection(f))
        return got / total if total else 0.0
