"""Thai formatting: digits, Buddhist-era dates, times and baht text.

Official letters (หนังสือราชการ) write numbers in Thai digits (เลขไทย), dates as day, Thai month name
and Buddhist-era year (พุทธศักราช, BE = CE + 543) and money amounts both in figures and in words
(บาทถ้วน). Every rule here is pure Python with precomputed tables and compiled regular expressions:
these functions run in the rendering hot path. pythainlp is only used by the tests, as an oracle.

Public API:

* :data:`THAI_DIGITS`, :func:`to_thai_digits`, :func:`to_arabic_digits`: plain digit conversion.
* :func:`apply_digit_policy`: Thai digits everywhere except in Latin words, e-mail addresses and URLs.
* :func:`be_year`, :func:`format_date`, :func:`format_time`: formatting in the official style.
* :func:`parse_date`, :func:`parse_year`: lenient parsing of what clerks type; strict validation.
* :func:`baht_text`, :func:`format_money`: amounts in words and in figures.

Year rule, used by every parser here: a 4-digit year of 2400 or more is a BE year, a smaller one
is a CE year (clerks sometimes type CE years, and no CE date this engine deals with is past 2399).
A 2-digit year (only in dates, as in the abbreviated style "๒๘ เม.ย. ๖๖") is BE 25yy.
"""

from __future__ import annotations

import re
from datetime import date, time
from decimal import ROUND_HALF_UP, Context, Decimal, InvalidOperation
from typing import Final

from .i18n import _

__all__ = [
    "ABBR_MONTHS",
    "BE_OFFSET",
    "DATE_STYLES",
    "FULL_MONTHS",
    "THAI_DIGITS",
    "WEEKDAYS",
    "apply_digit_policy",
    "baht_text",
    "be_year",
    "format_date",
    "format_money",
    "format_time",
    "parse_date",
    "parse_year",
    "to_arabic_digits",
    "to_thai_digits",
    "two_digit_year",
]

# --------------------------------------------------------------------------------------------
# Digits
# --------------------------------------------------------------------------------------------

THAI_DIGITS: Final = "๐๑๒๓๔๕๖๗๘๙"
"""The ten Thai digits (เลขไทย), zero to nine."""

_TO_THAI: Final = str.maketrans("0123456789", THAI_DIGITS)
_TO_ARABIC: Final = str.maketrans(THAI_DIGITS, "0123456789")


def to_thai_digits(text: str) -> str:
    """Replace every ASCII digit in ``text`` by the Thai digit (เลขไทย) of the same value."""
    return text.translate(_TO_THAI)


def to_arabic_digits(text: str) -> str:
    """Replace every Thai digit in ``text`` by the ASCII (Arabic) digit of the same value."""
    return text.translate(_TO_ARABIC)


# The Thai block (letters, vowels, tone marks, Thai digits, ฯ ๆ ๏ ๚ ๛).
_THAI_CLASS: Final = "\u0e00-\u0e7f"
# Latin letters: ASCII and Latin-1 / Latin Extended-A and -B, without × and ÷.
_LATIN_CLASS: Final = "A-Za-z\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f"

_ASCII_DIGIT_RE: Final = re.compile(r"[0-9]")
_SPACE_RE: Final = re.compile(r"\s")
_THAI_RE: Final = re.compile(f"[{_THAI_CLASS}]")
_LATIN_RE: Final = re.compile(f"[{_LATIN_CLASS}]")
# A maximal run of non-Thai characters inside a token (a "script run").
_NON_THAI_RUN_RE: Final = re.compile(f"[^{_THAI_CLASS}]+")
_PROTECTED_HINT_RE: Final = re.compile(r"@|://|www\.", re.IGNORECASE)
# URLs (with a scheme, or starting with www.) run to the end of their token: their path may hold
# Thai text. E-mail addresses: an ASCII local part and a domain that may be Thai (.ไทย).
# (Text, not compiled: re compiles it on first use; most letters never need it.)
_PROTECTED: Final = (
    r"(?i:(?:[A-Za-z][A-Za-z0-9+.\-]*://|www\.)\S+"
    rf"|[A-Za-z0-9._%+\-]+@[A-Za-z0-9{_THAI_CLASS}\-]+(?:\.[A-Za-z0-9{_THAI_CLASS}\-]+)+)"
)


