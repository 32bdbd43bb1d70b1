"""The register in Thai and in its official form (issue 11, item 7).

``saraban register print``: a year of 5,000 rows in two series, with cancelled numbers, printed to
DOCX and PDF and read back (page size, page headers, column headings, every number once and in
order, the cancelled ones marked). The register views in BE dates and the office's digits, and
the exports in one digit system with the series column.
"""

from __future__ import annotations

import csv
import io
import json
import re
import shutil
import time
import zipfile
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli
from registerseed import seed_year

from engine.register import EXPORT_HEADERS, REGISTER_HEADERS
from engine.thai import to_arabic_digits, to_thai_digits

ROWS = 5000
OFFICE = "กรมส่งเสริมการปกครองท้องถิ่น"  # examples/dla
HEADINGS = " ".join(REGISTER_HEADERS[1:])  # เลขทะเบียนส่ง wraps in its narrow column
NUMBER = re.compile(r"มท ๐๘๐๘\.๔/(?:ว )?([๐-๙]{4})")

needs_libreoffice = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="LibreOffice and poppler-utils are needed for the PDF",
)


def th(n: int) -> str:
    return to_thai_digits(str(n))


@pytest.fixture(scope="module")
def year_of_5000(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, dict[str, list[int]]]:
    """A workspace whose register holds 5,000 numbers of BE 2568 (4,000 ordinary letters, 1,000
    circulars), every 97th cancelled; returns it and the cancelled numbers per series."""
    ws = make_workspace(tmp_path_factory.mktemp("print"), "dla")
    cancelled = seed_year(ws / "letters" / "register.db", rows=ROWS, year=2025)
    return ws, cancelled


@pytest.fixture(scope="module")
def printed(year_of_5000: tuple[Path, dict[str, list[int]]]) -> dict[str, object]:
    """`register print --year 2568 --pdf` run once for the module's tests (timed)."""
    ws, cancelled = year_of_5000
    started = time.perf_counter()
    result = run_cli("register", "print", "--year", "2568", "--pdf", workspace=ws)
    seconds = time.perf_counter() - started
    assert result.code == 0, result.err
    docx = ws / "letters" / "registers" / "register-2568.docx"
    pdf = docx.with_suffix(".pdf")
    assert result.out.splitlines() == [str(docx), str(pdf)]
    print(f"register print --pdf of {ROWS} rows: {seconds:.1f} s")  # shown with pytest -s
    return {"ws": ws, "docx": docx, "pdf": pdf, "cancelled": cancelled}


@needs_libreoffice
def test_the_pdf_of_a_year_of_5000_rows_reads_back(printed: dict) -> None:
    from pypdf import PdfReader

    from engine.pdf import page_texts

    pdf: Path = printed["pdf"]
    reader = PdfReader(pdf)
    # A4 landscape on every page
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert abs(width - 841.89) < 1 and abs(height - 595.28) < 1
    pages = page_texts(pdf)
    assert len(pages) == len(reader.pages) > 100
    # two sections: the ordinary letters, then the circulars, each with pages from ๑
    sections: dict[str, list[str]] = {"normal": [], "circular": []}
    for text in pages:
        title = text.splitlines()[0]
        assert title.startswith("ทะเบียนหนังสือส่ง")
        sections["circular" if "หนังสือเวียน (ว)" in title else "normal"].append(text)
    for series, texts in sections.items():
        assert texts, series
        for page_number, text in enumerate(texts, start=1):
            lines = text.splitlines()
            # the page header: the register, the page, the office and the year
            assert lines[0].endswith(f"หน้า {th(page_number)}"), (series, lines[0])
            assert lines[1] == f"{OFFICE} ประจำปี พ.ศ. ๒๕๖๘"
            # the column headings at the top of every page
            assert HEADINGS in lines, (series, page_number, lines[:6])
            assert "ทะเบียนส่ง" in lines
        # every number of the series once, in order; the cancelled ones marked
        text = "\n".join(texts)
        found = list(NUMBER.finditer(text))
        numbers = [int(to_arabic_digits(m.group(1))) for m in found]
        total = 4000 if series == "normal" else 1000
        assert numbers == list(range(1, total + 1)), series
        marked = []
        for m, nxt in zip(found, [*found[1:], None], strict=True):
            row = re.sub(r"\s+", "", text[m.end() : nxt.start() if nxt else len(text)])
            if "ยกเลิก" in row:
                n = int(to_arabic_digits(m.group(1)))
                assert f"ยกเลิก:ออกเลขผิดครั้งที่{th(n)}" in row
                marked.append(n)
        assert marked == printed["cancelled"][series] and len(marked) >= 10
    # month headings: twelve per series, in order
    assert [m for m in re.findall(r"^เดือน(\S+) พ\.ศ\. ๒๕๖๘$", "\n".join(pages), re.M)][:12] == [
        "มกราคม", "กุมภาพันธ์", "มีนาคม", "เมษายน", "พฤษภาคม", "มิถุนายน", "กรกฎาคม",
        "สิงหาคม", "กันยายน", "ตุลาคม", "พฤศจิกายน", "ธันวาคม",
    ]  # fmt: skip


