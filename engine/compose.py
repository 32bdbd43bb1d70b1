"""Composing a document (การประกอบหนังสือ): one function from a case to a letter, its render
context and what it depends on.

:func:`compose` is the only way a document is made from a workflow's document spec: issuing and
drafting (:class:`engine.runtime.Run`), regeneration (:mod:`engine.regenerate`), publishing the
PDFs after a regeneration (:mod:`engine.publish`) and circulars (their master and copies are
rendered from the composition's letter and context, :mod:`engine.circular`) all call it, so the
bytes they render agree.

A :class:`Scope` is a case's data at one step of a command: what expressions and text templates
see (its context is computed once and kept until the data changes), the references it resolves,
the page counter for enclosure files and the files this command has staged. A
:class:`Composition` is one document composed from it: the :class:`engine.letter.Letter`, the
template context, and the fingerprints of its inputs (:mod:`engine.dependencies`).
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import dependencies
from .errors import UserError
from .expressions import ExpressionError, evaluate, render_text
from .i18n import _
from .inputs import InputSpec, ThaiDate
from .letter import (
    LETTER_KEYS,
    Enclosure,
    Letter,
    PageCounter,
    count_from_file,
    legal_basis,
    letter_from_data,
    number_text,
    salutation_for,
    split_paragraphs,
    with_legal_basis,
)
from .office import Signer
from .references import Resolver
from .register import Entry, Register
from .render import compiled
from .workflow import DocumentSpec, SignerSpec, Workflow
from .workspace import PLACEHOLDER_EMBLEM, Workspace
from .yamlio import Located

#: The closing line of an order (คำสั่ง) when its document says none.
ORDER_CLOSING = "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป"


def empty(value: Any) -> bool:
    """No value: None, empty text, an empty list or mapping."""
    return value is None or value == "" or value == [] or value == {}


# --- the case at one step ----------------------------------------------------------------------
class Scope:
    """A case's data at one step of a command (ข้อมูลของเรื่อง): what its documents are
    composed from.

    ``data`` is the case data (the caller's dict: a :class:`engine.runtime.Run` changes it
    through :meth:`set`, which forgets the context). ``date`` is the command's date (the date of
    the documents it makes). ``count_pages`` counts an enclosure file given without a count
    (None: counts stay as given); ``pending`` maps a file to where its bytes are now (a file this
    command has staged under a pending name, :meth:`engine.recovery.Staging.current`); ``made``
    maps the documents this command has made to their paths (relative to the workspace).
    """

    def __init__(
        self,
        ws: Workspace,
        wf: Workflow,
        reg: Register,
        data: dict[str, Any],
        *,
        case_id: int,
        state: str,
        event: str | None,
        date: dt.date,
        count_pages: PageCounter | None = None,
        pending: Callable[[Path], Path] | None = None,
    ) -> None:
        self.ws, self.wf, self.reg = ws, wf, reg
        self.data = data
        self.case_id, self.state, self.event, self.date = case_id, state, event, date
        self.count_pages = count_pages
        self.pending = pending
        self.made: dict[str, str] = {}
        self.refs = Resolver(ws.root, reg)  # อ้างถึง: the register and references.yaml
        self._context: dict[str, Any] | None = None
        self._context_deps: dict[str, str] = {}

    # -- the data ------------------------------------------------------------------------------
    def set(self, key: str, value: Any) -> None:
        """Change the case data: the context is computed afresh when next asked for."""
        self.data[key] = value
        self._context = None

    @functools.cached_property
    def specs(self) -> dict[str, InputSpec]:
        """The workflow's inputs, then its events' inputs."""
        specs = dict(self.wf.input_specs)
        for ev in self.wf.events.values():
            for name, spec in ev.inputs.items():
                specs.setdefault(name, spec)
        return specs

    # -- the context ---------------------------------------------------------------------------
    def context(self) -> dict[str, Any]:
        """What expressions and text templates see: inputs, recorded dates, derived values,
        the office, today, the state, the case's documents, and two guard helpers.

        Computed once per step (until :meth:`set`); the references its derived values resolve
        count for every document composed from it."""
        if self._context is None:
            before = self.refs.deps
            self.refs.deps = {}
            try:
                ctx = self._compute()
                self._context_deps = self.refs.deps
            finally:
                self.refs.deps = {**before, **self.refs.deps}
            self._context = ctx
        else:
            self.refs.deps.update(self._context_deps)
        return self._context

    def _compute(self) -> dict[str, Any]:
        specs = self.specs
        ctx: dict[str, Any] = {n: None for n in specs}
        for name, spec in specs.items():
            if name in self.data:
                ctx[name] = spec.present(self.data[name])
        ctx.update(
            office=self._office_view(),
            today=ThaiDate(dt.date.today()),
            state=self.state,
            event=self.event,
            data=dict(self.data),
            documents=self._documents_view(),
            attachments=dict(self.data.get("attachments") or {}),
            present=self._present,
            files_exist=self._files_exist,
            ref=self.refs.named,
            cite=self.refs.letter,
        )
        if "date" not in specs:
            ctx["date"] = ThaiDate(self.date)
        for name, source in self.wf.derived.items():
            try:
                ctx[name] = evaluate(source, ctx)
            except ExpressionError as exc:
                raise self.error(str(exc), "derived", name) from None
        return ctx

    def _office_view(self) -> dict[str, Any]:
        office = self.ws.office
        return {
            "name": office.name,
            "short_name": office.extra.get("short_name") or office.name,
            "letterhead": list(office.letterhead),
            "unit": list(office.unit),
            "phone": office.phone,
            "fax": office.fax,
            "email": office.email,
        }

    def _documents_view(self) -> dict[str, dict[str, Any]]:
        """Every document of the workflow: issued ones with their number and date; the others
        with the draft number (running number left blank) and this command's date."""
        issued = self.data.get("documents") or {}
        view = {}
        for spec in self.wf.documents:
            if spec.name in issued:
                d = issued[spec.name]
                day = dt.date.fromisoformat(d["date"])
                view[spec.name] = {"number": d["number"], "date": ThaiDate(day), "path": d["path"]}
            else:
                draft = number_text(self.ws.office, spec.series, None, self.date.year)
                view[spec.name] = {
                    "number": draft if spec.numbered else "",
                    "date": ThaiDate(self.date),
                    "path": "",
                }
        return view

    def _present(self, *names: str) -> bool:
        """``present()``: every required input has a value; ``present('a', 'b')``: those do."""
        if names:
            return all(not empty(self.data.get(n)) for n in names)
        for name, spec in self.wf.input_specs.items():
            if spec.required is True and empty(self.data.get(name)):
                return False
        return True

    def _files_exist(self, *names: str) -> bool:
        """``files_exist()``: every file input that has a value names an existing file in the
        workspace (``files_exist('a')``: those inputs have values and their files exist)."""
        if self.wf.letter_inputs:
            files = [
                e.get("file")
                for e in self.data.get("enclosures") or []
                if isinstance(e, Mapping) and e.get("file")
            ]
            return all((self.ws.root / str(f)).is_file() for f in files)
        specs = self.wf.input_specs
        chosen = names or tuple(n for n, s in specs.items() if s.type == "file")
        for name in chosen:
            value = self.data.get(name)
            if empty(value):
                if names:
                    return False
                continue
            paths: list[Any] = value if isinstance(value, list) else [value]
            if not all((self.ws.root / p).is_file() for p in paths):
                return False
        return True

    # -- helpers for the document's parts -----------------------------------------------------
    def error(self, message: str, *path: Any) -> UserError:
        """An error in the workflow file, at ``path`` (its line when the file is known)."""
        if self.wf.source is not None:
            return self.wf.source.error(message, *path)
        return UserError(message, file=self.wf.path, field=".".join(map(str, path)))

    def text(self, source: Any, spec: DocumentSpec, *path: Any) -> str:
        """A text template of ``spec`` rendered in the context (empty when not given)."""
        if source is None:
            return ""
        try:
            return render_text(str(source), self.context()).strip()
        except ExpressionError as exc:
            raise self.error(str(exc), "documents", spec.name, *path) from None

    def applies(self, spec: DocumentSpec) -> bool:
        """Whether the document's ``when`` holds (a document without one always applies)."""
        if not spec.when:
            return True
        try:
            return bool(evaluate(spec.when, self.context()))
        except ExpressionError as exc:
            raise self.error(str(exc), "documents", spec.name, "when") from None


