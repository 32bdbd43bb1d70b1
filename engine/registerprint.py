"""The printed outgoing register (ทะเบียนหนังสือส่ง, แบบที่ 14) of one year, as a Word document.

``saraban register print`` writes the register the way offices print and keep it each year: the
regulation's eight columns (เลขทะเบียนส่ง, ที่, ลงวันที่, จาก, ถึง, เรื่อง, การปฏิบัติ, หมายเหตุ) on
A4 landscape, the office, the year and the page number in the page header and the column
headings repeated at the top of every page. Each series (ชุด: ordinary letters, circulars, orders)
is a section of its own, with its own title and page numbers from ๑, since each series is a
running sequence of its own. A cancelled number keeps its row: its เรื่อง is struck through and
its หมายเหตุ reads "ยกเลิก: <reason>". Digits follow the office (office.yaml ``thai_digits``).

A year may hold thousands of rows, so the document XML is written here directly, as text with
every value escaped, rather than row by row through python-docx: 5,000 rows take well under a
second (docs/performance.md). The result is an ordinary DOCX (Word and LibreOffice edit it); the
PDF is made from it by :mod:`engine.pdf`'s converter.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from io import BytesIO
from pathlib import Path
from typing import Final
from xml.sax.saxutils import escape

from .register import (
    CIRCULAR,
    NORMAL,
    ORDER,
    REGISTER_HEADERS,
    Entry,
    be_year_text,
    number_digits,
    register_row,
)
from .render import clean_text, write_atomic
from .thai import FULL_MONTHS

__all__ = [
    "DEFAULT_FONT",
    "SERIES_TITLES",
    "Section",
    "build_docx",
    "months",
    "sections",
    "write_docx",
]

DEFAULT_FONT: Final = "TH Sarabun New"
"""The font when office.yaml names none (the templates' font)."""

SERIES_TITLES: Final = {
    NORMAL: "",
    CIRCULAR: "หนังสือเวียน (ว)",
    ORDER: "คำสั่ง",
}
"""The title a series' section carries after "ทะเบียนหนังสือส่ง"; another series shows its name."""

_SERIES_ORDER: Final = (NORMAL, CIRCULAR, ORDER)

# A4 landscape in twentieths of a point; margins 1.5 cm at the sides, room at the top for the
# two-line page header.
_PAGE_W: Final = 16838
_PAGE_H: Final = 11906
_MARGIN_SIDE: Final = 851
_MARGIN_TOP: Final = 1701
_MARGIN_BOTTOM: Final = 851
_HEADER_AT: Final = 567
_TEXT_W: Final = _PAGE_W - 2 * _MARGIN_SIDE  # 15136
#: The eight columns' widths, summing to the text width: เลขทะเบียนส่ง, ที่, ลงวันที่, จาก, ถึง,
#: เรื่อง, การปฏิบัติ, หมายเหตุ.
_WIDTHS: Final = (1020, 1900, 1150, 2000, 2500, 4200, 1150, 1216)
assert sum(_WIDTHS) == _TEXT_W
_CENTRED: Final = frozenset({0, 2})  # the running number and the date

_BODY_SIZE: Final = 28  # half-points: 14 pt in the table
_TITLE_SIZE: Final = 32  # 16 pt: the page header's title

_W: Final = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_R: Final = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG: Final = "http://schemas.openxmlformats.org/package/2006/relationships"
_HEAD: Final = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_NEWLINE: Final = re.compile(r"\r\n|\r|\n")


@dataclass(frozen=True)
class Section:
    """The rows of one series (ชุด) in the printed register: its page header's title and rows."""

    series: str
    title: str
    entries: tuple[Entry, ...]


def sections(entries: Iterable[Entry]) -> list[Section]:
    """The entries grouped by series, each in number order: ordinary letters first, then
    circulars, orders and any other series by name."""
    groups: dict[str, list[Entry]] = {}
    for entry in entries:
        groups.setdefault(entry.series, []).append(entry)
    order = sorted(
        groups,
        key=lambda s: (_SERIES_ORDER.index(s) if s in _SERIES_ORDER else len(_SERIES_ORDER), s),
    )
    return [
        Section(
            series=s,
            title=SERIES_TITLES.get(s, s),
            entries=tuple(sorted(groups[s], key=lambda e: e.number)),
        )
        for s in order
    ]


def _text(value: str) -> str:
    """``value`` as the runs' content: escaped, XML-safe, line breaks kept as breaks."""
    lines = _NEWLINE.split(clean_text(value))
    return '</w:t><w:br/><w:t xml:space="preserve">'.join(escape(line) for line in lines)


def _run(text: str, props: str = "") -> str:
    rpr = f"<w:rPr>{props}</w:rPr>" if props else ""
    return f'<w:r>{rpr}<w:t xml:space="preserve">{_text(text)}</w:t></w:r>'


def _cell(width: int, text: str, *, centred: bool, props: str = "", shade: bool = False) -> str:
    tcpr = f'<w:tcW w:w="{width}" w:type="dxa"/>'
    if shade:
        tcpr += '<w:shd w:val="clear" w:color="auto" w:fill="E7E6E6"/><w:vAlign w:val="center"/>'
    ppr = '<w:pPr><w:jc w:val="center"/></w:pPr>' if centred else ""
    run = _run(text, props) if text else ""
    return f"<w:tc><w:tcPr>{tcpr}</w:tcPr><w:p>{ppr}{run}</w:p></w:tc>"


def _heading_row() -> str:
    cells = "".join(
        _cell(w, h, centred=True, props="<w:b/><w:bCs/>", shade=True)
        for w, h in zip(_WIDTHS, REGISTER_HEADERS, strict=True)
    )
    # tblHeader: the row is repeated at the top of every page; cantSplit: a row stays whole
    return f"<w:tr><w:trPr><w:cantSplit/><w:tblHeader/></w:trPr>{cells}</w:tr>"


def _row(entry: Entry, thai_digits: bool) -> str:
    number, *cells = register_row(entry, thai_digits=thai_digits, date_style="abbr")
    values = [number_digits(number, thai_digits), *cells]
    parts = ["<w:tr><w:trPr><w:cantSplit/></w:trPr>"]
    for i, (width, value) in enumerate(zip(_WIDTHS, values, strict=True)):
        # a cancelled number: เรื่อง struck through (หมายเหตุ says ยกเลิก and why)
        props = "<w:strike/>" if entry.cancelled and i == 5 else ""
        parts.append(_cell(width, value, centred=i in _CENTRED, props=props))
    parts.append("</w:tr>")
    return "".join(parts)


def months(entries: Sequence[Entry]) -> list[tuple[int, list[Entry]]]:
    """Rows in number order cut where a later month begins: (month, its rows). A letter dated
    back (a number given after later-dated ones) stays where its number puts it, in the month
    already begun, so the cuts keep the numbers' order."""
    runs: list[tuple[int, list[Entry]]] = []
    for entry in entries:
        if not runs or entry.date.month > runs[-1][0]:
            runs.append((entry.date.month, []))
        runs[-1][1].append(entry)
    return runs


def _tables(section: Section, year: int, thai_digits: bool) -> str:
    """A section's body: each month's rows under its name (เดือนมกราคม พ.ศ. ๒๕๖๘), as a table of
    their own with the column headings. One table of a whole year would do as well, but
    LibreOffice lays a table out in a time that grows faster than its rows: twelve tables of
    400 rows take a third of the time of one of 5,000 (docs/performance.md)."""
    be = be_year_text(year, thai_digits)
    out = []
    for month, rows in months(section.entries):
        label = f"เดือน{FULL_MONTHS[month - 1]} พ.ศ. {be}"
        out.append(
            '<w:p><w:pPr><w:keepNext/><w:spacing w:before="120" w:after="60"/></w:pPr>'
            f"{_run(label, '<w:b/><w:bCs/>')}</w:p>"
        )
        out.append(_table(rows, thai_digits))
    return "".join(out)


def _table(entries: Sequence[Entry], thai_digits: bool) -> str:
    grid = "".join(f'<w:gridCol w:w="{w}"/>' for w in _WIDTHS)
    border = 'w:val="single" w:sz="4" w:space="0" w:color="000000"'
    borders = "".join(
        f"<w:{side} {border}/>" for side in ("top", "left", "bottom", "right", "insideH", "insideV")
    )
    head = (
        f'<w:tbl><w:tblPr><w:tblW w:w="{_TEXT_W}" w:type="dxa"/>'
        f'<w:tblBorders>{borders}</w:tblBorders><w:tblLayout w:type="fixed"/>'
        '<w:tblCellMar><w:left w:w="57" w:type="dxa"/><w:right w:w="57" w:type="dxa"/>'
        '</w:tblCellMar><w:tblLook w:val="0000"/></w:tblPr>'
        f"<w:tblGrid>{grid}</w:tblGrid>"
    )
    rows = "".join(_row(e, thai_digits) for e in entries)
    return head + _heading_row() + rows + "</w:tbl>"


def _sect_pr(header_id: str, thai_digits: bool) -> str:
    numbers = 'w:fmt="thaiNumbers" ' if thai_digits else ""
    return (
        f'<w:sectPr><w:headerReference w:type="default" r:id="{header_id}"/>'
        f'<w:pgSz w:w="{_PAGE_W}" w:h="{_PAGE_H}" w:orient="landscape"/>'
        f'<w:pgMar w:top="{_MARGIN_TOP}" w:right="{_MARGIN_SIDE}" w:bottom="{_MARGIN_BOTTOM}" '
        f'w:left="{_MARGIN_SIDE}" w:header="{_HEADER_AT}" w:footer="{_HEADER_AT}" w:gutter="0"/>'
        f'<w:pgNumType {numbers}w:start="1"/></w:sectPr>'
    )


def _header(office: str, year: int, section: Section, thai_digits: bool) -> str:
    """The page header: the register's title (and series), the office and year, the page."""
    title = "ทะเบียนหนังสือส่ง" + (f" {section.title}" if section.title else "")
    centre, right = _TEXT_W // 2, _TEXT_W
    tabs = (
        f'<w:tabs><w:tab w:val="center" w:pos="{centre}"/>'
        f'<w:tab w:val="right" w:pos="{right}"/></w:tabs>'
    )
    bold = f'<w:b/><w:bCs/><w:sz w:val="{_TITLE_SIZE}"/><w:szCs w:val="{_TITLE_SIZE}"/>'
    page = (
        '<w:r><w:fldChar w:fldCharType="begin"/></w:r>'
        '<w:r><w:instrText xml:space="preserve"> PAGE </w:instrText></w:r>'
        '<w:r><w:fldChar w:fldCharType="separate"/></w:r>'
        f"{_run(number_digits(1, thai_digits))}"
        '<w:r><w:fldChar w:fldCharType="end"/></w:r>'
    )
    line2 = f"{office}  ประจำปี พ.ศ. {be_year_text(year, thai_digits)}"
    return (
        f'{_HEAD}<w:hdr xmlns:w="{_W}" xmlns:r="{_R}">'
        f"<w:p><w:pPr>{tabs}</w:pPr><w:r><w:tab/></w:r>{_run(title, bold)}"
        f"<w:r><w:tab/></w:r>{_run('หน้า ')}{page}</w:p>"
        f'<w:p><w:pPr><w:spacing w:after="120"/><w:jc w:val="center"/></w:pPr>{_run(line2)}</w:p>'
        "</w:hdr>"
    )


def _styles(font: str) -> str:
    f = escape(font, {'"': "&quot;"})
    return (
        f'{_HEAD}<w:styles xmlns:w="{_W}"><w:docDefaults><w:rPrDefault><w:rPr>'
        f'<w:rFonts w:ascii="{f}" w:hAnsi="{f}" w:eastAsia="{f}" w:cs="{f}"/>'
        f'<w:sz w:val="{_BODY_SIZE}"/><w:szCs w:val="{_BODY_SIZE}"/>'
        '<w:lang w:val="th-TH" w:eastAsia="en-US" w:bidi="th-TH"/></w:rPr></w:rPrDefault>'
        '<w:pPrDefault><w:pPr><w:spacing w:after="0" w:line="240" w:lineRule="auto"/>'
        "</w:pPr></w:pPrDefault></w:docDefaults>"
        '<w:style w:type="paragraph" w:default="1" w:styleId="Normal"><w:name w:val="Normal"/>'
        "<w:qFormat/></w:style>"
        '<w:style w:type="table" w:default="1" w:styleId="TableNormal">'
        '<w:name w:val="Normal Table"/><w:tblPr><w:tblInd w:w="0" w:type="dxa"/><w:tblCellMar>'
        '<w:top w:w="0" w:type="dxa"/><w:left w:w="108" w:type="dxa"/>'
        '<w:bottom w:w="0" w:type="dxa"/><w:right w:w="108" w:type="dxa"/></w:tblCellMar>'
        "</w:tblPr></w:style></w:styles>"
    )


#: The paragraph that ends a section (Word needs one after a table): as small as can be, so that
#: a table filling its last page does not push it onto a page of its own.
_TINY: Final = '<w:rPr><w:sz w:val="2"/><w:szCs w:val="2"/></w:rPr>'


def build_docx(
    parts: Sequence[Section], *, office: str, year: int, font: str = "", thai_digits: bool = True
) -> bytes:
    """The DOCX of the printed register: one section per :class:`Section`, with
    ``office`` and the CE ``year`` (printed as BE) in every page header."""
    parts = parts or [Section(NORMAL, "", ())]  # no rows: a page with its header, no table
    body: list[str] = []
    headers: list[str] = []
    for i, section in enumerate(parts, start=1):
        headers.append(_header(office, year, section, thai_digits))
        body.append(_tables(section, year, thai_digits))
        sect = _sect_pr(f"rIdH{i}", thai_digits)
        if i < len(parts):
            body.append(f"<w:p><w:pPr>{_TINY}{sect}</w:pPr></w:p>")
        else:
            body.append(f"<w:p><w:pPr>{_TINY}</w:pPr></w:p>{sect}")
    document = (
        f'{_HEAD}<w:document xmlns:w="{_W}" xmlns:r="{_R}"><w:body>'
        + "".join(body)
        + "</w:body></w:document>"
    )
    header_rels = "".join(
        f'<Relationship Id="rIdH{i}" Type="{_R}/header" Target="header{i}.xml"/>'
        for i in range(1, len(parts) + 1)
    )
    header_types = "".join(
        f'<Override PartName="/word/header{i}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.wordprocessingml.header+xml"/>'
        for i in range(1, len(parts) + 1)
    )
    members = {
        "[Content_Types].xml": (
            f'{_HEAD}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
            '<Default Extension="rels" '
            'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
            '<Default Extension="xml" ContentType="application/xml"/>'
            '<Override PartName="/word/document.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/>'
            '<Override PartName="/word/styles.xml" ContentType="application/'
            'vnd.openxmlformats-officedocument.wordprocessingml.styles+xml"/>'
            f"{header_types}</Types>"
        ),
        "_rels/.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rId1" '
            f'Type="{_R}/officeDocument" Target="word/document.xml"/></Relationships>'
        ),
        "word/_rels/document.xml.rels": (
            f'{_HEAD}<Relationships xmlns="{_PKG}"><Relationship Id="rIdS" '
            f'Type="{_R}/styles" Target="styles.xml"/>{header_rels}</Relationships>'
        ),
        "word/document.xml": document,
        "word/styles.xml": _styles(font or DEFAULT_FONT),
        **{f"word/header{i}.xml": h for i, h in enumerate(headers, start=1)},
    }
    out = BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=6) as zf:
        for name, text in members.items():
            info = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_DEFLATED
            zf.writestr(info, text.encode("utf-8"))
    return out.getvalue()


def write_docx(
    path: Path,
    entries: Iterable[Entry],
    *,
    office: str,
    year: int,
    font: str = "",
    thai_digits: bool = True,
) -> Path:
    """Write the printed register of ``entries`` (one year) to ``path``, atomically."""
    data = build_docx(
        sections(entries), office=office, year=year, font=font, thai_digits=thai_digits
    )
    return write_atomic(path, data)