def _digit_token(token: str) -> str:
    """``token`` (whitespace-free, with an ASCII digit) under the digit policy."""
    if _THAI_RE.search(token) is None:
        # One script run: the common case (numbers, dates, phone numbers, "2FA", URLs, e-mails).
        return token if _LATIN_RE.search(token) else token.translate(_TO_THAI)
    # Thai and non-Thai text glued together ("ปี2568", "ระบบ2FA", "ข้อ1.1"): split the token at
    # script boundaries and decide for each non-Thai run; URLs and e-mails stay whole.
    protected = (
        [m.span() for m in re.finditer(_PROTECTED, token)]
        if _PROTECTED_HINT_RE.search(token)
        else []
    )
    parts: list[str] = []
    last = 0
    for run in _NON_THAI_RUN_RE.finditer(token):
        start, end = run.span()
        text = run.group()
        if (
            _ASCII_DIGIT_RE.search(text) is None
            or _LATIN_RE.search(text) is not None
            or any(s < end and start < e for s, e in protected)
        ):
            continue
        parts.append(token[last:start])
        parts.append(text.translate(_TO_THAI))
        last = end
    if not parts:
        return token
    parts.append(token[last:])
    return "".join(parts)


def apply_digit_policy(text: str) -> str:
    """Write ``text`` with Thai digits, as official letters do, except where digits must stay.

    ASCII digits become Thai digits, except:

    * in a token (a maximal run of non-whitespace characters) that contains a Latin letter:
      "2FA", "GMIS123456", "(2FA)", "ISO9001:2015";
    * in e-mail addresses and URLs ("user1@dla.go.th", "https://example.go.th/a/2568/x.pdf"),
      even when they contain Thai characters.

    A token where Thai and non-Thai text are glued together is first split at the script
    boundaries, and each non-Thai part is judged alone: "ปี2568" becomes "ปี๒๕๖๘" (Thai letters
    are not Latin), while "ระบบ2FA" keeps "2FA" as it is.

    Only ASCII digits ever change; the result is stable (applying the policy twice changes
    nothing more). Text without ASCII digits is returned as is, without further work.
    """
    match = _ASCII_DIGIT_RE.search(text)
    if match is None:
        return text
    # Visit only the tokens that hold a digit: from each digit, find the whitespace before it
    # (searching the reversed text) and after it. Linear, and much faster than a regex that must
    # try every token start.
    size = len(text)
    reverse = text[::-1]
    parts: list[str] = []
    last = 0
    while match is not None:
        digit = match.start()
        space = _SPACE_RE.search(reverse, size - digit)
        start = size - space.start() if space else 0
        space = _SPACE_RE.search(text, digit)
        end = space.start() if space else size
        parts.append(text[last:start])
        parts.append(_digit_token(text[start:end]))
        last = end
        match = _ASCII_DIGIT_RE.search(text, end)
    parts.append(text[last:])
    return "".join(parts)


# --------------------------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------------------------

BE_OFFSET: Final = 543
"""Years between the Buddhist era (พุทธศักราช, พ.ศ.) and the common era (คริสต์ศักราช, ค.ศ.)."""

_BE_THRESHOLD: Final = 2400

FULL_MONTHS: Final = (
    "มกราคม",
    "กุมภาพันธ์",
    "มีนาคม",
    "เมษายน",
    "พฤษภาคม",
    "มิถุนายน",
    "กรกฎาคม",
    "สิงหาคม",
    "กันยายน",
    "ตุลาคม",
    "พฤศจิกายน",
    "ธันวาคม",
)
"""Full Thai month names, January first."""

