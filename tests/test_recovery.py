"""Crash recovery with real processes killed by SIGKILL: nothing blocks a series, nothing lingers,
``check`` verifies the register database and ``check --repair`` quarantines what it cannot own.

Everything here runs saraban as separate processes (this test process never opens the
workspaces itself, so it is never one of their live runs). The random-kill test kills each kind
of command ``SARABAN_KILLS`` times (default 50) at random moments within its measured duration;
its random seed is printed, and ``SARABAN_KILL_SEED`` replays a run.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import random
import re
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from collections import Counter
from pathlib import Path

import pytest
from conftest import EXAMPLES, Result, make_workspace
from pypdf import PdfWriter

KILLS = int(os.environ.get("SARABAN_KILLS", "50"))
LETTER = """\
to: นายกองค์การบริหารส่วนตำบลสระตะเคียน
subject: ขอเชิญประชุม
body: |
  ด้วยอำเภอปักธงชัยจะจัดประชุมเรื่องการใช้ระบบ KTB Corporate Online
signer: district_chief
"""
CIRCULAR = ("new", "letter", "--data", "circular.yaml", "--set", "circular=true", "--issue")
LETTERS = ("new", "letter", "--data", "letter.yaml", "--issue")
APPOINT = ("new", "appoint-admin", "--data", "appoint-admin.yaml", "--issue")
SEED = """
import sys
from engine import api
from engine.workspace import Workspace
ws = Workspace(sys.argv[1])
for _ in range(int(sys.argv[2])):
    api.new(ws, "letter", data_file=sys.argv[3], issue=True)
"""


def district_ws(tmp_path: Path) -> Path:
    """The Pak Thong Chai district office with a letter and the example circular (25 copies)."""
    ws = make_workspace(tmp_path, "pakthongchai")
    (ws / "letter.yaml").write_text(LETTER, encoding="utf-8")
    shutil.copy(EXAMPLES / "circular.yaml", ws / "circular.yaml")
    (ws / "examples").mkdir()
    shutil.copy(EXAMPLES / "recipients.csv", ws / "examples" / "recipients.csv")
    shutil.copy(EXAMPLES / "references.yaml", ws / "references.yaml")
    return ws


def tambon_ws(tmp_path: Path) -> Path:
    ws = make_workspace(tmp_path, "tambon")
    shutil.copytree(EXAMPLES / "tambon" / "files", ws / "files")
    shutil.copy(EXAMPLES / "appoint-admin.yaml", ws / "appoint-admin.yaml")
    return ws


def cli(ws: Path, *args: str) -> Result:
    """saraban as a process, in the workspace folder (data files are named relative to it)."""
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), *args],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=ws,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def run(ws: Path, *args: str) -> tuple[str, str]:
    """A command that must succeed: (stdout, stderr)."""
    r = cli(ws, "--quiet", *args)
    assert r.code == 0, f"{args}: {r.err}"
    return r.out, r.err


def spawn(ws: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen[str]:
    """saraban as a process in its own process group (as a shell's job is)."""
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "--quiet", *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        cwd=ws,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )


def db(ws: Path) -> sqlite3.Connection:
    return sqlite3.connect(ws / "letters" / "register.db")


def numbers(ws: Path) -> dict[tuple[str, int], list[int]]:
    with db(ws) as conn:
        rows = conn.execute("SELECT series, year, number FROM entries ORDER BY number").fetchall()
    out: dict[tuple[str, int], list[int]] = {}
    for series, year, number in rows:
        out.setdefault((series, year), []).append(number)
    return out


def stray_files(ws: Path) -> list[str]:
    """Hidden files under letters/ (pending, temporary) and lock files of runs."""
    letters = ws / "letters"
    found = []
    for path in letters.rglob("*"):
        rel = path.relative_to(letters)
        if path.is_dir() or ".quarantine" in rel.parts:
            continue
        if rel.parts[0] == ".runs":
            if path.name != "regenerate":  # the regenerate mutex stays (see engine/recovery.py)
                found.append(str(rel))
        elif path.name.startswith("."):
            found.append(str(rel))
    return found


