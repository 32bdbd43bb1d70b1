"""One DOCX of many rendered copies of a template, written as a stream (flat memory).

Each copy becomes one section of the combined document: its body, then a section break whose
properties are the template's own with ``titlePg`` (the Garuda header on the copy's first page)
and ``pgNumType start=1`` (page numbers restart: "- ๒ -" is the second page of *that* copy).
The body of ``word/document.xml`` is deflated copy by copy through one ``zlib`` stream into the
zip member (with a data descriptor, so sizes need not be known in advance); the other parts are
the template's cached members and the first copy's headers and footers. Nothing but the copy
being added is held in memory: 500 or 2,000 copies take the same memory.

Each copy starts with a hidden bookmark ``_SarabanCopy0001``, ``_SarabanCopy0002``, …: converted
with named destinations (:meth:`engine.pdf.Converter.convert`), it tells where each copy starts
in the PDF, whatever the copies' lengths.

Identical copies in the same order give a byte-identical file (fixed timestamps, no extras).
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import BinaryIO

from . import files
from .render import _ZIP_TIME, CompiledTemplate, _Member, _member

DOCUMENT = "word/document.xml"
_BODY_OPEN = re.compile(r"<w:body>")
_PGNUM = re.compile(r"<w:pgNumType\b([^>]*?)/>")
_PARAGRAPH = re.compile(r"<w:p[ >/]")
_PPR = re.compile(r"<w:pPr\s*/>|<w:pPr\b.*?</w:pPr>", re.S)
#: hidden (leading "_") bookmark starting copy n: ``_SarabanCopy0001``
COPY_BOOKMARK = "_SarabanCopy{:04d}"
_BOOKMARK_ID = 900_000  # ids well above any a template uses


def mark_copy(body: str, n: int) -> str:
    """The body with the bookmark of copy ``n`` at the start of its first paragraph."""
    mark = (
        f'<w:bookmarkStart w:id="{_BOOKMARK_ID + n}" w:name="{COPY_BOOKMARK.format(n)}"/>'
        f'<w:bookmarkEnd w:id="{_BOOKMARK_ID + n}"/>'
    )
    m = _PARAGRAPH.search(body)
    if m is None:
        return mark + body
    at = body.index(">", m.start()) + 1
    if body[at - 2] == "/":  # <w:p/>: an empty paragraph
        return body[: m.start()] + body[m.start() : at - 2] + ">" + mark + "</w:p>" + body[at:]
    ppr = _PPR.match(body, at)
    if ppr is not None:
        at = ppr.end()
    return body[:at] + mark + body[at:]


def split_document(xml: str) -> tuple[str, str, str, str]:
    """(head up to ``<w:body>``, body content, final ``<w:sectPr>…</w:sectPr>``, tail)."""
    m = _BODY_OPEN.search(xml)
    if m is None:
        raise ValueError("no <w:body> in word/document.xml")
    end = xml.rindex("</w:body>")
    sect = xml.rfind("<w:sectPr", m.end(), end)
    if sect < 0:
        return xml[: m.end()], xml[m.end() : end], "", xml[end:]
    return xml[: m.end()], xml[m.end() : sect], xml[sect:end], xml[end:]


def restart_numbering(sect: str) -> str:
    """The section properties with page numbers restarting at 1 and a distinct first page."""
    if not sect:
        sect = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr>'
    m = _PGNUM.search(sect)
    if m:
        attrs = re.sub(r'\s*w:start="\d+"', "", m.group(1))
        sect = sect[: m.start()] + f'<w:pgNumType{attrs} w:start="1"/>' + sect[m.end() :]
    else:
        sect = sect.replace("</w:sectPr>", '<w:pgNumType w:start="1"/></w:sectPr>')
    if "<w:titlePg" not in sect:
        sect = sect.replace("</w:sectPr>", "<w:titlePg/></w:sectPr>")
    return sect


class CombinedWriter:
    """Write copies into one DOCX: ``add(parts)`` per copy (rendered XML parts), ``close()``.

    Writes to a temporary file beside ``out``; :meth:`close` returns its path (the caller
    renames it into place, or compares it first). :meth:`abort` removes it.
    """

    def __init__(self, template: CompiledTemplate, out: Path) -> None:
        self.template = template
        self.out = out
        out.parent.mkdir(parents=True, exist_ok=True)
        fd, name = files.mkstemp(out.parent, f".{out.name}.", ".tmp")
        self.tmp = Path(name)
        self._fh: BinaryIO = os.fdopen(fd, "wb")
        self._central = bytearray()
        self._count = 0
        self._pending: str | None = None  # the previous copy's body (its break needs to know
        self._sect = ""  # whether it is the last)
        self._tail = ""
        self._members: list[_Member] | None = None
        self._z: zlib._Compress | None = None
        self._crc = 0
        self._size = 0
        self._csize = 0
        self._doc_offset = 0

    # -- zip plumbing ------------------------------------------------------------------------
    def _local(self, m: _Member) -> None:
        offset = self._fh.tell()
        t, d = _ZIP_TIME
        sizes = (m.crc, len(m.data), m.size, len(m.name))
        self._fh.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x800, m.method, t, d, *sizes, 0)
        )
        self._fh.write(m.name + m.data)
        self._central_entry(m.name, m.method, 0x800, m.crc, len(m.data), m.size, offset)

    def _central_entry(
        self, name: bytes, method: int, flags: int, crc: int, csize: int, size: int, offset: int
    ) -> None:
        t, d = _ZIP_TIME
        self._central += struct.pack(
            "<IHHHHHHIIIHHHHHII",
            0x02014B50, 20, 20, flags, method, t, d, crc, csize, size, len(name),
            0, 0, 0, 0, 0, offset,
        )  # fmt: skip
        self._central += name

    def _write_doc(self, text: str) -> None:
        data = text.encode("utf-8")
        self._crc = zlib.crc32(data, self._crc)
        self._size += len(data)
        assert self._z is not None
        out = self._z.compress(data)
        self._csize += len(out)
        self._fh.write(out)

    def _start(self, parts: Mapping[str, str]) -> str:
        """Write every member before document.xml; open the streamed one; return the head."""
        head, _, sect, tail = split_document(parts[DOCUMENT])
        self._sect = restart_numbering(sect)
        self._tail = tail
        members = []
        for slot in self.template._slots:
            if isinstance(slot, _Member):
                members.append(slot)
            else:
                members.append(_member(slot[0], parts[slot[0]].encode("utf-8")))
        names = [m.name.decode() for m in members]
        i = names.index(DOCUMENT)
        for m in members[:i]:
            self._local(m)
        self._members = members[i + 1 :]
        self._doc_offset = self._fh.tell()
        t, d = _ZIP_TIME
        name = DOCUMENT.encode()
        # data descriptor (flag 0x08): crc and sizes follow the data
        self._fh.write(
            struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0x808, 8, t, d, 0, 0, 0, len(name), 0)
        )
        self._fh.write(name)
        self._z = zlib.compressobj(6, zlib.DEFLATED, -15)
        return head

    def add(self, parts: Mapping[str, str]) -> None:
        """Add one copy (the rendered parts of the template, as :meth:`render_parts` gives)."""
        if self._count == 0:
            self._write_doc(self._start(parts))
        else:
            assert self._pending is not None
            self._write_doc(self._pending + f"<w:p><w:pPr>{self._sect}</w:pPr></w:p>")
        _, body, _, _ = split_document(parts[DOCUMENT])
        self._count += 1
        self._pending = mark_copy(body, self._count)

    def close(self) -> Path:
        """Finish the file; return the temporary path holding it."""
        if self._count == 0:
            raise ValueError("no copies to combine")
        assert self._z is not None and self._members is not None and self._pending is not None
        self._write_doc(self._pending + self._sect + self._tail)
        rest = self._z.flush()
        self._csize += len(rest)
        self._fh.write(rest)
        self._fh.write(struct.pack("<IIII", 0x08074B50, self._crc, self._csize, self._size))
        self._central_entry(
            DOCUMENT.encode(), 8, 0x808, self._crc, self._csize, self._size, self._doc_offset
        )
        for m in self._members:
            self._local(m)
        start = self._fh.tell()
        count = self._count_members()
        self._fh.write(self._central)
        self._fh.write(
            struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(self._central), start, 0)
        )
        self._fh.close()
        return self.tmp

    def _count_members(self) -> int:
        return len(self.template._slots)

    def abort(self) -> None:
        with contextlib.suppress(Exception):
            self._fh.close()
        self.tmp.unlink(missing_ok=True)

    @property
    def count(self) -> int:
        return self._count
