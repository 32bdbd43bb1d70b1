"""``--pdf``: letter PDFs beside the DOCX, enclosure bundles, errors before and after the commit.

These run the CLI in-process, so they share the process-wide LibreOffice pool
(:func:`engine.pdf.default_converter` of the session tests/conftest.py enters), started once.
"""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLES, files_under, letter_data, needs_pdf, run_cli, write_encrypted_pdf
from docxtext import all_text  # type: ignore[import-not-found]
from PIL import Image
from pypdf import PdfReader, PdfWriter

from engine import pdf, publish
from engine.errors import UserError
from engine.letter import Enclosure
from engine.pdf import page_texts
from engine.session import Session
from engine.workspace import Workspace

pytestmark = needs_pdf


def blank_pdf(path: Path, pages: int) -> Path:
    writer = PdfWriter()
    for _ in range(pages):
        writer.add_blank_page(595, 842)
    with open(path, "wb") as fh:
        writer.write(fh)
    return path


def register_rows(ws: Path) -> list[tuple]:
    db = ws / "letters" / "register.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as con:
        return con.execute("SELECT series, number, status FROM entries ORDER BY id").fetchall()


def enclosure_files(ws: Path) -> list[dict]:
    (ws / "files").mkdir()
    blank_pdf(ws / "files" / "form.pdf", 3)
    Image.new("RGB", (1012, 638), (200, 220, 240)).save(ws / "files" / "id.png", dpi=(300, 300))
    return [
        "หนังสือจังหวัด (ไม่มีไฟล์)",
        {"title": "แบบคำขอ", "file": "files/form.pdf"},
        {"title": "สำเนาบัตรประจำตัวประชาชน", "file": "files/id.png"},
    ]


# ------------------------------------------------------------------------------ new --pdf


def test_new_issue_pdf_writes_letter_pdf_and_bundle(dla: Path) -> None:
    data = letter_data(dla, enclosures=enclosure_files(dla), paragraphs=6)
    result = run_cli(
        "new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", "--pdf",
        workspace=dla,
    )  # fmt: skip
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        "ที่ มท 0808.4/0001",
        "letters/2568/normal-0001.docx",
        "letters/2568/normal-0001.pdf",
        "letters/2568/normal-0001-bundle.pdf",
    ]
    letter = dla / "letters/2568/normal-0001.pdf"
    # B: the quantity follows from the files (3 PDF pages; an image is one sheet).
    text = all_text(dla / "letters/2568/normal-0001.docx")
    assert "แบบคำขอ\nจำนวน ๓ แผ่น" in text  # the quantity on a line of its own, under the title
    assert "จำนวน ๑ แผ่น" in text
    pages = page_texts(letter)
    assert len(pages) >= 2
    # C: "- ๒ -" at the top of page 2 (Thai digits), no page number on page 1.
    assert pages[1].strip().splitlines()[0] == "- ๒ -"
    assert pages[0].strip().splitlines()[0].startswith("ที่ มท ๐๘๐๘.๔/๐๐๐๑")
    assert "- ๑ -" not in pages[0]
    # Continuation marker at the bottom of page 1.
    assert pages[0].strip().splitlines()[-1].startswith("/")

    bundle = PdfReader(dla / "letters/2568/normal-0001-bundle.pdf")
    n = len(pages)
    assert len(bundle.pages) == n + 3 + 1
    outline = [(o.title, bundle.get_destination_page_number(o)) for o in bundle.outline]
    assert outline == [
        ("ขอส่งเอกสารการขอรหัสผู้ใช้งาน", 0),
        ("แบบคำขอ", n),
        ("สำเนาบัตรประจำตัวประชาชน", n + 3),
    ]
    texts = page_texts(dla / "letters/2568/normal-0001-bundle.pdf")
    # Numbered as in the letter: the first enclosure has no file, so the stamps are ๒ and ๓.
    assert texts[n].strip() == "สิ่งที่ส่งมาด้วย ๒"
    assert texts[n + 3].strip() == "สิ่งที่ส่งมาด้วย ๓"
    assert "สิ่งที่ส่งมาด้วย" not in texts[n + 1]


def test_json_lists_the_pdfs(dla: Path) -> None:
    data = letter_data(dla)
    result = run_cli(
        "new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", "--pdf",
        "--json", workspace=dla,
    )  # fmt: skip
    assert result.code == 0, result.err
    out = json.loads(result.out)
    assert out["files"] == ["letters/2568/normal-0001.docx", "letters/2568/normal-0001.pdf"]
    assert out["documents"][0]["pdf"] == "letters/2568/normal-0001.pdf"
    assert "bundle" not in out["documents"][0]  # no enclosure files: no bundle


