"""Input types of workflows: unit tests and Hypothesis properties."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.expressions import render_text
from engine.inputs import (
    InputError,
    citizen_id_check_digit,
    make_spec,
    parse_citizen_id,
    parse_email,
    parse_person,
    parse_phone,
)


def spec(type_: str, **kw):
    return make_spec("x", {"type": type_, **kw})


# --- citizen ID ------------------------------------------------------------------------------
def test_citizen_id_checksum():
    assert parse_citizen_id("1-3099-00123-45-5") == "1309900123455"
    assert parse_citizen_id(3100500678913) == "3100500678913"
    assert parse_citizen_id("๓๑๐๐๕๐๐๖๗๘๙๑๓") == "3100500678913"
    with pytest.raises(InputError, match="checksum"):
        parse_citizen_id("1309900123456")
    with pytest.raises(InputError, match="13 digits"):
        parse_citizen_id("130990012345")
    assert str(spec("citizen_id").present("1309900123455")) == "1-3099-00123-45-5"


citizen_ids = (
    st.text("0123456789", min_size=11, max_size=11)
    .map(lambda s: "1" + s)
    .map(lambda s: s + str(citizen_id_check_digit(s)))
)


@given(citizen_ids)
def test_valid_citizen_ids_are_accepted(cid):
    assert parse_citizen_id(cid) == cid
    assert parse_citizen_id(str(spec("citizen_id").present(cid))) == cid  # formatted round-trips


@given(citizen_ids, st.integers(1, 9))
def test_a_mistyped_check_digit_is_caught(cid, delta):
    wrong = cid[:12] + str((int(cid[12]) + delta) % 10)
    with pytest.raises(InputError, match="checksum"):
        parse_citizen_id(wrong)


@given(citizen_ids)
def test_checksum_matches_the_published_algorithm(cid):
    # independent formulation: weights 13..2, check digit = (11 - sum mod 11) mod 10
    total = sum(int(d) * w for d, w in zip(cid[:12], range(13, 1, -1), strict=True))
    assert int(cid[12]) == (11 - total % 11) % 10


# --- phone, e-mail, person --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("081-234-5678", "0812345678"),
        ("0812345678", "0812345678"),
        ("+66 81 234 5678", "0812345678"),
        ("๐๘๑-๒๓๔-๕๖๗๘", "0812345678"),
        ("02-241-9000 ต่อ 1607", "022419000 ต่อ 1607"),
        ("044-123-456", "044123456"),
    ],
)
def test_phone_numbers(typed, stored):
    assert parse_phone(typed) == stored
    shown = str(spec("phone").present(stored))
    assert parse_phone(shown) == stored


@pytest.mark.parametrize("bad", ["12345", "081-234-567", "0112345678", "abc", "081-234-56789"])
def test_malformed_phone_numbers(bad):
    with pytest.raises(InputError, match="phone"):
        parse_phone(bad)


def test_phone_kind_and_yaml_number():
    with pytest.raises(InputError, match="mobile"):
        parse_phone("02-241-9000", "mobile")
    with pytest.raises(InputError, match="quotes"):
        parse_phone(812345678)


def test_email():
    assert parse_email("Somchai.J@Example.GO.TH") == "Somchai.J@example.go.th"
    for bad in ["somchai", "a@b", "a b@example.com", "@example.com", "a@@example.com"]:
        with pytest.raises(InputError):
            parse_email(bad)


def test_person():
    assert parse_person("นายสมชาย  ใจดี") == {"title": "นาย", "name": "สมชาย ใจดี"}
    assert parse_person("นางสาวสุดา ดี") == {"title": "นางสาว", "name": "สุดา ดี"}
    assert parse_person({"title": "นาง", "name": "อรุณี ทองดี"})["title"] == "นาง"
    with pytest.raises(InputError, match="title"):
        parse_person("สมชาย ใจดี")
    p = spec("person").present({"title": "นาย", "name": "สมชาย ใจดี"})
    assert (str(p), p.title, p.first, p.last) == ("นายสมชาย ใจดี", "นาย", "สมชาย", "ใจดี")


# --- date, money, choice, list, file ----------------------------------------------------------
def test_dates_iso_and_thai():
    s = spec("date")
    assert s.parse("2025-03-25") == "2025-03-25"
    assert s.parse("๒๕ มีนาคม ๒๕๖๘") == "2025-03-25"
    assert str(s.present("2025-03-25")) == "25 มีนาคม 2568"
    with pytest.raises(InputError, match="date"):
        s.parse("31 กุมภาพันธ์ 2568")


@given(st.dates(dt.date(1950, 1, 1), dt.date(2300, 12, 31)))
def test_dates_round_trip(day):
    s = spec("date")
    assert s.parse(str(s.present(day.isoformat()))) == day.isoformat()


def test_money():
    s = spec("money")
    assert s.parse("1,234.5") == "1234.50"
    assert s.parse(100) == "100.00"
    assert s.present("1234.50").amount == Decimal("1234.50")
    assert str(s.present("1234.50")) == "1,234.50"
    assert s.present("100.00").baht_text == "หนึ่งร้อยบาทถ้วน"
    for bad in ["abc", "-5", "1.234", "NaN"]:
        with pytest.raises(InputError):
            s.parse(bad)


@given(st.decimals(min_value=0, max_value=10**12, places=2, allow_nan=False))
def test_money_round_trips(amount):
    s = spec("money")
    stored = s.parse(str(amount))
    assert s.parse(str(s.present(stored))) == stored


def test_choice_and_list():
    c = spec("choice", choices={"a": "เอ", "b": "บี"})
    assert c.parse("a") == "a"
    with pytest.raises(InputError, match="one of a, b"):
        c.parse("c")
    lst = spec("list", item="phone")
    assert lst.parse(["081-234-5678"]) == ["0812345678"]
    with pytest.raises(InputError, match="item 2"):
        lst.parse(["081-234-5678", "nope"])


def test_file_inputs(tmp_path: Path):
    (tmp_path / "files").mkdir()
    (tmp_path / "files" / "a.pdf").write_bytes(b"%PDF")
    f = spec("file")
    assert f.parse("files/a.pdf", tmp_path) == "files/a.pdf"
    with pytest.raises(InputError, match="not found"):
        f.parse("files/b.pdf", tmp_path)
    with pytest.raises(InputError, match="outside"):
        f.parse("../etc/passwd", tmp_path)


# --- values are data, never template code ------------------------------------------------------
@settings(max_examples=200)
@given(st.text())
def test_any_text_is_printed_not_evaluated(text):
    s = spec("text")
    try:
        stored = s.parse(text)
    except InputError:
        return  # not text a clerk could give (e.g. only whitespace is still fine)
    out = render_text("[{{ x }}]", {"x": s.present(stored)})
    assert out == f"[{stored}]"


@given(st.sampled_from(["{{ 7*7 }}", "{% for x in range(9) %}x{% endfor %}", "{{ ''.__class__ }}"]))
def test_template_code_in_values_stays_literal(code):
    assert render_text("{{ x }}", {"x": code}) == code
