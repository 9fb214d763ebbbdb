"""The generate stage's backends, one ``turn.Generator`` each: the extractive answerer and the LLMs.

The extractive answerer quotes the passages' best sentences (``extractive``), gives a quote that points back
the sentence before it (``quotes``) and leads with the names and numbers it holds (``lead``). An LLM writes
an answer with ``[n]`` markers, which are checked against the passages (``generate.check``); its first
sentence is the lead. A follow-up is searched with the conversation: an LLM rewrites it to stand alone
(and adds a German search); without one it is searched together with the last turn and read in its context.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from dataclasses import replace

from .backends import EXTRACTIVE, Backend
from .cite import MARKER, WireCopy
from .extractive import WEAK_BELOW, Extract, extract_answer
from .generate import check, condense, generate, german_rewrite, history_pairs
from .lead import first_sentence, lead
from .profiles import PROFILES
from .quotes import Sentences, with_antecedents
from .retrieve import Retriever
from .turn import Draft, Plan, timed
from .types import Passage

log = logging.getLogger(__name__)


class Extractive:
    """Quotes, no model: the follow-up and the last turn are searched together and read as one."""

    name = EXTRACTIVE

    def __init__(self, model: str, max_sentences: int, abstain_below: float,
                 sentences_of: Callable[[str], Sentences]) -> None:
        self.model, self.max_sentences, self.abstain_below = model, max_sentences, abstain_below
        self.sentences_of = sentences_of
        self._extract: Extract | None = None

    def resolve(self, plan: Plan, history: list | None, r: Retriever, timings: dict[str, float]) -> Plan:
        return plan

    def expand(self, plan: Plan, history: list | None, r: Retriever, timings: dict[str, float]) -> Plan:
        if (talk := _conversation(plan.asked.text, history)) is None:
            return plan
        context = r.analyse(talk[0], plan.asked.language)
        return replace(plan, extra=(context,), context=context, topic=talk[1])

    def generate(self, plan: Plan, passages: list[Passage], r: Retriever) -> Iterator[str]:
        self._extract = extract_answer(plan.question, passages, r, r.lexical, WireCopy(r), self.max_sentences,
                                       self.abstain_below, plan.context, plan.topic)
        yield from re.findall(r"\S+\s*", self._extract.text)

    def finish(self, plan: Plan, passages: list[Passage], r: Retriever) -> Draft:
        ex = self._extract
        cites = with_antecedents(ex.citations, passages, self.sentences_of)
        said = "" if ex.abstained else lead(plan.question.text, [c.quote for c in cites], [c.passage for c in cites],
                                            plan.question.language, [c.language for c in cites])
        return Draft(ex.text, cites, ex.abstained, grounded=bool(ex.citations), confidence=ex.confidence, lead=said,
                     weak=not ex.abstained and ex.confidence < WEAK_BELOW)


class LLM:
    """A language model's answer. One deadline for the whole turn: condense, rewrite and answer together."""

    def __init__(self, backend: Backend, rewrite: bool, streaming: bool) -> None:
        self.backend, self.rewrite, self.streaming = backend, rewrite, streaming
        self.name, self.model = backend.name, backend.model
        self.deadline = backend.deadline()
        self._raw = ""

    def resolve(self, plan: Plan, history: list | None, r: Retriever, timings: dict[str, float]) -> Plan:
        with timed(timings, "condense_ms"):
            standalone = condense(self.backend, plan.asked.text, history, self.deadline)
        return plan if standalone == plan.asked.text else replace(plan, question=r.analyse(standalone))

    def expand(self, plan: Plan, history: list | None, r: Retriever, timings: dict[str, float]) -> Plan:
        extra: tuple[str, ...] = ()
        with timed(timings, "rewrite_ms"):
            if self.rewrite and (german := german_rewrite(self.backend, plan.question.text, self.deadline,
                                                          plan.question.language)):
                extra += (german,)
        if (talk := _conversation(plan.asked.text, history)) and plan.question.text == plan.asked.text:
            extra += (talk[0],)  # the model-free guess guards against a poor condensation
        return replace(plan, extra=tuple(r.analyse(e) for e in extra))

    def generate(self, plan: Plan, passages: list[Passage], r: Retriever) -> Iterator[str]:
        self._raw = ""
        for piece in generate(self.backend, plan.question.text, passages, language_from=plan.asked.text,
                              streaming=self.streaming, deadline=self.deadline, language=plan.asked.language):
            self._raw += piece
            yield piece

    def finish(self, plan: Plan, passages: list[Passage], r: Retriever) -> Draft:
        verified, abstained = check(self._raw, passages, WireCopy(r))
        if verified.dropped:
            log.info("removed citation markers: %s", ", ".join(verified.dropped))
        conf = len(verified.citations) / max(len(verified.citations) + len(verified.dropped), 1)
        return Draft(verified.text, verified.citations, abstained, verified.grounded, conf,
                     lead="" if abstained else first_sentence(verified.text),
                     weak=not abstained and not verified.grounded)


def _conversation(message: str, history: list | None) -> tuple[str, str] | None:
    """(the message with the last question and the first claim of its answer, the message with the last
    question only), or None without a history. The claim (up to the answer's first citation marker) names what
    a follow-up's pronouns point at; the later quotes scored nearly as well, often on another matter, and drew
    follow-ups away. An answer that said the articles don't answer names nothing."""
    pairs = history_pairs(history)
    if not pairs:
        return None
    question, said = pairs[-1]
    claim = MARKER.split(said, maxsplit=1)[0].strip()
    if claim in {p.no_answer for p in PROFILES.values()}:
        claim = ""
    return " ".join((message, question, claim)).strip(), f"{message} {question}"
