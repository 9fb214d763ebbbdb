"""The ``rag`` command: index articles, ask questions, run the eval suite, start the chat."""

from __future__ import annotations

import argparse
import errno
import json
import os
import sys
from pathlib import Path

from .errors import ConfigError, RagError
from .redact import printable, scrub

DEFAULT_DATASET = "evals/questions.jsonl"


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
    p.add_argument("--dataset", help=f"a JSONL question set (default: {DEFAULT_DATASET}, from the working "
                   "directory or the rag checkout)")
    p.add_argument("--corpus", help="index this folder of articles for the set (cached), not the project's index")
    p.add_argument("--suite", help="run every set of a suite file (e.g. evals/suite.json) and print a table")
    p.add_argument("--k", type=int, help="top_k for retrieval")
    p.add_argument("--replay", action="store_true", help="ask a follow-up's earlier turns through the chat, so "
                   "it reads the assistant's own answers instead of the written ones (with --suite: each "
                   "set's own \"replay\")")
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
    if args.command != "index":
        _quiet()  # progress bars only while indexing
    settings = None
    try:
        from .settings import Settings

        overrides = {k: getattr(args, k, None) for k in ("backend", "model", "base_url", "top_k", "host", "port",
                                                          "share", "auth")}
        settings = Settings.load(args.config, **overrides)
        return _run(args, settings)
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # noqa: BLE001 - what the user can fix is one line; anything else propagates
        message = _message(exc, args, settings)
        if message is None:
            raise
        print(f"error: {scrub(' '.join(message.split()))}", file=sys.stderr)
        return 2


def _message(exc: Exception, args, settings) -> str | None:
    """One line that says what went wrong and what to do, or None for a bug (which then propagates)."""
    if isinstance(exc, RagError):
        return str(exc)
    index = settings.index_dir if settings else "index"
    if isinstance(exc, OSError):
        where = exc.filename or index
        if exc.errno == errno.ENOSPC:
            return (f"No space left on the device writing {where}. Free some space, or set index_dir "
                    "(RAG_INDEX_DIR) to a folder on another disk, then run the command again.")
        if exc.errno in (errno.EEXIST, errno.ENOTDIR) and Path(where).exists() and not Path(where).is_dir():
            return (f"{where} is a file where a folder is expected. Set index_dir (RAG_INDEX_DIR) or corpus_dir "
                    "to a folder, or move the file away.")
        if exc.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
            return f"Cannot write {where}: {exc.strerror}. Check its permissions, or set index_dir (RAG_INDEX_DIR) elsewhere."
        return f"{exc.strerror or type(exc).__name__}: {where}. Check the path and run the command again."
    if _is_index_error(exc) and "disk is full" in str(exc):  # SQLite's words for ENOSPC, through Chroma
        return (f"No space left on the device writing the index at {index}. Free some space, or set index_dir "
                "(RAG_INDEX_DIR) to a folder on another disk, then run the command again.")
    if _is_index_error(exc):
        if getattr(args, "rebuild", False):
            return (f"The index at {index} is damaged and cannot be opened even to rebuild it ({exc}). Move the "
                    f"folder away (mv {index} {index}.damaged) and run `rag index` again.")
        return (f"The index at {index} cannot be opened: it is damaged or was written by another Chroma version "
                f"({exc}). Rebuild it: rag index --rebuild (or delete {index} and run rag index).")
    return None


def _is_index_error(exc: Exception) -> bool:
    import sqlite3

    if isinstance(exc, sqlite3.DatabaseError):
        return True
    chroma = sys.modules.get("chromadb.errors")
    return bool(chroma) and isinstance(exc, chroma.ChromaError)


def _quiet() -> None:
    """No progress bars or load reports from the model libraries: `rag ask` prints its answer only."""
    os.environ.setdefault("HF_HUB_DISABLE_PROGRESS_BARS", "1")
    os.environ.setdefault("TRANSFORMERS_VERBOSITY", "error")
    os.environ.setdefault("TQDM_DISABLE", "1")
    try:
        from transformers.utils import logging as hf_logging

        hf_logging.disable_progress_bar()
        hf_logging.set_verbosity_error()
    except ImportError:
        pass


