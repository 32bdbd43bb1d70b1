"""Build the shipped DOCX templates (templates/*.docx) and the placeholder emblem.

The templates are ordinary Word documents with docxtpl tags ({{ … }}, {%p … %}); offices may
open and edit them in Word or LibreOffice. This script is how the shipped ones are made, so a
layout change is reviewable as code: run ``.venv/bin/python tools/build_templates.py``.

Layout (domain.md): A4, left 3 cm, right 2 cm, TH Sarabun New 16 pt, single spacing.
External letter: Garuda 3 cm high centred 1.5 cm from the top of page 1 (in the first-page
header); memo: Garuda 1.5 cm top left beside "บันทึกข้อความ" 29 pt bold. Pages 2+ carry
"- ๒ -" centred at the top; page 1 none.
"""

from __future__ import annotations

import re
import struct
import zlib
from pathlib import Path
from xml.sax.saxutils import escape

from docx import Document
from docx.oxml import parse_xml
from docx.oxml.ns import qn
from docx.shared import Cm

ROOT = Path(__file__).resolve().parent.parent
FONT = "TH Sarabun New"
CM = 567  # twips per centimetre
TEXT_WIDTH = 16 * CM  # A4 21 cm - 3 cm - 2 cm
W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


# --- placeholder emblem -----------------------------------------------------------------------
def placeholder_emblem(width: int = 270, height: int = 300) -> bytes:
    """A neutral grey oval outline as a PNG (pure Python): stands where the Garuda goes.

    The office points office.yaml ``emblem`` at its real Garuda file.
    """
    rows = []
    cx, cy = (width - 1) / 2, (height - 1) / 2
    rx, ry = cx - 4, cy - 4
    for y in range(height):
        row = bytearray([0])
        for x in range(width):
            d = ((x - cx) / rx) ** 2 + ((y - cy) / ry) ** 2
            ring = abs(d - 1) < 0.035 or abs(d - 0.72) < 0.02
            row += bytes((150, 150, 150, 255)) if ring else bytes((255, 255, 255, 0))
        rows.append(bytes(row))
    raw = zlib.compress(b"".join(rows), 9)

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 6, 0, 0, 0)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", raw) + chunk(b"IEND", b"")


# --- XML helpers --------------------------------------------------------------------------------
def rpr(size: float = 16, bold: bool = False, color: str | None = None) -> str:
    half = int(size * 2)
    return (
        "<w:rPr>"
        + ("<w:b/><w:bCs/>" if bold else "")
        + (f'<w:color w:val="{color}"/>' if color else "")
        + f'<w:sz w:val="{half}"/><w:szCs w:val="{half}"/>'
        + "</w:rPr>"
    )


def run(text: str, **kw) -> str:
    parts = text.split("\t")
    inner = "<w:tab/>".join(f'<w:t xml:space="preserve">{escape(p)}</w:t>' for p in parts)
    return f"<w:r>{rpr(**kw)}{inner}</w:r>"


def para(
    *runs: str,
    jc: str | None = None,
    ind_left: int = 0,
    ind_right: int = 0,
    first: int = 0,
    hanging: int = 0,
    tabs: tuple[tuple[str, int], ...] = (),
    before: int = 0,
    keep_next: bool = False,
) -> str:
    ppr = ""
    if keep_next:
        ppr += "<w:keepNext/>"
    if tabs:
        ppr += (
            "<w:tabs>" + "".join(f'<w:tab w:val="{v}" w:pos="{p}"/>' for v, p in tabs) + "</w:tabs>"
        )
    if before:
        ppr += f'<w:spacing w:before="{before}"/>'
    ind = ""
    if ind_left:
        ind += f' w:left="{ind_left}"'
    if ind_right:
        ind += f' w:right="{ind_right}"'
    if first:
        ind += f' w:firstLine="{first}"'
    if hanging:
        ind += f' w:hanging="{hanging}"'
    if ind:
        ppr += f"<w:ind{ind}/>"
    if jc:
        ppr += f'<w:jc w:val="{jc}"/>'
    return f"<w:p><w:pPr>{ppr}</w:pPr>{''.join(runs)}</w:p>"


