"""Running cases: start a case of a workflow, fire its events, render and issue its documents.

One command is one register transaction: the case row, its history, every number given and
every file written change together or not at all. Files are written under pending names and get
their final names only once the transaction has committed (:class:`engine.recovery.Staging`):
a failure removes them, and a killed process leaves nothing under a letter's name.
The state machine (:class:`engine.workflow.Machine`, python-statemachine's semantics) decides which
events are allowed and checks their guards; its ``on`` actions call back into :class:`Run`,
which renders, numbers, attaches and records.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import circular, compose, dependencies, lifecycle, sheets, sync, thai
from .cases import CaseStore, current_user
from .compose import Scope, empty
from .docxparts import draft_bytes
from .errors import Problems, UserError, did_you_mean
from .expressions import ExpressionError, evaluate
from .i18n import N_, _
from .inputs import InputError, InputSpec
from .letter import REQUIRED_LETTER_KEYS, Enclosure, PageCounter, attached
from .limits import check_date_span, has_control, has_surrogate, printable, shorten
from .recovery import Staging
from .references import checker as references_checker
from .register import Entry, Register
from .store import retried
from .workflow import Action, DocumentSpec, Machine, TransitionNotAllowed, Workflow
from .workspace import Workspace
from .yamlio import Located, load_yaml, set_collection, set_scalar


@dataclass
class DocumentMade:
    """One document a command produced: its name, number (as printed, Arabic digits) and path."""

    name: str
    number: str
    path: str
    date: dt.date | None = None
    #: the letter's subject (the PDF bundle's title) and its enclosures that have a file, each
    #: numbered by its place in the letter's list (:func:`engine.letter.attached`): what
    #: ``--pdf`` bundles
    subject: str = ""
    enclosures: list[Enclosure] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "number": self.number,
            "path": self.path,
            "date": self.date.isoformat() if self.date else None,
        }


@dataclass
class Outcome:
    """What a command did to a case."""

    case: int
    workflow: str
    state: str
    from_state: str | None = None
    event: str | None = None
    date: dt.date | None = None
    documents: list[DocumentMade] = field(default_factory=list)
    files: list[str] = field(default_factory=list)
    #: what the clerk should know but that does not stop the command (a backdated letter)
    warnings: list[str] = field(default_factory=list)


# --- data -------------------------------------------------------------------------------------
def parse_set_value(value: str, key: str = "") -> Any:
    """A ``--set`` value for a typed input: the text as typed; ``[a, b]`` and ``{k: v}`` are
    read as YAML (a list, a person) without anchors, aliases or tags; the input's type checks
    and converts the rest."""
    text = value.strip()
    if text[:1] in "[{":
        parsed = set_collection(text, key)
        if parsed is not None:
            return parsed
    return value


def load_data(data_file: str | Path | None, sets: list[str], *, typed: bool = False) -> Located:
    """The case data: the data file (if any) with ``--set`` values on top.

    For a typed workflow (``typed``) a ``--set`` value stays text (its input type converts it;
    ``[a, b]`` and ``{k: v}`` are read as YAML); for the generic letter keys it is read as a
    YAML scalar, so ``circular=true`` is a boolean. ``--set`` values are never YAML programs:
    an anchor, alias or tag is text (or, in a list or mapping, an error)."""
    if data_file is not None:
        doc = load_yaml(data_file, "data")
        if doc.data is None:
            doc.data = {}
        if not isinstance(doc.data, dict):
            raise doc.error(_("the data file must be a mapping of keys"))
    else:
        doc = Located(data={}, file="--set")
    for key, value in split_sets(sets).items():
        doc.data[key] = parse_set_value(value, key) if typed else _scalar(value)
        doc.origins[key] = "--set"
    return doc


def _scalar(value: str) -> Any:
    """A ``--set`` value of the generic letter keys: a YAML scalar, else the text as typed."""
    if not value.strip():
        return ""
    return set_scalar(value)


def split_sets(pairs: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        key = key.strip()
        if not sep or not key:
            raise UserError(
                _("--set needs KEY=VALUE, got {pair!r}").format(pair=pair), file="--set"
            )
        if has_surrogate(pair) or has_control(key):
            raise UserError(
                _("not valid text (bytes that are not UTF-8, or a control character in the key)"),
                file="--set",
                field=printable(key),
            )
        out[key] = value
    return out


def validate_inputs(
    specs: Mapping[str, InputSpec],
    doc: Located,
    workspace: Path,
    *,
    today: dt.date,
    extra_context: Mapping[str, Any] | None = None,
    what: str = N_("input"),
) -> dict[str, Any]:
    """Check every value of ``doc`` against ``specs``; return the values to store.

    Unknown keys (with "did you mean" for a near miss), values of the wrong type and missing
    required inputs are errors naming the file, line and field: all of them at once
    (:class:`engine.errors.UserErrors`, one line each).
    """
    data = doc.data
    problems = Problems()  # every problem at once, one line each
    for key in data:
        if key not in specs:
            known = list(specs)
            close = did_you_mean(key, known)
            hint = _("; did you mean {name!r}?").format(name=close) if close else ""
            problems.add(
                doc.error(
                    _("unknown {what} {key!r}{hint} (known: {known})").format(
                        what=_(what), key=key, hint=hint, known=", ".join(known) or _("none")
                    ),
                    key,
                )
            )
    stored: dict[str, Any] = {}
    for name, spec in specs.items():
        value = data.get(name)
        if empty(value):
            if spec.default is None:
                continue
            value = today.isoformat() if spec.default == "today" else spec.default
        try:
            stored[name] = spec.parse(value, workspace)
        except InputError as exc:
            problems.add(doc.error(f"{spec.label}: {exc}", name))
    for name, spec in specs.items():
        if name in stored or not empty(data.get(name)):
            continue  # given: stored, or its bad value is already reported
        required = spec.required
        if isinstance(required, str):
            ctx = {**present_values(specs, stored), **(extra_context or {})}
            for n in specs:
                ctx.setdefault(n, None)
            try:
                required = bool(evaluate(required, ctx))
            except ExpressionError as exc:
                problems.add(
                    doc.error(
                        _("cannot decide whether it is required: {exc}").format(exc=exc), name
                    )
                )
                continue
        if required:
            problems.add(
                UserError(
                    _("missing required {what} ({label})").format(what=_(what), label=spec.label),
                    file=doc.origins.get(name, doc.file),
                    line=None if name in doc.origins else doc.line(),
                    field=name,
                )
            )
    problems.raise_any()
    return stored


def present_values(specs: Mapping[str, InputSpec], stored: Mapping[str, Any]) -> dict[str, Any]:
    return {n: spec.present(stored.get(n)) for n, spec in specs.items()}


def add_months(d: dt.date, months: int) -> dt.date:
    """``d`` plus whole months; the 31st of a shorter month becomes its last day."""
    month0 = d.month - 1 + months
    year, month = d.year + month0 // 12, month0 % 12 + 1
    import calendar  # not on a letter's path

    day = min(d.day, calendar.monthrange(year, month)[1])
    return dt.date(year, month, day)


def _register_data(wf: Workflow, data: Mapping[str, Any]) -> dict[str, Any]:
    """What the register row keeps of the case data: no personal data (citizen IDs, phones,
    e-mail addresses stay in the case and in the documents that need them)."""
    if wf.letter_inputs:
        return dict(data)
    specs = wf.input_specs
    return {
        k: v
        for k, v in data.items()
        if k in specs and not specs[k].personal and k not in ("documents", "attachments")
    }


# --- one command on one case --------------------------------------------------------------------
class Run:
    """The work of one command on one case, inside the register transaction: the state
    machine's actions (issue, render, attach, record), the files it writes and the numbers it
    takes. Its documents are composed by :func:`engine.compose.compose` from :attr:`scope`, the
    case's data at this step."""

    def __init__(
        self,
        ws: Workspace,
        wf: Workflow,
        reg: Register,
        case_id: int,
        data: dict[str, Any],
        *,
        state: str,
        event: str | None,
        date: dt.date,
        event_values: Mapping[str, Any] | None = None,
        explicit_date: bool = False,
        count_pages: PageCounter | None = sheets.stated,
    ) -> None:
        self.ws, self.wf, self.reg, self.case_id = ws, wf, reg, case_id
        self.data = data
        self.state, self.event = state, event
        self.date = date
        self.explicit_date = explicit_date
        self.event_values = dict(event_values or {})
        self.writer = Staging(ws.root, ws.letters_dir)
        self.documents: list[DocumentMade] = []
        self.files: list[str] = []
        self.warnings: list[str] = []
        #: what the documents are composed from; ``count_pages`` counts an enclosure file
        #: given without a count (จำนวนแผ่น), the command chooses it
        #: (:func:`engine.sheets.counter`); None: counts stay as the data gives them
        self.scope = Scope(ws, wf, reg, data, case_id=case_id, state=state, event=event,
                           date=date, count_pages=count_pages, pending=self.writer.current)  # fmt: skip

    def context(self) -> dict[str, Any]:
        """What the workflow's guards see (:meth:`engine.compose.Scope.context`)."""
        return self.scope.context()

    # -- actions -----------------------------------------------------------------------------
    def perform(self, action: Action) -> None:
        """Called by the state machine's ``on`` callbacks (see :mod:`engine.workflow`)."""
        if action.kind == "issue":
            for name in action.targets:
                self.make_document(self.wf.document(name), issue=True)
        elif action.kind == "render":
            for name in action.targets:
                self.make_document(self.wf.document(name), issue=False)
        elif action.kind == "attach":
            for name in action.targets:
                self.attach(self.wf.document(name))
        elif action.kind == "record":
            self.record(action.targets[0])
        else:  # pragma: no cover - the schema allows no other
            raise AssertionError(action.kind)

    def record(self, name: str) -> None:
        """Record a date in the case data: ``--set NAME=…`` if given, else ``--date``, else today."""
        if name in self.event_values:
            value = self.event_values[name]
        else:
            value = self.date.isoformat() if self.explicit_date else dt.date.today().isoformat()
        self.scope.set(name, value)

    def keep(self, files: Mapping[str, str]) -> None:
        """Store the bytes of the document's files in the register database, in this command's
        transaction (:func:`engine.sync.keep`): read from their pending files."""
        staged = {self.ws.relative(final): pending for final, pending in self.writer.pairs.items()}
        sync.keep(self.reg, files, lambda rel: (staged.get(rel) or self.ws.root / rel).read_bytes())

    def attach(self, spec: DocumentSpec) -> None:
        if not self.scope.applies(spec):
            return
        files = []
        for enc in compose.enclosures(self.scope, spec):
            if enc.file is None:
                continue
            if not self.writer.current(enc.file).is_file():
                raise UserError(
                    _("enclosure file not found: {file}").format(file=enc.file),
                    field=f"{spec.name}.enclosures",
                )
            files.append(self.ws.relative(enc.file))
        attachments = dict(self.data.get("attachments") or {})
        attachments[spec.name] = files
        self.scope.set("attachments", attachments)

    def make_document(self, spec: DocumentSpec, *, issue: bool) -> None:
        """Render one document: a draft (``issue=False``, running number left blank), or issued:
        numbered, dated and registered (a form, series ``none``, is dated but not numbered)."""
        if not self.scope.applies(spec):
            return
        made = compose.compose(self.scope, spec)
        letter = made.letter
        template = compose.template(self.ws, spec)
        ws = self.ws
        number = ""
        entry_id = None
        circ = circular.prepare(self, letter)  # a circular's recipients, else None
        if not issue:
            out = ws.output_path(f"drafts/case-{self.case_id:05d}-{spec.name}.docx")
            body = draft_bytes(template, made.context, ws.office.font)
        elif spec.numbered:
            assert letter.date is not None
            with self.reg.reserve(letter.series, letter.date.year) as slot:
                letter.number = slot.number  # before the context is read: it prints the number
                out = ws.output_path(
                    f"{thai.be_year(letter.date)}/{letter.series}-{letter.number:04d}.docx"
                )
                if out.exists():
                    raise UserError(
                        _(
                            "already exists but the register has no such number: `saraban check --repair` moves it to letters/.quarantine/"
                        ),
                        file=ws.relative(out),
                    )
                body = b"" if circ else template.render_bytes(made.context)
                kept = _register_data(self.wf, self.data)
                if circ:  # the recipient list goes to its own table, not into the row's data
                    kept["recipients"] = len(circ.recipients)
                slot.record(
                    number_text=letter.number_text,
                    date=letter.date,
                    sender=ws.office.name,
                    recipient=circ.register_recipient(letter) if circ else letter.recipient,
                    subject=letter.subject,
                    path=ws.relative(out),
                    case_id=str(self.case_id),
                    data_json=json.dumps(kept, ensure_ascii=False, default=str),
                )
                entry_id = slot.entry.id if slot.entry else None
                if slot.entry is not None and slot.entry.backdated_number:
                    self.warnings.append(backdated_warning(slot.entry))
                if circ:  # master, one addressed copy per recipient, the combined DOCX
                    hashes = circ.issue(self, template, letter, made.context, out, entry_id)
            number = letter.number_text
        else:
            assert letter.date is not None
            out = ws.output_path(
                f"{thai.be_year(letter.date)}/case-{self.case_id:05d}-{spec.name}.docx"
            )
            body = template.render_bytes(made.context)
        rel = ws.relative(out)
        if circ and issue and spec.numbered:
            self.files.extend(hashes)  # the master first, then the copies and the combined DOCX
        else:
            self.writer.write(out, body)
            self.files.append(rel)
            hashes = {rel: hashlib.sha256(body).hexdigest()}
        assert letter.date is not None
        if issue:  # what it was rendered from, for `saraban regenerate`
            deps = made.dependencies(entry_id)
            if circ:
                from .recipients import fingerprint as recipients_fp

                deps[f"recipients:{entry_id}"] = recipients_fp(circ.recipients)
            dependencies.record(self.reg, self.case_id, spec.name, entry_id=entry_id,
                                date=letter.date.isoformat(), files=hashes, deps=deps)  # fmt: skip
            self.keep(hashes)
        self.documents.append(
            DocumentMade(
                spec.name, number, rel, letter.date, letter.subject,
                attached(letter.enclosures),
            )
        )  # fmt: skip
        self.scope.made[spec.name] = rel
        if issue and not self.wf.letter_inputs:
            docs = dict(self.data.get("documents") or {})
            docs[spec.name] = {
                "number": number,
                "date": letter.date.isoformat(),
                "path": rel,
                "series": spec.series,
            }
            self.scope.set("documents", docs)


