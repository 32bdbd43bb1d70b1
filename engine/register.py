"""The outgoing letter register (ทะเบียนหนังสือส่ง, แบบที่ 14) and letter numbering.

Every outgoing letter takes its running number from the register. Numbers run per *series*
(``"normal"``, ``"circular"`` for the ว series, ``"order"`` for คำสั่ง, or any other name an
office needs) and per calendar year (CE) of the letter date: they start at 1 on 1 January, have no
gaps and are never duplicated (ระเบียบงานสารบรรณ ข้อ 43.1.2). A cancelled number stays in the
register, marked, and is never reused.

The register is a SQLite file (``letters/register.db`` in a workspace). Several clerks, or several
``saraban`` processes, may issue letters at the same moment, so a number is allocated inside one
write transaction (``BEGIN IMMEDIATE``) that also records the letter; the caller renders and
writes the letter file *inside* that transaction, so a failure anywhere leaves no trace::

    with Register(path) as reg:
        with reg.reserve(series="circular", year=2023) as slot:
            text = f"ที่ นม 0023.26/ว {slot.number}"
            ...  # render and write the letter
            slot.record(number_text=text, date=date(2023, 4, 28), sender=..., recipient=...,
                        subject=..., path="letters/2566/....docx")
        # leaving the block commits; an exception (or no record()) rolls back: no number consumed

While a slot is open, the register is locked for writing: other processes wait (up to the busy
timeout, 60 s by default) before they can allocate. Keep slow work that does not need the number
(PDF conversion, say) outside the block.

WAL journal mode needs a local file system: do not put the register on a network share.
"""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import sqlite3
import time
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, Literal, TextIO

from engine import files
from engine.errors import RegisterError, SarabanError
from engine.failures import database_reason
from engine.limits import MAX_RUNNING_NUMBER, MAX_YEAR_BE, MIN_YEAR_BE
from engine.privacy import prepare_register_file
from engine.thai import format_date, to_arabic_digits

_Date = date  # Slot.record's parameter named ``date`` shadows the class

__all__ = [
    "CIRCULAR",
    "NORMAL",
    "ORDER",
    "REGISTER_HEADERS",
    "SCHEMA_VERSION",
    "Entry",
    "Register",
    "Slot",
    "export_csv",
    "export_xlsx",
    "formula_risk",
    "neutralise",
    "number_key",
    "register_row",
]

NORMAL: Final = "normal"
"""The ordinary series of outgoing letters."""
CIRCULAR: Final = "circular"
"""Circular letters (หนังสือเวียน): the ว series."""
ORDER: Final = "order"
"""Orders (คำสั่ง): numbered "<n>/<BE year>" in their own series."""

Status = Literal["issued", "cancelled"]

DEFAULT_TIMEOUT: Final = 60.0
"""Seconds a process waits for another one's write transaction before giving up."""

_BE_OFFSET: Final = 543
# Years outside this range are refused: a value like 2566 is a BE year given by mistake.
_MIN_YEAR: Final = MIN_YEAR_BE - _BE_OFFSET  # CE 1900
_MAX_YEAR: Final = MAX_YEAR_BE - _BE_OFFSET  # CE 2199
#: A series name: lower-case ASCII letters, digits, "-" and "_" (it becomes part of file names).
_SERIES_RE: Final = re.compile(r"[a-z][a-z0-9_-]{0,31}")

