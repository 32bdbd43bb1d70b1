"""The Python API behind the CLI: make, issue, list and export letters.

The CLI only parses arguments, calls these functions and prints what they return.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from . import limits, sheets, thai
from .cases import CaseStore
from .errors import UserError
from .i18n import N_, _
from .register import Register
from .results import PDF_KINDS, Made, MadeDocument
from .results import entry_json as entry_json  # the JSON of a register entry, for the CLI
from .session import Session, accepts
from .workflow import Machine, Workflow, load_workflow, workflow_named
from .workspace import Workspace

if TYPE_CHECKING:
    from .infos import CaseInfo as CaseInfo
    from .infos import CaseSummary as CaseSummary
    from .infos import CheckResult as CheckResult
    from .infos import DocumentInfo as DocumentInfo
    from .infos import DueItem as DueItem
    from .infos import EventInfo as EventInfo
    from .infos import InputInfo as InputInfo
    from .infos import Proofed as Proofed
    from .infos import StateInfo as StateInfo
    from .infos import WorkflowInfo as WorkflowInfo
    from .regenerate import Report
    from .runtime import Outcome
    from .store import Entry


_INFOS = frozenset(
    {"CaseInfo", "CaseSummary", "CheckResult", "DocumentInfo", "DueItem", "EventInfo",
     "InputInfo", "Proofed", "StateInfo", "WorkflowInfo"}
)  # fmt: skip


def __getattr__(name: str) -> Any:
    """``api.CaseInfo`` and the other read-only result types (:mod:`engine.infos`), imported when
    first asked for: a one-letter command never creates them."""
    if name in _INFOS:
        from . import infos

        return getattr(infos, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def get_workflow(ws: Workspace, name: str) -> Workflow:
    """The workspace's workflow ``name`` (its own, else the built-in one)."""
    return workflow_named(ws.workflow_paths(), name)


def _made(outcome: Outcome) -> Made:
    """A :class:`Made` from a :class:`engine.runtime.Outcome`; ``number`` is the first
    document's number, ``files`` every file written."""
    numbered = [d for d in outcome.documents if d.number]
    return Made(
        workflow=outcome.workflow,
        state=outcome.state,
        case=outcome.case,
        number=numbered[0].number if numbered else "",
        date=outcome.date,
        files=list(outcome.files),
        documents=[MadeDocument(d.name, d.number, d.path, d.date) for d in outcome.documents],
        event=outcome.event if outcome.from_state is not None and outcome.event else None,
        from_state=outcome.from_state,
        warnings=list(outcome.warnings),
    )


@accepts
def new(
    ws: Workspace,
    workflow_name: str,
    *,
    data_file: str | Path | None = None,
    sets: list[str] | None = None,
    date: str | None = None,
    issue: bool = False,
    by: str | None = None,
    pdf: bool = False,
    force: bool = False,
    session: Session | None = None,
) -> Made:
    """Start a case of a workflow from data. Without ``issue`` it renders drafts (running number
    left blank); with ``issue`` it fires the workflow's issue event: numbers, dates, renders and
    registers its documents. Either way the case and its history are stored; on any error
    nothing is written (no case, no register row, no file). ``pdf``: then also a PDF beside each
    DOCX and a bundle with the enclosures (:mod:`engine.publish`). ``force``: take a date more
    than the allowed span from today (:func:`engine.limits.check_date_span`)."""
    from . import runtime

    limits.check_by(by)
    workflow = get_workflow(ws, workflow_name)
    if pdf:
        _pdf_preflight_new(ws, workflow, data_file, sets)
    outcome = runtime.new_case(
        ws, workflow, data_file=data_file, sets=sets, date=date, issue=issue, by=by, force=force,
        count_pages=sheets.counter(pdf),  # LibreOffice counts a DOCX only when a PDF is made
    )  # fmt: skip
    made = _made(outcome)
    made.event = None
    made.from_state = None
    if pdf:
        _publish(ws, outcome, made)
    return made


