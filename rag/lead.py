"""The answer's lead: a short line before the quotes with the names, numbers or dates they hold.

``lead(question, quotes)`` looks for answer-like spans in the quoted sentences by general signals:
tokens with digits (numbers, years, model names such as ``A-320``), dates and weekdays (their names from the
profiles), capitalised words that do not open the sentence, and runs of them joined by a comma or one short
lower-case word (``1870 bis 1939``, ``Pedro Menéndez de Avilés``). Where a language capitalises every noun
(its profile's ``nouns_capitalised``; measured on the passage for a language without a profile), a
capitalised word alone says little, so only runs of capitalised words, mixed case (``WSE``, ``MiG-29SMT``) and
digits count as names there. The question's own words (``how many``, ``who``: the profile's ``ask_number``
and ``ask_name``) favour numbers or names.
Words the question already holds, in its own or another language's spelling (``Warsaw``/``Warschau``),
answer nothing and are dropped. The strongest span wins, a later quote's counting less; nothing is a lead
when no span is strong enough: an empty lead beats a wrong one. With an LLM the lead is its answer's first
sentence (``first_sentence``). Every lead is a verbatim piece of one quoted sentence.

Leaves out: phrases that answer without a name or number ("to move", "more equality"), which only a
language model can shorten.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher
from functools import lru_cache

from .profiles import detect, every_profile, profile
from .text import without_markers

_TOKEN = re.compile(r"\d{1,2}:\d{2}(?::\d{2})?|\w(?:[\w'’.-]*\w)?(?:%|\.)?")  # a clock time is one token
_JOIN = re.compile(r"^(?:\s*[,;/&–-]?\s*|\s+[^\W\d_]{1,3}\s+|\s*,\s*[^\W\d_]{1,3}\s+)$")  # ", " "und" ", and "
# A lead needs a strong span: one of the kind the question asks for (a number, a date, a name), or a run of
# several strong tokens (a list of model names). A later quote's spans count QUOTE_STEP less per place: the first
# quote is the sentence that answers best.
# Chosen on the development sets (seed dev*.jsonl, XQuAD dev): against 2.0 and no step, wrong leads (a lead
# holding none of the answer's strings) fell from 46% of answers to 16%, right ones from 28% to 25%.
MIN_SCORE = 3.0
QUOTE_STEP = 1.0
MAX_SPANS = 3
NOUN_CAPS = 0.25  # above this share of capitalised words inside sentences, a language capitalises its nouns


@dataclass(frozen=True)
class Span:
    quote: int  # which quote
    start: int
    end: int
    text: str
    score: float
    kind: str  # "number" or "name"


def lead(question: str, quotes: list[str], passages: list[str] | None = None, language: str = "",
         quote_languages: list[str] | None = None) -> str:
    """The lead for an answer quoting ``quotes`` (best first). Whether a quote's language capitalises nouns
    comes from its profile (``quote_languages``), else is measured on its passage (``passages``, the
    surrounding text). ``language`` is the question's, for its question words (detected when not given)."""
    spans = answer_spans(question, quotes, passages, language, quote_languages)
    if not spans:
        return ""
    best = spans[0]
    close = [s for s in spans if s.quote == best.quote and s.score >= best.score - 1.0][:MAX_SPANS]
    return ", ".join(s.text for s in sorted(close, key=lambda s: s.start))


def answer_spans(question: str, quotes: list[str], passages: list[str] | None = None,
                 language: str = "", quote_languages: list[str] | None = None) -> list[Span]:
    """Answer-like spans of the quotes, strongest first (ties: the earlier quote, then the earlier span)."""
    asked = _question_words(question)
    want = _wanted_kind(question, language or detect(question))
    out: list[Span] = []
    for qi, sentence in enumerate(quotes):
        context = (passages[qi] if passages and qi < len(passages) else "") or sentence
        known = profile(quote_languages[qi] if quote_languages and qi < len(quote_languages) else "")
        nouns_capitalised = known.nouns_capitalised if known.nouns_capitalised is not None else \
            _cap_share(context) > NOUN_CAPS
        for span in _spans(sentence, asked, nouns_capitalised):
            bonus = 0.0 if not want else 2.0 if span[4] == want else -1.0
            out.append(Span(qi, span[0], span[1], span[2], span[3] + bonus - QUOTE_STEP * qi, span[4]))
    out = [s for s in out if s.score >= MIN_SCORE]
    return sorted(out, key=lambda s: (-s.score, s.quote, s.start))


