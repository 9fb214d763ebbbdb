"""Cross-lingual lexical matching: character n-grams over a spelling-folded form of the text.

Folding makes German, English and Dutch transliterations of Russian names meet (Schoigu/Shoigu,
Wostotschny/Vostochny/Vostotsjny, Jewmenow/Yevmenov, Kinschal/Kinzhal) and strips umlauts, so that
n-grams shared by cognates (bomber/Bombenflugzeuge, inspect/Inspektion) carry the match. English
question words are also translated to German with the lexicon when one is installed. German words also meet
by their dictionary form (geflogen ~ fliegen), and verbs split around a clause by theirs ("stieß ... an" ~
anstoßen).
"""

from __future__ import annotations

import math
import re
import unicodedata
from functools import lru_cache
from itertools import product

import numpy as np

from .lexicon import ENDINGS, Lexicon

_RULES = [("tsch", "ch"), ("tsj", "ch"), ("sch", "sh"), ("zh", "sh"), ("kh", "ch"), ("ck", "k"), ("ph", "f"),
          ("w", "v"), ("j", "y"), ("z", "s"), ("ß", "ss")]
_WORD = re.compile(r"\w[\w-]*\w|\w", re.UNICODE)


@lru_cache(maxsize=65536)
def fold(text: str) -> str:
    """Lowercase, umlauts and accents stripped, transliteration variants mapped to one spelling."""
    t = text.lower().replace("ß", "ss")
    t = "".join(c for c in unicodedata.normalize("NFKD", t) if not unicodedata.combining(c))
    for a, b in _RULES:
        t = t.replace(a, b)
    return re.sub(r"c(?!h)", "k", t)


@lru_cache(maxsize=1)
def stopwords() -> frozenset[str]:
    """English and German stop words (NLTK's lists, shipped inside llama-index) plus question words."""
    from llama_index.core.utils import globals_helper
    from nltk.corpus import stopwords as sw

    globals_helper.wait_for_nltk_check()
    words = set(sw.words("english")) | set(sw.words("german"))
    words |= {"also", "according", "did", "does", "many", "much", "long", "far", "named", "called", "name",
              "welche", "welcher", "welches", "wie", "viele", "wann", "wo", "wer", "wen", "wem", "was", "warum",
              "wieso", "weshalb", "woher", "wohin", "tell", "say", "said", "says", "article", "articles", "artikel",
              "laut", "u", "un"}
    return frozenset(fold(w) for w in words) | frozenset(words)


_GERMAN_HINTS = frozenset("der die das und ist wer was wie wann wo welche welcher welches welchen welchem hat haben "
                          "mit von den dem des ein eine einen nach auf im zu für warum viele sich nicht wurde wurden "
                          "bei sind war waren wird werden hatte".split())
_ENGLISH_HINTS = frozenset("the and is who what how when where which did does do of with from to for why many was "
                           "were a an in on at by has have had are will would".split())


def is_german(text: str) -> bool:
    """A rough guess from function words, enough to pick the answer language and skip translation."""
    tokens = [w.lower() for w in _WORD.findall(text)]
    german = sum(w in _GERMAN_HINTS for w in tokens)
    english = sum(w in _ENGLISH_HINTS for w in tokens)
    return german > english or (english == 0 and bool(re.search(r"[äöüß]", text.lower())))


def words(text: str) -> list[str]:
    return _WORD.findall(text)


def word_set(text: str) -> set[str]:
    """The folded words of a text, hyphenated ones also by their parts ("US-Außenministeriums": us, ...) and
    written as one word (Kreml-Sprecher meets Kremlsprecher)."""
    out = set()
    for w in words(text):
        f = fold(w)
        out.add(f)
        if "-" in f:
            out.update(p for p in f.split("-") if len(p) > 1)
            out.add(f.replace("-", ""))
    return out


