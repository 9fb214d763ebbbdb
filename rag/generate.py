"""The LLM side of a turn: condense a follow-up, rewrite the question into German, generate the cited
answer (whole or streamed) and check its citations. Retrieval stays in the turn (``turn``, through
``generators.LLM``); this module only talks to a ``Backend`` and returns plain values.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from .backends.base import Backend
from .cite import Verified, WireCopy, verify
from .profiles import PROFILES, detect
from .prompt import answer_messages, clean_line, condense_messages, rewrite_messages
from .text import normalize
from .types import Passage

_ABSTAIN = re.compile(
    r"(articles?|passages?|texts?|sources?) (don'?t|do not|does not|doesn'?t|cannot|can'?t) (say|answer|mention|contain|"
    r"provide|state|tell)|no information|not (mentioned|stated) in the|beantworten diese frage nicht|"
    r"(artikel|passagen|texte|quellen) (sagen|enthalten|erwähnen|nennen|beantworten) (dazu |darüber |hierzu )?(nichts|nicht|kein)|"
    r"keine (angaben|informationen)", re.I)


def history_pairs(history: list | None) -> list[tuple[str, str]]:
    """(user, assistant) pairs from (user, assistant) tuples or OpenAI-style role dicts."""
    pairs: list[tuple[str, str]] = []
    for turn in history or []:
        if isinstance(turn, dict):
            content = turn.get("content")
            content = content if isinstance(content, str) else ""
            if turn.get("role") == "user":
                pairs.append((content, ""))
            elif turn.get("role") == "assistant" and pairs:
                pairs[-1] = (pairs[-1][0], pairs[-1][1] + content)
        elif isinstance(turn, (list, tuple)) and turn and isinstance(turn[0], str):
            pairs.append((turn[0], turn[1] if len(turn) > 1 and isinstance(turn[1], str) else ""))
    return [(u, a) for u, a in pairs if u.strip()]


def condense(backend: Backend, message: str, history: list | None, deadline: float | None = None) -> str:
    """``message`` as a self-contained question, using the conversation; unchanged without history.
    ``deadline`` (from ``backend.deadline()``) is the whole answer's, shared by every call of the turn."""
    pairs = history_pairs(history)
    if not pairs:
        return message
    return clean_line(backend.complete(condense_messages(message, pairs), deadline), message,
                      limit=max(400, 4 * len(message)))


def german_rewrite(backend: Backend, question: str, deadline: float | None = None,
                   language: str | None = None) -> str | None:
    """A German version of ``question`` for searching German articles; None when it already is German
    (``language``: the question's, when known)."""
    if (detect(question) if language is None else language) == "de":
        return None
    german = clean_line(backend.complete(rewrite_messages(question), deadline), "", limit=max(400, 4 * len(question)))
    return german if german and _plausible(german, question) else None


def _plausible(german: str, question: str) -> bool:
    """Whether a rewrite looks like a translation: German, of similar length, keeping the question's names
    and numbers. A weak model's echo or noise fused into the search would only dilute it."""
    names = {w.casefold()[:4] for w in re.findall(r"(?<!^)(?<![.?!] )\b[A-Z][\w-]{2,}|\d+", question.strip())}
    kept = {w.casefold()[:4] for w in re.findall(r"[\w-]{3,}|\d+", german)}
    return (detect(german) == "de" and german.casefold() != question.casefold()
            and 0.4 * len(question) <= len(german) <= 3 * len(question) + 30 and (not names or bool(names & kept)))


def generate(backend: Backend, question: str, passages: list[Passage], language_from: str | None = None,
             streaming: bool = False, deadline: float | None = None, language: str | None = None) -> Iterator[str]:
    """The raw answer text, in pieces when ``streaming``, else in one piece; the language as in ``answer_messages``."""
    messages = answer_messages(question, passages, language_from, language)
    if streaming:
        yield from backend.stream(messages, deadline)
    else:
        yield backend.complete(messages, deadline)


def check(raw: str, passages: list[Passage], wire: WireCopy | None) -> tuple[Verified, bool]:
    """Verified citations for ``raw``, and whether the answer is an abstention (says the articles don't
    tell, and cites nothing)."""
    v = verify(raw, passages, wire)
    return v, not v.citations and bool(_ABSTAIN.search(v.text) or not v.text.strip() or _says_no_answer(v.text))


def _says_no_answer(text: str) -> bool:
    """The reply is the abstention the prompt asked for, in any profile's wording."""
    said = normalize(text)
    return any(normalize(p.no_answer).rstrip(".") in said for p in PROFILES.values())