def test_the_docx_is_a_word_table_in_the_regulation_columns(
    year_of_5000: tuple[Path, dict[str, list[int]]], tmp_path: Path
) -> None:
    """The DOCX alone (no LibreOffice): python-docx reads its tables, section and header."""
    import docx
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    ws, cancelled = year_of_5000
    out = tmp_path / "ทะเบียน.docx"
    result = run_cli("register", "print", "--year", "2025", "--out", str(out), workspace=ws)
    assert result.code == 0, result.err
    assert result.out.splitlines() == [str(out)]
    document = docx.Document(str(out))
    assert len(document.sections) == 2  # normal, circular
    for section in document.sections:
        assert section.orientation == WD_ORIENT.LANDSCAPE
        assert abs(section.page_width - Cm(29.7)) < Cm(0.01)
        assert abs(section.page_height - Cm(21.0)) < Cm(0.01)
        header = "\n".join(p.text for p in section.header.paragraphs)
        assert "ทะเบียนหนังสือส่ง" in header and f"{OFFICE}  ประจำปี พ.ศ. ๒๕๖๘" in header
    assert "หนังสือเวียน (ว)" in document.sections[1].header.paragraphs[0].text
    tables = document.tables
    assert len(tables) == 24  # a table a month, in each series
    rows = sum(len(t.rows) - 1 for t in tables)
    assert rows == ROWS
    first = tables[0]
    assert len(first.columns) == 8
    heading = first.rows[0]
    assert tuple(c.text for c in heading.cells) == REGISTER_HEADERS
    assert heading._tr.trPr.xpath("./w:tblHeader")  # repeated on every page
    assert [c.text for c in first.rows[1].cells][:4] == [
        "๑",
        "มท ๐๘๐๘.๔/๐๐๐๑",
        "๑ ม.ค. ๖๘",
        OFFICE,
    ]
    # a cancelled number: เรื่อง struck through, หมายเหตุ says so and why
    n = cancelled["normal"][0]
    row = next(r for t in tables[:12] for r in t.rows[1:] if r.cells[0].text == th(n))
    assert all(run.font.strike for run in row.cells[5].paragraphs[0].runs)
    assert row.cells[7].text == f"ยกเลิก: ออกเลขผิด ครั้งที่ {th(n)}"
    issued = next(r for r in first.rows[1:] if r.cells[0].text == "๒")
    assert not any(run.font.strike for run in issued.cells[5].paragraphs[0].runs)


def test_one_series_and_arabic_digits(tmp_path: Path) -> None:
    """--series prints one section to register-<year>-<series>.docx; an office with
    thai_digits: false gets Arabic digits in the table, the header and the page numbers."""
    import docx

    ws = make_workspace(tmp_path, "dla")
    office = ws / "office.yaml"
    office.write_text(
        office.read_text(encoding="utf-8").replace("thai_digits: true", "thai_digits: false"),
        encoding="utf-8",
    )
    seed_year(ws / "letters" / "register.db", rows=30, year=2025, cancel_every=4)
    result = run_cli("register", "print", "--year", "๒๕๖๘", "--series", "circular", workspace=ws)
    assert result.code == 0, result.err
    out = ws / "letters" / "registers" / "register-2568-circular.docx"
    assert result.out.splitlines() == [str(out)]
    document = docx.Document(str(out))
    assert len(document.sections) == 1
    assert "หนังสือเวียน (ว)" in document.sections[0].header.paragraphs[0].text
    assert "ประจำปี พ.ศ. 2568" in document.sections[0].header.paragraphs[1].text
    cells = [[c.text for c in r.cells] for t in document.tables for r in t.rows[1:]]
    assert [c[0] for c in cells] == [str(n) for n in range(1, 7)]
    assert cells[0][1:3] == ["มท 0808.4/ว 0001", "20 ก.พ. 68"]
    assert cells[3][7] == "ยกเลิก: ออกเลขผิด ครั้งที่ 4"
    assert not re.search("[๐-๙]", "".join("".join(c) for c in cells))
    with zipfile.ZipFile(out) as zf:  # the page numbers too
        assert b"thaiNumbers" not in zf.read("word/document.xml")
    # `check` leaves the printed registers alone (they are no unregistered letters)
    assert run_cli("check", workspace=ws).code == 0


def test_print_refuses_what_it_cannot_print(dla: Path) -> None:
    seed_year(dla / "letters" / "register.db", rows=3, year=2025)
    empty = run_cli("register", "print", "--year", "2567", workspace=dla)
    assert empty.code == 1
    assert empty.err == (
        "saraban: error: --year: the register has no numbers in 2567: nothing to print\n"
    )
    order = run_cli("register", "print", "--year", "2568", "--series", "order", workspace=dla)
    assert order.code == 1 and "no numbers in series order of 2568" in order.err
    bogus = run_cli("register", "print", "--year", "2568", "--series", "bogus", workspace=dla)
    assert bogus.code == 1 and "unknown series 'bogus'" in bogus.err
    pdf_out = run_cli("register", "print", "--year", "2568", "--out", "r.pdf", workspace=dla)
    assert pdf_out.code == 1 and "give a .docx file name" in pdf_out.err
    folder = run_cli("register", "print", "--year", "2568", "--out", str(dla), workspace=dla)
    assert folder.code == 1 and "--out: is a folder" in folder.err
    assert not (dla / "letters" / "registers").exists()