def tag(text: str) -> str:
    """A paragraph holding only a docxtpl paragraph tag ({%p … %}); removed on render."""
    return f"<w:p><w:r><w:t>{escape(text)}</w:t></w:r></w:p>"


def empty(n: int = 1) -> str:
    return "<w:p/>" * n


def page_number_field() -> str:
    return (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"<w:r>{rpr()}<w:t>๒</w:t></w:r>"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )


def secrecy_paragraph() -> str:
    return (
        tag("{%p if secrecy %}")
        + para(run("{{ secrecy }}", size=20, bold=True, color="C00000"), jc="center")
        + tag("{%p endif %}")
    )


# --- shared blocks ------------------------------------------------------------------------------
# Columns (docs/layout.md): the text after เรื่อง, เรียน and อ้างถึง starts at one tab stop, just
# past the widest of the three labels (อ้างถึง, 0.94 cm at 16 pt) and two spaces; the text after
# สิ่งที่ส่งมาด้วย (2.03 cm) at a second one. A longer salutation (กราบเรียน) reaches the second.
LABEL_TAB = int(1.25 * CM)
ENCLOSURE_TAB = int(2.5 * CM)
LABEL_TABS = (("left", LABEL_TAB), ("left", ENCLOSURE_TAB))
PART_SPACE = 120  # 6 pt before each part of the letter (domain.md, Layout)
SIGN_LEFT = 5 * CM  # signature block: centred between 5 cm and 14.4 cm of the text width
SIGN_RIGHT = int(1.6 * CM)
CLOSE_LEFT = 8 * CM  # date and closing formula start near the centre of the page


def labelled(text: str, before: int = PART_SPACE) -> str:
    """เรื่อง / เรียน: the label, a tab, the text at the label column, wrapped lines hanging there."""
    return para(
        run(text),
        ind_left=LABEL_TAB,
        hanging=LABEL_TAB,
        tabs=LABEL_TABS,
        before=before,
        jc="thaiDistribute",
    )


def labelled_list(name: str, hang: int) -> str:
    """อ้างถึง / สิ่งที่ส่งมาด้วย rows: label, tab, text (numbered when several), then the quantity
    under it. The part is set 6 pt below what precedes it; its further rows follow without a
    space."""

    def row(before: int) -> str:
        return para(
            run("{{ item.label }}\t{{ item.text }}"),
            ind_left=hang,
            hanging=hang,
            tabs=(("left", hang),),
            before=before,
            jc="thaiDistribute",
        )

    # the quantity (จำนวน ๑ ฉบับ) on a line of its own, flush with the right margin: on the
    # title's last line after a right tab, LibreOffice breaks inside the quantity rather than
    # move it down when it does not fit, and the line with the tab cannot be justified
    count = (
        tag("{%p if item.count %}")
        + para(run("{{ item.count }}"), jc="right")
        + tag("{%p endif %}")
    )
    return (
        tag(f"{{%p for item in {name}[:1] %}}")
        + row(PART_SPACE)
        + count
        + tag("{%p endfor %}")
        + tag(f"{{%p for item in {name}[1:] %}}")
        + row(0)
        + count
        + tag("{%p endfor %}")
    )


def body_block() -> str:
    """The body. The paragraphs that are parts of the letter (ภาคเหตุ, ภาคความประสงค์: those
    before the first numbered item) are set 6 pt below what precedes them; the numbered items
    and the paragraphs under them follow without a space (the typing guide spaces the parts,
    not every sub-item). The last paragraph keeps with the closing sentence and the signature,
    so the signature's page carries body text above it. Slices, not loop.last: an attribute
    lookup in the sandbox costs on every paragraph."""

    def body_para(before: int, keep: bool) -> str:
        return para(
            run("{{ paragraph }}"),
            first=int(2.5 * CM),
            jc="thaiDistribute",
            before=before,
            keep_next=keep,
        )

    return (
        tag("{%p for paragraph in (body|parts)[:-1] %}")
        + body_para(PART_SPACE, False)
        + tag("{%p endfor %}")
        + tag("{%p for paragraph in (body|parts)[-1:] %}")
        + tag("{%p if body|items %}")
        + body_para(PART_SPACE, False)
        + tag("{%p else %}")
        + body_para(PART_SPACE, True)
        + tag("{%p endif %}")
        + tag("{%p endfor %}")
        + tag("{%p for paragraph in (body|items)[:-1] %}")
        + body_para(0, False)
        + tag("{%p endfor %}")
        + tag("{%p for paragraph in (body|items)[-1:] %}")
        + body_para(0, True)
        + tag("{%p endfor %}")
        + tag("{%p if closing %}")
        + para(
            run("{{ closing }}"),
            first=int(2.5 * CM),
            jc="thaiDistribute",
            before=PART_SPACE,
            keep_next=True,
        )
        + tag("{%p endif %}")
    )


