"""Read a DOCX back as text, the way a reader sees it: for tests."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from lxml import etree

from engine.linebreak import INVISIBLE

W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"


def _para_text(p: etree._Element) -> str:
    out = []
    for el in p.iter(f"{W}t", f"{W}tab", f"{W}br"):
        if el.tag == f"{W}t":
            out.append(el.text or "")
        elif el.tag == f"{W}tab":
            # a tab inside <w:tabs> (paragraph properties) is a tab stop, not text
            if el.getparent().tag != f"{W}tabs":
                out.append("\t")
        else:
            out.append("\n")
    # the line-break marks (engine.linebreak) are invisible; a no-break space reads as a space
    return "".join(out).translate(INVISIBLE).replace("\xa0", " ")


def part_paragraphs(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [_para_text(p) for p in root.iter(f"{W}p")]


def docx_parts(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def body_paragraphs(path: Path) -> list[str]:
    """Paragraphs of the body, tables included, in document order (raw text)."""
    return part_paragraphs(docx_parts(path)["word/document.xml"])


def header_paragraphs(path: Path) -> dict[str, list[str]]:
    """Paragraphs of each header and footer part, by part name."""
    return {
        name: part_paragraphs(xml)
        for name, xml in docx_parts(path).items()
        if re.match(r"word/(header|footer)\d*\.xml$", name)
    }


def normalise(text: str) -> str:
    """Whitespace-normalised: tabs, line breaks, NBSP and runs of spaces become one space."""
    return " ".join(text.replace("\xa0", " ").split())


def visible_paragraphs(path: Path) -> list[str]:
    """Non-empty normalised paragraphs: headers first (in part order), then the body."""
    out = []
    for paras in header_paragraphs(path).values():
        out += [normalise(p) for p in paras]
    out += [normalise(p) for p in body_paragraphs(path)]
    return [p for p in out if p]


def all_text(path: Path) -> str:
    return "\n".join(visible_paragraphs(path))