def first_sentence(text: str) -> str:
    """An LLM answer's first sentence without its markers: the lead when a model wrote the answer."""
    clean = without_markers(text).strip()
    m = re.match(r".+?(?<!\b\d)(?<!\b\d\d)[.!?。！？](?=\s|$)", clean, re.S)
    return (m.group(0) if m else clean).strip()


# --- tokens ------------------------------------------------------------------------------------------

def _kind(token: str, initial: bool, nouns_capitalised: bool) -> tuple[str, float] | None:
    """(kind, strength) of a token that may be part of an answer, None for an ordinary word."""
    word = token.rstrip(".")
    if not word:
        return None
    if any(ch.isdigit() for ch in word):
        letters = [ch for ch in word if ch.isalpha()]
        return ("name", 2.0) if letters and word[0].isalpha() else ("number", 2.0)
    if word.casefold() in every_profile("months") or word.casefold() in every_profile("weekdays"):
        return "number", 1.5  # a date or a day: answers "when"
    if not word[0].isupper():
        return None
    inner = sum(ch.isupper() for ch in word[1:])
    if inner and len(word) >= 2 and (word.isupper() or re.search(r"[a-z][A-Z]", word)):
        return "name", 2.0  # WSE, McCartney, iPhone-like mixed case
    if initial:
        return "name", 0.0  # may still join a run ("Angela Merkel said ...")
    return "name", 0.4 if nouns_capitalised else 1.5


def _spans(sentence: str, asked: set[str], nouns_capitalised: bool) -> list[tuple[int, int, str, float, str]]:
    """(start, end, text, score, kind) for each run of answer-like tokens not already in the question."""
    tokens = list(_TOKEN.finditer(sentence))
    marks: list[tuple[str, float] | None] = []
    for i, m in enumerate(tokens):
        word = m.group(0).rstrip(".")
        initial = i == 0 or bool(re.search(r"[.!?:]\s*[\"'„“«(]?\s*$", sentence[:m.start()]))
        k = _kind(m.group(0), initial, nouns_capitalised)
        if k is not None and initial and word.casefold() in every_profile("stopwords"):
            k = None
        elif k is not None and _asked(word, asked):
            k = (k[0], -1.0)  # the question's own word: only inside a name ("Fort Caroline" for "which fort")
        marks.append(k)
    strong = 2.0 if nouns_capitalised else 1.0  # joins across a short word ("1870 bis 1939", "A-320 und B-737")
    runs: list[list[int]] = []
    for i, k in enumerate(marks):
        if k is None:
            continue
        if runs:
            j = runs[-1][-1]
            gap = sentence[tokens[j].end():tokens[i].start()]
            tight = bool(re.fullmatch(r"\s*[,;/&–-]?\s*", gap)) and "\n" not in gap
            loose = _joins(gap) and min(marks[j][1], k[1]) >= strong
            if tight or loose:
                runs[-1].append(i)
                continue
        runs.append([i])
    out = []
    for run in runs:
        while run and marks[run[-1]][1] < 0:
            run = run[:-1]
        while run and marks[run[0]][1] < 0 and (len(run) == 1 or
                                                sentence[tokens[run[0]].end():tokens[run[1]].start()] != " "):
            run = run[1:]
        if not run:
            continue
        if max(marks[i][1] for i in run) >= 2.0:  # weak words at the ends of a strong run are not the answer
            while marks[run[0]][1] < 1.0:
                run = run[1:]
            while marks[run[-1]][1] < 1.0:
                run = run[:-1]
        kinds = [marks[i] for i in run]
        strengths = sorted((max(s, 0.0) for _, s in kinds), reverse=True)
        score = strengths[0] + 0.3 * sum(1 for s in strengths[1:] if s >= 1.0)
        caps = sum(1 for i in run if tokens[i].group(0)[0].isupper())
        if caps >= 2 and sum(1 for k, _ in kinds if k == "name") >= 2:  # "Angela Merkel", "Sächsischer Garten"
            score += 1.4 if nouns_capitalised else 0.5
        score = min(score, 4.0)
        if score <= 0:
            continue
        start, end = tokens[run[0]].start(), tokens[run[-1]].end()
        last = run[-1]
        weak_after = last + 1 < len(tokens) and (marks[last + 1] is None or marks[last + 1][1] < 1.0)
        if kinds[-1][0] == "number" and weak_after and not tokens[last].group(0).endswith("%"):
            unit = tokens[last + 1]  # what the number counts: "110 mph", "14.000 Kostüme", "5 Fuß"
            word = unit.group(0).rstrip(".")
            noun = word[:1].isupper() and nouns_capitalised and len(word) <= 12
            if sentence[end:unit.start()] == " " and word.casefold() not in every_profile("stopwords") and \
                    (noun or (word.islower() and len(word) <= 3)):
                end = unit.start() + len(word)
        text = sentence[start:end]
        if text.endswith(".") and not re.search(r"(?<![\d.])\d{1,2}\.$", text):
            text = text[:-1]
        kind = "number" if sum(1 for k, _ in kinds if k == "number") * 2 >= len(kinds) else "name"
        out.append((start, start + len(text), text, score, kind))
    return out


