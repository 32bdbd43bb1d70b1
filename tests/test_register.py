"""The outgoing register: numbering, cancellation, concurrency, crash safety, export."""

from __future__ import annotations

import csv
import io
import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import pytest

from engine.errors import RegisterError, SarabanError, UserError
from engine.register import (
    CIRCULAR,
    EXPORT_HEADERS,
    NORMAL,
    ORDER,
    SCHEMA_VERSION,
    Entry,
    Register,
    export_csv,
    export_xlsx,
    number_key,
)

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "letters" / "register.db"


@pytest.fixture
def reg(db: Path) -> Iterator[Register]:
    with Register(db) as register:
        yield register


def issue(
    reg: Register,
    series: str = NORMAL,
    d: date = date(2023, 4, 28),
    *,
    subject: str = "ทดสอบ",
    note: str = "",
) -> Entry:
    """Allocate and record one letter; the printed number is derived from the slot."""
    with reg.reserve(series=series, year=d.year) as slot:
        prefix = {NORMAL: "", CIRCULAR: "ว "}.get(series, f"{series} ")
        entry = slot.record(
            number_text=f"ที่ นม 0023.26/{prefix}{slot.number}",
            date=d,
            sender="อำเภอปักธงชัย",
            recipient="นายกเทศมนตรี ทุกแห่ง",
            subject=subject,
            note=note,
            path=f"letters/{d.year + 543}/{series}-{slot.number}.docx",
        )
    return entry


def rows(db: Path, sql: str, params: tuple[object, ...] = ()) -> list[tuple[object, ...]]:
    """Read the database back with a fresh, independent connection."""
    conn = sqlite3.connect(db)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def numbers_in_db(db: Path, series: str = NORMAL, year: int = 2023) -> list[int]:
    found = rows(
        db,
        "SELECT number FROM entries WHERE series = ? AND year = ? ORDER BY number",
        (series, year),
    )
    return [n for (n,) in found]  # type: ignore[misc]


# -- opening and schema -------------------------------------------------------------------