# --- deterministic crashes --------------------------------------------------------------------------
def test_kill_between_commit_and_rename_is_finished_by_the_next_command(tmp_path: Path) -> None:
    ws = district_ws(tmp_path)
    run(ws, "register", "list")  # the register exists
    proc = spawn(ws, *LETTERS, env={"SARABAN_PAUSE_AFTER_COMMIT": "60"})
    deadline = time.monotonic() + 60
    while not numbers(ws) and time.monotonic() < deadline:
        time.sleep(0.02)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert list(numbers(ws).values()) == [[1]]  # committed …
    year = next(p for p in (ws / "letters").iterdir() if p.name.isdigit())
    final = year / "normal-0001.docx"
    assert not final.exists()  # … but killed before its file got its name
    assert [p.name[:9] for p in year.iterdir()] == [".pending~"]
    r = cli(ws, "check")
    assert r.code == 0, r.err
    rel = final.relative_to(ws)
    assert r.err.splitlines() == [
        f"saraban: cleaned up after an interrupted command: put 1 file(s) of registered letters "
        f"in place ({rel})"
    ]
    assert final.is_file() and stray_files(ws) == []
    out, _ = run(ws, *LETTERS)
    assert "normal-0002.docx" in out


def visible(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if not p.name.startswith("."))


def wait_for_entries(ws: Path, n: int) -> None:
    deadline = time.monotonic() + 60
    while sum(map(len, numbers(ws).values())) < n and time.monotonic() < deadline:
        time.sleep(0.02)


def test_a_dead_run_is_cleaned_up_and_a_live_one_left_alone(tmp_path: Path) -> None:
    """Two commands paused between commit and renames: one alive, one killed. The next command
    finishes the dead one's letter and does not touch the live one's pending file."""
    ws = district_ws(tmp_path)
    run(ws, "register", "list")
    pause = {"SARABAN_PAUSE_AFTER_COMMIT": "60"}
    live = spawn(ws, *LETTERS, env=pause)
    wait_for_entries(ws, 1)
    dead = spawn(ws, *LETTERS, env=pause)
    wait_for_entries(ws, 2)
    os.killpg(dead.pid, signal.SIGKILL)
    dead.wait()
    year = next(p for p in (ws / "letters").iterdir() if p.name.isdigit())
    assert len(list(year.glob(".pending~*"))) == 2 and not visible(year)
    try:
        r = cli(ws, "register", "list")
        assert r.code == 0
        assert f"put 1 file(s) of registered letters in place ({year.relative_to(ws)}/" in r.err
        assert visible(year) == ["normal-0002.docx"]
        (pending,) = year.glob(".pending~*")  # the live command's, untouched
        assert pending.name.startswith(f".pending~{live.pid}-")
    finally:
        os.killpg(live.pid, signal.SIGKILL)
        live.wait()
    assert cli(ws, "check").code == 0
    assert visible(year) == ["normal-0001.docx", "normal-0002.docx"]
    assert stray_files(ws) == []


def test_cache_temporary_files_of_dead_processes_are_removed(tmp_path: Path) -> None:
    ws = district_ws(tmp_path)
    cache = tmp_path / "cache"
    (cache / "templates").mkdir(parents=True)
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True)  # fmt: skip
    dead_tmp = cache / "templates" / f".abc.json.{int(gone.stdout)}.tmp"
    live_tmp = cache / "templates" / f".def.json.{os.getpid()}.tmp"
    for f in (dead_tmp, live_tmp):
        f.write_text("{", encoding="utf-8")
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "register", "list"],
        capture_output=True, text=True, env={**os.environ, "SARABAN_CACHE": str(cache)},
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert not dead_tmp.exists() and live_tmp.exists()


def test_kill_while_writing_a_circular_leaves_no_file_under_its_names(tmp_path: Path) -> None:
    ws = district_ws(tmp_path)
    run(ws, *CIRCULAR)  # ว 1, and the year folder
    year = next(p for p in (ws / "letters").iterdir() if p.name.isdigit())
    proc = spawn(ws, *CIRCULAR)
    deadline = time.monotonic() + 60
    while len(list(year.glob(".pending~*"))) < 5 and time.monotonic() < deadline:
        time.sleep(0.002)
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait()
    assert numbers(ws) == {("circular", int(year.name) - 543): [1]}
    assert list(year.glob(".pending~*"))  # its copies, under pending names only
    assert not (year / "circular-0002.docx").exists()
    assert not (year / "circular-0002").exists()
    out, err = run(ws, *CIRCULAR)  # the series is not blocked: ว 2 now
    assert "ที่ นม 0023.26/ว 2" in out
    assert err.startswith("saraban: cleaned up after an interrupted command: removed ")
    assert "that were never registered" in err and len(err.splitlines()) == 1
    assert len(list((year / "circular-0002").iterdir())) == 25
    assert stray_files(ws) == []
    assert cli(ws, "check").code == 0