def _pdf_preflight_new(
    ws: Workspace, wf: Workflow, data_file: str | Path | None, sets: list[str] | None
) -> None:
    """Before a number is taken: LibreOffice is there and the enclosure files are sound."""
    from . import publish, runtime

    try:
        data = runtime.load_data(data_file, sets or [], typed=not wf.letter_inputs).data
    except UserError:
        data = {}  # the command itself reports bad data, with its file and line
    publish.preflight(ws, wf, data)


def _publish(ws: Workspace, outcome: Outcome, made: Made) -> None:
    """PDFs and bundles of what the (committed) command wrote; on failure, say what stands."""
    from . import publish

    try:
        pdfs = publish.publish_documents(ws, outcome.documents)
    except UserError as exc:
        numbered = [d for d in made.documents if d.number]
        if made.state != "draft" and numbered:
            numbers = ", ".join(f"ที่ {d.number} ({d.path})" for d in numbered)
            what = _("the letter is issued and registered as {numbers}").format(numbers=numbers)
        else:
            what = _("{files} written").format(files=", ".join(made.files))
        raise publish.not_made(what, exc) from exc
    for doc in made.documents:
        for kind in PDF_KINDS:  # copies: a circular's combined copies
            path = pdfs.get(doc.path, {}).get(kind)
            if path:
                setattr(doc, kind, path)
                made.files.append(path)


@accepts
def advance(
    ws: Workspace,
    case_id: int | str,
    event: str,
    *,
    sets: list[str] | None = None,
    date: str | None = None,
    by: str | None = None,
    pdf: bool = False,
    force: bool = False,
    session: Session | None = None,
) -> Made:
    """Fire ``event`` on case ``case_id`` (its actions run; the transition is recorded).
    ``pdf``: PDFs and bundles of the documents it writes, as for :func:`new`; ``force``: as
    for :func:`new`."""
    from . import runtime

    limits.check_by(by)
    number = _case_number(case_id)
    if pdf:
        _pdf_preflight_advance(ws, number, event, sets)
    outcome = runtime.advance(
        ws, number, event, sets=sets, date=date, by=by, get_workflow=get_workflow, force=force,
        count_pages=sheets.counter(pdf),
    )  # fmt: skip
    made = _made(outcome)
    if pdf and outcome.documents:
        _publish(ws, outcome, made)
    return made


def _pdf_preflight_advance(ws: Workspace, case_id: int, event: str, sets: list[str] | None) -> None:
    from . import publish, runtime

    try:
        with Register(ws.register_path) as reg:
            case = CaseStore(reg).get(case_id)
        wf = get_workflow(ws, case.workflow)
        data = {**case.data, **runtime.load_data(None, sets or [], typed=True).data}
    except UserError:
        return  # the command itself reports an unknown case, workflow or bad --set
    ev = wf.events.get(event)
    makes = ev is not None and any(a.kind in ("issue", "render") for a in ev.actions)
    publish.preflight(ws, wf, data, need_converter=makes)


def _case_number(key: int | str) -> int:
    text = thai.to_arabic_digits(str(key).strip())
    if not text.isascii() or not text.isdigit():
        raise UserError(
            _("a case is a number, got {key!r}").format(key=limits.shorten(str(key))), field="case"
        )
    return limits.bounded_int(text, N_("a case number"), low=1, high=limits.MAX_CASE, field="case")


def cases(
    ws: Workspace, workflow: str | None = None, state: str | None = None, *, by: str | None = None
) -> list[CaseSummary]:
    """Cases, optionally of one workflow and/or in one state (``by``: only those someone acted
    on). An unknown workflow or state is an error listing the known ones (those of the workflow
    files and of the stored cases)."""
    with Register(ws.register_path) as reg:
        store = CaseStore(reg)
        if workflow or state:
            _check_case_filter(ws, store, workflow, state)
        rows = store.list(workflow, state)
        if by is not None:
            mine = reg.store.events.cases_by(by)
            rows = [c for c in rows if c.id in mine]
    from .infos import CaseSummary

    return [
        CaseSummary(
            case=c.id,
            workflow=c.workflow,
            state=c.state,
            created=c.created_at,
            updated=c.updated_at,
            subject=_case_subject(c.data),
        )
        for c in rows
    ]