ABBR_MONTHS: Final = (
    "ม.ค.",
    "ก.พ.",
    "มี.ค.",
    "เม.ย.",
    "พ.ค.",
    "มิ.ย.",
    "ก.ค.",
    "ส.ค.",
    "ก.ย.",
    "ต.ค.",
    "พ.ย.",
    "ธ.ค.",
)
"""Abbreviated Thai month names (อักษรย่อเดือน), January first."""

WEEKDAYS: Final = (
    "วันจันทร์",
    "วันอังคาร",
    "วันพุธ",
    "วันพฤหัสบดี",
    "วันศุกร์",
    "วันเสาร์",
    "วันอาทิตย์",
)
"""Full Thai weekday names, Monday first (the order of :meth:`datetime.date.weekday`)."""

_WEEKDAYS_EN: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

DATE_STYLES: Final = ("full", "abbr", "weekday", "full_be")
"""The styles :func:`format_date` knows."""


# Month names as the parser accepts them: full names, abbreviations without their dots, and the
# short spoken forms (เมษา, ธันวา).
def _month_lookup() -> dict[str, int]:
    lookup: dict[str, int] = {}
    for number, (full, abbr) in enumerate(zip(FULL_MONTHS, ABBR_MONTHS, strict=True), start=1):
        lookup[full] = number
        lookup[abbr.replace(".", "")] = number
        # มกราคม → มกรา, เมษายน → เมษา, กุมภาพันธ์ → กุมภา
        lookup[full[:-2] if full.endswith(("คม", "ยน")) else full.removesuffix("พันธ์")] = number
    return lookup


_MONTH_LOOKUP: Final = _month_lookup()

_WEEKDAY_LOOKUP: Final[dict[str, int]] = {
    name.removeprefix("วัน"): i for i, name in enumerate(WEEKDAYS)
}
_WEEKDAY_LOOKUP["พฤหัส"] = 3

# Date patterns as text: re compiles them on first use (parsing a date is not on every path).
_INVISIBLE: Final = "[\u200b-\u200d\u2060\ufeff]"
_ISO: Final = r"(\d{4})-(\d{1,2})-(\d{1,2})"
#: d/m/y as offices write it: 12/12/2568, 12.12.68, 1-3-2568 (one separator, used twice)
_NUMERIC_DATE: Final = r"(\d{1,2})\s*([/.\-])\s*(\d{1,2})\s*\2\s*(\d{4}|\d{2})"
_WEEKDAY_ALT: Final = "|".join(sorted(_WEEKDAY_LOOKUP, key=len, reverse=True))
_THAI_DATE: Final = (
    r"(?:ลง\s*วัน\s*ที่\s*"  # ลงวันที่ …
    rf"|(?:วัน\s*)?(?P<weekday>{_WEEKDAY_ALT})\s*(?:ที่\s*)?"  # วันศุกร์ที่ …
    r"|วัน\s*ที่\s*|ที่\s*)?"
    r"(?P<day>\d{1,2})\s*"
    r"(?P<month>[\u0e01-\u0e4f.]+?)\s*"
    r"(?:พ\.?\s*ศ\.?\s*)?"
    r"(?P<year>\d+)"
)


def be_year(d: date) -> int:
    """The Buddhist-era year (พุทธศักราช) of ``d``: its CE year plus 543."""
    return d.year + BE_OFFSET


def format_date(d: date, style: str = "full", thai_digits: bool = True) -> str:
    """Format ``d`` the way Thai official letters write dates.

    Styles (shown for 28 April 2023):

    * ``"full"``: "๒๘ เมษายน ๒๕๖๖", the date line of a letter;
    * ``"abbr"``: "๒๘ เม.ย. ๖๖", abbreviated month and 2-digit BE year;
    * ``"weekday"``: "วันศุกร์ที่ ๒๘ เมษายน พ.ศ. ๒๕๖๖";
    * ``"full_be"``: "๒๘ เมษายน พ.ศ. ๒๕๖๖", as in orders ("สั่ง ณ วันที่ …").

    The day is never zero-padded. With ``thai_digits=False`` the digits stay ASCII.
    Raises :class:`ValueError` for an unknown style.
    """
    month = d.month - 1
    year = d.year + BE_OFFSET
    if style == "full":
        text = f"{d.day} {FULL_MONTHS[month]} {year}"
    elif style == "abbr":
        text = f"{d.day} {ABBR_MONTHS[month]} {year % 100:02d}"
    elif style == "weekday":
        text = f"{WEEKDAYS[d.weekday()]}ที่ {d.day} {FULL_MONTHS[month]} พ.ศ. {year}"
    elif style == "full_be":
        text = f"{d.day} {FULL_MONTHS[month]} พ.ศ. {year}"
    else:
        raise ValueError(f"unknown date style {style!r}; expected one of {', '.join(DATE_STYLES)}")
    return text.translate(_TO_THAI) if thai_digits else text


