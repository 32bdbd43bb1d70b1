"""The outgoing register's tables: ``entries`` (one row per number given) and ``counters`` (the
next number of each series and year). See :mod:`engine.register` for the rules they keep."""

from __future__ import annotations

import builtins
import datetime
import sqlite3
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Any, Final, Literal

from .db import Conflict, Connection, Migration

__all__ = ["MIGRATIONS", "Counters", "Entries", "Entry", "Status"]

Status = Literal["issued", "cancelled"]

MIGRATIONS: Final = (
    # 1: the outgoing register and its per-series, per-year counters.
    Migration(
        1,
        (
            """
        CREATE TABLE entries (
            id            INTEGER PRIMARY KEY,
            series        TEXT    NOT NULL CHECK (length(series) > 0),
            year          INTEGER NOT NULL,            -- CE calendar year of the letter date
            number        INTEGER NOT NULL CHECK (number >= 1),
            number_text   TEXT    NOT NULL,            -- as printed: 'ที่ มท 0808.4/ว 36'
            number_key    TEXT    NOT NULL,            -- number_text normalised, for lookups
            date          TEXT    NOT NULL,            -- ISO date of the letter (ลงวันที่)
            sender        TEXT    NOT NULL DEFAULT '', -- จาก
            recipient     TEXT    NOT NULL DEFAULT '', -- ถึง
            subject       TEXT    NOT NULL DEFAULT '', -- เรื่อง
            action        TEXT    NOT NULL DEFAULT '', -- การปฏิบัติ
            note          TEXT    NOT NULL DEFAULT '', -- หมายเหตุ
            status        TEXT    NOT NULL DEFAULT 'issued'
                                  CHECK (status IN ('issued', 'cancelled')),
            cancel_reason TEXT,
            cancelled_at  TEXT,
            case_id       TEXT,
            path          TEXT,
            data_json     TEXT,
            created_at    TEXT    NOT NULL,            -- ISO timestamp, UTC
            UNIQUE (series, year, number),
            UNIQUE (number_key, year),
            CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL))
        )
        """,
            """
        CREATE TABLE counters (
            series      TEXT    NOT NULL,
            year        INTEGER NOT NULL,
            next_number INTEGER NOT NULL CHECK (next_number >= 1),
            PRIMARY KEY (series, year)
        )
        """,
        ),
    ),
    # 5: a letter dated earlier than its series' latest letter of the year (ลงวันที่ย้อนหลัง)
    # keeps that letter's printed number and date; NULL for a letter in date order.
    Migration(
        5,
        (
            "ALTER TABLE entries ADD COLUMN backdated_number TEXT",
            "ALTER TABLE entries ADD COLUMN backdated_date TEXT",
        ),
    ),
    # 7: who cancelled or last corrected a number, and who started a series by hand
    # (`register cancel|correct|start`, the web pages' admins): the user's name.
    Migration(
        7,
        (
            "ALTER TABLE entries ADD COLUMN cancelled_by TEXT",
            "ALTER TABLE entries ADD COLUMN corrected_by TEXT",
            "ALTER TABLE entries ADD COLUMN corrected_at TEXT",
            "ALTER TABLE counters ADD COLUMN started_by TEXT",
            "ALTER TABLE counters ADD COLUMN started_at TEXT",
        ),
    ),
)


@dataclass(frozen=True, slots=True)
class Entry:
    """One row of the outgoing register: a number given to a letter, issued or cancelled."""

    id: int
    series: str
    year: int
    """CE calendar year of the letter date; the running number restarts each year."""
    number: int
    """The running number within (series, year): เลขทะเบียนส่ง."""
    number_text: str
    """The letter number as printed on the letter (ที่), e.g. ``"ที่ นม 0023.26/ว 598"``."""
    date: date
    """The letter date (ลงวันที่)."""
    sender: str
    """จาก."""
    recipient: str
    """ถึง."""
    subject: str
    """เรื่อง."""
    action: str
    """การปฏิบัติ."""
    note: str
    """หมายเหตุ, as given when the letter was recorded (see :func:`register_row` for export)."""
    status: Status
    cancel_reason: str | None
    case_id: str | None
    path: str | None
    """The letter file, as the caller gave it."""
    created_at: str
    """When the number was recorded: ISO 8601 timestamp, UTC."""
    cancelled_at: str | None = None
    """When the number was cancelled: ISO 8601 timestamp, UTC."""
    data_json: str | None = None
    """The data the letter was rendered from, as JSON text, when the caller stored it."""
    backdated_number: str | None = None
    """For a letter dated earlier than its series' latest letter of the year when it was
    numbered (ลงวันที่ย้อนหลัง): that letter's printed number; else None."""
    backdated_date: datetime.date | None = None
    """… and that letter's date."""
    cancelled_by: str | None = None
    """Who cancelled the number (the web user, or the command line's user)."""
    corrected_by: str | None = None
    """Who last corrected the entry (``register correct``), and when (ISO, UTC)."""
    corrected_at: str | None = None

    @property
    def cancelled(self) -> bool:
        """Whether the number was cancelled (the row stays; the number is never reused)."""
        return self.status == "cancelled"


