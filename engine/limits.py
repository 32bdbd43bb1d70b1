"""Limits on what saraban reads and accepts (ขีดจำกัดของข้อมูลนำเข้า), in one place.

Every input a user or a file gives is bounded, so that a careless or hostile value ends in one
clear :class:`UserError` instead of a traceback, a stuck series or a process that eats the
machine's memory. ``docs/limits.md`` lists each limit, its value, why, and the message a user
sees when going past it.
"""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path
from typing import Final

from .errors import UserError
from .i18n import _

# --- files ------------------------------------------------------------------------------------
KIB: Final = 1024
MIB: Final = 1024 * KIB

#: The largest file of each kind that saraban reads, in bytes. A file is read up to the limit
#: and one byte more, so ``--data /dev/zero`` stops at once.
FILE_LIMITS: Final[dict[str, int]] = {
    "data": 1 * MIB,  # a case's data file (--data)
    "office": 1 * MIB,  # office.yaml
    "workflow": 1 * MIB,  # workflows/*.yaml
    "references": 4 * MIB,  # references.yaml
    "recipients": 16 * MIB,  # a circular's recipients (CSV, XLSX or YAML)
    "yaml": 4 * MIB,  # any other YAML file
}

#: The most values a YAML document may hold once its aliases (``*name``) and merge keys
#: (``<<:``) are expanded: a "billion laughs" alias bomb stops here before it is built.
MAX_YAML_VALUES: Final = 100_000
#: How deeply YAML lists and mappings may nest.
MAX_YAML_DEPTH: Final = 64

#: The most recipients of one circular (Thailand has about 7,850 local administrations).
MAX_RECIPIENTS: Final = 10_000
#: The uncompressed size of an XLSX recipients workbook (a zip: a small file may unpack huge).
MAX_XLSX_UNPACKED: Final = 128 * MIB


def _size(n: int) -> str:
    return f"{n // MIB} MB" if n % MIB == 0 else f"{n // KIB} KB"


def read_capped(path: str | Path, kind: str, name: str | Path | None = None) -> bytes:
    """The bytes of ``path``, refused with a :class:`UserError` naming the file (as ``name``,
    default ``path``) when it is larger than the limit for ``kind`` (see :data:`FILE_LIMITS`).
    At most limit + 1 bytes are read, whatever the file is (``/dev/zero`` included). A missing
    file is "file not found"; other OS errors propagate."""
    cap = FILE_LIMITS[kind]
    try:
        with open(path, "rb") as fh:
            data = fh.read(cap + 1)
    except FileNotFoundError:
        raise UserError(_("file not found"), file=name or path) from None
    if len(data) > cap:
        raise too_large(name or path, kind)
    return data


def too_large(file: str | Path, kind: str) -> UserError:
    """The error for a file larger than the limit for ``kind``."""
    return UserError(
        _("the file is larger than {file_limits}, the limit for a {kind} file").format(
            file_limits=_size(FILE_LIMITS[kind]), kind=kind
        ),
        file=file,
    )


# --- numbers ----------------------------------------------------------------------------------
#: The largest running number of a series in a year (เลขทะเบียนส่ง), and the largest number
#: ``register start --next`` takes: far below SQLite's 64-bit limit, far above any office's year.
MAX_RUNNING_NUMBER: Final = 999_999
#: The largest case number a command takes.
MAX_CASE: Final = 999_999_999
#: ``due --days``: how far ahead one may look (10 years).
MAX_DUE_DAYS: Final = 3660
#: ``regenerate --workers``.
MAX_WORKERS: Final = 64

#: Years the register and the commands take, Buddhist era (BE): CE 1900 to 2199.
MIN_YEAR_BE: Final = 2443
MAX_YEAR_BE: Final = 2742