# The schema, as an ordered list of migrations. Migration i (1-based) takes the database from
# ``PRAGMA user_version`` i - 1 to i; each is a list of single SQL statements run in one
# transaction. Append new migrations at the end; never edit one that has shipped.
_MIGRATIONS: Final[list[list[str]]] = [
    # 1: the outgoing register and its per-series, per-year counters.
    [
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
    ],
    # 2: cases (เรื่อง) of workflows and the history of their transitions; see engine/cases.py.
    [
        """
        CREATE TABLE cases (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            workflow    TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            data_json   TEXT    NOT NULL,             -- the case data as it is now
            created_at  TEXT    NOT NULL,
            updated_at  TEXT    NOT NULL
        )
        """,
        """
        CREATE TABLE case_events (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id     INTEGER NOT NULL REFERENCES cases (id),
            at          TEXT    NOT NULL,             -- ISO timestamp, UTC
            event       TEXT    NOT NULL,
            from_state  TEXT,
            to_state    TEXT    NOT NULL,
            by          TEXT    NOT NULL,             -- the OS user or --by
            data_json   TEXT    NOT NULL,             -- the data as it was at this transition
            files_json  TEXT    NOT NULL DEFAULT '[]',
            note        TEXT    NOT NULL DEFAULT ''
        )
        """,
        "CREATE INDEX case_events_case ON case_events (case_id, id)",
        "CREATE INDEX cases_state ON cases (workflow, state)",
    ],
    # 3: what each issued document was rendered from (engine/dependencies.py; `saraban
    # regenerate`), and the recipients of circular letters (engine/circular.py).
    [
        """
        CREATE TABLE renders (
            case_id     INTEGER NOT NULL,
            document    TEXT    NOT NULL,             -- the workflow's document name
            entry_id    INTEGER,                      -- its register row (NULL: a form)
            date        TEXT    NOT NULL,             -- the document date (ISO)
            files_json  TEXT    NOT NULL,             -- {relative path: sha256 of the bytes}
            rendered_at TEXT    NOT NULL,
            PRIMARY KEY (case_id, document)
        )
        """,
        """
        CREATE TABLE dependencies (
            case_id     INTEGER NOT NULL,
            document    TEXT    NOT NULL,
            key         TEXT    NOT NULL,             -- template:NAME, office, ref:NAME, entry:ID, …
            hash        TEXT    NOT NULL,             -- its fingerprint when last rendered
            PRIMARY KEY (case_id, document, key)
        )
        """,
        "CREATE INDEX dependencies_key ON dependencies (key)",
        """
        CREATE TABLE recipients (
            entry_id     INTEGER NOT NULL REFERENCES entries (id),
            seq          INTEGER NOT NULL,
            organisation TEXT    NOT NULL,
            position     TEXT    NOT NULL,
            addressee    TEXT    NOT NULL DEFAULT '',  -- the `to` column, when given
            address      TEXT    NOT NULL DEFAULT '',
            email        TEXT    NOT NULL DEFAULT '',
            path         TEXT,                         -- the addressed copy
            PRIMARY KEY (entry_id, seq)
        )
        """,
    ],
    # 4: the journal of files written under pending names inside a register transaction, moved
    # to their final names once it has committed (engine/recovery.py).
    [
        """
        CREATE TABLE pending_files (
            pending TEXT PRIMARY KEY,                 -- as written, relative to the workspace
            final   TEXT NOT NULL,                    -- its name once the transaction committed
            run     TEXT NOT NULL                     -- the process that wrote it
        )
        """,
    ],
]

SCHEMA_VERSION: Final = len(_MIGRATIONS)
"""The ``PRAGMA user_version`` of a register this version of saraban writes."""

REGISTER_HEADERS: Final = (
    "เลขทะเบียนส่ง",
    "ที่",
    "ลงวันที่",
    "จาก",
    "ถึง",
    "เรื่อง",
    "การปฏิบัติ",
    "หมายเหตุ",
)
"""Column headers of the outgoing register, แบบที่ 14, in the regulation's order."""

