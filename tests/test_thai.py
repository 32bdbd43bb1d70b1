"""Tests of engine.thai: digits, digit policy, BE dates, years and baht text.

pythainlp serves as an oracle for date formatting (thai_strftime) and baht text (bahttext).
"""

from __future__ import annotations

import random
import re
from datetime import date, datetime, time, timedelta
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pythainlp.util import bahttext, thai_strftime

from engine.thai import (
    ABBR_MONTHS,
    FULL_MONTHS,
    THAI_DIGITS,
    WEEKDAYS,
    apply_digit_policy,
    baht_text,
    be_year,
    format_date,
    format_money,
    format_time,
    parse_date,
    parse_year,
    to_arabic_digits,
    to_thai_digits,
    two_digit_year,
)

# Every day from BE 2500-01-01 to BE 2600-12-31.
FIRST = date(2500 - 543, 1, 1)
LAST = date(2600 - 543, 12, 31)
ALL_DAYS = [FIRST + timedelta(days=i) for i in range((LAST - FIRST).days + 1)]


# --------------------------------------------------------------------------------------------
# Digits
# --------------------------------------------------------------------------------------------


def test_digit_tables() -> None:
    assert THAI_DIGITS == "๐๑๒๓๔๕๖๗๘๙"
    assert to_thai_digits("0123456789") == THAI_DIGITS
    assert to_arabic_digits(THAI_DIGITS) == "0123456789"
    assert to_thai_digits("ที่ 12/ว 3 (A4)") == "ที่ ๑๒/ว ๓ (A๔)"
    assert to_arabic_digits("ที่ ๑๒/ว ๓ abc") == "ที่ 12/ว 3 abc"


@given(st.text())
def test_digit_conversions_round_trip(text: str) -> None:
    thai = to_thai_digits(text)
    assert not re.search("[0-9]", thai)
    assert to_arabic_digits(thai) == to_arabic_digits(text)
    assert to_thai_digits(to_arabic_digits(thai)) == thai


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Two-Factor Authentication (2FA)", "Two-Factor Authentication (2FA)"),
        (
            "(Two-Factor Authentication (2FA) : SMS OTP)",
            "(Two-Factor Authentication (2FA) : SMS OTP)",
        ),
        ("www.koratdla.go.th", "www.koratdla.go.th"),
        ("corporate.contactcenter@krungthai.com", "corporate.contactcenter@krungthai.com"),
        ("https://example.go.th/a/2568/x.pdf", "https://example.go.th/a/2568/x.pdf"),
        ("user1@dla.go.th", "user1@dla.go.th"),
        ("02-111-9999", "๐๒-๑๑๑-๙๙๙๙"),
        ("ข้อ 1.1", "ข้อ ๑.๑"),
        ("มท 0808.4/ว 2688", "มท ๐๘๐๘.๔/ว ๒๖๘๘"),
        ("GMIS123456", "GMIS123456"),
        ("16.30 นาฬิกา", "๑๖.๓๐ นาฬิกา"),
        ("1,000.50 บาท", "๑,๐๐๐.๕๐ บาท"),
        ("ปี2568", "ปี๒๕๖๘"),
        ("ระบบ2FA", "ระบบ2FA"),
        ("ใช้งาน 2FA อีกครั้ง", "ใช้งาน 2FA อีกครั้ง"),
        ("2FAปี2568", "2FAปี๒๕๖๘"),
        ("ชั้น(2FA)ข้อ1", "ชั้น(2FA)ข้อ๑"),
        ("(1) กรณี", "(๑) กรณี"),
        ("โทร. 02-241-9000 ต่อ 1607 - 1609", "โทร. ๐๒-๒๔๑-๙๐๐๐ ต่อ ๑๖๐๗ - ๑๖๐๙"),
        ("อีเมล saraban@example.go.th.", "อีเมล saraban@example.go.th."),
        ("อีเมล:user1@dla.go.th", "อีเมล:user1@dla.go.th"),
        ("ดูที่https://ตัวอย่าง.ไทย/ปี2568/1.pdf", "ดูที่https://ตัวอย่าง.ไทย/ปี2568/1.pdf"),
        ("ติดต่อ 1234@ตัวอย่าง.ไทย", "ติดต่อ 1234@ตัวอย่าง.ไทย"),
        ("e-LAAS 2568", "e-LAAS ๒๕๖๘"),
        ("ความยาว 8 ตัวอักษร\nทุก 6 เดือน", "ความยาว ๘ ตัวอักษร\nทุก ๖ เดือน"),
        ("Café2", "Café2"),
        ("", ""),
        ("ไม่มีตัวเลข", "ไม่มีตัวเลข"),
        ("เลขไทย ๑๒ อยู่แล้ว", "เลขไทย ๑๒ อยู่แล้ว"),
    ],
)
def test_digit_policy_examples(text: str, expected: str) -> None:
    assert apply_digit_policy(text) == expected