def format_time(t: time, thai_digits: bool = True) -> str:
    """Format ``t`` as official letters write times: "๑๖.๓๐ นาฬิกา", "๐๙.๐๐ นาฬิกา".

    Hour and minute are two digits each, separated by a dot; seconds are dropped.
    """
    text = f"{t.hour:02d}.{t.minute:02d} นาฬิกา"
    return text.translate(_TO_THAI) if thai_digits else text


def _normalise(text: str) -> str:
    return re.sub(_INVISIBLE, "", text).strip().translate(_TO_ARABIC)


def _ce_from_4_digits(year: int) -> int:
    return year - BE_OFFSET if year >= _BE_THRESHOLD else year


def _make_date(year: int, month: int, day: int, text: str) -> date:
    try:
        return date(year, month, day)
    except ValueError:
        if not 1 <= year <= 9999:
            raise ValueError(
                _("invalid date {text!r}: year out of range").format(text=text)
            ) from None
        raise ValueError(
            _(
                "invalid date {text!r}: {thai_month} {be_year} ({month} {year}) has no day {day}"
            ).format(
                text=text,
                thai_month=FULL_MONTHS[month - 1],
                be_year=year + BE_OFFSET,
                month=_month_name_en(month),
                year=year,
                day=day,
            )
        ) from None


def _month_name_en(month: int) -> str:
    return date(2000, month, 1).strftime("%B")


#: A 2-digit year is read within this window around the current BE year: from 80 years
#: before it to 19 years after it.
TWO_DIGIT_YEARS_BACK: Final = 80
TWO_DIGIT_YEARS_AHEAD: Final = 19


def two_digit_year(yy: int, today: date | None = None) -> int:
    """The BE year that a 2-digit year ``yy`` (๖๘) means: the one ending in ``yy`` from
    :data:`TWO_DIGIT_YEARS_BACK` years before the current BE year to
    :data:`TWO_DIGIT_YEARS_AHEAD` years after it."""
    current = (today or date.today()).year + BE_OFFSET
    year = current - current % 100 + yy
    if year > current + TWO_DIGIT_YEARS_AHEAD:
        year -= 100
    elif year < current - TWO_DIGIT_YEARS_BACK:
        year += 100
    return year


def _numeric_date(day_text: str, sep: str, month_text: str, year_text: str, text: str) -> date:
    """d/m/y with a BE year (2568) or a 2-digit one (68): what stays ambiguous is refused,
    saying why (a year that looks CE, a month/day order)."""
    day, month = int(day_text), int(month_text)
    if month > 12:
        if 1 <= day <= 12:
            raise ValueError(
                _(
                    "invalid date {text!r}: {month} cannot be a month; dates are written "
                    "day/month/year: did you mean {swapped}?"
                ).format(
                    text=text, month=month, swapped=f"{month_text}{sep}{day_text}{sep}{year_text}"
                )
            )
        raise ValueError(
            _("invalid date {text!r}: month {month} does not exist").format(text=text, month=month)
        )
    if month < 1:
        raise ValueError(
            _("invalid date {text!r}: month {month} does not exist").format(text=text, month=month)
        )
    if len(year_text) == 2:
        year = two_digit_year(int(year_text)) - BE_OFFSET
    else:
        year = int(year_text)
        if year < _BE_THRESHOLD:
            be = year + BE_OFFSET
            raise ValueError(
                _(
                    "invalid date {text!r}: {year} looks like a Christian-era (ค.ศ.) year, and "
                    "day/month/year dates take the Buddhist-era year: write {be_date} "
                    "(พ.ศ. {be}), or the ISO date {iso}"
                ).format(
                    text=text,
                    year=year,
                    be_date=f"{day_text}{sep}{month_text}{sep}{be}",
                    be=be,
                    iso=f"{year:04d}-{month:02d}-{day:02d}",
                )
            )
        year -= BE_OFFSET
    return _make_date(year, month, day, text)