_ENTRY_COLUMNS: Final = (
    "id, series, year, number, number_text, date, sender, recipient, subject, action, note, "
    "status, cancel_reason, case_id, path, created_at, cancelled_at, data_json"
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

    @property
    def cancelled(self) -> bool:
        """Whether the number was cancelled (the row stays; the number is never reused)."""
        return self.status == "cancelled"


_LEADING_TI: Final = re.compile(r"^\s*ที่\s*")


def number_key(number_text: str) -> str:
    """Normalise a printed letter number for lookups.

    References are typed by hand: with or without the leading "ที่", in Thai or Arabic digits,
    with or without zero padding and spaces. All of ``"ที่ มท ๐๘๐๘.๔/ว ๐๐๓๖"``,
    ``"มท 0808.4/ว 36"`` and ``"มท0808.4/ว36"`` give the same key.
    """
    text = to_arabic_digits(_LEADING_TI.sub("", number_text))
    text = re.sub(r"\s+", "", text)
    return re.sub(r"[0-9]+", lambda m: str(int(m.group())), text)


def _utc_now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _check_series(series: str) -> str:
    if not isinstance(series, str) or not series.strip():
        raise RegisterError("series must be a non-empty name", field="series")
    if not _SERIES_RE.fullmatch(series.strip()):
        raise RegisterError(
            f"invalid series name {series!r}: lower-case letters, digits, - and _ "
            "(normal, circular, order)",
            field="series",
        )
    return series.strip()


def _check_year(year: int) -> int:
    if isinstance(year, bool) or not isinstance(year, int):
        raise RegisterError(f"year must be an integer, not {year!r}", field="year")
    if year > _MAX_YEAR and _MIN_YEAR <= year - _BE_OFFSET <= _MAX_YEAR:
        raise RegisterError(
            f"{year} looks like a Buddhist-era year; the register takes the CE year "
            f"({year - _BE_OFFSET})",
            field="year",
        )
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise RegisterError(
            f"year {year} (BE {year + _BE_OFFSET}) is out of range: the register takes the years "
            f"BE {MIN_YEAR_BE}-{MAX_YEAR_BE} (CE {_MIN_YEAR}-{_MAX_YEAR})",
            field="year",
        )
    return year


def _check_number(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RegisterError(f"{field} must be an integer, not {value!r}", field=field)
    if not 1 <= value <= MAX_RUNNING_NUMBER:
        raise RegisterError(
            f"a running number is from 1 to {MAX_RUNNING_NUMBER}, not {value}", field=field
        )
    return value


def _entry_from_row(row: sqlite3.Row) -> Entry:
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
    )


def _is_busy(error: sqlite3.Error) -> bool:
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


class Slot:
    """A running number reserved inside an open register transaction.

    Made by :meth:`Register.reserve`; call :meth:`record` exactly once before the ``with`` block
    ends. The number is only consumed when the block ends without an exception.
    """

    def __init__(self, register: Register, series: str, year: int, number: int) -> None:
        self._register = register
        self.series: Final = series
        self.year: Final = year
        self.number: Final = number
        """The running number this letter gets (เลขทะเบียนส่ง)."""
        self._entry: Entry | None = None
        self._open = True

    def __repr__(self) -> str:
        return f"Slot(series={self.series!r}, year={self.year}, number={self.number})"

    @property
    def entry(self) -> Entry | None:
        """The recorded entry, once :meth:`record` has been called."""
        return self._entry

    def record(
        self,
        *,
        number_text: str,
        date: date,
        sender: str,
        recipient: str,
        subject: str,
        action: str = "",
        note: str = "",
        case_id: str | None = None,
        path: str | os.PathLike[str] | None = None,
        data_json: str | None = None,
    ) -> Entry:
        """Write the register row for this number (committed when the ``with`` block ends).

        ``number_text`` is the letter number as printed (ที่); ``date`` is the letter date and
        must fall in the slot's year. ``data_json``, if given, must be valid JSON text.
        Raises :class:`RegisterError` if the date is in another year or the same printed
        number is already in the register for that year.
        """
        if not self._open:
            raise SarabanError("Slot.record() called after its reserve() block ended")
        if self._entry is not None:
            raise SarabanError(f"Slot.record() called twice for number {self.number}")
        if not isinstance(number_text, str) or not number_text.strip():
            raise RegisterError("the letter number text is empty", field="number_text")
        if isinstance(date, datetime):
            date = date.date()
        if not isinstance(date, _Date):
            raise RegisterError(f"date must be a date, not {date!r}", field="date")
        if date.year != self.year:
            raise RegisterError(
                f"letter date {date.isoformat()} is not in {self.year}, the year of number "
                f"{self.number} in series {self.series!r}",
                field="date",
            )
        if data_json is not None:
            try:
                json.loads(data_json)
            except (TypeError, ValueError) as e:
                raise RegisterError(f"data_json is not valid JSON: {e}", field="data_json") from e
        key = number_key(number_text)
        conn = self._register._conn
        clash = conn.execute(
            "SELECT series, number FROM entries WHERE number_key = ? AND year = ?",
            (key, self.year),
        ).fetchone()
        if clash is not None:
            raise RegisterError(
                f"{number_text.strip()} is already in the register for {self.year} "
                f"(number {clash['number']} of series {clash['series']!r})",
                field="number_text",
            )
        try:
            cursor = conn.execute(
                "INSERT INTO entries (series, year, number, number_text, number_key, date, "
                "sender, recipient, subject, action, note, case_id, path, data_json, created_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    self.series,
                    self.year,
                    self.number,
                    number_text.strip(),
                    key,
                    date.isoformat(),
                    sender,
                    recipient,
                    subject,
                    action,
                    note,
                    case_id,
                    os.fspath(path) if path is not None else None,
                    data_json,
                    _utc_now(),
                ),
            )
        except sqlite3.IntegrityError as e:  # the UNIQUE constraints: should never happen
            raise RegisterError(
                f"number {self.number} of series {self.series!r} in {self.year} is already "
                f"in the register ({e})",
                file=self._register.path,
            ) from e
        conn.execute(
            "INSERT INTO counters (series, year, next_number) VALUES (?, ?, ?) "
            "ON CONFLICT (series, year) DO UPDATE SET next_number = excluded.next_number",
            (self.series, self.year, self.number + 1),
        )
        self._entry = self._register._get_by_id(cursor.lastrowid)
        return self._entry


