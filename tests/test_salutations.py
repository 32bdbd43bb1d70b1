"""Per-recipient salutation and closing (คำขึ้นต้น / คำลงท้าย): the rules, the recipients file's
columns and its validation, and a circular to monks, governors and นายก อบต."""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli
from docxtext import all_text

from engine.errors import UserError
from engine.recipients import Recipient, load_recipients
from engine.salutation import rank_of, salutation_for

DEFAULT = ("เรียน", "ขอแสดงความนับถือ")
SOMDET = ("นมัสการ", "ขอนมัสการด้วยความเคารพอย่างยิ่ง")
RAJAKHANA = ("นมัสการ", "ขอนมัสการด้วยความเคารพอย่างสูง")
MONK = ("นมัสการ", "ขอนมัสการด้วยความเคารพ")
HIGH = ("กราบเรียน", "ขอแสดงความนับถืออย่างยิ่ง")


@pytest.mark.parametrize(
    ("to", "forms"),
    [
        ("เจ้าอาวาสวัดป่าสาละวัน", MONK),
        ("ผู้ช่วยเจ้าอาวาสวัดบึง", MONK),
        ("พระครูสังฆรักษ์สมชาย", MONK),
        ("พระมหาสมศักดิ์ ฐิตธมฺโม", MONK),
        ("เจ้าคณะอำเภอปักธงชัย", MONK),
        ("พระธรรมวิสุทธิกวี เจ้าคณะจังหวัดนครราชสีมา", RAJAKHANA),
        ("พระราชวรมุนี", RAJAKHANA),
        ("พระเทพปัญญามุนี", RAJAKHANA),
        ("สมเด็จพระพุฒาจารย์", SOMDET),
        ("ผู้ว่าราชการจังหวัดนครราชสีมา", DEFAULT),
        ("ผู้ว่าราชการจังหวัด ทุกจังหวัด", DEFAULT),
        ("นายกองค์การบริหารส่วนตำบลสระตะเคียน", DEFAULT),
        ("ประธานสภาองค์การบริหารส่วนตำบลสระตะเคียน", DEFAULT),
        ("ประธานศาลฎีกา", HIGH),
        ("สมเด็จพระสังฆราช", DEFAULT),  # not a สมเด็จพระราชาคณะ: royal forms are not built in
    ],
)
def test_the_addressee_tells_the_forms(to: str, forms: tuple[str, str]) -> None:
    assert salutation_for(to) == forms


def test_an_explicit_rank_wins() -> None:
    # a พระราชาคณะ of the ordinary class looks like any monk: the rank says it
    assert salutation_for("พระศรีวิสุทธิโมลี", "rajakhana") == RAJAKHANA
    assert salutation_for("พระศรีวิสุทธิโมลี", "พระราชาคณะ") == RAJAKHANA
    assert salutation_for("เจ้าอาวาสวัดบึง", "สมเด็จพระราชาคณะ") == SOMDET
    assert salutation_for("พระนครศรีอยุธยา ผู้แทน", "none") == DEFAULT  # not a monk
    assert rank_of("นายอำเภอปักธงชัย") is None
    with pytest.raises(ValueError, match="somdet"):
        salutation_for("เจ้าอาวาสวัดบึง", "abbot")


def test_a_letter_to_an_abbot(tmp_path: Path) -> None:
    from engine.letter import letter_from_data
    from engine.office import load_office
    from engine.yamlio import parse_yaml

    office = load_office(EXAMPLES / "dla")
    base = "to: เจ้าอาวาสวัดป่าสาละวัน\nsubject: ขอเชิญ\nbody: ด้วย…\nsigner: chief\n"
    letter = letter_from_data(parse_yaml(base, "l.yaml"), office, tmp_path)
    assert (letter.salutation, letter.complimentary_close) == MONK
    letter = letter_from_data(parse_yaml(base + "monk: rajakhana\n", "l.yaml"), office, tmp_path)
    assert (letter.salutation, letter.complimentary_close) == RAJAKHANA
    with pytest.raises(UserError, match="monk: a monk's rank must be one of"):
        letter_from_data(parse_yaml(base + "monk: abbot\n", "l.yaml"), office, tmp_path)


def test_copy_forms_and_the_masters_own() -> None:
    abbot = Recipient("วัดป่าสาละวัน", "เจ้าอาวาส")
    assert abbot.forms() == MONK
    assert Recipient("วัดบึง", "เจ้าอาวาส", monk="rajakhana").forms() == RAJAKHANA
    tambon = Recipient("องค์การบริหารส่วนตำบลตะขบ", "นายกองค์การบริหารส่วนตำบล")
    # the master's data says กราบเรียน for its (ordinary) collective recipient: ordinary copies
    # follow it, monks keep theirs
    assert tambon.forms(("กราบเรียน", ""), DEFAULT) == ("กราบเรียน", "ขอแสดงความนับถือ")
    assert abbot.forms(("กราบเรียน", ""), DEFAULT) == MONK
    own = Recipient("ก", "ข", to="สมเด็จพระสังฆราช", salutation="ทูล", complimentary_close="ควร")
    assert own.forms() == ("ทูล", "ควร")


