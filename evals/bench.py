"""Speed figures, printed (not asserted): indexing against the raw encode of the same chunks by the same
model, and warm answers against one query embedding (the issue's targets: <= 1.3x and <= 3x).

    .venv/bin/python evals/bench.py [--corpus seeds] [--questions evals/questions.jsonl] [--repeat 3]
"""

from __future__ import annotations

import argparse
import os
import statistics
import tempfile
import time

os.environ.setdefault("HF_HUB_OFFLINE", "1")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--corpus", default="seeds")
    parser.add_argument("--questions", default="evals/questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from rag import Assistant, Settings
    from rag.scoring import load_questions

    with tempfile.TemporaryDirectory() as tmp:
        bot = Assistant(Settings.load(index_dir=tmp, corpus_dir=args.corpus))
        bot.embedder.warm_up()
        report = bot.index()  # chunk + embed + store
        bot.warm_up()
        chunks = bot.chunks
        started = time.perf_counter()
        bot.embedder.embed_passages([c.text for c in chunks])
        raw = time.perf_counter() - started
        print(f"index from scratch: {report.seconds:.2f} s ({report.articles} articles, {report.chunks} chunks, "
              f"{report.sentences} sentences); raw encode of the same chunks: {raw:.2f} s; "
              f"ratio {report.seconds / raw:.2f}x")
        questions = [q.question for q in load_questions(args.questions)]
        started = time.perf_counter()
        for q in questions:
            bot.embedder._encode([q], query=True)
        one = (time.perf_counter() - started) / len(questions) * 1000
        bot.ask("a first question loads the model's kernels")
        times = _timed(bot, questions)
        _report("answer() to a new question", times)
        print(f"one query embedding: {one:.1f} ms; answer() p50 / query embedding: {statistics.median(times) / one:.2f}x")
        _report("answer() to a question asked before", _timed(bot, questions * args.repeat))


def _timed(bot, questions: list[str]) -> list[float]:
    times = []
    for q in questions:
        t = time.perf_counter()
        bot.ask(q)
        times.append((time.perf_counter() - t) * 1000)
    return sorted(times)


def _report(what: str, times: list[float]) -> None:
    print(f"{what}, {len(times)} calls: p50 {statistics.median(times):.1f} ms, "
          f"p95 {times[int(0.95 * len(times)) - 1]:.1f} ms, max {times[-1]:.1f} ms")

if __name__ == "__main__":
    main()