# Lines of the two reference letters, verbatim: official letters follow the policy exactly.
REFERENCE_LINES = """\
ที่ นม ๐๐๒๓.๒๖/ว ๕๙๘
ถนนสีปศิริ นม ๓๐๑๕๐
- อ้างอิง ๑. หนังสืออำเภอปักธงชัย ด่วนที่สุด ที่ นม ๐๐๒๓.๒๖/ว ๑๓๘๙ ลงวันที่ ๒๙ พฤศจิกายน ๒๕๖๕
๒. ดำเนินการตอบแบบสำรวจความพร้อมและสมัครใช้บริการระบบรักษาความปลอดภัยแบบสองชั้น (Two-Factor Authentication (2FA) : SMS OTP) แบบอัตโนมัติ ดังนี้
๒.๓ เมื่อยืนยันข้อมูลในระบบแล้วจะไม่สามารถยกเลิกได้ โดยขอให้ดำเนินการให้แล้วเสร็จภายในวันที่ ๒๖ พฤษภาคม ๒๕๖๖ เวลา ๑๖.๓๐ นาฬิกา (ปิดระบบ) หากพ้นกำหนดระยะเวลาที่กำหนดให้องค์กรปกครองส่วนท้องถิ่นสมัครใช้บริการระบบรักษาความปลอดภัยแบบสองชั้น (Two-Factor Authentication (2FA)) ที่สาขานาการ โดยสามารถติดต่อสอบถามการให้บริการระบบ KTB Corporate Online โทรศัพท์หมายเลข ๐๒-๑๑๑-๙๙๙๙ หรืออีเมล corporate.contactcenter@krungthai.com
๒.๔ ภายหลังจากการปิดระบบแบบสำรวจความพร้อมและสมัครใช้บริการระบบรักษาความปลอดภัยแบบสองชั้น (Two-Factor Authentication (2FA) : SMS OTP) แบบอัตโนมัติ ธนาคารกรุงเทพจะประมวลผลและแจ้งให้องค์กรปกครองส่วนท้องถิ่นทราบกำหนดวันเริ่มใช้งานระบบ 2FA อีกครั้ง
๒.๕ แจ้งบุคลากรที่ปฏิบัติหน้าที่อนุมัติจ่ายเงิน (Company User Authorizer) ศึกษาคู่มือ การอนุมัติรายการเมื่อเปิดใช้งาน 2FA รายละเอียดปรากฏตามสิ่งที่ส่งมาด้วย โดยสามารถสืบค้นข้อมูลได้ที่เว็บไซต์สำนักงานส่งเสริมการปกครองท้องถิ่นจังหวัดนครราชสีมา www.koratdla.go.th
โทร. / โทรสาร ๐ - ๔๔๔๔ - ๑๖๔๒
ถนนนครราชสีมา เขตดุสิต กทม. ๑๐๓๐๐
อ้างถึง หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท ๐๘๐๘.๔/ว ๒๖๘๘ ลงวันที่ ๑๐ กรกฎาคม ๒๕๖๒
๓.๔.๑ กำหนดรหัสผ่าน ประกอบด้วยตัวอักษรตัวพิมพ์ใหญ่ ตัวพิมพ์เล็ก ตัวเลข และอักขระพิเศษ ผสมกันโดยมีความยาว ๘ ตัวอักษรขึ้นไป
"""


