"""The pure scoring functions, on a hand-worked example."""

from rag.scoring import Got, Question, fact_recall, hit_rank, score_one, summarize

Q = Question("q1", "Which bombers?", [["Tu-160"], ["Tu-95MS", "Tu-95"]], ["000.txt"], ["Bombenflugzeuge der Typen"], True)
U = Question("q2", "Football?", [], [], [], False)


def test_fact_recall_and_hit_rank():
    assert fact_recall(Q, "tu-160 und TU-95 [1]") == 1.0
    assert fact_recall(Q, "Tu-160 [1]") == 0.5
    assert hit_rank(Q, ["nichts", "strategische Bombenflugzeuge der  Typen Tu-160"]) == 2
    assert hit_rank(Q, ["nichts"]) is None


def test_summary_golden():
    rows = [
        score_one(Q, Got("Tu-160 [1]", False, ["x", "Bombenflugzeuge der Typen"], ["Bombenflugzeuge der Typen", "x"],
                         ["000.txt", "001.txt"], 10.0)),
        score_one(U, Got("The articles don't answer this question.", True, ["x"], [], [], 30.0)),
    ]
    r = summarize(rows, 49, 132.4)
    assert r["n"] == 2 and r["chunks"] == {"count": 49, "mean_tokens": 132.4}
    assert r["retrieval"] == {"hit@1": 0.0, "hit@3": 1.0, "hit@5": 1.0, "mrr": 0.5}
    assert r["answer"] == {"fact_recall": 0.5, "accuracy": 0.0, "mean_words": 2.0}
    assert r["citations"] == {"precision": 0.5, "grounded": 1.0}
    assert r["abstention"] == {"accuracy": 1.0, "false_abstentions": 0.0}
    assert r["latency_ms"] == {"p50": 10.0, "p95": 30.0}
    assert set(r) == {"n", "chunks", "retrieval", "answer", "citations", "abstention", "latency_ms", "per_question"}
    assert r["per_question"][0]["hit_rank"] == 2 and r["per_question"][0]["cited_sources"] == ["000.txt", "001.txt"]