_COLUMNS: Final = (
    "id, series, year, number, number_text, date, sender, recipient, subject, action, note, "
    "status, cancel_reason, case_id, path, created_at, cancelled_at, data_json, "
    "backdated_number, backdated_date, cancelled_by, corrected_by, corrected_at"
)
#: what :meth:`Entries.correct` may change
_CORRECTABLE: Final = frozenset(
    {"date", "subject", "recipient", "data_json", "corrected_by", "corrected_at"}
)


def _entry(row: Any) -> Entry:
    return Entry(
        id=row["id"],
        series=row["series"],
        year=row["year"],
        number=row["number"],
        number_text=row["number_text"],
        date=date.fromisoformat(row["date"]),
        sender=row["sender"],
        recipient=row["recipient"],
        subject=row["subject"],
        action=row["action"],
        note=row["note"],
        status=row["status"],
        cancel_reason=row["cancel_reason"],
        case_id=row["case_id"],
        path=row["path"],
        created_at=row["created_at"],
        cancelled_at=row["cancelled_at"],
        data_json=row["data_json"],
        backdated_number=row["backdated_number"],
        backdated_date=(
            date.fromisoformat(row["backdated_date"]) if row["backdated_date"] else None
        ),
        cancelled_by=row["cancelled_by"],
        corrected_by=row["corrected_by"],
        corrected_at=row["corrected_at"],
    )


