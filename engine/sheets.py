"""Counting an enclosure's sheets (นับจำนวนแผ่นของสิ่งที่ส่งมาด้วย) for the letter's "จำนวน ๓ แผ่น".

A letter's enclosure given as a file with no ``count`` says how many sheets it has. The command
chooses the page counter (:data:`engine.letter.PageCounter`) and hands it down to the letter:

* :func:`converting` when a PDF is asked for (``--pdf``, ``publish``, ``regenerate --pdf``):
  a PDF's pages, 1 for an image, a DOCX's (ODT's, DOC's, RTF's) pages once LibreOffice has
  converted it — the pages the bundle will hold;
* :func:`stated` otherwise: no LibreOffice is started. A PDF's pages and 1 for an image as
  above; a DOCX or ODT has the page count that the word processor which last saved it
  recorded in the file (``docProps/app.xml`` ``<Pages>``, an ODT's ``meta:page-count``), trusted
  only when that program also counted words (a file no word processor laid out, as one
  python-docx made, records 1 page and 0 words); else no count (left blank, as where
  LibreOffice is not installed).

Only :func:`converting` imports :mod:`engine.pdf` (pypdf) for a DOCX, and only when called.
"""

from __future__ import annotations

from pathlib import Path

from .letter import PageCounter

#: the part that records a document's statistics, by suffix
_STATISTICS = {".docx": "docProps/app.xml", ".odt": "meta.xml"}
_MAX_PART = 1 << 20  # a statistics part larger than 1 MiB is not read
_ODF_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"


def converting(path: Path) -> int | None:
    """Pages of an enclosure file; a DOCX is converted by LibreOffice (if installed)."""
    from .pdf import sheet_count  # pypdf: loaded only when a file is counted

    return sheet_count(path)


def stated(path: Path) -> int | None:
    """Pages of an enclosure file without starting LibreOffice: a DOCX's or ODT's from the
    statistics saved in it (:func:`recorded_pages`), a PDF's and an image's as
    :func:`converting` counts them."""
    if Path(path).suffix.lower() in _STATISTICS:
        return recorded_pages(Path(path))
    from .pdf import sheet_count  # pypdf: loaded only when a file is counted

    return sheet_count(path, convert=False)


def counter(pdf: bool) -> PageCounter:
    """The page counter of a command: :func:`converting` when it makes PDFs, else
    :func:`stated`."""
    return converting if pdf else stated


def recorded_pages(path: Path) -> int | None:
    """The page count a DOCX's or ODT's word processor recorded when it saved the file, if it
    also recorded a word count above 0; None when there is none (or the file cannot be read)."""
    part = _STATISTICS.get(path.suffix.lower())
    if part is None:
        return None
    import zipfile  # only when an enclosure is counted (not on a plain letter's path)
    from xml.etree import ElementTree

    try:
        with zipfile.ZipFile(path) as zf:
            if zf.getinfo(part).file_size > _MAX_PART:
                return None
            root = ElementTree.fromstring(zf.read(part))
    except (KeyError, OSError, zipfile.BadZipFile, ElementTree.ParseError, RuntimeError):
        return None
    if part == "meta.xml":
        stats = next(root.iter(f"{_ODF_META}document-statistic"), None)
        if stats is None:
            return None
        pages, words = stats.get(f"{_ODF_META}page-count"), stats.get(f"{_ODF_META}word-count")
    else:
        values = {el.tag.rpartition("}")[2]: (el.text or "").strip() for el in root}
        pages, words = values.get("Pages"), values.get("Words")
    if not (pages and pages.isdigit() and words and words.isdigit()):
        return None
    if int(words) == 0 or int(pages) == 0:
        return None
    return int(pages)
