"""The eval suite (evals/suite.json) through the real pipeline: the question files' shape, the seed questions
against their floors, and the external XQuAD sets with floors (dev and held out) on a reduced sample."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from rag.evaluate import load_suite, run_eval, run_suite

EVALS = Path(__file__).resolve().parent.parent / "evals"
SUITE = load_suite(EVALS / "suite.json")
SEED = next(e for e in SUITE if e["name"] == "seed questions")
# follow-up sets over the seeds with floors: as written, and with the chat's own earlier answers (replay)
FOLLOWUPS = [e for e in SUITE if not e.get("corpus") and e.get("floors") and "followups" in e["dataset"]]
EXTERNAL = [e for e in SUITE if e.get("split") in ("dev", "held out") and e.get("corpus") and e.get("floors")]
SAMPLE = 60  # questions per external set, spread evenly over the set (so over its articles, and both kinds)

# Limits the pipeline does not meet yet, with the figure it reached: each is an expected failure, strict, so
# the day one is met the test fails and asks for its line here to be removed.
NOT_MET: dict[tuple[str, str], str] = {
    ("seed questions", "abstention.accuracy"): "0.0714",
    # 5 of CI's 60 sampled questions; the full set meets it (0.044)
    ("xquad en->es (dev)", "abstention.false_abstentions"): "0.0833 on the sample",
}


def _rows(name: str) -> list[dict]:
    return [json.loads(line) for line in (EVALS / name).read_text(encoding="utf-8").splitlines() if line.strip()]


@pytest.mark.parametrize("name, least, unanswerable", [
    ("questions.jsonl", 45, 8), ("dev.jsonl", 45, 8), ("dev_b.jsonl", 45, 8), ("dev_c.jsonl", 45, 8),
    ("dev_d.jsonl", 45, 8), ("dev_e.jsonl", 45, 8), ("dev_f.jsonl", 45, 8), ("followups.jsonl", 30, 5),
    ("followups_dev.jsonl", 30, 5), ("followups_dev2.jsonl", 45, 8), ("followups_fresh.jsonl", 45, 8),
])
def test_question_set_shape(name, least, unanswerable):
    rows = _rows(name)
    assert len(rows) >= least and len({r["id"] for r in rows}) == len(rows)
    assert sum(not r.get("answerable", True) for r in rows) >= unanswerable
    seeds = {p.name: p.read_text(encoding="utf-8") for p in (EVALS.parent / "seeds").iterdir()}
    for r in rows:
        assert bool(r["answers"]) == r.get("answerable", True), r["id"]
        for e in r["evidence"]:
            assert any(e in seeds[s] for s in r["sources"]), (r["id"], e)


@pytest.mark.parametrize("name", ["followups.jsonl", "followups_dev.jsonl", "followups_dev2.jsonl",
                                  "followups_fresh.jsonl"])
def test_follow_ups_have_a_history(name):
    for r in _rows(name):
        assert r["history"], r["id"]
        for turn in r["history"]:
            assert len(turn) == 2 and all(isinstance(t, str) and t.strip() for t in turn), r["id"]


@pytest.mark.parametrize("entry", [e for e in SUITE if e.get("corpus")], ids=lambda e: f"{e['name']} ({e['split']})")
def test_external_set_shape(entry):
    """Every answerable question's evidence stands in one of its sources in the set's corpus; an unanswerable
    one names no source."""
    corpus = {p.name: p.read_text(encoding="utf-8") for p in Path(entry["corpus"]).iterdir()}
    lines = Path(entry["dataset"]).read_text(encoding="utf-8").splitlines()
    rows = [json.loads(line) for line in lines if line.strip()]
    assert rows and len({r["id"] for r in rows}) == len(rows)
    for r in rows:
        if r.get("answerable", True):
            assert r["answers"] and any(e in corpus.get(s, "") for s in r["sources"] for e in r["evidence"]), r["id"]
        else:
            assert not r["answers"] and not r["sources"], r["id"]


def _limits(entry: dict):
    """(metric, limit, is ceiling) of a suite entry, each marked as expected to fail when not met yet."""
    where = f"{entry['name']} ({entry['split']})" if entry["split"] != "report" else entry["name"]
    for kind, ceiling in (("floors", False), ("ceilings", True)):
        for metric, limit in entry.get(kind, {}).items():
            figure = NOT_MET.get((where, metric))
            marks = [pytest.mark.xfail(strict=True, reason=f"floor not met yet: {figure}")] if figure else []
            yield pytest.param(entry, metric, limit, ceiling, id=f"{where}:{metric}", marks=marks)


def _check(report: dict, metric: str, limit: float, ceiling: bool) -> None:
    group, name = metric.split(".", 1)
    got = report[group][name]
    assert (got <= limit) if ceiling else (got >= limit), f"{metric} = {got}, limit {limit}"


# the seed questions, over the session's index of the seeds ------------------------------------------------

@pytest.fixture(scope="module")
def report(assistant):
    return run_eval(assistant, SEED["dataset"])


def test_report_has_the_contract_keys(report):
    assert list(report) == ["n", "chunks", "retrieval", "answer", "citations", "abstention", "latency_ms",
                            "per_question"]
    row = report["per_question"][0]
    assert {"id", "question", "answer", "abstained", "hit_rank", "fact_recall", "cited_sources"} <= set(row)
    assert row["backend"] == "extractive"
    assert report["n"] == len(_rows("questions.jsonl"))


@pytest.mark.parametrize("entry, metric, limit, ceiling", list(_limits(SEED)))
def test_seed_floor(report, entry, metric, limit, ceiling):
    _check(report, metric, limit, ceiling)


@pytest.fixture(scope="module")
def followup_reports(assistant):
    reports: dict[str, dict] = {}

    def get(entry: dict) -> dict:
        key = f"{entry['name']} ({entry['split']})"
        if key not in reports:
            reports[key] = run_eval(assistant, entry["dataset"], replay=bool(entry.get("replay")))
        return reports[key]

    return get


@pytest.mark.parametrize("entry, metric, limit, ceiling", [p for e in FOLLOWUPS for p in _limits(e)])
def test_follow_up_floor(followup_reports, entry, metric, limit, ceiling):
    _check(followup_reports(entry), metric, limit, ceiling)


def test_replay_asks_the_earlier_turns_through_the_chat(assistant, tmp_path):
    """With replay, a follow-up's history holds the assistant's own answers to the earlier questions, in order,
    not the answers written in the set."""
    row = _rows("followups.jsonl")[0]
    row = {**row, "history": [[row["history"][0][0], "a written answer the replay must not pass on"]] * 2}
    dataset = tmp_path / "one.jsonl"
    dataset.write_text(json.dumps(row) + "\n", encoding="utf-8")
    calls: list[tuple[str, list]] = []
    real_chat = assistant.chat

    def chat(message, history=None, **kw):
        calls.append((message, list(history or [])))
        return real_chat(message, history, **kw)

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(assistant, "chat", chat)
        run_eval(assistant, dataset, replay=True)
    first = real_chat(row["history"][0][0]).text
    asked = row["history"][0][0]
    assert [m for m, _ in calls] == [asked, asked, row["question"]]
    assert calls[1][1] == [(asked, first)]
    assert calls[2][1][0] == (asked, first) and len(calls[2][1]) == 2
    assert all("written answer" not in a for _, h in calls for _, a in h)


# the external sets, each over its own corpus --------------------------------------------------------------

@pytest.fixture(scope="module")
def external(tmp_path_factory, assistant):
    """Reports of the external sets with floors, on ``SAMPLE`` questions of each, computed on first use.
    Their indexes go to a private cache folder."""
    cache = tmp_path_factory.mktemp("eval-cache")
    reports: dict[str, dict] = {}

    def get(entry: dict) -> dict:
        key = f"{entry['name']} ({entry['split']})"
        if key not in reports:
            rows = Path(entry["dataset"]).read_text(encoding="utf-8").splitlines()
            rows = [line for line in rows if line.strip()]
            sample = [rows[i * len(rows) // SAMPLE] for i in range(min(SAMPLE, len(rows)))]
            dataset = cache / (Path(entry["dataset"]).stem + f"-{entry['split'].replace(' ', '-')}.jsonl")
            dataset.write_text("\n".join(sample) + "\n", encoding="utf-8")
            with pytest.MonkeyPatch.context() as mp:
                mp.setenv("XDG_CACHE_HOME", str(cache))
                (result,) = run_suite(assistant.settings, [{**entry, "dataset": str(dataset)}])
            assert result.report["n"] == len(sample)
            reports[key] = result.report
        return reports[key]

    return get


@pytest.mark.parametrize("entry, metric, limit, ceiling", [p for e in EXTERNAL for p in _limits(e)])
def test_external_floor(external, entry, metric, limit, ceiling):
    _check(external(entry), metric, limit, ceiling)
