"""Proof-reading a printed letter (ตรวจรูปแบบหนังสือ): the layout rules a district office checks
before a letter goes to the signer, read off any PDF — ours, or one printed from a template an
office edited in Word.

The PDF is read as poppler's ``pdftotext -bbox-layout`` sees it (lines and words with their
boxes) and pypdf (where images are drawn). The rules (docs/layout.md):

* ``justified`` — at least 90 % of the lines that wrapped (the next word did not fit) end within
  1 mm of the right margin;
* ``split-word`` — no word, date, letter number, phone number, ID or "จำนวน ๑ ฉบับ" is split
  across two lines, no line ends with a bound prefix (ผู้, นัก) and none starts with ๆ;
* ``signature`` — the page with the closing formula (or, in a memo, the signature) carries at
  least two lines of text above it;
* ``contact`` — the contact block (โทร., โทรสาร, ไปรษณีย์อิเล็กทรอนิกส์) is on the signature's page;
* ``marker`` — every page followed by a page of the same document ("- ๒ -") ends with a
  continuation marker naming the next page's first words, whole;
* ``overprint`` — no text is printed over other text or over a picture (the Garuda).
"""

from __future__ import annotations

import functools
import re
import subprocess
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UserError
from .i18n import _
from .linebreak import (
    BOUND_PREFIXES,
    DEFAULT_BREAKER,
    THAI_LETTERS,
    LineBreaker,
    group_spans,
)
from .programs import tool
from .salutation import DEFAULT_FORMS, HIGH_FORMS, MONK_FORMS
from .thai import ITEM_NUMBER

MM = 72 / 25.4
FLUSH_TOLERANCE = 1 * MM
JUSTIFIED_SHARE = 0.90
POPPLER_HINT = "apt-get install poppler-utils"

CLOSING_FORMULAS = frozenset(
    close for _, close in (DEFAULT_FORMS, HIGH_FORMS, *MONK_FORMS.values())
) | {"ขอแสดงความนับถืออย่างสูง"}  # the letter model's closings, and one older offices still use
_PAGE_NUMBER = re.compile(r"-\s*[0-9๐-๙]+\s*-")
_CONTACT = re.compile(r"(?:โทร\.?|โทรสาร|ไปรษณีย์อิเล็กทรอนิกส์)(?:\s|$)")
_SIGNER = re.compile(r"\([^()]*[\u0e01-\u0e2e][^()]*\)")
_STARTS_PART = re.compile(
    r"(?:เรื่อง|เรียน|กราบเรียน|อ้างถึง|สิ่งที่ส่งมาด้วย|สำเนาส่ง)(?:\s|$)"
    # a numbered item, as the renderer recognises one in the body (engine.thai.ITEM_NUMBER)
    f"|{ITEM_NUMBER.pattern}"
)
_THAI_TAIL = re.compile(f"[{THAI_LETTERS}]+$")
_THAI_HEAD = re.compile(f"^[{THAI_LETTERS}]+")
_ALNUM_TAIL = re.compile(r"[A-Za-z0-9]+$")
_ALNUM_HEAD = re.compile(r"^[A-Za-z0-9]+")


@dataclass
class Word:
    x0: float
    y0: float
    x1: float
    y1: float
    text: str


@dataclass
class Line:
    x0: float
    y0: float
    x1: float
    y1: float
    words: list[Word]
    number: int = 0  # 1-based, from the top of its page

    @functools.cached_property
    def text(self) -> str:
        """The line's text, a space where the words' boxes leave a gap: poppler splits a Thai
        word where a tone mark or the justification moved a glyph ("เป็ น"), with no gap."""
        out = self.words[0].text
        for prev, word in zip(self.words, self.words[1:], strict=False):
            gap = word.x0 - prev.x1
            out += (" " if gap > 0.15 * (word.y1 - word.y0) else "") + word.text
        return out


@dataclass
class Page:
    number: int  # 1-based
    width: float
    height: float
    lines: list[Line]
    images: list[tuple[float, float, float, float]] = field(default_factory=list)

    def body(self) -> list[Line]:
        """The lines but the page-number header."""
        return [ln for ln in self.lines if not _PAGE_NUMBER.fullmatch(ln.text.strip())]


@dataclass(frozen=True)
class Finding:
    """One broken rule, where it is."""

    rule: str
    page: int
    line: int
    message: str

    def __str__(self) -> str:
        where = f"page {self.page}" + (f", line {self.line}" if self.line else "")
        return f"{where}: {self.rule}: {self.message}"