def test_digit_policy_reproduces_reference_letters() -> None:
    typed = to_arabic_digits(REFERENCE_LINES)  # as a clerk would type it
    assert typed != REFERENCE_LINES
    assert apply_digit_policy(typed) == REFERENCE_LINES


_POLICY_ALPHABET = st.sampled_from(
    list("0123456789") * 3
    + list("aZé")
    + list("กขปีวัน")
    + list("๑๒")
    + list(".,:/@-()_")
    + [" ", "\n", "\t", "www.", "http://", "@x.com", ".ไทย"]
)
policy_text = st.lists(_POLICY_ALPHABET, max_size=40).map("".join) | st.text(max_size=40)


@settings(max_examples=400)
@given(policy_text)
def test_digit_policy_is_idempotent(text: str) -> None:
    once = apply_digit_policy(text)
    assert apply_digit_policy(once) == once


@settings(max_examples=400)
@given(policy_text)
def test_digit_policy_changes_only_ascii_digits(text: str) -> None:
    result = apply_digit_policy(text)
    assert len(result) == len(text)
    for before, after in zip(text, result, strict=True):
        assert after == before or ("0" <= before <= "9" and after == THAI_DIGITS[int(before)])


@settings(max_examples=400)
@given(policy_text)
def test_digit_policy_converts_plain_tokens(text: str) -> None:
    # Tokens without Latin letters, e-mail or URL markers keep no ASCII digit.
    for token in apply_digit_policy(text).split():
        if not re.search(r"[A-Za-z\u00c0-\u024f@]|://", token):
            assert not re.search("[0-9]", token), token


# --------------------------------------------------------------------------------------------
# Formatting dates and times
# --------------------------------------------------------------------------------------------


def test_format_date_styles() -> None:
    d = date(2023, 4, 28)
    assert be_year(d) == 2566
    assert format_date(d) == "๒๘ เมษายน ๒๕๖๖"
    assert format_date(d, "full") == "๒๘ เมษายน ๒๕๖๖"
    assert format_date(d, "abbr") == "๒๘ เม.ย. ๖๖"
    assert format_date(d, "weekday") == "วันศุกร์ที่ ๒๘ เมษายน พ.ศ. ๒๕๖๖"
    assert format_date(d, "full_be") == "๒๘ เมษายน พ.ศ. ๒๕๖๖"
    assert format_date(d, "full", thai_digits=False) == "28 เมษายน 2566"
    assert format_date(date(2025, 3, 5), "abbr", thai_digits=False) == "5 มี.ค. 68"
    assert format_date(date(1957, 1, 9), "abbr") == "๙ ม.ค. ๐๐"  # BE 2500: no day padding
    with pytest.raises(ValueError, match="unknown date style"):
        format_date(d, "long")


def test_month_and_weekday_tables() -> None:
    assert ABBR_MONTHS == (
        "ม.ค.", "ก.พ.", "มี.ค.", "เม.ย.", "พ.ค.", "มิ.ย.",
        "ก.ค.", "ส.ค.", "ก.ย.", "ต.ค.", "พ.ย.", "ธ.ค.",
    )  # fmt: skip
    assert FULL_MONTHS[3] == "เมษายน" and FULL_MONTHS[11] == "ธันวาคม"
    sample = datetime(2024, 1, 1)  # a Monday
    oracle = [thai_strftime(sample + timedelta(days=i), "%A") for i in range(7)]
    assert list(WEEKDAYS) == oracle


