"""Language profiles: everything the pipeline knows about a language, in one place.

A profile holds the stop words and Snowball stemmer (bm25s's lists, PyStemmer), the NLTK Punkt model
that splits its sentences, and the wording of the answers the library writes itself. Languages without
a profile get ``NEUTRAL``: no stop words, no stemming, a punctuation splitter; the multilingual vectors
still work for them. ``detect`` picks the profile of a text with py3langid,
whose model ships inside its package.
"""

from __future__ import annotations

import re
import threading
from dataclasses import dataclass
from functools import lru_cache

_STEM_LOCK = threading.Lock()


@dataclass(frozen=True)
class Profile:
    code: str  # ISO 639-1, or "" for the neutral profile
    stemmer: str | None  # PyStemmer algorithm
    stopword_list: str | None  # name of the list in bm25s.stopwords
    punkt: str | None  # NLTK Punkt model
    no_answer: str  # the articles do not answer the question
    question_words: tuple[str, ...] = ()  # interrogatives, missing from some stop-word lists
    months: tuple[str, ...] = ()  # January..December, for reading dates
    credits: tuple[str, ...] = ()  # words that open a photo credit ("Bild AFP", "Photo: Reuters")
    boilerplate: tuple[str, ...] = ()  # whole lines that are page furniture (comment prompts, share buttons)
    date_labels: tuple[str, ...] = ()  # words that label an article's date line ("Datum:", "Published")
    time_words: tuple[str, ...] = ()  # words of a clock time that may follow a date ("Uhr", "pm")

    @property
    def stopwords(self) -> frozenset[str]:
        return _stopwords(self.stopword_list, self.question_words)

    def stem(self, words: list[str]) -> list[str]:
        if not self.stemmer:
            return words
        with _STEM_LOCK:  # a PyStemmer object must not be called from two threads at once (the chat answers several)
            return _stemmer(self.stemmer).stemWords(words)


PROFILES = {
    "de": Profile("de", "german", "STOPWORDS_GERMAN", "german", "Die Artikel beantworten diese Frage nicht.",
                  ("wer", "wen", "wem", "wessen", "was", "wann", "wo", "wohin", "woher", "warum", "wieso", "weshalb",
                   "welche", "welcher", "welches", "welchen", "welchem", "wie", "viele", "vielen"),
                  ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
                   "november", "dezember"),
                  ("bild", "foto", "fotos", "quelle"),
                  ("schreibe einen kommentar", "schreiben sie einen kommentar", "kommentar schreiben", "kommentare",
                   "kommentar", "teilen", "mehr zum thema", "anzeige", "werbung"),
                  ("datum", "veröffentlicht", "aktualisiert", "stand"), ("uhr", "um")),
    "en": Profile("en", "english", "STOPWORDS_EN", "english", "The articles don't answer this question.",
                  ("who", "whom", "whose", "what", "when", "where", "why", "which", "how", "many", "much", "did",
                   "does", "do"),
                  ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                   "november", "december"),
                  ("photo", "photos", "image", "picture", "credit", "source"),
                  ("leave a comment", "leave a reply", "comments", "share", "share this", "advertisement",
                   "related articles", "read more"),
                  ("date", "published", "updated"), ("am", "pm", "at")),
    "es": Profile("es", "spanish", "STOPWORDS_SPANISH", "spanish", "Los artículos no responden a esta pregunta.",
                  ("quién", "quiénes", "qué", "cuándo", "dónde", "cuál", "cuáles", "cómo", "cuánto", "cuántos",
                   "cuántas", "por"),
                  ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                   "noviembre", "diciembre"),
                  ("foto", "fotos", "imagen", "fuente"),
                  ("deja un comentario", "comentarios", "compartir", "publicidad", "te puede interesar"),
                  ("fecha", "publicado", "actualizado"), ("h", "horas", "a", "las")),
    "fr": Profile("fr", "french", "STOPWORDS_FRENCH", "french", "Les articles ne répondent pas à cette question.",
                  ("qui", "que", "quoi", "quand", "où", "quel", "quelle", "quels", "quelles", "comment", "combien",
                   "pourquoi"),
                  ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                   "novembre", "décembre"),
                  ("photo", "photos", "image", "crédit", "source"),
                  ("laisser un commentaire", "commentaires", "partager", "publicité", "lire aussi"),
                  ("date", "publié", "mis à jour"), ("h", "heures", "à")),
}
NEUTRAL = Profile("", None, None, None, "The articles don't answer this question.")


def profile(code: str | None) -> Profile:
    """The profile of a language code; ``NEUTRAL`` for one without a profile."""
    return PROFILES.get(code or "", NEUTRAL)


def detect(text: str) -> str:
    """The language code of ``text`` (py3langid), or "" when the text is too short to tell. A short question
    spreads its probability over related languages ("What did the minister say?" may rank Indonesian just above English), so
    a profile language at least half as likely as the top one wins over a language without a profile."""
    if len(re.findall(r"\w+", text)) < 2:
        return ""
    ranked = _identifier().rank(text[:5000])
    top, p_top = ranked[0]
    if top in PROFILES:
        return top
    return next((code for code, p in ranked if code in PROFILES and p >= p_top / 2), top)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import _load_identifier

    return _load_identifier(norm_probs=True)


@lru_cache(maxsize=None)
def _stemmer(name: str):
    import Stemmer

    return Stemmer.Stemmer(name)


@lru_cache(maxsize=None)
def _stopwords(name: str | None, extra: tuple[str, ...]) -> frozenset[str]:
    if not name:
        return frozenset(extra)
    from bm25s import stopwords

    return frozenset(getattr(stopwords, name)) | frozenset(extra)
