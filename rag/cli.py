"""The ``rag`` command: index articles, ask questions, run the eval suite, start the chat."""

from __future__ import annotations

import argparse
import json
import os
import sys

from .errors import RagError


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="rag", description="Cited answers about news articles.")
    parser.add_argument("--config", help="settings file (default: ./rag.toml or $RAG_CONFIG)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("index", help="index articles", description="Index articles (default: corpus_dir).\n"
                       "Example: rag index seeds my_articles/ --rebuild", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("paths", nargs="*", help="article files or folders (default: the corpus_dir setting)")
    p.add_argument("--rebuild", action="store_true", help="drop the index and embed everything again")
    p.add_argument("--prune", action="store_true", help="make the index mirror PATHs: drop articles not among them "
                   "(always so without PATHs)")

    p = sub.add_parser("ask", help="answer one question", description='Answer a question with cited sources.\n'
                       'Example: rag ask "Who signed the agreement, and when?"', formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("question")
    p.add_argument("--top-k", type=int, dest="top_k")
    p.add_argument("--json", action="store_true", help="print the answer as JSON")

    p = sub.add_parser("eval", help="measure accuracy", description="Run an eval set through the pipeline.\n"
                       "Example: rag eval --k 5 --json report.json", formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--dataset", default="evals/questions.jsonl")
    p.add_argument("--corpus", help="index this folder of articles for the set (cached), not the project's index")
    p.add_argument("--suite", help="run every set of a suite file (e.g. evals/suite.json) and print a table")
    p.add_argument("--k", type=int, help="top_k for retrieval")
    p.add_argument("--json", dest="json_path", help="write the full report to this file")
    p.add_argument("--check", action="store_true", help="exit 1 when a floor is broken")

    p = sub.add_parser("chat", help="open the chat in the browser", formatter_class=argparse.RawDescriptionHelpFormatter,
                       description="Serve the browser chat (Gradio): streamed, cited answers and a sources panel.\n"
                       "The first start builds the index. Example: rag chat --port 7861 --auth alice:secret")
    p.add_argument("--host", help="address to listen on (default: 127.0.0.1; 0.0.0.0 for all interfaces)")
    p.add_argument("--port", type=int, help="port (default: 7860)")
    p.add_argument("--share", action="store_true", default=None, help="also open a public gradio.live link")
    p.add_argument("--auth", help="require a login, as user:password")
    p.add_argument("--top-k", type=int, dest="top_k", help="passages searched per question (default: 5)")

    for name in ("ask", "eval", "chat"):
        sp = sub.choices[name]
        sp.add_argument("--backend", help="answer backend (default: extractive)")
        sp.add_argument("--model", help="model name for the backend")
        sp.add_argument("--base-url", dest="base_url", help="server URL for HTTP backends")

    args = parser.parse_args(argv)
    os.environ.setdefault("TOKENIZERS_PARALLELISM", "false")
    try:
        return _run(args)
    except RagError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _run(args) -> int:
    from .assistant import Assistant
    from .settings import Settings

    overrides = {k: getattr(args, k, None) for k in ("backend", "model", "base_url", "top_k", "host", "port",
                                                      "share", "auth")}
    settings = Settings.load(args.config, **overrides)
    assistant = Assistant(settings)
    if args.command == "index":
        report = assistant.index(args.paths or None, rebuild=args.rebuild, progress=sys.stderr.isatty(),
                                 prune=True if args.prune else None)
        for path, why in report.skipped:
            print(f"skipped {path}: {why}", file=sys.stderr)
        print(f"{report.articles} articles, {report.chunks} chunks: {report.added} added, {report.removed} removed, "
              f"{report.unchanged} unchanged, {report.embedded} chunks and {report.sentences} sentences embedded"
              f" in {report.seconds:.1f} s")
        return 0
    if args.command == "ask":
        assistant.warm_up(progress=sys.stderr.isatty())
        a = assistant.ask(args.question)
        if args.json:
            from dataclasses import asdict

            d = asdict(a)
            d.pop("passages")
            print(json.dumps(d, ensure_ascii=False, indent=2))
            return 2 if a.error else 0
        if a.error:  # the backend failed: say why, and still show what retrieval found
            print(f"error: {a.error}", file=sys.stderr)
            print("Retrieved passages:")
            for p in a.passages:
                print(f"\n[{p.rank}] {p.chunk.source}, {p.chunk.date or 'undated'}: {p.chunk.title}\n    {p.chunk.text[:300]}")
            return 2
        print(a.text)
        for c in a.citations:
            also = f" (also in {', '.join(c.also_in)})" if c.also_in else ""
            print(f"\n[{c.marker}] {c.source}, {c.date or 'undated'}: {c.title}{also}\n    \"{c.quote}\"")
        return 0
    if args.command == "chat":
        try:
            from ui.app import launch  # gradio is imported here only: `rag ask` stays light
        except ModuleNotFoundError as exc:
            from .errors import MissingDependencyError

            raise MissingDependencyError(f"The chat needs the {exc.name} package: pip install {exc.name}") from None
        launch(assistant, settings)
        return 0
    if args.command == "eval":
        from .evaluate import broken_floors, corpus_assistant, load_suite, run_eval, run_suite

        if args.suite:
            results = run_suite(settings, load_suite(args.suite), assistant)
            _print_suite(results)
            return 1 if args.check and any(r.broken for r in results) else 0
        if args.corpus:
            assistant = corpus_assistant(settings, args.corpus)
        report = run_eval(assistant, args.dataset, args.k)
        _print_report(report)
        if args.json_path:
            with open(args.json_path, "w", encoding="utf-8") as f:
                json.dump(report, f, ensure_ascii=False, indent=2)
        broken = broken_floors(report)
        for b in broken:
            print(f"floor broken: {b}", file=sys.stderr)
        return 1 if broken and args.check else 0
    return 2


SUITE_COLUMNS = [("hit@5", "retrieval", "hit@5"), ("MRR", "retrieval", "mrr"), ("facts", "answer", "fact_recall"),
                 ("cite prec", "citations", "precision"), ("abstain", "abstention", "accuracy"),
                 ("false abst", "abstention", "false_abstentions"), ("p50 ms", "latency_ms", "p50")]


def _print_suite(results) -> None:
    width = max(len(f"{r.name} ({r.split})") for r in results)
    print(f"{'set':<{width}}  {'n':>4}  " + "  ".join(f"{c:>10}" for c, _, _ in SUITE_COLUMNS))
    for r in results:
        cells = "  ".join(f"{r.report[a][b]:>10.3f}" for _, a, b in SUITE_COLUMNS)
        print(f"{r.name + ' (' + r.split + ')':<{width}}  {r.report['n']:>4}  {cells}")
    for r in results:
        for b in r.broken:
            print(f"floor broken: {r.name} ({r.split}): {b}", file=sys.stderr)


def _print_report(r: dict) -> None:
    rows = [("questions", r["n"]), ("chunks", f"{r['chunks']['count']} (mean {r['chunks']['mean_tokens']} tokens)")]
    for group in ("retrieval", "answer", "citations", "abstention", "latency_ms"):
        rows += [(f"{group}.{k}", v) for k, v in r[group].items()]
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")
    misses = [q for q in r["per_question"] if q["answerable"] and (q["fact_recall"] or 0) < 1 or
              (not q["answerable"] and not q["abstained"])]
    if misses:
        print(f"\n{len(misses)} questions not fully right:")
        for q in misses:
            print(f"  {q['id']}: {q['question'][:70]}  (hit rank {q['hit_rank']}, facts {q['fact_recall']}, "
                  f"abstained {q['abstained']})")


if __name__ == "__main__":
    sys.exit(main())
