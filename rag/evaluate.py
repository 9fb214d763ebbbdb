"""Run an eval set through the real pipeline and score it (``rag eval``)."""

from __future__ import annotations

from pathlib import Path

from .assistant import Assistant
from .errors import ConfigError
from .scoring import Got, load_questions, score_one, summarize

FLOORS = {("retrieval", "hit@5"): 0.90, ("retrieval", "mrr"): 0.75, ("answer", "fact_recall"): 0.85,
          ("abstention", "accuracy"): 0.85, ("citations", "grounded"): 0.90}
CEILINGS = {("abstention", "false_abstentions"): 0.05}


def run_eval(assistant: Assistant, dataset: str | Path, k: int | None = None) -> dict:
    try:
        questions = load_questions(dataset)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    assistant.warm_up()
    assistant.ask("warm-up question about Kim")  # first-call costs are start-up, not latency
    rows, answers = [], []
    for q in questions:
        a = assistant.ask(q.question, top_k=k)
        answers.append(a)
        got = Got(answer=a.text, abstained=a.abstained, passages=[p.chunk.text for p in a.passages],
                  cited_passages=[c.passage for c in a.citations], cited_sources=[c.source for c in a.citations],
                  latency_ms=a.timings.get("total_ms", 0.0), grounded=a.grounded)
        rows.append(score_one(q, got))
    chunks = assistant.chunks
    report = summarize(rows, len(chunks), sum(c.n_tokens for c in chunks) / max(len(chunks), 1))
    for row, a in zip(report["per_question"], answers):  # top-level keys are fixed by the eval contract
        row.update(backend=a.backend, model=a.model, error=a.error)
    return report


def broken_floors(report: dict) -> list[str]:
    out = [f"{a}.{b} = {report[a][b]} < {v}" for (a, b), v in FLOORS.items() if report[a][b] < v]
    out += [f"{a}.{b} = {report[a][b]} > {v}" for (a, b), v in CEILINGS.items() if report[a][b] > v]
    return out
