"""The ``saraban`` command: parse arguments, call :mod:`engine.api`, print. Nothing else.

Exit status: 0 success; 1 the user's input or state is wrong (one message on stderr naming the
file, line and field); 2 wrong usage.
"""

from __future__ import annotations

import argparse
import builtins
import contextlib
import json
import os
import re
import sqlite3
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NoReturn

from . import __version__, api, failures, resources
from .errors import UserError, error_lines
from .i18n import N_, _, argparse_message
from .limits import check_argv, printable
from .register import digits
from .session import Session
from .session import entered as entered_session
from .thai import BE_OFFSET, format_date
from .workspace import Workspace, export_templates, find_workspace, init_workspace


def print(*values: Any, sep: str = " ", end: str = "\n", file: Any = None) -> None:  # noqa: A001
    """Every line this module prints goes through here: control characters in it (an ANSI
    escape or a newline in ``--by``, in data or in a file name) are shown escaped
    (:func:`engine.limits.printable`), so that nothing printed can recolour the terminal, move
    its cursor or start a line of its own. A line is one call; print each line separately."""
    builtins.print(*(printable(str(v)) for v in values), sep=sep, end=end, file=file)


#: Characters json.dumps leaves raw that a terminal acts on: DEL, C1 controls, bidi overrides.
_JSON_RAW_CONTROL = r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]"  # compiled on first use (--json)