def parse_date(text: str) -> date:
    """Parse a date as clerks type it: ISO ("2025-03-25") or Thai ("๒๕ มีนาคม ๒๕๖๘").

    Thai dates accept:

    * Thai or ASCII digits; flexible whitespace (none at all is fine too);
    * full month names (มีนาคม), abbreviations with or without their dots (มี.ค., มีค) and the
      short spoken forms (มีนา);
    * an optional leading "ลงวันที่", "วันที่" or "ที่", or a weekday ("วันอังคารที่ …", "อังคาร …"),
      which must then be the date's real weekday;
    * an optional "พ.ศ." before the year;
    * a 4-digit year: BE when it is 2400 or more, CE below (so "๒๕ มีนาคม 2025" is 2025-03-25);
    * a 2-digit year, as in the abbreviated style: the BE year ending in those digits that
      lies from 80 years before this BE year to 19 years after it (in BE 2569: "๖๘" is
      BE 2568, CE 2025; "๙๙" is BE 2499, never BE 2599; "๘๘" is BE 2588, "๘๙" BE 2489).

    ISO dates are CE, except that a year of 2400 or more is read as BE ("2568-03-25").

    Day/month/year as offices write it: "12/12/2568", "๑๒/๑๒/๒๕๖๘", "12/12/68", "12.12.2568",
    "12-12-2568" (one separator, the same twice). The year is BE: four digits from 2400, or two
    (the window above). A 4-digit year below 2400 looks CE and is refused, naming the BE year
    ("12/12/2025": write 12/12/2568); so is a month over 12 where the day could be the month
    ("12/13/2568" is month/day order: did you mean 13/12/2568?).

    Raises :class:`ValueError` (in English, quoting the Thai input) for text that is not a date,
    an unknown month name, a day the month does not have (๒๙ กุมภาพันธ์ ๒๕๖๖), or a weekday that
    contradicts the date.
    """
    if not isinstance(text, str):
        raise TypeError(f"parse_date expects a str, not {type(text).__name__}")
    norm = _normalise(text)
    iso = re.fullmatch(_ISO, norm)
    if iso is not None:
        year, month, day = (int(g) for g in iso.groups())
        if not 1 <= month <= 12:
            raise ValueError(
                _("invalid date {text!r}: month {month} does not exist").format(
                    text=text, month=month
                )
            )
        return _make_date(_ce_from_4_digits(year), month, day, text)

    numeric = re.fullmatch(_NUMERIC_DATE, norm)
    if numeric is not None:
        day_text, sep, month_text, year_text = numeric.groups()
        return _numeric_date(day_text, sep, month_text, year_text, text)

    m = re.fullmatch(_THAI_DATE, norm)
    if m is None:
        raise ValueError(
            _(
                "not a date: {text!r}; write it as day, Thai month and year "
                "(๒๕ มีนาคม ๒๕๖๘, ๒๕ มี.ค. ๖๘), as day/month/BE year (25/3/2568) or as ISO 2025-03-25"
            ).format(text=text)
        )
    month_name = m["month"]
    month_number = _MONTH_LOOKUP.get(month_name.replace(".", ""))
    if month_number is None:
        raise ValueError(
            _(
                "unknown month name {month_name!r} in {text!r}; expected a full name (มกราคม … ธันวาคม) or an abbreviation (ม.ค. … ธ.ค.)"
            ).format(month_name=month_name, text=text)
        )
    year_text = m["year"]
    if len(year_text) == 2:
        year = two_digit_year(int(year_text)) - BE_OFFSET
    elif len(year_text) == 4:
        year = _ce_from_4_digits(int(year_text))
    else:
        raise ValueError(
            _(
                "invalid year {year_text!r} in {text!r}; write a 4-digit BE year (๒๕๖๘) or a 2-digit one (๖๘)"
            ).format(year_text=year_text, text=text)
        )
    result = _make_date(year, month_number, int(m["day"]), text)
    weekday_name = m["weekday"]
    if weekday_name is not None:
        stated = _WEEKDAY_LOOKUP[weekday_name]
        actual = result.weekday()
        if stated != actual:
            raise ValueError(
                _(
                    "weekday mismatch in {text!r}: {result} is a {actual_en} ({actual}), not a {stated_en} ({stated})"
                ).format(
                    text=text,
                    result=format_date(result),
                    actual_en=_WEEKDAYS_EN[actual],
                    actual=WEEKDAYS[actual],
                    stated_en=_WEEKDAYS_EN[stated],
                    stated=WEEKDAYS[stated],
                )
            )
    return result