def _check_case_filter(
    ws: Workspace, store: CaseStore, workflow: str | None, state: str | None
) -> None:
    stored = store.workflow_states()
    workflows = set(ws.workflow_paths()) | {w for w, _ in stored}
    if workflow and workflow not in workflows:
        known = ", ".join(sorted(workflows)) or _("(none)")
        raise UserError(
            _("unknown workflow {workflow!r}; known workflows: {known}").format(
                workflow=workflow, known=known
            ),
            field="--workflow",
        )
    if not state:
        return
    states = {s for w, s in stored if not workflow or w == workflow}
    for name in [workflow] if workflow else ws.workflow_paths():
        try:
            states |= {s.name for s in get_workflow(ws, name).states}
        except UserError:
            continue
    if state not in states:
        known = ", ".join(sorted(states)) or _("(none)")
        message = (
            _("unknown state {state!r}; the states of workflow {workflow}: {known}")
            if workflow
            else _("unknown state {state!r}; the states: {known}")
        )
        raise UserError(
            message.format(state=state, workflow=workflow, known=known),
            field="--state",
        )


def _case_subject(data: dict[str, Any]) -> str:
    docs = data.get("documents") or {}
    if isinstance(data.get("subject"), str):
        return data["subject"]
    return ", ".join(f"{n} {d.get('number', '')}".strip() for n, d in docs.items())


def due(ws: Workspace, days: int = 30, today: str | None = None) -> list[DueItem]:
    """Recurring duties of cases (e.g. New e-LAAS password change and user-list review every
    6 months) falling due within ``days`` days, overdue ones included."""
    from . import runtime

    if isinstance(days, bool) or not isinstance(days, int) or not 0 <= days <= limits.MAX_DUE_DAYS:
        raise UserError(
            _("the days to look ahead are from 0 to {max_due_days}, not {days}").format(
                max_due_days=limits.MAX_DUE_DAYS, days=days
            ),
            field="--days",
        )
    from .infos import DueItem

    day = runtime.date_option(today, "--today")
    workflows = {}
    for name in ws.workflow_paths():
        try:
            workflows[name] = get_workflow(ws, name)
        except UserError:
            continue
    return [DueItem(**item) for item in runtime.due_items(ws, workflows, days=days, today=day)]


def workflow_info(ws: Workspace, name: str) -> WorkflowInfo:
    """A workflow's inputs, states, events and documents (for ``saraban workflow show``)."""
    from .infos import DocumentInfo, EventInfo, InputInfo, StateInfo, WorkflowInfo

    wf = get_workflow(ws, name)
    inputs: Literal["letter"] | tuple[InputInfo, ...] = "letter"
    if not wf.letter_inputs:
        inputs = tuple(
            InputInfo(s.name, s.label, s.type, s.required) for s in wf.input_specs.values()
        )
    return WorkflowInfo(
        name=wf.name,
        title=wf.title,
        description=wf.description,
        path=str(wf.path),
        inputs=inputs,
        states=tuple(StateInfo(s.name, s.label, s.initial, s.final, s.freezes) for s in wf.states),
        events=tuple(
            EventInfo(
                name=e.name,
                label=e.label,
                sources=tuple(e.sources),
                target=e.target,
                guards=tuple(g.check for g in e.guards),
                actions=tuple((a.kind, tuple(a.targets)) for a in e.actions),
                cancels=e.cancels,
            )
            for e in wf.events.values()
        ),
        documents=tuple(DocumentInfo(d.name, d.kind, d.template, d.series) for d in wf.documents),
    )


def workflow_diagram(ws: Workspace, name: str) -> str:
    return get_workflow(ws, name).diagram()


# --- register ---------------------------------------------------------------------------------
def _year(text: str | int | None) -> int | None:
    """A CE year from BE (2568) or CE (2025) text."""
    from .register import check_year

    if text in (None, ""):
        return None
    try:
        return check_year(thai.parse_year(text))
    except ValueError as exc:
        raise UserError(
            _("invalid year {text!r}: {exc}").format(text=text, exc=exc), field="--year"
        ) from None
    except UserError as exc:  # out of the register's range
        raise UserError(exc.message, field="--year") from None


