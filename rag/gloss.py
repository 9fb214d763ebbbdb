"""A word-by-word English gloss of German text, so that an English-only embedding model can read the articles.

The packaged MiniLM barely understands German: on its own it puts the right passage in its top 5 for
under 40% of English questions here. Embedding a gloss ("Kim surveyed strategic bombs aircraft ...")
instead lifts that to over 80%, because the model's English sense of meaning now applies (wrap up ~
finished, gifts ~ presents). Each German word becomes its likeliest English translation from FreeDict's
German-English dictionary (Debian's ``dict-freedict-deu-eng``): frequent English words first (``wordfreq``),
and words whose own translation back into German (the English-German ``Lexicon``) leads to the German word.
Inflected forms go through their dictionary form, compounds through their parts (Verteidigungsminister:
defense minister); names, numbers and unknown words stay as they are, stop words go. A gloss is no
translation: word order, grammar and idiom are left out, which is fine for a bag-of-meanings embedding.
"""

from __future__ import annotations

import logging
import re
from functools import lru_cache
from pathlib import Path

from .lexicon import _BRACKETS, Lexicon, entries, load_dictd

log = logging.getLogger(__name__)
_HEADWORD = re.compile(r"^[a-zäöüß][a-zäöüß-]{1,40}$")  # one German word, as the index spells it (lowercase)
_ENGLISH = re.compile(r"^[a-zA-Z][a-zA-Z' -]{0,40}$")
_FILLER = {"sth.", "sb.", "sth", "sb", "to", "etw.", "jdn.", "jdm."}
VERSION = 3  # of the parser and word choice: a new one makes the cache and the gloss vectors stale
BACK_MISS = 2.5  # zipf penalty for a translation whose own German translations miss the word
BACK_STEP = 0.25  # ...and per place the word stands down that list


class Glossary:
    def __init__(self, table: dict[str, tuple[str, ...]], lexicon: Lexicon | None = None) -> None:
        self.table, self.lexicon = table, lexicon
        self.word = lru_cache(maxsize=65536)(self._word)

    def gloss(self, text: str) -> str:
        from .lexical import stopwords, words

        stop = stopwords()
        out = []
        for w in words(text):
            if w.lower() not in stop:
                out.append(w if w[:1].isdigit() else self.word(w) or w)
        return " ".join(out)

    def _word(self, word: str) -> str | None:
        """The English for one German word, or None (a name, a number, a word the dictionary lacks)."""
        low = word.lower()
        found = self._best(low) or self._best(_lemma(word))
        if found or len(low) < 8:
            return found
        for i in range(4, len(low) - 3):  # a compound: its head, and its first part when the dictionary has it
            head = self._best(low[i:]) or self._best(_lemma(low[i:].capitalize()))
            if head:
                first = next((f for f in (self._best(low[:i]), self._best(low[:i - 1])) if f), None)
                return f"{first} {head}" if first else head
        return None

    def _best(self, german: str) -> str | None:
        options = self.table.get(german)
        if not options:
            return None
        return max(options, key=lambda english: (self._score(english, german), -options.index(english)))

    def _score(self, english: str, german: str) -> float:
        from wordfreq import zipf_frequency

        score = zipf_frequency(english, "en")
        if self.lexicon:  # also when the lexicon lacks the English word: measured better than no penalty
            back = [w.lower() for w in self.lexicon.translate(english)]
            score -= BACK_STEP * back.index(german) if german in back else BACK_MISS
        return score


def _lemma(word: str) -> str:
    from .lexical import _lemma_de

    return _lemma_de(word).lower()


def available(base: str) -> bool:
    """Whether a gloss can be made: the dictionary files and ``wordfreq`` are installed (nothing is loaded)."""
    if not base or not (Path(base + ".index").is_file() and Path(base + ".dict.dz").is_file()):
        return False
    try:
        import wordfreq  # noqa: F401
    except ImportError:
        log.warning("wordfreq is not installed, so the articles get no English gloss: pip install wordfreq")
        return False
    return True


@lru_cache(maxsize=2)
def load_glossary(base: str, lexicon: Lexicon | None = None) -> Glossary | None:
    """The German-English dictionary at ``base`` (+ .index/.dict.dz), or None when it or ``wordfreq`` is missing."""
    if not available(base):
        return None
    table = load_dictd(base, "glossary", f"{VERSION}:{_HEADWORD.pattern}:{_ENGLISH.pattern}:{_FILLER}:{_BRACKETS.pattern}", _parse)
    return None if table is None else Glossary(table, lexicon)


def _parse(index: Path, data: Path) -> dict[str, tuple[str, ...]]:
    """German word -> the English words and two-word phrases of the first line of each of its entries."""
    table: dict[str, list[str]] = {}
    for head, entry in entries(index, data, _HEADWORD):
        if len(entry) < 2:
            continue
        found = table.setdefault(head, [])
        for item in _BRACKETS.sub(" ", entry[1]).replace(";", ",").split(","):
            item = " ".join(w for w in item.split() if w not in _FILLER)
            if _ENGLISH.match(item) and len(item.split()) <= 2 and item not in found:
                found.append(item)
    return {k: tuple(v) for k, v in table.items() if v}
