"""The benchmark of evals/bench.py runs at size S and prints every figure with a number; the figures themselves
are printed for the log, not asserted (they depend on the machine)."""

from __future__ import annotations

import importlib.util
import json
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "evals" / "bench.py"


def _bench():
    spec = importlib.util.spec_from_file_location("bench", BENCH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


bench = _bench()


def _run(*args: str, timeout: int = 60) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(BENCH), *args], capture_output=True, text=True, cwd=ROOT,
                          timeout=timeout)


def test_missing_data_says_where_it_looked_and_exits_2(tmp_path):
    done = _run("--data", str(tmp_path / "test.csv"))
    assert done.returncode == 2
    assert str(tmp_path / "test.csv") in done.stderr and "nothing was measured" in done.stderr


@pytest.mark.timeout(3600)
@pytest.mark.skipif(not bench.corpora.DATA.is_file(), reason=f"no 10kGNAD data at {bench.corpora.DATA}")
def test_size_s_prints_every_figure(tmp_path):
    figures = tmp_path / "figures.json"
    done = _run("--sizes", "S", "--json", str(figures), timeout=3500)
    print(done.stdout, done.stderr)  # the figures, for the CI log
    assert done.returncode == 0, done.stderr[-3000:]
    lines = done.stdout.splitlines()
    assert any(line.startswith("size S: 100 articles") for line in lines)
    for label, _ in bench.FIGURES:
        row = next((line for line in lines if line.startswith(label + "  ")), None)
        assert row is not None, f"no line for {label!r}"
        project = re.split(r"\s{2,}", row[len(label):].strip())[0]  # cells are two or more spaces apart
        assert re.search(r"\d", project), f"{label!r} has no number for the project: {row!r}"
    written = json.loads(figures.read_text(encoding="utf-8"))
    assert written["sizes"]["S"]["project"]["serve"]["answer"], "no timed answers in the JSON figures"
