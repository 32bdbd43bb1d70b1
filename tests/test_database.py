"""An office's register on a real PostgreSQL server (docs/database.md).

A throw-away cluster is made once for this file (tests/pgcluster.py: initdb in a temporary
folder, the server on a Unix socket there); each test has a database of its own. Two workspaces
of one office stand for two clerks' machines. Clients are real processes: issuing at once,
killed with SIGKILL at random moments, cut off by the server stopping.
"""

from __future__ import annotations

import contextlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import psycopg
import pytest
from conftest import EXAMPLES, ROOT, make_workspace, run_cli
from pgcluster import SETUP_HINT, Cluster, find_bin
from test_recovery import joined
from test_recovery import stray_files as recovery_stray_files

from engine.store import SCHEMA_VERSION
from engine.workspace import WORKSPACE_ID

PASSWORD = "s3cret-pw"
KILLS = int(os.environ.get("SARABAN_PG_KILLS", "20"))
LETTER = """\
to: นายกองค์การบริหารส่วนตำบลสระตะเคียน
subject: ขอเชิญประชุม
body: |
  ด้วยอำเภอปักธงชัยจะจัดประชุมเรื่องการใช้ระบบ KTB Corporate Online
signer: district_chief
"""
ISSUE = ("new", "letter", "--data", "letter.yaml", "--issue")
CIRCULAR = ("new", "letter", "--data", "circular.yaml", "--set", "circular=true", "--issue")
TABLES = ("entries", "counters", "cases", "case_events", "renders", "dependencies", "recipients")


# --- the server ------------------------------------------------------------------------------------
@pytest.fixture(scope="session")
def cluster() -> Iterator[Cluster]:
    bindir = find_bin()
    if bindir is None or not (bindir / "initdb").exists():
        pytest.fail(SETUP_HINT)
    made = Cluster(bindir)
    try:
        made.start()
        yield made
    finally:
        made.remove()


@pytest.fixture
def url(cluster: Cluster, request: pytest.FixtureRequest) -> str:
    """A new database of its own for the test."""
    name = re.sub(r"\W", "_", request.node.name.lower())[:50]
    return cluster.create(name)


def with_password(url: str) -> str:
    """The URL with a password (the test server trusts local connections and ignores it)."""
    return url.replace("saraban@", f"saraban:{PASSWORD}@", 1)


def machine(tmp: Path, name: str, url: str | None) -> Path:
    """A workspace of the Pak Thong Chai district office, on the server at ``url``."""
    (tmp / name).mkdir()
    ws = make_workspace(tmp / name, "pakthongchai")
    (ws / "letter.yaml").write_text(LETTER, encoding="utf-8")
    if url is not None:
        with (ws / "office.yaml").open("a", encoding="utf-8") as fh:
            fh.write(f"\ndatabase: {url}\n")
    return ws


def circular_files(ws: Path) -> None:
    shutil.copy(EXAMPLES / "circular.yaml", ws / "circular.yaml")
    (ws / "examples").mkdir()
    shutil.copy(EXAMPLES / "recipients.csv", ws / "examples" / "recipients.csv")
    shutil.copy(EXAMPLES / "references.yaml", ws / "references.yaml")


def env() -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if k != "SARABAN_DATABASE_URL"}
    return {**clean, "PYTHONIOENCODING": "utf-8", "PYTHONPATH": str(ROOT)}


def cli(ws: Path, *args: str, extra: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "--quiet", *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ws,
        env={**env(), **(extra or {})},
    )


def ok(ws: Path, *args: str) -> str:
    r = cli(ws, *args)
    assert r.returncode == 0, f"{args}: {r.stderr}"
    assert PASSWORD not in r.stdout + r.stderr
    return r.stdout


def spawn(ws: Path, *args: str, extra: dict[str, str] | None = None) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "--quiet", *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=ws,
        env={**env(), **(extra or {})},
    )


@contextlib.contextmanager
def server(url: str, schema: str = "saraban") -> Iterator[psycopg.Connection]:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(f"SET search_path TO {schema}")  # type: ignore[arg-type]
        yield conn


