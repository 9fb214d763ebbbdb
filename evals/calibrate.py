"""Fit the extractive answer's confidence on development questions and print each threshold's trade-off.

    python evals/calibrate.py [--k 5] [--lexical-weight W]

Runs the development sets (XQuAD dev splits, the unanswerable and both near-miss mixes, the seed dev sets ``dev*.jsonl``; never
the held-out ``*.test.jsonl`` or the reported ``questions.jsonl``), records the confidence's inputs for each
question (``rag.extractive.signals``), fits a logistic regression of "the articles answer it" on them
(scikit-learn, balanced classes) and prints the weights for ``rag.extractive.CONFIDENCE``. Then, for each
threshold, the abstention on unanswerable questions and the false abstentions on answerable ones, per set:
pick ``abstain_below`` from this table. Retrieval and quote figures are printed too, for choosing settings.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from rag.cite import WireCopy  # noqa: E402
from rag.evaluate import corpus_assistant, load_suite  # noqa: E402
from rag.extractive import CONFIDENCE, confidence, signals  # noqa: E402
from rag.scoring import fact_recall, hit_rank, load_questions  # noqa: E402
from rag.settings import Settings  # noqa: E402
from rag import Assistant  # noqa: E402

X = ROOT / "evals" / "xquad"
DEV_SETS = [(X / f"{d}.dev.jsonl", X / "corpus" / f"{c}-dev") for d, c in
            [("en-de", "de"), ("de-de", "de"), ("en-es", "es"), ("en-en", "en")]]
DEV_SETS += [(X / "unanswerable.dev.jsonl", X / "corpus" / "de-dev-part"),
             (X / "nearmiss.dev.jsonl", X / "corpus" / "de-dev-gaps"),
             (X / "sentence-nearmiss.dev.jsonl", X / "corpus" / "de-dev-sentences")]
DEV_SETS += [(p, None) for p in sorted((ROOT / "evals").glob("dev*.jsonl"))]
# the strictest false-abstention ceiling the suite sets on an external set
MAX_FALSE_ABSTENTIONS = min(e["ceilings"]["abstention.false_abstentions"] for e in load_suite(ROOT / "evals" / "suite.json")
                            if "abstention.false_abstentions" in e.get("ceilings", {}))


def collect(settings: Settings, k: int) -> list[dict]:
    rows = []
    seeds = None
    for dataset, corpus in DEV_SETS:
        if corpus is None:
            seeds = seeds or Assistant(settings.replace(corpus_dir=str(ROOT / "seeds"))).warm_up()
            a = seeds
        else:
            a = corpus_assistant(settings, corpus).warm_up()
        r = a._view()
        for q in load_questions(dataset):
            query = r.analyse(q.question)
            passages = r.retrieve(query, k)
            candidates, scores, feats = signals(query, passages, r, r.lexical, WireCopy(r))
            best = candidates[int(np.argmax(scores))][2] if candidates else ""
            rows.append({"set": dataset.name, "answerable": q.answerable, "features": feats,
                         "hit": hit_rank(q, [p.chunk.text for p in passages]) if q.answerable else None,
                         "fact": fact_recall(q, best) if q.answerable else None})
    return rows


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--k", type=int, default=5)
    ap.add_argument("--lexical-weight", type=float)
    args = ap.parse_args()
    settings = Settings.load(lexical_weight=args.lexical_weight)
    rows = collect(settings, args.k)
    sets = sorted({r["set"] for r in rows})
    print(f"{'set':<28} {'n':>4} {'hit@5':>6} {'MRR':>6} {'best quote has the fact':>24}")
    for s in sets:
        ans = [r for r in rows if r["set"] == s and r["answerable"]]
        hit = np.mean([bool(r["hit"]) for r in ans])
        mrr = np.mean([1 / r["hit"] if r["hit"] else 0 for r in ans])
        fact = np.mean([r["fact"] for r in ans])
        print(f"{s:<28} {len(ans):>4} {hit:>6.3f} {mrr:>6.3f} {fact:>24.3f}")

    from sklearn.linear_model import LogisticRegression

    X_ = np.array([r["features"] for r in rows])
    y = np.array([r["answerable"] for r in rows])
    model = LogisticRegression(class_weight="balanced", C=10.0, max_iter=5000).fit(X_, y)
    weights = (round(float(model.intercept_[0]), 2), *(round(float(w), 2) for w in model.coef_[0]))
    print(f"\nfitted CONFIDENCE = {weights}   (in use: {CONFIDENCE})")
    import rag.extractive as ex

    ex.CONFIDENCE = weights
    conf = np.array([confidence(tuple(f)) for f in X_])
    in_set = {s: np.array([r["set"] == s for r in rows]) for s in sets}
    answerable = {s: conf[m & y] for s, m in in_set.items()}  # each set's answerable questions' confidences
    unanswerable = {s: conf[m & ~y] for s, m in in_set.items() if (m & ~y).any()}

    def worst(t: float) -> float:
        """The largest share of a set's answerable questions abstained on at threshold ``t``."""
        return max(np.mean(c < t) for c in answerable.values())

    print(f"\n{'threshold':>9} {'false abst (all)':>17} " + " ".join(f"{'abst ' + s[:18]:>24}" for s in unanswerable))
    for t in np.arange(0.05, 0.96, 0.025):
        cells = " ".join(f"{np.mean(c < t):>24.3f}" for c in unanswerable.values())
        print(f"{t:>9.2f} {np.mean(conf[y] < t):>8.3f} (max {worst(t):.3f}) {cells}")
    print(f"\n{'threshold':>9} " + " ".join(f"{'FA ' + s[:18]:>22}" for s in sets))
    for t in np.arange(0.05, 0.51, 0.025):
        print(f"{t:>9.2f} " + " ".join(f"{np.mean(answerable[s] < t):>22.3f}" for s in sets))
    pick = max((t for t in np.arange(0.0, 1.0, 0.005) if worst(t) <= MAX_FALSE_ABSTENTIONS), default=0.0)
    print(f"\nsuggested abstain_below = {pick:.3f}: the highest threshold at which no development set abstains on "
          f"more than {MAX_FALSE_ABSTENTIONS:.0%} of its answerable questions")
    weak_table(conf, rows, pick)