VERB_PARTICLES = ("up", "off", "out", "down", "back", "away")  # not in/on/over: "built in Komsomolsk" is no verb
_PREFIXES = frozenset("anti co de multi non post pre re self semi sub un".split())
_PARTICLES = frozenset("ab an auf aus bei ein fest fort her hin los mit nach statt teil vor weg weiter zu zurück zusammen".split())
_CLAUSE = re.compile(r"[^,;:.!?()–]+")


def _content(translations: tuple[str, ...]) -> tuple[str, ...]:
    """Translations less German function words (lowercase, as they are written: Artikel is a noun)."""
    return tuple(w for w in translations if w not in stopwords())


def separable_verbs(text: str, known: frozenset[str]) -> set[str]:
    """German verbs split around their clause ("stieß er auf seine Gesundheit an" -> anstoßen, "kündigte ...
    an" -> ankündigen), folded, where ``known`` (folded dictionary words) has the joined verb."""
    out = set()
    for clause in _CLAUSE.findall(text):
        tokens = words(clause)
        if len(tokens) < 2 or tokens[-1] not in _PARTICLES:
            continue
        for w in tokens[:-1]:
            if w[:1].islower() and w.lower() not in stopwords() and (joined := fold(tokens[-1] + _lemma_de(w))) in known:
                out.add(joined)
    return out


@lru_cache(maxsize=65536)
def _lemma_de(word: str) -> str:
    import simplemma

    return simplemma.lemmatize(word, lang="de") if word.strip() else ""


def lemma(word: str) -> str:
    """The folded dictionary form of a German word (geflogen -> fliegen, hieß -> heißen), so that inflected
    and irregular forms meet; the folded word itself when simplemma does not know it."""
    return fold(_lemma_de(word))


def content_terms(question: str) -> list[str]:
    """The question's words that carry meaning: stop words dropped, order kept, no repeats."""
    seen: list[str] = []
    for w in words(question):
        if w.lower() not in stopwords() and fold(w) not in stopwords() and w.lower() not in seen:
            seen.append(w.lower())
    return seen


