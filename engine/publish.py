"""Documents → PDFs and enclosure bundles: what ``--pdf`` does once a command has committed.

The register transaction (numbers, case, history, DOCX files) commits first; conversion is slow,
so it runs outside the register lock. Then, for every DOCX the command wrote:

* ``<stem>.pdf`` beside it, converted by the warm LibreOffice pool (:mod:`engine.pdf`), page
  numbers "- ๒ -" in Thai digits, continuation markers stamped at the bottom right;
* for a letter whose enclosures have files, ``<stem>-bundle.pdf``: the letter, then each
  enclosure in the letter's order (a document made by the same command goes in as its PDF), the
  first page of each stamped "สิ่งที่ส่งมาด้วย ๑" (the number it has in the letter), one bookmark
  per part.

All or nothing: enclosure files are checked before anything is converted, every PDF is made under
a temporary name beside its final one, and only when all of them are made are they moved into
place. On any error nothing is written, and PDFs of an earlier run keep their content.

:func:`preflight` checks, before a command takes a number, what would make the PDF step fail:
LibreOffice missing, or an enclosure file that is encrypted, corrupt, empty or not an image.
"""

from __future__ import annotations

import contextlib
import os
import uuid
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from . import pdf
from .errors import UserError
from .pdf import Converter, Enclosure
from .thai import apply_digit_policy
from .workspace import Workspace

EnclosureLike = Enclosure | tuple[int, str, str | Path] | tuple[str, str | Path]


def _enclosure(item: EnclosureLike, root: Path) -> Enclosure:
    if isinstance(item, Enclosure):
        enc = item
    elif len(item) == 3:
        number, title, file = item  # type: ignore[misc]
        enc = Enclosure(str(title), Path(file), int(number))
    else:
        title, file = item  # type: ignore[misc]
        enc = Enclosure(str(title), Path(file))
    if not enc.file.is_absolute():
        enc = Enclosure(enc.title, root / enc.file, enc.number)
    return enc


def _staging(final: Path) -> Path:
    return final.with_name(f".{final.stem}.{uuid.uuid4().hex[:8]}.part.pdf")


def publish_pdfs(
    ws: Workspace,
    docx_paths: Sequence[str | Path],
    enclosures_by_docx: Mapping[str | Path, Sequence[EnclosureLike]] | None = None,
    converter: Converter | None = None,
    *,
    titles: Mapping[str | Path, str] | None = None,
) -> list[Path]:
    """Write ``<stem>.pdf`` beside each DOCX and ``<stem>-bundle.pdf`` for each DOCX that has
    enclosures with files; return the paths written, in order (each PDF, then its bundle).

    ``docx_paths`` and enclosure files may be relative to the workspace. ``enclosures_by_docx``
    maps a DOCX (as given in ``docx_paths``) to its enclosures: :class:`engine.pdf.Enclosure`, or
    ``(number, title, file)`` (number: its place in the letter's list, the stamp's number), or
    ``(title, file)``. An enclosure that is one of ``docx_paths`` goes into the bundle as that
    document's PDF. ``titles`` maps a DOCX to its bundle's title (the letter's subject).
    ``converter``: default, the process-wide pool (started on demand, closed at exit).

    Raises :class:`UserError` (an :class:`engine.pdf.EnclosureError` naming the enclosure, or a
    :class:`engine.pdf.ConversionError` naming the document); then nothing has been written.
    """
    root = ws.root
    docs = [(Path(p) if Path(p).is_absolute() else root / p).absolute() for p in docx_paths]
    keys = {doc: given for doc, given in zip(docs, docx_paths, strict=True)}
    thai_digits = ws.office.thai_digits

    def lookup(mapping: Mapping[str | Path, Any] | None, doc: Path) -> Any:
        if not mapping:
            return None
        for key in (keys[doc], str(keys[doc]), doc, str(doc), ws.relative(doc)):
            if key in mapping:
                return mapping[key]
        return None

    for doc in docs:
        if not doc.is_file():
            raise UserError("document not found; nothing converted", file=doc)
    # Bookmarks read as the letter does: Thai digits where the office prints them.
    digits = apply_digit_policy if thai_digits else str
    enclosures = {}
    for doc in docs:
        encs = [_enclosure(e, root) for e in lookup(enclosures_by_docx, doc) or ()]
        enclosures[doc] = [Enclosure(digits(e.title), e.file, e.number) for e in encs]
    # Check every outside file first: a bad enclosure stops the run before any conversion.
    made_here = set(docs)
    for encs in enclosures.values():
        for enc in encs:
            if enc.file.absolute() not in made_here:
                pdf.check_enclosure(enc)

    converter = converter or pdf.default_converter()
    staged: dict[Path, Path] = {}  # final path → temporary one
    try:
        letter_pdfs = {doc: _staging(doc.with_suffix(".pdf")) for doc in docs}
        for doc, tmp in letter_pdfs.items():
            staged[doc.with_suffix(".pdf")] = tmp
        converter.convert_many(list(letter_pdfs.items()))
        for tmp in letter_pdfs.values():
            pdf.stamp_page_furniture(tmp, thai_digits, converter=converter)
        for doc, encs in enclosures.items():
            if not encs:
                continue
            parts = [
                Enclosure(e.title, letter_pdfs[e.file.absolute()], e.number)
                if e.file.absolute() in letter_pdfs
                else e
                for e in encs
            ]
            final = doc.with_name(f"{doc.stem}-bundle.pdf")
            staged[final] = _staging(final)
            pdf.build_bundle(
                letter_pdfs[doc],
                parts,
                staged[final],
                converter,
                title=digits(lookup(titles, doc) or "") or None,
                thai_digits=thai_digits,
            )
        written = []
        for doc in docs:
            for final in (doc.with_suffix(".pdf"), doc.with_name(f"{doc.stem}-bundle.pdf")):
                if final in staged:
                    os.replace(staged.pop(final), final)
                    written.append(final)
        return written
    finally:
        for tmp in staged.values():
            with contextlib.suppress(OSError):
                tmp.unlink()