def register_list(ws: Workspace, year: str | None = None, series: str | None = None) -> list[Entry]:
    """The register's entries (ทะเบียนหนังสือส่ง), of one year and/or series;
    :func:`entry_json` gives each one's JSON."""
    with Register(ws.register_path) as reg:
        if series is not None:
            _check_known_series(reg, series, "--series")
        return list(reg.entries(_year(year), series))


#: The register series a workflow may name (schema/workflow.schema.json): ordinary letters,
#: circulars (the ว series) and orders (คำสั่ง).
SERIES = ("normal", "circular", "order")


def register_entry(ws: Workspace, entry_id: int) -> Entry:
    """The register entry ``entry_id`` (its database id, as the web pages link it)."""
    with Register(ws.register_path) as reg:
        return reg.entry(entry_id)


def _check_known_series(reg: Register, series: str, option: str) -> str:
    """``series`` if it is one of :data:`SERIES` or already in the register, else an error
    listing the valid names."""
    known = dict.fromkeys([*SERIES, *reg.series_names()])
    if series not in known:
        raise UserError(
            _("unknown series {series!r}; the series are: {names}").format(
                series=limits.shorten(series), names=", ".join(known)
            ),
            field=option,
        )
    return series


def register_export(ws: Workspace, year: str | None, fmt: str, output: str | None) -> str | None:
    """Export the register (แบบที่ 14) as CSV (stdout when no output) or XLSX, with the series
    column and every digit in the office's system (office.yaml ``thai_digits``)."""
    from .register import export_csv, export_xlsx

    _check_export_output(ws, fmt, output)
    with Register(ws.register_path) as reg:
        entries = reg.entries(_year(year))
    thai_digits = ws.office.thai_digits  # one digit system throughout: the office's
    if fmt == "csv":
        if output is None:
            import sys

            export_csv(entries, sys.stdout, thai_digits=thai_digits)
            return None
        export_csv(entries, output, thai_digits=thai_digits)
        return output
    if output is None:
        raise UserError(_("--output FILE is needed for xlsx"), field="--output")
    export_xlsx(entries, output, thai_digits=thai_digits)
    return output


def register_print(
    ws: Workspace,
    year: str,
    series: str | None = None,
    *,
    pdf: bool = False,
    out: str | None = None,
) -> list[str]:
    """The outgoing register of ``year`` (ทะเบียนหนังสือส่ง, แบบที่ 14) in its regulation form, as
    a DOCX (:mod:`engine.registerprint`), and with ``pdf`` a PDF beside it; every series, or
    ``series`` alone. Written to ``out`` (a .docx), else to
    letters/registers/register-<BE year>[-<series>].docx. Returns the files written."""
    from . import registerprint

    ce = _year(year)
    if ce is None:
        raise UserError(_("a year is needed"), field="--year")
    _check_export_output(ws, "docx", out, "--out")
    if out is not None and Path(out).suffix.lower() != ".docx":
        raise UserError(
            _("give a .docx file name (with --pdf the PDF is written beside it)"),
            file=out,
            field="--out",
        )
    with Register(ws.register_path) as reg:
        if series is not None:
            _check_known_series(reg, series, "--series")
        entries = reg.entries(ce, series)
    be = ce + thai.BE_OFFSET
    if not entries:
        message = (
            _("the register has no numbers in series {series} of {year}: nothing to print")
            if series
            else _("the register has no numbers in {year}: nothing to print")
        )
        raise UserError(message.format(series=series, year=be), field="--year")
    office = ws.office
    if pdf:
        from .pdf import find_soffice

        find_soffice()  # before anything is written
    name = f"register-{be}" + (f"-{series}" if series else "") + ".docx"
    docx = Path(out) if out is not None else ws.output_path(Path("registers") / name)
    registerprint.write_docx(docx, entries, office=office.name, year=ce, font=office.font,
                             thai_digits=office.thai_digits)  # fmt: skip
    written = [str(docx)]
    if pdf:
        from .pdf import Converter

        # LibreOffice lays out a year of 5,000 rows (some 400 pages) in about a minute: one
        # worker, with time to match the rows (docs/performance.md)
        timeout = max(120.0, len(entries) * _PRINT_SECONDS_PER_ROW)
        with Converter(size=1, timeout=timeout) as converter:
            written.append(str(converter.convert(docx, docx.with_suffix(".pdf"))))
    return written


