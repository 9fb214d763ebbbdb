"""What kind of answer a question asks for, and whether a sentence holds one.

"How many", "when", "how old", "how far", "how much did it cost": such a question is answered only by a
sentence with a number, a time, an age, a distance or a sum of money in it that the question does not
already contain. A sentence that merely repeats the question's words is no answer, and that is what tells a
near miss ("How many people live in Komsomolsk?") from an answerable question without a model. English and
German question words are recognised. A name ("What is the name of the governor?") is checked with the
dictionary, since German capitalises every noun; places, reasons and other free-text answers are left out.
"""

from __future__ import annotations

import re
from typing import Callable

from .lexical import fold

_NUM = (r"(?<![\w-])(?:\d[\d.,]*|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig"
        r"|dreißig|vierzig|fünfzig|hundert|tausend|dutzend\w*|one|two|three|four|five|six|seven|eight|nine|ten"
        r"|twelve|twenty|hundred|thousand|halbe?n?|half|siebzig|achtzig|neunzig|sechzig)")
_SCALE = r"(?:\s+(?:millionen|million|milliarden|milliarde|billion|mio\.?|mrd\.?|tausend|thousand))?"
_TIME_UNIT = r"(?:sekunde|minute|stunde|tag|woche|monat|jahr|jahrzehnt|second|hour|day|week|month|year|decade)\w*"
_DISTANCE_UNIT = r"(?:kilometer|km|meter|metern|meilen|miles?|seemeilen)\b"
_MONTHS = (r"januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|january|february"
           r"|march|may|june|july|october|december")
_DAYS = r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday"

_ANSWERS = {
    "money": re.compile(r"[$€£]|\b(dollars?|euros?|rubel|rubles?|roubles?|yuans?|usd|eur)\b", re.I),
    "age": re.compile(rf"\b\d+-jährig|\b{_NUM}\s+(jahre|years?)\s+(alt|old)\b|\bjährige|\balter von\b|\bgeboren\b"
                      rf"|\bborn\b|\byear-old\b", re.I),
    "distance": re.compile(rf"\b{_NUM}{_SCALE}\s*{_DISTANCE_UNIT}", re.I),
    "duration": re.compile(rf"\b{_NUM}{_SCALE}[\s-]+{_TIME_UNIT}|\b\d+-(sekünd|minüt|stünd|tägig|wöchig|monatig|jährig)"
                           rf"|\b{_NUM}\s*{_DISTANCE_UNIT}|\b(stundenlang|tagelang|jahrelang|jahrzehntelang)\b", re.I),
    "time": re.compile(rf"\b({_MONTHS}|{_DAYS}|heute|gestern|morgen|vorgestern|übermorgen|today|yesterday|tomorrow"
                       rf"|uhr|o'clock|frühjahr|frühling|sommer|herbst|winter|spring|summer|autumn|fall)\b"
                       rf"|\b\d{{1,2}}\.\s*\d{{1,2}}\.|\b\d{{4}}\b|\b\d{{1,2}}:\d{{2}}\b|\bvor\s+\w+\s+{_TIME_UNIT}"
                       rf"|\b\w+\s+{_TIME_UNIT}\s+(später|zuvor|danach|ago|later|before|earlier)", re.I),
    "number": re.compile(rf"\b{_NUM}\b", re.I),
}

_HOW_MUCH = r"\bhow much\b|\bwie ?viel\b"
_NAME_OF = re.compile(r"\b(?:name of|names of|namen? (?:de[rsnm]|von))\s+(?:the |a |an |this |that |his |her |die |der |das )?"
                      r"((?:[\w-]+ ){0,2}?[\w-]+)(?=\s+(?:that|which|who|where|in|of|at|on|near|from|with)\b|[?,]|$)"
                      r"|\bwie (?:heißt|hieß|heißen|hießen)\s+(?:der |die |das |den )?(?:\w+e[nrs]? )?(\w[\w-]*)", re.I)