def test_format_date_matches_pythainlp_full_years() -> None:
    # BE 2500, 2543 (CE 2000, a leap year divisible by 400), 2566, 2567 (leap), 2600
    years = {1957, 2000, 2023, 2024, 2057}
    days = [d for d in ALL_DAYS if d.year in years]
    assert len(days) == 365 * 3 + 366 * 2
    for d in days:
        dt = datetime(d.year, d.month, d.day)
        assert format_date(d, "full") == thai_strftime(dt, "%-d %B %Y", thaidigit=True)
        assert format_date(d, "abbr") == thai_strftime(dt, "%-d %b %y", thaidigit=True)
        assert format_date(d, "weekday") == thai_strftime(dt, "%Aที่ %-d %B พ.ศ. %Y", thaidigit=True)


def test_format_date_matches_pythainlp_random_sample() -> None:
    rng = random.Random(2568)
    for d in rng.sample(ALL_DAYS, 3000):
        dt = datetime(d.year, d.month, d.day)
        assert format_date(d, "full") == thai_strftime(dt, "%-d %B %Y", thaidigit=True)
        assert format_date(d, "weekday").startswith(thai_strftime(dt, "%Aที่"))


def test_format_time() -> None:
    assert format_time(time(16, 30)) == "๑๖.๓๐ นาฬิกา"
    assert format_time(time(9, 0)) == "๐๙.๐๐ นาฬิกา"
    assert format_time(time(0, 5, 59)) == "๐๐.๐๕ นาฬิกา"
    assert format_time(time(9, 0), thai_digits=False) == "09.00 นาฬิกา"


# --------------------------------------------------------------------------------------------
# Parsing dates and years
# --------------------------------------------------------------------------------------------


@pytest.mark.parametrize("style", ["full", "weekday", "full_be"])
def test_round_trip_every_day_be_2500_to_2600(style: str) -> None:
    texts = [format_date(d, style) for d in ALL_DAYS]
    assert [parse_date(t) for t in texts] == ALL_DAYS


def _in_two_digit_window(d: date) -> bool:
    return two_digit_year(be_year(d) % 100) == be_year(d)


def test_round_trip_abbr_every_day_in_the_two_digit_window() -> None:
    # a 2-digit year means a year from 80 years back to 19 ahead (BE 2489-2588 in BE 2569)
    days = [d for d in ALL_DAYS if _in_two_digit_window(d)]
    assert len(days) > 80 * 365
    assert [parse_date(format_date(d, "abbr")) for d in days] == days


@pytest.mark.parametrize(
    ("yy", "today", "expected"),
    [
        (68, date(2026, 12, 2), 2568),
        (99, date(2026, 12, 2), 2499),  # never BE 2599: 30 years ahead
        (88, date(2026, 12, 2), 2588),  # 19 years ahead: the last year ahead
        (89, date(2026, 12, 2), 2489),  # 80 years back: the first year back
        (0, date(2026, 12, 2), 2500),
        (5, date(2090, 1, 1), 2605),  # in BE 2633 a 2-digit year is still nearby
        (50, date(2090, 1, 1), 2650),
        (60, date(2090, 1, 1), 2560),
    ],
)
def test_two_digit_year_window(yy: int, today: date, expected: int) -> None:
    assert two_digit_year(yy, today) == expected


def test_two_digit_99_is_not_be_2599() -> None:
    assert parse_date("25 มี.ค. 99").year + 543 != 2599


