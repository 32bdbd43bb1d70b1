"""Orders (คำสั่ง) take a legal-basis clause (อาศัยอำนาจตาม…): office.yaml's order_legal_basis by
default, a case's legal_basis instead, placed before the จึง… of the operative part."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from docxtext import visible_paragraphs

from engine.errors import UserError
from engine.letter import legal_basis, letter_from_data, with_legal_basis
from engine.office import load_office
from engine.yamlio import parse_yaml

APPOINT = str(EXAMPLES / "appoint-admin.yaml")
DEFAULT = (
    "อาศัยอำนาจตามความในมาตรา ๕๙ และมาตรา ๖๐ แห่งพระราชบัญญัติสภาตำบลและองค์การบริหารส่วนตำบล "
    "พ.ศ. ๒๕๓๗ และที่แก้ไขเพิ่มเติม"
)
CLAUSE = "อาศัยอำนาจตามระเบียบ ก"


def test_the_clause_goes_before_the_operative_part() -> None:
    preamble = "ตามที่ได้แต่งตั้ง นาย ก นั้น"
    assert with_legal_basis([preamble, "เพื่อให้เรียบร้อย จึงแต่งตั้ง นาย ข"], CLAUSE) == [
        preamble,
        f"เพื่อให้เรียบร้อย {CLAUSE} จึงแต่งตั้ง นาย ข",
    ]
    assert with_legal_basis([preamble, "จึงแต่งตั้ง นาย ข"], CLAUSE) == [
        preamble,
        f"{CLAUSE} จึงแต่งตั้ง นาย ข",
    ]
    # no จึง: a paragraph of its own before the last
    assert with_legal_basis([preamble, "แต่งตั้ง นาย ข"], CLAUSE) == [
        preamble,
        CLAUSE,
        "แต่งตั้ง นาย ข",
    ]
    # a body that says it already, or no clause: unchanged
    said = [preamble, "อาศัยอำนาจตามมาตรา ๑ จึงแต่งตั้ง นาย ข"]
    assert with_legal_basis(said, CLAUSE) == said
    assert with_legal_basis([preamble], "") == [preamble]


def test_the_office_default_and_the_case_override() -> None:
    office = load_office(EXAMPLES / "tambon")
    assert legal_basis(office) == DEFAULT
    assert legal_basis(office, "") == DEFAULT
    assert legal_basis(office, "มาตรา ๖๐ แห่งพระราชบัญญัติ ข") == "อาศัยอำนาจตามมาตรา ๖๐ แห่งพระราชบัญญัติ ข"
    assert legal_basis(office, "อาศัยอำนาจตามระเบียบ ค") == "อาศัยอำนาจตามระเบียบ ค"
    assert legal_basis(office, "-") == ""  # none for this case
    assert legal_basis(load_office(EXAMPLES / "dla")) == ""  # an office without a default


def _issue(ws: Path, *extra: str) -> list[str]:
    r = run_cli(
        "new", "appoint-admin", "--data", APPOINT, "--date", "2025-03-25", "--issue", *extra,
        workspace=ws,
    )  # fmt: skip
    assert r.code == 0, r.err
    number = r.out.splitlines()[1].removeprefix("ที่ ").split("/")[0]
    return visible_paragraphs(ws / f"letters/2568/order-{int(number):04d}.docx")


def _operative(order: list[str]) -> tuple[int, str]:
    return next((i, p) for i, p in enumerate(order) if "จึงยกเลิกการแต่งตั้ง" in p)


def test_an_order_with_the_default_and_with_an_override(tambon: Path) -> None:
    order = _issue(tambon)
    i, operative = _operative(order)
    assert order[i - 1].startswith("ตามที่องค์การบริหารส่วนตำบลทุ่งสว่างใหม่") and order[i - 1].endswith(
        "นั้น"
    )
    assert operative.startswith("เพื่อให้การบริหารจัดการระบบ KTB Corporate Online")
    assert f"เป็นปัจจุบัน {DEFAULT} จึงยกเลิกการแต่งตั้ง" in operative
    assert order[i + 1] == "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป"
    assert sum("อาศัยอำนาจ" in p for p in order) == 1

    order = _issue(tambon, "--set", "legal_basis=ความในข้อ ๑๐ ของระเบียบกระทรวงมหาดไทย ก")
    _, operative = _operative(order)
    assert "อาศัยอำนาจตามความในข้อ ๑๐ ของระเบียบกระทรวงมหาดไทย ก จึงยกเลิก" in operative
    assert not any("พระราชบัญญัติสภาตำบล" in p for p in order)

    order = _issue(tambon, "--set", "legal_basis=-")
    assert not any("อาศัยอำนาจ" in p for p in order)


def test_office_yaml_key_and_letter_data(tambon: Path, tmp_path: Path) -> None:
    office = tambon / "office.yaml"
    office.write_text(
        office.read_text(encoding="utf-8")
        .replace("order_legal_basis: ความใน", "order_legal_basis: [ความใน")
        .replace("และที่แก้ไขเพิ่มเติม\n", "และที่แก้ไขเพิ่มเติม]\n"),
        encoding="utf-8",
    )
    r = run_cli("check", workspace=tambon)
    assert r.code == 1 and "office.yaml:" in r.err and "order_legal_basis: must be text" in r.err

    base = "to: ก\nsubject: ข\nbody: จึงแต่งตั้ง นาย ค\nsigner: nayok\nlegal_basis: ระเบียบ ง\n"
    office = load_office(EXAMPLES / "tambon")
    order = letter_from_data(parse_yaml(base, "o.yaml"), office, tmp_path, kind="order")
    assert order.body == ["อาศัยอำนาจตามระเบียบ ง จึงแต่งตั้ง นาย ค"]
    with pytest.raises(UserError, match="legal_basis: only an order"):
        letter_from_data(parse_yaml(base, "l.yaml"), office, tmp_path)