def signature_block(with_close: bool) -> str:
    out = ""
    if with_close:
        out += para(
            run("{{ complimentary_close }}"),
            ind_left=SIGN_LEFT,
            ind_right=SIGN_RIGHT,
            jc="center",
            before=240,
            keep_next=True,
        )
    out += empty(0) + "".join(para(run(""), keep_next=True) for _ in range(3))
    out += para(
        run("({{ signer.name }})"),
        ind_left=SIGN_LEFT,
        ind_right=SIGN_RIGHT,
        jc="center",
        keep_next=True,
    )
    # the whole signature block and the contact block under it keep together (keep_next)
    sign = dict(ind_left=SIGN_LEFT, ind_right=SIGN_RIGHT, jc="center", keep_next=True)
    out += para(run("{{ signer.position }}"), **sign)
    out += tag("{%p if signer.acting %}") + para(run("{{ signer.acting }}"), **sign)
    out += tag("{%p endif %}")
    return out


def owner_block() -> str:
    """ส่วนราชการเจ้าของเรื่อง, โทร., โทรสาร, ไปรษณีย์อิเล็กทรอนิกส์: never split, and kept on the
    signature's page (every line keeps with the next; the signature block keeps with it)."""
    return (
        para(run(""), before=240, keep_next=True)
        + tag("{%p for line in unit %}")
        + para(run("{{ line }}"), keep_next=True)
        + tag("{%p endfor %}")
        + tag("{%p for line in contact_lines %}")
        + para(run("{{ line }}"), keep_next=True)
        + tag("{%p endfor %}")
        + tag("{%p if contact %}")
        + para(run("{{ contact }}"), keep_next=True)
        + tag("{%p endif %}")
        + tag("{%p if cc %}")
        + para(
            run("สำเนาส่ง\t{{ cc[0] }}"),
            ind_left=2 * CM,
            hanging=2 * CM,
            tabs=(("left", 2 * CM),),
            before=240,
        )
        + tag("{%p for line in cc[1:] %}")
        + para(run("{{ line }}"), ind_left=2 * CM)
        + tag("{%p endfor %}")
        + tag("{%p endif %}")
    )