def test_round_trip_ascii_digits() -> None:
    rng = random.Random(1)
    for d in rng.sample(ALL_DAYS, 500):
        styles = ("full", "abbr", "weekday", "full_be") if be_year(d) < 2600 else ("full",)
        if not _in_two_digit_window(d):
            styles = tuple(s for s in styles if s != "abbr")
        for style in styles:
            assert parse_date(format_date(d, style, thai_digits=False)) == d


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-03-25", date(2025, 3, 25)),
        (" 2025-03-25 ", date(2025, 3, 25)),
        ("2568-03-25", date(2025, 3, 25)),  # a BE year in ISO form
        ("๒๕ มีนาคม ๒๕๖๘", date(2025, 3, 25)),
        ("25 มีนาคม 2568", date(2025, 3, 25)),
        ("๒๕ มี.ค. ๖๘", date(2025, 3, 25)),
        ("๒๕ มีค ๖๘", date(2025, 3, 25)),
        ("๒๕ มี.ค. ๒๕๖๘", date(2025, 3, 25)),
        ("๒๘ เม.ย. ๖๖", date(2023, 4, 28)),
        ("๒๘ เมย ๖๖", date(2023, 4, 28)),
        ("๒๘ เมษา ๒๕๖๖", date(2023, 4, 28)),
        ("วันศุกร์ที่ ๒๘ เมษายน พ.ศ. ๒๕๖๖", date(2023, 4, 28)),
        ("วันศุกร์ ๒๘ เมษายน ๒๕๖๖", date(2023, 4, 28)),
        ("ศุกร์ที่ 28 เมษายน 2566", date(2023, 4, 28)),
        ("๒๘ เมษายน พ.ศ. ๒๕๖๖", date(2023, 4, 28)),
        ("๒๘ เมษายน พ.ศ.๒๕๖๖", date(2023, 4, 28)),
        ("๒๘ เมษายน พศ ๒๕๖๖", date(2023, 4, 28)),
        ("๒๘เมษายน๒๕๖๖", date(2023, 4, 28)),
        ("  ๒๘   เมษายน \t ๒๕๖๖ ", date(2023, 4, 28)),
        ("๒๘\u00a0เมษายน\u00a0๒๕๖๖", date(2023, 4, 28)),
        ("ที่ ๒๘ เมษายน ๒๕๖๖", date(2023, 4, 28)),
        ("วันที่ ๒๘ เมษายน ๒๕๖๖", date(2023, 4, 28)),
        ("ลงวันที่ ๒๙ พฤศจิกายน ๒๕๖๕", date(2022, 11, 29)),
        ("ลงวันที่ ๑๓ ธ.ค. ๖๕", date(2022, 12, 13)),
        ("๑๐ ตุลาคม ๒๕๖๗", date(2024, 10, 10)),  # months 10-12: pythainlp's strptime gets them wrong
        ("๑ พ.ย. ๖๗", date(2024, 11, 1)),
        ("๓๑ ธันวาคม ๒๕๖๗", date(2024, 12, 31)),
        ("๑ พ.ค.พ.ศ.๒๕๖๖", date(2023, 5, 1)),
        ("๐๙ มกราคม ๒๕๐๐", date(1957, 1, 9)),
        ("วันพฤหัสที่ ๒๗ เมษายน ๒๕๖๖", date(2023, 4, 27)),
        ("๒๕ มีนาคม 2025", date(2025, 3, 25)),  # a CE year typed by a clerk
        ("๒๙ กุมภาพันธ์ ๒๕๖๗", date(2024, 2, 29)),  # BE 2567 = CE 2024, a leap year
        ("๒๙ ก.พ. ๖๗", date(2024, 2, 29)),
    ],
)
def test_parse_date_accepts(text: str, expected: date) -> None:
    assert parse_date(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("๒๙ กุมภาพันธ์ ๒๕๖๖", "has no day 29"),  # BE 2566 = CE 2023, not leap
        ("29 ก.พ. 66", "has no day 29"),
        ("๒๙ กุมภาพันธ์ ๒๕๔๔", "has no day 29"),
        ("๓๑ เมษายน ๒๕๖๖", "has no day 31"),
        ("๓๒ มกราคม ๒๕๖๖", "has no day 32"),
        ("๐ มกราคม ๒๕๖๖", "has no day 0"),
        ("2025-13-01", "month 13"),
        ("2025-00-10", "month 0"),
        ("2023-02-29", "has no day 29"),
        ("๒๘ เม.ษ. ๒๕๖๖", "unknown month name"),
        ("๒๘ April ๒๕๖๖", "not a date"),
        ("๒๘ เมษายน ๒๕๖", "invalid year"),
        ("๒๘ เมษายน", "not a date"),
        ("hello", "not a date"),
        ("", "not a date"),
        ("25/03/2025", r"2025 looks like a Christian-era .* write 25/03/2568 \(พ\.ศ\. 2568\)"),
        ("03/25/2568", "25 cannot be a month; .* did you mean 25/03/2568"),
        ("13/13/2568", "month 13 does not exist"),
        ("31/04/2568", "has no day 31"),
        ("25/03-2568", "not a date"),  # two separators
        ("25/3/256", "not a date"),  # a 3-digit year
        ("๒๘ เมษายน ๒๕๖๖ extra", "not a date"),
    ],
)
def test_parse_date_rejects(text: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_date(text)


@pytest.mark.parametrize(
    "text",
    [
        "12/12/2568",
        "๑๒/๑๒/๒๕๖๘",
        "12/12/68",
        "๑๒/๑๒/๖๘",
        "12.12.2568",
        "12-12-2568",
        " 12 / 12 / 2568 ",
    ],
)
def test_parse_date_day_month_be_year(text: str) -> None:
    """Day/month/year as offices write it, with Arabic or Thai digits: the year is BE."""
    assert parse_date(text) == date(2025, 12, 12)


def test_parse_date_day_month_two_digit_year_window() -> None:
    """A 2-digit year in d/m/yy follows the same window as "๒๘ เม.ย. ๖๖"."""
    assert parse_date("1/3/68").year == two_digit_year(68) - 543
    assert parse_date("1/3/99") == date(two_digit_year(99) - 543, 3, 1)


def test_parse_date_rejects_contradicting_weekday() -> None:
    with pytest.raises(ValueError, match=r"is a Friday \(วันศุกร์\), not a Monday"):
        parse_date("วันจันทร์ที่ ๒๘ เมษายน ๒๕๖๖")
    with pytest.raises(ValueError, match="weekday mismatch"):
        parse_date("เสาร์ 28 เม.ย. 66")


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (2568, 2025),
        ("2568", 2025),
        ("๒๕๖๘", 2025),
        (" ๒๕๖๘ ", 2025),
        ("พ.ศ. ๒๕๖๘", 2025),
        ("พ.ศ.2568", 2025),
        (2025, 2025),
        ("2025", 2025),
        ("ค.ศ. 2025", 2025),
        (2400, 1857),
        (2399, 2399),
    ],
)
def test_parse_year(value: str | int, expected: int) -> None:
    assert parse_year(value) == expected


