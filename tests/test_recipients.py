"""Recipients of circular letters: CSV (UTF-8 with or without BOM), XLSX, YAML; bad input."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from conftest import EXAMPLES

from engine.errors import UserError
from engine.recipients import join_position, load_recipients


def test_example_csv_with_bom(tmp_path: Path) -> None:
    raw = (EXAMPLES / "recipients.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # as Excel writes "CSV UTF-8"
    (tmp_path / "bom.csv").write_bytes(raw)
    rec = load_recipients(str(tmp_path / "bom.csv"), tmp_path)  # absolute, inside: fine
    assert len(rec) == 25
    assert rec[0].organisation == "เทศบาลเมืองเมืองปัก"
    assert rec[0].position == "นายกเทศมนตรี"
    assert rec[0].email == "saraban@muangpak.go.th"
    # the same file without the BOM reads the same
    (tmp_path / "plain.csv").write_bytes(raw[3:])
    assert load_recipients("plain.csv", tmp_path) == rec


def test_addressee() -> None:
    assert (
        join_position("นายกองค์การบริหารส่วนตำบล", "องค์การบริหารส่วนตำบลสระตะเคียน")
        == "นายกองค์การบริหารส่วนตำบลสระตะเคียน"
    )
    assert join_position("นายกเทศมนตรี", "เทศบาลตำบลปักธงชัย") == "นายกเทศมนตรีตำบลปักธงชัย"
    assert join_position("ผู้อำนวยการ", "โรงเรียนบ้านโคก") == "ผู้อำนวยการโรงเรียนบ้านโคก"


def test_xlsx_and_yaml(tmp_path: Path) -> None:
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["organisation", "position", "email"])
    ws.append(["องค์การบริหารส่วนตำบลตะขบ", "นายกองค์การบริหารส่วนตำบล", None])
    ws.append(["เทศบาลตำบลตะคุ", "นายกเทศมนตรี", "a@b.go.th"])
    ws.append([None, None, None])  # trailing empty rows, as Excel leaves them
    wb.save(tmp_path / "r.xlsx")
    rec = load_recipients("r.xlsx", tmp_path)
    assert [r.addressee for r in rec] == [
        "นายกองค์การบริหารส่วนตำบลตะขบ",
        "นายกเทศมนตรีตำบลตะคุ",
    ]
    (tmp_path / "r.yaml").write_text(
        "- {organisation: เทศบาลตำบลตูม, position: นายกเทศมนตรี}\n"
        "- {organisation: โรงเรียนบ้านโคก, position: ผู้อำนวยการ, to: ผู้อำนวยการโรงเรียนบ้านโคก}\n",
        encoding="utf-8",
    )
    assert [r.addressee for r in load_recipients("r.yaml", tmp_path)] == [
        "นายกเทศมนตรีตำบลตูม",
        "ผู้อำนวยการโรงเรียนบ้านโคก",
    ]


def _error(tmp_path: Path, text: bytes | str, name: str = "bad.csv") -> str:
    data = text.encode("utf-8") if isinstance(text, str) else text
    (tmp_path / name).write_bytes(data)
    with pytest.raises(UserError) as exc:
        load_recipients(name, tmp_path)
    return str(exc.value)


def test_bad_files_name_file_row_column(tmp_path: Path) -> None:
    msg = _error(tmp_path, "ชื่อหน่วยงาน,อีเมล\nเทศบาลตำบลตูม,a@b.go.th\n")
    assert msg.startswith("bad.csv: row 1, column 'position': missing column")
    msg = _error(
        tmp_path, "ชื่อหน่วยงาน,ตำแหน่ง\nเทศบาลตำบลตูม,นายกเทศมนตรี\n,\nเทศบาลตำบลตะคุ,นายกเทศมนตรี\n"
    )
    assert msg.startswith("bad.csv: row 3: empty row")
    msg = _error(tmp_path, "ชื่อหน่วยงาน,ตำแหน่ง\nเทศบาลตำบลตูม,\n")
    assert msg.startswith("bad.csv: row 2, column 'ตำแหน่ง': empty")
    msg = _error(
        tmp_path,
        "ชื่อหน่วยงาน,ตำแหน่ง\nเทศบาลตำบลตูม,นายกเทศมนตรี\nเทศบาลตำบลตะคุ,นายกเทศมนตรี\n"
        "เทศบาลตำบลตูม,นายกเทศมนตรี\n",
    )
    assert msg.startswith("bad.csv: row 4, column 'ชื่อหน่วยงาน': duplicate organisation")
    assert "first in row 2" in msg
    tis = "ชื่อหน่วยงาน,ตำแหน่ง\nเทศบาลตำบลตูม,นายกเทศมนตรี\n".encode("cp874")
    msg = _error(tmp_path, tis)
    assert msg.startswith("bad.csv: row 1: not UTF-8 text")


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(UserError, match="recipients file not found"):
        load_recipients("nope.csv", tmp_path)
    shutil.copy(EXAMPLES / "recipients.csv", tmp_path / "r.txt.bak")
    with pytest.raises(UserError, match="unknown recipients file type"):
        load_recipients("r.txt.bak", tmp_path)