# --- the composition ---------------------------------------------------------------------------
@dataclass
class Composition:
    """One document composed: its letter, its template context and its inputs' fingerprints.

    ``context`` is computed when first read: an issued letter gets its number first (the
    register gives it once the letter's series is known)."""

    scope: Scope
    spec: DocumentSpec
    letter: Letter
    #: set when the document is issued (regeneration): its own number, whatever office.yaml
    #: says now
    entry: Entry | None = None
    _deps: dict[str, str] | None = field(default=None, repr=False)

    @functools.cached_property
    def context(self) -> dict[str, Any]:
        """The template's context: the letter's parts, and a form's rows."""
        ctx = self.letter.context()
        ctx["rows"] = rows(self.scope, self.spec) if self.spec.kind == "form" else []
        if self.entry is not None:
            ctx["number"] = self.entry.number_text
        return ctx

    def dependencies(
        self, entry_id: int | None, *, cache: dict[Any, str] | None = None
    ) -> dict[str, str]:
        """The fingerprints of what the document is made from (:mod:`engine.dependencies`), its
        own register entry's (``entry_id``) included. ``cache``: a caller composing many
        documents in one run keeps the fingerprints of templates, workflows, office and
        signers there."""
        scope = self.scope
        self.context  # noqa: B018 - a form's rows resolve references too
        entry = self.entry if self.entry is not None and self.entry.id == entry_id else None
        return dependencies.document_deps(
            scope.ws, scope.wf, self.spec, self.letter, scope.data, dict(scope.refs.deps),
            scope.reg, entry_id, cache=cache, entry=entry,
        )  # fmt: skip