# --- commands -----------------------------------------------------------------------------------
def backdated_warning(entry: Entry) -> str:
    """The warning for a letter dated before its series' latest letter of the year: it still
    takes the next number (the regulation's practice), and the register notes it."""
    assert entry.backdated_date is not None
    day = thai.format_date(entry.date, thai_digits=False)
    later = thai.format_date(entry.backdated_date, thai_digits=False)
    return (
        f"ที่ {entry.number_text} is dated {day}, earlier than ที่ {entry.backdated_number} of "
        f"{later} in the same series; the register notes it as backdated"
    )


def date_option(text: str | None, option: str = "--date") -> dt.date | None:
    """A command-line date (ISO or Thai), or None when the option is not given; a bad or empty
    one is a UserError naming the option."""
    if text is None:
        return None
    if not text.strip():
        raise UserError(
            _("empty: give a date (2025-03-25, ๒๕ มีนาคม ๒๕๖๘) or leave the option out for today"),
            field=option,
        )
    try:
        return thai.parse_date(text)
    except ValueError as exc:
        # the parser's message quotes the text: a long one is shortened
        message = (
            str(exc) if len(text) <= 60 else _("not a date: {text!r}").format(text=shorten(text))
        )
        raise UserError(message, field=option) from None


def check_span(
    day: dt.date, option: str = "--date", *, force: bool = False, doc: Located | None = None
) -> None:
    """Refuse a date more than the allowed span from today (:func:`engine.limits.check_date_span`)
    unless ``force``: the error names ``option``, or the ``date`` key of ``doc``."""
    why = None if force else check_date_span(day)
    if why is None:
        return
    message = _("{date} is {why}; check the year, or give --force if it is right").format(
        date=day.isoformat(), why=why
    )
    if doc is not None:
        raise doc.error(message, "date")
    raise UserError(message, field=option)