def _run(args, settings) -> int:
    from .assistant import Assistant

    assistant = Assistant(settings)
    if args.command == "index":
        report = assistant.index(args.paths or None, rebuild=args.rebuild, progress=sys.stderr.isatty(),
                                 prune=True if args.prune else None)
        for path, why in report.skipped:
            print(f"skipped {path}: {why}", file=sys.stderr)
        print(f"{report.articles} articles, {report.chunks} chunks: {report.added} added, {report.removed} removed, "
              f"{report.unchanged} unchanged, {report.sentences} sentences embedded"
              f" in {report.seconds:.1f} s")
        return 0
    if args.command == "ask":
        assistant.warm_up(progress=sys.stderr.isatty())  # a missing index is built first: then progress shows
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
                c = p.chunk  # article text and names are printed without terminal control sequences
                print(printable(f"\n[{p.rank}] {c.source}, {c.date or 'undated'}: {c.title}\n    {c.text[:300]}"))
            return 2
        from .profiles import profile

        words = profile(a.language)
        if a.weak:
            print(words.weak_match)
        if a.lead and not a.text.startswith(a.lead.rstrip(".")):
            print(printable(a.lead) + "\n")
        print(printable(a.text))
        for c in a.citations:
            also = f" (also in {', '.join(c.also_in)})" if c.also_in else ""
            notes = ([words.quoted(c.language)] if c.language and a.language and c.language != a.language else [])
            notes += [f"{word} = {iso}" for word, iso in c.days]
            note = f" ({'; '.join(notes)})" if notes else ""
            before = f"({c.context}) " if c.context else ""
            print(printable(f"\n[{c.marker}] {c.source}, {c.date or 'undated'}: {c.title}{also}{note}\n"
                            f"    {before}\"{c.quote}\""))
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
            entries = load_suite(args.suite)
            results = run_suite(settings, entries, assistant)
            _print_suite(results, entries)
            return 1 if args.check and any(r.broken for r in results) else 0
        dataset = _dataset(args.dataset)
        if args.corpus:
            assistant = corpus_assistant(settings, args.corpus)
        report = run_eval(assistant, dataset, args.k, args.replay)
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


def _print_suite(results, entries: list[dict]) -> None:
    width = max(len(f"{r.name} ({r.split})") for r in results)
    print(f"{'set':<{width}}  {'n':>4}  " + "  ".join(f"{c:>10}" for c, _, _ in SUITE_COLUMNS) + "  floors")
    for r, e in zip(results, entries):
        cells = "  ".join(f"{_num(r.report[a][b]):>10}" for _, a, b in SUITE_COLUMNS)
        limits = len(e.get("floors", {})) + len(e.get("ceilings", {}))
        verdict = f"FAIL {len(r.broken)} of {limits}" if r.broken else (f"pass {limits}" if limits else "none")
        print(f"{r.name + ' (' + r.split + ')':<{width}}  {r.report['n']:>4}  {cells}  {verdict}")
    for r in results:
        for b in r.broken:
            print(f"floor broken: {r.name} ({r.split}): {b}", file=sys.stderr)


def _print_report(r: dict) -> None:
    """The metrics, three decimals each, with the floor or ceiling they must meet and pass / FAIL."""
    from .evaluate import CEILINGS, FLOORS

    print(f"questions: {r['n']}, chunks: {r['chunks']['count']} (mean {_num(r['chunks']['mean_tokens'], 1)} tokens)\n")
    rows = [(f"{g}.{k}", v, (g, k)) for g in ("retrieval", "answer", "citations", "abstention", "latency_ms")
            for k, v in r[g].items()]
    width = max(len(name) for name, _, _ in rows)
    print(f"{'metric':<{width}}  {'value':>10}  {'limit':>9}  result")
    for name, value, key in rows:
        if key in FLOORS:
            limit, ok = f">= {FLOORS[key]:.3f}", value is not None and value >= FLOORS[key]
        elif key in CEILINGS:
            limit, ok = f"<= {CEILINGS[key]:.3f}", value is not None and value <= CEILINGS[key]
        else:
            limit, ok = "", None
        result = "" if ok is None else ("pass" if ok else "FAIL")
        print(f"{name:<{width}}  {_num(value):>10}  {limit:>9}  {result}".rstrip())
    misses = [q for q in r["per_question"] if q["answerable"] and (q["fact_recall"] or 0) < 1 or
              (not q["answerable"] and not q["abstained"])]
    if misses:
        print(f"\n{len(misses)} questions not fully right:")
        for q in misses:
            facts = "-" if q["fact_recall"] is None else _num(q["fact_recall"])
            print(f"  {q['id']}: {printable(q['question'][:70])}  (hit rank {q['hit_rank'] or '-'}, facts {facts}, "
                  f"{'abstained' if q['abstained'] else 'answered'})")


def _num(value, places: int = 3) -> str:
    """A figure with a fixed number of decimals; ``-`` where there is none."""
    if value is None:
        return "-"
    return f"{value:.{places}f}" if isinstance(value, float) else str(value)


def _dataset(given: str | None) -> str:
    """The eval set: as given, else the default from the working directory or else from the rag checkout."""
    if given:
        return given
    tried = [Path.cwd() / DEFAULT_DATASET, Path(__file__).resolve().parent.parent / DEFAULT_DATASET]
    for path in tried:
        if path.is_file():
            return str(path)
    raise ConfigError(f"No eval set at {tried[0]} or {tried[1]}: the question sets ship with the rag checkout, "
                      "not the installed package. Pass one with --dataset PATH (a JSONL file).")


if __name__ == "__main__":
    sys.exit(main())
