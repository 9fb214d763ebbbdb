"""The ``rag`` command: ask (text and JSON), index, eval and the suite, and errors as one line with exit code 2."""

from __future__ import annotations

import json
import re

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
    head = (profile("de").weak_match + "\n" if expected.weak else "") + \
        (expected.lead + "\n\n" if expected.lead else "")  # the lead answers before the quotes
    assert out.startswith(head + expected.text + "\n")
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
    assert "0 added, 0 removed" in out and "unchanged, 0 sentences embedded" in out  # the index is up to date


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


# messages, not tracebacks ------------------------------------------------------------------------------

def _one_line_error(capsys) -> str:
    err = capsys.readouterr().err
    assert err.startswith("error: ") and err.count("\n") == 1 and "Traceback" not in err
    return err


def test_index_folder_that_is_a_file(env, tmp_path, capsys, monkeypatch):
    (tmp_path / "not-a-folder").write_text("x", encoding="utf-8")
    monkeypatch.setenv("RAG_INDEX_DIR", str(tmp_path / "not-a-folder"))
    assert main(["ask", "Which bombers did Kim inspect?"]) == 2
    err = _one_line_error(capsys)
    assert "not-a-folder is a file" in err and "RAG_INDEX_DIR" in err  # what it is and what to set


def test_a_damaged_index_is_named_with_the_fix(env, tmp_path, capsys, monkeypatch):
    damaged = tmp_path / "damaged"
    damaged.mkdir()
    (damaged / "chroma.sqlite3").write_bytes(b"SQLite format 3\x00" + bytes(range(256)) * 8)  # truncated garbage
    monkeypatch.setenv("RAG_INDEX_DIR", str(damaged))
    assert main(["ask", "Which bombers did Kim inspect?"]) == 2
    err = _one_line_error(capsys)
    assert f"The index at {damaged}" in err and "rag index --rebuild" in err


def test_disk_full_is_one_line(env, capsys, monkeypatch):
    import errno

    from rag.assistant import Assistant

    def full(self, *args, **kwargs):
        raise OSError(errno.ENOSPC, "No space left on device", "index/chroma.sqlite3")

    monkeypatch.setattr(Assistant, "index", full)
    assert main(["index"]) == 2
    err = _one_line_error(capsys)
    assert "No space left on the device writing index/chroma.sqlite3" in err and "RAG_INDEX_DIR" in err


@pytest.mark.parametrize("env_var, value, message", [
    ("RAG_TOP_K", "3.5", "top_k must be int (a whole number), got '3.5' in RAG_TOP_K"),
    ("RAG_COLLECTION", "", "collection has an invalid value: '' in RAG_COLLECTION"),
    ("RAG_CONFIG", "nowhere.toml", "nowhere.toml (RAG_CONFIG) does not exist"),
])
def test_bad_settings_are_one_line(env, capsys, monkeypatch, env_var, value, message):
    monkeypatch.setenv(env_var, value)
    assert main(["ask", "Which bombers?"]) == 2
    assert message in _one_line_error(capsys)


def test_ask_prints_no_terminal_control_sequences(env, capsys, monkeypatch):
    from rag.assistant import Assistant
    from rag.types import Answer, Citation

    evil = "\x1b]0;pwned\x07\x1b[2J\x1b[31mred\x1b[0m\x9b1m\u202eevil"
    cite = Citation(marker=1, source=f"a{evil}.txt", title=f"T{evil}", date="2023-09-13", passage=f"P{evil}",
                    quote=f"Q{evil}", start=0, end=5, chunk_id="c")
    monkeypatch.setattr(Assistant, "warm_up", lambda self, progress=False: self)
    monkeypatch.setattr(Assistant, "ask", lambda self, q, **kw: Answer(
        question=q, text=f"Kim {evil} [1].", citations=[cite], abstained=False, backend="extractive"))
    assert main(["ask", "Which bombers?"]) == 0
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x9b" not in out and "\u202e" not in out and "\x07" not in out
    assert "Kim red" in out and "[1] a" in out and 'Qredevil"' in out  # the text stays, the controls go


# eval from anywhere, a table with floors ----------------------------------------------------------------

def test_eval_runs_from_any_folder_and_prints_floors(env, tmp_path, capsys):
    assert not (tmp_path / "evals").exists()  # the working directory has no question sets
    code = main(["eval"])
    out = capsys.readouterr().out
    assert "None" not in out
    row = next(line for line in out.splitlines() if line.startswith("retrieval.hit@5 "))
    value, limit, result = row.split()[1], row.split()[3], row.split()[4]
    assert re.fullmatch(r"\d\.\d{3}", value) and limit == "0.900" and result in ("pass", "FAIL")
    assert code in (0, 1) and ("FAIL" in out) == any(line.endswith("FAIL") for line in out.splitlines())


def test_eval_without_question_sets_names_the_paths(env, tmp_path, capsys, monkeypatch):
    import rag.cli

    monkeypatch.setattr(rag.cli, "__file__", str(tmp_path / "site" / "rag" / "cli.py"))  # an installed package
    assert main(["eval"]) == 2
    err = _one_line_error(capsys)
    assert str(tmp_path / "evals" / "questions.jsonl") in err and "--dataset" in err


def test_ask_prints_nothing_on_stderr_in_a_terminal(settings):
    """Through a pseudo-terminal, as a person sees it: no progress bars, no load reports."""
    import os
    import pty
    import subprocess
    import sys

    master, slave = pty.openpty()
    env = {"RAG_INDEX_DIR": settings.index_dir, "RAG_CORPUS_DIR": settings.corpus_dir, "HF_HUB_OFFLINE": "1",
           "PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"),
           "ANONYMIZED_TELEMETRY": "False"}
    out = subprocess.run([sys.executable, "-c", "import sys; from rag.cli import main; "
                          "sys.exit(main(['ask', 'Which bombers did Kim inspect?']))"],
                         stdout=subprocess.PIPE, stderr=slave, env=env, cwd=ROOT, timeout=300)
    os.close(slave)
    err = b""
    try:
        while chunk := os.read(master, 65536):
            err += chunk
    except OSError:  # the terminal is closed once read empty
        pass
    os.close(master)
    assert out.returncode == 0 and out.stdout.strip()
    assert err == b"", err.decode(errors="replace")[:500]