def test_draft_pdf(dla: Path) -> None:
    result = run_cli("new", "letter", "--data", str(letter_data(dla)), "--pdf", workspace=dla)
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == [
        "letters/drafts/case-00001-letter.docx",
        "letters/drafts/case-00001-letter.pdf",
    ]
    assert page_texts(dla / "letters/drafts/case-00001-letter.pdf")[0].startswith("ที่ มท ๐๘๐๘.๔/")


# ------------------------------------------------------------------------------ advance --pdf


def test_advance_issue_pdf_bundles_the_order_made_by_the_same_command(tambon: Path) -> None:
    data = EXAMPLES / "appoint-admin.yaml"
    assert run_cli("new", "appoint-admin", "--data", str(data), workspace=tambon).code == 0
    result = run_cli("advance", "1", "issue", "--date", "2026-01-15", "--pdf", workspace=tambon)
    assert result.code == 0, result.err
    lines = result.out.splitlines()
    assert lines[1:] == [
        "ที่ 1/2569",
        "letters/2569/order-0001.docx",
        "letters/2569/order-0001.pdf",
        "ที่ นม 80217/1",
        "letters/2569/normal-0001.docx",
        "letters/2569/normal-0001.pdf",
        "letters/2569/normal-0001-bundle.pdf",
    ]
    order_pages = page_texts(tambon / "letters/2569/order-0001.pdf")
    letter_pages = page_texts(tambon / "letters/2569/normal-0001.pdf")
    bundle = tambon / "letters/2569/normal-0001-bundle.pdf"
    texts = page_texts(bundle)
    n = len(letter_pages)
    # Enclosure 1 is the order as its PDF, stamped; then the ID cards and the bank's form.
    assert texts[n].strip().splitlines()[-1] == "สิ่งที่ส่งมาด้วย ๑"
    assert "คำสั่งองค์การบริหารส่วนตำบล" in texts[n]
    assert len(texts) == n + len(order_pages) + sum(
        len(PdfReader(tambon / "files" / f).pages)
        for f in ("id-card-outgoing.pdf", "id-card-incoming.pdf", "ktb-admin-change-form.pdf")
    )
    titles = [o.title for o in PdfReader(bundle).outline]
    assert titles[1] == "สำเนาคำสั่งองค์การบริหารส่วนตำบลทุ่งสว่างใหม่ ที่ ๑/๒๕๖๙ ลงวันที่ ๑๕ มกราคม ๒๕๖๙"
    # An event that makes no document converts nothing.
    result = run_cli("advance", "1", "send", "--pdf", workspace=tambon)
    assert result.code == 0, result.err
    assert result.out.splitlines()[1:] == []


# ------------------------------------------------------------------------------ bad input


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("locked.pdf", write_encrypted_pdf, "encrypted"),
        ("empty.pdf", lambda p: p.write_bytes(b""), "empty"),
        ("broken.pdf", lambda p: p.write_bytes(b"%PDF-1.7 garbage " * 50), "not a readable PDF"),
        ("scan.jpg", lambda p: p.write_text("not an image"), "not a readable JPEG or PNG"),
    ],
)
def test_bad_enclosure_stops_the_command_before_a_number_is_taken(
    dla: Path, name: str, make, message: str
) -> None:
    (dla / "files").mkdir()
    make(dla / "files" / name)
    data = letter_data(dla, enclosures=[{"title": "เอกสารแนบเสีย", "file": f"files/{name}"}])
    before = files_under(dla)
    result = run_cli(
        "new", "letter", "--data", str(data), "--issue", "--pdf", workspace=dla
    )  # fmt: skip
    assert result.code == 1
    assert message in result.err and "เอกสารแนบเสีย" in result.err and name in result.err
    assert len(result.err.strip().splitlines()) == 1
    assert register_rows(dla) == []
    assert {f for f in files_under(dla) if not f.startswith("letters/register.db")} == before


def test_bad_file_input_of_a_workflow_is_caught_before_issuing(tambon: Path) -> None:
    (tambon / "files" / "id-card-incoming.pdf").write_bytes(b"")
    result = run_cli(
        "new", "appoint-admin", "--data", str(EXAMPLES / "appoint-admin.yaml"), "--issue", "--pdf",
        workspace=tambon,
    )  # fmt: skip
    assert result.code == 1
    assert "id-card-incoming.pdf" in result.err and "empty" in result.err
    assert "สำเนาบัตรประจำตัวประชาชน" in result.err
    assert register_rows(tambon) == []