_QUESTIONS = [
    ("name", re.compile(rf"{_NAME_OF.pattern}|\bby name\b|\bnamentlich\b", re.I)),
    ("money", re.compile(rf"({_HOW_MUCH}).*\b(cost|costs|pay|paid|pays|money|worth|price|spen[dt]|budget|geld"
                         rf"|kost\w*|gekostet|zahl\w*|bezahl\w*|preis\w*|wert)\b|\b(what|which) (price|sum|amount)"
                         rf"|\bwelche[nrs]? (preis|summe|betrag)", re.I)),
    ("age", re.compile(r"\bhow old\b|\bwie alt\b|\bwhat age\b|\bin welchem alter\b", re.I)),
    ("distance", re.compile(r"\bhow far\b|\bwie weit\b|\bwhat distance\b|\bwelche (strecke|entfernung|distanz)\b"
                            r"|\bhow long is the (route|journey|trip|distance|line|railway)\b", re.I)),
    ("duration", re.compile(r"\bhow long\b|\bwie lange?\b|\bfor how many (hours|days|weeks|months|years)\b"
                            r"|\bseit wann\b", re.I)),
    ("time", re.compile(r"(^|[,;:]\s*|\band\s+)when\b(?![^,]*,\s*(what|who|which|how|where|why)\b)"
                        r"|\b(what|which|on what|on which) (date|day|time|year|month|weekday)\b"
                        r"|\bwhat time\b|\bwann\b|\b(an|in|zu) welche[mr]? (tag|datum|jahr|monat|zeitpunkt|wochentag)\b"
                        r"|\bwelche[nms]? (tag|datum|jahr|monat|wochentag)\b|\bum wie viel uhr\b", re.I)),
    ("number", re.compile(rf"\bhow many\b|\bwie ?viele\b|\bwieviele\b|{_HOW_MUCH}|\bnumber of\b|\banzahl\b"
                          rf"|\bwhat (number|percentage|share)\b", re.I)),
]


_NUMBER_WORDS = dict(zip("one two three four five six seven eight nine ten".split(), range(1, 11))) | dict(
    zip("eins zwei drei vier fünf sechs sieben acht neun zehn".split(), range(1, 11)))


def expected(question: str) -> str | None:
    """The kind of answer the question asks for (name, money, age, distance, duration, time, number), if any."""
    return next((kind for kind, pattern in _QUESTIONS if pattern.search(question)), None)


def named(question: str) -> str | None:
    """The thing whose name is asked for: "What is the name of the governor ..." -> governor."""
    m = _NAME_OF.search(question)
    return (m.group(1) or m.group(2)).split()[-1].lower() if m else None


def has_name_near(tokens: list[str], anchors: set[int], is_word: Callable[[str], bool], asked: set[str]) -> bool:
    """A capitalised word that no dictionary knows and the question does not contain, up to two words before
    or three after an anchor ("Gouverneur Oleg Koschemjako", "Schaposchnikow, eines Zerstörers"): the name
    asked for. Sentence starts are skipped."""
    return any(i and tok[:1].isupper() and len(tok) > 2 and fold(tok) not in asked and not is_word(tok)
               and any(-2 <= i - a <= 3 for a in anchors) for i, tok in enumerate(tokens))


def holds(kind: str | None, sentence: str, question: str) -> bool:
    """Whether the sentence has an answer of that kind that the question itself does not already state.
    Names need the dictionary and an anchor, so ``has_name_near`` checks them."""
    if kind is None or kind == "name":
        return True
    asked = {_same(m.group(0)) for m in _ANSWERS[kind].finditer(question)}
    return any(_same(m.group(0)) not in asked for m in _ANSWERS[kind].finditer(sentence))


def _same(text: str) -> str:
    """One spelling for "two", "zwei" and "2", so the question's own number never counts as the answer."""
    t = text.lower()
    return str(_NUMBER_WORDS.get(t, t))