class Register:
    """The outgoing register stored in one SQLite file.

    Opening creates the file, its parent folder and the schema when missing, and upgrades an
    older schema. Each ``Register`` holds one connection: use one object per process (and per
    thread); any number of processes may share the file. Close it with :meth:`close` or a
    ``with`` statement.
    """

    def __init__(self, path: str | os.PathLike[str], *, timeout: float = DEFAULT_TIMEOUT) -> None:
        """Open (or create) the register at ``path``.

        ``timeout`` is how many seconds to wait for another process's write transaction before
        refusing with :class:`RegisterError`.
        """
        self.path: Final = Path(path)
        self.timeout: Final = float(timeout)
        self._in_transaction = False
        self._batch = False
        prepare_register_file(self.path)  # 0600 when new; a folder or NUL byte is refused
        try:
            self._conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise RegisterError(database_reason(e, self.path), file=self.path) from e
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            self._set_wal()
            # FULL: a committed number must survive a power cut, or it could be given twice.
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self._conn.close()
            if _is_busy(e):
                raise self._busy_error() from e
            raise RegisterError(database_reason(e, self.path), file=self.path) from e
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (an open reservation is rolled back). Safe to call twice."""
        with contextlib.suppress(sqlite3.ProgrammingError):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        self._conn.close()

    def __enter__(self) -> Register:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Register({str(self.path)!r})"

    # -- numbering -------------------------------------------------------------------------

    @contextlib.contextmanager
    def reserve(self, series: str, year: int) -> Iterator[Slot]:
        """Reserve the next number of ``series`` in ``year`` (CE) for one letter.

        Opens a write transaction (``BEGIN IMMEDIATE``: other writers wait) and yields a
        :class:`Slot` whose ``number`` is the next free running number. The caller renders
        and writes the letter, then calls :meth:`Slot.record`. Leaving the block normally
        commits; an exception rolls back and propagates, and the number stays free. Leaving
        without calling ``record()`` rolls back and raises :class:`SarabanError`.
        """
        series = _check_series(series)
        year = _check_year(year)
        with self._transaction():
            slot = Slot(self, series, year, self._next_number(series, year))
            try:
                yield slot
                if slot.entry is None:
                    raise SarabanError(
                        f"number {slot.number} of series {series!r} in {year} was reserved "
                        "but record() was not called: nothing recorded"
                    )
            finally:
                slot._open = False

    def next_number(self, series: str, year: int) -> int:
        """The number the next :meth:`reserve` of ``series`` in ``year`` would get (no lock)."""
        return self._next_number(_check_series(series), _check_year(year))

    def start(self, series: str, year: int, next_number: int) -> None:
        """Continue a paper register: the next number of ``series`` in ``year`` is ``next_number``.

        Numbers below it are taken to be in the paper register. Refuses with
        :class:`RegisterError` if ``next_number`` is below 1 or not above every number this
        register has already used in that series and year (numbers never go backwards).
        """
        series = _check_series(series)
        year = _check_year(year)
        if isinstance(next_number, int) and next_number < 1:
            raise RegisterError(
                f"the next number must be 1 or more, not {next_number}", field="next_number"
            )
        next_number = _check_number(next_number, "next_number")
        with self._transaction():
            used = self._max_used(series, year)
            if next_number <= used:
                raise RegisterError(
                    f"cannot start series {series!r} in {year} at {next_number}: number {used} "
                    "is already in the register (numbers never go backwards)",
                    field="next_number",
                )
            self._conn.execute(
                "INSERT INTO counters (series, year, next_number) VALUES (?, ?, ?) "
                "ON CONFLICT (series, year) DO UPDATE SET next_number = excluded.next_number",
                (series, year, next_number),
            )

    def cancel(self, series: str, year: int, number: int, reason: str) -> Entry:
        """Cancel a number: its row stays, marked cancelled with ``reason``; it is never reused.

        Raises :class:`RegisterError` naming the number if it is not in the register or is
        already cancelled, or if ``reason`` is empty. Returns the updated entry.
        """
        series = _check_series(series)
        year = _check_year(year)
        number = _check_number(number, "number")
        if not isinstance(reason, str) or not reason.strip():
            raise RegisterError(f"a reason is required to cancel number {number}", field="reason")
        with self._transaction():
            row = self._conn.execute(
                "SELECT id, status, cancel_reason, number_text FROM entries "
                "WHERE series = ? AND year = ? AND number = ?",
                (series, year, number),
            ).fetchone()
            if row is None:
                raise RegisterError(
                    f"number {number} of series {series!r} in {year} is not in the register",
                    field="number",
                )
            if row["status"] == "cancelled":
                raise RegisterError(
                    f"number {number} ({row['number_text']}) of series {series!r} in {year} "
                    f"is already cancelled: {row['cancel_reason']}",
                    field="number",
                )
            self._conn.execute(
                "UPDATE entries SET status = 'cancelled', cancel_reason = ?, cancelled_at = ? "
                "WHERE id = ?",
                (reason.strip(), _utc_now(), row["id"]),
            )
            return self._get_by_id(row["id"])

    # -- reading ---------------------------------------------------------------------------

    def get(self, series: str, year: int, number: int) -> Entry:
        """The entry for ``number`` of ``series`` in ``year``; :class:`RegisterError` if none."""
        series = _check_series(series)
        year = _check_year(year)
        number = _check_number(number, "number")
        row = self._conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE series = ? AND year = ? AND number = ?",
            (series, year, number),
        ).fetchone()
        if row is None:
            raise RegisterError(
                f"number {number} of series {series!r} in {year} is not in the register",
                field="number",
            )
        return _entry_from_row(row)

    def find(self, number_text: str, *, year: int | None = None) -> Entry | None:
        """The entry whose printed number is ``number_text``, or ``None``.

        Matching ignores a leading "ที่", spaces, zero padding and Thai versus Arabic digits
        (see :func:`number_key`). A printed number such as "มท 0808.4/36" recurs every year:
        pass the ``year`` (CE) of the letter date; without it, a number found in several years
        is refused with :class:`RegisterError`.
        """
        sql = f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE number_key = ?"
        params: list[object] = [number_key(number_text)]
        if year is not None:
            sql += " AND year = ?"
            params.append(_check_year(year))
        rows = self._conn.execute(sql + " ORDER BY year", params).fetchall()
        if not rows:
            return None
        if len(rows) > 1:
            years = ", ".join(str(r["year"]) for r in rows)
            raise RegisterError(
                f"{number_text.strip()} is in the register in several years ({years}): "
                "give the year of the letter date",
                field="number_text",
            )
        return _entry_from_row(rows[0])

    def entries(self, year: int | None = None, series: str | None = None) -> list[Entry]:
        """All entries (issued and cancelled), optionally of one year and/or series.

        Ordered by series, year, number.
        """
        sql = f"SELECT {_ENTRY_COLUMNS} FROM entries"
        where: list[str] = []
        params: list[object] = []
        if year is not None:
            where.append("year = ?")
            params.append(_check_year(year))
        if series is not None:
            where.append("series = ?")
            params.append(_check_series(series))
        if where:
            sql += " WHERE " + " AND ".join(where)
        sql += " ORDER BY series, year, number"
        return [_entry_from_row(row) for row in self._conn.execute(sql, params)]

    def series_names(self) -> list[str]:
        """The series this register has numbers or a counter for."""
        rows = self._conn.execute(
            "SELECT series FROM counters UNION SELECT series FROM entries ORDER BY 1"
        ).fetchall()
        return [r[0] for r in rows]

    # -- internals -------------------------------------------------------------------------

    def _busy_error(self) -> RegisterError:
        return RegisterError(
            f"the register is busy: another process kept it locked for more than "
            f"{self.timeout:g} s; try again",
            file=self.path,
        )

    @contextlib.contextmanager
    def _transaction(self) -> Iterator[None]:
        """One write transaction: ``BEGIN IMMEDIATE`` … ``COMMIT``, ``ROLLBACK`` on error.

        Inside :meth:`transaction` the outer transaction is used: it commits or rolls back
        everything together.
        """
        if self._batch:
            yield
            return
        if self._in_transaction:
            raise SarabanError(
                "the register is already inside reserve(): finish that letter first "
                "(one write transaction per Register at a time)"
            )
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if _is_busy(e):
                raise self._busy_error() from e
            raise
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self._conn.execute("COMMIT")
            except BaseException:
                self._rollback()
                raise
        finally:
            self._in_transaction = False

    @contextlib.contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """One write transaction around several changes: numbers for all the documents of a
        case, the case row and its history. Every :meth:`reserve` inside joins it; all of it
        commits together or none of it does."""
        with self._transaction():
            self._batch = True
            try:
                yield self._conn
            finally:
                self._batch = False

    @property
    def connection(self) -> sqlite3.Connection:
        """The SQLite connection (for the case store, which shares this database)."""
        return self._conn

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    def _set_wal(self) -> None:
        """Switch to WAL journal mode (persistent in the file); retry while another opener holds it."""
        mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() == "wal":
            return
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if not _is_busy(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _migrate(self) -> None:
        """Create or upgrade the schema to :data:`SCHEMA_VERSION` (one transaction)."""
        if self._user_version() == SCHEMA_VERSION:
            return
        with self._transaction():
            version = self._user_version()  # again, under the write lock
            for new_version, statements in enumerate(_MIGRATIONS[version:], start=version + 1):
                for statement in statements:
                    self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {new_version}")

    def _user_version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > SCHEMA_VERSION:
            raise RegisterError(
                f"the register was written by a newer saraban (schema version {version}, "
                f"this one knows {SCHEMA_VERSION})",
                file=self.path,
            )
        return version

    def _max_used(self, series: str, year: int) -> int:
        row = self._conn.execute(
            "SELECT max(number) FROM entries WHERE series = ? AND year = ?", (series, year)
        ).fetchone()
        return int(row[0] or 0)

    def _next_number(self, series: str, year: int) -> int:
        row = self._conn.execute(
            "SELECT next_number FROM counters WHERE series = ? AND year = ?", (series, year)
        ).fetchone()
        counter = int(row[0]) if row is not None else 1
        # The counter is authoritative; the max() only guards against a counter row lost or
        # edited by hand, so that a number is never handed out twice.
        number = max(counter, self._max_used(series, year) + 1)
        if number > MAX_RUNNING_NUMBER:
            raise RegisterError(
                f"series {series!r} in {year} has used every number up to "
                f"{MAX_RUNNING_NUMBER}: no number is left (check the counters table)",
                field="series",
            )
        return number

    def _get_by_id(self, entry_id: int | None) -> Entry:
        row = self._conn.execute(
            f"SELECT {_ENTRY_COLUMNS} FROM entries WHERE id = ?", (entry_id,)
        ).fetchone()
        return _entry_from_row(row)


# -- export ----------------------------------------------------------------------------------


def register_row(entry: Entry) -> tuple[int, str, str, str, str, str, str, str]:
    """One row of แบบที่ 14, in the order of :data:`REGISTER_HEADERS`.

    ที่ is the printed number without its leading "ที่"; ลงวันที่ is the full Thai date; a
    cancelled number's หมายเหตุ reads "ยกเลิก: <reason>", followed by the original note if any.
    """
    note = entry.note
    if entry.cancelled:
        note = f"ยกเลิก: {entry.cancel_reason}" + (f"; {entry.note}" if entry.note else "")
    return (
        entry.number,
        _LEADING_TI.sub("", entry.number_text),
        format_date(entry.date, style="full", thai_digits=True),
        entry.sender,
        entry.recipient,
        entry.subject,
        entry.action,
        note,
    )


@contextlib.contextmanager
def _atomic_path(path: Path) -> Iterator[Path]:
    """A temporary path next to ``path``, moved over it only if the block succeeds."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = files.mkstemp(path.parent, f".tmp-{path.name}.", path.suffix)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        yield tmp
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