def test_check_finds_an_unregistered_letter_and_repair_quarantines_it(tmp_path: Path) -> None:
    """What an older saraban left after a kill: a DOCX under the next number's name, stale copies
    in the next circular's folder, and temporary files. Issuing says what to do; check reports
    each; check --repair moves them and the series goes on."""
    ws = district_ws(tmp_path)
    run(ws, *LETTERS)
    run(ws, *CIRCULAR)
    year = next(p for p in (ws / "letters").iterdir() if p.name.isdigit())
    shutil.copy(year / "normal-0001.docx", year / "normal-0002.docx")
    (year / "circular-0002").mkdir()
    for i in (1, 2):
        shutil.copy(next((year / "circular-0001").glob(f"{i:03d}-*")), year / "circular-0002")
    (year / ".normal-0002.docx.x1y2z3.tmp").write_bytes(b"half")
    (year / ".regen999999-abc.tmp").write_bytes(b"half")
    blank = PdfWriter()
    blank.add_blank_page(595, 842)
    blank.write(year / "circular-0001" / "not-ours.pdf")

    rel = year.relative_to(ws)
    r = cli(ws, "--quiet", *LETTERS)
    assert r.code == 1
    assert f"{rel}/normal-0002.docx: already exists" in r.err and "check --repair" in r.err
    r = cli(ws, "--quiet", *CIRCULAR)
    assert r.code == 1 and f"{rel}/circular-0002: already holds files" in r.err

    r = cli(ws, "check")
    assert r.code == 1
    errors = [line for line in r.err.splitlines() if line.startswith("error")]
    assert len(errors) == 4, r.err
    names = ("normal-0002.docx", "circular-0002/001-", "circular-0002/002-", "circular-0001/not-")
    for name in names:
        assert any(f"{rel}/{name}" in e and "not in the register" in e for e in errors), name
    # the temporary files: no live command in the workspace, so they went at once
    assert "removed 2 unfinished file(s)" in r.err
    assert not list(year.glob(".*"))

    r = cli(ws, "check", "--repair")
    assert r.code == 0, r.err
    moved = [line for line in r.out.splitlines() if line.startswith("ok  moved ")]
    assert len(moved) == 4
    assert f"ok  moved {rel}/normal-0002.docx to letters/.quarantine/" in r.out
    quarantined = [p for p in (ws / "letters" / ".quarantine").rglob("*") if p.is_file()]
    assert sorted(p.name for p in quarantined)[-1] == "not-ours.pdf"
    assert any(str(p).endswith(f"{year.name}/normal-0002.docx") for p in quarantined)
    assert not (year / "circular-0002").exists()
    assert cli(ws, "check").code == 0
    assert "normal-0002.docx" in run(ws, *LETTERS)[0]
    assert "ว 2" in run(ws, *CIRCULAR)[0]


def test_check_reports_missing_and_changed_files_and_a_damaged_database(tmp_path: Path) -> None:
    ws = district_ws(tmp_path)
    for _ in range(3):
        run(ws, *LETTERS)
    run(ws, *CIRCULAR)
    year = next(p for p in (ws / "letters").iterdir() if p.name.isdigit())
    assert cli(ws, "check").code == 0
    (year / "normal-0001.docx").unlink()
    copy = next((year / "circular-0001").glob("003-*"))
    copy.write_bytes(copy.read_bytes() + b"\0")
    r = cli(ws, "check")
    assert r.code == 1
    rel = year.relative_to(ws)
    assert f"error  {rel}/normal-0001.docx: registered (ที่ นม 0023.26/1) but missing" in r.err
    assert f"error  {rel}/circular-0001/003-" in r.err and "SHA-256 differs" in r.err
    run(ws, "regenerate", "--all")  # renders both again
    assert cli(ws, "check").code == 0

    # a damaged page inside the database (not its header): integrity_check finds it
    path = ws / "letters" / "register.db"
    with sqlite3.connect(path) as conn:
        page = conn.execute("PRAGMA page_size").fetchone()[0]
        pages = conn.execute("PRAGMA page_count").fetchone()[0]
    assert pages > 4
    with path.open("r+b") as fh:
        for n in range(2, pages):
            fh.seek(n * page + 8)
            fh.write(os.urandom(64))
    r = cli(ws, "check", "--repair")
    assert r.code == 1
    errors = [line for line in r.err.splitlines() if line.startswith("error")]
    assert len(errors) == 1, r.err
    assert "letters/register.db: the register database is damaged" in errors[0]
    assert "cannot mend" in errors[0] and "restore letters/register.db from a backup" in errors[0]
    assert "Traceback" not in r.err


