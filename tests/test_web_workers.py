"""``saraban serve --workers N``: several worker processes behind one address share the users,
the sessions and the failed sign-ins (nothing of it is in one process's memory); and the load
script (bench/bench_web.py) run briefly, on SQLite with one worker and on PostgreSQL with two,
leaves a register with no duplicate and no gap. Nothing here is timed."""

from __future__ import annotations

import contextlib
import json
import os
import signal
import sqlite3
import subprocess
import sys
from collections import defaultdict
from pathlib import Path

import httpx
import psycopg

from bench.bench_web import CSRF, server
from tests.conftest import ROOT, run_cli
from tests.pgcluster import Cluster
from tests.test_database import cluster  # noqa: F401 - the fixture: a throw-away server
from tests.test_web import PASSWORDS, office


def _workers(pid: int) -> list[int]:
    """The uvicorn worker processes of the server ``pid`` (its children started by spawn)."""
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(c) for c in children if b"spawn_main" in Path(f"/proc/{c}/cmdline").read_bytes()]


def _signal(pid: int, sig: signal.Signals) -> None:
    with contextlib.suppress(ProcessLookupError):  # replaced by the supervisor: still holds
        os.kill(pid, sig)


def _fresh() -> httpx.Client:
    """A client that opens a new connection for every request (so that whichever worker is
    running accepts it)."""
    return httpx.Client(timeout=120, limits=httpx.Limits(max_keepalive_connections=0))


def _sign_in(c: httpx.Client, url: str, name: str, password: str) -> int:
    csrf = CSRF.findall(c.get(f"{url}/signin").text)[0]
    data = {"csrf": csrf, "name": name, "password": password, "next": "/"}
    return c.post(f"{url}/signin", data=data).status_code


def test_workers_share_sessions_and_failed_sign_ins(tmp_path: Path) -> None:
    """Two workers; one is stopped (SIGSTOP) while the other serves, then the other way round:
    a session made by one is valid on the other, and failed sign-ins counted by both add up."""
    root = office(tmp_path)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    with server(root, 2, env) as (url, pid):
        first, second = _workers(pid)
        with _fresh() as clerk, _fresh() as intruder:
            _signal(second, signal.SIGSTOP)  # only the first worker accepts
            try:
                assert _sign_in(clerk, url, "clerk", PASSWORDS["clerk"]) == 303
                assert "สวัสดี clerk" in clerk.get(f"{url}/").text
                for _ in range(2):
                    assert _sign_in(intruder, url, "admin", "wrong-password") == 401
            finally:
                _signal(second, signal.SIGCONT)
            _signal(first, signal.SIGSTOP)  # only the second worker accepts
            try:
                page = clerk.get(f"{url}/", follow_redirects=False)
                assert page.status_code == 200 and "สวัสดี clerk" in page.text
                for _ in range(3):
                    assert _sign_in(intruder, url, "admin", "wrong-password") == 401
                # five failures in all, two of them counted by the stopped worker: refused
                assert _sign_in(intruder, url, "admin", PASSWORDS["admin"]) == 429
            finally:
                _signal(first, signal.SIGCONT)
        assert len(_workers(pid)) == 2


def test_serve_refuses_a_bad_worker_count(tmp_path: Path) -> None:
    root = office(tmp_path)
    result = run_cli("serve", "--workers", "0", workspace=root)
    assert result.code == 1
    assert "--workers" in result.err and "0" in result.err


def _load(tmp_path: Path, *args: str) -> dict:
    out = tmp_path / "load.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "bench" / "bench_web.py"), "--clerks", "3", "--duration",
         "3", "--json", str(out), "--workspace", str(tmp_path / "load"), *args],
        capture_output=True, text=True, timeout=600, env={**os.environ, "PYTHONPATH": str(ROOT)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stdout + proc.stderr
    result = json.loads(out.read_text(encoding="utf-8"))
    assert result["letters"] > 0 and not result["errors"] and not result["problems"]
    return result


def _contiguous(rows: list[tuple[str, int, int]]) -> None:
    numbers: dict[tuple[str, int], list[int]] = defaultdict(list)
    for series, year, number in rows:
        numbers[(series, year)].append(number)
    for got in numbers.values():
        assert sorted(got) == list(range(1, len(got) + 1))


def test_the_load_script_leaves_no_duplicate_or_gap_on_sqlite(tmp_path: Path) -> None:
    result = _load(tmp_path)
    db = tmp_path / "load" / "ws" / "letters" / "register.db"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT series, year, number FROM entries").fetchall()
    assert len(rows) == result["letters"]
    _contiguous(rows)


def test_the_load_script_leaves_no_duplicate_or_gap_on_postgresql_with_two_workers(
    tmp_path: Path,
    cluster: Cluster,  # noqa: F811 - the fixture
) -> None:
    url = cluster.create("load")
    result = _load(tmp_path, "--database", url, "--workers", "2")
    assert result["database"] == "postgresql" and result["workers"] == 2
    with psycopg.connect(url) as conn:
        rows = conn.execute("SELECT series, year, number FROM saraban.entries").fetchall()
    assert len(rows) == result["letters"]
    _contiguous(rows)