def weak_table(conf: np.ndarray, rows: list[dict], abstain_below: float) -> None:
    """The weak-match cue's trade-off: among answered questions (not abstained), how often an answer below
    each threshold is wrong (unanswerable, or its best quote lacks the fact) against one above it. Pick
    ``rag.extractive.WEAK_BELOW`` where a flagged answer is at least twice as likely to be wrong as an
    unflagged one and the cue flags no more than about a fifth of the answers (past that it stops meaning
    much)."""
    from rag.extractive import WEAK_BELOW

    answered = conf >= abstain_below
    wrong = np.array([not r["answerable"] or r["fact"] < 0.5 for r in rows])[answered]
    c = conf[answered]
    print(f"\nweak-match cue (in use: {WEAK_BELOW}), over {len(c)} answered questions, {wrong.mean():.3f} wrong")
    print(f"{'threshold':>9} {'flagged':>8} {'wrong|flagged':>14} {'wrong|not':>10} {'ratio':>6} {'wrong caught':>13}")
    for t in np.arange(0.30, 0.61, 0.02):
        low = c < t
        wl, wh = wrong[low].mean() if low.any() else 0.0, wrong[~low].mean() if (~low).any() else 0.0
        print(f"{t:>9.2f} {low.mean():>8.3f} {wl:>14.3f} {wh:>10.3f} {wl / max(wh, 1e-9):>6.2f} "
              f"{wrong[low].sum() / max(wrong.sum(), 1):>13.3f}")


if __name__ == "__main__":
    main()