# --- the recipients file ----------------------------------------------------------------------
def _load(tmp_path: Path, name: str, text: str | bytes) -> list[Recipient]:
    data = text.encode("utf-8") if isinstance(text, str) else text
    (tmp_path / name).write_bytes(data)
    return load_recipients(name, tmp_path)


def _error(tmp_path: Path, name: str, text: str | bytes) -> str:
    with pytest.raises(UserError) as exc:
        _load(tmp_path, name, text)
    return str(exc.value)


def test_rank_and_forms_columns(tmp_path: Path) -> None:
    rec = _load(
        tmp_path,
        "r.csv",
        "ชื่อหน่วยงาน,ตำแหน่ง,สมณศักดิ์,คำขึ้นต้น,คำลงท้าย\n"
        "วัดบึง,เจ้าอาวาส,พระราชาคณะ,,\n"
        "วัดป่า,เจ้าอาวาส,,,\n"
        "มูลนิธิ,ประธานมูลนิธิ,,กราบเรียน,ขอแสดงความนับถืออย่างสูง\n",
    )
    assert [r.monk for r in rec] == ["rajakhana", "", ""]
    assert [r.forms() for r in rec] == [
        RAJAKHANA,
        MONK,
        ("กราบเรียน", "ขอแสดงความนับถืออย่างสูง"),
    ]
    msg = _error(tmp_path, "r.csv", "organisation,position,monk\nวัดบึง,เจ้าอาวาส,abbot\n")
    assert msg.startswith("r.csv: row 2, column 'monk': a monk's rank must be one of somdet")


def test_royalty_needs_the_forms_given(tmp_path: Path) -> None:
    msg = _error(tmp_path, "r.csv", "organisation,position,to\nวัดบวร,x,สมเด็จพระสังฆราช\n")
    assert msg.startswith("r.csv: row 2: 'สมเด็จพระสังฆราช': royalty and the Supreme Patriarch")
    assert "salutation and complimentary_close columns" in msg


def test_unknown_columns_are_named_with_a_guess(tmp_path: Path) -> None:
    csv_msg = _error(
        tmp_path, "r.csv", "organisation,position,monkk,remarks\nวัดบึง,เจ้าอาวาส,monk,x\n"
    )
    assert csv_msg.startswith(
        "r.csv: row 1: unknown column(s) 'monkk' (did you mean 'monk'?), 'remarks'; columns: "
        "organisation (ชื่อหน่วยงาน), position (ตำแหน่ง)"
    )
    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["ชื่อหน่วยงาน", "ตำแหน่งง", "อีเมล"])
    ws.append(["วัดบึง", "เจ้าอาวาส", None])
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(UserError) as exc:
        load_recipients("r.xlsx", tmp_path)
    assert str(exc.value).startswith(
        "r.xlsx: row 1: unknown column(s) 'ตำแหน่งง' (did you mean 'ตำแหน่ง'?); columns:"
    )
    (tmp_path / "r.yaml").write_text("- {organisation: วัดบึง, position: เจ้าอาวาส, emial: a@b.c}\n")
    with pytest.raises(UserError, match=r"row 1: unknown key\(s\) 'emial' \(did you mean 'email'"):
        load_recipients("r.yaml", tmp_path)


def test_ragged_rows_and_nul_characters(tmp_path: Path) -> None:
    head = "organisation,position,email\n"
    ok = "เทศบาลตำบลตูม,นายกเทศมนตรี,\n"
    msg = _error(tmp_path, "r.csv", head + ok + "เทศบาลตำบลตะคุ,นายกเทศมนตรี,a@b.go.th,x\n")
    assert msg.startswith("r.csv: row 3: 4 fields, but the header has 3")
    msg = _error(tmp_path, "r.csv", head + ok + "เทศบาลตำบลตะคุ,นายกเทศมนตรี\n")
    assert msg.startswith("r.csv: row 3: 2 fields, but the header has 3")
    msg = _error(tmp_path, "r.csv", head + ok + ok.replace("ตูม", "ตะ\x00คุ"))
    assert msg.startswith("r.csv: row 3: a NUL character (byte 0x00)")
    # blank lines at the end are not ragged rows
    assert len(_load(tmp_path, "r.csv", head + ok + "\n\n")) == 1

    from openpyxl import Workbook

    wb = Workbook()
    ws = wb.active
    ws.append(["organisation", "position", None])
    ws.append(["เทศบาลตำบลตูม", "นายกเทศมนตรี", None])
    ws.append(["เทศบาลตำบลตะคุ", "นายกเทศมนตรี", None, "stray"])
    wb.save(tmp_path / "r.xlsx")
    with pytest.raises(UserError) as exc:
        load_recipients("r.xlsx", tmp_path)
    assert str(exc.value).startswith("r.xlsx: row 3: a value in column D, which has no header")
    (tmp_path / "r.yaml").write_text('- {organisation: "วัด\\0บึง", position: เจ้าอาวาส}\n')
    with pytest.raises(UserError, match="row 1, column 'organisation': a NUL character"):
        load_recipients("r.yaml", tmp_path)


