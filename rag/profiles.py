"""Language profiles: everything the pipeline knows about a language, in one place.

A profile holds the stop words and Snowball stemmer (bm25s's lists, PyStemmer), the NLTK Punkt model
that splits its sentences, the name of its FreeDict dictionaries (``rag.bilingual``), and the wording of
the answers the library writes itself. Languages without a profile get ``NEUTRAL``: no stop words, no
stemming, no dictionary, a punctuation splitter; the multilingual vectors still work for them. ``detect`` picks the profile of a text with py3langid,
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
    weekdays: tuple[str, ...] = ()  # Monday..Sunday, for placing "on Wednesday" by the article's date
    pronouns: tuple[str, ...] = ()  # words near a sentence's start that point back to an earlier sentence
    dictionary: str | None = None  # ISO 639-2 code naming its FreeDict dictionaries (``rag.bilingual``)
    nouns_capitalised: bool | None = None  # German writes every noun capitalised; None: measure it on the text
    joiners: tuple[str, ...] = ()  # short words inside one answer: lists, ranges, name particles ("and", "bis", "de")
    ask_number: tuple[str, ...] = ()  # question words asking for a quantity or a time ("how many", "when")
    ask_name: tuple[str, ...] = ()  # question words asking for a name ("who", "where", "which")
    # the answer's wording around the quotes; a language without a profile gets the English defaults
    language_names: tuple[tuple[str, str], ...] = ()  # code -> the name as it fits into ``quoted_from``
    quoted_from: str = "quoted from the {language} article"
    quoted_from_other: str = "quoted from an article in another language ({code})"
    weak_match: str = "Weak match: check the sources."
    not_found: str = "Not in the articles"  # the badge over an answer that abstained
    no_source: str = "no source"

    def quoted(self, code: str) -> str:
        """The label of a quote in language ``code``, e.g. "quoted from the German article"."""
        names = dict(self.language_names or _ENGLISH_NAMES)
        return self.quoted_from.format(language=names[code]) if code in names else \
            self.quoted_from_other.format(code=code or "?")

    @property
    def stopwords(self) -> frozenset[str]:
        return _stopwords(self.stopword_list, self.question_words)

    def stem(self, words: list[str]) -> list[str]:
        if not self.stemmer:
            return words
        with _STEM_LOCK:  # a PyStemmer object must not be called from two threads at once (the chat answers several)
            return _stemmer(self.stemmer).stemWords(words)


_ENGLISH_NAMES = (("de", "German"), ("en", "English"), ("es", "Spanish"), ("fr", "French"), ("it", "Italian"),
                  ("nl", "Dutch"), ("pl", "Polish"), ("pt", "Portuguese"), ("ru", "Russian"), ("uk", "Ukrainian"),
                  ("zh", "Chinese"), ("ja", "Japanese"), ("ko", "Korean"), ("ar", "Arabic"), ("tr", "Turkish"))

PROFILES = {
    "de": Profile("de", "german", "STOPWORDS_GERMAN", "german", "Die Artikel beantworten diese Frage nicht.",
                  ("wer", "wen", "wem", "wessen", "was", "wann", "wo", "wohin", "woher", "warum", "wieso", "weshalb",
                   "welche", "welcher", "welches", "welchen", "welchem", "wie", "viele", "vielen"),
                  ("januar", "februar", "märz", "april", "mai", "juni", "juli", "august", "september", "oktober",
                   "november", "dezember"),
                  ("bild", "foto", "fotos", "quelle"),
                  ("schreibe einen kommentar", "schreiben sie einen kommentar", "kommentar schreiben", "kommentare",
                   "kommentar", "teilen", "mehr zum thema", "anzeige", "werbung"),
                  ("datum", "veröffentlicht", "aktualisiert", "stand"), ("uhr", "um"),
                  dictionary="deu", nouns_capitalised=True,
                  joiners=("und", "oder", "bis", "von"),
                  ask_number=("wie viele", "wie viel", "wie lange", "wie alt", "wie hoch", "wie groß", "wie weit", "wie schnell",
                              "wie oft", "wie schwer", "wie tief", "wie breit", "wann",
                              "welchem jahr", "welches jahr", "welchen jahren", "welchem tag", "welchen tag", "welchem monat",
                              "welchen monat", "welchem datum", "welches datum", "welcher uhrzeit", "welche uhrzeit"),
                  ask_name=("wer", "wen", "wem", "wessen", "wo", "wohin", "woher", "welche", "welcher", "welches",
                            "welchen", "welchem"),
                  weekdays=("montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag"),
                  pronouns=("er", "sie", "es", "ihm", "ihn", "ihr", "ihnen", "dieser", "diese", "dieses", "dort",
                            "damals", "dabei", "daraufhin", "deshalb", "deswegen"),
                  language_names=(("de", "deutschen"), ("en", "englischen"), ("es", "spanischen"),
                                  ("fr", "französischen"), ("it", "italienischen"), ("ru", "russischen")),
                  quoted_from="zitiert aus dem {language} Artikel",
                  quoted_from_other="zitiert aus einem Artikel in einer anderen Sprache ({code})",
                  weak_match="Unsichere Antwort: bitte die Quellen prüfen.", no_source="ohne Quelle",
                  not_found="Nicht in den Artikeln"),
    "en": Profile("en", "english", "STOPWORDS_EN", "english", "The articles don't answer this question.",
                  ("who", "whom", "whose", "what", "when", "where", "why", "which", "how", "many", "much", "did",
                   "does", "do"),
                  ("january", "february", "march", "april", "may", "june", "july", "august", "september", "october",
                   "november", "december"),
                  ("photo", "photos", "image", "picture", "credit", "source"),
                  ("leave a comment", "leave a reply", "comments", "share", "share this", "advertisement",
                   "related articles", "read more"),
                  ("date", "published", "updated"), ("am", "pm", "at"),
                  dictionary="eng", nouns_capitalised=False,
                  joiners=("and", "or", "to", "of"),
                  ask_number=("how many", "how much", "how long", "how old", "how far", "how high", "how large", "how fast",
                              "how big", "how tall", "how often", "how heavy", "how deep", "how wide", "when",
                              "what year", "which year", "what date", "which date", "what percentage", "which day", "what day", "which month",
                              "what month", "what time"),
                  ask_name=("who", "whom", "whose", "where", "which"),
                  weekdays=("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"),
                  pronouns=("he", "she", "it", "they", "him", "her", "them", "his", "its", "their", "this", "these",
                            "there", "then"),
                  language_names=_ENGLISH_NAMES),
    "es": Profile("es", "spanish", "STOPWORDS_SPANISH", "spanish", "Los artículos no responden a esta pregunta.",
                  ("quién", "quiénes", "qué", "cuándo", "dónde", "cuál", "cuáles", "cómo", "cuánto", "cuántos",
                   "cuántas", "por"),
                  ("enero", "febrero", "marzo", "abril", "mayo", "junio", "julio", "agosto", "septiembre", "octubre",
                   "noviembre", "diciembre"),
                  ("foto", "fotos", "imagen", "fuente"),
                  ("deja un comentario", "comentarios", "compartir", "publicidad", "te puede interesar"),
                  ("fecha", "publicado", "actualizado"), ("h", "horas", "a", "las"),
                  dictionary="spa", nouns_capitalised=False,
                  joiners=("y", "e", "o", "u", "a", "de", "del"),
                  ask_number=("cuántos", "cuántas", "cuánto", "cuánta", "cuándo", "qué año", "qué fecha", "qué día",
                              "qué mes", "qué hora"),
                  ask_name=("quién", "quiénes", "dónde", "cuál", "cuáles"),
                  weekdays=("lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo"),
                  pronouns=("él", "ella", "ellos", "ellas", "este", "esta", "estos", "estas",
                            "allí", "allá", "ahí"),
                  language_names=(("de", "alemán"), ("en", "inglés"), ("es", "español"), ("fr", "francés"),
                                  ("it", "italiano"), ("ru", "ruso")),
                  quoted_from="citado del artículo en {language}",
                  quoted_from_other="citado de un artículo en otro idioma ({code})",
                  weak_match="Coincidencia débil: compruebe las fuentes.", no_source="sin fuente",
                  not_found="No está en los artículos"),
    "fr": Profile("fr", "french", "STOPWORDS_FRENCH", "french", "Les articles ne répondent pas à cette question.",
                  ("qui", "que", "quoi", "quand", "où", "quel", "quelle", "quels", "quelles", "comment", "combien",
                   "pourquoi"),
                  ("janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre", "octobre",
                   "novembre", "décembre"),
                  ("photo", "photos", "image", "crédit", "source"),
                  ("laisser un commentaire", "commentaires", "partager", "publicité", "lire aussi"),
                  ("date", "publié", "mis à jour"), ("h", "heures", "à"),
                  dictionary="fra", nouns_capitalised=False,
                  joiners=("et", "ou", "à", "de", "du", "des"),
                  ask_number=("combien", "quand", "quelle année", "quelle date", "quel jour", "quel mois", "quelle heure"),
                  ask_name=("qui", "où", "quel", "quelle", "quels", "quelles"),
                  weekdays=("lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche"),
                  pronouns=("il", "elle", "ils", "elles", "lui", "leur", "celui", "celle", "ceux", "celles", "y"),
                  language_names=(("de", "allemand"), ("en", "anglais"), ("es", "espagnol"), ("fr", "français"),
                                  ("it", "italien"), ("ru", "russe")),
                  quoted_from="cité de l'article en {language}",
                  quoted_from_other="cité d'un article dans une autre langue ({code})",
                  weak_match="Correspondance faible : vérifiez les sources.", no_source="sans source",
                  not_found="Pas dans les articles"),
}
NEUTRAL = Profile("", None, None, None, "The articles don't answer this question.")


def profile(code: str | None) -> Profile:
    """The profile of a language code; ``NEUTRAL`` for one without a profile."""
    return PROFILES.get(code or "", NEUTRAL)


@lru_cache(maxsize=None)
def every_profile(field: str) -> frozenset[str]:
    """The words one field holds in any profile: for text whose language is not known yet."""
    return frozenset(w for p in PROFILES.values() for w in getattr(p, field))


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


def warm_up() -> None:
    """Load the language identifier's model now (half a second), not on the first question."""
    _identifier()


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
