"""What kind of answer a question asks for, and whether a sentence holds one.

"How many", "when", "how old", "how far", "how fast", "how much did it cost": such a question is answered only by a
sentence with a number, a time, an age, a distance or a sum of money in it that the question does not
already contain. A sentence that merely repeats the question's words is no answer, and that is what tells a
near miss ("How many people live in Komsomolsk?") from an answerable question without a model. English and
German question words are recognised. A name ("What is the name of the governor?") is checked with the
dictionary, since German capitalises every noun; places, reasons and other free-text answers are left out.
"""

from __future__ import annotations

import re
from typing import Callable

from .lexical import fold, is_german

_NUM = (r"(?<![\w-])(?:\d[\d.,]*|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig"
        r"|dreißig|vierzig|fünfzig|hundert|tausend|dutzend\w*|one|two|three|four|five|six|seven|eight|nine|ten"
        r"|twelve|twenty|hundred|thousand|halbe?n?|half|siebzig|achtzig|neunzig|sechzig)")
_SCALE = r"(?:\s+(?:millionen|million|milliarden|milliarde|billion|mio\.?|mrd\.?|tausend|thousand))?"
_TIME_UNIT = r"(?:sekunde|minute|stunde|tag|woche|monat|jahr|jahrzehnt|second|hour|day|week|month|year|decade)\w*"
_DISTANCE_UNIT = r"(?:kilomet(?:er|re)\w*|km|met(?:er|re)\w*|meilen|miles?|seemeilen)\b"
_MONTHS = (r"januar|februar|märz|april|mai|juni|juli|august|september|oktober|november|dezember|january|february"
           r"|march|may|june|july|october|december")
# a year, not "8000 Kilometer"
_YEAR = r"\b(?:1[89]|20)\d{2}\b(?!\s*(?:kilometer|km|meter|menschen|soldaten|people|dollar|euro))"
_DAYS = r"montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|monday|tuesday|wednesday|thursday|friday|saturday|sunday"

_ANSWERS = {
    "money": re.compile(r"[$€£]|\b(dollars?|euros?|rubel|rubles?|roubles?|yuans?|usd|eur)\b", re.I),
    "age": re.compile(rf"\b\d+-jährig|\b{_NUM}\s+(jahre|years?)\s+(alt|old)\b|\bjährige|\balter von\b|\bgeboren\b"
                      rf"|\bborn\b|\byear-old\b", re.I),
    "distance": re.compile(rf"\b{_NUM}{_SCALE}(?:\s+|(?<=\d))-?{_DISTANCE_UNIT}", re.I),
    "duration": re.compile(rf"\b{_NUM}{_SCALE}[\s-]+{_TIME_UNIT}|\b\d+-(sekünd|minüt|stünd|tägig|wöchig|monatig|jährig)"
                           rf"|\b{_NUM}(?:\s+|(?<=\d))-?{_DISTANCE_UNIT}|\b(stundenlang|tagelang|jahrelang|jahrzehntelang)\b", re.I),
    "speed": re.compile(rf"\b{_NUM}{_SCALE}\s*(?:km/h|kmh|mph|m/s|stundenkilometer\w*|knoten|knots"
                        rf"|(?:kilomet(?:er|re)n?|km|meilen|miles?|met(?:er|re)n?) (?:pro|per|je|an|in der) "
                        rf"(?:stunde|hour|sekunde|second))"
                        rf"|\bmach\s*\d|schallgeschwindigkeit", re.I),
    "time": re.compile(rf"\b({_MONTHS}|{_DAYS}|heute|gestern|morgen|vorgestern|übermorgen|today|yesterday|tomorrow"
                       rf"|uhr|o'clock|frühjahr|frühling|sommer|herbst|winter|spring|summer|autumn|fall)\b"
                       rf"|\b\d{{1,2}}\.\s*\d{{1,2}}\.|{_YEAR}|\b\d{{1,2}}:\d{{2}}\b|\bvor\s+\w+\s+{_TIME_UNIT}"
                       rf"|\b\w+\s+{_TIME_UNIT}\s+(später|zuvor|danach|ago|later|before|earlier)", re.I),
    # "on what date": a calendar day, not a weekday; "which month", "which year", "what time" likewise
    "date": re.compile(rf"\b\d{{1,2}}\.?\s*({_MONTHS})\b|\b({_MONTHS})\s+\d{{1,2}}\b|\b\d{{1,2}}\.\s*\d{{1,2}}\."
                       rf"|\b\d{{4}}-\d{{2}}-\d{{2}}\b", re.I),
    "month": re.compile(rf"\b({_MONTHS})\b|\b\d{{1,2}}\.\s*\d{{1,2}}\.", re.I),
    "year": re.compile(_YEAR, re.I),
    "clock": re.compile(r"\b\d{1,2}([:.]\d{2})?\s*(uhr\b|o'clock|[ap]\.m\.)|\b\d{1,2}:\d{2}\b"
                        r"|\b(morgens|vormittags|mittags|nachmittags|abends|nachts|midnight|noon|mitternacht)\b", re.I),
    "number": re.compile(rf"\b{_NUM}\b", re.I),
}