@pytest.mark.parametrize("value", ["68", "25680", "ปี", "", 68, 12345, "2568.0"])
def test_parse_year_rejects(value: str | int) -> None:
    with pytest.raises(ValueError, match="invalid year"):
        parse_year(value)


def test_parse_year_rejects_bool() -> None:
    with pytest.raises(TypeError):
        parse_year(True)


# --------------------------------------------------------------------------------------------
# Money
# --------------------------------------------------------------------------------------------


def test_baht_text_examples() -> None:
    assert baht_text(100) == "หนึ่งร้อยบาทถ้วน"
    assert baht_text(Decimal("1234.56")) == "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบหกสตางค์"
    assert baht_text("๑,๒๓๔.๕๖") == "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบหกสตางค์"
    assert baht_text(0) == "ศูนย์บาทถ้วน"
    assert baht_text("0.00") == "ศูนย์บาทถ้วน"
    assert baht_text(21) == "ยี่สิบเอ็ดบาทถ้วน"
    assert baht_text(101) == "หนึ่งร้อยเอ็ดบาทถ้วน"
    assert baht_text(1_000_001) == "หนึ่งล้านเอ็ดบาทถ้วน"
    assert baht_text(11_000_000) == "สิบเอ็ดล้านบาทถ้วน"
    assert baht_text(10**12) == "หนึ่งล้านล้านบาทถ้วน"