_YEAR: Final = r"(?:(?P<era>พ|ค)\.?\s*ศ\.?\s*)?(?P<year>\d{4})"  # compiled on first use


def parse_year(text: str | int) -> int:
    """Return the CE year of a year given in BE (2568, "๒๕๖๘") or CE (2025).

    A year of 2400 or more is BE, a smaller one CE. A string may say its era explicitly:
    "พ.ศ. ๒๕๖๘" (BE) or "ค.ศ. 2025" (CE). Years must have 4 digits; anything else raises
    :class:`ValueError`.
    """
    if isinstance(text, bool):
        raise TypeError("parse_year expects a str or an int, not a bool")
    if isinstance(text, int):
        if not 1000 <= text <= 9999:
            raise ValueError(
                _("invalid year {text}: expected a 4-digit BE or CE year").format(text=text)
            )
        return _ce_from_4_digits(text)
    if not isinstance(text, str):
        raise TypeError(f"parse_year expects a str or an int, not {type(text).__name__}")
    m = re.fullmatch(_YEAR, _normalise(text))
    if m is None:
        raise ValueError(
            _("invalid year {text!r}: expected a 4-digit BE (๒๕๖๘) or CE (2025) year").format(
                text=text
            )
        )
    year = int(m["year"])
    era = m["era"]
    if era == "พ":
        if year - BE_OFFSET < 1:
            raise ValueError(_("invalid year {text!r}: BE year out of range").format(text=text))
        return year - BE_OFFSET
    if era == "ค":
        return year
    return _ce_from_4_digits(year)


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------

_CENT: Final = Decimal("0.01")
_WORD_DIGITS: Final = ("", "หนึ่ง", "สอง", "สาม", "สี่", "ห้า", "หก", "เจ็ด", "แปด", "เก้า")
_WORD_PLACES: Final = ("", "สิบ", "ร้อย", "พัน", "หมื่น", "แสน")


def _to_decimal(amount: Decimal | int | str) -> Decimal:
    if isinstance(amount, bool | float):
        raise TypeError(
            f"amounts must be Decimal, int or str, not {type(amount).__name__} "
            "(a float cannot hold satang exactly)"
        )
    if isinstance(amount, Decimal):
        value = amount
    elif isinstance(amount, int):
        value = Decimal(amount)
    elif isinstance(amount, str):
        cleaned = _normalise(amount).replace(",", "").replace(" ", "")
        try:
            value = Decimal(cleaned)
        except InvalidOperation:
            raise ValueError(
                _("not an amount of money: {amount!r}").format(amount=amount)
            ) from None
    else:
        raise TypeError(f"amounts must be Decimal, int or str, not {type(amount).__name__}")
    if not value.is_finite():
        raise ValueError(_("not an amount of money: {amount!r}").format(amount=amount))
    return value


def _quantize(value: Decimal) -> Decimal:
    """``value`` rounded to satang, half up, with enough precision for any size."""
    digits = max(value.adjusted() + 4, 28)
    return value.quantize(_CENT, rounding=ROUND_HALF_UP, context=Context(prec=digits))


