"""Citations: the exact quoted span in its file, and wire copy (the same sentence in several articles)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from .dates import weekdays
from .store import sentence_id
from .text import normalize, plain_quotes
from .types import Chunk, Citation, Passage

class WireCopy:
    """Which articles carry each sentence, so a repeated sentence is cited once and the others named.

    Agencies' copy is edited lightly between outlets ("said the spokesman" / "said the spokesman on Monday"),
    so sentences whose word sets overlap by ``similar`` or more (Jaccard) count as the same sentence. Copies
    are found per question, not over the corpus: exact ones through the index's sentence ids, near ones among
    a sentence's nearest neighbours in the sentence vectors. Make one per answer: ``key`` remembers the
    sentences it has seen, so near-copies among one answer's candidates share a key.
    """

    def __init__(self, index=None, similar: float = 0.8, neighbours: int = 8) -> None:
        self.index, self.similar, self.neighbours = index, similar, neighbours  # index: a ``Retriever``
        self._seen: list[tuple[str, frozenset[str]]] = []

    def key(self, sentence: str) -> str:
        """The same key for a sentence and its near-copies seen before by this object."""
        norm = normalize(sentence)
        if len(norm) < 40:  # short lines (headings, one-word captions) repeat by chance
            return norm
        bag = _bag(norm)
        for key, other in self._seen:
            if _jaccard(bag, other) >= self.similar:
                return key
        self._seen.append((norm, bag))
        return norm

    def also_in(self, sentence: str, source: str) -> tuple[str, ...]:
        """Other articles that carry ``sentence`` or a near-copy of it."""
        if self.index is None or len(normalize(sentence)) < 40:
            return ()
        cat = self.index.catalog
        found = cat.sources_of(cat.holders(sentence_id(sentence)))
        vector = self.index.vector(sentence)
        if vector is not None:
            bag = _bag(normalize(sentence))
            near = {sid: cat.holders(sid) for sid, _ in self.index.sentences.query(vector, self.neighbours)
                    if len(cat.holders(sid))}
            holders = {cat.ids[int(ps[0])]: sid for sid, ps in near.items()}
            for chunk in self.index.store.get(list(holders)):
                for text in chunk.sentence_texts:
                    sid = sentence_id(text)
                    if sid in near and _jaccard(bag, _bag(normalize(text))) >= self.similar:
                        found |= cat.sources_of(near[sid])
        return tuple(sorted(found - {source}))


def _bag(norm: str) -> frozenset[str]:
    return frozenset(re.findall(r"\w+", norm))


def _jaccard(a: frozenset[str], b: frozenset[str]) -> float:
    return len(a & b) / len(a | b) if a or b else 0.0


def citation(marker: int, passage: Passage, sentence_index: int | None, wire: WireCopy | None = None) -> Citation:
    """A citation of one sentence of a passage (or of the whole passage when no sentence is known)."""
    c = passage.chunk
    if sentence_index is None:
        quote, (start, end) = c.text, (c.start, c.end)
    else:
        quote, (start, end) = c.sentence_texts[sentence_index], c.sentences[sentence_index]
    return Citation(marker=marker, source=c.source, title=c.title, date=c.date, passage=c.text, quote=quote,
                    start=start, end=end, chunk_id=c.id, also_in=wire.also_in(quote, c.source) if wire else (),
                    language=c.language, days=weekdays(quote, c.date, c.language))


# --- LLM answers: [n] markers checked against the passages that were actually given -------------------

MARKER = re.compile(r"\[\s*(?:(?:passages?|quellen?|sources?|abschnitt|doc(?:ument)?)\s*)?"
                    r"(\d{1,3}(?:\s*(?:,|;|&|and|und)\s*\d{1,3})*)\s*\]", re.I)
_QUOTED = re.compile(r'"([^"\n]{8,}?)"|„([^“"\n]{8,}?)[“"]|“([^”\n]{8,}?)”|«([^»\n]{8,}?)»|»([^«\n]{8,}?)«')
_WORD = re.compile(r"\w+")


@dataclass
class Verified:
    """An LLM answer after its markers were checked: clean text, real citations, and what was dropped."""

    text: str
    citations: list[Citation]
    dropped: list[str]  # markers removed: "[7] (no such passage)", "[2] (quote not in any passage)"

    @property
    def grounded(self) -> bool:
        return bool(self.citations)


def parse_markers(text: str) -> list[tuple[int, int, list[int]]]:
    """Every marker in ``text`` as (start, end, passage numbers); ``[1, 3]`` and ``[Passage 2]`` included."""
    return [(m.start(), m.end(), [int(n) for n in re.findall(r"\d+", m.group(1))]) for m in MARKER.finditer(text)]


def find_quote(quote: str, chunk: Chunk) -> tuple[int, int, int] | None:
    """(sentence index, start, end) of ``quote`` inside one sentence of ``chunk``, offsets within that sentence;
    tolerant of spacing, case and quote-mark style."""
    target = plain_quotes(quote).split()
    if not target:
        return None
    pattern = re.compile(r"\s+".join(map(re.escape, target)), re.IGNORECASE)
    for i, text in enumerate(chunk.sentence_texts):
        if m := pattern.search(plain_quotes(text)):  # keeps lengths, so offsets hold
            return i, m.start(), m.end()
    return None


def verify(text: str, passages: list[Passage], wire: WireCopy | None = None) -> Verified:
    """Check every ``[n]`` marker of an LLM answer against the ``passages`` it was given (numbered from 1).

    A marker survives when it names a given passage and, if its claim quotes words, the quote is in that
    passage (a quote found in another given passage moves the citation there). Each citation quotes the
    span the model quoted, else the passage's sentence that shares the most words with the claim, else
    the whole passage. Surviving markers keep the number the model wrote (the streamed text showed it), so
    ``[1][3]`` stays ``[1][3]``; one number used for several sentences cites each; others are removed.
    """
    cites: dict[tuple[int, tuple[int, int, int]], Citation] = {}
    dropped: list[str] = []
    out, last, said = [], 0, ""
    for start, end, numbers in parse_markers(text):
        claim = text[last:start]
        if claim.strip():  # adjacent markers ("[1][2]") share the claim before them
            said = re.split(r"(?<=[.!?])\s+", claim.strip())[-1]
        last_sentence = said
        quotes = [next(g for g in m.groups() if g) for m in _QUOTED.finditer(last_sentence or claim)]
        kept: list[int] = []
        for n in numbers:
            if not 1 <= n <= len(passages):
                dropped.append(f"[{n}] (no such passage)")
                continue
            key = _source_of(n - 1, quotes, last_sentence or claim, passages)
            if key is None:
                dropped.append(f"[{n}] (quote not in any passage)")
                continue
            if (n, key) not in cites:  # the model's own number: what the reader saw streaming stays
                cites[(n, key)] = _citation(n, passages[key[0]], key, wire)
            if n not in kept:
                kept.append(n)
        out.append(claim + "".join(f"[{k}]" for k in kept))
        last = end
    out.append(text[last:])
    clean = re.sub(r"[ \t]+([.,;:!?]|$)", r"\1", "".join(out), flags=re.M)
    clean = re.sub(r"(?<=\S)[ \t]{2,}(?=\S)", " ", clean).strip()
    return Verified(clean, sorted(cites.values(), key=lambda c: c.marker), dropped)  # stable: first use first


def _source_of(i: int, quotes: list[str], claim: str, passages: list[Passage]) -> tuple[int, int, int] | None:
    """(passage index, span start, span end) backing a claim cited as passage ``i``; span -1, -1 = the whole
    passage, span -(s+2), 0 = sentence s. None when the claim quotes words that no passage contains."""
    for q in quotes:
        order = [i] + [j for j in range(len(passages)) if j != i]
        for j in order:
            if found := find_quote(q, passages[j].chunk):
                s, a, b = found
                start = passages[j].chunk.sentences[s][0]
                return j, start + a, start + b
        return None
    s = _best_sentence(claim, passages[i].chunk)
    return (i, -(s + 2), 0) if s is not None else (i, -1, -1)


def _best_sentence(claim: str, chunk: Chunk) -> int | None:
    """The sentence sharing the most words (5-letter prefixes, numbers) with the claim; None when the best
    shares fewer than two, unless it alone shares one."""
    def keys(t: str) -> set[str]:
        return {w[:5] for w in _WORD.findall(t.casefold()) if len(w) >= 4 or w.isdigit()}

    want = keys(claim)
    scored = [(len(want & keys(t)), -i) for i, t in enumerate(chunk.sentence_texts)]
    best = max(scored, default=(0, 0))
    alone = sum(n == best[0] for n, _ in scored) == 1
    return -best[1] if best[0] >= 2 or (best[0] == 1 and alone) else None


def _citation(marker: int, passage: Passage, key: tuple[int, int, int], wire: WireCopy | None) -> Citation:
    _, a, b = key
    if a == -1:
        return citation(marker, passage, None, wire)
    if a < -1:
        return citation(marker, passage, -a - 2, wire)
    c = passage.chunk
    s = next((k for k, (s0, s1) in enumerate(c.sentences) if s0 <= a and b <= s1), None)
    if s is None:  # cannot happen for spans found by find_quote; cite the passage rather than fail
        return citation(marker, passage, None, wire)
    quote = c.sentence_texts[s][a - c.sentences[s][0]:b - c.sentences[s][0]]
    return Citation(marker=marker, source=c.source, title=c.title, date=c.date, passage=c.text, quote=quote,
                    start=a, end=b, chunk_id=c.id, also_in=wire.also_in(c.sentence_texts[s], c.source) if wire else (),
                    language=c.language, days=weekdays(quote, c.date, c.language))
