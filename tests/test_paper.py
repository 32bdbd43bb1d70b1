"""Paper furniture: numbered items indented as the typing guide sets them, the draft mark
(ร่าง) and a circular's distribution list as an attachment outside the letter's pages.

Positions are read from the PDFs that ``--pdf`` makes (poppler's boxes, engine.proof.read_pages).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
from conftest import EXAMPLES, make_workspace, run_cli
from docxtext import docx_parts

from engine.docxparts import DRAFT_MARK, LIST_TITLE
from engine.letter import split_paragraphs
from engine.linebreak import INVISIBLE
from engine.pdf import page_texts
from engine.proof import read_pages
from engine.render import PARAGRAPH_INDENT, number_width
from engine.thai import to_thai_digits

needs_office = pytest.mark.skipif(
    shutil.which("soffice") is None or shutil.which("pdftotext") is None,
    reason="needs libreoffice-writer-nogui and poppler-utils",
)

CM = 72 / 2.54
TWIP = 1 / 20  # pt
LEFT_MARGIN = 3 * CM

LONG = (
    "ให้องค์กรปกครองส่วนท้องถิ่นตรวจสอบคำสั่งแต่งตั้งผู้ดูแลระบบและผู้ใช้งานระบบ "
    "ให้เป็นปัจจุบันและแจ้งธนาคารภายในกำหนด พร้อมทั้งรายงานผลการดำเนินการให้อำเภอทราบ"
)


# --- numbered items ---------------------------------------------------------------------------
def test_items_typed_on_their_own_lines_are_paragraphs() -> None:
    text = "ขอให้ดำเนินการ ดังนี้\n๑. ตรวจสอบ\n๑.๑ กรณีแรก\n(๑) ข้อย่อย\n2. ข้อสอง\nต่อบรรทัด\n\nจึงเรียนมา"
    assert split_paragraphs(text) == [
        "ขอให้ดำเนินการ ดังนี้",
        "๑. ตรวจสอบ",
        "๑.๑ กรณีแรก",
        "(๑) ข้อย่อย",
        "2. ข้อสอง\nต่อบรรทัด",  # a line that is no item stays a line break in its paragraph
        "จึงเรียนมา",
    ]
    # a year or an amount starting a line is no item
    assert split_paragraphs("ภายในปี\n2568 เป็นต้นไป") == ["ภายในปี\n2568 เป็นต้นไป"]


def _item_letter(ws: Path, digits: str = "๑") -> Path:
    one, two = digits, "๒" if digits == "๑" else "2"
    body = (
        f"ด้วย{LONG}\n"
        f"{one}. {LONG}\n"
        f"{one}.{one} {LONG}\n"
        f"({one}) {LONG}\n"
        f"({two}) {LONG}\n"
        f"{two}. {LONG}\n"
    )
    data = ws / "items.yaml"
    data.write_text(
        "to: ผู้ว่าราชการจังหวัด ทุกจังหวัด\nsubject: ทดสอบข้อ\nsigner: chief\n"
        "closing: จึงเรียนมาเพื่อโปรดทราบ\nbody: |\n"
        + "".join(f"  {line}\n" for line in body.splitlines()),
        encoding="utf-8",
    )
    return data


def _first_lines(pdf: Path, starts: list[str]) -> dict[str, tuple[float, float | None]]:
    """For each item number: the x of its first line and of the line after it (its wrap)."""
    lines = [ln for page in read_pages(pdf, images=False) for ln in page.body()]
    out = {}
    for i, ln in enumerate(lines):
        for number in starts:
            if ln.words[0].text == number and number not in out:
                nxt = lines[i + 1].x0 if i + 1 < len(lines) else None
                out[number] = (ln.x0, nxt)
    return out


@needs_office
@pytest.mark.parametrize("arabic", [False, True], ids=["thai-digits", "arabic-digits"])
def test_items_are_indented_by_level_and_wrap_to_the_margin(tmp_path: Path, arabic: bool) -> None:
    """๑. at the paragraph indent (2.5 cm), ๑.๑ under the first letter of ๑.'s text, (๑) under
    ๑.๑'s text; every wrapped line back at the left margin (3 cm). With Arabic digits (an office
    whose thai_digits is false) the same, measured with Arabic digits."""
    ws = make_workspace(tmp_path, "dla")
    if arabic:
        office = ws / "office.yaml"
        office.write_text(
            office.read_text(encoding="utf-8").replace("thai_digits: true", "thai_digits: false"),
            encoding="utf-8",
        )
    data = _item_letter(ws, "1" if arabic else "๑")
    r = run_cli("new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", "--pdf",
                workspace=ws)  # fmt: skip
    assert r.code == 0, r.err
    pdf = next((ws / "letters").glob("*/*.pdf"))
    one, two = ("1", "2") if arabic else ("๑", "๒")
    first, sub = f"{one}.", f"{one}.{one}"
    found = _first_lines(pdf, [first, sub, f"({one})", f"({two})", f"{two}."])
    indent = LEFT_MARGIN + PARAGRAPH_INDENT * TWIP
    step1 = number_width(first) * TWIP
    step2 = number_width(sub) * TWIP
    expected = {
        first: indent,
        sub: indent + step1,
        f"({one})": indent + step1 + step2,
        f"({two})": indent + step1 + step2,
        f"{two}.": indent,
    }
    for number, x in expected.items():
        assert number in found, (number, sorted(found))
        x0, wrapped = found[number]
        assert abs(x0 - x) < 0.5, (number, x0, x)
        assert wrapped is not None and abs(wrapped - LEFT_MARGIN) < 0.5, (number, wrapped)
    # the DOCX says the same: each item's own first-line indent
    xml = docx_parts(pdf.with_suffix(".docx"))["word/document.xml"].decode()
    indents = {int(v) for v in re.findall(r'<w:ind w:firstLine="(\d+)"/>', xml)}
    assert {PARAGRAPH_INDENT, PARAGRAPH_INDENT + number_width(first),
            PARAGRAPH_INDENT + number_width(first) + number_width(sub)} <= indents  # fmt: skip
    assert "saraban:item" not in xml


# --- the draft mark ------------------------------------------------------------------------------
def _page_texts(pdf: Path, *, raw: bool = False) -> list[str]:
    """Every page's text as pdftotext reads it, diagonal text included (``raw``: in content
    order, as the engine reads pages for its markers)."""
    mode = ["-raw"] if raw else []
    out = subprocess.run(["pdftotext", *mode, "-enc", "UTF-8", str(pdf), "-"],
                         capture_output=True, check=True).stdout.decode()  # fmt: skip
    pages = out.split("\f")
    return pages[:-1] if not pages[-1].strip() else pages


def _marks(docx: Path) -> dict[str, int]:
    """Header part → how many draft-mark shapes it holds."""
    return {
        name: xml.count(b'string="\xe0\xb8\xa3\xe0\xb9\x88\xe0\xb8\xb2\xe0\xb8\x87"')
        for name, xml in docx_parts(docx).items()
        if re.match(r"word/header\d*\.xml$", name)
    }


@needs_office
def test_a_draft_carries_the_mark_and_the_issued_letter_does_not(tmp_path: Path) -> None:
    """A draft (no --issue) has Word's watermark (a WordArt "ร่าง" in every header: both the
    first page's and the other pages'), and its PDF says ร่าง on every page; the same letter
    issued has neither. Both PDFs pass proof (the autouse fixture proofs every PDF made)."""
    ws = make_workspace(tmp_path, "pakthongchai")
    data = ws / "reference-000.yaml"
    r = run_cli("new", "letter", "--data", str(data), "--date", "2023-04-28", "--pdf",
                workspace=ws)  # fmt: skip
    assert r.code == 0, r.err
    draft = ws / "letters" / "drafts" / "case-00001-letter.docx"
    marks = _marks(draft)
    assert len(marks) >= 2 and all(n == 1 for n in marks.values()), marks
    header = docx_parts(draft)["word/header2.xml"].decode()
    assert 'id="PowerPlusWaterMarkObject' in header and "rotation:315" in header
    assert "z-index:-" in header  # behind the text
    pages = _page_texts(draft.with_suffix(".pdf"))
    assert len(pages) >= 2
    assert all(DRAFT_MARK in page for page in pages), [DRAFT_MARK in p for p in pages]
    # what the engine reads of the pages (markers, proof) leaves the mark out, and only it
    read = page_texts(draft.with_suffix(".pdf"))
    assert not any(DRAFT_MARK in page for page in read)
    assert read[0].startswith("ที่ นม ") and read[1].startswith("- ๒ -"), [p[:12] for p in read]

    r = run_cli("new", "letter", "--data", str(data), "--date", "2023-04-28", "--issue", "--pdf",
                workspace=ws)  # fmt: skip
    assert r.code == 0, r.err
    issued = next((ws / "letters" / "2566").glob("*.docx"))
    assert set(_marks(issued).values()) == {0}
    assert not any(b"PowerPlusWaterMarkObject" in xml for xml in docx_parts(issued).values())
    assert not any(DRAFT_MARK in page for page in _page_texts(issued.with_suffix(".pdf")))


# --- a circular's distribution list: an attachment --------------------------------------------
PAGE_NUMBER = re.compile(r"^-\s*[๐-๙0-9]+\s*-$")


def _lines(text: str) -> list[str]:
    return [" ".join(ln.translate(INVISIBLE).split()) for ln in text.splitlines() if ln.strip()]


@needs_office
def test_the_distribution_list_is_outside_the_letters_pages(tmp_path: Path) -> None:
    """Reference letter 000 (two pages) as a circular to 24 organisations: the letter's pages
    carry their page number ("- ๒ -") and the marker between them; the list (two pages of its
    own, headed บัญชีรายชื่อแนบท้ายหนังสือ…) carries no page number and no marker, nor does the
    letter's last page before it; every recipient is in it. In the DOCX the list is a section of
    its own whose header has no PAGE field."""
    ws = make_workspace(tmp_path, "pakthongchai")
    # names long enough to take two lines each: the list runs over two pages
    long = "ทดสอบการพิมพ์บัญชีรายชื่อแนบท้ายหนังสือเวียนที่มีชื่อหน่วยงานยาวมากจนต้องขึ้นบรรทัดใหม่"
    names = [f"องค์การบริหารส่วนตำบล{long}{i}" for i in range(1, 25)]
    (ws / "recipients.csv").write_text(
        "organisation,position\n" + "".join(f"{n},นายกองค์การบริหารส่วนตำบล\n" for n in names),
        encoding="utf-8",
    )
    data = ws / "circular.yaml"
    data.write_text((ws / "reference-000.yaml").read_text(encoding="utf-8")
                    + "recipients: recipients.csv\n", encoding="utf-8")  # fmt: skip
    r = run_cli("new", "letter", "--data", str(data), "--date", "2023-04-28", "--issue", "--pdf",
                workspace=ws)  # fmt: skip
    assert r.code == 0, r.err
    master = ws / "letters" / "2566" / "circular-0001.pdf"
    pages = [_lines(t) for t in _page_texts(master, raw=True)]
    starts = [i for i, p in enumerate(pages) if p and p[0].startswith(LIST_TITLE)]
    assert len(starts) == 1, [p[:1] for p in pages]
    first_list = starts[0]
    letter, listed = pages[:first_list], pages[first_list:]
    assert len(letter) >= 2 and len(listed) >= 2, (len(letter), len(listed))
    assert pages[first_list][0].replace(" ", "") == f"{LIST_TITLE}อำเภอปักธงชัย"

    def numbered(page: list[str]) -> bool:
        return any(PAGE_NUMBER.match(ln) for ln in page)

    def marked(page: list[str]) -> bool:
        return bool(page) and page[-1].startswith("/") and page[-1].endswith("...")

    assert [numbered(p) for p in letter] == [False] + [True] * (len(letter) - 1)
    assert [marked(p) for p in letter] == [True] * (len(letter) - 1) + [False]
    assert not any(numbered(p) or marked(p) for p in listed)
    text = "".join("".join(p) for p in listed).replace(" ", "")
    for i, name in enumerate(names, 1):
        assert f"{to_thai_digits(str(i))}.นายก{to_thai_digits(name)}" in text, name
    assert "รวม๒๔แห่ง" in text

    parts = docx_parts(master.with_suffix(".docx"))
    doc = parts["word/document.xml"].decode()
    sects = re.findall(r"<w:sectPr\b.*?</w:sectPr>", doc, re.S)
    assert len(sects) == 2
    assert "<w:titlePg" in sects[0] and "<w:pgNumType" in sects[0]
    assert "<w:titlePg" not in sects[1] and "<w:pgNumType" not in sects[1]
    rels = parts["word/_rels/document.xml.rels"].decode()
    header = re.search(r'<w:headerReference w:type="default" r:id="(\w+)"', sects[1]).group(1)
    target = re.search(rf'Id="{header}"[^>]*Target="([^"]+)"', rels).group(1)
    assert "PAGE" not in parts[f"word/{target}"].decode()
    # the copies are letters alone
    copy = next((ws / "letters" / "2566" / "circular-0001").glob("*.docx"))
    assert LIST_TITLE not in docx_parts(copy)["word/document.xml"].decode()


def test_a_document_without_headers_gets_one_for_the_draft_mark(tmp_path: Path) -> None:
    """A workspace template whose section names no header (edited in Word) still marks every
    page of a draft: a header holding only the mark is added, related, typed and referenced
    (default and, with a distinct first page, first). The DOCX stays valid XML throughout."""
    import datetime as dt

    from lxml import etree

    from engine.docxparts import with_draft_mark
    from engine.letter import letter_from_data
    from engine.office import load_office
    from engine.render import CompiledTemplate
    from engine.workspace import BUILTIN_TEMPLATES
    from engine.yamlio import parse_yaml

    office = load_office(EXAMPLES / "dla")
    text = "to: ผู้ว่าราชการจังหวัด ทุกจังหวัด\nsubject: ทดสอบ\nbody: ข้อความ\nsigner: chief\n"
    letter = letter_from_data(parse_yaml(text, "d.yaml"), office, EXAMPLES)
    letter.date = dt.date(2025, 3, 25)
    tpl = CompiledTemplate(BUILTIN_TEMPLATES / "external-letter.docx")
    parts = tpl.render_parts(letter.context())
    parts["word/document.xml"] = re.sub(
        r"<w:headerReference\b[^>]*/>", "", parts["word/document.xml"]
    )
    marked = with_draft_mark(tpl, parts)
    path = tmp_path / "draft.docx"
    path.write_bytes(tpl.pack(marked))
    got = docx_parts(path)
    for name, xml in got.items():
        if name.endswith((".xml", ".rels")):
            etree.fromstring(xml)  # well-formed
    sect = re.search(r"<w:sectPr\b.*?</w:sectPr>", got["word/document.xml"].decode(), re.S)[0]
    refs = dict(re.findall(r'<w:headerReference w:type="(\w+)" r:id="(\w+)"/>', sect))
    assert set(refs) == {"default", "first"} and len(set(refs.values())) == 1
    rels = got["word/_rels/document.xml.rels"].decode()
    target = re.search(rf'Id="{refs["default"]}"[^>]*Target="([^"]+)"', rels)[1]
    assert f'PartName="/word/{target}"' in got["[Content_Types].xml"].decode()
    assert DRAFT_MARK.encode() in got[f"word/{target}"]