def rows(url: str, sql: str) -> list[tuple]:
    with server(url) as conn:
        return conn.execute(sql).fetchall()  # type: ignore[arg-type]


def numbers(url: str) -> dict[tuple[str, int], list[int]]:
    out: dict[tuple[str, int], list[int]] = {}
    for series, year, number in rows(url, "SELECT series, year, number FROM entries ORDER BY 3"):
        out.setdefault((series, year), []).append(number)
    return out


def stray_files(ws: Path) -> list[str]:
    """Hidden files under letters/ (pending, temporary) and run lock files left; the workspace's
    id aside."""
    return [f for f in recovery_stray_files(ws) if f != WORKSPACE_ID]


def assert_whole(url: str, workspaces: list[Path]) -> None:
    """Numbers gapless and unique, counters right, every issued letter's file on the machine
    that issued it (and only there), no journal row, no stray file."""
    for (series, year), got in numbers(url).items():
        assert got == list(range(1, len(got) + 1)), (series, year, got)
        ((nxt,),) = rows(
            url, f"SELECT next_number FROM counters WHERE series = '{series}' AND year = {year}"
        )
        assert nxt == len(got) + 1
    for (path,) in rows(url, "SELECT path FROM entries WHERE status = 'issued'"):
        holders = [ws for ws in workspaces if (ws / path).is_file()]
        assert len(holders) == 1, f"{path}: on {len(holders)} machines"
    assert rows(url, "SELECT count(*) FROM pending_files") == [(0,)]
    for ws in workspaces:
        assert stray_files(ws) == [], ws


# --- choosing the database, the commands ----------------------------------------------------------
def test_db_commands_and_no_password_anywhere(tmp_path: Path, url: str) -> None:
    ws = machine(tmp_path, "a", with_password(url))
    r = run_cli("db", "status", workspace=ws)
    assert r.code == 0, r.err
    assert "database: PostgreSQL postgresql://saraban:***@/" in r.out
    assert "schema: none yet (run `saraban db upgrade`)" in r.out
    r = run_cli("new", "letter", "--data", str(ws / "letter.yaml"), "--issue", workspace=ws)
    assert r.code == 1
    assert re.fullmatch(
        r"saraban: error: postgresql://saraban:\*\*\*@/\S+ holds no saraban register yet: run "
        r"`saraban db upgrade` to make its tables\n",
        r.err,
    ), r.err
    r = run_cli("db", "upgrade", workspace=ws)
    assert r.code == 0 and f"schema version 0 → {SCHEMA_VERSION}" in r.out, r.err
    r = run_cli("db", "upgrade", workspace=ws)
    assert r.code == 0 and f"schema version {SCHEMA_VERSION}, up to date" in r.out, r.err
    r = run_cli("new", "letter", "--data", str(ws / "letter.yaml"), "--issue", workspace=ws)
    assert r.code == 0, r.err
    assert not (ws / "letters" / "register.db").exists()  # the register is on the server
    r = run_cli("db", "status", workspace=ws)
    assert f"schema version: {SCHEMA_VERSION} (up to date)" in r.out
    assert "entries: 1\n" in r.out and "cases: 1\n" in r.out and "pending_files: 0\n" in r.out
    r = run_cli("check", workspace=ws)
    assert r.code == 0, r.out + r.err
    for text in (r.out, r.err):
        assert PASSWORD not in text
    assert rows(url, "SELECT version, office FROM saraban_schema") == [(SCHEMA_VERSION, "นม 0023.26")]

    # A server that cannot be reached: one line, the password not in it.
    gone = with_password(url).replace("host=", "host=/nonexistent")
    r = run_cli("register", "list", workspace=ws)
    assert r.code == 0
    os.environ["SARABAN_DATABASE_URL"] = gone  # the environment wins over office.yaml
    try:
        r = run_cli("register", "list", workspace=ws)
    finally:
        del os.environ["SARABAN_DATABASE_URL"]
    assert r.code == 1
    assert r.err.startswith("saraban: error: cannot reach the database server postgresql://")
    assert r.err.count("\n") == 1 and PASSWORD not in r.err and "***" in r.err