def _joins(gap: str) -> bool:
    """Whether two strong tokens belong to one span across ``gap``: a comma, or a word that joins a list, a
    range or a name (a profile's ``joiners``: "und", "to", "de")."""
    words = re.findall(r"\w+", gap)
    return bool(_JOIN.match(gap)) and "\n" not in gap and all(w in every_profile("joiners") for w in words)


# --- the question -----------------------------------------------------------------------------------

def _question_words(question: str) -> set[str]:
    return {w.casefold() for w in re.findall(r"\w[\w-]*\w|\w", question) if len(w) >= 3 or w.isdigit()}


def _asked(token: str, asked: set[str]) -> bool:
    """Whether the question already holds ``token``, in any spelling close enough (a name across languages,
    an inflection): the same digits, or a similar word of four letters or more."""
    t = token.casefold()
    if t in asked:
        return True
    parts = [p for p in re.split(r"[-'’]", t) if p]
    if any(ch.isdigit() for ch in t):
        return False
    for w in asked:
        if len(w) < 4 or len(t) < 4:
            continue
        if (len(w) >= 5 and w in t) or (len(t) >= 5 and t in w) or _similar(t, w) or \
                any(len(p) >= 4 and (p == w or _similar(p, w)) for p in parts if p != t):
            return True
    return False


@lru_cache(maxsize=65536)
def _similar(a: str, b: str) -> bool:
    prefix = len(a) >= 4 and len(b) >= 4 and a[:4] == b[:4] and min(len(a), len(b)) <= 8
    return prefix or SequenceMatcher(None, a, b).ratio() >= 0.75


def _wanted_kind(question: str, language: str) -> str:
    """"number" for questions about a quantity or a time, "name" for who or where, "" otherwise."""
    q = " " + " ".join(re.findall(r"\w+", question.casefold())) + " "
    p = profile(language)
    if any(f" {w} " in q for w in p.ask_number):
        return "number"
    if any(f" {w} " in q for w in p.ask_name):
        return "name"
    return ""


def _cap_share(text: str) -> float:
    """The share of words inside sentences (not opening one) that are capitalised."""
    words = re.findall(r"(?<![.!?:]\s)(?<=\s)[^\W\d_][\w-]*", text)
    return sum(w[0].isupper() for w in words) / len(words) if len(words) >= 8 else 0.0
