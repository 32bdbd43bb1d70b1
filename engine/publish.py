"""Documents → PDFs and enclosure bundles: what ``--pdf`` does once a command has committed.

The register transaction (numbers, case, history, DOCX files) commits first; conversion is slow,
so it runs outside the register lock. Then, for every DOCX the command wrote:

* ``<stem>.pdf`` beside it, converted by the warm LibreOffice pool (:mod:`engine.pdf`), page
  numbers "- ๒ -" in Thai digits, continuation markers stamped at the bottom right;
* for a letter whose enclosures have files, ``<stem>-bundle.pdf``: the letter, then each
  enclosure in the letter's order (a document made by the same command goes in as its PDF), the
  first page of each stamped "สิ่งที่ส่งมาด้วย ๑" (the number it has in the letter), one bookmark
  per part;
* for a circular, ``<stem>-copies.pdf`` from the combined DOCX of its copies: converted once, its
  page numbers restarting with each copy, continuation markers within each copy only, one
  bookmark per recipient (the organisation) at the first page of its copy.

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
from dataclasses import replace
from pathlib import Path
from typing import Any

from . import pdf, pdfclean
from .errors import UserError
from .i18n import _
from .letter import Enclosure, attached
from .pdf import Converter
from .thai import apply_digit_policy
from .workspace import Workspace


def _enclosure(enc: Enclosure, root: Path) -> Enclosure:
    """``enc`` with its file made absolute (a relative one is of the workspace)."""
    file = enc.path()
    return enc if file.is_absolute() else replace(enc, file=root / file)


def _staging(final: Path) -> Path:
    """A temporary name beside ``final`` carrying this run's token: a run that dies leaves it to
    the next one to remove (:mod:`engine.pdfclean`)."""
    return final.with_name(f".{final.stem}.{pdfclean.token()}.{uuid.uuid4().hex[:8]}.part.pdf")


def publish_pdfs(
    ws: Workspace,
    docx_paths: Sequence[str | Path],
    enclosures_by_docx: Mapping[str | Path, Sequence[Enclosure]] | None = None,
    converter: Converter | None = None,
    *,
    titles: Mapping[str | Path, str] | None = None,
    copies: Mapping[str | Path, Sequence[str]] | None = None,
) -> list[Path]:
    """Write ``<stem>.pdf`` beside each DOCX and ``<stem>-bundle.pdf`` for each DOCX that has
    enclosures with files; return the paths written, in order (each PDF, then its bundle).

    ``docx_paths`` and enclosure files may be relative to the workspace. ``enclosures_by_docx``
    maps a DOCX (as given in ``docx_paths``) to its enclosures (:class:`engine.letter.Enclosure`
    with a file; its ``number``, its place in the letter's list, is the stamp's). An enclosure
    that is one of ``docx_paths`` goes into the bundle as that document's PDF. ``titles`` maps a DOCX to its bundle's title (the letter's subject).
    ``copies`` maps a combined DOCX of a circular's copies (:func:`circular_copies`) to the
    bookmark of each copy, in order; its PDF gets per-copy furniture and no bundle.
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

    for doc in docs:  # read and written inside the workspace only (no link leading out)
        for path in (doc, doc.with_suffix(".pdf"), doc.with_name(f"{doc.stem}-bundle.pdf")):
            ws.confine(path)
        if not doc.is_file():
            raise UserError(_("document not found; nothing converted"), file=doc)
    # Bookmarks read as the letter does: Thai digits where the office prints them.
    digits = apply_digit_policy if thai_digits else str
    enclosures = {}
    for doc in docs:
        encs = [_enclosure(e, root) for e in lookup(enclosures_by_docx, doc) or ()]
        enclosures[doc] = [replace(e, title=digits(e.title)) for e in encs]
    combined = {
        doc: [digits(t) for t in lookup(copies, doc)] for doc in docs if lookup(copies, doc)
    }
    # Check every outside file first: a bad enclosure stops the run before any conversion.
    made_here = set(docs)
    for encs in enclosures.values():
        for enc in encs:
            if enc.path().absolute() not in made_here:
                ws.confine(enc.path(), field="enclosures")
                pdf.check_enclosure(enc)

    converter = converter or pdf.default_converter()
    staged: dict[Path, Path] = {}  # final path → temporary one
    try:
        letter_pdfs = {doc: _staging(doc.with_suffix(".pdf")) for doc in docs}
        for doc, tmp in letter_pdfs.items():
            staged[doc.with_suffix(".pdf")] = tmp
        # the combined copies first: the longest conversion runs beside the others
        order = sorted(letter_pdfs, key=lambda doc: doc not in combined)
        converter.convert_many([(doc, letter_pdfs[doc], doc in combined) for doc in order])
        for doc, tmp in letter_pdfs.items():
            if doc not in combined:
                pdf.fit_pages(doc, tmp, converter)
        for doc, tmp in letter_pdfs.items():
            if doc in combined:
                title = digits(lookup(titles, doc) or "") or None
                pdf.furnish_copies(tmp, combined[doc], thai_digits, converter=converter,
                                   title=title)  # fmt: skip
            else:
                pdf.stamp_page_furniture(tmp, thai_digits, converter=converter)
        for doc, encs in enclosures.items():
            if not encs or doc in combined:
                continue
            parts = [
                replace(e, file=letter_pdfs[e.path().absolute()])
                if e.path().absolute() in letter_pdfs
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
    with the paths written, relative to the workspace; an issued circular also has
    ``"copies"``: the combined PDF of its copies.
    """
    documents = list(documents)
    paths: list[str | Path] = [d.path for d in documents]
    titles: dict[str | Path, str] = {d.path: d.subject for d in documents}
    copies: dict[str | Path, list[str]] = {}
    for d in documents:
        found = circular_copies(ws, d.path) if d.number else None
        if found is not None:
            combined, names = found
            paths.append(combined)
            titles[combined] = d.subject
            copies[combined] = names
    written = publish_pdfs(
        ws, paths, {d.path: d.enclosures for d in documents}, converter, titles=titles,
        copies=copies,
    )  # fmt: skip
    return pdf_paths(ws, written)


def pdf_paths(ws: Workspace, written: Iterable[Path]) -> dict[str, dict[str, str]]:
    """``{docx: {"pdf"|"bundle"|"copies": pdf}}`` of what :func:`publish_pdfs` wrote."""
    out: dict[str, dict[str, str]] = {}
    for path in written:
        rel = ws.relative(path)
        for suffix, kind in (("-bundle.pdf", "bundle"), ("-copies.pdf", "copies"), (".pdf", "pdf")):
            if rel.endswith(suffix):
                out.setdefault(rel[: -len(suffix)] + ".docx", {})[kind] = rel
                break
    return out


def circular_copies(ws: Workspace, master: str | Path) -> tuple[Path, list[str]] | None:
    """The combined DOCX of an issued circular's copies and each copy's bookmark (the
    recipient organisations, in order), from the register; None for any other document or
    when the combined DOCX is not there."""
    from .circular import combined_path
    from .register import Register
    from .store import server_of

    rel = ws.relative(Path(master) if Path(master).is_absolute() else ws.root / master)
    combined = combined_path(ws.root / rel)
    register = ws.register_path
    if not combined.is_file() or (server_of(register) is None and not register.exists()):
        return None
    with Register(ws.register_path) as reg:
        rows = reg.store.recipients.organisations_of(rel)
    return (combined, rows) if rows else None


def not_made(what: str, exc: UserError) -> UserError:
    """The error of a PDF step that failed after the command committed: says what stands."""
    return UserError(_("{what}; its PDF was not made: {exc}").format(what=what, exc=exc))


# --- before taking a number ---------------------------------------------------------------------
def preflight(
    ws: Workspace, wf: Any, data: Mapping[str, Any], *, need_converter: bool = True
) -> None:
    """Check what would make ``--pdf`` fail, before the command takes a number or writes a file:
    LibreOffice and poppler's pdftotext are installed (``need_converter``), and every enclosure file the case data gives
    is a readable PDF, image or document. A value that is not a file of the workspace is left
    for the command's own validation to report."""
    if need_converter:
        try:
            pdf.find_soffice()
            pdf.tool("pdftotext", pdf.POPPLER_HINT)
        except UserError as exc:
            raise UserError(
                _(
                    "{message} (or leave out --pdf: the DOCX needs no LibreOffice); nothing was issued"
                ).format(message=exc.message)
            ) from None
    for enc in enclosure_files(ws, wf, data):
        pdf.check_enclosure(enc)


def enclosure_files(ws: Workspace, wf: Any, data: Mapping[str, Any]) -> list[Enclosure]:
    """The enclosure files named by case data that are files of the workspace: the generic
    letter's ``enclosures[].file``, or a typed workflow's file inputs that its documents attach
    (titled with the input's label); each file once."""
    root = ws.root.resolve()
    out: dict[Path, Enclosure] = {}
    for enc in case_enclosures(ws, wf, data, wf.documents, documents=False):
        full = enc.path().resolve()
        if root in full.parents and full.is_file():
            out.setdefault(full, replace(enc, file=full))
    return list(out.values())


def case_enclosures(
    ws: Workspace, wf: Any, data: Mapping[str, Any], specs: Iterable[Any], *, documents: bool = True
) -> list[Enclosure]:
    """The enclosure files (สิ่งที่ส่งมาด้วย) that case ``data`` names for documents ``specs``, read
    cheaply: no letter built, no page counted, nothing converted, no file checked. The generic
    letter's ``enclosures[].file``; else each document's enclosures that name a file input
    (titled with its label) or, with ``documents``, another document of the case. Files are of
    the workspace as given (not resolved): :func:`engine.compose.enclosures` lists a letter's
    enclosures in full (conditions, counts, links refused)."""
    out: list[Enclosure] = []

    def add(title: str, value: Any) -> None:
        for item in value if isinstance(value, list) else [value]:
            if isinstance(item, str | Path) and str(item).strip():
                out.append(Enclosure(title, ws.root / str(item)))

    if wf.letter_inputs:
        for item in data.get("enclosures") or []:
            if isinstance(item, Mapping) and item.get("file"):
                add(str(item.get("title") or item["file"]), item["file"])
        return out
    inputs = wf.input_specs
    made = data.get("documents") or {}
    for spec in specs:
        for enc in spec.enclosures:
            if enc.file:
                label = inputs[enc.file].label if enc.file in inputs else enc.file
                add(label, data.get(enc.file))
            elif enc.document and documents:
                add(enc.document, (made.get(enc.document) or {}).get("path"))
    return out


# --- after `saraban regenerate` ------------------------------------------------------------------
def _older(pdf_path: Path, *sources: Path) -> bool:
    """Whether ``pdf_path`` is missing or older than any of ``sources`` (those that exist)."""
    try:
        made = pdf_path.stat().st_mtime_ns
    except FileNotFoundError:
        return True
    for src in sources:
        try:
            if src.stat().st_mtime_ns > made:
                return True
        except FileNotFoundError:
            continue
    return False


def _letter_of(ws: Workspace, reg: Any, wf: Any, job: Any) -> Any:
    """The letter of an issued document as ``regenerate`` composes it (for its enclosures)."""
    from . import compose, thai

    day = job.entry.date if job.entry is not None else thai.parse_date(job.date)
    scope = compose.Scope(ws, wf, reg, dict(job.data), case_id=job.case_id, state=job.state, event=None,
                  date=day)  # its enclosures' files only: no page counting  # fmt: skip
    return compose.compose(scope, wf.document(job.document), entry=job.entry).letter


def _enclosure_candidates(ws: Workspace, wf: Any, job: Any) -> list[Path]:
    """The files a document's bundle may take, read from the case data without building the
    letter (:func:`case_enclosures`); the generic letter's only where they are files."""
    if wf.letter_inputs:  # as given: one leading out makes the bundle stale, and is refused
        files = [enc.path() for enc in case_enclosures(ws, wf, job.data, [])]
        return [f for f in files if f.is_file()]
    try:
        spec = wf.document(job.document)
    except UserError:
        return []
    return [enc.path() for enc in case_enclosures(ws, wf, job.data, [spec])]


def publish_stale(
    ws: Workspace,
    jobs: Iterable[Any],
    workflows: Mapping[str, Any],
    *,
    dry_run: bool = False,
    also: Iterable[Any] = (),
    converter: Converter | None = None,
    batch: int = 16,
) -> tuple[list[str], list[str]]:
    """``regenerate --pdf``: make the PDF of every issued document (:class:`engine.regenerate.Job`)
    whose PDF is missing or older than its DOCX; its bundle where the letter has enclosure files
    and the bundle is missing or older than the DOCX or an enclosure file; a circular's combined
    ``-copies.pdf`` when missing or older than the combined DOCX. Letters frozen (sent), of a
    cancelled case, or whose number is cancelled, are never touched. ``also``: jobs whose DOCX
    a dry run would rewrite (taken as stale). One converter for the whole run; documents go in
    batches of ``batch``, each all or nothing (temporary files + rename), so an interrupted run
    keeps the batches done.

    Returns (PDFs written — with ``dry_run``, that would be —, errors), paths relative to the
    workspace; a batch that fails is one error naming the document, and the others go on.
    """
    from .register import Register

    root = ws.root
    forced = {job.key for job in also}
    plans = []  # (job, main DOCX, its PDF stale, the combined copies and names if stale)
    written: list[str] = []
    errors: list[str] = []
    for job in jobs:
        wf = workflows.get(job.workflow)
        if wf is None or job.sent or job.case_cancelled:
            continue
        if job.entry is not None and job.entry.cancelled:
            continue
        main = root / next(iter(job.files))
        if not main.is_file():
            continue
        stale = job.key in forced or _older(main.with_suffix(".pdf"), main)
        encs = _enclosure_candidates(ws, wf, job)  # cheap: from the case data, no letter built
        bundle = main.with_name(f"{main.stem}-bundle.pdf")
        maybe_bundle = bool(encs) and (stale or _older(bundle, main, *encs))
        found = circular_copies(ws, main) if job.entry_id is not None else None
        if found is not None and not (
            job.key in forced or _older(found[0].with_suffix(".pdf"), found[0])
        ):
            found = None
        if stale or maybe_bundle or found:
            plans.append((job, main, stale, found))
    batches: list[tuple[list[str | Path], dict, dict, dict]] = []
    paths: list[str | Path] = []
    encs_of: dict[str | Path, list[Enclosure]] = {}
    titles: dict[str | Path, str] = {}
    copies_of: dict[str | Path, list[str]] = {}
    if plans:
        with Register(ws.register_path) as reg:
            for job, main, stale, found in plans:
                try:  # an enclosure that is now a link leading out: this document's error
                    letter = _letter_of(ws, reg, workflows[job.workflow], job)
                except UserError as exc:
                    errors.append(f"{ws.relative(main)}: {exc}")
                    continue
                files = attached(letter.enclosures)
                bundle = main.with_name(f"{main.stem}-bundle.pdf")
                if stale or (files and _older(bundle, main, *(f.path() for f in files))):
                    paths.append(main)
                    encs_of[main] = files
                    titles[main] = letter.subject
                if found is not None:
                    combined, names = found
                    paths.append(combined)
                    titles[combined] = letter.subject
                    copies_of[combined] = names
                if len(paths) >= batch:
                    batches.append((paths, encs_of, titles, copies_of))
                    paths, encs_of, titles, copies_of = [], {}, {}, {}
    if paths:
        batches.append((paths, encs_of, titles, copies_of))
    if dry_run:
        for paths, encs_of, _titles, _copies in batches:
            for p in paths:
                written.append(ws.relative(Path(p).with_suffix(".pdf")))
                if encs_of.get(p):
                    written.append(ws.relative(Path(p).with_name(f"{Path(p).stem}-bundle.pdf")))
        return written, errors
    from . import progress

    for paths, encs_of, titles, copies_of in progress.track(batches, _("PDFs")):
        try:
            done = publish_pdfs(ws, paths, encs_of, converter, titles=titles, copies=copies_of)
        except UserError as exc:
            errors.append(str(exc))
            continue
        written.extend(ws.relative(p) for p in done)
    return written, errors
