"""Parts added to a rendered DOCX (ส่วนประกอบที่เพิ่มในเอกสาร): the draft mark (ร่าง) in every
header, and a section of its own for an attachment (a circular's distribution list).

Both work on the rendered parts of a :class:`engine.render.CompiledTemplate` (``render_parts``)
and give back parts for its ``pack``: a part the template keeps untouched (the relationships,
``[Content_Types].xml``, a header without tags) is read with ``plain_part`` and given back
changed; a new part is added.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from markupsafe import escape

DOCUMENT = "word/document.xml"
RELS = "word/_rels/document.xml.rels"
CONTENT_TYPES = "[Content_Types].xml"
_NS_W = "http://schemas.openxmlformats.org/wordprocessingml/2006/main"
_NS_R = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/"
_CT = "application/vnd.openxmlformats-officedocument.wordprocessingml."
_VML_NS = {
    "v": "urn:schemas-microsoft-com:vml",
    "o": "urn:schemas-microsoft-com:office:office",
    "w10": "urn:schemas-microsoft-com:office:word",
    "r": _NS_R,
}
_HEADER = re.compile(r"^word/header\d*\.xml$")
_SECT = re.compile(r"<w:sectPr\b[^>]*?(?:/>|>.*?</w:sectPr>)", re.S)
_RID = re.compile(r'\bId="rId(\d+)"')

DRAFT_MARK = "ร่าง"
"""The draft mark: printed across every page of a document made before its number is issued."""

DRAFT_SHAPE_ID = "PowerPlusWaterMarkObject"
"""Word's name for its watermark shape (Design > Watermark): Word lists and removes the mark as
a watermark, and LibreOffice imports it as one."""

# Word's own watermark: a WordArt (VML text path) in the header, centred on the page, rotated
# 315°, behind the text, light grey and half transparent. alt names it as saraban's draft mark.
_DRAFT_SHAPE = (
    '<w:p><w:pPr><w:spacing w:before="0" w:after="0"/></w:pPr><w:r><w:rPr><w:noProof/></w:rPr>'
    '<w:pict><v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas><v:f eqn="sum #0 0 10800"/>'
    '<v:f eqn="prod #0 2 1"/><v:f eqn="sum 21600 0 @1"/><v:f eqn="sum 0 0 @2"/>'
    '<v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/><v:f eqn="if @0 21600 @1"/>'
    '<v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/>'
    '<v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/>'
    '<v:f eqn="sum @6 0 @5"/></v:formulas><v:path textpathok="t" o:connecttype="custom" '
    'o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" o:connectangles="270,180,90,0"/>'
    '<v:textpath on="t" fitshape="t"/><v:handles><v:h position="#0,bottomRight" '
    'xrange="6629,14971"/></v:handles><o:lock v:ext="edit" text="t" shapetype="t"/>'
    "</v:shapetype>"
    '<v:shape id="{id}" o:spid="_x0000_s{spid}" type="#_x0000_t136" alt="saraban:draft" '
    'style="position:absolute;margin-left:0;margin-top:0;width:340pt;height:170pt;'
    "rotation:315;z-index:-251654144;mso-position-horizontal:center;"
    "mso-position-horizontal-relative:margin;mso-position-vertical:center;"
    'mso-position-vertical-relative:margin" o:allowincell="f" fillcolor="silver" stroked="f">'
    '<v:fill opacity=".5"/><v:textpath style="font-family:&quot;{font}&quot;;font-size:1pt" '
    'string="{text}"/><w10:wrap anchorx="margin" anchory="margin"/></v:shape></w:pict></w:r>'
    "</w:p>"
)

_EMPTY_HEADER = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    f'<w:{{tag}} xmlns:w="{_NS_W}" xmlns:r="{_NS_R}">{{content}}</w:{{tag}}>'
)


def _part(template: Any, parts: Mapping[str, str], name: str) -> str | None:
    """A part's XML as the document has it so far: rendered or changed, else the template's."""
    found = parts.get(name)
    return found if found is not None else template.plain_part(name)


def _with_namespaces(xml: str, root: str) -> str:
    """``xml`` with the VML namespaces declared on its root element ``root`` (w:hdr)."""
    m = re.search(rf"<{root}\b[^>]*>", xml)
    if m is None:
        return xml
    tag = m.group(0)
    extra = "".join(f' xmlns:{p}="{uri}"' for p, uri in _VML_NS.items() if f"xmlns:{p}=" not in tag)
    if not extra:
        return xml
    at = m.end() - (2 if tag.endswith("/>") else 1)
    return xml[:at] + extra + xml[at:]


def _add_part(template: Any, parts: dict[str, str], name: str, xml: str, kind: str) -> str:
    """Add part ``name`` (``kind``: header or footer) with its relationship and content type;
    return its relationship id."""
    rels = _part(template, parts, RELS) or (
        '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
        '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        "</Relationships>"
    )
    rid = f"rId{max((int(n) for n in _RID.findall(rels)), default=0) + 1}"
    target = name.removeprefix("word/")
    rel = f'<Relationship Id="{rid}" Type="{_REL}{kind}" Target="{target}"/>'
    parts[RELS] = rels.replace("</Relationships>", rel + "</Relationships>")
    types = _part(template, parts, CONTENT_TYPES)
    if types is not None and f'PartName="/{name}"' not in types:
        override = f'<Override PartName="/{name}" ContentType="{_CT}{kind}+xml"/>'
        parts[CONTENT_TYPES] = types.replace("</Types>", override + "</Types>")
    parts[name] = xml
    return rid


def _new_name(template: Any, parts: Mapping[str, str], kind: str) -> str:
    taken = set(template.part_names()) | set(parts)
    n = 1
    while f"word/{kind}{n}.xml" in taken:
        n += 1
    return f"word/{kind}{n}.xml"


def _references(sect: str, kind: str) -> set[str]:
    """The types (default, first, even) of ``kind`` (header/footer) references of a sectPr."""
    return set(re.findall(rf'<w:{kind}Reference\b[^>]*\bw:type="(\w+)"', sect))


def _insert_in_sect(sect: str, refs: str) -> str:
    """``sect`` with reference elements ``refs`` first among its children (as the schema
    orders them)."""
    if sect.endswith("/>"):
        return sect[:-2] + ">" + refs + "</w:sectPr>"
    at = sect.index(">") + 1
    return sect[:at] + refs + sect[at:]


# --- the draft mark ------------------------------------------------------------------------------
def with_draft_mark(
    template: Any, parts: Mapping[str, str], *, font: str = "TH Sarabun New"
) -> dict[str, str]:
    """The parts with the draft mark (ร่าง, :data:`DRAFT_MARK`) in every header, so that it
    prints on every page in Word and LibreOffice. A section without a header of its own gets
    one holding only the mark."""
    out = dict(parts)
    names = [n for n in dict.fromkeys([*template.part_names(), *parts]) if _HEADER.match(n)]
    for i, name in enumerate(names, 1):
        xml = _part(template, out, name)
        if xml is None or 'alt="saraban:draft"' in xml:
            continue
        out[name] = _marked(xml, i, font)
    doc = out[DOCUMENT]
    if any({"default"} - _references(m.group(0), "header") for m in _SECT.finditer(doc)):
        name = _new_name(template, out, "header")
        xml = _EMPTY_HEADER.format(tag="hdr", content="")
        rid = _add_part(template, out, name, _marked(xml, len(names) + 1, font), "header")

        def add(m: re.Match[str]) -> str:
            sect = m.group(0)
            missing = {"default"} | ({"first"} if "<w:titlePg" in sect else set())
            refs = "".join(
                f'<w:headerReference w:type="{t}" r:id="{rid}"/>'
                for t in sorted(missing - _references(sect, "header"))
            )
            return _insert_in_sect(sect, refs) if refs else sect

        out[DOCUMENT] = _SECT.sub(add, doc)
    return out


def _marked(xml: str, n: int, font: str) -> str:
    """A header's XML with the draft mark's paragraph first in it."""
    xml = _with_namespaces(xml, "w:hdr")
    m = re.search(r"<w:hdr\b[^>]*>", xml)
    if m is None:
        return xml
    shape = _DRAFT_SHAPE.format(
        id=f"{DRAFT_SHAPE_ID}{n}", spid=2048 + n, font=escape(font), text=DRAFT_MARK
    )
    return xml[: m.end()] + shape + xml[m.end() :]


def draft_bytes(template: Any, context: Mapping[str, Any], font: str | None = None) -> bytes:
    """The DOCX of a draft: ``template`` rendered with ``context`` and the draft mark in every
    header (in the office's font family, ``font``)."""
    parts = template.render_parts(context)
    return bytes(template.pack(with_draft_mark(template, parts, font=font or "TH Sarabun New")))


# --- an attachment's own section -----------------------------------------------------------------
LIST_TITLE = "บัญชีรายชื่อแนบท้ายหนังสือ"
"""How a circular's distribution list is headed (บัญชีรายชื่อแนบท้ายหนังสือ<office> ที่ … ลงวันที่ …):
the first words of its first page, by which :mod:`engine.pdf` tells where it starts."""

_FURNITURE = re.compile(
    r"<w:(?:headerReference|footerReference)\b[^>]*/>|<w:titlePg\b[^>]*/>|<w:pgNumType\b[^>]*/>"
)
_LAST_PARAGRAPH = re.compile(r"<w:p\b(?:(?!<w:p\b).)*?</w:p>\s*$|<w:p\b[^>]*/>\s*$", re.S)


def _stamp_paragraph(text: str) -> str:
    """A header or footer paragraph: ``text`` (a secrecy stamp, printed) in red, bold, centred;
    an empty paragraph when there is none."""
    if not text:
        return "<w:p/>"
    return (
        '<w:p><w:pPr><w:jc w:val="center"/></w:pPr><w:r><w:rPr><w:b/><w:bCs/>'
        '<w:color w:val="C00000"/><w:sz w:val="40"/><w:szCs w:val="40"/></w:rPr>'
        f'<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
    )


def _end_section(body: str, sect: str) -> str:
    """``body`` with its last paragraph ending a section laid out by ``sect`` (a sectPr in the
    paragraph's properties: Word's section break, with no paragraph added); a body that ends
    otherwise (a table) gets an empty paragraph for it."""
    m = _LAST_PARAGRAPH.search(body)
    if m is None:
        return f"{body}<w:p><w:pPr>{sect}</w:pPr></w:p>"
    p = m.group(0).rstrip()
    if p.endswith("/>"):  # <w:p/>
        new = p[:-2] + f"><w:pPr>{sect}</w:pPr></w:p>"
    elif "</w:pPr>" in p:
        at = p.index("</w:pPr>")
        new = p[:at] + sect + p[at:]
    else:
        at = p.index(">") + 1
        new = f"{p[:at]}<w:pPr>{sect}</w:pPr>{p[at:]}"
    return body[: m.start()] + new + body[m.start() + len(p) :]


def with_attachment(
    template: Any, parts: Mapping[str, str], xml: str, *, stamp: str = ""
) -> dict[str, str]:
    """The parts with ``xml`` (paragraphs) after the letter as an attachment: a section of its
    own on a new page, the letter's page size and margins, its own header and footer (``stamp``,
    a secrecy mark as printed, else empty): no page number and no Garuda; the letter's pages keep
    theirs."""
    out = dict(parts)
    doc = out[DOCUMENT]
    end = doc.rindex("</w:body>")
    start = doc.index("<w:body>") + len("<w:body>")
    found = list(_SECT.finditer(doc, start, end))
    last = found[-1] if found and doc[found[-1].end() : end].strip() == "" else None
    if last is None:  # a document without its own section properties: Word's defaults
        letter_sect, body = "<w:sectPr/>", doc[start:end]
    else:
        letter_sect, body = last.group(0), doc[start : last.start()]
    rids = []
    for kind, tag in (("header", "hdr"), ("footer", "ftr")):
        part = _EMPTY_HEADER.format(tag=tag, content=_stamp_paragraph(stamp))
        rids.append(_add_part(template, out, _new_name(template, out, kind), part, kind))
    refs = (
        f'<w:headerReference w:type="default" r:id="{rids[0]}"/>'
        f'<w:footerReference w:type="default" r:id="{rids[1]}"/>'
    )
    list_sect = _insert_in_sect(_FURNITURE.sub("", letter_sect), refs)
    out[DOCUMENT] = doc[:start] + _end_section(body, letter_sect) + xml + list_sect + doc[end:]
    return out
