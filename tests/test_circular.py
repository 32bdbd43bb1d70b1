"""Circular letters to many recipients: master, addressed copies, combined DOCX, register row."""

from __future__ import annotations

import shutil
import sqlite3
import zipfile
from pathlib import Path

from conftest import EXAMPLES, ROOT, files_under, run_cli
from docxtext import all_text

COLLECTIVE = "นายกเทศมนตรี ทุกเทศบาล และนายกองค์การบริหารส่วนตำบล ทุกแห่ง"


def circular_ws(district: Path) -> Path:
    shutil.copy(EXAMPLES / "circular.yaml", district / "circular.yaml")
    (district / "examples").mkdir()
    shutil.copy(EXAMPLES / "recipients.csv", district / "examples" / "recipients.csv")
    shutil.copy(EXAMPLES / "references.yaml", district / "references.yaml")
    return district


def issue(ws: Path, *extra: str):
    return run_cli(
        "new", "circular", "--data", str(ws / "circular.yaml"), "--date", "2023-04-28",
        "--issue", *extra, workspace=ws,
    )  # fmt: skip


def lines(path: Path) -> list[str]:
    return all_text(path).splitlines()


def test_circular_master_copies_combined_register(district: Path) -> None:
    ws = circular_ws(district)
    r = issue(ws)
    assert r.code == 0, r.err
    out = r.out.splitlines()
    assert out[1] == "ที่ นม 0023.26/ว 1"
    year = ws / "letters" / "2566"
    master = year / "circular-0001.docx"
    copies = sorted((year / "circular-0001").glob("*.docx"))
    combined = year / "circular-0001-copies.docx"
    assert len(copies) == 25 and combined.is_file()

    text = lines(master)
    assert f"เรียน {COLLECTIVE}" in text
    assert "บัญชีรายชื่อแนบท้ายหนังสืออำเภอปักธงชัย" in text
    assert "ที่ นม ๐๐๒๓.๒๖/ว ๑ ลงวันที่ ๒๘ เมษายน ๒๕๖๖" in text
    assert "๘. นายกองค์การบริหารส่วนตำบลสระตะเคียน" in text
    assert "รวม ๒๕ แห่ง" in text
    assert any(t.startswith("อ้างถึง หนังสือจังหวัดนครราชสีมา") for t in text)

    copy = lines(year / "circular-0001" / "008-องค์การบริหารส่วนตำบลสระตะเคียน.docx")
    assert "เรียน นายกองค์การบริหารส่วนตำบลสระตะเคียน" in copy
    assert "ที่ นม ๐๐๒๓.๒๖/ว ๑" in copy and "๒๘ เมษายน ๒๕๖๖" in copy
    assert not any(t.startswith("บัญชีรายชื่อแนบท้ายหนังสือ") for t in copy)
    assert "เรียน นายกเทศมนตรีตำบลตะคุ" in lines(copies[1])

    # the combined DOCX: every copy in its own section, page numbers restarting
    with zipfile.ZipFile(combined) as zf:
        assert zf.testzip() is None
        xml = zf.read("word/document.xml").decode()
    assert xml.count("<w:sectPr") == 25
    assert xml.count('w:start="1"') == 25 and xml.count("<w:titlePg/>") == 25
    salutations = [t for t in lines(combined) if t.startswith("เรียน ")]
    assert len(salutations) == 25 and salutations[7] == "เรียน นายกองค์การบริหารส่วนตำบลสระตะเคียน"

    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        (recipient, data) = conn.execute("SELECT recipient, data_json FROM entries").fetchone()
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (1,)
        rows = conn.execute(
            "SELECT seq, organisation, position, email, path FROM recipients ORDER BY seq"
        ).fetchall()
    assert recipient == f"{COLLECTIVE} (๒๕ แห่ง)"
    assert "saraban@" not in data  # personal data stays out of the register row
    assert len(rows) == 25
    assert rows[7][1:3] == ("องค์การบริหารส่วนตำบลสระตะเคียน", "นายกองค์การบริหารส่วนตำบล")
    assert rows[7][4] == "letters/2566/circular-0001/008-องค์การบริหารส่วนตำบลสระตะเคียน.docx"


def test_circular_is_byte_identical(tmp_path: Path) -> None:
    outputs = []
    for name in ("a", "b"):
        ws = tmp_path / name
        ws.mkdir()
        shutil.copy(EXAMPLES / "pakthongchai" / "office.yaml", ws)
        circular_ws(ws)
        assert issue(ws, "--quiet").code == 0
        year = ws / "letters" / "2566"
        outputs.append({p.relative_to(year): p.read_bytes() for p in sorted(year.rglob("*.docx"))})
    assert outputs[0] == outputs[1] and len(outputs[0]) == 27


def test_bad_recipients_issue_nothing(district: Path) -> None:
    ws = circular_ws(district)
    bad = ws / "examples" / "recipients.csv"
    text = bad.read_text(encoding="utf-8-sig").splitlines()
    bad.write_text("\n".join([*text[:5], text[3]]) + "\n", encoding="utf-8-sig")
    r = issue(ws)
    assert r.code == 1
    assert "examples/recipients.csv: row 6, column 'ชื่อหน่วยงาน': duplicate organisation" in r.err
    assert not (ws / "letters" / "2566").exists()
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone() == (0,)
        assert conn.execute("SELECT count(*) FROM cases").fetchone() == (0,)


def test_recipients_only_on_circulars(district: Path) -> None:
    ws = circular_ws(district)
    r = run_cli(
        "new", "letter", "--data", str(ws / "circular.yaml"), "--date", "2023-04-28", "--issue",
        workspace=ws,
    )  # fmt: skip
    assert r.code == 1 and "recipients are for circular letters" in r.err
    assert "letters/2566" not in "\n".join(files_under(ws))


def test_example_is_the_demo_workspace() -> None:
    assert (ROOT / "references.yaml").read_text() == (EXAMPLES / "references.yaml").read_text()