def read_pages(pdf: str | Path, *, images: bool = True) -> list[Page]:
    """Every page's text lines (top to bottom) with their boxes, in PDF points from the top;
    with ``images``, where each page draws its pictures too."""
    from lxml import etree

    run = subprocess.run(
        # -nodiag: a draft's mark (ร่าง, printed diagonally across the page behind the text,
        # engine.pdf.stamp_draft_mark) is no line of the letter; it would be text over text
        [
            tool("pdftotext", POPPLER_HINT),
            "-bbox-layout",
            "-nodiag",
            "-enc",
            "UTF-8",
            str(pdf),
            "-",
        ],
        capture_output=True,
        timeout=120,
    )
    if run.returncode != 0:
        said = run.stderr.decode(errors="replace").strip().splitlines()
        raise UserError(
            _("not a readable PDF ({reason})").format(
                reason=said[-1] if said else _("pdftotext failed")
            ),
            file=pdf,
        )
    parser = etree.XMLParser(resolve_entities=False, no_network=True, recover=True)
    root = etree.fromstring(run.stdout, parser)
    pages: list[Page] = []
    for number, page in enumerate(root.iter("{*}page"), 1):
        lines: list[Line] = []
        for line in page.iter("{*}line"):
            words = [Word(*_box(w), w.text or "") for w in line.iter("{*}word")]
            words = [w for w in words if w.text.strip()]
            if words:
                lines.append(Line(*_box(line), words=words))
        lines.sort(key=lambda ln: (round(ln.y0), ln.x0))
        for i, ln in enumerate(lines, 1):
            ln.number = i
        width, height = _floats(page, "width", "height")
        pages.append(Page(number, width, height, lines))
    if not images:
        return pages
    try:
        boxes = _image_boxes(pdf)
    except Exception as exc:  # pypdf's errors on a damaged file: poppler read its text
        raise UserError(_("cannot read its pictures: {exc}").format(exc=exc), file=pdf) from None
    for page_read, pictures in zip(pages, boxes, strict=False):
        page_read.images = pictures
    return pages


def _floats(element: Any, *names: str) -> list[float]:
    """The attributes ``names`` of an XML element of pdftotext's output, as numbers."""
    return [float(element.get(name)) for name in names]


def _box(element: Any) -> tuple[float, float, float, float]:
    """The box (xMin, yMin, xMax, yMax) of a pdftotext word or line."""
    x0, y0, x1, y1 = _floats(element, "xMin", "yMin", "xMax", "yMax")
    return x0, y0, x1, y1


def _image_boxes(pdf: str | Path) -> list[list[tuple[float, float, float, float]]]:
    """Where each page draws its images (x0, y0, x1, y1 from the top), read from the content
    streams by pypdf: the current transformation at each ``Do`` of an image."""
    from pypdf import PdfReader

    out = []
    for page in PdfReader(str(pdf)).pages:
        height = float(page.mediabox.height)
        xobjects = (page.get("/Resources") or {}).get("/XObject") or {}
        images = {
            name for name, ref in xobjects.items() if ref.get_object().get("/Subtype") == "/Image"
        }
        boxes: list[tuple[float, float, float, float]] = []

        def visit(op, args, cm, tm, boxes=boxes, images=images, height=height):
            if op == b"Do" and args and args[0] in images:
                a, b, c, d, e, f = cm
                xs = [e, e + a, e + c, e + a + c]
                ys = [f, f + b, f + d, f + b + d]
                boxes.append((min(xs), height - max(ys), max(xs), height - min(ys)))

        if images:
            page.extract_text(visitor_operand_before=visit)
        out.append(boxes)
    return out


# --- the rules --------------------------------------------------------------------------------
def _pitch(pages: Sequence[Page]) -> float:
    """The usual distance between two lines of a paragraph (the most common one)."""
    steps = Counter(
        round(b.y0 - a.y0, 1)
        for page in pages
        for a, b in zip(page.lines, page.lines[1:], strict=False)
        if 5 < b.y0 - a.y0 < 40
    )
    return steps.most_common(1)[0][0] if steps else 20.0


def _right_margin(pages: Sequence[Page]) -> float:
    """The furthest right that several lines reach, within 2 pt of each other (a stamp or one
    stray line does not move it; justified lines end a fraction of a point apart)."""
    ends = sorted(
        (ln.x1 for page in pages for ln in page.body() if len(ln.words) > 1), reverse=True
    )
    for x in ends:
        if sum(abs(e - x) <= 2 for e in ends) >= 3:
            return x
    return ends[0] if ends else 0.0


