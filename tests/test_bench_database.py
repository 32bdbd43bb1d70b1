"""bench/bench_database.py at a tiny size: it runs (its own PostgreSQL cluster, real clerk
processes) and prints rates and, per run, numbers that are distinct and contiguous. Nothing timed."""

from __future__ import annotations

import os
import re
import subprocess
import sys

from conftest import ROOT


def test_bench_database_runs_and_its_numbers_are_whole() -> None:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    env.pop("SARABAN_DATABASE_URL", None)
    out = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_database.py"),
         "--letters", "5", "--clerks", "1", "2", "--regen-letters", "6"],
        capture_output=True, text=True, timeout=600, cwd=ROOT, env=env,
    )  # fmt: skip
    assert out.returncode == 0, out.stderr
    text = out.stdout
    rates = re.findall(r"^  (SQLite|PostgreSQL) *: +(\d+\.\d) letters/s", text, re.M)
    assert [name for name, _ in rates] == ["SQLite", "PostgreSQL"] * 2, text
    assert all(float(rate) > 0 for _, rate in rates)
    assert len(re.findall(r"^  ratio PostgreSQL/SQLite: \d+\.\d\dx$", text, re.M)) == 3, text
    checks = re.findall(
        r"^    numbers normal 2025: (\d+) issued, (\d+) distinct, (.+), (.+)$", text, re.M
    )
    # 5 timed letters + one warm-up letter per clerk, then 6 letters to regenerate, per database
    expected = [6, 6, 7, 7, 6, 6]
    assert [int(n) for n, *_ in checks] == expected, text
    for n, distinct, run, files in checks:
        assert distinct == n and run == f"contiguous 1-{n}" and files == "each with its file"
    regenerated = re.findall(r"; (\d+) regenerated in \d+\.\d\d s = \d+ letters/s", text)
    assert regenerated == ["6", "6"], text