_HOW_MUCH = r"\bhow much\b|\bwie ?viel\b"
_NAME_OF = re.compile(r"\b(?:name of|names of|namen? (?:de[rsnm]|von))\s+(?:the |a |an |this |that |his |her |die |der |das )?"
                      r"([\w-]+(?: [\w-]+){0,3})"
                      r"|\bwie (?:heißt|hieß|heißen|hießen)\s+(?:der |die |das |den )?(?-i:[a-zäöü]\w*e[nrs]? )?(\w[\w-]*)", re.I)
# A model or type designation is a name too ("Tu-160", "Kinschal"): "what model of rifle", "which bomber types",
# "welchen Drohnentyp". "What type of weapons" is left out: its answer is a common noun.
_MODEL_OF = re.compile(r"(?i:\b(?:model|designation)s? of) (?:the |a |an |this |his |her )?([a-z][\w-]*(?: [a-z][\w-]*){0,3})"
                       r"|(?i:\b(?:what|which)) ((?:(?!(?:is|was|are|were|the|a|an)\b)[a-z][\w-]* ){1,3})(?i:models?|types?|designations?)\b"
                       r"|(?i:\b(?:welche[nmrs]?|was für(?: eine?[nmrs]?)?)) (?!(?i:proto|stereo|arche|geno|phäno))(\w{3,}?)-?(?i:typ|modell)(?:en|s|e)?\b"
                       r"|(?i:\b(?:typ|modell|bezeichnung)(?:en|s)? (?:de[rsnm]|von)) (?:[a-zäöü]\w*e[nrs]? )?(\w[\w-]*)")
# "Who is the director of the factory?" wants a name next to "Direktor".
_WHO_ROLE = re.compile(r"\b(?:who|wer) (?:is|was|ist|war) (?:the|der|die) ((?:[\w'-]+ ){0,2}?[\w'-]+?)"
                       r"(?= (?:of|in|at|for|from|that|who|which|des|der|die|das|von|im|am|beim|aus)\b|\?|$)", re.I)
_COMPOUND = re.compile(r"(?:,|;|–|\s-)\s*(?:and\s+(?:\w+\s+)?(?:what|which|who|whom|where|when|how)"
                       r"|und\s+(?:\w+\s+)?(?:wer|wen|wem|wo|wann|wie|was|welche\w*))\b", re.I)
_GERMAN_ASK = re.compile(r"(?i)wie|wer|welche|was für|typ|modell|bezeichnung|namen?\s+(?:de[rsnm]|von)")
_POSSESSOR = re.compile(r"(\bnames? of\s+(?:the\s+)?)(?:(?-i:[A-Z])[\w-]*\s+){0,3}[\w-]+['’]s?\s+(?=\w)", re.I)
ENDS_NOUN = {"did", "does", "do", "is", "was", "were", "are", "has", "had", "have", "that", "which", "who", "can",
             "will", "would", "could", "should", "might", "must", "used", "where", "when", "in", "at", "on", "near",
             "with", "from", "to", "im", "am", "beim", "aus", "bei", "nach", "zu", "für", "mit", "den", "dem", "ist",
             "war", "hat", "wird", "of", "des", "von", "they", "he", "she", "it", "we", "you", "er", "sie", "es", "wir"}
_ENDS_OWNER = ENDS_NOUN | {"and", "or", "what", "how", "why", "und", "oder"}  # "the navy and what did he show"
_FUNCTION = {"of", "for", "by", "the", "a", "an", "des", "der", "die", "das", "von"}
_QUESTIONS = [
    ("name", re.compile(r"\bby name\b|\bnamentlich\b", re.I)),
    ("money", re.compile(rf"({_HOW_MUCH}).*\b(cost|costs|pay|paid|pays|money|worth|price|spen[dt]|budget|geld"
                         rf"|kost\w*|gekostet|zahl\w*|bezahl\w*|preis\w*|wert)\b|\b(what|which) (price|sum|amount)"
                         rf"|\bwelche[nrs]? (preis|summe|betrag)"
                         r"|\b(what|how high) (is|was|are|were) the (price|cost)|\bwhat (did|does|do|will)\b.*\bcosts?\b|\bhow expensive\b|\bwie teuer\b"
                         r"|\bwie hoch (ist|sind|war|waren) (die|der) (kosten|preis)", re.I)),
    ("age", re.compile(r"\bhow old\b|\bwie alt\b|\bwhat age\b|\bin welchem alter\b", re.I)),
    ("speed", re.compile(r"\bhow fast\b|\bwie schnell\b|\b(?:top|maximum|max\.?|cruising) speed\b|\b(?:what|which) speed\b"
                         r"|\bspeed of\b|geschwindigkeit", re.I)),
    ("distance", re.compile(r"\bhow far\b|\bwie weit\b|\bwhat distance\b|\bwelche (strecke|entfernung|distanz)\b"
                            r"|\bhow long is the (route|journey|trip|distance|line|railway)\b"
                            r"|\breichweite\b|\bthe (maximum |max\.? |effective |operational )?range of\b|\bwhat range\b", re.I)),
    ("duration", re.compile(r"\bhow long\b|\bwie lange?\b|\bfor how many (hours|days|weeks|months|years)\b", re.I)),
    ("date", re.compile(r"\b(what|which|exact) dates?\b|\bdatum\b", re.I)),
    ("month", re.compile(r"\b(what|which) month\b|\bwelche[mnrs]? monat\b", re.I)),
    ("year", re.compile(r"\b(what|which) year\b|\bwelche[mnrs]? jahr\b", re.I)),
    ("clock", re.compile(r"\b(what|exact) time\b|\bum wie ?viel uhr\b|\buhrzeit\b", re.I)),
    ("time", re.compile(r"(^|[,;:]\s*|\band\s+)when\b(?![^,]*,\s*(what|who|which|how|where|why)\b)"
                        r"|\b(what|which|on what|on which) (day|weekday)\b|\bwann\b|\bseit wann\b"
                        r"|\b(an|zu) welche[mr]? (tag|zeitpunkt|wochentag)\b|\bwelche[nmrs]? (tag|wochentag)\b", re.I)),
    ("number", re.compile(rf"\bhow many\b|\bwie ?viele[nmrs]?\b|{_HOW_MUCH}|\bnumber of\b|\banzahl\b"
                          rf"|\bwhat (number|percentage|share)\b", re.I)),
]


