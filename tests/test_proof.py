"""`saraban proof`: the layout rules of a printed letter, on pages built by hand (each rule
alone) and on the real PDFs of both reference letters and every workflow."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, SHARED, make_workspace, needs_pdf, run_cli
from pypdf import PdfReader

from engine import pdf
from engine.proof import Line, Page, Word, check_pages, proof_pdf, read_pages

needs_office = needs_pdf

LEFT, RIGHT, PITCH, HEIGHT = 85.0, 538.0, 18.3, 20.8


def line(text: str, y: float, x0: float = LEFT, x1: float = RIGHT) -> Line:
    """A line of words spread evenly from x0 to x1 (a space of 4 pt between words)."""
    chunks = text.split(" ")
    width = (x1 - x0 - 4 * (len(chunks) - 1)) / sum(len(c) for c in chunks)
    words, x = [], x0
    for chunk in chunks:
        words.append(Word(x, y, x + width * len(chunk), y + HEIGHT, chunk))
        x += width * len(chunk) + 4
    return Line(x0, y, x1, y + HEIGHT, words)


def page(*lines: Line, number: int = 1, images=()) -> Page:
    ordered = sorted(lines, key=lambda ln: ln.y0)
    for i, ln in enumerate(ordered, 1):
        ln.number = i
    return Page(number, 595.0, 842.0, ordered, list(images))


FULL = [  # each line ends at a word's end
    "ตามที่ กรมส่งเสริมการปกครองท้องถิ่นได้ปรับปรุงโปรแกรมระบบบัญชีคอมพิวเตอร์",
    "ขององค์กรปกครองส่วนท้องถิ่น เพื่อให้หน่วยงานภายใต้สังกัดใช้ในการปฏิบัติงาน",
    "ด้านการเงินการคลัง และจัดทำรายงานการเงินให้เป็นไปตาม",
    "มาตรฐานการบัญชีภาครัฐและนโยบายการบัญชีภาครัฐ และให้หน่วยงาน",
]


def paragraph(y: float, lines: list[str], last_x1: float = 300.0) -> list[Line]:
    out = [
        line(text, y + i * PITCH, x0=LEFT + (70 if i == 0 else 0)) for i, text in enumerate(lines)
    ]
    out[-1] = line(lines[-1], out[-1].y0, x0=out[-1].x0, x1=last_x1)
    return out


def rules(*pages: Page) -> list[str]:
    return [f.rule for f in check_pages(pages)]


# --- each rule alone ----------------------------------------------------------------------------
def test_a_clean_justified_paragraph_passes() -> None:
    assert check_pages([page(*paragraph(100, [*FULL, "เป็นต้นไป นั้น"]))]) == []


@pytest.mark.parametrize(
    ("end", "start"),
    [
        ("เพื่อเข้าใช้งานในระบบขององค์กรปกครองส่วนท้อง", "ถิ่น และหน่วยงาน"),  # ท้อง|ถิ่น
        ("จึงขอให้ธนาคารดำเนินการเปลี่ยนแปลงผู้", "ดูแลระบบ (Company Administrator)"),
        ("ตามหนังสือที่อ้างถึง ลงวันที่ ๑๐", "กรกฎาคม ๒๕๖๒ นั้น"),  # a date
        ("สิ่งที่ส่งมาด้วย สำเนาหนังสือ จำนวน", "๑ ฉบับ แล้ว"),  # จำนวน ๑ ฉบับ
        ("ตามหนังสือ ที่ นม ๐๐๒๓.๒๖/ว", "๕๙๘ ลงวันที่"),  # a letter number
        ("ใช้บริการระบบ KTB Corporate On", "line ของธนาคาร KTB Corporate Online"),
        ("รหัสบริษัท (Company ID) GMI", "S123456 โดยมี"),  # an ID
    ],
)
def test_a_split_word_or_group_is_found(end: str, start: str) -> None:
    lines = paragraph(100, [*FULL[:2], end, start])
    lines[2] = line(end, lines[2].y0)  # ends at the margin: the line wrapped
    found = check_pages([page(*lines)])
    assert [f.rule for f in found] == ["split-word"], found
    assert found[0].line == 3


def test_a_break_between_words_is_no_split() -> None:
    lines = paragraph(100, [*FULL[:2], "เพื่อเข้าใช้งานในระบบบัญชีของ", "หน่วยงานภายใต้สังกัด นั้น"])
    lines[2] = line(lines[2].text, lines[2].y0)
    assert check_pages([page(*lines)]) == []


def test_ragged_lines_break_the_justified_rule() -> None:
    text = [*FULL, *FULL, FULL[0], "นั้น"]  # 9 wrapped lines
    lines = paragraph(100, text)
    ragged = [line(ln.text, ln.y0, x0=ln.x0, x1=RIGHT - 20) for ln in lines]
    one = [ragged[3] if i == 3 else ln for i, ln in enumerate(lines)]  # 8 of 9: 89 %
    found = check_pages([page(*one)])
    assert [f.rule for f in found] == ["justified"] and "8 of 9" in found[0].message
    # the reference lines that set the margin: 9 of 10 flush is enough
    ten = paragraph(100, [*FULL, *FULL, FULL[0], FULL[1], "นั้น"])
    ten[3] = line(ten[3].text, ten[3].y0, x1=RIGHT - 20)
    assert check_pages([page(*ten)]) == []


def signature_pages(lines_above: int) -> list[Page]:
    first = page(*paragraph(100, [*FULL, *FULL, *FULL, FULL[0]], last_x1=RIGHT))
    body = paragraph(70, [FULL[1], "เป็นต้นไป"][:lines_above]) if lines_above else []
    y = 70 + PITCH * lines_above + 10
    second = page(
        line("- ๒ -", 40, x0=290, x1=310),
        *body,
        line("ขอแสดงความนับถือ", y, x0=320, x1=410),
        line("(นายณฤชา โฆษาศิริไลซ์)", y + 4 * PITCH, x0=300, x1=420),
        line("โทร. ๐๒-๒๔๑-๙๐๐๐", y + 7 * PITCH, x1=200),
        number=2,
    )
    first.lines.append(line("/ของ...", 790, x0=480, x1=RIGHT))
    first.lines[-1].number = len(first.lines)
    return [first, second]


def test_the_signature_is_not_left_alone_on_its_page() -> None:
    assert "signature" not in rules(*signature_pages(2))
    assert "signature" in rules(*signature_pages(1))


def test_the_contact_block_stays_on_the_signature_page() -> None:
    first, second = signature_pages(2)
    contact = second.lines.pop()  # โทร. moves to a third page
    third = page(line("- ๓ -", 40, x0=290, x1=310), line(contact.text, 70, x1=200), number=3)
    second.lines.append(line("/โทร....", 790, x0=480, x1=RIGHT))
    found = check_pages([first, second, third])
    assert [(f.rule, f.page) for f in found] == [("contact", 3)]


def test_the_marker_names_the_next_page_first_words_whole() -> None:
    first, second = signature_pages(2)
    assert "marker" not in rules(first, second)
    first.lines[-1] = line("/ขององค์...", 790, x0=480, x1=RIGHT)  # cut inside องค์กร
    first.lines[-1].number = len(first.lines)
    assert "marker" in rules(first, second)
    first.lines.pop()  # no marker at all
    assert "marker" in rules(first, second)


def test_text_printed_over_text_or_a_picture_is_found() -> None:
    lines = paragraph(100, [FULL[0], "นั้น"])
    stamp = line("/โทร...", lines[0].y0 + 2, x0=460, x1=RIGHT)
    assert "overprint" in rules(page(*lines, stamp))
    garuda = (270.0, 10.0, 330.0, 95.0)
    assert rules(page(*lines, images=[garuda])) == []
    over = line("สิ่งที่ส่งมาด้วย ๑", 30, x0=280, x1=360)
    assert "overprint" in rules(page(*lines, over, images=[garuda]))


# --- real PDFs ----------------------------------------------------------------------------------
def issue_pdf(ws: Path, data: Path, date: str, start: tuple[str, str] | None = None) -> Path:
    if start:
        assert run_cli("register", "start", "--circular", "--year", start[0], "--next", start[1],
                       workspace=ws).code == 0  # fmt: skip
    result = run_cli("new", "letter", "--data", str(data), "--date", date, "--issue", "--pdf",
                     workspace=ws)  # fmt: skip
    assert result.code == 0, result.err
    made = [ln.strip() for ln in result.out.splitlines() if ln.strip().endswith(".pdf")]
    return ws / made[0]


def first_body_line(pages: list, number: int) -> str:
    return pages[number - 1].body()[0].text


@needs_office
def test_reference_letters_on_the_originals_pages(tmp_path: Path) -> None:
    """003 on 2 pages, page 2 starting at ๑.๒.๒ as the original's marker "/๑.๒.๒ สำหรับ..."
    says; 000 on 2 pages. Both pass every rule."""
    dla = make_workspace(tmp_path, "dla")
    letter = issue_pdf(dla, dla / "reference-003.yaml", "2025-03-25", ("2568", "36"))
    pages = read_pages(letter)
    assert len(pages) == 2
    assert first_body_line(pages, 2).startswith("๑.๒.๒ สำหรับ")
    assert pages[0].body()[-1].text == "/๑.๒.๒ สำหรับ..."
    assert proof_pdf(letter) == []
    district = make_workspace(tmp_path, "pakthongchai")
    letter = issue_pdf(district, district / "reference-000.yaml", "2023-04-28", ("2566", "598"))
    pages = read_pages(letter)
    assert len(pages) == 2
    assert proof_pdf(letter) == []
    # the contact block (โทร. / โทรสาร) is on the signature's page
    assert any(ln.text.startswith("โทร. / โทรสาร") for ln in pages[1].lines)


@needs_office
def test_a_letter_that_overflows_by_a_few_lines_is_tightened(tmp_path: Path) -> None:
    dla = make_workspace(tmp_path, "dla")
    letter = issue_pdf(dla, dla / "reference-003.yaml", "2025-03-25")
    docx = letter.with_suffix(".docx")
    before = docx.read_bytes()
    converter = pdf.default_converter()
    loose = tmp_path / "loose.pdf"
    converter.convert(docx, loose)
    assert len(PdfReader(loose).pages) == 3  # as laid out with 6 pt between every part
    assert pdf.fit_pages(docx, loose, converter) >= 1
    assert len(PdfReader(loose).pages) == 2
    assert docx.read_bytes() == before  # the register's DOCX stays as rendered


@needs_office
@pytest.mark.parametrize("workflow", ["appoint-admin", "change-user", "request-elaas-password"])
def test_every_workflow_document_passes_proof(tambon: Path, workflow: str) -> None:
    result = run_cli("new", workflow, "--data", str(EXAMPLES / f"{workflow}.yaml"), "--date",
                     "2026-01-15", "--issue", "--pdf", workspace=tambon)  # fmt: skip
    assert result.code == 0, result.err
    made = sorted(tambon.glob("letters/**/*.pdf"))
    assert made
    for path in made:
        assert proof_pdf(path) == [], path.name


@needs_office
def test_proof_command_on_files_and_cases(tmp_path: Path) -> None:
    dla = make_workspace(tmp_path, "dla")
    letter = issue_pdf(dla, dla / "reference-003.yaml", "2025-03-25", ("2568", "36"))
    ok = run_cli("proof", str(letter), workspace=dla)
    assert ok.code == 0 and ok.out.startswith("ok  "), ok
    # a path as the workspace's commands print it, relative to the workspace
    relative = run_cli("proof", "letters/2568/circular-0036.pdf", workspace=dla)
    assert relative.code == 0 and relative.out == ok.out, relative
    case = run_cli("proof", "1", workspace=dla)
    assert case.code == 0 and "letters/2568/circular-0036.pdf" in case.out
    # the same letter from a template an office "edited in Word": no break marks, left-aligned
    docx = letter.with_suffix(".docx")
    plain = tmp_path / "plain.docx"
    with zipfile.ZipFile(docx) as zin, zipfile.ZipFile(plain, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                text = data.decode("utf-8").replace("\ufeff", "").replace("\u200b", "")
                data = text.replace('w:val="thaiDistribute"', 'w:val="left"').encode("utf-8")
            zout.writestr(info, data)
    ragged = pdf.default_converter().convert(plain, tmp_path / "plain.pdf")
    bad = run_cli("proof", str(ragged), workspace=dla)
    assert bad.code == 1
    assert ": justified:" in bad.out and "layout rule(s) broken" in bad.err
    missing = run_cli("proof", str(tmp_path / "none.pdf"), workspace=dla)
    assert missing.code == 1 and "file not found" in missing.err
    (tmp_path / "text.pdf").write_text("not a PDF", encoding="utf-8")
    broken = run_cli("proof", str(tmp_path / "text.pdf"), workspace=dla)
    assert broken.code == 1 and "text.pdf: not a readable PDF (" in broken.err
    assert len(broken.err.strip().splitlines()) == 1  # one line, no traceback


@pytest.mark.skipif(
    not (SHARED / "fonts" / "THSarabunNew.ttf").is_file(),
    reason="the real TH Sarabun New, a test oracle kept outside the repository "
    "(../shared/fonts/THSarabunNew.ttf), is absent",
)
def test_line_height_of_the_substitute_is_th_sarabun_new(tmp_path: Path) -> None:
    """The oracle: the real font's line (hhea) equals the substitute's (engine.fonts)."""
    from fontTools.ttLib import TTFont

    from engine import fonts

    real = TTFont(SHARED / "fonts" / "THSarabunNew.ttf")
    dest = fonts.install_fonts()
    ours = TTFont(dest / "SarabanLaksaman.ttf")

    def line_em(font: TTFont) -> float:
        h = font["hhea"]
        return (h.ascent - h.descent + h.lineGap) / font["head"].unitsPerEm

    assert line_em(ours) == pytest.approx(line_em(real), abs=0.001)


@needs_office
def test_proof_of_a_circular_case_covers_master_and_copies(district: Path) -> None:
    from test_circular import circular_ws, issue

    ws = circular_ws(district)
    assert issue(ws, "--pdf").code == 0
    result = run_cli("proof", "1", workspace=ws)
    assert result.code == 0, result.out + result.err
    proofed = [line.split()[-1] for line in result.out.splitlines()]
    assert proofed == ["letters/2566/circular-0001.pdf", "letters/2566/circular-0001-copies.pdf"]
    copies = read_pages(ws / proofed[1])
    assert len(copies) >= 25  # every copy, each proofed as its own letter