def test_check_upgrades_a_register_of_an_earlier_saraban(tmp_path: Path) -> None:
    """A register written before the journal existed (schema 3, no pending_files) is brought up
    to date by `check`, not called damaged."""
    ws = district_ws(tmp_path)
    run(ws, *LETTERS)
    from engine.store import MIGRATIONS

    later = [  # the tables of schema 4 and after (the journal, the web application's, …)
        name
        for m in MIGRATIONS
        if m.version > 3
        for statement in m.statements
        for name in re.findall(r"CREATE TABLE (\w+)", statement)
    ]
    assert "pending_files" in later
    with contextlib.closing(db(ws)) as conn:
        for name in later:
            conn.execute(f"DROP TABLE {name}")
        added = [  # the columns of schema 4 and after (5's salutation and backdating, 7's …)
            column
            for m in MIGRATIONS
            if m.version > 3
            for statement in m.statements
            for column in re.findall(r"ALTER TABLE (\w+) ADD COLUMN (\w+)", statement)
        ]
        assert ("entries", "backdated_date") in added
        for table, column in added:
            conn.execute(f"ALTER TABLE {table} DROP COLUMN {column}")
        conn.execute("PRAGMA user_version = 3")
        conn.commit()
    r = cli(ws, "check")
    assert r.code == 0, r.err
    assert "damaged" not in r.err and "1 registered file(s) present" in r.out
    with contextlib.closing(db(ws)) as conn:
        assert conn.execute("SELECT count(*) FROM pending_files").fetchone() == (0,)


def test_two_simultaneous_regenerations_record_one_event_per_change(tmp_path: Path) -> None:
    ws = district_ws(tmp_path)
    for _ in range(3):
        run(ws, *LETTERS)
    office = ws / "office.yaml"
    office.write_text(office.read_text(encoding="utf-8").replace("1642", "1700"), "utf-8")
    procs = [spawn(ws, "regenerate") for _ in range(2)]
    for p in procs:
        _, err = p.communicate(timeout=120)
        assert p.returncode == 0, err
    with db(ws) as conn:
        events = conn.execute(
            "SELECT case_id, count(*) FROM case_events WHERE event = 'regenerate' GROUP BY case_id"
        ).fetchall()
    assert sorted(events) == [(1, 1), (2, 1), (3, 1)]


# --- random kills ---------------------------------------------------------------------------------
def joined(ws: Path, proc: subprocess.Popen[str]) -> bool:
    """Wait until ``proc`` has opened the workspace (its run's lock file is there): from then on
    it does the work that matters (the transaction, the files). False if it ended first."""
    runs, prefix = ws / "letters" / ".runs", f"{proc.pid}-"
    deadline = time.monotonic() + 60
    while proc.poll() is None and time.monotonic() < deadline:
        with contextlib.suppress(FileNotFoundError):
            if any(n.startswith(prefix) and n.endswith(".lock") for n in os.listdir(runs)):
                return True
        time.sleep(0.002)
    return False


def timing(ws: Path, args: tuple[str, ...]) -> tuple[float, float]:
    """(seconds from start to the end, seconds from opening the workspace to the end)."""
    t0 = time.monotonic()
    proc = spawn(ws, *args)
    t1 = time.monotonic() if joined(ws, proc) else t0
    _, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    t2 = time.monotonic()
    return t2 - t0, t2 - t1


def leftovers(ws: Path) -> tuple[bool, bool]:
    """(pending or temporary files, committed journal rows) that a kill left."""
    with db(ws) as conn:
        rows = conn.execute("SELECT count(*) FROM pending_files").fetchone()[0]
    files = [f for f in stray_files(ws) if not f.startswith(".runs")]
    return bool(files), bool(rows)