def export_csv(entries: Iterable[Entry], out: TextIO | str | os.PathLike[str]) -> None:
    """Write the register (แบบที่ 14) as CSV: Thai headers, UTF-8 with a BOM for Excel.

    ``out`` is a text stream opened with ``encoding="utf-8", newline=""`` (the BOM is written
    here), or a file path, which is written atomically.
    """
    if isinstance(out, str | os.PathLike):
        with _atomic_path(Path(out)) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
            _write_csv(entries, f)
        return
    _write_csv(entries, out)


#: What a spreadsheet takes for the start of a formula (OWASP, CSV injection): = + - @, a tab,
#: a carriage return, and - as careful exporters add - a line feed, NUL and the full-width
#: forms of the four signs (some spreadsheet locales read ＝ as =).
_FORMULA_START: Final = frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20")
#: Cells starting with a sign that still cannot be a formula: a plain number (-5, +66, 1.5) and
#: dashes alone (a register's "-" for "nothing").
_INERT: Final = re.compile(r"[-+]?[0-9]+(?:\.[0-9]+)?|-+")


def formula_risk(value: object) -> bool:
    """Whether a spreadsheet could read ``value`` (a register cell) as a formula: text that
    starts with one of :data:`_FORMULA_START` and is not a plain number or dashes alone."""
    return (
        isinstance(value, str) and value[:1] in _FORMULA_START and _INERT.fullmatch(value) is None
    )


