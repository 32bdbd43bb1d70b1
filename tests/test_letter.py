"""The letter model: salutation rules, number text, paragraphs, data validation."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from engine.errors import UserError
from engine.letter import (
    HIGH_OFFICES,
    contact_lines,
    letter_from_data,
    number_text,
    salutation_for,
    split_paragraphs,
)
from engine.office import load_office
from engine.yamlio import parse_yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"


@pytest.fixture
def office():
    return load_office(EXAMPLES / "dla")


def test_default_salutation() -> None:
    assert salutation_for("ผู้ว่าราชการจังหวัด ทุกจังหวัด") == ("เรียน", "ขอแสดงความนับถือ")


@pytest.mark.parametrize("title", HIGH_OFFICES)
def test_fourteen_high_offices(title: str) -> None:
    assert salutation_for(title) == ("กราบเรียน", "ขอแสดงความนับถืออย่างยิ่ง")
    assert salutation_for(f"{title} (ผ่านเลขาธิการ)")[0] == "กราบเรียน"


def test_exactly_fourteen_high_offices() -> None:
    assert len(HIGH_OFFICES) == 14 == len(set(HIGH_OFFICES))


@pytest.mark.parametrize(
    "recipient",
    ["รองนายกรัฐมนตรี", "รัฐมนตรีว่าการกระทรวงมหาดไทย", "ประธานศาลฎีกาแผนกคดีอาญา", "นายกเทศมนตรี"],
)
def test_near_misses_are_not_high_offices(recipient: str) -> None:
    assert salutation_for(recipient)[0] == "เรียน"


def test_monks() -> None:
    assert salutation_for("สมเด็จพระพุทธโฆษาจารย์", "somdet") == (
        "นมัสการ",
        "ขอนมัสการด้วยความเคารพอย่างยิ่ง",
    )
    assert salutation_for("พระธรรมกิตติเมธี", "rajakhana") == ("นมัสการ", "ขอนมัสการด้วยความเคารพอย่างสูง")
    assert salutation_for("เจ้าอาวาสวัดป่า", "monk") == ("นมัสการ", "ขอนมัสการด้วยความเคารพ")
    with pytest.raises(ValueError):
        salutation_for("x", "abbot")


def test_number_text(office) -> None:
    assert number_text(office, "normal", 36) == "มท 0808.4/0036"
    assert number_text(office, "circular", 36) == "มท 0808.4/ว 0036"
    assert number_text(office, "circular", None) == "มท 0808.4/ว "
    assert number_text(office, "order", 12, 2025) == "12/2568"


def test_paragraphs_split_on_blank_lines_and_keep_line_breaks() -> None:
    text = "ตามที่ ...\nบรรทัดสอง\n\n1. ข้อหนึ่ง\n1.1 ข้อย่อย\n\n\n  2. ข้อสอง  \n"
    # a numbered item typed on its own line starts a paragraph (printed at its level's indent)
    assert split_paragraphs(text) == [
        "ตามที่ ...\nบรรทัดสอง",
        "1. ข้อหนึ่ง",
        "1.1 ข้อย่อย",
        "2. ข้อสอง",
    ]


def test_contact_lines_phone_equal_to_fax(office) -> None:
    assert contact_lines(office) == ["โทร. 02-241-9000 ต่อ 1607 - 1609", "โทรสาร 02-241-9044"]
    district = load_office(EXAMPLES / "pakthongchai")
    assert contact_lines(district) == ["โทร. / โทรสาร 0 - 4444 - 1642"]


def data(text: str):
    return parse_yaml(text, "data.yaml")


BASE = "to: นายกรัฐมนตรี\nsubject: เรื่องทดสอบ\nbody: ข้อความ\nsigner: chief\n"


def test_letter_follows_recipient_and_override(office) -> None:
    letter = letter_from_data(data(BASE), office, EXAMPLES)
    assert (letter.salutation, letter.complimentary_close) == ("กราบเรียน", "ขอแสดงความนับถืออย่างยิ่ง")
    letter = letter_from_data(data(BASE + "salutation: เรียน\n"), office, EXAMPLES)
    assert letter.salutation == "เรียน"
    assert letter.complimentary_close == "ขอแสดงความนับถืออย่างยิ่ง"


def test_enclosures_numbered_when_several_with_quantity(office) -> None:
    text = BASE + "enclosures:\n  - title: แบบฟอร์ม\n    count: 2 ฉบับ\n  - สำเนาคำสั่ง\n"
    letter = letter_from_data(data(text), office, EXAMPLES)
    letter.date = dt.date(2025, 3, 25)
    rows = letter.context()["enclosures"]
    assert [(r["label"], r["text"], r["count"]) for r in rows] == [
        ("สิ่งที่ส่งมาด้วย", "1. แบบฟอร์ม", "จำนวน 2 ฉบับ"),
        ("", "2. สำเนาคำสั่ง", ""),
    ]
    one = letter_from_data(data(BASE + "references: [หนังสือที่ 1]\n"), office, EXAMPLES)
    assert one.context()["references"] == [{"label": "อ้างถึง", "text": "หนังสือที่ 1", "count": ""}]


@pytest.mark.parametrize(
    ("extra", "line", "field", "words"),
    [
        ("colour: red\n", 5, "colour", "unknown key"),
        ("urgency: ด่วนพิเศษ\n", 5, "urgency", "ด่วนที่สุด"),
        ("circular: yes\n", 5, "circular", "true or false"),
        ("date: 2023-02-29\n", 5, "date", "invalid date"),
        ("signer: nobody\n", 4, "signer", "unknown signer"),
        (
            "enclosures:\n  - title: x\n    file: ../../etc/passwd\n",
            7,
            "enclosures.0.file",
            "outside the workspace",
        ),
        ("enclosures:\n  - title: x\n    file: nosuch.pdf\n", 7, "enclosures.0.file", "not found"),
    ],
)
def test_bad_data_names_file_line_and_field(office, extra, line, field, words) -> None:
    text = (
        BASE.replace("signer: chief\n", "")
        + ("" if "signer:" in extra else "signer: chief\n")
        + extra
    )
    if "signer:" in extra:
        text = BASE.replace("signer: chief\n", extra)
    with pytest.raises(UserError) as info:
        letter_from_data(data(text), office, EXAMPLES)
    err = info.value
    assert (err.file, err.line, err.field) == ("data.yaml", line, field)
    assert words in err.message


def test_missing_required_key(office) -> None:
    with pytest.raises(UserError) as info:
        letter_from_data(data("to: x\nbody: y\nsigner: chief\n"), office, EXAMPLES)
    assert info.value.field == "subject"
    assert "missing" in str(info.value)