#: The time LibreOffice may take per row of a printed register: ten times what it takes on a
#: loaded 2-core machine (docs/performance.md).
_PRINT_SECONDS_PER_ROW = 0.1


def _check_export_output(
    ws: Workspace, fmt: str, output: str | None, option: str = "--output"
) -> None:
    """Refuse an export over a folder or over the register itself (docs/failures.md)."""
    if output is None:
        return
    out = Path(output)
    if out.is_dir():
        raise UserError(
            _("is a folder, not a file: give a file name, such as {example}").format(
                example=out / f"register.{fmt}"
            ),
            file=output,
            field=option,
        )
    db = ws.register_path
    for kept in (db, db.with_name(db.name + "-wal"), db.with_name(db.name + "-shm")):
        if out.exists() and kept.exists() and out.samefile(kept):
            raise UserError(
                _("is the register database: give another file name"), file=output, field=option
            )


def find_entry(reg: Register, number: str, series: str | None, year: int | None) -> Entry:
    """A register entry by printed number ("มท 0808.4/ว 36") or by running number + series."""
    text = thai.to_arabic_digits(number.strip())
    if text.isascii() and text.isdigit():
        if year is None:
            raise UserError(_("a running number needs --year"), field="--year")
        if series is not None:
            _check_known_series(reg, series, "--series")
        n = limits.bounded_int(
            text, N_("a running number"), low=1, high=limits.MAX_RUNNING_NUMBER, field="number"
        )
        return reg.get(series or "normal", year, n)
    entry = reg.find(number, year=year)
    if entry is None:
        raise UserError(
            _("no letter numbered {number!r} in the register").format(number=number), field="number"
        )
    return entry


def register_cancel(
    ws: Workspace,
    number: str,
    reason: str,
    series: str | None = None,
    year: str | None = None,
    *,
    by: str | None = None,
) -> Entry:
    """Cancel a number (the row stays, marked, with ``by``: who, else the command line's user);
    a letter of a case gets a ``cancel-number`` row in the case's history, in the same
    transaction."""
    from .cases import current_user

    limits.check_by(by)
    who = by or current_user()
    with Register(ws.register_path) as reg:
        entry = find_entry(reg, number, series, _year(year))
        with reg.transaction():
            done = reg.cancel(entry.series, entry.year, entry.number, reason, by=who)
            if entry.case_id and entry.case_id.isdigit():
                cases = CaseStore(reg)
                case = cases.get(int(entry.case_id))
                cases.transition(case.id, "cancel-number", case.state, case.state, dict(case.data),
                                 by=who, note=f"register entry ที่ {entry.number_text} "
                                 f"cancelled: {done.cancel_reason}")  # fmt: skip
        return done


def register_correct(
    ws: Workspace,
    number: str,
    *,
    year: str | None = None,
    date: str | None = None,
    subject: str | None = None,
    recipient: str | None = None,
    urgency: str | None = None,
    reason: str = "",
    by: str | None = None,
    force: bool = False,
) -> Entry:
    """Correct a register entry's date, subject, recipient or urgency (the number stays);
    ``regenerate`` then re-renders the letters it affects. ``force``: take a date more than
    the allowed span from today."""
    from .regenerate import correct_entry
    from .runtime import check_span, date_option

    limits.check_by(by)
    day = date_option(date)
    if day is not None:
        check_span(day, "--date", force=force)
    with Register(ws.register_path) as reg:
        entry = find_entry(reg, number, None, _year(year))
    return correct_entry(ws, entry, date=day, subject=subject, recipient=recipient,
                         urgency=urgency, reason=reason, by=by)  # fmt: skip


@accepts
def regenerate(
    ws: Workspace,
    *,
    dry_run: bool = False,
    everything: bool = False,
    by: str | None = None,
    workers: int | None = None,
    pdf: bool = False,
    session: Session | None = None,
) -> Report:
    """Re-render the issued letters affected by a change (:mod:`engine.regenerate`); ``pdf``:
    then remake the PDFs that are missing or older than their DOCX."""
    from .regenerate import regenerate as run

    limits.check_by(by)
    if workers is not None and not 1 <= workers <= limits.MAX_WORKERS:
        raise UserError(
            _("from 1 to {max_workers}, not {workers}").format(
                max_workers=limits.MAX_WORKERS, workers=workers
            ),
            field="--workers",
        )
    if pdf and not dry_run:
        from .pdf import find_soffice

        try:
            find_soffice()
        except UserError as exc:
            raise UserError(
                _("{message} (or leave out --pdf); nothing was regenerated").format(
                    message=exc.message
                )
            ) from None
    return run(ws, dry_run=dry_run, everything=everything, by=by, workers=workers, pdf=pdf)