def neutralise(value: object) -> object:
    """A CSV cell that no spreadsheet runs (OWASP's advice for CSV injection): text that could
    be read as a formula gets a leading apostrophe ('=HYPERLINK(…) stays text); anything else,
    a plain number such as -5 and a lone "-" included, is left as it is."""
    return f"'{value}" if formula_risk(value) else value


def _write_csv(entries: Iterable[Entry], out: TextIO) -> None:
    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(REGISTER_HEADERS)
    for entry in entries:
        writer.writerow([neutralise(cell) for cell in register_row(entry)])


_XLSX_WIDTHS: Final[Sequence[int]] = (14, 24, 20, 28, 32, 50, 20, 32)


def export_xlsx(entries: Iterable[Entry], path: str | os.PathLike[str]) -> None:
    """Write the register (แบบที่ 14) as an Excel workbook at ``path`` (written atomically).

    One sheet, a bold header row frozen at the top, column widths set for Thai text. Every
    text cell is written as text (never a formula, whatever it starts with); one that a
    spreadsheet could take for a formula is also marked "quote prefix", so that editing it
    keeps it text. The running number is a number.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "ทะเบียนหนังสือส่ง"
    sheet.append(list(REGISTER_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row, entry in enumerate(entries, start=2):
        for column, value in enumerate(register_row(entry), start=1):
            cell = sheet.cell(row=row, column=column)
            cell.value = value
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would make "=…" a formula
                if formula_risk(value):
                    cell.quotePrefix = True
    for index, width in enumerate(_XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    with _atomic_path(Path(path)) as tmp:
        workbook.save(tmp)