class Lexical:
    """TF-IDF over folded character 3-5-grams (word-bounded), fitted on the indexed chunks."""

    def __init__(self, texts: list[str], lexicon: Lexicon | None = None) -> None:
        from sklearn.feature_extraction.text import TfidfVectorizer

        self.lexicon = lexicon
        self.vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=(3, 5), preprocessor=fold,
                                          sublinear_tf=True, min_df=1, dtype=np.float32)
        self.matrix = self.vectorizer.fit_transform(texts or [""])
        self.n_docs = len(texts)
        self.known = lexicon.folded if lexicon else frozenset()
        joined = [separable_verbs(t, self.known) for t in texts]
        self.doc_words = [word_set(t) | verbs for t, verbs in zip(texts, joined)]
        self.doc_tokens = [[p for w in words(t) for p in fold(w).split("-") if p] for t in texts]
        self.vocabulary = set().union(*self.doc_words) if self.doc_words else set()
        self.by_lemma: dict[str, set[str]] = {}
        for w in {w for t in texts for w in words(t)}:
            folded, base = fold(w), lemma(w)
            if folded not in stopwords() and base not in stopwords():  # hatte is no form of "hold"
                self.by_lemma.setdefault(base, set()).add(folded)
        for verb in set().union(*joined):  # a joined separable verb is its own dictionary form
            self.by_lemma.setdefault(verb, set()).add(verb)
        self._idf: dict[str, float] = {}
        self._seen: dict[tuple[str, ...], frozenset[str]] = {}

    def sentence_words(self, text: str) -> set[str]:
        """``word_set`` plus the separable verbs the text splits ("stieß ... an": anstoßen)."""
        return word_set(text) | separable_verbs(text, self.known)

    def expand(self, question: str) -> dict[str, tuple[str, ...]]:
        """Each content term with the spellings to look for: itself plus its German translations.

        Two adjacent terms that the dictionary knows as one phrase (``fighter jet``, ``north korea``)
        become one term. An English hyphenated word the dictionary lacks counts as its parts
        (munitions-industry: munitions, industry); a name stays whole. Two nouns in a row also look for the
        German compounds of their translations. German function words among the translations are dropped,
        and a word translated mostly by them is one itself (towards) and is left out. German questions are not
        translated."""
        terms = content_terms(question)
        if not self.lexicon or is_german(question):
            return {t: (t,) for t in terms}
        lower = {w for w in words(question) if w.islower()}  # Komsomolsk-on-Amur stays one name
        terms = list(dict.fromkeys(p for t in terms for p in (self.parts(t) if t in lower else [t])))
        out: dict[str, tuple[str, ...]] = {}
        i = 0
        verbs = {t: v for t in terms if (v := self._phrasal(t, question))}
        while i < len(terms):
            if terms[i] in verbs:  # "set off": the verb with its particle, not "train set"
                verb, found = verbs[terms[i]]
                out[verb] = (verb, *_content(found))
                i += 2 if i + 1 < len(terms) and terms[i + 1] == verb.split()[1] else 1  # "turn back": back too
                continue
            pair = f"{terms[i]} {terms[i + 1]}" if i + 1 < len(terms) and terms[i + 1] not in verbs else ""
            if pair and (found := self.lexicon.translate(pair)) and pair.lower() in question.lower():
                out[pair] = tuple(dict.fromkeys((pair, *found, *self.compounds(terms[i], terms[i + 1]))))
                i += 2
                continue
            together = i and f"{terms[i - 1]} {terms[i]}" in question.lower()
            joined = self.compounds(terms[i - 1], terms[i]) if together else ()  # aircraft plant: Flugzeugwerk
            found = self.lexicon.translate(terms[i])
            kept = _content(found)  # near: not bei, which matches everywhere
            if not found or 2 * len(kept) > len(found):  # towards (gegen, gen, nach): a function word itself
                out[terms[i]] = tuple(dict.fromkeys((terms[i], *kept, *joined)))
            i += 1
        return out

    def _phrasal(self, term: str, question: str) -> tuple[str, tuple[str, ...]] | None:
        """The phrasal verb a term opens in the question ("set off", "wrap up") and its translations, when the
        dictionary has it."""
        m = re.search(rf"\b{re.escape(term)} ({'|'.join(VERB_PARTICLES)})\b", question, re.I)
        verb = f"{term} {m.group(1).lower()}" if m else ""
        found = self.lexicon.translate(verb) if verb else ()
        return (verb, found) if found else None

    def compounds(self, first: str, head: str) -> tuple[str, ...]:
        """The German compounds of two English nouns' translations that the articles use (aircraft factory:
        Flugzeugfabrik, where the dictionary only gives Flugzeugwerk)."""
        nouns = [[w for w in self.lexicon.translate(t) if w[:1].isupper()] for t in (first, head)]
        joined = (a + link + b.lower() for a, b, link in product(*nouns, ("", "s", "n", "en")))
        return tuple(c for c in joined if any(fold(c) + e in self.vocabulary for e in ENDINGS))

    def parts(self, term: str) -> list[str]:
        """A hyphenated English word the dictionary lacks as its content parts, else the word itself; a
        prefix (anti-, re-) or a part with digits (Su-35) keeps the word whole."""
        pieces = term.split("-")
        if len(pieces) == 1 or not self.lexicon or self.lexicon.translate(term) or any(
                not p.isalpha() or p in _PREFIXES for p in pieces):
            return [term]
        return [p for p in pieces if len(p) > 1 and p not in stopwords()] or [term]

    def query_text(self, question: str) -> str:
        return " ".join(" ".join(forms) for forms in self.expand(question).values()) or question

    def scores(self, question: str) -> np.ndarray:
        """Cosine similarity of the question to every chunk."""
        if not self.n_docs:
            return np.zeros(0, dtype=np.float32)
        q = self.vectorizer.transform([self.query_text(question)])
        return (self.matrix @ q.T).toarray().ravel()

    def similarity(self, question: str, texts: list[str]) -> np.ndarray:
        """Cosine similarity of the question to arbitrary texts (sentences) in the same n-gram space."""
        if not texts:
            return np.zeros(0, dtype=np.float32)
        q = self.vectorizer.transform([self.query_text(question)])
        return (self.vectorizer.transform(texts) @ q.T).toarray().ravel()

    def idf(self, term: str) -> float:
        """Word-level rarity across chunks; words the corpus never uses get the highest weight."""
        if term not in self._idf:
            self._idf[term] = self._compute_idf(term)
        return self._idf[term]

    def in_corpus(self, forms: tuple[str, ...]) -> bool:
        """Whether any spelling of a term occurs anywhere in the indexed text."""
        return bool(self.matching_words(forms))

    def matching_words(self, forms: tuple[str, ...]) -> frozenset[str]:
        """The corpus words (folded) that a term matches in any spelling; cached, so a sentence check is a set test."""
        if forms not in self._seen:
            german = forms[1:] if len(forms) > 1 else forms  # an English word and its translations: not the word
            inflected = (w for f in german for key in {lemma(f), fold(f)} for w in self.by_lemma.get(key, ()))
            self._seen[forms] = frozenset(w for w in self.vocabulary if term_found(forms, {w})).union(inflected)
        return self._seen[forms]

    def has_phrase(self, tokens: list[str]) -> bool:
        """Whether the words stand in a row somewhere ("Kim Jong Un" in "Kim Jong-un", Sergei/Sergej alike)."""
        first = self.matching_words((tokens[0],))
        rest = [fold(t) for t in tokens[1:]]
        for doc in self.doc_tokens:
            for i, w in enumerate(doc[:len(doc) - len(rest)]):
                if w in first and all(_matches(r, doc[i + 1 + k]) for k, r in enumerate(rest)):
                    return True
        return False

    def _compute_idf(self, term: str) -> float:
        folded = fold(term)
        hits = {w for w in self.vocabulary if _matches(folded, w)} if len(term) > 3 else {folded}
        df = sum(1 for ws in self.doc_words if not ws.isdisjoint(hits))
        return math.log((self.n_docs + 1) / (df + 1)) + 1.0