class Entries:
    """The ``entries`` table (ทะเบียนหนังสือส่ง): one row per number given."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def get(self, entry_id: int) -> Entry | None:
        row = self.db.one(f"SELECT {_COLUMNS} FROM entries WHERE id = ?", (entry_id,))
        return None if row is None else _entry(row)

    def find(self, series: str, year: int, number: int) -> Entry | None:
        """The entry of ``number`` in ``series`` and ``year``."""
        row = self.db.one(
            f"SELECT {_COLUMNS} FROM entries WHERE series = ? AND year = ? AND number = ?",
            (series, year, number),
        )
        return None if row is None else _entry(row)

    def find_by_key(self, key: str, year: int | None = None) -> list[Entry]:
        """The entries whose ``number_key`` is ``key`` (in ``year``), ordered by year."""
        sql = f"SELECT {_COLUMNS} FROM entries WHERE number_key = ?"
        params: list[object] = [key]
        if year is not None:
            sql += " AND year = ?"
            params.append(year)
        return [_entry(r) for r in self.db.all(sql + " ORDER BY year", params)]

    def clash(self, key: str, year: int) -> tuple[str, int] | None:
        """(series, number) of the entry of ``year`` already printed as ``key``, if any."""
        row = self.db.one(
            "SELECT series, number FROM entries WHERE number_key = ? AND year = ?", (key, year)
        )
        return None if row is None else (row["series"], row["number"])

    def list(self, year: int | None = None, series: str | None = None) -> list[Entry]:
        """All entries (of ``year`` and/or ``series``), ordered by series, year, number."""
        sql = f"SELECT {_COLUMNS} FROM entries"
        where: list[str] = []
        params: list[object] = []
        if year is not None:
            where.append("year = ?")
            params.append(year)
        if series is not None:
            where.append("series = ?")
            params.append(series)
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY series, year, number"
        return [_entry(row) for row in self.db.all(sql, params)]

    def rendered(self) -> dict[int, Entry]:
        """The entries that have a render record (:mod:`engine.store.renders`), by id."""
        return {
            row["id"]: _entry(row)
            for row in self.db.all(
                f"SELECT {_COLUMNS} FROM entries WHERE id IN (SELECT entry_id FROM renders)"
            )
        }

    def max_number(self, series: str, year: int) -> int:
        """The highest number used in ``series`` and ``year`` (0: none)."""
        row = self.db.one(
            "SELECT max(number) FROM entries WHERE series = ? AND year = ?", (series, year)
        )
        return int(row[0] or 0) if row is not None else 0

    def latest(self, series: str, year: int) -> Entry | None:
        """The issued letter of ``series`` and ``year`` with the latest date (of several on
        that day, the highest number); None if there is none."""
        row = self.db.one(
            f"SELECT {_COLUMNS} FROM entries WHERE series = ? AND year = ? "
            "AND status = 'issued' ORDER BY date DESC, number DESC LIMIT 1",
            (series, year),
        )
        return None if row is None else _entry(row)

    def series_names(self) -> builtins.list[str]:
        """The series that have numbers or a counter."""
        rows = self.db.all(
            "SELECT series FROM counters UNION SELECT series FROM entries ORDER BY 1"
        )
        return [r[0] for r in rows]

    def files(self) -> builtins.list[tuple[int, str | None, str, str]]:
        """(id, path, number_text, status) of every entry."""
        return [
            (r[0], r[1], r[2], r[3])
            for r in self.db.all("SELECT id, path, number_text, status FROM entries")
        ]

    def count(self) -> int:
        row = self.db.one("SELECT count(*) FROM entries")
        return int(row[0]) if row is not None else 0

    def insert(
        self,
        *,
        series: str,
        year: int,
        number: int,
        number_text: str,
        number_key: str,
        date: str,
        sender: str,
        recipient: str,
        subject: str,
        action: str,
        note: str,
        case_id: str | None,
        path: str | None,
        data_json: str | None,
        created_at: str,
        backdated_number: str | None = None,
        backdated_date: str | None = None,
    ) -> int:
        """Add an entry; returns its id. :class:`Conflict` if the number or printed number is
        taken."""
        try:
            return self.db.insert_id(
                "INSERT INTO entries (series, year, number, number_text, number_key, date, "
                "sender, recipient, subject, action, note, case_id, path, data_json, created_at, "
                "backdated_number, backdated_date) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    series,
                    year,
                    number,
                    number_text,
                    number_key,
                    date,
                    sender,
                    recipient,
                    subject,
                    action,
                    note,
                    case_id,
                    path,
                    data_json,
                    created_at,
                    backdated_number,
                    backdated_date,
                ),
            )
        except sqlite3.IntegrityError as e:
            raise Conflict(str(e)) from e

    def cancel(self, entry_id: int, reason: str, at: str, by: str | None = None) -> None:
        self.db.execute(
            "UPDATE entries SET status = 'cancelled', cancel_reason = ?, cancelled_at = ?, "
            "cancelled_by = ? WHERE id = ?",
            (reason, at, by, entry_id),
        )

    def correct(self, entry_id: int, values: Mapping[str, Any]) -> None:
        """Change ``values`` (of date, subject, recipient, data_json) of an entry."""
        unknown = set(values) - _CORRECTABLE
        if unknown:
            raise ValueError(f"not correctable: {sorted(unknown)}")
        assignments = ", ".join(f"{k} = ?" for k in values)
        self.db.execute(
            f"UPDATE entries SET {assignments} WHERE id = ?", (*values.values(), entry_id)
        )


class Counters:
    """The ``counters`` table: the next number of each series and year."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def get(self, series: str, year: int) -> int | None:
        row = self.db.one(
            "SELECT next_number FROM counters WHERE series = ? AND year = ?", (series, year)
        )
        return int(row[0]) if row is not None else None

    def lock(self, series: str, year: int) -> int | None:
        """:meth:`get`, for the transaction that gives the next number: on a database with row
        locks, the counter row is made if missing and locked (``SELECT … FOR UPDATE``) until the
        transaction ends, so that two clerks' commands never read the same next number (a
        second one waits here). SQLite's write transaction has locked the whole register."""
        if not self.db.row_locks:
            return self.get(series, year)
        self.db.execute(
            "INSERT INTO counters (series, year, next_number) VALUES (?, ?, 1) "
            "ON CONFLICT (series, year) DO NOTHING",
            (series, year),
        )
        row = self.db.one(
            "SELECT next_number FROM counters WHERE series = ? AND year = ? FOR UPDATE",
            (series, year),
        )
        return int(row[0]) if row is not None else None

    def set(self, series: str, year: int, next_number: int) -> None:
        self.db.execute(
            "INSERT INTO counters (series, year, next_number) VALUES (?, ?, ?) "
            "ON CONFLICT (series, year) DO UPDATE SET next_number = excluded.next_number",
            (series, year, next_number),
        )

    def mark_started(self, series: str, year: int, by: str, at: str) -> None:
        """Record who started ``series`` in ``year`` by hand (``register start``), and when."""
        self.db.execute(
            "UPDATE counters SET started_by = ?, started_at = ? WHERE series = ? AND year = ?",
            (by, at, series, year),
        )

    def started(self) -> builtins.list[tuple[str, int, int, str, str]]:
        """(series, year, next number, by, at) of every series started by hand, latest first."""
        rows = self.db.all(
            "SELECT series, year, next_number, started_by, started_at FROM counters "
            "WHERE started_by IS NOT NULL ORDER BY started_at DESC"
        )
        return [(r[0], int(r[1]), int(r[2]), str(r[3]), str(r[4])) for r in rows]