def test_pdf_failure_after_the_commit_says_the_letter_stands(dla: Path, monkeypatch) -> None:
    def broken(*args, **kwargs):
        raise pdf.ConversionError("LibreOffice failed twice converting this document (test)")

    monkeypatch.setattr(pdf.Converter, "convert_many", broken)
    result = run_cli(
        "new", "letter", "--data", str(letter_data(dla)), "--date", "2025-03-25", "--issue",
        "--pdf", workspace=dla,
    )  # fmt: skip
    assert result.code == 1
    assert (
        "the letter is issued and registered as ที่ มท 0808.4/0001 "
        "(letters/2568/normal-0001.docx); its PDF was not made: " in result.err
    )
    assert "failed twice" in result.err
    assert register_rows(dla) == [("normal", 1, "issued")]
    assert (dla / "letters/2568/normal-0001.docx").is_file()
    assert not list((dla / "letters/2568").glob("*.pdf"))
    assert not [p for p in (dla / "letters/2568").iterdir() if p.name.startswith(".")]


def test_missing_libreoffice_says_how_to_install_and_issues_nothing(dla: Path, monkeypatch) -> None:
    monkeypatch.setenv("SARABAN_SOFFICE", str(dla / "no-such-soffice"))
    # Each command has its own session (engine/session.py): it looks LibreOffice up afresh.
    data = letter_data(dla)
    result = run_cli("new", "letter", "--data", str(data), "--issue", "--pdf", workspace=dla)
    assert result.code == 1
    assert "apt-get install libreoffice-writer-nogui" in result.err
    assert "nothing was issued" in result.err
    assert register_rows(dla) == []
    # Without --pdf the DOCX is made as always.
    result = run_cli("new", "letter", "--data", str(data), "--issue", workspace=dla)
    assert result.code == 0, result.err
    assert register_rows(dla) == [("normal", 1, "issued")]


# ------------------------------------------------------------------------------ the API


def test_publish_pdfs_is_all_or_nothing(dla: Path) -> None:
    result = run_cli("new", "letter", "--data", str(letter_data(dla)), workspace=dla)
    assert result.code == 0, result.err
    docx = "letters/drafts/case-00001-letter.docx"
    ws = Workspace(dla)
    out = dla / "letters/drafts/case-00001-letter.pdf"
    out.write_bytes(b"an earlier PDF")
    write_encrypted_pdf(dla / "locked.pdf")
    with pytest.raises(pdf.EnclosureError, match="“ล็อก”.*encrypted"):
        publish.publish_pdfs(ws, [docx], {docx: [Enclosure("ล็อก", Path("locked.pdf"))]})
    assert out.read_bytes() == b"an earlier PDF"
    blank_pdf(dla / "two.pdf", 2)
    written = publish.publish_pdfs(
        ws, [docx], {docx: [Enclosure("สองหน้า", Path("two.pdf"), 3)]}, titles={docx: "เรื่อง 2 หน้า"}
    )
    assert written == [out, dla / "letters/drafts/case-00001-letter-bundle.pdf"]
    bundle = PdfReader(written[1])
    assert [o.title for o in bundle.outline] == ["เรื่อง ๒ หน้า", "สองหน้า"]
    assert page_texts(written[1])[-2].strip() == "สิ่งที่ส่งมาด้วย ๓"
    assert not [p for p in out.parent.iterdir() if p.name.startswith(".")]
    with pytest.raises(UserError, match="document not found"):
        publish.publish_pdfs(ws, ["letters/none.docx"])


# ------------------------------------------------------------------------------ quantities


def test_quantity_from_the_file(dla: Path, monkeypatch) -> None:
    from functools import partial

    from engine import letter, sheets

    count_from_file = partial(letter.count_from_file, count_pages=sheets.converting)

    blank_pdf(dla / "three.pdf", 3)
    Image.new("L", (100, 100)).save(dla / "scan.jpg")
    assert count_from_file(dla / "three.pdf") == "จำนวน 3 แผ่น"
    assert count_from_file(dla / "scan.jpg") == "จำนวน 1 แผ่น"
    (dla / "empty.pdf").write_bytes(b"")
    assert count_from_file(dla / "empty.pdf") == ""  # --pdf reports it; the letter stays blank
    result = run_cli("new", "letter", "--data", str(letter_data(dla)), workspace=dla)
    docx = dla / "letters/drafts/case-00001-letter.docx"
    assert count_from_file(docx) == "จำนวน 1 แผ่น"  # converted by LibreOffice
    monkeypatch.setenv("SARABAN_SOFFICE", str(dla / "missing"))
    with Session():  # a fresh session looks LibreOffice up again: no cache to clear
        assert count_from_file(docx) == ""  # no LibreOffice: left blank
    monkeypatch.delenv("SARABAN_SOFFICE")
    assert result.code == 0