def _fire(run: Run, wf: Workflow, store: CaseStore, event: str, state: str, *, by: str) -> str:
    """Send ``event`` to the case's machine (restored at ``state``); record the transition."""
    machine = Machine(wf, state)
    allowed = machine.allowed_events
    if event not in allowed:
        message = (
            _(
                "unknown event {event!r} in state {state!r} of workflow {name}; allowed events: {allowed}"
            )
            if event not in wf.events
            else _(
                "event not allowed {event!r} in state {state!r} of workflow {name}; allowed events: {allowed}"
            )
        )
        raise UserError(
            message.format(
                event=event,
                state=state,
                name=wf.name,
                allowed=", ".join(allowed) or _("(none: the case is closed)"),
            ),
            field="event",
        )
    failures: list[Any] = []
    try:
        new_state = machine.send(event, ctx=run.context(), failures=failures, runtime=run)
    except TransitionNotAllowed:
        failed = failures[0] if failures else None
        reason = (
            _("{message} (condition: {check})").format(message=failed.message, check=failed.check)
            if failed
            else _("no transition")
        )
        raise UserError(
            _("cannot {event}: condition failed: {reason}").format(event=event, reason=reason),
            file=wf.path,
            line=wf.line("events", event, "guards"),
            field="guards",
        ) from None
    # the lifecycle the workflow declares: a cancelling event cancels the case's numbers
    note = lifecycle.on_event(run.reg, wf.events[event], run.case_id, run.event_values, by)
    store.transition(
        run.case_id, event, state, str(new_state), run.data, by=by, files=list(run.files),
        note=note,
    )  # fmt: skip
    return str(new_state)