# --- the register views and exports --------------------------------------------------------


def _small_register(ws: Path) -> None:
    seed_year(ws / "letters" / "register.db", rows=6, year=2025, cancel_every=2)


def test_register_list_and_show_in_be_dates_and_thai_digits(dla: Path) -> None:
    _small_register(dla)
    listed = run_cli("register", "list", workspace=dla).out.splitlines()
    assert listed[0] == (
        "circular      ๑  ที่ มท ๐๘๐๘.๔/ว ๐๐๐๑  ๑๙ ตุลาคม ๒๕๖๘  เจ้าอาวาสวัดปักธงชัย — "
        "ขอเชิญร่วมพิธีวันท้องถิ่นไทย (รายการที่ ๕)"
    )
    assert listed[2] == (
        "normal        ๒  ที่ มท ๐๘๐๘.๔/๐๐๐๒  ๑๔ มีนาคม ๒๕๖๘  ผู้ว่าราชการจังหวัดนครราชสีมา — "
        "การประชุมคณะกรรมการพัฒนาท้องถิ่น ครั้งที่ ๓/๒๕๖๘ (รายการที่ ๒) [ยกเลิก: ออกเลขผิด ครั้งที่ ๒]"
    )
    assert not re.search("[0-9]", "".join(listed).replace("e-LAAS", ""))
    as_json = json.loads(run_cli("register", "list", "--json", workspace=dla).out)
    assert as_json[0]["date"] == "2025-10-19" and as_json[0]["year"] == 2025
    assert as_json[0]["number_text"] == "มท 0808.4/ว 0001"
    shown = run_cli("show", "มท 0808.4/2", workspace=dla).out.splitlines()
    assert "year: พ.ศ. ๒๕๖๘" in shown and "date: ๑๔ มีนาคม ๒๕๖๘" in shown
    assert "number: ๒" in shown
    started = run_cli("register", "start", "--year", "2568", "--next", "50", workspace=dla)
    assert started.out == "next number in series normal for ๒๕๖๘: ๕๐\n"
    cancelled = run_cli("register", "cancel", "มท 0808.4/1", "--reason", "ซ้ำ", workspace=dla)
    assert cancelled.out == "cancelled ที่ มท ๐๘๐๘.๔/๐๐๐๑ (normal ๑/๒๕๖๘)\n"


def test_exports_use_the_office_digits_and_carry_the_series(dla: Path) -> None:
    from openpyxl import load_workbook

    _small_register(dla)
    out = run_cli("register", "export", "--format", "csv", workspace=dla).out
    table = list(csv.reader(io.StringIO(out.lstrip("\ufeff"), newline="")))
    assert tuple(table[0]) == EXPORT_HEADERS and table[0][-1] == "ชุด"
    assert table[1] == [
        "๑",
        "มท ๐๘๐๘.๔/ว ๐๐๐๑",
        "๑๙ ตุลาคม ๒๕๖๘",
        OFFICE,
        "เจ้าอาวาสวัดปักธงชัย",
        "ขอเชิญร่วมพิธีวันท้องถิ่นไทย (รายการที่ ๕)",
        "",
        "",
        "circular",
    ]
    assert [(r[0], r[-1]) for r in table[1:]] == [
        ("๑", "circular"), ("๑", "normal"), ("๒", "normal"), ("๓", "normal"), ("๔", "normal"),
        ("๕", "normal"),
    ]  # fmt: skip
    assert not re.search("[0-9]", out.replace("e-LAAS", ""))
    xlsx = dla / "r.xlsx"
    assert (
        run_cli("register", "export", "--format", "xlsx", "-o", str(xlsx), workspace=dla).code == 0
    )
    sheet = load_workbook(xlsx).active
    assert tuple(c.value for c in sheet[1]) == EXPORT_HEADERS
    assert [c.value for c in sheet[2]][:3] == [1, "มท ๐๘๐๘.๔/ว ๐๐๐๑", "๑๙ ตุลาคม ๒๕๖๘"]
    assert sheet["A2"].data_type == "n" and sheet["A2"].number_format == "[$-D07041E]0"
    assert sheet["I2"].value == "circular"
    # an office writing Arabic digits: Arabic everywhere
    office = dla / "office.yaml"
    office.write_text(
        office.read_text(encoding="utf-8").replace("thai_digits: true", "thai_digits: false"),
        encoding="utf-8",
    )
    out = run_cli("register", "export", "--format", "csv", workspace=dla).out
    assert not re.search("[๐-๙]", out)
    assert "1,มท 0808.4/ว 0001,19 ตุลาคม 2568," in out
    listed = run_cli("register", "list", workspace=dla).out
    assert "19 ตุลาคม 2568" in listed and not re.search("[๐-๙]", listed)