def compose(
    scope: Scope,
    spec: DocumentSpec,
    *,
    number: int | None = None,
    entry: Entry | None = None,
) -> Composition:
    """Compose document ``spec`` of the case in ``scope``, dated the scope's date.

    ``number``: its running number, when already known; ``entry``: its register entry, for a
    document issued before (its number and series, and its printed number, as the register
    keeps them). Without either the running number is left blank (a draft, or a letter about
    to be numbered: set ``letter.number`` before reading ``context``)."""
    scope.refs.begin()  # the references this document resolves, from here on
    letter = build_letter(scope, spec)
    letter.date = scope.date
    if number is not None:
        letter.number = number
    if entry is not None:
        letter.number = entry.number
        letter.series = entry.series
    return Composition(scope, spec, letter, entry)


def template(ws: Workspace, spec: DocumentSpec) -> Any:
    """The document's compiled template, with the office's digits, emblem, line breaker, font."""
    office = ws.office
    return compiled(
        ws.template_path(spec.template),
        thai_digits=office.thai_digits,
        emblem=office.emblem or PLACEHOLDER_EMBLEM,
        breaker=ws.line_breaker,
        font=office.font or None,
    )


def letter_data(
    doc: Located,
    ws: Workspace,
    *,
    kind: str,
    resolve: Callable[[Any], str],
    count_pages: PageCounter | None = None,
) -> Letter:
    """A letter from generic letter data (``inputs: letter``): validated (file, line and key on
    error), its references resolved with ``resolve``, its enclosure files without a count
    counted with ``count_pages``."""
    return letter_from_data(
        doc, ws.office, ws.root, kind=kind, resolve_reference=resolve, count_pages=count_pages
    )


# --- documents → letters -----------------------------------------------------------------------
def build_letter(scope: Scope, spec: DocumentSpec) -> Letter:
    """The letter of ``spec``: from the generic letter keys of the data (``inputs: letter``),
    else from the document's texts rendered in the scope's context."""
    ws = scope.ws
    if scope.wf.letter_inputs:
        doc = Located(
            data={k: v for k, v in scope.data.items() if k in LETTER_KEYS},
            file=f"case {scope.case_id}",
        )
        letter = letter_data(
            doc, ws, kind=spec.kind, resolve=scope.refs.item, count_pages=scope.count_pages
        )
        if spec.series_given:
            letter.series = spec.series
        return letter
    ctx = scope.context()
    recipient = scope.text(spec.to, spec, "to")
    salutation, close = salutation_for(recipient) if recipient else ("", "")
    try:
        body = split_paragraphs(render_text(spec.body or "", ctx))
    except ExpressionError as exc:
        raise scope.error(str(exc), "documents", spec.name, "body") from None
    if spec.kind == "order":  # อาศัยอำนาจตาม…: the case's legal_basis, else office.yaml's
        body = with_legal_basis(body, legal_basis(ws.office, scope.data.get("legal_basis")))
    closing = scope.text(spec.closing, spec, "closing")
    return Letter(
        kind=spec.kind,
        office=ws.office,
        subject=scope.text(spec.subject, spec, "subject"),
        recipient=recipient,
        body=body,
        signer=signer(scope, spec),
        series=spec.series if spec.numbered else "normal",
        salutation=scope.text(spec.salutation, spec, "salutation") or salutation,
        complimentary_close=scope.text(spec.complimentary_close, spec, "complimentary_close")
        or close,
        references=[
            ref
            for i, r in enumerate(spec.references)
            if (ref := scope.text(r, spec, "references", i))
        ],
        enclosures=_enclosures(scope, spec),
        closing=closing or (ORDER_CLOSING if spec.kind == "order" else ""),
        contact=scope.text(spec.contact, spec, "contact"),
        cc=[line for i, r in enumerate(spec.cc) if (line := scope.text(r, spec, "cc", i))],
        urgency=spec.urgency,
        secrecy=spec.secrecy,
    )