def test_open_creates_folder_schema_and_wal(db: Path) -> None:
    assert not db.parent.exists()
    Register(db).close()
    assert db.is_file()
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]
    assert rows(db, "PRAGMA journal_mode") == [("wal",)]
    tables = {name for (name,) in rows(db, "SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"entries", "counters"} <= tables
    # Reopening an existing register keeps its data.
    with Register(db) as reg:
        issue(reg)
    with Register(db) as reg:
        assert [e.number for e in reg.entries()] == [1]


def test_newer_schema_is_refused(db: Path) -> None:
    Register(db).close()
    conn = sqlite3.connect(db)
    conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    conn.close()
    with pytest.raises(RegisterError, match="newer saraban"):
        Register(db)


def test_not_a_database_is_a_user_error(tmp_path: Path) -> None:
    bogus = tmp_path / "register.db"
    bogus.write_bytes(b"this is not sqlite" * 100)
    with pytest.raises(RegisterError) as info:
        Register(bogus)
    assert isinstance(info.value, UserError)
    assert info.value.file == str(bogus)


# -- numbering ------------------------------------------------------------------------------


def test_sequential_numbers(reg: Register, db: Path) -> None:
    assert reg.next_number(NORMAL, 2023) == 1
    got = [issue(reg).number for _ in range(5)]
    assert got == [1, 2, 3, 4, 5]
    assert numbers_in_db(db) == [1, 2, 3, 4, 5]
    assert rows(db, "SELECT next_number FROM counters WHERE series='normal' AND year=2023") == [
        (6,)
    ]
    assert reg.next_number(NORMAL, 2023) == 6
    entry = reg.get(NORMAL, 2023, 3)
    assert entry.number_text == "ที่ นม 0023.26/3"
    assert entry.date == date(2023, 4, 28)
    assert entry.status == "issued" and not entry.cancelled
    assert entry.path == "letters/2566/normal-3.docx"
    assert entry.created_at.endswith("+00:00")


def test_record_returns_what_is_stored(reg: Register) -> None:
    with reg.reserve(series=CIRCULAR, year=2023) as slot:
        assert slot.number == 1
        entry = slot.record(
            number_text="  ที่ นม 0023.26/ว 598 ",
            date=date(2023, 4, 28),
            sender="อำเภอปักธงชัย",
            recipient="นายกเทศมนตรี ทุกแห่ง",
            subject="การยืนยันตัวตน",
            action="ส่งทางไปรษณีย์",
            note="ด่วน",
            case_id="case-7",
            path=Path("letters/2566/a.docx"),
            data_json='{"to": "x"}',
        )
        assert slot.entry == entry
    stored = reg.get(CIRCULAR, 2023, 1)
    assert stored == entry
    assert stored.number_text == "ที่ นม 0023.26/ว 598"
    assert (stored.action, stored.note, stored.case_id) == ("ส่งทางไปรษณีย์", "ด่วน", "case-7")
    assert stored.path == "letters/2566/a.docx"
    assert stored.data_json == '{"to": "x"}'
    with pytest.raises(AttributeError):
        stored.number = 2  # type: ignore[misc]


def test_series_are_separate(reg: Register, db: Path) -> None:
    for series in (NORMAL, CIRCULAR, NORMAL, ORDER, CIRCULAR, NORMAL, "memo"):
        issue(reg, series)
    assert numbers_in_db(db, NORMAL) == [1, 2, 3]
    assert numbers_in_db(db, CIRCULAR) == [1, 2]
    assert numbers_in_db(db, ORDER) == [1]
    assert numbers_in_db(db, "memo") == [1]
    listed = [(e.series, e.number) for e in reg.entries()]
    assert listed == [
        ("circular", 1),
        ("circular", 2),
        ("memo", 1),
        ("normal", 1),
        ("normal", 2),
        ("normal", 3),
        ("order", 1),
    ]
    assert [e.number for e in reg.entries(series=CIRCULAR)] == [1, 2]


def test_numbers_restart_each_calendar_year(reg: Register, db: Path) -> None:
    issue(reg, d=date(2023, 12, 31))
    issue(reg, d=date(2023, 12, 31))
    issue(reg, d=date(2024, 1, 1))
    issue(reg, CIRCULAR, d=date(2024, 1, 1))
    issue(reg, d=date(2023, 12, 30))  # a 2023 letter after new year continues 2023's series
    assert numbers_in_db(db, NORMAL, 2023) == [1, 2, 3]
    assert numbers_in_db(db, NORMAL, 2024) == [1]
    assert numbers_in_db(db, CIRCULAR, 2024) == [1]
    assert [e.number for e in reg.entries(year=2024)] == [1, 1]
    assert [(e.year, e.number) for e in reg.entries(series=NORMAL)] == [
        (2023, 1),
        (2023, 2),
        (2023, 3),
        (2024, 1),
    ]


def test_letter_date_must_be_in_the_reserved_year(reg: Register, db: Path) -> None:
    with (
        pytest.raises(RegisterError, match="not in 2023") as info,
        reg.reserve(series=NORMAL, year=2023) as slot,
    ):
        slot.record(
            number_text="ที่ ทด 1/1",
            date=date(2024, 1, 2),
            sender="",
            recipient="",
            subject="",
        )
    assert info.value.field == "date"
    assert numbers_in_db(db) == []


def test_buddhist_year_is_refused_with_a_hint(reg: Register) -> None:
    with pytest.raises(RegisterError, match=r"Buddhist-era.*2023"), reg.reserve(NORMAL, 2566):
        pass  # pragma: no cover
    with pytest.raises(RegisterError):
        reg.next_number("", 2023)


def test_start_mid_year_continues_a_paper_register(reg: Register, db: Path) -> None:
    reg.start(CIRCULAR, 2023, 598)
    assert rows(db, "SELECT series, year, next_number FROM counters") == [("circular", 2023, 598)]
    assert reg.next_number(CIRCULAR, 2023) == 598
    assert reg.next_number(NORMAL, 2023) == 1  # other series untouched
    assert issue(reg, CIRCULAR).number == 598
    assert issue(reg, CIRCULAR).number == 599
    assert numbers_in_db(db, CIRCULAR) == [598, 599]
    # Jumping forward (the paper register went on) is allowed ...
    reg.start(CIRCULAR, 2023, 700)
    assert issue(reg, CIRCULAR).number == 700
    # ... going back onto or below a used number is not.
    for bad in (700, 650, 1):
        with pytest.raises(RegisterError, match="700 is already in the register") as info:
            reg.start(CIRCULAR, 2023, bad)
        assert info.value.field == "next_number"
    with pytest.raises(RegisterError, match="1 or more"):
        reg.start(NORMAL, 2023, 0)
    assert reg.next_number(CIRCULAR, 2023) == 701
    # Before any number is used, a mistyped start can still be corrected downwards.
    reg.start(NORMAL, 2024, 500)
    reg.start(NORMAL, 2024, 50)
    assert issue(reg, d=date(2024, 2, 1)).number == 50


def test_cancel_keeps_the_row_and_never_reuses_the_number(reg: Register, db: Path) -> None:
    for _ in range(3):
        issue(reg)
    cancelled = reg.cancel(NORMAL, 2023, 2, "  พิมพ์ผิด  ")
    assert cancelled.status == "cancelled" and cancelled.cancelled
    assert cancelled.cancel_reason == "พิมพ์ผิด"
    assert cancelled.cancelled_at is not None
    assert rows(db, "SELECT number, status, cancel_reason FROM entries ORDER BY number") == [
        (1, "issued", None),
        (2, "cancelled", "พิมพ์ผิด"),
        (3, "issued", None),
    ]
    assert issue(reg).number == 4
    assert reg.get(NORMAL, 2023, 2).cancelled
    # Cancelling the last number does not free it either.
    reg.cancel(NORMAL, 2023, 4, "ไม่ได้ส่ง")
    assert issue(reg).number == 5


def test_cancel_refusals_name_the_number(reg: Register) -> None:
    issue(reg)
    with pytest.raises(RegisterError, match="number 9 ") as info:
        reg.cancel(NORMAL, 2023, 9, "ผิด")
    assert info.value.field == "number"
    with pytest.raises(RegisterError, match="number 1 "):
        reg.cancel(CIRCULAR, 2023, 1, "ผิด")  # 1 exists in normal, not circular
    with pytest.raises(RegisterError, match="reason"):
        reg.cancel(NORMAL, 2023, 1, "   ")
    reg.cancel(NORMAL, 2023, 1, "ผิด")
    with pytest.raises(RegisterError, match="number 1 .*already cancelled: ผิด"):
        reg.cancel(NORMAL, 2023, 1, "อีกครั้ง")
    assert reg.get(NORMAL, 2023, 1).cancel_reason == "ผิด"


def test_get_unknown_number(reg: Register) -> None:
    with pytest.raises(RegisterError, match="number 5 "):
        reg.get(NORMAL, 2023, 5)


def test_exception_rolls_back_and_consumes_no_number(reg: Register, db: Path) -> None:
    issue(reg)

    class RenderFailed(Exception):
        pass

    with pytest.raises(RenderFailed), reg.reserve(series=NORMAL, year=2023) as slot:
        assert slot.number == 2
        slot.record(
            number_text="ที่ ทด 1/2", date=date(2023, 5, 1), sender="", recipient="", subject=""
        )
        raise RenderFailed
    assert numbers_in_db(db) == [1]
    assert rows(db, "SELECT next_number FROM counters") == [(2,)]
    assert issue(reg).number == 2  # no gap
    assert numbers_in_db(db) == [1, 2]


def test_leaving_without_record_rolls_back(reg: Register, db: Path) -> None:
    with (
        pytest.raises(SarabanError, match="record\\(\\) was not called"),
        reg.reserve(series=NORMAL, year=2023) as slot,
    ):
        assert slot.number == 1
    assert numbers_in_db(db) == []
    assert issue(reg).number == 1


def test_slot_misuse(reg: Register) -> None:
    def record(slot_: object) -> None:
        slot_.record(  # type: ignore[attr-defined]
            number_text="ที่ ทด 1/1", date=date(2023, 1, 1), sender="", recipient="", subject=""
        )

    with reg.reserve(NORMAL, 2023) as slot:
        record(slot)
        with pytest.raises(SarabanError, match="twice"):
            record(slot)
        with pytest.raises(SarabanError, match="already inside reserve"):
            reg.cancel(NORMAL, 2023, 1, "x")
    with pytest.raises(SarabanError, match="after"):
        record(slot)
    assert [e.number for e in reg.entries()] == [1]


def test_same_printed_number_twice_in_a_year_is_refused(reg: Register, db: Path) -> None:
    issue(reg, CIRCULAR)  # ที่ นม 0023.26/ว 1
    with (
        pytest.raises(RegisterError, match="already in the register"),
        reg.reserve(CIRCULAR, 2023) as slot,
    ):
        slot.record(
            number_text="ที่ นม ๐๐๒๓.๒๖/ว ๑",
            date=date(2023, 5, 1),
            sender="",
            recipient="",
            subject="",
        )
    assert numbers_in_db(db, CIRCULAR) == [1]


def test_find_by_printed_number(reg: Register) -> None:
    issue(reg, CIRCULAR, d=date(2023, 4, 28))
    issue(reg, CIRCULAR, d=date(2024, 1, 5))
    issue(reg, CIRCULAR, d=date(2024, 1, 6))
    found = reg.find("ที่ นม 0023.26/ว 2")
    assert found is not None and (found.year, found.number) == (2024, 2)
    # Thai digits, zero padding and missing "ที่" or spaces all match.
    assert reg.find("นม ๐๐๒๓.๒๖/ว ๐๐๐๒") == found
    assert reg.find("นม0023.26/ว2") == found
    assert reg.find("ที่ นม 0023.26/ว 9") is None
    # "ว 1" was used in 2023 and 2024: the year disambiguates.
    with pytest.raises(RegisterError, match="2023, 2024"):
        reg.find("ที่ นม 0023.26/ว 1")
    one = reg.find("ที่ นม 0023.26/ว 1", year=2023)
    assert one is not None and one.date == date(2023, 4, 28)
    assert number_key("ที่ มท ๐๘๐๘.๔/ว ๐๐๓๖") == number_key("มท 0808.4/ว 36")


def test_busy_register_is_a_user_error(db: Path) -> None:
    with Register(db) as holder, Register(db, timeout=0.2) as waiter:
        with holder.reserve(NORMAL, 2023) as slot:
            started = time.monotonic()
            with pytest.raises(RegisterError, match="busy"), waiter.reserve(NORMAL, 2023):
                pass  # pragma: no cover
            assert time.monotonic() - started >= 0.15
            slot.record(
                number_text="ที่ ทด 1/1", date=date(2023, 1, 1), sender="", recipient="", subject=""
            )
        assert waiter.next_number(NORMAL, 2023) == 2


# -- real processes -------------------------------------------------------------------------

WORKER = textwrap.dedent(
    """
    import os, sys, time
    from datetime import date
    from engine.register import Register

    db, ready, go, count, tag, open_when = sys.argv[1:]
    reg = Register(db) if open_when == "before" else None
    open(ready, "w").close()
    while not os.path.exists(go):
        time.sleep(0.001)
    started = time.time()
    got = []
    reg = reg or Register(db)
    for i in range(int(count)):
        with reg.reserve(series="normal", year=2023) as slot:
            slot.record(number_text=f"ที่ ทด 0001/{slot.number}", date=date(2023, 6, 1),
                        sender=tag, recipient="", subject=f"{tag}-{i}")
        got.append(slot.number)
        time.sleep(0.002)  # the rest of a clerk's work, outside the transaction
    reg.close()
    print(started, time.time())
    print(" ".join(map(str, got)))
    """
)


def spawn(code: str, *args: object) -> subprocess.Popen[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.Popen(
        [sys.executable, "-c", code, *map(str, args)],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def wait_for(path: Path, seconds: float = 30.0) -> None:
    deadline = time.monotonic() + seconds
    while not path.exists():
        if time.monotonic() > deadline:
            raise AssertionError(f"{path} did not appear within {seconds} s")
        time.sleep(0.005)


def test_concurrent_processes_get_distinct_gapless_numbers(tmp_path: Path, db: Path) -> None:
    workers, each = 8, 50
    Register(db).close()  # created up front; the children only open it
    go = tmp_path / "go"
    procs = []
    for w in range(workers):
        ready = tmp_path / f"ready-{w}"
        procs.append((ready, spawn(WORKER, db, ready, go, each, f"w{w}", "before")))
    for ready, _ in procs:
        wait_for(ready)
    go.touch()  # all eight are connected: start allocating at the same moment
    per_worker: list[list[int]] = []
    spans: list[tuple[float, float]] = []
    for _, proc in procs:
        out, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
        span, numbers = out.splitlines()
        start, end = map(float, span.split())
        spans.append((start, end))
        per_worker.append([int(n) for n in numbers.split()])
    # They really ran at the same time: every worker started before any had finished ...
    assert max(start for start, _ in spans) < min(end for _, end in spans)
    allocated = [n for got in per_worker for n in got]
    assert sorted(allocated) == list(range(1, workers * each + 1))
    for got in per_worker:
        assert len(got) == each
        assert got == sorted(got)  # each process sees numbers only go up
    # ... and contended: some worker's numbers are interleaved with another's.
    assert any(got != list(range(got[0], got[0] + each)) for got in per_worker)
    assert rows(db, "SELECT count(*), count(DISTINCT number) FROM entries") == [(400, 400)]
    assert numbers_in_db(db) == list(range(1, 401))
    assert rows(db, "SELECT next_number FROM counters") == [(401,)]
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


def test_concurrent_processes_can_create_a_fresh_register(tmp_path: Path, db: Path) -> None:
    """Schema creation is itself one IMMEDIATE transaction: racing openers do not clash."""
    go = tmp_path / "go"
    procs = []
    for w in range(4):
        ready = tmp_path / f"ready-{w}"
        procs.append((ready, spawn(WORKER, db, ready, go, 1, w, "after")))
    for ready, _ in procs:
        wait_for(ready)
    assert not db.exists()
    go.touch()
    for _, proc in procs:
        _, err = proc.communicate(timeout=60)
        assert proc.returncode == 0, err
    assert numbers_in_db(db) == [1, 2, 3, 4]
    assert rows(db, "PRAGMA user_version") == [(SCHEMA_VERSION,)]


CRASHER = textwrap.dedent(
    """
    import os, sys, time
    from datetime import date
    from engine.register import Register

    db, marker = sys.argv[1:]
    reg = Register(db)
    with reg.reserve(series="normal", year=2023) as slot:
        slot.record(number_text=f"ที่ ทด 0001/{slot.number}", date=date(2023, 6, 1),
                    sender="crasher", recipient="", subject="never committed")
        with open(marker + ".tmp", "w") as f:
            f.write(str(slot.number))
        os.replace(marker + ".tmp", marker)  # the parent never sees a half-written marker
        time.sleep(60)
    """
)


@pytest.mark.skipif(not hasattr(signal, "SIGKILL"), reason="needs SIGKILL")
def test_killed_process_before_commit_leaves_no_gap(tmp_path: Path, db: Path) -> None:
    with Register(db) as reg:
        issue(reg)
        issue(reg)
    marker = tmp_path / "reserved"
    proc = spawn(CRASHER, db, marker)
    try:
        wait_for(marker)
        assert marker.read_text() == "3"
        # While the child holds the reservation, the parent cannot allocate (it would wait).
        with (
            Register(db, timeout=0.1) as impatient,
            pytest.raises(RegisterError, match="busy"),
            impatient.reserve(NORMAL, 2023),
        ):
            pass  # pragma: no cover
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    with Register(db) as reg:
        assert issue(reg).number == 3  # the killed child's number was never consumed
        assert [e.number for e in reg.entries()] == [1, 2, 3]
        assert all(e.sender != "crasher" for e in reg.entries())
    assert rows(db, "PRAGMA integrity_check") == [("ok",)]


# -- export -----------------------------------------------------------------------------------


def test_export_csv(reg: Register, tmp_path: Path) -> None:
    issue(reg, CIRCULAR, d=date(2023, 4, 28), subject="การยืนยันตัวตน")
    issue(reg, CIRCULAR, d=date(2023, 5, 2), subject="ส่งผิด", note="ฉบับร่าง")
    issue(reg, CIRCULAR, d=date(2023, 12, 1), subject="ยกเลิกไม่มีหมายเหตุ")
    reg.cancel(CIRCULAR, 2023, 2, "พิมพ์ชื่อผู้รับผิด")
    reg.cancel(CIRCULAR, 2023, 3, "ไม่ได้ส่ง")
    out = tmp_path / "export" / "register.csv"
    export_csv(reg.entries(year=2023), out)

    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    with out.open(encoding="utf-8-sig", newline="") as f:
        table = list(csv.reader(f))
    assert tuple(table[0]) == EXPORT_HEADERS
    assert table[0] == [
        "เลขทะเบียนส่ง",
        "ที่",
        "ลงวันที่",
        "จาก",
        "ถึง",
        "เรื่อง",
        "การปฏิบัติ",
        "หมายเหตุ",
        "ชุด",
    ]
    assert len(table) == 4
    first = dict(zip(table[0], table[1], strict=True))
    assert first["เลขทะเบียนส่ง"] == "๑"  # one digit system: the office's (Thai by default)
    assert first["ที่"] == "นม ๐๐๒๓.๒๖/ว ๑"
    assert first["ชุด"] == CIRCULAR
    assert first["ลงวันที่"] == "๒๘ เมษายน ๒๕๖๖"
    assert first["จาก"] == "อำเภอปักธงชัย"
    assert first["เรื่อง"] == "การยืนยันตัวตน"
    assert first["หมายเหตุ"] == ""
    second = dict(zip(table[0], table[2], strict=True))
    assert second["ลงวันที่"] == "๒ พฤษภาคม ๒๕๖๖"
    assert second["หมายเหตุ"] == "ยกเลิก: พิมพ์ชื่อผู้รับผิด; ฉบับร่าง"
    third = dict(zip(table[0], table[3], strict=True))
    assert third["ลงวันที่"] == "๑ ธันวาคม ๒๕๖๖"
    assert third["หมายเหตุ"] == "ยกเลิก: ไม่ได้ส่ง"


def test_export_csv_to_stream(reg: Register) -> None:
    issue(reg)
    buffer = io.StringIO(newline="")
    export_csv(reg.entries(), buffer)
    text = buffer.getvalue()
    assert text.startswith("\ufeffเลขทะเบียนส่ง,ที่,ลงวันที่")
    assert text.count("\ufeff") == 1
    assert "๒๘ เมษายน ๒๕๖๖" in text


def test_export_xlsx(reg: Register, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    issue(reg, d=date(2023, 1, 1))
    issue(reg, d=date(2023, 1, 2))
    reg.cancel(NORMAL, 2023, 2, "ซ้ำ")
    out = tmp_path / "register.xlsx"
    export_xlsx(reg.entries(), out)
    sheet = load_workbook(out).active
    assert sheet is not None
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert tuple(values[0]) == EXPORT_HEADERS
    assert values[1][:3] == [1, "นม ๐๐๒๓.๒๖/๑", "๑ มกราคม ๒๕๖๖"]
    assert values[1][8] == NORMAL
    assert values[2][0] == 2 and values[2][7] == "ยกเลิก: ซ้ำ"
    assert all(cell.font.bold for cell in sheet[1])
    assert not sheet["A2"].font.bold
    assert sheet.column_dimensions["F"].width >= 40
    assert sheet.freeze_panes == "A2"
    assert not list(tmp_path.glob(".tmp*"))