def _print_json(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    # json.dumps escapes C0 controls; these are escaped the same way (still the same JSON)
    builtins.print(re.sub(_JSON_RAW_CONTROL, lambda m: f"\\u{ord(m[0]):04x}", text))


def _print_made(made: api.Made, as_json: bool) -> None:
    for warning in made.warnings:  # a backdated letter: it is issued, and the clerk is told
        print(_("saraban: warning: {message}").format(message=warning), file=sys.stderr)
    if as_json:
        _print_json(made.as_json())
        return
    head = _("case {case}: ").format(case=made.case) if made.case is not None else ""
    if made.event is not None:
        print(f"{head}{made.workflow} — {made.event}: {made.from_state} → {made.state}")
    else:
        print(f"{head}{made.workflow} — {made.state}")
    if len(made.documents) > 1:
        # several documents: each one's number (if it has one) and then its path
        for d in made.documents:
            if d.number:
                print(f"ที่ {d.number}")
            print(d.path)
            for path in (d.pdf, d.bundle, d.copies):  # with --pdf
                if path:
                    print(path)
        return
    if made.state != "draft" and made.number:
        print(f"ที่ {made.number}")
    for f in made.files:
        print(f)


def cmd_init(args: argparse.Namespace) -> int:
    root = Path(args.dir or ".")
    made = init_workspace(root)
    for p in made:
        print(_("created {path}").format(path=p))
    if not made:
        print(_("{root} is already a workspace").format(root=root))
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    if args.templates_cmd == "list":
        own = ws.root / "templates"
        for name in ws.template_names():
            where = _("workspace") if (own / f"{name}.docx").is_file() else _("built-in")
            print(f"{name:<24} {where}")
        return 0
    written, kept = export_templates(ws, args.names or None, force=args.force)
    for path in written:
        print(_("wrote {path}").format(path=ws.relative(path)))
    for path in kept:
        print(_("kept {path} (yours; --force replaces it)").format(path=ws.relative(path)))
    return 0


def cmd_workflows(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    rows = [api.get_workflow(ws, name) for name in ws.workflow_paths()]
    if args.json:
        _print_json(
            [{"name": w.name, "title": w.title, "description": w.description} for w in rows]
        )
    else:
        for w in rows:
            print(f"{w.name:<24} {w.title} — {w.description}")
    return 0


def cmd_new(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    made = api.new(
        ws,
        args.workflow,
        data_file=args.data,
        sets=args.set,
        date=args.date,
        issue=args.issue,
        by=args.by,
        pdf=args.pdf,
        force=args.force,
    )
    _print_made(made, args.json)
    return 0


def cmd_advance(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    made = api.advance(
        ws, args.case, args.event, sets=args.set, date=args.date, by=args.by, pdf=args.pdf,
        force=args.force,
    )  # fmt: skip
    _print_made(made, args.json)
    return 0


def cmd_cases(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    rows = api.cases(ws, args.workflow, args.state)
    if args.json:
        _print_json([r.as_json() for r in rows])
    else:
        for r in rows:
            print(f"{r.case:>5}  {r.workflow:<24} {r.state:<22} {r.subject}")
    return 0


def cmd_due(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    rows = api.due(ws, args.days, args.today)
    if args.json:
        _print_json([r.as_json() for r in rows])
    else:
        for r in rows:
            when = (
                _("overdue by {days} day(s)").format(days=-r.days_left)
                if r.overdue
                else _("in {days} day(s)").format(days=r.days_left)
            )
            print(
                _("case {case} ({workflow}): {label} due {due} — {when}").format(
                    case=r.case, workflow=r.workflow, label=r.label, due=r.due, when=when
                )
            )
        if not rows:
            print(_("nothing due within {days} days").format(days=args.days))
    return 0


def cmd_workflow(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    if args.diagram:
        lines = api.workflow_diagram(ws, args.name).splitlines()
        builtins.print("\n".join(printable(line) for line in lines))  # each line escaped
        return 0
    info = api.workflow_info(ws, args.name)
    if args.json:
        _print_json(info.as_json())
        return 0
    print(f"{info.name} — {info.title}")
    if info.description:
        print(info.description)
    print(_("file: {path}").format(path=info.path))
    print(_("inputs:"))
    if isinstance(info.inputs, str):  # "letter"
        print(_("  the generic letter keys (to, subject, body, signer, …)"))
    else:
        for i in info.inputs:
            req = (
                _("required")
                if i.required is True
                else (
                    _("optional")
                    if i.required is False
                    else _("required if {condition}").format(condition=i.required)
                )
            )
            print(f"  {i.name:<24} {i.type:<11} {req:<10} {i.label}")
    print(_("states:"))
    for st in info.states:
        mark = _(" (initial)") if st.initial else _(" (final)") if st.final else ""
        mark += _(" (freezes its letters)") if st.freezes else ""
        print(f"  {st.name:<24} {st.label}{mark}")
    print(_("events:"))
    for e in info.events:
        cancels = _("  (cancels the case's numbers)") if e.cancels else ""
        print(f"  {e.name:<24} {', '.join(e.sources)} → {e.target}  {e.label}{cancels}")
    print(_("documents:"))
    for d in info.documents:
        print(
            _("  {name:<24} {kind:<9} template {template}, series {series}").format(
                name=d.name, kind=d.kind, template=d.template, series=d.series
            )
        )
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    info = api.show(ws, args.case)
    if isinstance(info, api.CaseInfo):
        if args.json:
            _print_json(info.as_json())
        else:
            _print_case(info, ws.office.thai_digits)
    elif args.json:
        _print_json(api.entry_json(info))
    else:
        thai = ws.office.thai_digits
        for key, value in api.entry_json(info).items():
            if key == "date":  # BE and the office's digits; --json keeps ISO
                value = format_date(info.date, "full", thai_digits=False)
            elif key == "year":
                value = f"พ.ศ. {info.year + BE_OFFSET}"
            elif key == "backdated" and info.backdated_number and info.backdated_date:
                before = format_date(info.backdated_date, "full", thai_digits=False)
                value = f"before ที่ {info.backdated_number} of {before}"
            elif isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            print(digits(f"{key}: {value}", thai))
    return 0


def _print_case(info: api.CaseInfo, thai: bool) -> None:
    print(
        _("case {case}: {workflow} — {state}").format(
            case=info.case, workflow=info.workflow, state=info.state
        )
    )
    print(
        _("allowed events: {events}").format(events=", ".join(info.allowed_events) or _("(none)"))
    )
    for entry in info.letters:
        mark = " [ยกเลิก]" if entry.status == "cancelled" else ""
        day = format_date(entry.date, "full", thai_digits=False)
        print(digits(f"ที่ {entry.number_text}  {day}  {entry.path}{mark}", thai))
    print(_("history:"))
    for e in info.history:
        src = e.from_state or "∅"
        files = f"  {', '.join(e.files)}" if e.files else ""
        print(
            _("  {at}  {event}: {src} → {to_state}  by {by}{files}").format(
                at=e.at, event=e.event, src=src, to_state=e.to_state, by=e.by, files=files
            )
        )
        if e.note:
            print(f"      {e.note}")
    print(_("data:"))
    for key, value in info.data.items():
        if isinstance(value, list | dict):
            value = json.dumps(value, ensure_ascii=False)
        text = str(value)
        print(f"  {key}: {text if len(text) <= 100 else text[:97] + '…'}")


def cmd_register(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    if args.register_cmd == "list":
        rows = api.register_list(ws, args.year, args.series)
        if args.json:
            _print_json([api.entry_json(r) for r in rows])
        else:  # BE dates in the office's digits (office.yaml thai_digits); --json keeps ISO
            thai = ws.office.thai_digits
            for r in rows:
                mark = f" [ยกเลิก: {r.cancel_reason}]" if r.status == "cancelled" else ""
                if r.backdated_number and r.backdated_date:  # ลงวันที่ย้อนหลัง
                    before = format_date(r.backdated_date, "full", thai_digits=False)
                    mark += f" [backdated: before ที่ {r.backdated_number} of {before}]"
                day = format_date(r.date, "full", thai_digits=False)
                line = f"{r.series:<9} {r.number:>5}  ที่ {r.number_text}  {day}  {r.recipient} — {r.subject}{mark}"  # noqa: E501
                print(digits(line, thai))
        return 0
    if args.register_cmd == "export":
        out = api.register_export(ws, args.year, args.format, args.output)
        if out is not None:
            print(out)
        return 0
    if args.register_cmd == "print":
        for path in api.register_print(ws, args.year, args.series, pdf=args.pdf, out=args.out):
            print(path)
        return 0
    if args.register_cmd == "cancel":
        entry = api.register_cancel(ws, args.number, args.reason, args.series, args.year)
        line = _("cancelled ที่ {number_text} ({series} {number}/{year})").format(
            number_text=entry.number_text,
            series=entry.series,
            number=entry.number,
            year=entry.year + BE_OFFSET,
        )
        print(digits(line, ws.office.thai_digits))
        return 0
    if args.register_cmd == "correct":
        entry = api.register_correct(ws, args.number, year=args.year, date=args.date,
                                     subject=args.subject, recipient=args.to,
                                     urgency=args.urgency, reason=args.reason, by=args.by,
                                     force=args.force)  # fmt: skip
        line = _("corrected ที่ {number_text}  {date}  {recipient} — {subject}").format(
            number_text=entry.number_text,
            date=format_date(entry.date, "full", thai_digits=False),
            recipient=entry.recipient,
            subject=entry.subject,
        )
        print(digits(line, ws.office.thai_digits))
        print(_("run `saraban regenerate` to re-render the letters it affects"))
        return 0
    if args.register_cmd == "start":
        series = "circular" if args.circular else args.series
        year = api.register_start(ws, series, args.year, args.next)
        line = _("next number in series {series} for {year}: {next}").format(
            series=series, year=year + BE_OFFSET, next=args.next
        )
        print(digits(line, ws.office.thai_digits))
        return 0
    raise AssertionError(args.register_cmd)


def cmd_regenerate(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    try:
        report = api.regenerate(
            ws, dry_run=args.dry_run, everything=args.all, by=args.by, workers=args.workers,
            pdf=args.pdf,
        )  # fmt: skip
    except KeyboardInterrupt:
        print(
            _(
                "saraban: interrupted; every file is the old or the new one — run `saraban regenerate` again to finish"
            ),
            file=sys.stderr,
        )
        return 130
    if args.json:
        _print_json(report.as_json())
        return 1 if report.pdf_errors else 0
    if report.fetched:  # a shared register: synced first (docs/database.md)
        print(
            _(
                "wrote {count} registered file(s) from the register database first (`saraban sync`)"
            ).format(count=len(report.fetched))
        )
    for item in report.regenerated:
        what = f"ที่ {item.number}" if item.number else item.document
        files = item.changed or []
        line = (
            _("would regenerate case {case} {what}: {reasons} — {count} file(s) to rewrite")
            if report.dry_run
            else _("regenerated case {case} {what}: {reasons} — {count} file(s) rewritten")
        )
        print(
            line.format(
                case=item.case, what=what, reasons="; ".join(item.reasons), count=len(files)
            )
        )
        for f in files[:10]:
            print(f"  {f}")
        if len(files) > 10:
            print(_("  … and {count} more").format(count=len(files) - 10))
    for item in report.sent:
        what = f"ที่ {item.number}" if item.number else item.document
        print(
            _(
                "needs a correction letter (already sent, not rewritten): case {case} {what}: {reasons}"
            ).format(case=item.case, what=what, reasons="; ".join(item.reasons))
        )
    for item in report.skipped:
        print(
            _("skipped case {case} {document}: {why}").format(
                case=item.case, document=item.document, why=item.why
            )
        )
    summary = (
        _(
            "{checked} issued document(s) checked, {regenerated} would regenerate, {sent} need a "
            "correction letter; {files_written} file(s) would change, {files_unchanged} unchanged "
            "({seconds:.2f} s)"
        )
        if report.dry_run
        else _(
            "{checked} issued document(s) checked, {regenerated} regenerated, {sent} need a "
            "correction letter; {files_written} file(s) rewritten, {files_unchanged} unchanged "
            "({seconds:.2f} s)"
        )
    )
    print(
        summary.format(
            checked=report.checked,
            regenerated=len(report.regenerated),
            sent=len(report.sent),
            files_written=report.files_written,
            files_unchanged=report.files_unchanged,
            seconds=report.seconds,
        )
    )
    if args.pdf:
        for f in report.pdfs[:10]:
            print(f"  {f}")
        if len(report.pdfs) > 10:
            print(_("  … and {count} more").format(count=len(report.pdfs) - 10))
        made = _("{count} PDF(s) would be made") if report.dry_run else _("{count} PDF(s) made")
        print(made.format(count=len(report.pdfs)))
    for err in report.pdf_errors:
        print(_("saraban: error: PDF not made: {message}").format(message=err), file=sys.stderr)
    return 1 if report.pdf_errors else 0


def cmd_check(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    result = api.check(ws, repair=args.repair)
    for line in result.checked:
        print(_("ok  {line}").format(line=line))
    for p in result.problems:
        print(_("error  {problem}").format(problem=p), file=sys.stderr)
    return 1 if result.problems else 0


def cmd_sync(args: argparse.Namespace) -> int:
    from . import sync  # docs/database.md

    report = sync.sync(Workspace(find_workspace(args.workspace)))
    for line in report.lines():
        print(line)
    for p in report.problems:
        print(_("error  {problem}").format(problem=p), file=sys.stderr)
    return 1 if report.problems else 0


def cmd_db(args: argparse.Namespace) -> int:
    from . import database  # docs/database.md

    ws = Workspace(find_workspace(args.workspace))
    if args.db_cmd == "status":
        for line in database.status(ws).lines():
            print(line)
    elif args.db_cmd == "upgrade":
        where, before, after = database.upgrade(ws)
        if before == after:
            print(
                _("{where}: schema version {version}, up to date").format(
                    where=where, version=after
                )
            )
        else:
            print(
                _("{where}: schema version {before} → {after}").format(
                    where=where, before=before, after=after
                )
            )
    else:
        copied = database.copy(ws, args.to)
        for problem in copied.problems:
            print(_("saraban: warning: {message}").format(message=problem), file=sys.stderr)
        for table, (n, digest) in copied.tables.items():
            print(
                _("{table}: {rows} row(s), sha256 {digest}… the same on both").format(
                    table=table, rows=n, digest=digest[:16]
                )
            )
        print(_("copied the register to {server}").format(server=copied.target))
        print(
            _(
                "to use it, set database: in office.yaml on every machine of this office (or SARABAN_DATABASE_URL)"
            )
        )
    return 0


def cmd_proof(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    results = api.proof(ws, args.target)
    broken = 0
    for proofed in results:
        if not proofed.findings:
            print(_("ok  {path}").format(path=proofed.path))
        for finding in proofed.findings:
            print(f"{proofed.path}: {finding}")
        broken += len(proofed.findings)
    if broken:
        print(_("saraban: {broken} layout rule(s) broken").format(broken=broken), file=sys.stderr)
    return 1 if broken else 0


def cmd_user(args: argparse.Namespace) -> int:
    from .web import accounts  # argon2: only for this command and `serve`

    ws = Workspace(find_workspace(args.workspace))
    if args.user_cmd == "add":
        user = accounts.add_user(ws, args.name, args.role, _read_password())
        print(_("added user {name} ({role})").format(name=user.name, role=user.role))
    elif args.user_cmd == "remove":
        accounts.remove_user(ws, args.name)
        print(_("removed user {name}").format(name=args.name))
    else:
        for u in accounts.list_users(ws):
            print(f"{u.name:<24} {u.role:<8} {u.created_at}")
    return 0


def _read_password() -> str:
    """The new user's password: typed twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass(_("password: "))
        if getpass.getpass(_("again: ")) != password:
            raise UserError(_("the two passwords differ"), field="password")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def cmd_warm(args: argparse.Namespace) -> int:
    from . import warm  # the warm server's controls (docs/warm.md)

    if args.warm_cmd == "stop":
        pid = warm.stop()
        print(_("no warm server") if pid is None else _("warm server {pid} stops").format(pid=pid))
        return 0
    if args.warm_cmd == "start":
        found, new = warm.start(args.idle)
        line = _("warm server {pid} started") if new else _("warm server {pid} already runs")
        print(line.format(pid=found.pid))
    else:
        running = warm.status()
        if running is None:
            raise UserError(_("no warm server runs for this installation"))
        found = running
    print(_("warm server {pid}: {served} command(s) run, exits after {idle} s idle").format(
        pid=found.pid, served=found.served, idle=found.idle))  # fmt: skip
    print(_("socket: {path}").format(path=found.socket))
    return 0


def cmd_serve(args: argparse.Namespace) -> int:
    from .web import server  # Starlette and uvicorn: only for this command

    ws = Workspace(find_workspace(args.workspace))
    server.serve(ws, host=args.host, port=args.port, workers=args.workers)
    return 0


FORCE_HELP = N_("take a date more than a year ahead or 10 years back (see docs/limits.md)")


class _HelpFormatter(argparse.HelpFormatter):
    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups, _("usage: ") if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse in the user's language: its usage errors (a missing or unknown argument, an
    invalid choice) and headings come from the catalog too (engine/i18n.py)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _HelpFormatter)
        super().__init__(*args, **kwargs)
        self._positionals.title = _("positional arguments")
        self._optionals.title = _("options")
        for action in self._actions:
            if isinstance(action, argparse._HelpAction):
                action.help = _("show this help message and exit")

    def error(self, message: str) -> NoReturn:
        self.print_usage(sys.stderr)
        line = _("{prog}: error: {message}").format(
            prog=self.prog, message=argparse_message(message)
        )
        self.exit(2, line + "\n")


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="saraban",
        description=_("Thai official letters (งานสารบรรณ) from data, numbered and registered."),
    )
    parser.add_argument(
        "--version",
        action="version",
        version=f"saraban {__version__}",
        help=_("show the version and exit"),
    )
    ws_help = _("workspace folder (default: $SARABAN_WORKSPACE or .)")
    parser.add_argument("--workspace", "-w", default=None, help=ws_help)
    parser.add_argument("--quiet", "-q", action="store_true", help=_("no progress bars"))
    common = _Parser(add_help=False)
    common.add_argument("--workspace", "-w", default=argparse.SUPPRESS, help=ws_help)
    common.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                        help=_("no progress bars"))  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "init",
        parents=[common],
        help=_("create a workspace with an example office.yaml and a sample letter.yaml"),
    )
    p.add_argument("dir", nargs="?")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("templates", parents=[common], help=_("the letter templates (แม่แบบ)"))
    tsub = p.add_subparsers(dest="templates_cmd", required=True, metavar="ACTION")
    tsub.add_parser("list", parents=[common], help=_("each template, built-in or the workspace's"))
    t = tsub.add_parser(
        "export",
        parents=[common],
        help=_("copy built-in templates into templates/ to edit in Word"),
    )
    t.add_argument("names", nargs="*", metavar="NAME", help=_("templates to copy (default: all)"))
    t.add_argument("--force", action="store_true", help=_("replace the workspace's own copies"))
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("workflows", parents=[common], help=_("list the workflows"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_workflows)

    p = sub.add_parser(
        "new", parents=[common], help=_("start a case; --issue numbers and registers it")
    )
    p.add_argument("workflow")
    p.add_argument("--data", help=_("YAML data file"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--date", help=_("letter date, YYYY-MM-DD or Thai (default today)"))
    p.add_argument("--force", action="store_true", help=_(FORCE_HELP))
    p.add_argument("--issue", action="store_true", help=_("number, date, render and register"))
    p.add_argument(
        "--pdf",
        action="store_true",
        help=_("also write a PDF beside each DOCX and a bundle with the enclosures (LibreOffice)"),
    )
    p.add_argument("--by", help=_("who acts (default: $SARABAN_USER or the OS user)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("advance", parents=[common], help=_("fire an event on a case"))
    p.add_argument("case", help=_("case number"))
    p.add_argument("event", help=_("event name (see `saraban show CASE` for the allowed ones)"))
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--date", help=_("date of the event or of documents it issues (default today)"))
    p.add_argument("--force", action="store_true", help=_(FORCE_HELP))
    p.add_argument(
        "--pdf",
        action="store_true",
        help=_("also write PDFs of the documents it makes (LibreOffice)"),
    )
    p.add_argument("--by", help=_("who acts (default: $SARABAN_USER or the OS user)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_advance)

    p = sub.add_parser("cases", parents=[common], help=_("list cases"))
    p.add_argument("--workflow")
    p.add_argument("--state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser(
        "due", parents=[common], help=_("recurring duties falling due (password change, review)")
    )
    p.add_argument("--days", type=int, default=30, help=_("look ahead this many days (default 30)"))
    p.add_argument("--today", help=argparse.SUPPRESS)  # tests: pretend today is this date
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_due)

    p = sub.add_parser("workflow", parents=[common], help=_("describe a workflow"))
    wsub = p.add_subparsers(dest="workflow_cmd", required=True, metavar="ACTION")
    w = wsub.add_parser("show", parents=[common], help=_("inputs, states, events, documents"))
    w.add_argument("name")
    w.add_argument("--diagram", action="store_true", help=_("print a Mermaid state diagram"))
    w.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_workflow)

    p = sub.add_parser("show", parents=[common], help=_("show a case or a registered letter"))
    p.add_argument("case", help=_("case number, or a letter number such as 'มท 0808.4/ว 36'"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser(
        "register", parents=[common], help=_("the outgoing register (ทะเบียนหนังสือส่ง)")
    )
    rsub = p.add_subparsers(dest="register_cmd", required=True, metavar="ACTION")
    r = rsub.add_parser("list", parents=[common], help=_("list the register"))
    r.add_argument("--year", help=_("BE (2568) or CE (2025)"))
    r.add_argument("--series")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("export", parents=[common], help=_("export the register (แบบที่ ๑๔)"))
    r.add_argument("--year")
    r.add_argument("--format", required=True, choices=["csv", "xlsx"])
    r.add_argument("--output", "-o", help=_("file to write (default: stdout for csv)"))
    r = rsub.add_parser(
        "print",
        parents=[common],
        help=_("the register of a year in its regulation form (DOCX, PDF)"),
    )
    r.add_argument("--year", required=True, help=_("BE (2568) or CE (2025)"))
    r.add_argument("--series", help=_("one series only (default: every series, one section each)"))
    r.add_argument("--pdf", action="store_true", help=_("also a PDF beside the DOCX (LibreOffice)"))
    r.add_argument(
        "--out", help=_("the DOCX to write (default letters/registers/register-YEAR.docx)")
    )
    r = rsub.add_parser(
        "cancel", parents=[common], help=_("cancel a number: it stays, marked, never reused")
    )
    r.add_argument(
        "number", help=_("the letter number as printed, or the running number with --series/--year")
    )
    r.add_argument("--reason", required=True)
    r.add_argument("--series", default=None)
    r.add_argument("--year")
    r = rsub.add_parser(
        "start", parents=[common], help=_("continue a paper register: next number of a series")
    )
    r.add_argument("--circular", action="store_true", help=_("the ว series"))
    r.add_argument("--series", default="normal")
    r.add_argument("--year", required=True, help=_("BE (2568) or CE (2025)"))
    r.add_argument("--next", required=True, type=int, help=_("the next running number"))
    r = rsub.add_parser(
        "correct", parents=[common], help=_("correct a register entry (then `saraban regenerate`)")
    )
    r.add_argument("number", help=_("the letter number as printed, e.g. 'นม 0023.26/ว 598'"))
    r.add_argument("--year", help=_("BE or CE, when the number recurs in several years"))
    r.add_argument("--date", help=_("the corrected letter date (same year)"))
    r.add_argument("--force", action="store_true", help=_(FORCE_HELP))
    r.add_argument("--subject")
    r.add_argument("--to", help=_("the corrected recipient (ถึง)"))
    r.add_argument("--urgency", help=_("ด่วนที่สุด | ด่วนมาก | ด่วน, or '' for none"))
    r.add_argument("--reason", default="")
    r.add_argument("--by", help=_("who acts (default: $SARABAN_USER or the OS user)"))
    p.set_defaults(func=cmd_register)

    p = sub.add_parser(
        "regenerate",
        parents=[common],
        help=_("re-render the letters affected by a change (template, office, reference, entry)"),
    )
    p.add_argument("--dry-run", action="store_true", help=_("list what would change and why"))
    p.add_argument("--all", action="store_true", help=_("re-render every issued letter"))
    p.add_argument(
        "--pdf",
        action="store_true",
        help=_(
            "then remake the PDFs (bundles, a circular's copies) missing or older than the DOCX"
        ),
    )
    p.add_argument(
        "--workers", type=int, help=_("worker processes (default: twice the CPUs, at most 4)")
    )
    p.add_argument("--by", help=_("who acts (default: $SARABAN_USER or the OS user)"))
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_regenerate)

    p = sub.add_parser(
        "check",
        parents=[common],
        help=_("validate office.yaml, templates, workflows and the register database"),
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help=_(
            "move letters the register does not know to letters/.quarantine/; write those missing here (saraban sync)"
        ),
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "sync",
        parents=[common],
        help=_("write the registered files missing or out of date here from the register database"),
    )
    p.set_defaults(func=cmd_sync)

    p = sub.add_parser(
        "db", parents=[common], help=_("the register's database: SQLite or PostgreSQL")
    )
    dsub = p.add_subparsers(dest="db_cmd", required=True, metavar="ACTION")
    dsub.add_parser(
        "status", parents=[common], help=_("the database, its schema version, its rows")
    )
    dsub.add_parser("upgrade", parents=[common], help=_("create or migrate the register's schema"))
    d = dsub.add_parser(
        "copy",
        parents=[common],
        help=_("copy this office's SQLite register to a PostgreSQL server"),
    )
    d.add_argument("--to", required=True, metavar="URL", help=_("postgresql://user@host/database"))
    p.set_defaults(func=cmd_db)

    p = sub.add_parser(
        "proof",
        parents=[common],
        help=_("the layout rules a printed letter breaks (split words, orphaned signature, …)"),
    )
    p.add_argument("target", metavar="FILE.pdf|CASE", help=_("a PDF, or a case number"))
    p.set_defaults(func=cmd_proof)

    p = sub.add_parser("serve", parents=[common], help=_("the web application (docs/web.md)"))
    p.add_argument(
        "--host", default="127.0.0.1", help=_("address to listen on (default 127.0.0.1)")
    )
    p.add_argument("--port", type=int, default=8000, help=_("port (default 8000)"))
    p.add_argument(
        "--workers",
        type=int,
        default=1,
        help=_("worker processes serving the one address (default 1; docs/web.md)"),
    )
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser(
        "warm", parents=[common], help=_("a background process that starts commands faster")
    )
    p.add_argument("warm_cmd", choices=["start", "stop", "status"], metavar="start|stop|status")
    p.add_argument(
        "--idle", type=float, default=900.0, help=_("start: exit after this many idle seconds")
    )
    p.set_defaults(func=cmd_warm)

    p = sub.add_parser("user", parents=[common], help=_("users of the web application"))
    usub = p.add_subparsers(dest="user_cmd", required=True, metavar="ACTION")
    u = usub.add_parser(
        "add", parents=[common], help=_("add a user; the password is read from stdin")
    )
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=["clerk", "signer", "admin"])
    u = usub.add_parser("remove", parents=[common], help=_("remove a user"))
    u.add_argument("name")
    usub.add_parser("list", parents=[common], help=_("list the users and their roles"))
    p.set_defaults(func=cmd_user)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        check_argv(list(sys.argv[1:] if argv is None else argv))
    except UserError as exc:
        for problem in error_lines(exc):  # one line, or one per problem of a data file
            print(_("saraban: error: {message}").format(message=problem), file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    # One session per command: the --quiet flag, LibreOffice's location, the converter pool.
    with Session(quiet=bool(getattr(args, "quiet", False)), parent=entered_session()):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        _check_paths(args)
        resources.verify()  # the built-in templates, workflows, … (a broken installation)
        if args.command not in (
            "init",
            "warm",
        ):  # LibreOffice and .part files a killed run left (pdfclean)
            from . import pdfclean

            pdfclean.sweep(find_workspace(args.workspace))
        return args.func(args)
    except UserError as exc:
        for problem in error_lines(exc):  # one line, or one per problem of a data file
            print(_("saraban: error: {message}").format(message=problem), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(_("saraban: interrupted; nothing half-written"), file=sys.stderr)
        return 130
    except BrokenPipeError:  # `saraban … | head`: the reader left; nothing to report
        with contextlib.suppress(OSError):
            os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1
    except (OSError, sqlite3.DatabaseError, ValueError) as exc:
        line = _environment_error(exc, args)  # disk full, read-only, damaged register, …
        if line is None:
            raise
        failures.release(exc)
        print(_("saraban: error: {message}").format(message=line), file=sys.stderr)
        return 1


def _check_paths(args: argparse.Namespace) -> None:
    """A NUL byte cannot be in any file name: say which option holds one (in-process callers;
    a real command line cannot carry one)."""
    for name in ("workspace", "data", "output", "out", "dir", "target"):
        value = getattr(args, name, None)
        if isinstance(value, str) and "\0" in value:
            option = name if name in ("dir", "target") else f"--{name}"
            raise UserError(_(failures.NUL_REASON), field=option)


def _environment_error(exc: BaseException, args: argparse.Namespace) -> str | None:
    """One line for a failure of the machine (docs/failures.md), or None for anything else."""
    try:
        root: Path | None = find_workspace(getattr(args, "workspace", None))
    except (OSError, ValueError):
        root = None
    if isinstance(exc, OSError):
        return failures.describe_os_error(exc, root)
    if isinstance(exc, sqlite3.DatabaseError) and not isinstance(exc, sqlite3.ProgrammingError):
        try:
            register: Path | None = Workspace(root).register_path if root else None
        except Exception:  # office.yaml unreadable: name the default place
            register = root / "letters" / "register.db" if root else None
        return failures.describe_database_error(exc, register, root)
    if isinstance(exc, ValueError) and "embedded null byte" in str(exc):
        return _("a path {reason} (an option, the data file or office.yaml)").format(
            reason=_(failures.NUL_REASON)
        )
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