def _need_data(wf: Workflow) -> None:
    """``new`` with neither ``--data`` nor ``--set``: a workflow that requires data says so,
    naming its required keys (rather than blaming ``--set`` for each one)."""
    if wf.letter_inputs:
        required = list(REQUIRED_LETTER_KEYS)
    else:
        required = [
            n
            for n, spec in wf.input_specs.items()
            if spec.required is True and spec.default is None
        ]
    if required:
        raise UserError(
            _(
                "the {workflow} workflow needs its data: --data FILE (a YAML file), or --set "
                "key=value for each of: {names}"
            ).format(workflow=wf.name, names=", ".join(required)),
            field="--data",
        )


@retried  # a deadlock on a shared server: run again (engine/store/db.py)
def new_case(
    ws: Workspace,
    wf: Workflow,
    *,
    data_file: str | Path | None = None,
    sets: list[str] | None = None,
    date: str | None = None,
    issue: bool = False,
    by: str | None = None,
    force: bool = False,
    count_pages: PageCounter | None = sheets.stated,
) -> Outcome:
    """Start a case: validate the data, store the case (with its history), render drafts of its
    documents, or with ``issue`` fire the workflow's issue event (number, date, register).
    The date (``--date``, or the data's ``date``) must be within the span
    :func:`check_span` allows, unless ``force``. ``count_pages``: the enclosures' page counter
    (:func:`engine.sheets.counter`)."""
    by = by or current_user()
    today = dt.date.today()
    explicit = date_option(date)
    if data_file is None and not sets:
        _need_data(wf)
    if wf.letter_inputs:
        doc = load_data(data_file, sets or [])
        first = wf.documents[0]
        letter = compose.letter_data(  # validates (a cited letter must be in the register)
            doc, ws, kind=first.kind, resolve=references_checker(ws.root, ws.register_path)
        )
        data = dict(doc.data)
        day = explicit or letter.date or today
    else:
        doc = load_data(data_file, sets or [], typed=True)
        data = validate_inputs(wf.input_specs, doc, ws.root, today=today)
        day = explicit or (dt.date.fromisoformat(data["date"]) if "date" in data else today)
        ws.office  # noqa: B018 - a broken office.yaml is reported before anything else
    check_span(day, force=force, doc=None if explicit else doc)
    if issue and wf.issue_event not in wf.events:
        raise UserError(
            _("workflow {name} has no {issue_event!r} event").format(
                name=wf.name, issue_event=wf.issue_event
            ),
            field="--issue",
        )
    initial = wf.initial_state
    outcome = Outcome(case=0, workflow=wf.name, state=initial, date=day)
    writer = None
    try:
        with Register(ws.register_path) as reg, reg.transaction() as conn:
            store = CaseStore(reg)
            case_id = store.create(wf.name, initial, dict(data), by=by)
            run = Run(ws, wf, reg, case_id, data, state=initial, event=None, date=day,
                      explicit_date=explicit is not None, count_pages=count_pages)  # fmt: skip
            writer = run.writer
            if issue:
                outcome.from_state = initial
                outcome.event = wf.issue_event
                outcome.state = _fire(run, wf, store, wf.issue_event, initial, by=by)
            else:
                docs = wf.documents[:1] if wf.letter_inputs else wf.documents
                for spec in docs:
                    run.make_document(spec, issue=False)
                store.store.events.set_first_files(case_id, list(run.files))  # the drafts
            writer.journal(conn)  # the files to move into place: committed with the rows
        writer.finish(ws.register_path)
    except BaseException:
        if writer is not None:
            writer.undo(ws.register_path)
        raise
    outcome.case = case_id
    outcome.documents = run.documents
    outcome.files = run.files
    outcome.warnings = run.warnings
    return outcome


