"""Speed figures, printed (not asserted): indexing from scratch with the model load, and warm answers.

    .venv/bin/python evals/bench.py [--questions evals/questions.jsonl] [--repeat 3]
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
    parser.add_argument("--questions", default="evals/questions.jsonl")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    from rag import Assistant, Settings
    from rag.scoring import load_questions

    with tempfile.TemporaryDirectory() as tmp:
        started = time.perf_counter()
        bot = Assistant(Settings.load(index_dir=tmp))
        report = bot.index()  # model load + chunk + embed + store
        cold = time.perf_counter() - started
        print(f"index from scratch, model load included: {cold:.2f} s "
              f"({report.articles} articles, {report.chunks} chunks, embedding {report.seconds:.2f} s of it)")
        started = time.perf_counter()
        bot.warm_up()
        print(f"warm-up after indexing (chunks, lexical index, dictionary): {time.perf_counter() - started:.2f} s")
        questions = [q.question for q in load_questions(args.questions)]
        bot.ask("a first question loads the dictionary and the model's kernels")
        _report("answer() to a new question", _timed(bot, questions))  # embeds it, fills per-word caches
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