def no_borders_table(left: str, right: str, left_w: int, right_w: int) -> str:
    none = "".join(
        f'<w:{s} w:val="nil"/>' for s in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    return (
        "<w:tbl><w:tblPr>"
        f'<w:tblW w:w="{left_w + right_w}" w:type="dxa"/><w:tblLayout w:type="fixed"/>'
        f"<w:tblBorders>{none}</w:tblBorders>"
        '<w:tblCellMar><w:left w:w="0" w:type="dxa"/><w:right w:w="0" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr>"
        f'<w:tblGrid><w:gridCol w:w="{left_w}"/><w:gridCol w:w="{right_w}"/></w:tblGrid>'
        "<w:tr>"
        f'<w:tc><w:tcPr><w:tcW w:w="{left_w}" w:type="dxa"/><w:vAlign w:val="top"/></w:tcPr>{left}</w:tc>'
        f'<w:tc><w:tcPr><w:tcW w:w="{right_w}" w:type="dxa"/></w:tcPr>{right}</w:tc>'
        "</w:tr></w:tbl>"
    )


# --- documents ------------------------------------------------------------------------------------
def external_letter_body() -> str:
    urgency = (
        tag("{%p if urgency %}")
        + para(run("{{ urgency }}", size=32, bold=True, color="C00000"))
        + tag("{%p endif %}")
    )
    number_cell = para(run("ที่ {{ number }}"))
    head_cell = (
        tag("{%p for line in letterhead %}") + para(run("{{ line }}")) + tag("{%p endfor %}")
    )
    left_w = 9 * CM
    return (
        urgency
        + no_borders_table(number_cell, head_cell, left_w, TEXT_WIDTH - left_w)
        + para(run("{{ date }}"), ind_left=CLOSE_LEFT, before=PART_SPACE)
        + labelled("เรื่อง\t{{ subject }}")
        + labelled("{{ salutation }}\t{{ recipient }}")
        + labelled_list("references", LABEL_TAB)
        + labelled_list("enclosures", ENCLOSURE_TAB)
        + body_block()
        + signature_block(with_close=True)
        + owner_block()
    )


def memo_body() -> str:
    label = dict(size=20, bold=True)
    return (
        tag("{%p if urgency %}")
        + para(run("{{ urgency }}", size=32, bold=True, color="C00000"))
        + tag("{%p endif %}")
        + para(run("ส่วนราชการ", **label), run("  {{ unit_line }}"))
        + para(
            run("ที่", **label),
            run("  {{ number }}\t"),
            run("วันที่", **label),
            run("  {{ date }}"),
            tabs=(("left", 8 * CM),),
        )
        + para(run("เรื่อง", **label), run("  {{ subject }}"))
        + labelled("{{ salutation }}\t{{ recipient }}", before=240)
        + labelled_list("references", LABEL_TAB)
        + labelled_list("enclosures", ENCLOSURE_TAB)
        + body_block()
        + signature_block(with_close=False)
    )


def order_body() -> str:
    """คำสั่ง: title, number and subject centred, a short rule, the body, "ทั้งนี้ ตั้งแต่บัดนี้
    เป็นต้นไป" (the closing), "สั่ง ณ วันที่ …" and the signature (no closing formula)."""
    return (
        para(run("คำสั่ง{{ office.name }}", size=18, bold=True), jc="center", before=120)
        + para(run("ที่ {{ number }}"), jc="center")
        + para(run("เรื่อง {{ subject }}"), jc="center")
        + para(run("-" * 24), jc="center")
        + body_block()
        + para(run("สั่ง ณ วันที่ {{ date_be }}"), ind_left=int(4.5 * CM), before=360, keep_next=True)
        + signature_block(with_close=False)
    )


def form_body() -> str:
    """A request form (แบบคำขอ), e.g. New e-LAAS enclosures 1 and 2: title, office, date,
    addressee, the request text, label/value rows and the applicant's signature."""
    label_w = 6 * CM
    return (
        para(run("{{ subject }}", size=18, bold=True), jc="center")
        + para(run("{{ office.name }}"), jc="center")
        + para(run("วันที่ {{ date }}"), ind_left=CLOSE_LEFT, before=240)
        + tag("{%p if recipient %}")
        + para(run("{{ salutation }} {{ recipient }}"), before=120)
        + tag("{%p endif %}")
        + body_block()
        + tag("{%p for row in rows %}")
        + para(
            run("{{ row.label }}\t{{ row.value }}"),
            ind_left=label_w,
            hanging=label_w - int(1.0 * CM),
            tabs=(("left", label_w),),
            before=60,
            jc="thaiDistribute",
        )
        + tag("{%p endfor %}")
        + "".join(para(run(""), keep_next=True) for _ in range(2))
        + para(
            run("ลงชื่อ ........................................ ผู้ขอ"),
            ind_left=SIGN_LEFT,
            jc="center",
            keep_next=True,
        )
        + para(run("({{ signer.name }})"), ind_left=SIGN_LEFT, jc="center", keep_next=True)
        + para(run("ตำแหน่ง {{ signer.position }}"), ind_left=SIGN_LEFT, jc="center")
    )


def emblem_drawing(height_cm: float, name: str) -> str:
    """An inline picture of the emblem; the renderer fits its width to the office's image."""
    cy = int(height_cm * 360000)
    cx = int(cy * 270 / 300)
    return (
        "<w:r><w:drawing>"
        '<wp:inline distT="0" distB="0" distL="0" distR="0" xmlns:wp="http://schemas.openxmlformats.org/drawingml/2006/wordprocessingDrawing">'
        f'<wp:extent cx="{cx}" cy="{cy}"/>'
        f'<wp:docPr id="1" name="{name}" descr="saraban:emblem"/>'
        '<a:graphic xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main">'
        '<a:graphicData uri="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        '<pic:pic xmlns:pic="http://schemas.openxmlformats.org/drawingml/2006/picture">'
        f'<pic:nvPicPr><pic:cNvPr id="0" name="{name}"/><pic:cNvPicPr/></pic:nvPicPr>'
        '<pic:blipFill><a:blip r:embed="EMBLEM_RID" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"/>'
        "<a:stretch><a:fillRect/></a:stretch></pic:blipFill>"
        f'<pic:spPr><a:xfrm><a:off x="0" y="0"/><a:ext cx="{cx}" cy="{cy}"/></a:xfrm>'
        '<a:prstGeom prst="rect"><a:avLst/></a:prstGeom></pic:spPr>'
        "</pic:pic></a:graphicData></a:graphic></wp:inline></w:drawing></w:r>"
    )


def garuda_header() -> str:
    """The first-page header of letters and orders: the Garuda 3 cm high, 1.5 cm from the top
    (the header distance), centred on the page: the text column is 3 cm from the left and 2 cm
    from the right, so a right indent of 1 cm puts the paragraph's centre at the page's. The
    letter starts right below it (ที่ … on the left, the letterhead on the right)."""
    return para(emblem_drawing(3.0, "emblem"), jc="center", ind_right=CM)


def set_defaults(doc) -> None:
    """TH Sarabun New 16 pt for Latin and Thai (complex script); Latin text in English and Thai
    text in Thai (the ``w:bidi`` slot), so neither is broken by the other's rules; single
    spacing; widow and orphan control (no paragraph leaves one line alone on a page)."""
    styles = doc.styles.element
    defaults = styles.find(
        "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}docDefaults"
    )
    if defaults is not None:
        styles.remove(defaults)
    styles.insert(
        0,
        parse_xml(
            f"<w:docDefaults {W}><w:rPrDefault><w:rPr>"
            f'<w:rFonts w:ascii="{FONT}" w:hAnsi="{FONT}" w:eastAsia="{FONT}" w:cs="{FONT}"/>'
            '<w:sz w:val="32"/><w:szCs w:val="32"/><w:lang w:val="en-US" w:eastAsia="en-US" w:bidi="th-TH"/>'
            "</w:rPr></w:rPrDefault>"
            '<w:pPrDefault><w:pPr><w:widowControl/><w:spacing w:after="0" w:line="240" w:lineRule="auto"/></w:pPr></w:pPrDefault>'
            "</w:docDefaults>"
        ),
    )
    normal = doc.styles["Normal"]
    normal.paragraph_format.space_after = 0
    normal.paragraph_format.line_spacing = 1.0
    rfonts = normal.element.get_or_add_rPr().get_or_add_rFonts()
    for attr in ("ascii", "hAnsi", "eastAsia", "cs"):
        rfonts.set(f"{{http://schemas.openxmlformats.org/wordprocessingml/2006/main}}{attr}", FONT)


KEEP_STYLES = {"Normal", "DefaultParagraphFont", "TableNormal", "NoList"}


def make_lean(doc) -> None:
    """Ship only what the templates use. python-docx's default template carries 164 styles
    (100 of them table styles; styles.xml 336 KB), latent-style entries, stylesWithEffects.xml
    (438 KB, a Word 2010 duplicate) and a thumbnail: LibreOffice would import every style of
    every letter. The templates set their formatting directly (docDefaults + run and paragraph
    properties), so the defaults are all they need. Styles an office adds in Word stay in its
    own templates (and engine.pdf drops unused ones from a copy before converting)."""
    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    styles = doc.styles.element
    used = set()
    for part in [
        doc.part,
        *(rel.target_part for rel in doc.part.rels.values() if not rel.is_external),
    ]:
        blob = part.blob if not hasattr(part, "element") else None
        xml = (
            part.element.xml
            if hasattr(part, "element")
            else (blob or b"").decode("utf-8", "replace")
        )
        used.update(re.findall(r'w:(?:pStyle|rStyle|tblStyle) w:val="([^"]+)"', xml))
    for style in list(styles.iterchildren(f"{w}style")):
        if style.get(f"{w}styleId") not in KEEP_STYLES | used:
            styles.remove(style)
    for latent in list(styles.iterchildren(f"{w}latentStyles")):
        styles.remove(latent)
    for rels, kinds in (
        (doc.part.rels, ("stylesWithEffects",)),
        (doc.part.package.rels, ("metadata/thumbnail",)),
    ):
        for rid, rel in list(rels.items()):
            if rel.reltype.endswith(kinds):
                rels.pop(rid)


def build(name: str, body_xml: str, header_first_xml: str, title: str) -> None:
    doc = Document()
    set_defaults(doc)
    section = doc.sections[0]
    section.page_width, section.page_height = Cm(21), Cm(29.7)
    section.left_margin, section.right_margin = Cm(3), Cm(2)
    section.top_margin, section.bottom_margin = Cm(2.5), Cm(2)
    section.header_distance, section.footer_distance = Cm(1.5), Cm(1)
    section.different_first_page_header_footer = True
    # Page numbers in Thai digits (๑, ๒, ๓): the section's number format, as Word's
    # "Format Page Numbers" writes it; the PAGE field in the header follows it.
    cols = section._sectPr.find(qn("w:cols"))
    cols.addprevious(parse_xml(f'<w:pgNumType {W} w:fmt="thaiNumbers"/>'))

    # the emblem image, related from the first-page header
    first = section.first_page_header
    png = placeholder_emblem()
    (ROOT / "assets").mkdir(exist_ok=True)
    (ROOT / "assets" / "emblem-placeholder.png").write_bytes(png)
    from docx.image.image import Image
    from docx.opc.packuri import PackURI
    from docx.parts.image import ImagePart

    image = Image.from_blob(png)
    part = ImagePart(PackURI("/word/media/emblem.png"), "image/png", png, image)
    rid = first.part.relate_to(
        part, "http://schemas.openxmlformats.org/officeDocument/2006/relationships/image"
    )

    def fill(container, xml: str) -> None:
        el = container._element
        for child in list(el):
            el.remove(child)
        for child in parse_xml(f"<w:root {W}>{xml}</w:root>"):
            el.append(child)

    fill(first, secrecy_paragraph() + header_first_xml.replace("EMBLEM_RID", rid))
    fill(
        section.header,
        secrecy_paragraph() + para(run("- "), page_number_field(), run(" -"), jc="center"),
    )
    for footer in (section.footer, section.first_page_footer):
        fill(footer, secrecy_paragraph() or empty())

    body = doc.element.body
    sect = body[-1]
    for child in list(body)[:-1]:
        body.remove(child)
    for child in parse_xml(f"<w:root {W}>{body_xml}</w:root>"):
        sect.addprevious(child)

    make_lean(doc)
    props = doc.core_properties
    props.title = title
    props.author = "saraban"
    props.comments = "Template for saraban (docxtpl tags). Edit freely in Word or LibreOffice."
    import datetime as dt

    props.created = props.modified = dt.datetime(2026, 1, 1)
    props.revision = 1
    out = ROOT / "templates" / f"{name}.docx"
    out.parent.mkdir(exist_ok=True)
    doc.save(out)
    print(f"wrote {out.relative_to(ROOT)}")


def main() -> None:
    build("external-letter", external_letter_body(), garuda_header(), "หนังสือภายนอก")
    build(
        "memo",
        memo_body(),
        para(
            emblem_drawing(1.5, "emblem"),
            run("\tบันทึกข้อความ", size=29, bold=True),
            tabs=(("center", TEXT_WIDTH // 2),),
        ),
        "บันทึกข้อความ",
    )
    build("order", order_body(), garuda_header(), "คำสั่ง")
    build("form", form_body(), para(run("")), "แบบคำขอ")


if __name__ == "__main__":
    main()