def enclosures(scope: Scope, spec: DocumentSpec) -> list[Enclosure]:
    """The enclosures (สิ่งที่ส่งมาด้วย) of document ``spec``, as its letter lists them: the generic
    letter's ``enclosures`` (:func:`engine.letter.parse_enclosures`), else the document's own
    texts and the files of the case (a file input, or another document of the case) that
    apply. A file leading out of the workspace is refused (``Workspace.confine``); a file
    without a count is counted with the scope's page counter (where its bytes are now: a
    document of this command is pending)."""
    if scope.wf.letter_inputs:
        return build_letter(scope, spec).enclosures
    return _enclosures(scope, spec)


def _enclosures(scope: Scope, spec: DocumentSpec) -> list[Enclosure]:
    ctx = scope.context()
    data = scope.data
    out: list[Enclosure] = []
    for i, enc in enumerate(spec.enclosures):
        if enc.plain:
            out.append(Enclosure(scope.text(enc.title, spec, "enclosures", i)))
            continue
        if enc.when:
            try:
                if not evaluate(enc.when, ctx):
                    continue
            except ExpressionError as exc:
                raise scope.error(str(exc), "documents", spec.name, "enclosures", i) from None
        if enc.document and not scope.applies(scope.wf.document(enc.document)):
            continue
        count = scope.text(enc.count, spec, "enclosures", i, "count")
        if count and not count.startswith("จำนวน"):
            count = f"จำนวน {count}"
        file = None
        if enc.file:
            value = data.get(enc.file)
            if empty(value):
                continue  # an optional file input not given: no such enclosure
            file = scope.ws.confine(  # a symbolic link leading out is refused, by name
                str(value[0] if isinstance(value, list) else value),
                field=f"{spec.name}.enclosures",
            )
        elif enc.document:
            path = (data.get("documents") or {}).get(enc.document, {}).get("path")
            path = scope.made.get(enc.document, path)
            file = scope.ws.confine(path, field=f"{spec.name}.enclosures") if path else None
        if file is not None and scope.pending is not None:
            current: Path | None = scope.pending(file)
        else:
            current = file
        if not count and current is not None and current.is_file() and scope.count_pages:
            count = count_from_file(current, scope.count_pages)
        out.append(
            Enclosure(
                title=scope.text(enc.title, spec, "enclosures", i, "title"),
                count=count,
                file=file,
            )
        )
    return out


def signer(scope: Scope, spec: DocumentSpec) -> Signer:
    """The document's signer: a key of office.yaml's signers, or {name, position, acting}."""
    given = spec.signer
    if given is None:
        raise scope.error(_("the document needs a signer"), "documents", spec.name)
    if isinstance(given, SignerSpec):
        return Signer(
            name=scope.text(given.name, spec, "signer", "name"),
            position=scope.text(given.position, spec, "signer", "position"),
            acting=scope.text(given.acting, spec, "signer", "acting"),
        )
    key = scope.text(given, spec, "signer")
    try:
        return scope.ws.office.signer(key)
    except UserError as exc:
        exc.message += f" (document {spec.name})"
        raise


def rows(scope: Scope, spec: DocumentSpec) -> list[dict[str, str]]:
    """A form's rows (label, value) whose ``when`` holds."""
    ctx = scope.context()
    out = []
    for i, row in enumerate(spec.rows):
        if row.when:
            try:
                if not evaluate(row.when, ctx):
                    continue
            except ExpressionError as exc:
                raise scope.error(str(exc), "documents", spec.name, "rows", i) from None
        out.append(
            {
                "label": scope.text(row.label, spec, "rows", i, "label"),
                "value": scope.text(row.value, spec, "rows", i, "value"),
            }
        )
    return out
