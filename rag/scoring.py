"""Pure scoring for the eval suite: (expected question, what the pipeline returned) -> numbers.

No pipeline here, so these functions are easy to test and to reuse on answers from anywhere.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

from .text import one_spaced


@dataclass(frozen=True)
class Question:
    id: str
    question: str
    answers: list[list[str]]
    sources: list[str]
    evidence: list[str]
    answerable: bool = True
    history: list = field(default_factory=list)  # earlier (user, assistant) turns of a follow-up


@dataclass(frozen=True)
class Got:
    """What the pipeline produced for one question, reduced to what scoring needs."""

    answer: str
    abstained: bool
    passages: list[str]  # retrieved passage texts, best first
    cited_passages: list[str]  # passage text behind each citation
    cited_sources: list[str]
    latency_ms: float = 0.0
    grounded: bool = True


def load_questions(path: str | Path) -> list[Question]:
    try:
        lines = Path(path).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"Cannot read the eval set {path} ({exc}); the default is evals/questions.jsonl.") from None
    out = []
    for n, line in enumerate(lines, 1):
        if line.strip():
            try:
                d = json.loads(line)
                out.append(Question(d["id"], d["question"], d.get("answers", []), d.get("sources", []),
                                    d.get("evidence", []), d.get("answerable", True), d.get("history", [])))
            except (ValueError, KeyError) as exc:
                raise ValueError(f"{path}:{n}: not an eval question ({exc})") from None
    return out


def has_evidence(text: str, evidence: list[str]) -> bool:
    flat = one_spaced(text)
    return any(one_spaced(e) in flat for e in evidence)


def hit_rank(q: Question, passages: list[str]) -> int | None:
    """1-based rank of the first passage that contains an evidence string."""
    return next((i for i, p in enumerate(passages, 1) if has_evidence(p, q.evidence)), None)


def fact_recall(q: Question, answer: str) -> float:
    if not q.answers:
        return 0.0
    low = answer.casefold()
    return sum(any(s.casefold() in low for s in fact) for fact in q.answers) / len(q.answers)


@dataclass
class Row:
    id: str
    question: str
    answer: str
    abstained: bool
    answerable: bool
    hit_rank: int | None
    fact_recall: float | None
    cited_sources: list[str]
    citations_with_evidence: int
    citations: int
    latency_ms: float
    grounded: bool = field(default=True)


def score_one(q: Question, got: Got) -> Row:
    good = sum(has_evidence(p, q.evidence) for p in got.cited_passages) if q.answerable else 0
    return Row(id=q.id, question=q.question, answer=got.answer, abstained=got.abstained, answerable=q.answerable,
               hit_rank=hit_rank(q, got.passages) if q.answerable else None,
               fact_recall=fact_recall(q, got.answer) if q.answerable else None,
               cited_sources=list(got.cited_sources), citations_with_evidence=good, citations=len(got.cited_passages),
               latency_ms=got.latency_ms, grounded=got.grounded)


def _mean(xs: list[float]) -> float:
    return round(sum(xs) / len(xs), 4) if xs else 0.0


def _percentile(xs: list[float], p: float) -> float:
    if not xs:
        return 0.0
    s = sorted(xs)
    return round(s[min(len(s) - 1, max(0, math.ceil(p / 100 * len(s)) - 1))], 2)


def summarize(rows: list[Row], chunk_count: int = 0, mean_tokens: float = 0.0) -> dict:
    """The report, with exactly the keys the eval contract names."""
    ans = [r for r in rows if r.answerable]
    una = [r for r in rows if not r.answerable]
    cites = sum(r.citations for r in ans)
    return {
        "n": len(rows),
        "chunks": {"count": chunk_count, "mean_tokens": round(mean_tokens, 1)},
        "retrieval": {
            **{f"hit@{k}": _mean([1.0 if r.hit_rank and r.hit_rank <= k else 0.0 for r in ans]) for k in (1, 3, 5)},
            "mrr": _mean([1.0 / r.hit_rank if r.hit_rank else 0.0 for r in ans]),
        },
        "answer": {
            "fact_recall": _mean([r.fact_recall or 0.0 for r in ans]),
            "accuracy": _mean([1.0 if r.fact_recall == 1.0 else 0.0 for r in ans]),
            "mean_words": _mean([float(len(r.answer.split())) for r in ans if not r.abstained]),
        },
        "citations": {
            "precision": round(sum(r.citations_with_evidence for r in ans) / cites, 4) if cites else 0.0,
            "grounded": _mean([1.0 if r.citations_with_evidence else 0.0 for r in ans]),
        },
        "abstention": {
            "accuracy": _mean([1.0 if r.abstained else 0.0 for r in una]),
            "false_abstentions": _mean([1.0 if r.abstained else 0.0 for r in ans]),
        },
        "latency_ms": {"p50": _percentile([r.latency_ms for r in rows], 50),
                       "p95": _percentile([r.latency_ms for r in rows], 95)},
        "per_question": [r.__dict__ for r in rows],
    }