def _wrapped_pairs(page: Page, pitch: float, right: float) -> Iterable[tuple[Line, Line]]:
    """(line, next line) where the paragraph went on to the next line because the next word
    did not fit: the next line follows at the usual pitch, is not indented further, and its
    first word would have passed the right margin."""
    lines = page.body()
    left = min((ln.x0 for ln in lines), default=0.0)
    for a, b in zip(lines, lines[1:], strict=False):
        if not (0 < b.y0 - a.y0 <= pitch * 1.15) or b.x0 > a.x0 + 2:
            continue
        if abs(b.x0 - a.x0) > 2 and abs(b.x0 - left) > 2:
            continue  # not the paragraph's own column: a table cell, then the date under it
        if _STARTS_PART.match(b.text):
            continue  # the next line starts a part (อ้างถึง, สิ่งที่ส่งมาด้วย) or a numbered item
        first = b.words[0]
        width = first.x1 - first.x0
        head = _THAI_HEAD.match(first.text)
        if head and len(head.group(0)) < len(first.text):
            width *= len(head.group(0)) / len(first.text)
        space = 0.2 * (a.y1 - a.y0)
        if a.x1 + space + min(width, 0.6 * (a.y1 - a.y0) * 2) > right - FLUSH_TOLERANCE:
            yield a, b


def check_pages(pages: Sequence[Page], breaker: LineBreaker | None = None) -> list[Finding]:
    """Every rule broken by the pages of one PDF."""
    breaker = breaker or DEFAULT_BREAKER
    findings: list[Finding] = []
    pitch = _pitch(pages)
    right = _right_margin(pages)
    full = flush = 0
    ragged: list[tuple[Page, Line]] = []
    text = " ".join(ln.text for page in pages for ln in page.lines)
    for page in pages:
        for a, b in _wrapped_pairs(page, pitch, right):
            full += 1
            if abs(right - a.x1) <= FLUSH_TOLERANCE:
                flush += 1
            else:
                ragged.append((page, a))
            findings += _split(page, a, b, breaker, text)
    if full and flush / full < JUSTIFIED_SHARE:
        where = ", ".join(f"p{p.number} l{ln.number}" for p, ln in ragged[:8])
        findings.append(
            Finding(
                "justified",
                ragged[0][0].number,
                ragged[0][1].number,
                f"{flush} of {full} full lines end at the right margin ({flush / full:.0%}, "
                f"at least {JUSTIFIED_SHARE:.0%} must); ragged: {where}",
            )
        )
    findings += _signature(pages)
    findings += _markers(pages, breaker)
    findings += _overprint(pages)
    return sorted(findings, key=lambda f: (f.page, f.line, f.rule))


def _ends(words: Sequence[str]) -> set[int]:
    """Where each word of a segmentation ends (character offsets)."""
    ends, pos = set(), 0
    for w in words:
        pos += len(w)
        ends.add(pos)
    return ends


def _split(page: Page, a: Line, b: Line, breaker: LineBreaker, text: str) -> list[Finding]:
    out = []
    at = f"{a.words[-1].text}|{b.words[0].text}"

    def found(message: str) -> None:
        out.append(Finding("split-word", page.number, a.number, f"{message}: {at}"))

    tail, head = _THAI_TAIL.search(a.text), _THAI_HEAD.match(b.text)
    joined = tail.group(0) + head.group(0) if tail and head else ""
    if tail and head and len(tail.group(0)) not in _ends(breaker.segment(joined)):
        found(_("a word is split across two lines"))
        return out
    last = breaker.segment(tail.group(0))[-1] if tail else ""
    if last in BOUND_PREFIXES:
        found(_("the line ends with the bound prefix {last}").format(last=last))
    if b.text.startswith("ๆ"):
        found(_("ๆ starts a line"))
    ltail, lhead = _ALNUM_TAIL.search(a.text), _ALNUM_HEAD.match(b.text)
    if ltail and lhead and not (ltail.group(0).isdigit() and lhead.group(0).isdigit()):
        glued = ltail.group(0) + lhead.group(0)
        mixed = any(c.isalpha() for c in glued) and any(c.isdigit() for c in glued)
        if mixed or re.search(rf"(?<![A-Za-z0-9]){re.escape(glued)}(?![A-Za-z0-9])", text):
            found(_("a Latin word or an ID is split across two lines"))
    joined = (a.text + " " + b.text).replace("\xa0", " ")
    cut = len(a.text)
    if any(s < cut < e - 1 for s, e in group_spans(joined)):
        found(_("a date, number or quantity is split across two lines"))
    return out


def _anchor(pages: Sequence[Page]) -> tuple[Page, Line] | None:
    """The closing formula (ขอแสดงความนับถือ …), else the signer's name in brackets."""
    for page in pages:
        for ln in page.lines:
            if ln.text.strip() in CLOSING_FORMULAS:
                return page, ln
    for page in pages:
        for ln in page.lines:
            centre = (ln.x0 + ln.x1) / 2
            if _SIGNER.fullmatch(ln.text.strip()) and centre > page.width * 0.45:
                return page, ln
    return None