def register_start(
    ws: Workspace, series: str, year: str, next_number: int, *, by: str | None = None
) -> int:
    """Continue a paper register: the next number of ``series`` in ``year`` (BE or CE); who
    started it (``by``, else the command line's user) is recorded with the time."""
    from .cases import current_user

    limits.check_by(by)
    ce = _year(year)
    if ce is None:
        raise UserError(_("a year is needed"), field="--year")
    if not 1 <= next_number <= limits.MAX_RUNNING_NUMBER:
        raise UserError(
            _("the next number is from 1 to {max_running_number}, not {next_number}").format(
                max_running_number=limits.MAX_RUNNING_NUMBER,
                next_number=limits.shorten(str(next_number)),
            ),
            field="--next",
        )
    with Register(ws.register_path) as reg:
        _check_known_series(reg, series, "--series")
        reg.start(series, ce, next_number, by=by or current_user())
    return ce


def register_started(ws: Workspace) -> list[tuple[str, int, int, str, str]]:
    """The series started by hand (``register start``): (series, CE year, next number, by
    whom, when), latest first."""
    with Register(ws.register_path) as reg:
        return reg.store.counters.started()


def show(ws: Workspace, key: str) -> CaseInfo | Entry:
    """A case by its number (with its history and letters), or a registered letter by its
    printed number ("มท 0808.4/ว 36"); :func:`entry_json` gives a letter's JSON."""
    from .infos import CaseInfo

    text = thai.to_arabic_digits(key.strip())
    with Register(ws.register_path) as reg:
        if text.isascii() and text.isdigit():
            store = CaseStore(reg)
            case = store.get(_case_number(text))
            letters = [e for e in reg.entries() if e.case_id == str(case.id)]
            try:
                allowed = Machine(get_workflow(ws, case.workflow), case.state).allowed_events
            except Exception:  # the workflow or state is gone: show the case anyway
                allowed = []
            return CaseInfo(
                case=case.id,
                workflow=case.workflow,
                state=case.state,
                allowed_events=allowed,
                created=case.created_at,
                letters=letters,
                history=store.history(case.id),
                data=case.data,
            )
        return find_entry(reg, key, None, None)


# --- check ------------------------------------------------------------------------------------
#: Variables a letter template may use: the keys of :meth:`Letter.context`.
CONTEXT_KEYS = frozenset(
    {
        "kind", "urgency", "secrecy", "number", "office", "letterhead", "date", "date_be",
        "subject", "salutation", "recipient", "references", "enclosures", "body", "closing",
        "complimentary_close", "signer", "unit", "contact_lines", "unit_line", "contact", "cc",
        "rows",
    }
)  # fmt: skip


