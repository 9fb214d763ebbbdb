"""Run an eval set through the real pipeline and score it (``rag eval``).

A set may come with its own corpus (``corpus``): it is then indexed once into a cache folder named after
the corpus's contents and the index settings, so external sets never touch the project's index.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from pathlib import Path

from .assistant import Assistant
from .errors import ConfigError
from .generate import history_pairs
from .indexer import CHUNK_VECTORS, LAYOUT
from .scoring import Got, load_questions, score_one, summarize
from .settings import Settings, cache_dir

FLOORS = {("retrieval", "hit@5"): 0.90, ("retrieval", "mrr"): 0.75, ("answer", "fact_recall"): 0.85,
          ("abstention", "accuracy"): 0.85, ("citations", "grounded"): 0.90}
CEILINGS = {("abstention", "false_abstentions"): 0.05}


def run_eval(assistant: Assistant, dataset: str | Path, k: int | None = None, replay: bool = False) -> dict:
    """Score ``dataset``. A follow-up's earlier turns are passed as written, or with ``replay`` asked through the
    chat one by one, so that it reads the assistant's own earlier answers, as a chat user's follow-up does."""
    try:
        questions = load_questions(dataset)
    except ValueError as exc:
        raise ConfigError(str(exc)) from None
    assistant.warm_up()
    assistant.ask("warm-up question")  # first-call costs are start-up, not latency
    rows, answers = [], []
    for q in questions:
        history = _replayed(assistant, q.history, k) if replay else q.history
        a = assistant.chat(q.question, history, top_k=k) if history else assistant.ask(q.question, top_k=k)
        answers.append(a)
        got = Got(answer=a.text, abstained=a.abstained, passages=[p.chunk.text for p in a.passages],
                  cited_passages=[c.passage for c in a.citations], cited_sources=[c.source for c in a.citations],
                  latency_ms=a.timings.get("total_ms", 0.0), grounded=a.grounded)
        rows.append(score_one(q, got))
    articles = assistant.articles()
    n_chunks = sum(a.chunks for a in articles)
    report = summarize(rows, n_chunks, sum(a.tokens for a in articles) / max(n_chunks, 1))
    for row, a in zip(report["per_question"], answers):  # top-level keys are fixed by the eval contract
        row.update(backend=a.backend, model=a.model, error=a.error)
    return report


def _replayed(assistant: Assistant, history: list, k: int | None) -> list[tuple[str, str]]:
    """The history's user turns with the answers the assistant gives them, turn by turn; a failed turn is left
    out, as the chat leaves it out."""
    out: list[tuple[str, str]] = []
    for user, _ in history_pairs(history):
        a = assistant.chat(user, out, top_k=k)
        if not a.error:
            out.append((user, a.text))
    return out


def corpus_assistant(settings: Settings, corpus: str | Path) -> Assistant:
    """An assistant over ``corpus`` with its own index in the cache, built on first use and synced after."""
    if not any(p.is_file() for p in Path(corpus).rglob("*")):
        raise ConfigError(f"No articles in {corpus}: point --corpus at a folder of .txt or .md files.")
    # one cache folder per corpus folder and index settings; the sync below follows its files' changes
    key = (f"{Path(corpus).resolve()}|{settings.embedding_model}|{settings.chunk_tokens}|{settings.chunk_overlap}"
           f"|{LAYOUT}|{CHUNK_VECTORS}")
    if settings.passage_prefix is not None:  # a prefix of one's own makes other vectors: another cache
        key += f"|{settings.passage_prefix}"
    digest = hashlib.sha256(key.encode())
    cache = cache_dir("eval", digest.hexdigest()[:16])
    assistant = Assistant(settings.replace(corpus_dir=str(corpus), index_dir=str(cache), chroma_host="",
                                           collection="articles"))
    assistant.index()  # in step with today's cleaning and chunking: only what changed is embedded again
    return assistant


def broken_floors(report: dict, floors: dict | None = None, ceilings: dict | None = None) -> list[str]:
    floors = FLOORS if floors is None else floors
    ceilings = CEILINGS if ceilings is None else ceilings
    out = [f"{a}.{b} = {report[a][b]} < {v}" for (a, b), v in floors.items() if report[a][b] < v]
    out += [f"{a}.{b} = {report[a][b]} > {v}" for (a, b), v in ceilings.items() if report[a][b] > v]
    return out


@dataclass
class SuiteResult:
    name: str
    split: str
    report: dict
    broken: list[str]


def load_suite(path: str | Path) -> list[dict]:
    """The sets of a suite file (JSON): name, split, dataset, optional corpus, optional replay (follow-ups read
    the assistant's own earlier answers), floors and ceilings ("retrieval.hit@5": 0.95); paths are relative to
    the file."""
    path = Path(path)
    try:
        entries = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise ConfigError(f"Cannot read the eval suite {path} ({exc}); the default is evals/suite.json.") from None
    for e in entries:
        for key in ("dataset", "corpus"):
            if e.get(key):
                e[key] = str(path.parent / e[key])
    return entries


def run_suite(settings: Settings, entries: list[dict], seed_assistant: Assistant | None = None) -> list[SuiteResult]:
    """Each set through its own corpus's assistant (or ``seed_assistant`` for sets over the project's corpus)."""
    out, assistants = [], {}
    for e in entries:
        if e.get("corpus") and e["corpus"] not in assistants:
            assistants[e["corpus"]] = corpus_assistant(settings, e["corpus"])
        assistant = assistants[e["corpus"]] if e.get("corpus") else seed_assistant or Assistant(settings)
        report = run_eval(assistant, e["dataset"], replay=bool(e.get("replay")))
        limits = {k: tuple(k.split(".", 1)) for k in {**e.get("floors", {}), **e.get("ceilings", {})}}
        broken = broken_floors(report, {limits[k]: v for k, v in e.get("floors", {}).items()},
                               {limits[k]: v for k, v in e.get("ceilings", {}).items()})
        out.append(SuiteResult(e["name"], e.get("split", ""), report, broken))
    return out
