"""The ``rag`` command: ask (text and JSON), index, eval and the suite, and errors as one line with exit code 2."""

from __future__ import annotations

import json

import pytest

from rag.cli import main
from rag.evaluate import broken_floors
from rag.profiles import profile
from tests.conftest import ROOT


@pytest.fixture()
def env(settings, monkeypatch, tmp_path):
    """The session's corpus and index, through the environment, from a folder without a rag.toml."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("RAG_INDEX_DIR", settings.index_dir)
    monkeypatch.setenv("RAG_CORPUS_DIR", settings.corpus_dir)
    return settings


def test_ask_json(env, assistant, seeds_dir, capsys):
    question = "Which bombers did Kim inspect?"
    assert main(["ask", "--json", question]) == 0
    got = json.loads(capsys.readouterr().out)
    assert "passages" not in got and got["question"] == question and got["backend"] == "extractive"
    assert got["text"] == assistant.ask(question).text and got["citations"]
    for c in got["citations"]:
        assert (seeds_dir / c["source"]).read_text(encoding="utf-8")[c["start"]:c["end"]] == c["quote"]
        assert f"[{c['marker']}]" in got["text"]


def test_ask_prints_answer_then_sources(env, assistant, capsys):
    question = "Wo traf Kim Jong Un Wladimir Putin?"
    expected = assistant.ask(question)
    assert main(["ask", question]) == 0
    out = capsys.readouterr().out
    assert out.startswith(expected.text + "\n")
    for c in expected.citations:
        assert f"[{c.marker}] {c.source}, {c.date or 'undated'}: {c.title}" in out and f'"{c.quote}"' in out


def test_ask_abstains_in_the_question_language(env, capsys):
    assert main(["ask", "¿Qué altura tiene el Aconcagua?"]) == 0
    assert capsys.readouterr().out.strip() == profile("es").no_answer


@pytest.mark.parametrize("argv, message", [
    (["ask", ""], "error: The question is empty"),
    (["ask", "x" * 2500], "limit is 2000"),
    (["ask", "--backend", "gpt", "Which bombers?"], "Unknown backend 'gpt'"),
    (["eval", "--dataset", "nowhere.jsonl"], "Cannot read the eval set nowhere.jsonl"),
    (["eval", "--suite", "nowhere.json"], "Cannot read the eval suite nowhere.json"),
])
def test_errors_are_one_line_and_exit_2(env, capsys, argv, message):
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert message in err and err.startswith("error: ") and "Traceback" not in err


def test_index_reports_what_it_did(env, capsys):
    assert main(["index"]) == 0
    out = capsys.readouterr().out
    assert "0 added, 0 removed" in out and "0 chunks and 0 sentences embedded" in out  # the index is up to date


def test_index_of_a_missing_folder(env, tmp_path, capsys, monkeypatch):
    monkeypatch.setenv("RAG_CORPUS_DIR", str(tmp_path / "nowhere"))
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "index"))
    assert main(["index"]) == 2
    assert "nowhere" in capsys.readouterr().err


def test_eval_writes_the_report(env, tmp_path, capsys):
    rows = (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:3]
    (tmp_path / "q.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    code = main(["eval", "--dataset", str(tmp_path / "q.jsonl"), "--json", str(tmp_path / "r.json"), "--check"])
    report = json.loads((tmp_path / "r.json").read_text(encoding="utf-8"))
    assert report["n"] == 3 and len(report["per_question"]) == 3
    assert "retrieval.hit@5" in capsys.readouterr().out
    assert code == (1 if broken_floors(report) else 0)  # --check: fails when a default floor is broken


def test_eval_suite_prints_a_table(env, tmp_path, capsys):
    rows = (ROOT / "evals" / "questions.jsonl").read_text(encoding="utf-8").splitlines()[:2]
    (tmp_path / "q.jsonl").write_text("\n".join(rows) + "\n", encoding="utf-8")
    (tmp_path / "suite.json").write_text(json.dumps([
        {"name": "two seed questions", "split": "report", "dataset": "q.jsonl",
         "floors": {"retrieval.hit@5": 0.0}, "ceilings": {"abstention.false_abstentions": 1.0}},
        {"name": "impossible", "split": "report", "dataset": "q.jsonl", "floors": {"retrieval.hit@5": 1.01}},
    ]), encoding="utf-8")
    assert main(["eval", "--suite", str(tmp_path / "suite.json")]) == 0
    out = capsys.readouterr()
    assert "two seed questions (report)" in out.out and "impossible (report)" in out.out
    assert "floor broken: impossible (report): retrieval.hit@5" in out.err and "two seed questions" not in out.err
    assert main(["eval", "--suite", str(tmp_path / "suite.json"), "--check"]) == 1
