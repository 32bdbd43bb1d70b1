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

WAL journal mode needs a local file system: do not put the register on a network share. An
office whose clerks share one register from several machines keeps it on a PostgreSQL server
instead (office.yaml's ``database:``; docs/database.md): the same rules, with the counter row of
the series locked (``SELECT … FOR UPDATE``) in the transaction that records the letter.

This module keeps the rules (series, years, numbers, cancellation, export); the tables and
every SQL statement are in :mod:`engine.store` (``reg.store``).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Final, TextIO

from engine import files
from engine.errors import RegisterError, SarabanError
from engine.i18n import _
from engine.limits import MAX_RUNNING_NUMBER, MAX_YEAR_BE, MIN_YEAR_BE
from engine.privacy import prepare_register_file
from engine.store import SCHEMA_VERSION, Conflict, Entry, Status, Store, server_of
from engine.thai import apply_digit_policy, be_year, format_date, to_arabic_digits, to_thai_digits

_Date = date  # Slot.record's parameter named ``date`` shadows the class

__all__ = [
    "CIRCULAR",
    "EXPORT_HEADERS",
    "NORMAL",
    "ORDER",
    "REGISTER_HEADERS",
    "SCHEMA_VERSION",
    "Entry",
    "Register",
    "Slot",
    "Status",
    "check_series",
    "be_year_text",
    "check_year",
    "digits",
    "export_csv",
    "export_xlsx",
    "formula_risk",
    "neutralise",
    "number_digits",
    "number_key",
    "register_row",
]

NORMAL: Final = "normal"
"""The ordinary series of outgoing letters."""
CIRCULAR: Final = "circular"
"""Circular letters (หนังสือเวียน): the ว series."""
ORDER: Final = "order"
"""Orders (คำสั่ง): numbered "<n>/<BE year>" in their own series."""

DEFAULT_TIMEOUT: Final = 60.0
"""Seconds a process waits for another one's write transaction before giving up."""

_BE_OFFSET: Final = 543
# Years outside this range are refused: a value like 2566 is a BE year given by mistake.
_MIN_YEAR: Final = MIN_YEAR_BE - _BE_OFFSET  # CE 1900
_MAX_YEAR: Final = MAX_YEAR_BE - _BE_OFFSET  # CE 2199
#: A series name: lower-case ASCII letters, digits, "-" and "_" (it becomes part of file names).
_SERIES_RE: Final = re.compile(r"[a-z][a-z0-9_-]{0,31}")

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

SERIES_HEADER: Final = "ชุด"
EXPORT_HEADERS: Final = (*REGISTER_HEADERS, SERIES_HEADER)
"""Columns of the CSV and XLSX exports: the regulation's eight, then the series (ชุด: normal,
circular, order, …), which tells apart the rows that share a running number."""

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


def check_series(series: str) -> str:
    """``series``, stripped, if it is a valid series name; :class:`RegisterError` if not."""
    if not isinstance(series, str) or not series.strip():
        raise RegisterError(_("series must be a non-empty name"), field="series")
    if not _SERIES_RE.fullmatch(series.strip()):
        raise RegisterError(
            _(
                "invalid series name {series!r}: lower-case letters, digits, - and _ (normal, circular, order)"
            ).format(series=series),
            field="series",
        )
    return series.strip()


def check_year(year: int) -> int:
    """``year`` (CE) if the register takes it; :class:`RegisterError` naming the BE year given by
    mistake or the range otherwise."""
    if isinstance(year, bool) or not isinstance(year, int):
        raise RegisterError(
            _("year must be an integer, not {year!r}").format(year=year), field="year"
        )
    if year > _MAX_YEAR and _MIN_YEAR <= year - _BE_OFFSET <= _MAX_YEAR:
        raise RegisterError(
            _(
                "{year} looks like a Buddhist-era year; the register takes the CE year ({ce_year})"
            ).format(year=year, ce_year=year - _BE_OFFSET),
            field="year",
        )
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise RegisterError(
            _(
                "year {year} (BE {be_year}) is out of range: the register takes the years BE {min_year_be}-{max_year_be} (CE {min_year}-{max_year})"
            ).format(
                year=year,
                be_year=year + _BE_OFFSET,
                min_year_be=MIN_YEAR_BE,
                max_year_be=MAX_YEAR_BE,
                min_year=_MIN_YEAR,
                max_year=_MAX_YEAR,
            ),
            field="year",
        )
    return year


def _check_number(value: int, field: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise RegisterError(
            _("{field} must be an integer, not {value!r}").format(field=field, value=value),
            field=field,
        )
    if not 1 <= value <= MAX_RUNNING_NUMBER:
        raise RegisterError(
            _("a running number is from 1 to {max_running_number}, not {value}").format(
                max_running_number=MAX_RUNNING_NUMBER, value=value
            ),
            field=field,
        )
    return value


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
            raise RegisterError(_("the letter number text is empty"), field="number_text")
        if isinstance(date, datetime):
            date = date.date()
        if not isinstance(date, _Date):
            raise RegisterError(
                _("date must be a date, not {date!r}").format(date=date), field="date"
            )
        if date.year != self.year:
            raise RegisterError(
                _(
                    "letter date {date} is not in {year}, the year of number {number} in series {series!r}"
                ).format(
                    date=date.isoformat(),
                    year=self.year,
                    number=self.number,
                    series=self.series,
                ),
                field="date",
            )
        if data_json is not None:
            try:
                json.loads(data_json)
            except (TypeError, ValueError) as e:
                raise RegisterError(
                    _("data_json is not valid JSON: {error}").format(error=e), field="data_json"
                ) from e
        key = number_key(number_text)
        store = self._register.store
        clash = store.entries.clash(key, self.year)
        if clash is not None:
            raise RegisterError(
                _(
                    "{number_text} is already in the register for {year} (number {number} of series {series!r})"
                ).format(
                    number_text=number_text.strip(),
                    year=self.year,
                    number=clash[1],
                    series=clash[0],
                ),
                field="number_text",
            )
        # a letter dated before the series' latest letter of the year: recorded (the regulation
        # still gives it the next number), and the caller warns (Entry.backdated_number)
        latest = store.entries.latest(self.series, self.year)
        backdated = latest if latest is not None and date < latest.date else None
        try:
            entry_id = store.entries.insert(
                series=self.series,
                year=self.year,
                number=self.number,
                number_text=number_text.strip(),
                number_key=key,
                date=date.isoformat(),
                sender=sender,
                recipient=recipient,
                subject=subject,
                action=action,
                note=note,
                case_id=case_id,
                path=os.fspath(path) if path is not None else None,
                data_json=data_json,
                created_at=_utc_now(),
                backdated_number=backdated.number_text if backdated else None,
                backdated_date=backdated.date.isoformat() if backdated else None,
            )
        except Conflict as e:  # the UNIQUE constraints: should never happen
            raise RegisterError(
                _(
                    "number {number} of series {series!r} in {year} is already in the register ({error})"
                ).format(number=self.number, series=self.series, year=self.year, error=e),
                file=self._register.path,
            ) from e
        store.counters.set(self.series, self.year, self.number + 1)
        self._entry = self._register.entry(entry_id)
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
        if server_of(self.path) is None:  # a file, not a PostgreSQL server (docs/database.md)
            prepare_register_file(self.path)  # 0600 when new; a folder or NUL byte is refused
        self.store: Final = Store(self.path, timeout=self.timeout)
        """The tables of the register database (:mod:`engine.store`)."""

    # -- lifecycle -------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (an open reservation is rolled back). Safe to call twice."""
        self.store.close()

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
        series = check_series(series)
        year = check_year(year)
        with self.store.write():
            slot = Slot(self, series, year, self._next_number(series, year, lock=True))
            try:
                yield slot
                if slot.entry is None:
                    raise SarabanError(
                        _(
                            "number {number} of series {series!r} in {year} was reserved but record() was not called: nothing recorded"
                        ).format(number=slot.number, series=series, year=year)
                    )
            finally:
                slot._open = False

    def next_number(self, series: str, year: int) -> int:
        """The number the next :meth:`reserve` of ``series`` in ``year`` would get (no lock)."""
        return self._next_number(check_series(series), check_year(year))

    def start(self, series: str, year: int, next_number: int, *, by: str | None = None) -> None:
        """Continue a paper register: the next number of ``series`` in ``year`` is ``next_number``.

        Numbers below it are taken to be in the paper register. ``by``: who started it
        (recorded with the time). Refuses with
        :class:`RegisterError` if ``next_number`` is below 1 or not above every number this
        register has already used in that series and year (numbers never go backwards).
        """
        series = check_series(series)
        year = check_year(year)
        if isinstance(next_number, int) and next_number < 1:
            raise RegisterError(
                _("the next number must be 1 or more, not {next_number}").format(
                    next_number=next_number
                ),
                field="next_number",
            )
        next_number = _check_number(next_number, "next_number")
        with self.store.write():
            self.store.counters.lock(series, year)
            used = self.store.entries.max_number(series, year)
            if next_number <= used:
                raise RegisterError(
                    _(
                        "cannot start series {series!r} in {year} at {next_number}: number {used} is already in the register (numbers never go backwards)"
                    ).format(series=series, year=year, next_number=next_number, used=used),
                    field="next_number",
                )
            self.store.counters.set(series, year, next_number)
            if by:
                self.store.counters.mark_started(series, year, by, _utc_now())

    def cancel(
        self, series: str, year: int, number: int, reason: str, *, by: str | None = None
    ) -> Entry:
        """Cancel a number: its row stays, marked cancelled with ``reason`` (and ``by``, who
        cancelled it); it is never reused.

        Raises :class:`RegisterError` naming the number if it is not in the register or is
        already cancelled, or if ``reason`` is empty. Returns the updated entry.
        """
        series = check_series(series)
        year = check_year(year)
        number = _check_number(number, "number")
        if not isinstance(reason, str) or not reason.strip():
            raise RegisterError(
                _("a reason is required to cancel number {number}").format(number=number),
                field="reason",
            )
        with self.store.write():
            entry = self.store.entries.find(series, year, number)
            if entry is None:
                raise RegisterError(
                    _(
                        "number {number} of series {series!r} in {year} is not in the register"
                    ).format(number=number, series=series, year=year),
                    field="number",
                )
            if entry.cancelled:
                raise RegisterError(
                    _(
                        "number {number} ({number_text}) of series {series!r} in {year} is already cancelled: {cancel_reason}"
                    ).format(
                        number=number,
                        number_text=entry.number_text,
                        series=series,
                        year=year,
                        cancel_reason=entry.cancel_reason,
                    ),
                    field="number",
                )
            self.store.entries.cancel(entry.id, reason.strip(), _utc_now(), by)
            return self.entry(entry.id)

    # -- reading ---------------------------------------------------------------------------

    def get(self, series: str, year: int, number: int) -> Entry:
        """The entry for ``number`` of ``series`` in ``year``; :class:`RegisterError` if none."""
        series = check_series(series)
        year = check_year(year)
        number = _check_number(number, "number")
        entry = self.store.entries.find(series, year, number)
        if entry is None:
            raise RegisterError(
                _("number {number} of series {series!r} in {year} is not in the register").format(
                    number=number, series=series, year=year
                ),
                field="number",
            )
        return entry

    def entry(self, entry_id: int) -> Entry:
        """The entry with id ``entry_id``; :class:`RegisterError` if there is none."""
        entry = self.store.entries.get(entry_id)
        if entry is None:
            raise RegisterError(
                _("no register entry with id {entry_id}").format(entry_id=entry_id), field="entry"
            )
        return entry

    def find(self, number_text: str, *, year: int | None = None) -> Entry | None:
        """The entry whose printed number is ``number_text``, or ``None``.

        Matching ignores a leading "ที่", spaces, zero padding and Thai versus Arabic digits
        (see :func:`number_key`). A printed number such as "มท 0808.4/36" recurs every year:
        pass the ``year`` (CE) of the letter date; without it, a number found in several years
        is refused with :class:`RegisterError`.
        """
        rows = self.store.entries.find_by_key(
            number_key(number_text), None if year is None else check_year(year)
        )
        if not rows:
            return None
        if len(rows) > 1:
            years = ", ".join(str(r.year) for r in rows)
            raise RegisterError(
                _(
                    "{number_text} is in the register in several years ({years}): give the year of the letter date"
                ).format(number_text=number_text.strip(), years=years),
                field="number_text",
            )
        return rows[0]

    def entries(self, year: int | None = None, series: str | None = None) -> list[Entry]:
        """All entries (issued and cancelled), optionally of one year and/or series.

        Ordered by series, year, number.
        """
        return self.store.entries.list(
            None if year is None else check_year(year),
            None if series is None else check_series(series),
        )

    def series_names(self) -> list[str]:
        """The series this register has numbers or a counter for."""
        return self.store.entries.series_names()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction around several changes: numbers for all the documents of a
        case, the case row and its history. Every :meth:`reserve` inside joins it; all of it
        commits together or none of it does. Yields the :class:`~engine.store.Store`."""
        with self.store.transaction() as store:
            yield store

    # -- internals -------------------------------------------------------------------------

    def _next_number(self, series: str, year: int, *, lock: bool = False) -> int:
        """The next number; ``lock``: inside the write transaction that gives it (on a server,
        the counter row stays locked until that transaction ends)."""
        counters = self.store.counters
        counter = (counters.lock(series, year) if lock else counters.get(series, year)) or 1
        # The counter is authoritative; the max() only guards against a counter row lost or
        # edited by hand, so that a number is never handed out twice.
        number = max(counter, self.store.entries.max_number(series, year) + 1)
        if number > MAX_RUNNING_NUMBER:
            raise RegisterError(
                _(
                    "series {series!r} in {year} has used every number up to {max_running_number}: no number is left (check the counters table)"
                ).format(series=series, year=year, max_running_number=MAX_RUNNING_NUMBER),
                field="series",
            )
        return number


# -- export ----------------------------------------------------------------------------------


def digits(text: str, thai_digits: bool) -> str:
    """``text`` in the office's digits (office.yaml ``thai_digits``): Thai digits as letters print
    them (:func:`engine.thai.apply_digit_policy`: Latin words, e-mail addresses and URLs keep
    theirs), or Arabic digits throughout."""
    return apply_digit_policy(text) if thai_digits else to_arabic_digits(text)


def backdated_note(entry: Entry, thai_digits: bool = True) -> str:
    """หมายเหตุ of a backdated letter: "ลงวันที่ย้อนหลัง ก่อน ที่ <number> ลงวันที่ <date>" (the
    series' latest letter when it was numbered); "" for a letter in date order."""
    if not entry.backdated_number or entry.backdated_date is None:
        return ""
    day = format_date(entry.backdated_date, style="full", thai_digits=thai_digits)
    return f"ลงวันที่ย้อนหลัง ก่อน ที่ {entry.backdated_number} ลงวันที่ {day}"


def register_row(
    entry: Entry, *, thai_digits: bool = True, date_style: str = "full"
) -> tuple[int, str, str, str, str, str, str, str]:
    """One row of แบบที่ 14, in the order of :data:`REGISTER_HEADERS`.

    ที่ is the printed number without its leading "ที่"; ลงวันที่ is the Thai date (BE year) in
    ``date_style`` (:func:`engine.thai.format_date`); a cancelled number's หมายเหตุ reads
    "ยกเลิก: <reason>", followed by the original note if any; a backdated letter's adds
    :func:`backdated_note`. Every text cell is in one digit system, the office's
    (:func:`digits`); the running number stays an ``int``.
    """
    note = entry.note
    if entry.cancelled:
        note = f"ยกเลิก: {entry.cancel_reason}" + (f"; {entry.note}" if entry.note else "")
    if entry.backdated_number:
        note = "; ".join(filter(None, (note, backdated_note(entry, thai_digits))))
    return (
        entry.number,
        digits(_LEADING_TI.sub("", entry.number_text), thai_digits),
        format_date(entry.date, style=date_style, thai_digits=thai_digits),
        digits(entry.sender, thai_digits),
        digits(entry.recipient, thai_digits),
        digits(entry.subject, thai_digits),
        digits(entry.action, thai_digits),
        digits(note, thai_digits),
    )


def number_digits(number: int, thai_digits: bool) -> str:
    """A running number or a year written in the office's digits."""
    return to_thai_digits(str(number)) if thai_digits else str(number)


def be_year_text(year: int, thai_digits: bool) -> str:
    """The BE year of the CE ``year``, in the office's digits ("๒๕๖๘")."""
    return number_digits(be_year(date(year, 1, 1)), thai_digits)


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


def export_csv(
    entries: Iterable[Entry],
    out: TextIO | str | os.PathLike[str],
    *,
    thai_digits: bool = True,
) -> None:
    """Write the register (แบบที่ 14) as CSV: Thai headers (:data:`EXPORT_HEADERS`, the series
    last), UTF-8 with a BOM for Excel, every digit in the office's system (``thai_digits``).

    ``out`` is a text stream opened with ``encoding="utf-8", newline=""`` (the BOM is written
    here), or a file path, which is written atomically.
    """
    if isinstance(out, str | os.PathLike):
        with _atomic_path(Path(out)) as tmp, tmp.open("w", encoding="utf-8", newline="") as f:
            _write_csv(entries, f, thai_digits)
        return
    _write_csv(entries, out, thai_digits)


#: What a spreadsheet takes for the start of a formula (OWASP, CSV injection): = + - @, a tab,
#: a carriage return, and - as careful exporters add - a line feed, NUL and the full-width
#: forms of the four signs (some spreadsheet locales read ＝ as =).
_FORMULA_START: Final = frozenset("=+-@\t\r\n\x00\uff1d\uff0b\uff0d\uff20")
#: Cells starting with a sign that still cannot be a formula: a plain number (-5, +66, 1.5, in
#: Arabic or Thai digits) and dashes alone (a register's "-" for "nothing").
_INERT: Final = re.compile(r"[-+]?[0-9๐-๙]+(?:\.[0-9๐-๙]+)?|-+")


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


def _write_csv(entries: Iterable[Entry], out: TextIO, thai_digits: bool) -> None:
    import csv  # only for an export

    out.write("\ufeff")
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(EXPORT_HEADERS)
    for entry in entries:
        number, *cells = register_row(entry, thai_digits=thai_digits)
        row = [number_digits(number, thai_digits), *cells, entry.series]
        writer.writerow([neutralise(cell) for cell in row])


_XLSX_WIDTHS: Final[Sequence[int]] = (14, 24, 20, 28, 32, 50, 20, 32, 12)
#: Excel's number format that shows a number in Thai digits (numeral shape D07, Thai locale
#: 041E); LibreOffice reads it too. The running number stays a number (it sorts and sums).
_THAI_NUMBER_FORMAT: Final = "[$-D07041E]0"


def export_xlsx(
    entries: Iterable[Entry], path: str | os.PathLike[str], *, thai_digits: bool = True
) -> None:
    """Write the register (แบบที่ 14) as an Excel workbook at ``path`` (written atomically).

    One sheet, a bold header row frozen at the top, column widths set for Thai text; the
    columns of :data:`EXPORT_HEADERS` (the series last). Every text cell is written as text
    (never a formula, whatever it starts with); one that a spreadsheet could take for a formula
    is also marked "quote prefix", so that editing it keeps it text. The running number is a
    number, shown in Thai digits (a number format) when ``thai_digits``; the text cells are in
    the office's digits.
    """
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.title = "ทะเบียนหนังสือส่ง"
    sheet.append(list(EXPORT_HEADERS))
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(horizontal="center", vertical="center")
    for row, entry in enumerate(entries, start=2):
        values: tuple[int | str, ...] = (
            *register_row(entry, thai_digits=thai_digits),
            entry.series,
        )
        for column, value in enumerate(values, start=1):
            cell = sheet.cell(row=row, column=column)
            cell.value = value
            if isinstance(value, int) and thai_digits:
                cell.number_format = _THAI_NUMBER_FORMAT
            if isinstance(value, str):
                cell.data_type = "s"  # openpyxl would make "=…" a formula
                if formula_risk(value):
                    cell.quotePrefix = True
    for index, width in enumerate(_XLSX_WIDTHS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    with _atomic_path(Path(path)) as tmp:
        workbook.save(tmp)
