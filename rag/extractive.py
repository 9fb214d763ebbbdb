"""The model-free answer: quote the sentences of the retrieved passages that best answer the question.

A sentence scores by how much of the question it covers (content words, their German translations and
transliterations, weighted by rarity) and by n-gram similarity. At most ``max_sentences`` are quoted.
When the best quote covers too little of the question, the answer abstains instead of guessing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from .cite import WireCopy, citation, normalize
from .lexical import Lexical, fold, term_found, words
from .types import Citation, Passage

_NUMERIC_Q = re.compile(r"\b(how (many|much|far|long|old)|wie (viele?|weit|lange|alt)|wieviele?)\b", re.I)
_TIME_Q = re.compile(r"\b(when|what day|which day|wann|an welchem tag|welchen tag)\b", re.I)
_NUMBER = re.compile(r"\d|\b(ein|zwei|drei|vier|fünf|sechs|sieben|acht|neun|zehn|elf|zwölf|zwanzig|dreißig|vierzig"
                     r"|fünfzig|hundert|tausend|siebzig|achtzig|neunzig)\w*\b", re.I)
_TIME = re.compile(r"\b(montag|dienstag|mittwoch|donnerstag|freitag|samstag|sonntag|januar|februar|märz|april|mai"
                   r"|juni|juli|august|september|oktober|november|dezember|sommer|winter|\d{4})\b", re.I)


@dataclass(frozen=True)
class Extract:
    text: str
    citations: list[Citation]
    confidence: float
    abstained: bool


def extract_answer(question: str, passages: list[Passage], lexical: Lexical, wire: WireCopy | None = None,
                   max_sentences: int = 3, abstain_below: float = 0.42) -> Extract:
    candidates = _candidates(passages)
    if not candidates:
        return Extract(abstain_text(question), [], 0.0, True)
    terms = lexical.expand(question)
    weights = {t: lexical.idf(t) for t in terms}
    total = sum(weights.values()) or 1.0
    sims = lexical.similarity(question, [text for _, _, text in candidates])
    found, scores = [], []
    for (p, i, text), sim in zip(candidates, sims):
        ws = {fold(w) for w in words(text)}
        hit = {t for t, forms in terms.items() if term_found(forms, ws)}
        found.append(hit)
        cover = sum(weights[t] for t in hit) / total
        bonus = 0.0
        if _NUMERIC_Q.search(question) and _NUMBER.search(text):
            bonus += 0.08
        if _TIME_Q.search(question) and _TIME.search(text):
            bonus += 0.08
        scores.append(cover + 0.6 * float(sim) + bonus + 0.02 / p.rank)
    order = list(np.argsort(-np.array(scores)))
    best = order[0]
    chosen = [best]
    covered = set(found[best])
    for j in order[1:]:
        if len(chosen) >= max_sentences:
            break
        adds = found[j] - covered
        if scores[j] >= 0.85 * scores[best] or (adds and scores[j] >= 0.7 * scores[best]):
            chosen.append(j)
            covered |= found[j]
    confidence = sum(weights[t] for t in covered) / total if terms else 0.0
    if confidence < abstain_below:
        return Extract(abstain_text(question), [], confidence, True)
    chosen.sort(key=lambda j: (candidates[j][0].rank, candidates[j][1]))
    cites = [citation(n, candidates[j][0], candidates[j][1], wire) for n, j in enumerate(chosen, 1)]
    text = " ".join(f"{c.quote} [{c.marker}]" for c in cites)
    return Extract(text, cites, confidence, False)


def _candidates(passages: list[Passage]) -> list[tuple[Passage, int, str]]:
    """Every sentence of the passages once; a sentence repeated (overlap, wire copy) keeps its best passage."""
    seen: set[str] = set()
    out = []
    for p in passages:
        for i, text in enumerate(p.chunk.sentence_texts):
            key = normalize(text)
            if key not in seen and len(text.split()) >= 3:
                seen.add(key)
                out.append((p, i, text))
    return out


def is_german(text: str) -> bool:
    from .lexical import stopwords  # noqa: F401 - same lists

    tokens = [w.lower() for w in words(text)]
    german = sum(w in _GERMAN_HINTS for w in tokens)
    english = sum(w in _ENGLISH_HINTS for w in tokens)
    return german > english or bool(re.search(r"[äöüß]", text.lower())) and english == 0


_GERMAN_HINTS = {"der", "die", "das", "und", "ist", "wer", "was", "wie", "wann", "wo", "welche", "welcher", "welches",
                 "hat", "haben", "mit", "von", "den", "dem", "des", "ein", "eine", "nach", "auf", "im", "zu", "für",
                 "warum", "viele", "sich", "nicht", "wurde", "wurden", "bei", "kim's", "besuchte", "sagte"}
_ENGLISH_HINTS = {"the", "and", "is", "who", "what", "how", "when", "where", "which", "did", "does", "do", "of", "with",
                  "from", "to", "for", "why", "many", "was", "were", "a", "an", "in", "on", "at", "by", "has", "have"}


def abstain_text(question: str) -> str:
    if is_german(question):
        return "Die Artikel beantworten diese Frage nicht."
    return "The articles don't answer this question."