def _group_words(n: int, ed: bool) -> str:
    """Thai words for 0 < n < 1,000,000; ``ed``: a final 1 reads เอ็ด (ร้อยเอ็ด, สิบเอ็ด)."""
    digits = str(n)
    size = len(digits)
    words: list[str] = []
    for index, char in enumerate(digits):
        value = ord(char) - 48
        place = size - 1 - index
        if value == 0:
            continue
        if place == 1:
            words.append(
                "สิบ" if value == 1 else ("ยี่สิบ" if value == 2 else _WORD_DIGITS[value] + "สิบ")
            )
        elif place == 0 and value == 1 and ed:
            words.append("เอ็ด")
        else:
            words.append(_WORD_DIGITS[value] + _WORD_PLACES[place])
    return "".join(words)


def _int_words(n: int) -> str:
    """Thai words for an integer n > 0 (groups of six digits joined by ล้าน)."""
    text = str(n)
    groups: list[int] = []
    while text:
        groups.append(int(text[-6:]))
        text = text[:-6]
    words: list[str] = []
    last = len(groups) - 1
    for i in range(last, -1, -1):
        group = groups[i]
        if group:
            # เอ็ด: the group has other non-zero digits, or it ends the whole number (ล้านเอ็ด).
            words.append(_group_words(group, group > 1 or (i == 0 and n > 1)))
        if i:
            words.append("ล้าน")
    return "".join(words)


def baht_text(amount: Decimal | int | str) -> str:
    """Write an amount of money in Thai words (ตัวอักษร), as in "(หนึ่งร้อยบาทถ้วน)".

    The amount is first rounded to satang (สตางค์), half up: Decimal("1.005") is
    "หนึ่งบาทหนึ่งสตางค์". Whole amounts end in "ถ้วน" ("หนึ่งร้อยบาทถ้วน"); others name the
    satang ("หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบหกสตางค์"). Amounts under one baht name only the
    satang ("ห้าสิบสตางค์", as Excel's BAHTTEXT does); zero is "ศูนย์บาทถ้วน". Strings may use
    Thai digits and thousands separators ("๑,๒๓๔.๕๖").

    Negative amounts raise :class:`ValueError`: a letter never states a negative sum, so one is a
    data error. Floats raise :class:`TypeError` (they cannot hold satang exactly).
    """
    value = _quantize(_to_decimal(amount))
    if value < 0:
        raise ValueError(_("negative amount of money: {amount!r}").format(amount=amount))
    cents = int("".join(map(str, value.as_tuple().digits)))  # exponent -2 after _quantize
    baht, satang = divmod(cents, 100)
    if baht == 0 and satang == 0:
        return "ศูนย์บาทถ้วน"
    baht_words = f"{_int_words(baht)}บาท" if baht else ""
    if satang == 0:
        return f"{baht_words}ถ้วน"
    return f"{baht_words}{_int_words(satang)}สตางค์"


def format_money(amount: Decimal | int | str, thai_digits: bool = True) -> str:
    """Write an amount of money in figures: "๑,๒๓๔.๕๖" (rounded to satang, half up).

    Thousands are separated by commas and there are always two decimals. A negative amount keeps
    its minus sign ("-๑๐.๐๐"); with ``thai_digits=False`` the digits stay ASCII.
    """
    value = _quantize(_to_decimal(amount))
    if value == 0:
        value = abs(value)  # no "-0.00"
    text = f"{value:,.2f}"
    return text.translate(_TO_THAI) if thai_digits else text


ITEM_NUMBER = re.compile(
    r"(?P<number>[0-9๐-๙]{1,3}\.(?:[0-9๐-๙]{1,3}\.?)*|\([0-9๐-๙]{1,3}\))[ \t\u00a0]+(?=\S)"
)
"""An item number at the start of a line, then a space: ๑. / ๑.๑ / ๑.๑.๑ / (๑), Thai or Arabic
digits (the digit policy prints them Thai where the office does). A number of more than three
digits ("2568 ...") is not an item."""
