"""DOCX to PDF through real LibreOffice; Thai layout; continuation markers; enclosure bundles."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import needs_pdf, write_encrypted_pdf
from docx import Document
from docx.enum.section import WD_SECTION
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt
from fontTools.ttLib import TTFont
from PIL import Image
from pypdf import PdfReader, PdfWriter

from engine import fonts, pdf
from engine.errors import UserError
from engine.pdf import (
    ConversionError,
    Converter,
    Enclosure,
    EnclosureError,
    build_bundle,
    continuation_marker,
    page_count,
    page_texts,
    stamp_page_furniture,
)
from engine.session import Session
from engine.thai import to_thai_digits

pytestmark = needs_pdf

TEST_LINE = "ทดสอบการพิมพ์ภาษาไทย ๑๒๓๔๕๖๗๘๙๐ หนังสือราชการ"
A4_W, A4_H = pdf.A4


@pytest.fixture(scope="module")
def converter():
    with Converter(size=2, timeout=30) as pool:
        yield pool


def make_docx(path: Path, pages: list[list[str]], headers: bool = True) -> Path:
    """An A4 letter-like DOCX in TH Sarabun New 16 pt, one section per page; pages after the
    first carry the page number header "- ๒ -" as letters do."""
    doc = Document()
    style = doc.styles["Normal"]
    style.font.name = "TH Sarabun New"
    style.font.size = Pt(16)
    rpr = style.element.get_or_add_rPr()
    rpr.get_or_add_rFonts().set(qn("w:cs"), "TH Sarabun New")
    size_cs = OxmlElement("w:szCs")
    size_cs.set(qn("w:val"), "32")
    rpr.append(size_cs)
    for number, lines in enumerate(pages, 1):
        if number > 1:
            section = doc.add_section(WD_SECTION.NEW_PAGE)
            if headers:
                section.header.is_linked_to_previous = False
                section.header.paragraphs[0].text = f"- {to_thai_digits(str(number))} -"
        for line in lines:
            doc.add_paragraph(line)
    for section in doc.sections:
        section.page_width, section.page_height = Cm(21), Cm(29.7)
        section.left_margin, section.right_margin = Cm(3), Cm(2)
    doc.save(path)
    return path


def text_positions(page) -> list[tuple[str, float, float]]:
    """(text, x, baseline y) of each text chunk, in page space."""
    out = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
            y = tm[4] * cm[1] + tm[5] * cm[3] + cm[5]
            out.append((text, x, y))

    page.extract_text(visitor_text=visit)
    return out


def bbox_lines(path: Path, page: int) -> list[tuple[str, float, float, float, float]]:
    """(text, xMin, yMin, xMax, yMax) of each line as poppler lays it out (y from the top)."""
    xml = subprocess.run(
        ["pdftotext", "-bbox-layout", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
    ).stdout
    ns = "{http://www.w3.org/1999/xhtml}"
    lines = []
    for line in ET.fromstring(xml).iter(f"{ns}line"):
        words = " ".join(w.text or "" for w in line.iter(f"{ns}word"))
        box = [float(line.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")]
        lines.append((words, *box))
    return lines


def live_processes(group: int) -> list[int]:
    """Processes of a process group that are not zombies (PID 1 here may not reap orphans)."""
    pids = []
    for entry in Path("/proc").iterdir():
        try:
            stat = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, IndexError):
            continue
        if int(stat[2]) == group and stat[0] != "Z":
            pids.append(int(entry.name))
    return pids


# ---------------------------------------------------------------------------------- converter


def test_thai_line_has_th_sarabun_new_width(converter, tmp_path):
    out = converter.convert(make_docx(tmp_path / "t.docx", [[TEST_LINE]]), tmp_path / "t.pdf")
    line = next(b for b in bbox_lines(out, 1) if b[0].startswith("ทดสอบ"))
    assert line[0] == TEST_LINE
    width = line[3] - line[1]
    # TH Sarabun New is Laksaman at 0.66 (the substitute is exactly that): the expected width.
    laksaman = TTFont(fonts._find_sources()["Laksaman.ttf"])
    cmap, hmtx = laksaman.getBestCmap(), laksaman["hmtx"]
    units = sum(hmtx[cmap[ord(c)]][0] for c in TEST_LINE) / laksaman["head"].unitsPerEm
    expected = units * 0.66 * 16
    assert width == pytest.approx(expected, rel=0.03)
    assert width < units * 16 / 1.3  # unscaled Laksaman would be 1.5 times wider
    # Left edge at the 3 cm margin.
    assert line[1] == pytest.approx(3 * pdf.CM, abs=1)


def test_pdf_embeds_the_substitute_font(converter, tmp_path):
    doc = make_docx(tmp_path / "f.docx", [[TEST_LINE]])
    out = converter.convert(doc, tmp_path / "f.pdf")
    listing = subprocess.run(["pdffonts", str(out)], check=True, capture_output=True, text=True)
    rows = [line.split() for line in listing.stdout.splitlines()[2:]]
    assert rows, listing.stdout
    assert all(row[0].endswith("+SarabanLaksaman") for row in rows), listing.stdout
    assert all(row[-5] == "yes" for row in rows)  # emb


def test_pool_reuses_warm_processes(converter, tmp_path):
    docs = [make_docx(tmp_path / f"d{i}.docx", [[f"{TEST_LINE} {i}"]]) for i in range(6)]
    converter.convert(docs[0], tmp_path / "d0.pdf")
    before = set(converter.pids)
    outs = converter.convert_many([(d, d.with_suffix(".pdf")) for d in docs])
    assert [PdfReader(o).pages[0].extract_text().count("ทดสอบ") for o in outs] == [1] * 6
    assert before <= set(converter.pids)  # the warm worker is still the same process
    assert len(converter.pids) <= converter.size
    converter.convert(docs[1], tmp_path / "again.pdf")
    assert before <= set(converter.pids)
    assert not list(tmp_path.glob("*.part"))


def test_killed_soffice_is_restarted(converter, tmp_path):
    doc = make_docx(tmp_path / "k.docx", [[TEST_LINE]])
    converter.convert(doc, tmp_path / "k0.pdf")
    victims = set(converter.pids)
    for pid in victims:
        os.killpg(pid, signal.SIGKILL)
    out = converter.convert(doc, tmp_path / "k1.pdf")
    assert "ทดสอบ" in page_texts(out)[0]
    assert not victims & set(converter.pids)


def test_hung_soffice_is_killed_after_timeout_and_document_retried(tmp_path):
    doc = make_docx(tmp_path / "h.docx", [[TEST_LINE]])
    with Converter(size=1, timeout=3) as pool:
        pool.convert(doc, tmp_path / "h0.pdf")
        (hung,) = pool.pids
        os.killpg(hung, signal.SIGSTOP)
        out = pool.convert(doc, tmp_path / "h1.pdf")
        assert "ทดสอบ" in page_texts(out)[0]
        assert pool.pids and hung not in pool.pids
        root = pool.root
    assert not root.exists()  # closed: profiles removed
    assert not live_processes(hung)


def test_converter_that_keeps_failing_names_the_document(converter, tmp_path, monkeypatch):
    doc = make_docx(tmp_path / "ข้อมูล.docx", [[TEST_LINE]])
    out = tmp_path / "never.pdf"

    def crash(self, src, dst, timeout, **kw):
        dst.write_bytes(b"%PDF-half")
        raise pdf._WorkerFailed("LibreOffice stopped (crashed or was killed)")

    monkeypatch.setattr(pdf._Worker, "convert", crash)
    with pytest.raises(ConversionError, match="failed twice") as caught:
        converter.convert(doc, out)
    assert isinstance(caught.value, UserError)
    assert caught.value.file == str(doc)
    assert not out.exists() and not list(tmp_path.glob("*.part"))  # nothing half-written


def test_lean_docx_drops_only_styles_nothing_uses(tmp_path):
    doc = Document()
    doc.add_paragraph("หัวข้อ", style="Heading 1")
    table = doc.add_table(rows=1, cols=1)
    table.style = "Light Grid Accent 1"
    doc.sections[0].header.paragraphs[0].style = "Header"
    doc.save(tmp_path / "styled.docx")
    lean = tmp_path / "lean.docx"
    lean.write_bytes(pdf._prepared_docx(tmp_path / "styled.docx")[0])
    before = {s.style_id for s in Document(tmp_path / "styled.docx").styles}
    after = {s.style_id for s in Document(lean).styles}
    assert len(before) > 150 and len(after) <= 20
    # Used, their bases / links / next, and the defaults stay.
    assert {
        "Heading1",
        "Heading1Char",
        "Normal",
        "LightGrid-Accent1",
        "Header",
        "TableNormal",
    } <= after
    assert "LightShading" not in after and "Title" not in after
    assert Document(lean).paragraphs[0].text == "หัวข้อ"
    # Nothing to gain: left as is.
    slim = make_docx(tmp_path / "slim.docx", [["x"]])
    assert pdf._prepared_docx(lean)[0] is None and pdf._prepared_docx(slim)[0] is not None


def test_lean_docx_gives_the_same_pdf(converter, tmp_path):
    pages = [["เรื่อง ทดสอบ", TEST_LINE], ["๑.๒.๒ สำหรับผู้ใช้งาน"]]
    doc = make_docx(tmp_path / "same.docx", pages)

    def layout(path: Path) -> list[str]:
        xml = subprocess.run(["pdftotext", "-bbox", str(path), "-"], capture_output=True).stdout
        return [line for line in xml.decode().splitlines() if "<meta" not in line]

    lean = layout(converter.convert(doc, tmp_path / "lean.pdf"))
    converter.lean_docx = False
    try:
        as_is = layout(converter.convert(doc, tmp_path / "as-is.pdf"))
    finally:
        converter.lean_docx = True
    assert lean == as_is and len(lean) > 20


def test_workers_end_with_the_program(tmp_path):
    """No close(), no with: the soffice processes still end when Python exits."""
    doc = make_docx(tmp_path / "e.docx", [[TEST_LINE]])
    script = (
        "import sys; from engine.pdf import Converter\n"
        "c = Converter(1); c.convert(sys.argv[1], sys.argv[2]); print(c.pids[0], c.root)\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", script, str(doc), str(tmp_path / "e.pdf")],
        capture_output=True,
        text=True,
        check=True,
        cwd=Path(__file__).parent.parent,
    )
    pid, root = run.stdout.split()
    assert (tmp_path / "e.pdf").is_file()
    assert not live_processes(int(pid))
    assert not Path(root).exists()


def test_missing_libreoffice_says_how_to_install(monkeypatch, tmp_path):
    monkeypatch.setattr(pdf, "SOFFICE_PATHS", ())
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv("SARABAN_SOFFICE", raising=False)
    monkeypatch.setattr(pdf.Path, "glob", lambda self, pattern: iter(()))
    with (
        Session(),  # a fresh session looks LibreOffice up again: no cache to clear
        Converter(size=1) as pool,
        pytest.raises(UserError, match="apt-get install libreoffice-writer-nogui"),
    ):
        pool.convert(make_docx(tmp_path / "x.docx", [["x"]]), tmp_path / "x.pdf")
    assert not (tmp_path / "x.pdf").exists()


# ---------------------------------------------------------------------------- page furniture


@pytest.mark.parametrize(
    ("text", "marker"),
    [
        ("- ๒ -\n๑.๒.๒ สำหรับผู้ใช้งานระบบ\nต่อ", "/๑.๒.๒ สำหรับ..."),
        ("- ๓ -\n๒. ดำเนินการตอบแบบสำรวจความพร้อม", "/๒. ดำเนินการ..."),
        ("-๒-\nตามที่อำเภอปักธงชัย ได้แจ้ง", "/ตามที่..."),
        ("- 2 -\n1.2.2 สำหรับผู้ใช้งาน", "/๑.๒.๒ สำหรับ..."),  # office uses Thai digits
        ("(Two-Factor Authentication)", "/(Two-Factor..."),
        ("- ๒ -\n\n", None),
    ],
)
def test_continuation_marker_takes_the_first_words(text, marker):
    assert continuation_marker(text) == marker


def test_continuation_marker_names_whole_words_and_follows_digit_setting():
    # never cut inside a word (issue: "/โท..." for "โทร."), however long the word
    assert continuation_marker("๑.๒ abcdefghijklmnopqrstuvwxyz", thai_digits=False) == (
        "/1.2 abcdefghijklmnopqrstuvwxyz..."
    )
    assert continuation_marker("โทร. / โทรสาร ๐ - ๔๔๔๔") == "/โทร..."
    assert continuation_marker("ท้องถิ่นอำเภอ") == "/ท้องถิ่น..."


def test_three_page_letter_gets_markers_on_all_pages_but_the_last(converter, tmp_path):
    pages = [
        ["เรื่อง ทดสอบหนังสือสามหน้า", TEST_LINE],
        ["๑.๒.๒ สำหรับผู้ใช้งานระบบบัญชีคอมพิวเตอร์", "ข้อความหน้าสอง"],
        ["(๒) กรณีไม่ได้มีการเปลี่ยนแปลงบุคคล", "จึงเรียนมาเพื่อโปรดทราบ"],
    ]
    out = converter.convert(make_docx(tmp_path / "three.docx", pages), tmp_path / "three.pdf")
    markers = stamp_page_furniture(out, converter=converter)
    assert markers == ["/๑.๒.๒ สำหรับ...", "/(๒) กรณี..."]
    texts = page_texts(out)
    assert len(texts) == 3
    assert texts[0].strip().splitlines()[-1] == "/๑.๒.๒ สำหรับ..."
    assert texts[1].strip().splitlines()[-1] == "/(๒) กรณี..."
    assert "/" not in texts[2] and "..." not in texts[2]
    # Bottom right: right edge at 2 cm from the edge, baseline 1-1.5 cm above the bottom: in the
    # 2-cm bottom margin, so that it never covers the last line of text.
    for number, marker in ((1, markers[0]), (2, markers[1])):
        line = next(b for b in bbox_lines(out, number) if b[0].startswith("/"))
        assert line[3] == pytest.approx(A4_W - 2 * pdf.CM, abs=2)
        chunks = text_positions(PdfReader(out).pages[number - 1])
        baseline = next(y for text, _, y in chunks if text.startswith("/"))
        assert 1.0 * pdf.CM <= baseline <= 1.5 * pdf.CM, marker
        assert line[2] >= A4_H - 2 * pdf.CM, "the top of the marker is below the text area"
    # The letter's own text is untouched.
    assert texts[0].splitlines()[1] == TEST_LINE


def test_single_page_letter_gets_no_marker(converter, tmp_path):
    out = converter.convert(make_docx(tmp_path / "one.docx", [[TEST_LINE]]), tmp_path / "one.pdf")
    before = out.read_bytes()
    assert stamp_page_furniture(out, converter=converter) == []
    assert out.read_bytes() == before


# ------------------------------------------------------------------------------------ bundles


@pytest.fixture(scope="module")
def parts(converter, tmp_path_factory):
    """A two-page letter and four enclosures: a landscape Letter-size PDF (2 pages),
    a DOCX (1 page), a JPEG scan at 300 dpi and a PNG with transparency."""
    root = tmp_path_factory.mktemp("bundle")
    letter = converter.convert(
        make_docx(root / "letter.docx", [["เรื่อง ขอส่งเอกสาร", TEST_LINE], ["จึงเรียนมาเพื่อโปรดทราบ"]]),
        root / "letter.pdf",
    )
    writer = PdfWriter()
    writer.add_blank_page(792, 612)
    writer.add_blank_page(792, 612)
    with open(root / "form.pdf", "wb") as fh:
        writer.write(fh)
    make_docx(root / "form.docx", [["แบบการขอรหัสผู้ใช้งาน"]])
    Image.new("RGB", (1012, 638), (200, 220, 240)).save(root / "idcard.jpg", dpi=(300, 300))
    Image.new("RGBA", (400, 300), (0, 0, 0, 0)).save(root / "map.png")
    enclosures = [
        Enclosure("แบบฟอร์ม PDF", root / "form.pdf"),
        Enclosure("แบบการขอรหัสผู้ใช้งาน", root / "form.docx"),
        Enclosure("สำเนาบัตรประจำตัวประชาชน", root / "idcard.jpg"),
        Enclosure("แผนที่", root / "map.png"),
    ]
    return root, letter, enclosures


def test_page_count_of_each_kind(converter, parts):
    _, letter, enclosures = parts
    assert [page_count(e, converter) for e in enclosures] == [2, 1, 1, 1]
    assert page_count(letter) == 2


def test_bundle_has_pages_bookmarks_and_stamps(converter, parts):
    root, letter, enclosures = parts
    out = build_bundle(letter, enclosures, root / "bundle.pdf", converter, title="ขอส่งเอกสาร")
    reader = PdfReader(out)
    assert len(reader.pages) == 2 + 2 + 1 + 1 + 1
    outline = [(item.title, reader.get_destination_page_number(item)) for item in reader.outline]
    assert outline == [
        ("ขอส่งเอกสาร", 0),
        ("แบบฟอร์ม PDF", 2),
        ("แบบการขอรหัสผู้ใช้งาน", 4),
        ("สำเนาบัตรประจำตัวประชาชน", 5),
        ("แผนที่", 6),
    ]
    texts = page_texts(out)
    stamped = {i: t.strip().splitlines()[-1] for i, t in enumerate(texts) if "สิ่งที่ส่งมาด้วย" in t}
    assert stamped == {
        2: "สิ่งที่ส่งมาด้วย ๑",
        4: "สิ่งที่ส่งมาด้วย ๒",
        5: "สิ่งที่ส่งมาด้วย ๓",
        6: "สิ่งที่ส่งมาด้วย ๔",
    }
    assert texts[0].splitlines()[0] == "เรื่อง ขอส่งเอกสาร"
    # Top right of each first page, landscape Letter included: right edge 2 cm in.
    for index in (2, 4, 5):
        width = float(reader.pages[index].mediabox.width)
        line = next(b for b in bbox_lines(out, index + 1) if b[0].startswith("สิ่งที่ส่งมาด้วย"))
        assert line[3] == pytest.approx(width - 2 * pdf.CM, abs=2)
        assert line[2] < 2 * pdf.CM  # near the top
    # Images sit on A4 pages; the JPEG is embedded as is, the scan at its true size (300 dpi).
    jpeg_page = reader.pages[5]
    assert (float(jpeg_page.mediabox.width), float(jpeg_page.mediabox.height)) == pytest.approx(
        (A4_W, A4_H)
    )
    image = jpeg_page["/Resources"]["/XObject"]["/Im0"].get_object()
    assert image["/Filter"] == "/DCTDecode"
    assert image._data == (root / "idcard.jpg").read_bytes()
    content = jpeg_page.get_contents().get_data().decode()
    assert f"{1012 * 72 / 300:.3f} 0 0 {638 * 72 / 300:.3f}" in content  # 8.57 x 5.4 cm
    assert (
        reader.pages[6]["/Resources"]["/XObject"]["/Im0"].get_object()["/Filter"] == "/FlateDecode"
    )
    assert reader.metadata.title == "ขอส่งเอกสาร"


def test_bundle_letter_bookmark_defaults_to_หนังสือ(converter, parts):
    root, letter, enclosures = parts
    out = build_bundle(letter, enclosures[:1], root / "b2.pdf", converter)
    assert [item.title for item in PdfReader(out).outline] == ["หนังสือ", "แบบฟอร์ม PDF"]


@pytest.mark.parametrize(
    ("name", "make", "message"),
    [
        ("locked.pdf", write_encrypted_pdf, "encrypted"),
        (
            "garbage.pdf",
            lambda p: p.write_bytes(b"this is not a PDF at all " * 40),
            "not a readable PDF",
        ),
        ("empty.pdf", lambda p: p.write_bytes(b""), "empty"),
        ("gone.pdf", lambda p: None, "not found"),
        ("photo.png", lambda p: p.write_text("not an image"), "not a readable JPEG or PNG"),
        (
            "scan.jpg",
            lambda p: p.write_bytes(b"\xff\xd8\xff\xe0" + b"\0" * 50),
            "not a readable JPEG or PNG",
        ),
        ("form.docx", lambda p: p.write_text("not a docx"), "not a DOCX"),
        ("sheet.xlsx", lambda p: p.write_text("x"), "unsupported file type"),
    ],
)
def test_bad_enclosure_names_it_and_writes_nothing(converter, parts, tmp_path, name, make, message):
    root, letter, enclosures = parts
    bad = tmp_path / name
    make(bad)
    out = tmp_path / "bundle.pdf"
    out.write_bytes(b"previous bundle")
    with pytest.raises(EnclosureError, match=message) as caught:
        build_bundle(letter, [enclosures[0], Enclosure("เอกสารเสีย", bad)], out, converter)
    assert isinstance(caught.value, UserError)
    assert "เอกสารเสีย" in str(caught.value) and name in str(caught.value)
    assert out.read_bytes() == b"previous bundle"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary left


def test_truncated_pdf_is_refused(converter, parts, tmp_path):
    root, letter, _ = parts
    data = letter.read_bytes()
    cut = tmp_path / "cut.pdf"
    cut.write_bytes(data[: len(data) // 3])
    with pytest.raises(EnclosureError, match="cut.pdf"):
        build_bundle(letter, [Enclosure("ตัดครึ่ง", cut)], tmp_path / "b.pdf", converter)
    assert not (tmp_path / "b.pdf").exists()


def test_libreoffice_gets_joiners_only_where_icu_would_break():
    """The DOCX joins every character of a word; LibreOffice's copy keeps a joiner only where
    ICU's Thai dictionary would split the word (ท้อง|ถิ่น), so its justification stays even."""
    from engine.linebreak import DEFAULT_BREAKER, WJ

    def lo(text: str) -> str:
        return pdf._fewer_joiners(f"<w:t>{DEFAULT_BREAKER.mark(text)}</w:t>".encode()).decode()

    assert lo("ท้องถิ่น") == f"<w:t>ท้อง{WJ}ถิ่น</w:t>"
    assert lo("ผู้ดูแลระบบ") == f"<w:t>ผู้{WJ}ดูแล{WJ}ระบบ</w:t>"
    assert lo("ระบบ") == "<w:t>ระบบ</w:t>"
    # a word ending in a tone mark keeps its last joiner; words stay apart by their ZWSP
    assert lo("หน้าที่ของ") == f"<w:t>หน้าที่{WJ}\u200bของ</w:t>"
