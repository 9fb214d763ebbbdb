"""The model-free answer: quote the sentences of the retrieved passages that best answer the question.

A sentence scores by how much of the question it covers (content words, their German translations and
transliterations, weighted by rarity) and by n-gram similarity. At most ``max_sentences`` are quoted.
When the best quote covers too little of the question, the answer abstains instead of guessing. A
question word that the corpus never uses in any spelling or translation ("football", "hotel", an
unknown name) weighs most: it usually names what the articles do not talk about. A question that wants a
number, a time or a name (``answer_type``) abstains when no well-matching sentence holds one. A sentence
that opens with a pronoun ("Beide seien 650 Kilometer weit geflogen") also counts its predecessor's words and
is quoted with it, within ``max_sentences``.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Callable

import numpy as np

from . import answer_type
from .cite import WireCopy, citation, normalize
from .lexical import VERB_PARTICLES, Lexical, fold, is_german, stopwords, word_set, words
from .types import Citation, Passage

_WH = re.compile(r"\b(which|what|how many|how much|welche[rsnm]?|wie ?viel(?:e[nmrs]?)?"
                 r"|how (?:long|far|fast|old|often) (?:did|does|do|is|was|were|are|will|would|can|could)(?: the| a| an)?)\s+", re.I)
MEASURED = {"number", "duration", "distance", "speed", "age"}  # stand with the thing measured: "how far did the missiles fly"
# Category nouns name the kind of answer, not a word the answer contains ("in which year": 2017).
_CATEGORY = {"year", "day", "date", "city", "capital", "country", "place", "time", "month", "name", "person", "people",
             "kind", "type", "sort", "number", "jahr", "tag", "datum", "stadt", "hauptstadt", "land", "ort", "zeit",
             "monat", "art", "person", "personen", "zahl", "anzahl", "weekday", "wochentag", "times", "mal", "way", "weise",
             "share", "percentage", "proportion", "amount", "anteil", "prozent", "jahre", "tage", "monate", "words", "worte",
             "wörter"}
FOCUS_BONUS = 0.3
TYPE_BONUS = 1.0  # a sentence with the kind of answer asked for (a number for "how many")
TYPE_NEAR = 0.65  # ...when it scores at least this share of the best match, or stands next to it
FOCUS_PENALTY = 0.6  # confidence factor when the corpus never mentions the thing the question asks for
ABSENT_WORD_WEIGHT = 3.0
SIM_WEIGHT = 1.0  # n-gram similarity of the best quote also counts as evidence
KEEP_RATIO, ADD_RATIO = 0.6, 0.4  # quote another sentence when it scores this close to the best (or adds terms)
UNKNOWN_WORD_WEIGHT = 0.5  # an untranslatable word absent from the corpus: often filler ("aboard", "went")
ABSENT_EXP = 2.0  # confidence x (1 - weight share of terms the corpus never uses) ** this
ABSENT_BOOST = 1.0  # added to the top rarity weight for a known word or name the corpus never uses
NAME_WEIGHT = 6.0  # a name of several words the articles never use together
# "Beide seien 650 Kilometer weit geflogen.": a sentence opening with a pronoun also has its predecessor's words
_ANAPHOR = frozenset("er sie es ihr ihm ihn ihnen beide beiden diese dieser dieses diesem diesen dies dort dabei damit "
                     "dazu darunter davon dafür demnach".split())
PART_COVER = 0.5  # each part of a compound question gets its own quote when one covers this share of it


@dataclass(frozen=True)
class Extract:
    text: str
    citations: list[Citation]
    confidence: float
    abstained: bool


def term_weights(question: str, lexical: Lexical) -> dict[str, tuple[tuple[str, ...], float]]:
    """Each content term -> (spellings to look for, weight)."""
    terms = lexical.expand(question)
    focus = focus_term(question, terms)
    max_idf = max((lexical.idf(t) for t in terms), default=1.0)
    out = {}
    for t, forms in terms.items():
        if lexical.in_corpus(forms):
            w = lexical.idf(t)
        elif (t == focus) if is_german(question) else _is_name(t, question):
            # a name, or in the articles' own language the thing asked for, that the articles never use
            w = max_idf + ABSENT_BOOST
        elif len(forms) > 1 or t == focus or (is_german(question) and _is_name(t, question)):  # German nouns too
            w = ABSENT_WORD_WEIGHT  # a dictionary word they never use; only the asked-for thing vetoes
        else:
            w = UNKNOWN_WORD_WEIGHT
        out[t] = (forms, w)
    return out


def missing_names(question: str, terms: dict, lexical: Lexical) -> list[str]:
    """Names of two or more words that never stand together in the articles ("Kim Yo Jong", whose words all
    occur, apart): a person the articles do not mention."""
    runs, run = [], []
    tokens = words(question)
    noun = lexical.lexicon.is_german_word if lexical.lexicon else lambda w: False
    german = is_german(question)
    for i, w in enumerate(tokens + [""]):
        low = w.lower()  # a name: capitalised, not sentence-initial, its own translation, no German noun ("Admiral")
        name = (i > 0 and w[:1].isupper() and low in terms and {fold(f) for f in terms[low][0]} == {fold(low)}
                and (len(w) <= 3 and not german or not noun(w)))  # "Xi" is a Greek letter in the dictionary
        if name:
            run.append(w)
        else:
            if len(run) >= 2 and not lexical.has_phrase(run):
                runs.append(" ".join(run))
            run = []
    return runs


def focus_term(question: str, terms: dict) -> str | None:
    """The noun a which/what/how-many/how-far question asks about ("which hotel" -> hotel, "how long did the talks
    last" -> talks), if it is a content word."""
    m = _WH.search(question)
    if not m:
        return None
    run, german, prev = [], is_german(question), ""
    for w in words(question[m.end():]):
        low = w.lower()
        if low not in terms and "-" in low and any(p in terms for p in low.split("-")):
            continue  # a modifier split into its parts (munitions-industry chief, sit-down talks): on to the noun
        if run and (re.search(r"(ed|ing)$", low) or low in answer_type.ENDS_NOUN  # "which minister led/could"
                    or (w[:1].isupper() and not prev[:1].isupper() and not german)):  # "missiles North Korea fired"
            break
        prev = w
        if low in terms or any(low in t.split() and t.split()[-1] not in VERB_PARTICLES for t in terms):
            run.append(low)
        else:
            break
    else:  # "how long did the talks last?": the question's last word is its verb
        if len(run) > 1 and m.group(1).lower().startswith("how "):
            run.pop()
    if run and german:  # German: the noun comes first ("welchen Fußballverein unterstützt ...")
        nouns = [w for w in words(question[m.end():])[:len(run)] if w[:1].isupper()]
        run = run[:1] if not nouns else [nouns[0].lower()]
    if not run or run[-1] in _CATEGORY:
        return None
    head = run[-1]
    return next((t for t in terms if head in t.split()), None)


def _is_name(term: str, question: str) -> bool:
    return bool(re.search(rf"(?<!^)(?<![.?!] )\b{re.escape(term)}\b", question, re.I)) and any(
        w[:1].isupper() and w.lower() == term for w in words(question)[1:])


def extract_answer(question: str, passages: list[Passage], lexical: Lexical, wire: WireCopy | None = None,
                   max_sentences: int = 3, abstain_below: float = 0.18) -> Extract:
    candidates = _candidates(passages, wire)
    terms = term_weights(question, lexical)
    if not candidates or not terms:
        return Extract(abstain_text(question), [], 0.0, True)
    missing = NAME_WEIGHT * len(missing_names(question, terms, lexical))
    total = sum(w for _, w in terms.values()) + missing
    focus = focus_term(question, terms)
    texts = [text for _, _, text in candidates]
    sims = lexical.similarity(question, texts)
    parts = answer_type.parts(question)
    kind = answer_type.expected(parts[0])
    has_name = _name_check(question, focus, terms, lexical) if kind == "name" else None
    found, covers, scores, fits = [], [], [], []
    before = [_antecedent(candidates, j) for j in range(len(candidates))]
    own = [lexical.sentence_words(text) for text in texts]  # once each, also when it is another's antecedent
    for (p, i, text), sim, b, ws in zip(candidates, sims, before, own):
        ws = ws | own[b] if b is not None else ws
        hit = {t for t, (forms, _) in terms.items() if not lexical.matching_words(forms).isdisjoint(ws)}
        cover = sum(terms[t][1] for t in hit) / total
        # "how many drones": a number, and drones in the same sentence
        fits.append(answer_type.holds(kind, text, question) and (kind not in MEASURED or not focus or focus in hit)
                    and (has_name is None or has_name(text)))
        found.append(hit)
        covers.append(cover)
        scores.append(cover + 0.5 * float(sim) + (FOCUS_BONUS if focus in hit else 0.0) + 0.03 / p.rank)
    match = list(scores)  # how well each sentence matches, before the bonus for holding the asked kind
    kind_ok = list(fits)
    if kind:  # the answer of the asked kind must stand in, or next to, a sentence that matches the question well
        top = int(np.argmax(scores))
        cutoff = TYPE_NEAR * scores[top]
        for j, ok in enumerate(fits):
            completes = (candidates[j][0] is candidates[top][0] and abs(candidates[j][1] - candidates[top][1]) <= 3
                         and bool(found[j] - found[top]))  # adds a question word, a few sentences away
            fits[j] = ok and (scores[j] >= cutoff or _adjacent(candidates[j], candidates[top]) or completes)
            scores[j] += TYPE_BONUS if fits[j] else 0.0
    order = list(np.argsort(-np.array(scores), kind="stable"))
    best = order[0]
    chosen, covered = [best], set(found[best])
    main_answered = fits[best] and (len(parts) == 1 or not kind)  # else the first part's quote decides
    for n, part in enumerate(parts if len(parts) > 1 else []):  # "..., and how far did they fly?": a quote each
        j = _best_for(part, terms, found, texts, scores, chosen, kind_ok if n == 0 else None)
        if j is not None and match[j] >= ADD_RATIO * match[best]:
            main_answered |= n == 0  # the first part decides, with its own kind and name checks
            if j not in chosen and len(chosen) < max_sentences:
                chosen.append(j)
                covered |= found[j]
    for j in order[1:]:
        if len(chosen) >= max_sentences:
            break
        if j in chosen:
            continue
        adds = found[j] - covered
        if scores[j] >= KEEP_RATIO * scores[best] or (adds and scores[j] >= ADD_RATIO * scores[best]):
            chosen.append(j)
            covered |= found[j]
    for j in list(chosen):  # a quote opening with a pronoun comes with the sentence it refers to
        if before[j] is not None and before[j] not in chosen and len(chosen) < max_sentences:
            chosen.append(before[j])
    union = sum(terms[t][1] for t in covered) / total
    confidence = 0.7 * covers[best] + 0.3 * union + SIM_WEIGHT * float(sims[best])

    absent = (missing + sum(w for forms, w in terms.values() if not lexical.in_corpus(forms))) / total
    confidence *= (1.0 - absent) ** ABSENT_EXP  # "Who won the Rugby World Cup?": the articles never say rugby
    if focus and not lexical.in_corpus(terms[focus][0]):
        confidence *= FOCUS_PENALTY
    if not main_answered:  # "how many ...?" and no number near the best match
        confidence = 0.0
    if confidence < abstain_below:
        return Extract(abstain_text(question), [], confidence, True)
    chosen.sort(key=lambda j: (candidates[j][0].rank, candidates[j][1]))
    cites = [citation(n, candidates[j][0], candidates[j][1], wire) for n, j in enumerate(chosen, 1)]
    return Extract(" ".join(f"{c.quote} [{c.marker}]" for c in cites), cites, confidence, False)


def _best_for(part: str, terms: dict, found: list[set[str]], texts: list[str], scores: list[float],
              chosen: list[int], allowed: list[bool] | None = None) -> int | None:
    """The sentence that best answers one part of a compound question: most of its terms (not the category
    nouns: "words", "year"), and an answer of the part's own kind ("how far": a distance), among the
    ``allowed`` sentences (the first part's name and focus checks). Ties go to a sentence not quoted yet."""
    asked = word_set(part)
    own = {t for t in terms if t not in _CATEGORY and any(fold(w) in asked for w in t.split())}
    weight = sum(terms[t][1] for t in own)
    kind = answer_type.expected(part)
    score = [sum(terms[t][1] for t in hit & own) / weight
             if weight and answer_type.holds(kind, text, part) and (allowed is None or allowed[i]) else 0.0
             for i, (hit, text) in enumerate(zip(found, texts))]
    if not score:
        return None
    j = max(range(len(score)), key=lambda i: (score[i], i not in chosen, scores[i]))
    return j if score[j] >= PART_COVER else None


def _name_check(question: str, focus: str | None, terms: dict, lexical: Lexical) -> Callable[[str], bool] | None:
    """A test for "this sentence names the thing asked about", or None when names cannot be told from nouns."""
    subjects = answer_type.named(question) or ((focus,) if focus else ())
    if not subjects or not lexical.lexicon:
        return None
    owner = answer_type.owner(question)
    if owner and not (lexical.lexicon.is_german_word(owner) if is_german(question) else lexical.lexicon.translate(owner)
                      and not _is_name(owner, question) and owner not in stopwords()):
        owner = None  # "die Tochter von Kim Jong Un": a person, whose name stands by every name
    wanted = set()
    for subject in subjects + ((owner,) if owner else ()):
        # a hyphenated modifier (short-range, high-ranking) stays as written: its parts name nothing
        forms = (terms[subject][0] if subject in terms else (subject,) if "-" in subject
                 else next(iter(lexical.expand(subject).values()), (subject,)))
        wanted |= lexical.matching_words(forms)
    asked = word_set(question)

    def has_name(text: str) -> bool:
        tokens = words(text)
        anchors = {i for i, t in enumerate(tokens) if fold(t) in wanted}
        return answer_type.has_name_near(tokens, anchors, lexical.lexicon.is_german_word, asked)

    return has_name


def _antecedent(candidates: list[tuple[Passage, int, str]], j: int) -> int | None:
    """The candidate before one that opens with a pronoun ("Beide seien ...", not "Beide Länder ..."), if any:
    the sentence ending just before it in its article (perhaps in another passage), or its passage's previous
    sentence where that was kept from another article (wire copy)."""
    p, i, text = candidates[j]
    first = words(text[:30])[:2]
    if len(first) < 2 or first[0].lower() not in _ANAPHOR or first[1][:1].isupper():
        return None
    found = next((k for k, other in enumerate(candidates) if _follows(candidates[j], other)), None)
    if found is None and i:
        previous = normalize(p.chunk.sentence_texts[i - 1])
        found = next((k for k, (_, _, t) in enumerate(candidates) if normalize(t) == previous), None)
    return found


def _adjacent(a: tuple[Passage, int, str], b: tuple[Passage, int, str]) -> bool:
    """Neighbouring sentences of one article ("... fired two missiles." "Both flew 650 km."), even when
    chunk overlap put them in different passages."""
    return _follows(a, b) or _follows(b, a)


def _follows(a: tuple[Passage, int, str], b: tuple[Passage, int, str]) -> bool:
    """Whether sentence ``a`` starts right where sentence ``b`` of the same article ends."""
    (pa, ia, _), (pb, ib, _) = a, b
    return pa.chunk.source == pb.chunk.source and 0 <= pa.chunk.sentences[ia][0] - pb.chunk.sentences[ib][1] <= 4


def _candidates(passages: list[Passage], wire: WireCopy | None) -> list[tuple[Passage, int, str]]:
    """Every sentence of the passages once; a sentence repeated (overlap, wire copy) keeps its best passage."""
    seen: set[str] = set()
    out = []
    for p in passages:
        for i, text in enumerate(p.chunk.sentence_texts):
            key = wire.key(text) if wire else normalize(text)
            if key not in seen and len(text.split()) >= 3:
                seen.add(key)
                out.append((p, i, text))
    return out


def abstain_text(question: str) -> str:
    if is_german(question):
        return "Die Artikel beantworten diese Frage nicht."
    return "The articles don't answer this question."