# --- a circular to a mixed list ---------------------------------------------------------------
MIXED = (
    "ชื่อหน่วยงาน,ตำแหน่ง,เรียน,สมณศักดิ์\n"
    "วัดป่าสาละวัน,เจ้าอาวาส,,\n"
    "วัดบึง,เจ้าอาวาส,,พระราชาคณะ\n"
    "วัดสระเกศ,เจ้าอาวาส,สมเด็จพระพุฒาจารย์ เจ้าอาวาสวัดสระเกศ,\n"
    "จังหวัดนครราชสีมา,ผู้ว่าราชการจังหวัด,,\n"
    "จังหวัดบุรีรัมย์,ผู้ว่าราชการจังหวัด,,\n"
    "องค์การบริหารส่วนตำบลสระตะเคียน,นายกองค์การบริหารส่วนตำบล,,\n"
)
EXPECTED = [
    ("เจ้าอาวาสวัดป่าสาละวัน", MONK),
    ("เจ้าอาวาสวัดบึง", RAJAKHANA),
    ("สมเด็จพระพุฒาจารย์ เจ้าอาวาสวัดสระเกศ", SOMDET),
    ("ผู้ว่าราชการจังหวัดนครราชสีมา", DEFAULT),
    ("ผู้ว่าราชการจังหวัดบุรีรัมย์", DEFAULT),
    ("นายกองค์การบริหารส่วนตำบลสระตะเคียน", DEFAULT),
]
ALL_CLOSINGS = {c for _, (_, c) in EXPECTED}


def _closings(lines: list[str]) -> list[str]:
    return [t.strip() for t in lines if t.strip() in ALL_CLOSINGS]


def _issue(ws: Path, recipients: str, *extra: str):
    """Issue the example circular in ``ws`` to the recipients CSV ``recipients``."""
    shutil.copy(EXAMPLES / "circular.yaml", ws / "circular.yaml")
    shutil.copy(EXAMPLES / "references.yaml", ws / "references.yaml")
    (ws / "examples").mkdir()
    (ws / "examples" / "recipients.csv").write_text(recipients, encoding="utf-8")
    data = str(ws / "circular.yaml")
    return run_cli("new", "circular", "--data", data, "--date", "2023-04-28", "--issue",
                   *extra, workspace=ws)  # fmt: skip


def test_a_circular_to_monks_governors_and_tambons(district: Path) -> None:
    ws = district
    r = _issue(ws, MIXED, "--pdf", "--quiet")
    assert r.code == 0, r.err
    year = ws / "letters" / "2566"
    master = all_text(year / "circular-0001.docx").splitlines()
    assert "เรียน นายกเทศมนตรี ทุกเทศบาล และนายกองค์การบริหารส่วนตำบล ทุกแห่ง" in master
    assert _closings(master) == ["ขอแสดงความนับถือ"]

    copies = sorted((year / "circular-0001").glob("*.docx"))
    assert len(copies) == len(EXPECTED)
    for path, (to, (salutation, close)) in zip(copies, EXPECTED, strict=True):
        text = all_text(path).splitlines()
        assert f"{salutation} {to}" in text, path.name
        assert _closings(text) == [close], path.name

    # the combined PDF (every copy, as it prints) says the same, in the same order
    from engine.pdf import page_texts

    pages = "\n".join(page_texts(year / "circular-0001-copies.pdf"))
    found = [line.strip() for line in pages.splitlines() if line.strip() in ALL_CLOSINGS]
    assert found == [c for _, (_, c) in EXPECTED]
    assert pages.count("นมัสการ") >= 6  # three salutations, three closings

    # the register keeps the rank given in the file: regenerating rewrites nothing
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        ranks = [r[0] for r in conn.execute("SELECT monk FROM recipients ORDER BY seq")]
    assert ranks == ["", "rajakhana", "", "", "", ""]
    before = {p: p.read_bytes() for p in year.rglob("*.docx")}
    r = run_cli("regenerate", "--all", workspace=ws)
    assert r.code == 0, r.err
    assert {p: p.read_bytes() for p in year.rglob("*.docx")} == before


def test_a_bad_recipients_file_issues_nothing(district: Path) -> None:
    ws = district
    r = _issue(ws, MIXED.replace("สมณศักดิ์", "monk_rank"))
    assert r.code == 1
    assert "examples/recipients.csv: row 1: unknown column(s) 'monk_rank'" in r.err
    assert not (ws / "letters" / "2566").exists()
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (0,)