def publish_documents(
    ws: Workspace, documents: Iterable[Any], converter: Converter | None = None
) -> dict[str, dict[str, str]]:
    """PDFs (and bundles) of the documents a command made (:class:`engine.runtime.DocumentMade`).

    Returns, for each document's path (relative to the workspace), ``{"pdf": …, "bundle": …}``
    with the paths written, relative to the workspace.
    """
    documents = list(documents)
    paths = [d.path for d in documents]
    written = publish_pdfs(
        ws,
        paths,
        {d.path: d.enclosures for d in documents},
        converter,
        titles={d.path: d.subject for d in documents},
    )
    out: dict[str, dict[str, str]] = {}
    for path in written:
        rel = ws.relative(path)
        if rel.endswith("-bundle.pdf"):
            out.setdefault(rel[: -len("-bundle.pdf")] + ".docx", {})["bundle"] = rel
        else:
            out.setdefault(rel[: -len(".pdf")] + ".docx", {})["pdf"] = rel
    return out


def not_made(what: str, exc: UserError) -> UserError:
    """The error of a PDF step that failed after the command committed: says what stands."""
    return UserError(f"{what}; its PDF was not made: {exc}")


# --- before taking a number ---------------------------------------------------------------------
def preflight(
    ws: Workspace, wf: Any, data: Mapping[str, Any], *, need_converter: bool = True
) -> None:
    """Check what would make ``--pdf`` fail, before the command takes a number or writes a file:
    LibreOffice is installed (``need_converter``), and every enclosure file the case data gives
    is a readable PDF, image or document. A value that is not a file of the workspace is left
    for the command's own validation to report."""
    if need_converter:
        try:
            pdf.find_soffice()
        except UserError as exc:
            raise UserError(
                f"{exc.message} (or leave out --pdf: the DOCX needs no LibreOffice); "
                "nothing was issued"
            ) from None
    for enc in enclosure_files(ws, wf, data):
        pdf.check_enclosure(enc)


def enclosure_files(ws: Workspace, wf: Any, data: Mapping[str, Any]) -> list[Enclosure]:
    """The enclosure files named by case data: the generic letter's ``enclosures[].file``, or a
    typed workflow's file inputs that its documents attach (titled with the input's label)."""
    root = ws.root.resolve()
    out: list[Enclosure] = []

    def add(title: str, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            if not isinstance(item, str | Path) or not str(item).strip():
                continue
            full = (root / str(item)).resolve()
            if (root in full.parents) and full.is_file():
                out.append(Enclosure(title, full))

    if wf.letter_inputs:
        for item in data.get("enclosures") or []:
            if isinstance(item, Mapping) and item.get("file"):
                add(str(item.get("title") or item["file"]), item["file"])
        return out
    attached = {
        enc["file"]
        for spec in wf.documents
        for enc in spec.raw.get("enclosures") or []
        if isinstance(enc, Mapping) and enc.get("file")
    }
    specs = wf.input_specs
    for name in sorted(attached):
        if name in specs and data.get(name):
            add(specs[name].label, data[name])
    return out