ENDING = 3  # letters the shorter word may have past a shared stem: an ending, not a new word
COGNATE_ENDING = 4  # ...for an English word meeting German ones (hypersonic ~ Hyperschall)


def _matches(term: str, word: str, english: bool = False) -> bool:
    """Folded term meets folded word: same word, a shared stem of 5+ letters, or a compound containing it. An
    ``english`` term (a cognate of German words) may keep a longer ending but meets no compound's head."""
    if term == word:
        return True
    if term.startswith("ge") and len(term) > 6:  # German participles: gereist ~ reiste
        term = term[2:]
    if len(term) < 4 or len(word) < 4:
        return False
    if (len(term) >= 5 and term in word) or word.endswith(term) or (
            not english and len(word) >= 6 and term.endswith(word)):
        # German compounds end in their head noun, on either side (Kremlsprecher ~ Sprecher; submarine ≁ Marine)
        return True
    n = 0
    for a, b in zip(term, word):
        if a != b:
            break
        n += 1
    shorter = min(len(term), len(word))
    # a stem and an ending, not a stem and another word (interessanten does not meet Interessenvertreter)
    return n >= max(min(5, shorter), 0.6 * shorter) and shorter - n <= (COGNATE_ENDING if english else ENDING)


def term_found(forms: tuple[str, ...], text_words: set[str]) -> bool:
    """Whether any spelling of a term occurs (by ``_matches``) among the folded words of a text.
    A hyphenated term (UN-Resolutionen, anti-submarine) also counts when its last part occurs."""
    for k, f in enumerate(forms):
        folded = fold(f)
        parts = [folded] + ([folded.rsplit("-", 1)[1]] if "-" in folded and len(folded.rsplit("-", 1)[1]) >= 4 else [])
        english = k == 0 and len(forms) > 1  # the English word of its translations
        if any(_matches(p, w, english) for p in parts for w in text_words):
            return True
    return False