def kill_batch(ws: Path, args: tuple[str, ...], rng: random.Random, before=None) -> Counter[str]:
    """Start ``args`` until it has been killed KILLS times, each time killing its process group
    at a random moment: mostly within its work (after it opened the workspace), sometimes
    anywhere in its run."""
    if before is not None:
        before(-2)
    whole, work = timing(ws, args)
    outcome: Counter[str] = Counter()
    for i in range(4 * KILLS):
        if outcome["killed"] == KILLS:
            break
        if before is not None:
            before(i)
        proc = spawn(ws, *args)
        if rng.random() < 0.15:
            delay = rng.uniform(0, whole)
        else:
            delay = rng.uniform(0, work) if joined(ws, proc) else 0
        try:
            proc.wait(timeout=delay)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
        _, err = proc.communicate(timeout=120)
        assert proc.returncode in (0, -signal.SIGKILL), err
        assert "Traceback" not in err and "already exists" not in err, err
        outcome["killed" if proc.returncode else "finished"] += 1
        files, rows = leftovers(ws)
        outcome["left files"] += files
        outcome["left committed journal"] += rows
    outcome["ms"] = round(1000 * whole)
    return outcome


def verify(ws: Path, issue: list[tuple[str, ...]], *, regenerated: bool = False) -> None:
    """After a batch: a following command cleans up; numbers gapless and unique; no stray file;
    check passes; the next issue of each series succeeds with the next number; every document
    in the register database, none without its letter."""
    run(ws, "register", "list")
    before = numbers(ws)
    for (series, year), got in before.items():
        assert got == list(range(1, len(got) + 1)), (series, got)  # no duplicate, no gap
        with db(ws) as conn:
            (nxt,) = conn.execute(
                "SELECT next_number FROM counters WHERE series = ? AND year = ?", (series, year)
            ).fetchone()
        assert nxt == len(got) + 1
    assert stray_files(ws) == []
    r = cli(ws, "check")
    assert r.code == 0, r.err
    for args in issue:
        run(ws, *args)
    after = numbers(ws)
    for key, got in after.items():
        assert got == list(range(1, len(before.get(key, [])) + 2)), key
    with db(ws) as conn:
        assert conn.execute("SELECT count(*) FROM pending_files").fetchone() == (0,)
    assert_documents(ws, versions=regenerated)


def assert_documents(ws: Path, *, versions: bool = False) -> None:
    """Every registered file's content is in the register's ``documents``, as the file on disk
    has it; no document without its render record (but earlier versions, after ``versions``
    regenerations)."""
    with db(ws) as conn:
        files: dict[str, str] = {}
        for (text,) in conn.execute("SELECT files_json FROM renders"):
            files.update(json.loads(text))
        stored = dict(conn.execute("SELECT sha256, content FROM documents"))
    assert set(files.values()) <= set(stored), "a registered file without its document"
    if not versions:
        assert set(stored) == set(files.values()), "a document without its letter"
    for path, digest in files.items():
        assert hashlib.sha256(stored[digest]).hexdigest() == digest
        assert (ws / path).read_bytes() == stored[digest], path


@pytest.mark.parametrize("kind", ["letter", "circular", "appoint-admin", "regenerate"])
def test_random_kills(tmp_path: Path, kind: str) -> None:
    seed = int(os.environ.get("SARABAN_KILL_SEED", random.randrange(1 << 30)))
    print(f"SARABAN_KILL_SEED={seed}")
    rng = random.Random(seed)
    before = None
    if kind == "appoint-admin":
        ws = tambon_ws(tmp_path)
        args = APPOINT
        follow = [APPOINT]
    else:
        ws = district_ws(tmp_path)
        args = {"letter": LETTERS, "circular": CIRCULAR}.get(kind, ())
        follow = [LETTERS, CIRCULAR]
    if kind == "regenerate":
        # 64 letters and a circular: regenerate's worker pool (from 64 documents) is used
        seed_run = subprocess.run(
            [sys.executable, "-c", SEED, str(ws), "64", str(ws / "letter.yaml")],
            capture_output=True,
            text=True,
        )
        assert seed_run.returncode == 0, seed_run.stderr
        run(ws, *CIRCULAR)
        args = ("regenerate", "--workers", "2")
        office = ws / "office.yaml"
        text = office.read_text(encoding="utf-8")

        def before(i: int) -> None:  # a new phone number each time: every letter changes
            office.write_text(text.replace("1642", f"{2000 + i}"), encoding="utf-8")

        before(-1)
    run(ws, *follow[0])  # the register and this year's folder exist
    outcome = kill_batch(ws, args, rng, before)
    print(kind, dict(outcome))
    assert outcome["killed"] == KILLS
    if kind == "regenerate":
        out, _ = run(ws, "regenerate")  # a following run finishes an interrupted one
        again, _ = run(ws, "regenerate")
        assert re.search(r"0 regenerated", again), again
    verify(ws, follow, regenerated=kind == "regenerate")