def bounded_int(text: str | int, what: str, *, low: int, high: int, field: str) -> int:
    """An integer from ``text`` (ASCII or Thai digits) between ``low`` and ``high``; anything
    else is one :class:`UserError` naming ``field``. Long digit strings are refused before they
    are converted (Python limits int() of very long strings)."""
    from .thai import to_arabic_digits

    if isinstance(text, bool):
        raise UserError(_("{what} must be a whole number").format(what=_(what)), field=field)
    raw = str(text).strip()
    digits = to_arabic_digits(raw)
    sign = digits[:1] if digits[:1] in "+-" else ""
    body = digits[len(sign) :]
    if not body.isascii() or not body.isdigit():
        raise UserError(
            _("{what} must be a whole number, not {raw!r}").format(what=_(what), raw=shorten(raw)),
            field=field,
        )
    body = body.lstrip("0") or "0"
    value = int(sign + body) if len(body) <= 18 else (-1 if sign == "-" else 1) * 10**18
    if not low <= value <= high:
        raise UserError(
            _("{what} must be from {low} to {high}, not {raw}").format(
                what=what, low=low, high=high, raw=shorten(raw)
            ),
            field=field,
        )
    return value


# --- dates ------------------------------------------------------------------------------------
#: A date given to a command (``--date``, a letter's ``date:``) may be at most this far ahead …
MAX_DAYS_AHEAD: Final = 366
#: … and at most this many years back, unless ``--force`` is given.
MAX_YEARS_BACK: Final = 10


def check_date_span(day: dt.date, *, today: dt.date | None = None) -> str | None:
    """Why ``day`` is too far from today (a sentence), or None when it is within the span."""
    today = today or dt.date.today()
    if day > today + dt.timedelta(days=MAX_DAYS_AHEAD):
        return _("more than a year after today ({today})").format(today=today.isoformat())
    try:
        earliest = today.replace(year=today.year - MAX_YEARS_BACK)
    except ValueError:  # 29 February
        earliest = today.replace(year=today.year - MAX_YEARS_BACK, day=28)
    if day < earliest:
        return _("more than {years} years before today ({today})").format(
            years=MAX_YEARS_BACK, today=today.isoformat()
        )
    return None


# --- text -------------------------------------------------------------------------------------
#: Control characters: C0 (but not the tab in data), DEL and C1, and the bidirectional
#: overrides and isolates that reorder what a terminal shows.
_CONTROL: Final = re.compile(r"[\x00-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069]")
_ESCAPES: Final = {"\n": "\\n", "\r": "\\r", "\t": "\\t"}


def has_control(text: str) -> bool:
    """Whether ``text`` holds a control character (including newline and tab)."""
    return _CONTROL.search(text) is not None


def printable(text: str) -> str:
    """``text`` safe to print on a terminal: every control character (ANSI escapes, newlines,
    bidirectional overrides …) is shown escaped (``\\x1b``, ``\\n``), a lone surrogate as
    ``\\udcff``; Thai text, spaces and zero-width spaces are left alone."""
    text = _CONTROL.sub(lambda m: _ESCAPES.get(m[0]) or _escape(m[0]), text)
    if has_surrogate(text):
        text = "".join(_escape(c) if 0xD800 <= ord(c) <= 0xDFFF else c for c in text)
    return text


def _escape(char: str) -> str:
    code = ord(char)
    return f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}"


def has_surrogate(text: str) -> bool:
    """Whether ``text`` holds a lone surrogate (not text: it cannot be written as UTF-8)."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def shorten(text: str, limit: int = 40) -> str:
    """``text`` cut to ``limit`` characters (with "…"), for quoting input in a message."""
    return text if len(text) <= limit else text[: limit - 1] + "…"


#: ``--by`` (and $SARABAN_USER): who acts, as recorded in a case's history.
MAX_BY: Final = 100


def check_by(by: str | None) -> str | None:
    """``by`` as given, refused when it holds control characters, is not text or is too long."""
    if by is None:
        return None
    if has_surrogate(by):
        raise UserError(_("not valid UTF-8 text"), field="--by")
    if has_control(by):
        raise UserError(
            _(
                "control characters (such as newlines or terminal escapes) are not allowed: {by!r}"
            ).format(by=shorten(by)),
            field="--by",
        )
    if len(by) > MAX_BY:
        raise UserError(_("at most {max_by} characters").format(max_by=MAX_BY), field="--by")
    if not by.strip():
        raise UserError(_("empty"), field="--by")
    return by


def check_argv(argv: list[str]) -> None:
    """Every command-line argument is text: bytes that are not UTF-8 (which Python passes on
    as lone surrogates) are one error naming the argument."""
    for i, arg in enumerate(argv, start=1):
        if has_surrogate(arg):
            raise UserError(
                _("argument {i} ({arg}) is not valid UTF-8 text").format(
                    i=i, arg=printable(shorten(arg))
                )
            )