def check(ws: Workspace, *, repair: bool = False) -> CheckResult:
    """Validate office.yaml, the word list (words.txt), every template (no undeclared variables)
    and every workflow; then the register database (:func:`engine.recovery.check_register`:
    integrity, every registered file present and as recorded, no unregistered letters).
    ``repair``: move unregistered letters to letters/.quarantine/ (and say so).

    Returns the problems (each naming file, line and field) and what was checked or done.
    """
    from .infos import CheckResult

    problems: list[str] = []
    checked: list[str] = []
    try:
        office = ws.office
        checked.append(
            _("{file}: {name}, {signers} signer(s)").format(
                file=ws.relative(ws.root / "office.yaml"),
                name=office.name,
                signers=len(office.signers),
            )
        )
    except UserError as exc:
        problems.append(str(exc))
    from .linebreak import WORDS_FILE, read_word_list

    words = ws.root / WORDS_FILE
    if words.exists():
        try:
            units = read_word_list(words)
            checked.append(
                _("{words}: {units} unit(s) kept whole").format(
                    words=ws.relative(words), units=len(units)
                )
            )
        except UserError as exc:
            problems.append(str(exc))
    for name in ws.template_names():
        path = ws.template_path(name)
        try:
            from .render import CompiledTemplate
            from .sandboxcheck import refusals

            tpl = CompiledTemplate(path)  # compiled in the sandbox that issuing uses
            unknown = tpl.variables() - CONTEXT_KEYS
            refused = [
                _("{path}: {part}: the template sandbox refuses {what}; issuing would fail").format(
                    path=path, part=part, what=what
                )
                for part, src in tpl.sources.items()
                for what in refusals(tpl.env, src)
            ]
            problems += refused
            if unknown:
                problems.append(
                    _("{path}: undeclared variable(s): {names}").format(
                        path=path, names=", ".join(sorted(unknown))
                    )
                )
            elif not refused:
                checked.append(_("template {name} ({path})").format(name=name, path=path))
        except UserError as exc:
            problems.append(str(exc))
    for name, path in ws.workflow_paths().items():
        try:
            wf = load_workflow(path)
            for spec in wf.documents:
                ws.template_path(spec.template)
            checked.append(_("workflow {name} ({path})").format(name=name, path=path))
        except UserError as exc:
            if exc.file is None:
                exc.file = str(path)
            problems.append(str(exc))
    from .recovery import check_register

    if repair:  # registered files missing or out of date here: written from the database
        checked += _sync_for_repair(ws)
    db_problems, db_checked = check_register(ws, repair=repair)
    return CheckResult(problems + db_problems, checked + db_checked)


def _sync_for_repair(ws: Workspace) -> list[str]:
    """``check --repair``'s :func:`engine.sync.sync`: what it wrote (its problems are
    ``check``'s own)."""
    from . import sync
    from .store import server_of

    try:
        ws.register_path  # noqa: B018 - a register that cannot be opened is check's to report
        if not ws.register_path.exists() and server_of(ws.register_path) is None:
            return []
        report = sync.sync(ws)
    except UserError:
        return []
    return report.lines()[:-1] if report.files or report.stored else []


def proof(ws: Workspace, target: str) -> list[Proofed]:
    """The layout rules each PDF breaks (:mod:`engine.proof`): ``target`` is a PDF file, or a
    case number (every PDF, bundle and combined copies of its documents): each PDF's path and
    findings."""
    from . import proof as proofing
    from .infos import CaseInfo, Proofed

    path = Path(target)
    if path.suffix.lower() == ".pdf" or not thai.to_arabic_digits(target.strip()).isdigit():
        if not path.is_file() and (ws.root / path).is_file():
            path = ws.root / path  # as the workspace's commands print it: letters/…
        if not path.is_file():
            raise UserError(_("not a file") if path.exists() else _("file not found"), file=path)
        breaker = ws.line_breaker if (ws.root / "office.yaml").is_file() else None
        return [Proofed(str(path), proofing.proof_pdf(path, breaker))]
    info = show(ws, target)
    if not isinstance(info, CaseInfo):  # a case number always names a case
        raise AssertionError(info)
    docs = dict.fromkeys(
        f for event in info.history for f in event.files if str(f).endswith(".docx")
    )
    found = []
    for doc in docs:
        docx = ws.root / doc
        if docx.parent.with_name(f"{docx.parent.name}-copies.pdf").is_file():
            continue  # a circular's copy: proofed in the combined PDF of the copies
        pdfs = [
            docx.with_suffix(".pdf"),
            docx.with_name(f"{docx.stem}-bundle.pdf"),
            docx.with_name(f"{docx.stem}-copies.pdf"),  # a circular's copies, combined
        ]
        made = [ws.confine(p) for p in pdfs if p.is_file()]  # no link leading out
        if not made:
            raise UserError(
                _(
                    "no PDF of {doc}: make it with `saraban regenerate --pdf` (or --pdf when issuing)"
                ).format(doc=doc)
            )
        found += made
    return [
        Proofed(ws.relative(p), proofing.proof_pdf(p, ws.line_breaker))
        for p in dict.fromkeys(found)
    ]