def test_office_yaml_database_key_is_validated(tmp_path: Path) -> None:
    ws = machine(tmp_path, "a", f"mysql://clerk:{PASSWORD}@db/x")
    r = run_cli("register", "list", workspace=ws)
    assert r.code == 1
    assert re.search(
        r"office\.yaml:\d+: database: must be a PostgreSQL URL such as "
        r"postgresql://clerk@db\.office\.local/saraban, not mysql://clerk:\*\*\*@db/x\n$",
        r.err,
    ), r.err
    assert PASSWORD not in r.err


def test_another_office_is_refused_and_has_a_schema_of_its_own(tmp_path: Path, url: str) -> None:
    district = machine(tmp_path, "a", url)
    ok(district, "db", "upgrade")
    (tmp_path / "b").mkdir()
    dla = make_workspace(tmp_path / "b", "dla")
    with (dla / "office.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"\ndatabase: {url}\n")
    r = cli(dla, "register", "list")
    assert r.returncode == 1
    assert "holds the register of another office (prefix นม 0023.26), not of this office " in (
        r.stderr
    )
    text = (dla / "office.yaml").read_text(encoding="utf-8")
    (dla / "office.yaml").write_text(text.replace(url, url + "&schema=dla"), encoding="utf-8")
    ok(dla, "db", "upgrade")
    ok(dla, "new", "letter", "--data", "reference-003.yaml", "--issue")
    ok(district, *ISSUE)
    with server(url, "dla") as conn:
        assert conn.execute("SELECT number_text FROM entries").fetchall() == [("มท 0808.4/ว 0001",)]
    assert [r[0] for r in rows(url, "SELECT number_text FROM entries")] == ["นม 0023.26/1"]


def test_sqlite_offices_never_import_psycopg(tmp_path: Path) -> None:
    ws = machine(tmp_path, "a", None)
    code = (
        "import sys; from engine.cli import main; "
        f"code = main(['--workspace', {str(ws)!r}, '--quiet', *{list(ISSUE)!r}]); "
        "assert code == 0; "
        "print(sorted(m for m in sys.modules if m.startswith('psycopg')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ws, env=env()
    )
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


# --- numbering across machines ---------------------------------------------------------------------
WORKER = """
import sys, time
from pathlib import Path
from engine import api
from engine.workspace import Workspace
ws = Workspace(sys.argv[1])
ws.register_path  # joined, and the office's server named
Path(sys.argv[2]).touch()
while not Path(sys.argv[3]).exists():
    time.sleep(0.005)
for _ in range(int(sys.argv[4])):
    api.new(ws, "letter", data_file=str(ws.root / "letter.yaml"), issue=True)
"""


def test_two_machines_eight_processes_each_issue_400_contiguous_numbers(
    tmp_path: Path, url: str
) -> None:
    """Two workspaces of one office (two clerks' machines); on each, 8 processes issue 25
    letters at once: 400 distinct, contiguous numbers, each with its document."""
    machines = [machine(tmp_path, name, url) for name in ("a", "b")]
    ok(machines[0], "db", "upgrade")
    go = tmp_path / "go"
    procs = []
    for m, ws in enumerate(machines):
        for w in range(8):
            ready = tmp_path / f"ready-{m}-{w}"
            proc = subprocess.Popen(
                [sys.executable, "-c", WORKER, str(ws), str(ready), str(go), "25"],
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
                cwd=ws,
                env=env(),
            )
            procs.append((ready, proc))
    deadline = time.monotonic() + 120
    for ready, proc in procs:
        while not ready.exists():
            assert proc.poll() is None, proc.communicate()[1]
            assert time.monotonic() < deadline, "the workers did not start"
            time.sleep(0.01)
    go.touch()  # all sixteen connected: issue at the same moment
    for _, proc in procs:
        _, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
    assert rows(url, "SELECT count(*), count(DISTINCT number) FROM entries") == [(400, 400)]
    ((year,),) = rows(url, "SELECT DISTINCT year FROM entries")
    assert numbers(url) == {("normal", year): list(range(1, 401))}
    assert_whole(url, machines)
    for ws in machines:  # each machine issued its 200
        assert len(list((ws / "letters").glob("*/normal-*.docx"))) == 200
    # the history of every case: created and issued, in one transaction with its number
    assert rows(url, "SELECT count(*) FROM case_events") == [(800,)]


def test_a_deadlock_between_two_series_is_retried(tmp_path: Path, url: str) -> None:
    """Two transactions take two series' counters in opposite orders: the server kills one
    (deadlock); :func:`engine.store.retried` runs it again and both letters are issued."""
    import datetime as dt

    from engine.register import Register
    from engine.store import retried
    from engine.workspace import Workspace

    ws = Workspace(machine(tmp_path, "a", url))
    ok(ws.root, "db", "upgrade")
    barrier = threading.Barrier(2, timeout=30)
    attempts: list[str] = []

    @retried
    def issue(first: str, second: str) -> None:
        attempts.append(first)
        with Register(ws.register_path) as reg, reg.transaction():
            for i, series in enumerate((first, second)):
                with reg.reserve(series, 2025) as slot:
                    slot.record(number_text=f"ที่ ทด {series}/{slot.number}",
                                date=dt.date(2025, 6, 1), sender="", recipient="", subject="")  # fmt: skip
                if i == 0 and len(attempts) <= 2:
                    barrier.wait()  # both hold their first counter: each now waits for the other

    errors: list[BaseException] = []

    def run(first: str, second: str) -> None:
        try:
            issue(first, second)
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [
        threading.Thread(target=run, args=("normal", "circular")),
        threading.Thread(target=run, args=("circular", "normal")),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(120)
    assert errors == []
    assert len(attempts) == 3  # one of the two ran again
    assert sorted(rows(url, "SELECT series, number FROM entries")) == [
        ("circular", 1),
        ("circular", 2),
        ("normal", 1),
        ("normal", 2),
    ]


# --- kills, and the server going away -----------------------------------------------------------
def test_clients_killed_at_random_moments_leave_no_gap_and_no_orphan(
    tmp_path: Path, url: str
) -> None:
    """Both machines issue at once, each client killed (SIGKILL, its process group) at a random
    moment of its run, until KILLS have been killed: no gap, no duplicate, no orphan file, no
    journal row once each machine ran its next command."""
    seed = int(os.environ.get("SARABAN_KILL_SEED", random.randrange(1 << 30)))
    print(f"SARABAN_KILL_SEED={seed}")
    rng = random.Random(seed)
    machines = [machine(tmp_path, name, url) for name in ("a", "b")]
    ok(machines[0], "db", "upgrade")
    ok(machines[0], *ISSUE)
    probe = spawn(machines[1], *ISSUE)
    assert joined(machines[1], probe)
    t0 = time.monotonic()
    assert probe.wait(timeout=120) == 0
    work = time.monotonic() - t0  # from opening the workspace to the end: the part that matters
    outcome = {"killed": 0, "finished": 0}
    for _ in range(2 * KILLS):
        if outcome["killed"] >= KILLS:
            break
        procs = [spawn(ws, *ISSUE) for ws in machines]  # the two machines at once
        kills = [
            time.monotonic() + rng.uniform(0, work) if joined(ws, proc) else 0.0
            for ws, proc in zip(machines, procs, strict=True)
        ]
        for proc, at in zip(procs, kills, strict=True):
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(timeout=max(0.0, at - time.monotonic()))
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGKILL)
            _, err = proc.communicate(timeout=120)
            assert proc.returncode in (0, -signal.SIGKILL), err
            assert "Traceback" not in err, err
            outcome["killed" if proc.returncode else "finished"] += 1
    print(outcome)
    assert outcome["killed"] >= KILLS
    for ws in machines:  # the next command on each machine cleans up after its dead runs
        ok(ws, "register", "list")
    assert_whole(url, machines)
    before = numbers(url)
    ok(machines[0], *ISSUE)
    ((key, got),) = numbers(url).items()
    assert got == list(range(1, len(before[key]) + 2))
    r = cli(machines[1], "check")
    assert r.returncode == 0, r.stdout + r.stderr
    assert re.search(
        r"registered file\(s\) on this machine and as recorded, \d+ elsewhere", r.stdout
    )


def test_server_stopped_and_restarted_during_a_run(
    tmp_path: Path, url: str, cluster: Cluster
) -> None:
    """Clients are issuing when the server stops (fast shutdown): the one inside its
    transaction and the one waiting for the counter get one clear line and record nothing; the
    one that had committed keeps its letter. After the restart the next command works and
    nothing is lost or left over."""
    ws = machine(tmp_path, "a", url)
    ok(ws, "db", "upgrade")
    ok(ws, *ISSUE)
    committed = spawn(ws, *ISSUE, extra={"SARABAN_PAUSE_AFTER_COMMIT": "7"})
    deadline = time.monotonic() + 60
    while rows(url, "SELECT count(*) FROM entries") != [(2,)]:  # it has committed, and sleeps
        assert committed.poll() is None and time.monotonic() < deadline  # before its renames
        time.sleep(0.05)
    holder = subprocess.Popen(  # inside its transaction, the counter locked
        [sys.executable, "-c", HOLDER, str(ws), str(tmp_path / "holding")],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env(),
    )
    deadline = time.monotonic() + 60
    while not (tmp_path / "holding").exists():
        assert holder.poll() is None, holder.communicate()
        assert time.monotonic() < deadline
        time.sleep(0.01)
    waiting = spawn(ws, *ISSUE)  # waits for the counter
    assert joined(ws, waiting)
    time.sleep(1.0)
    cluster.stop("fast")
    try:
        out, err = holder.communicate(timeout=60)
        assert holder.returncode == 1, err
        assert re.fullmatch(
            r"lost the connection to the database server postgresql://saraban@/\S+ \(.+\): "
            r"nothing was recorded; try again\n",
            out,
        ), out + err
        _, err = waiting.communicate(timeout=60)
        assert waiting.returncode == 1
        assert err.startswith("saraban: error: lost the connection to the database server"), err
        assert err.count("\n") == 1 and "Traceback" not in err, err
        out, err = committed.communicate(timeout=60)
        assert committed.returncode == 0, err  # its letter was recorded: it is put in place
        assert "ที่ นม 0023.26/2" in out
        down = cli(ws, *ISSUE)
        assert down.returncode == 1
        assert down.stderr.startswith("saraban: error: cannot reach the database server"), (
            down.stderr
        )
    finally:
        cluster.start()
    # The committed letter is in place; its journal rows, which it could not delete with the
    # server gone, wait on the server for the next command on this machine.
    assert list((ws / "letters").glob("*/normal-0002.docx"))
    assert rows(url, "SELECT count(*) FROM pending_files") == [(1,)]
    ok(ws, *ISSUE)  # the next command works; it also clears the journal the server kept
    assert numbers(url) == {next(iter(numbers(url))): [1, 2, 3]}
    assert_whole(url, [ws])
    assert cli(ws, "check").returncode == 0


HOLDER = """
import sys, time
import datetime as dt
from pathlib import Path
from engine.errors import UserError
from engine.register import Register
from engine.workspace import Workspace
ws = Workspace(sys.argv[1])
try:
    with Register(ws.register_path) as reg, reg.reserve("normal", dt.date.today().year) as slot:
        Path(sys.argv[2]).touch()
        time.sleep(6)  # a slow render
        slot.record(number_text=f"ที่ นม 0023.26/{slot.number}", date=dt.date.today(),
                    sender="", recipient="", subject="")
except UserError as exc:
    print(exc)
    sys.exit(1)
"""


# --- db copy ---------------------------------------------------------------------------------------
def sqlite_rows(db: Path, table: str) -> list[tuple]:
    with sqlite3.connect(db) as conn:
        cols = [d[0] for d in conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
        return sorted(conn.execute(f"SELECT {', '.join(cols)} FROM {table}").fetchall(), key=repr)


def server_rows(url: str, table: str, cols: list[str]) -> list[tuple]:
    return sorted(rows(url, f"SELECT {', '.join(cols)} FROM {table}"), key=repr)


def here(ws: Path, *args: str) -> str:
    """A command that must succeed, run in this process (quicker); data files named relative
    to the workspace."""
    args = tuple(str(ws / a) if a.endswith(".yaml") else a for a in args)
    r = run_cli("--quiet", *args, workspace=ws)
    assert r.code == 0, f"{args}: {r.err}"
    assert PASSWORD not in r.out + r.err
    return r.out


def test_db_copy_round_trips_letters_circulars_and_cancellations(tmp_path: Path, url: str) -> None:
    ws = machine(tmp_path, "a", None)
    circular_files(ws)
    for _ in range(3):
        here(ws, *ISSUE)
    here(ws, *CIRCULAR)
    here(ws, "register", "cancel", "นม 0023.26/2", "--reason", "ออกเลขซ้ำซ้อน")
    here(ws, "advance", "1", "send")
    db = ws / "letters" / "register.db"
    listed = here(ws, "register", "list", "--json")
    shown = here(ws, "show", "4", "--json")

    out = here(ws, "db", "copy", "--to", with_password(url))
    assert "entries: 4 row(s)" in out and "recipients: " in out
    assert "copied the register to postgresql://saraban:***@/" in out
    with sqlite3.connect(db) as conn:
        for table in TABLES:
            cols = [d[0] for d in conn.execute(f"SELECT * FROM {table} LIMIT 0").description]
            assert server_rows(url, table, cols) == sqlite_rows(db, table), table
    assert len(sqlite_rows(db, "recipients")) > 10
    assert len(sqlite_rows(db, "entries")) == 4

    # The office uses the server now: the same register, the same case, the next numbers.
    with (ws / "office.yaml").open("a", encoding="utf-8") as fh:
        fh.write(f"\ndatabase: {url}\n")
    assert here(ws, "register", "list", "--json") == listed
    assert here(ws, "show", "4", "--json") == shown
    made = json.loads(here(ws, *ISSUE, "--json"))
    assert made["number"] == "นม 0023.26/4"
    assert rows(url, "SELECT max(id) FROM cases") == [(5,)]  # ids continue after the copied

    # A target that holds a register already is refused; nothing changes.
    other = machine(tmp_path, "b", None)
    here(other, *ISSUE)
    r = run_cli("db", "copy", "--to", url, workspace=other)
    assert r.code == 1
    assert re.search(
        r"already holds a register \(5 entries, 5 cases\): db copy only fills an empty one\n$",
        r.err,
    ), r.err
    assert rows(url, "SELECT count(*) FROM entries") == [(5,)]


# --- without a server ------------------------------------------------------------------------------
def test_urls_are_shown_without_their_password() -> None:
    from engine.store import parse_url, redact

    assert redact(f"postgresql://clerk:{PASSWORD}@db:5433/saraban") == (
        "postgresql://clerk:***@db:5433/saraban"
    )
    shown = redact(f"postgresql://clerk@db/saraban?password={PASSWORD}&sslmode=require")
    assert PASSWORD not in shown and "sslmode=require" in shown
    server = parse_url(f"postgresql://clerk:{PASSWORD}@db/saraban?schema=amphoe_pakthongchai")
    assert (server.schema, str(server)) == (
        "amphoe_pakthongchai",
        "postgresql://clerk:***@db/saraban (schema amphoe_pakthongchai)",
    )
    assert "schema" not in server.conninfo
    assert server.clean(f"invalid dsn: password={PASSWORD}") == "invalid dsn: password=***"
    with pytest.raises(Exception, match=r"schema 'Bad-Name' is not a schema name"):
        parse_url("postgresql://db/saraban?schema=Bad-Name")


def test_a_transaction_refused_again_and_again_is_reported_in_one_line() -> None:
    from engine.errors import RegisterError
    from engine.store import Transient, retried
    from engine.store.db import ATTEMPTS

    calls = []

    @retried
    def refused() -> None:
        calls.append(1)
        raise Transient("a deadlock with another command on the database server")

    with pytest.raises(RegisterError) as caught:
        refused()
    assert len(calls) == ATTEMPTS == 5
    assert caught.value.message == (
        "the database server refused the transaction 5 times (a deadlock with another command "
        "on the database server); nothing was recorded: try again"
    )