_NUMBER_WORDS = dict(zip("one two three four five six seven eight nine ten".split(), range(1, 11))) | dict(
    zip("eins zwei drei vier fünf sechs sieben acht neun zehn".split(), range(1, 11)))


def expected(question: str) -> str | None:
    """The kind of answer the question asks for (name, money, age, speed, distance, duration, date, month, year, clock,
    time, number), if any. "In which year was the Su-57 model built?" wants a year, not a name."""
    if _NAME_OF.search(question):
        return "name"
    for kind, pattern in _QUESTIONS:
        if kind == "time" and named(question):  # after the specific kinds, before the vague ones
            return "name"
        if pattern.search(question):
            return kind
    return None


def named(question: str) -> tuple[str, ...]:
    """The words of the thing whose name is asked for: "What is the name of the governor ..." -> (governor,),
    "Who is the head of the munitions industry?" -> (head,), "Welchen Drohnentyp" -> (drohnen,)."""
    question = _POSSESSOR.sub(r"\1", question)  # "the name of Kim Jong Un's train": the train's name
    for pattern in (_NAME_OF, _MODEL_OF, _WHO_ROLE):
        m = pattern.search(question)
        if m:
            phrase = next(g for g in m.groups() if g).split()
            english = not _GERMAN_ASK.match(m.group(0))  # there a capital starts a name ("North Korea's"): the end
            cut = next((i for i, w in enumerate(phrase) if w.lower() in ENDS_NOUN
                        or (english and i and (w[:1].isupper() or w.endswith("ed")))), len(phrase))
            return tuple(w.lower() for w in phrase[:cut] or phrase[-1:] if w.lower() not in _FUNCTION and len(w) > 2)
    return ()


def owner(question: str) -> str | None:
    """The noun a role asked about belongs to ("the head of the Russian navy" -> navy): the answer's name can
    stand next to it instead ("Marinechef Nikolai Jewmenow") when the role word itself is not translated."""
    role = named(question)
    m = role and re.search(rf"\b{re.escape(role[-1])}\w*\s+(?:of|des|der|von)\s+(?:the\s+)?([^,?.;]*)", question, re.I)
    if not m:
        return None
    phrase = []
    for w in m.group(1).split():
        if (w.lower() in _ENDS_OWNER
                or phrase and (re.search(r"(?:ed|ing)$", w) or (w[:1].isupper() and not phrase[-1][:1].isupper()
                                                                 and not is_german(question)))):
            break  # "industry travelling with", "the fleet Kim met", "navy and what did he show"
        phrase.append(w)
    nouns = [w for w in phrase if not re.search(r"['’]s?$", w)]  # "North Korea's munitions industry": industry
    return nouns[-1].lower() if nouns else None


def parts(question: str) -> list[str]:
    """Two questions in one ("How many missiles ..., and how far did they fly?") -> both; each part wants its
    own quote, and the kind of one part cannot veto a quote that answers the other."""
    cuts = [m.start() for m in _COMPOUND.finditer(question)]
    return [question[a:b] for a, b in zip([0, *cuts], [*cuts, len(question)])]


def has_name_near(tokens: list[str], anchors: set[int], is_word: Callable[[str], bool], asked: set[str]) -> bool:
    """A capitalised word that no dictionary knows and the question does not contain, up to two words before
    or three after an anchor ("Gouverneur Oleg Koschemjako", "Schaposchnikow, eines Zerstörers"): the name
    asked for. Sentence starts, and names the question gives (also as genitive: "Kims Zug"), are skipped."""
    return any(i and tok[:1].isupper() and len(tok) > 2 and not {fold(tok), fold(tok.removesuffix("s"))} & asked
               and not is_word(tok)
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