@retried
def advance(
    ws: Workspace,
    case_id: int,
    event: str,
    *,
    sets: list[str] | None = None,
    date: str | None = None,
    by: str | None = None,
    get_workflow: Any,
    force: bool = False,
    count_pages: PageCounter | None = sheets.stated,
) -> Outcome:
    """Fire ``event`` on a case: check it is allowed in the case's state and its guards hold,
    perform its actions, record the transition (when, event, from → to, by whom, the data).
    ``--date`` must be within the span :func:`check_span` allows, unless ``force``."""
    by = by or current_user()
    explicit = date_option(date)
    if explicit is not None:
        check_span(explicit, force=force)
    writer = None
    try:
        with Register(ws.register_path) as reg, reg.transaction() as conn:
            store = CaseStore(reg)
            case = store.get(case_id)
            wf = get_workflow(ws, case.workflow)
            if case.state not in {s.name for s in wf.states}:
                raise UserError(
                    _(
                        "case {case_id} is in state {state!r}, which workflow {name} no longer has"
                    ).format(case_id=case_id, state=case.state, name=wf.name),
                    field="state",
                )
            ev = wf.events.get(event)
            values: dict[str, Any] = {}
            if ev is not None:
                doc = load_data(None, sets or [], typed=True)
                values = validate_inputs(  # a date defaulting to "today" follows --date
                    ev.inputs,
                    doc,
                    ws.root,
                    today=explicit or dt.date.today(),
                    what=N_("event input"),
                )
            elif sets:
                raise UserError(_("--set given for an unknown event"), field="event")
            data = dict(case.data)
            data.update(values)
            day = explicit or dt.date.today()
            run = Run(ws, wf, reg, case_id, data, state=case.state, event=event, date=day,
                      event_values=values, explicit_date=explicit is not None,
                      count_pages=count_pages)  # fmt: skip
            writer = run.writer
            new_state = _fire(run, wf, store, event, case.state, by=by)
            writer.journal(conn)
        writer.finish(ws.register_path)
    except BaseException:
        if writer is not None:
            writer.undo(ws.register_path)
        raise
    return Outcome(
        case=case_id,
        workflow=wf.name,
        state=new_state,
        from_state=case.state,
        event=event,
        date=day,
        documents=run.documents,
        files=run.files,
        warnings=run.warnings,
    )