def _signature(pages: Sequence[Page]) -> list[Finding]:
    found = _anchor(pages)
    if found is None:
        return []
    page, anchor = found
    out = []
    above = [ln for ln in page.body() if ln.y1 <= anchor.y0 + 1]
    if page.number > 1 and len(above) < 2:
        out.append(
            Finding(
                "signature",
                page.number,
                anchor.number,
                f"{len(above)} line(s) of text above the closing on its page; at least 2 must "
                "keep it company",
            )
        )
    # the contact block after the signature, up to the next document (a page without "- N -")
    for later in pages[page.number :]:
        if not any(_PAGE_NUMBER.fullmatch(ln.text.strip()) for ln in later.lines):
            break
        for ln in later.body():
            if _CONTACT.match(ln.text):
                out.append(
                    Finding(
                        "contact",
                        later.number,
                        ln.number,
                        f"the contact block is split from the signature on page {page.number}: "
                        f"{ln.text[:40]}",
                    )
                )
                break
    return out


def _markers(pages: Sequence[Page], breaker: LineBreaker) -> list[Finding]:
    out = []
    for page, nxt in zip(pages, pages[1:], strict=False):
        if not any(_PAGE_NUMBER.fullmatch(ln.text.strip()) for ln in nxt.lines):
            continue  # the next page starts another document
        body = page.body()
        marker = body[-1] if body and body[-1].text.startswith("/") else None
        following = nxt.body()
        if marker is None:
            out.append(Finding("marker", page.number, 0, "no continuation marker at the foot"))
            continue
        if not following:
            continue
        # compared without blanks: poppler may read a tone mark before the dots as a word
        named = re.sub(r"\s+", "", marker.text.strip()[1:])
        named = re.sub(r"[.…]+(?=[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e.…]*$)", "", named)
        first = re.sub(r"\s+", "", following[0].text)
        ok = first.startswith(named)
        tail = _THAI_TAIL.search(named)
        after = _THAI_HEAD.match(first[len(named) :]) if ok else None
        if tail and after:  # the marker stops inside a Thai run: at a word's end?
            ok = len(tail.group(0)) in _ends(breaker.segment(tail.group(0) + after.group(0)))
        if not ok:
            out.append(
                Finding(
                    "marker",
                    page.number,
                    marker.number,
                    f"the marker {marker.text!r} does not name the next page's first words "
                    f"whole ({first[:30]!r})",
                )
            )
        below = [ln for ln in body[:-1] if ln.y1 > marker.y0 + 1]
        if below:
            out.append(
                Finding("overprint", page.number, marker.number, "the marker is not below the text")
            )
    return out


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return max(w, 0) * max(h, 0)


def _overprint(pages: Sequence[Page]) -> list[Finding]:
    out = []
    for page in pages:
        boxes = [
            ((w.x0, w.y0, w.x1, w.y1), ln, w) for ln in page.lines for w in ln.words if w.x1 > w.x0
        ]
        boxes.sort(key=lambda t: t[0][1])
        reported = set()
        for i, (a, la, wa) in enumerate(boxes):
            for b, lb, wb in boxes[i + 1 :]:
                if b[1] > a[3]:
                    break
                if la is lb:
                    continue
                ha, hb = a[3] - a[1], b[3] - b[1]
                vert = min(a[3], b[3]) - max(a[1], b[1])
                horiz = min(a[2], b[2]) - max(a[0], b[0])
                if vert > 0.6 * min(ha, hb) and horiz > 0.3 * min(a[2] - a[0], b[2] - b[0]):
                    key = (la.number, lb.number)
                    if key not in reported:
                        reported.add(key)
                        out.append(
                            Finding(
                                "overprint",
                                page.number,
                                lb.number,
                                f"{wb.text!r} is printed over {wa.text!r} (line {la.number})",
                            )
                        )
        area = page.width * page.height
        for img in page.images:
            if (img[2] - img[0]) * (img[3] - img[1]) > 0.5 * area:
                continue  # a full-page scan: stamps go on it by design
            for ln in page.lines:
                for w in ln.words:
                    box = (w.x0, w.y0, w.x1, w.y1)
                    if _overlap(box, img) > 0.15 * max((w.x1 - w.x0) * (w.y1 - w.y0), 1):
                        out.append(
                            Finding(
                                "overprint",
                                page.number,
                                ln.number,
                                f"{w.text!r} is printed over a picture",
                            )
                        )
                        break
    return out


def proof_pdf(pdf: str | Path, breaker: LineBreaker | None = None) -> list[Finding]:
    """The rules a PDF breaks (empty: it may go to the signer)."""
    path = Path(pdf)
    if not path.is_file():
        raise UserError(_("not a file") if path.exists() else _("file not found"), file=path)
    return check_pages(read_pages(path), breaker)