def test_baht_text_under_one_baht_names_only_satang() -> None:
    # Like Excel's BAHTTEXT; pythainlp writes "ศูนย์บาทห้าสิบสตางค์".
    assert baht_text("0.50") == "ห้าสิบสตางค์"
    assert baht_text(Decimal("0.01")) == "หนึ่งสตางค์"
    assert baht_text("0.21") == "ยี่สิบเอ็ดสตางค์"
    assert baht_text("0.005") == "หนึ่งสตางค์"
    assert baht_text("0.004") == "ศูนย์บาทถ้วน"


@pytest.mark.parametrize(
    ("amount", "expected"),
    [
        (Decimal("1.005"), "หนึ่งบาทหนึ่งสตางค์"),  # float(1.005) < 1.005: pythainlp says ถ้วน
        (Decimal("2.675"), "สองบาทหกสิบแปดสตางค์"),  # float(2.675) < 2.675
        ("1.004", "หนึ่งบาทถ้วน"),
        ("99.995", "หนึ่งร้อยบาทถ้วน"),
        ("0.125", "สิบสามสตางค์"),
        (Decimal("1E+2"), "หนึ่งร้อยบาทถ้วน"),
        (Decimal("-0.001"), "ศูนย์บาทถ้วน"),
    ],
)
def test_baht_text_rounds_half_up(amount: Decimal | str, expected: str) -> None:
    assert baht_text(amount) == expected


def test_baht_text_matches_pythainlp_integers() -> None:
    for n in range(2001):
        assert baht_text(n) == bahttext(n), n
    rng = random.Random(7)
    for n in [rng.randrange(10**k) for k in range(4, 16) for _ in range(200)]:
        assert baht_text(n) == bahttext(n), n


def test_baht_text_matches_pythainlp_quarters() -> None:
    for quarters in range(4, 8001):  # 1.00 to 2000.00 by 0.25 (exact in binary)
        amount = Decimal(quarters) / 4
        assert baht_text(amount) == bahttext(float(amount)), amount


def test_baht_text_matches_pythainlp_two_decimal_amounts() -> None:
    # "%.2f" of the float nearest a 2-decimal amount below 10**10 gives back that amount exactly.
    rng = random.Random(11)
    for _ in range(5000):
        text = f"{rng.randrange(1, 10**10)}.{rng.randrange(100):02d}"
        assert baht_text(text) == bahttext(float(text)), text


def test_baht_text_rejects() -> None:
    with pytest.raises(ValueError, match="negative"):
        baht_text(-5)
    with pytest.raises(ValueError, match="negative"):
        baht_text("-0.01")
    with pytest.raises(ValueError, match="not an amount"):
        baht_text("หนึ่งร้อย")
    with pytest.raises(ValueError, match="not an amount"):
        baht_text(Decimal("NaN"))
    with pytest.raises(TypeError, match="float"):
        baht_text(1.5)  # type: ignore[arg-type]


def test_format_money() -> None:
    assert format_money(Decimal("1234.56")) == "๑,๒๓๔.๕๖"
    assert format_money(1234) == "๑,๒๓๔.๐๐"
    assert format_money("1234567.891", thai_digits=False) == "1,234,567.89"
    assert format_money(Decimal("2.675"), thai_digits=False) == "2.68"
    assert format_money("0.5") == "๐.๕๐"
    assert format_money("-0.001", thai_digits=False) == "0.00"
    assert format_money("-10", thai_digits=False) == "-10.00"
    assert format_money("๑,๐๐๐.๕") == "๑,๐๐๐.๕๐"
