"""Make the topic-switch sets: a question about the seed articles, answered by the chat, then an unrelated one.

    python evals/make_switches.py     # writes evals/xquad/switches.dev.jsonl and switches.test.jsonl

Why: in a chat the last answer's sentences colour how a follow-up is read, and a new, unrelated question must
still abstain. Each row's history is a seed question (its written answer is a placeholder: score these sets with
``replay``, so that the history holds the chat's own answer), its question an XQuAD question (English or German)
that the seed articles cannot answer. Dev pairs the seed dev sets with the XQuAD dev questions; test pairs the
reported seed set with the XQuAD test questions. Deterministic; derived from XQuAD, so CC BY-SA 4.0 like the
rest of evals/xquad/ (see its README).
"""

from __future__ import annotations

import json
import random
from pathlib import Path

EVALS = Path(__file__).resolve().parent
ROWS = 45


def _read(path: Path) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def switches(seed_sets: list[Path], split: str) -> list[dict]:
    rng = random.Random(f"switches-{split}")
    seeds = [r for p in seed_sets for r in _read(p) if r.get("answerable", True) and not r.get("history")]
    asked = [r for name in ("en-en", "de-de") for r in _read(EVALS / "xquad" / f"{name}.{split}.jsonl")]
    pairs = zip(rng.sample(seeds, ROWS), rng.sample(asked, ROWS))  # no question twice
    return [{"id": f"sw-{split}-{n:02d}", "history": [[first["question"], "(replayed)"]], "question": then["question"],
             "answers": [], "sources": [], "evidence": [], "answerable": False} for n, (first, then) in enumerate(pairs)]


def main() -> None:
    for split, seed_sets in (("dev", sorted(EVALS.glob("dev*.jsonl"))), ("test", [EVALS / "questions.jsonl"])):
        rows = switches(seed_sets, split)
        (EVALS / "xquad" / f"switches.{split}.jsonl").write_text(
            "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows), encoding="utf-8", newline="\n")
        print(f"switches.{split}.jsonl: {len(rows)} rows")


if __name__ == "__main__":
    main()
