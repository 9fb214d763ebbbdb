"""The eval suite on the project's own question set, through the real pipeline, against its floors."""

from pathlib import Path

import pytest

from rag.evaluate import CEILINGS, FLOORS, run_eval

DATASET = Path(__file__).resolve().parent.parent / "evals" / "questions.jsonl"


@pytest.fixture(scope="module")
def report(assistant):
    return run_eval(assistant, DATASET)


@pytest.mark.parametrize("name", ["questions.jsonl", "dev.jsonl", "dev_b.jsonl", "dev_c.jsonl", "dev_d.jsonl", "dev_e.jsonl", "dev_f.jsonl"])
def test_question_set_shape(name):
    import json

    rows = [json.loads(line) for line in (DATASET.parent / name).read_text(encoding="utf-8").splitlines() if line.strip()]
    assert len(rows) >= 45 and len({r["id"] for r in rows}) == len(rows)
    assert sum(not r.get("answerable", True) for r in rows) >= 8
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (DATASET.parent.parent / "seeds").iterdir()}
    for r in rows:
        assert bool(r["answers"]) == r.get("answerable", True), r["id"]
        for e in r["evidence"]:
            assert any(e in seeds[s] for s in r["sources"]), (r["id"], e)


def test_report_has_the_contract_keys(report):
    assert set(report) == {"n", "chunks", "retrieval", "answer", "citations", "abstention", "latency_ms", "per_question"}
    row = report["per_question"][0]
    assert {"id", "question", "answer", "abstained", "hit_rank", "fact_recall", "cited_sources"} <= set(row)
    assert row["backend"] == "extractive"


def _limits():
    for key, value in {**FLOORS, **CEILINGS}.items():
        yield pytest.param(key, value, key in CEILINGS, id=".".join(key))


@pytest.mark.parametrize("key,limit,ceiling", list(_limits()))
def test_floor(report, key, limit, ceiling):
    got = report[key[0]][key[1]]
    assert (got <= limit) if ceiling else (got >= limit), f"{'.'.join(key)} = {got}, limit {limit}"