# --- due dates ----------------------------------------------------------------------------------
def due_items(
    ws: Workspace, workflows: Mapping[str, Workflow], *, days: int, today: dt.date | None = None
) -> list[dict[str, Any]]:
    """Recurring duties (password change, user-list review …) falling due within ``days`` days
    (overdue ones included), from the latest of each duty's dates in the case data."""
    today = today or dt.date.today()
    limit = today + dt.timedelta(days=days)
    out = []
    with Register(ws.register_path) as reg:
        cases = CaseStore(reg).list()
    for case in cases:
        wf = workflows.get(case.workflow)
        if wf is None:
            continue
        for duty in wf.due:
            if duty.states and case.state not in duty.states:
                continue
            dates = []
            for name in duty.sources:
                value = case.data.get(name)
                if value:
                    try:
                        dates.append(dt.date.fromisoformat(str(value)))
                    except ValueError:
                        continue
            if not dates:
                continue
            base = max(dates)
            due = add_months(base, duty.months)
            if due <= limit:
                out.append(
                    {
                        "case": case.id,
                        "workflow": case.workflow,
                        "state": case.state,
                        "duty": duty.name,
                        "label": duty.label,
                        "since": base.isoformat(),
                        "due": due.isoformat(),
                        "days_left": (due - today).days,
                        "overdue": due < today,
                    }
                )
    out.sort(key=lambda r: (r["due"], r["case"], r["duty"]))
    return out
