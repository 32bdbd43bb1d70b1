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
from typing import Any

from . import __version__, api, failures, resources
from .errors import UserError
from .limits import check_argv, printable
from .session import Session
from .session import entered as entered_session
from .workspace import Workspace, export_templates, find_workspace, init_workspace


def print(*values: Any, sep: str = " ", end: str = "\n", file: Any = None) -> None:  # noqa: A001
    """Every line this module prints goes through here: control characters in it (an ANSI
    escape or a newline in ``--by``, in data or in a file name) are shown escaped
    (:func:`engine.limits.printable`), so that nothing printed can recolour the terminal, move
    its cursor or start a line of its own. A line is one call; print each line separately."""
    builtins.print(*(printable(str(v)) for v in values), sep=sep, end=end, file=file)


#: Characters json.dumps leaves raw that a terminal acts on: DEL, C1 controls, bidi overrides.
_JSON_RAW_CONTROL = re.compile(r"[\x7f-\x9f\u202a-\u202e\u2066-\u2069]")


def _print_json(obj: Any) -> None:
    text = json.dumps(obj, ensure_ascii=False, indent=2, default=str)
    # json.dumps escapes C0 controls; these are escaped the same way (still the same JSON)
    builtins.print(_JSON_RAW_CONTROL.sub(lambda m: f"\\u{ord(m[0]):04x}", text))


def _print_made(made: api.Made, as_json: bool) -> None:
    if as_json:
        _print_json(made.as_json())
        return
    head = f"case {made.case}: " if made.case is not None else ""
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
        print(f"created {p}")
    if not made:
        print(f"{root} is already a workspace")
    return 0


def cmd_templates(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    if args.templates_cmd == "list":
        own = ws.root / "templates"
        for name in ws.template_names():
            where = "workspace" if (own / f"{name}.docx").is_file() else "built-in"
            print(f"{name:<24} {where}")
        return 0
    written, kept = export_templates(ws, args.names or None, force=args.force)
    for path in written:
        print(f"wrote {ws.relative(path)}")
    for path in kept:
        print(f"kept {ws.relative(path)} (yours; --force replaces it)")
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
            when = f"overdue by {-r.days_left} day(s)" if r.overdue else f"in {r.days_left} day(s)"
            print(f"case {r.case} ({r.workflow}): {r.label} due {r.due} — {when}")
        if not rows:
            print(f"nothing due within {args.days} days")
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
    print(f"file: {info.path}")
    print("inputs:")
    if isinstance(info.inputs, str):  # "letter"
        print("  the generic letter keys (to, subject, body, signer, …)")
    else:
        for i in info.inputs:
            req = (
                "required"
                if i.required is True
                else ("optional" if i.required is False else f"required if {i.required}")
            )
            print(f"  {i.name:<24} {i.type:<11} {req:<10} {i.label}")
    print("states:")
    for st in info.states:
        mark = " (initial)" if st.initial else " (final)" if st.final else ""
        mark += " (freezes its letters)" if st.freezes else ""
        print(f"  {st.name:<24} {st.label}{mark}")
    print("events:")
    for e in info.events:
        cancels = "  (cancels the case's numbers)" if e.cancels else ""
        print(f"  {e.name:<24} {', '.join(e.sources)} → {e.target}  {e.label}{cancels}")
    print("documents:")
    for d in info.documents:
        print(f"  {d.name:<24} {d.kind:<9} template {d.template}, series {d.series}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    info = api.show(ws, args.case)
    if isinstance(info, api.CaseInfo):
        if args.json:
            _print_json(info.as_json())
        else:
            _print_case(info)
    elif args.json:
        _print_json(api.entry_json(info))
    else:
        for key, value in api.entry_json(info).items():
            if isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            print(f"{key}: {value}")
    return 0


def _print_case(info: api.CaseInfo) -> None:
    print(f"case {info.case}: {info.workflow} — {info.state}")
    print(f"allowed events: {', '.join(info.allowed_events) or '(none)'}")
    for entry in info.letters:
        mark = " [ยกเลิก]" if entry.status == "cancelled" else ""
        print(f"ที่ {entry.number_text}  {entry.date.isoformat()}  {entry.path}{mark}")
    print("history:")
    for e in info.history:
        src = e.from_state or "∅"
        files = f"  {', '.join(e.files)}" if e.files else ""
        print(f"  {e.at}  {e.event}: {src} → {e.to_state}  by {e.by}{files}")
        if e.note:
            print(f"      {e.note}")
    print("data:")
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
        else:
            for r in rows:
                mark = f" [ยกเลิก: {r.cancel_reason}]" if r.status == "cancelled" else ""
                print(
                    f"{r.series:<9} {r.number:>5}  ที่ {r.number_text}  {r.date.isoformat()}  {r.recipient} — {r.subject}{mark}"
                )
        return 0
    if args.register_cmd == "export":
        out = api.register_export(ws, args.year, args.format, args.output)
        if out is not None:
            print(out)
        return 0
    if args.register_cmd == "cancel":
        entry = api.register_cancel(ws, args.number, args.reason, args.series, args.year)
        print(f"cancelled ที่ {entry.number_text} ({entry.series} {entry.number}/{entry.year})")
        return 0
    if args.register_cmd == "correct":
        entry = api.register_correct(ws, args.number, year=args.year, date=args.date,
                                     subject=args.subject, recipient=args.to,
                                     urgency=args.urgency, reason=args.reason, by=args.by,
                                     force=args.force)  # fmt: skip
        print(f"corrected ที่ {entry.number_text}  {entry.date}  {entry.recipient} — {entry.subject}")
        print("run `saraban regenerate` to re-render the letters it affects")
        return 0
    if args.register_cmd == "start":
        series = "circular" if args.circular else args.series
        year = api.register_start(ws, series, args.year, args.next)
        print(f"next number in series {series} for {year}: {args.next}")
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
            "saraban: interrupted; every file is the old or the new one — run "
            "`saraban regenerate` again to finish",
            file=sys.stderr,
        )
        return 130
    if args.json:
        _print_json(report.as_json())
        return 1 if report.pdf_errors else 0
    verb = "would regenerate" if report.dry_run else "regenerated"
    for item in report.regenerated:
        what = f"ที่ {item.number}" if item.number else item.document
        files = item.changed or []
        tail = f"{len(files)} file(s) {'to rewrite' if report.dry_run else 'rewritten'}"
        print(f"{verb} case {item.case} {what}: {'; '.join(item.reasons)} — {tail}")
        for f in files[:10]:
            print(f"  {f}")
        if len(files) > 10:
            print(f"  … and {len(files) - 10} more")
    for item in report.sent:
        what = f"ที่ {item.number}" if item.number else item.document
        print(
            f"needs a correction letter (already sent, not rewritten): case {item.case} "
            f"{what}: {'; '.join(item.reasons)}"
        )
    for item in report.skipped:
        print(f"skipped case {item.case} {item.document}: {item.why}")
    print(
        f"{report.checked} issued document(s) checked, {len(report.regenerated)} "
        f"{verb}, {len(report.sent)} need a correction letter; "
        f"{report.files_written} file(s) {'would change' if report.dry_run else 'rewritten'}, "
        f"{report.files_unchanged} unchanged ({report.seconds:.2f} s)"
    )
    if args.pdf:
        for f in report.pdfs[:10]:
            print(f"  {f}")
        if len(report.pdfs) > 10:
            print(f"  … and {len(report.pdfs) - 10} more")
        print(f"{len(report.pdfs)} PDF(s) {'would be made' if report.dry_run else 'made'}")
    for err in report.pdf_errors:
        print(f"saraban: error: PDF not made: {err}", file=sys.stderr)
    return 1 if report.pdf_errors else 0


def cmd_check(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    result = api.check(ws, repair=args.repair)
    for line in result.checked:
        print(f"ok  {line}")
    for p in result.problems:
        print(f"error  {p}", file=sys.stderr)
    return 1 if result.problems else 0


def cmd_proof(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    results = api.proof(ws, args.target)
    broken = 0
    for proofed in results:
        if not proofed.findings:
            print(f"ok  {proofed.path}")
        for finding in proofed.findings:
            print(f"{proofed.path}: {finding}")
        broken += len(proofed.findings)
    if broken:
        print(f"saraban: {broken} layout rule(s) broken", file=sys.stderr)
    return 1 if broken else 0


def cmd_user(args: argparse.Namespace) -> int:
    from .web import accounts  # argon2: only for this command and `serve`

    ws = Workspace(find_workspace(args.workspace))
    if args.user_cmd == "add":
        user = accounts.add_user(ws, args.name, args.role, _read_password())
        print(f"added user {user.name} ({user.role})")
    elif args.user_cmd == "remove":
        accounts.remove_user(ws, args.name)
        print(f"removed user {args.name}")
    else:
        for u in accounts.list_users(ws):
            print(f"{u.name:<24} {u.role:<8} {u.created_at}")
    return 0


def _read_password() -> str:
    """The new user's password: typed twice on a terminal, else the first line of stdin."""
    if sys.stdin.isatty():
        import getpass

        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise UserError("the two passwords differ", field="password")
        return password
    return sys.stdin.readline().rstrip("\r\n")


def cmd_serve(args: argparse.Namespace) -> int:
    from .web import app  # Starlette and uvicorn: only for this command

    app.serve(Workspace(find_workspace(args.workspace)), host=args.host, port=args.port)
    return 0


FORCE_HELP = "take a date more than a year ahead or 10 years back (see docs/limits.md)"


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saraban",
        description="Thai official letters (งานสารบรรณ) from data, numbered and registered.",
    )
    parser.add_argument("--version", action="version", version=f"saraban {__version__}")
    ws_help = "workspace folder (default: $SARABAN_WORKSPACE or .)"
    parser.add_argument("--workspace", "-w", default=None, help=ws_help)
    parser.add_argument("--quiet", "-q", action="store_true", help="no progress bars")
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", "-w", default=argparse.SUPPRESS, help=ws_help)
    common.add_argument("--quiet", "-q", action="store_true", default=argparse.SUPPRESS,
                        help="no progress bars")  # fmt: skip
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "init",
        parents=[common],
        help="create a workspace with an example office.yaml and a sample letter.yaml",
    )
    p.add_argument("dir", nargs="?")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("templates", parents=[common], help="the letter templates (แม่แบบ)")
    tsub = p.add_subparsers(dest="templates_cmd", required=True, metavar="ACTION")
    tsub.add_parser("list", parents=[common], help="each template, built-in or the workspace's")
    t = tsub.add_parser(
        "export", parents=[common], help="copy built-in templates into templates/ to edit in Word"
    )
    t.add_argument("names", nargs="*", metavar="NAME", help="templates to copy (default: all)")
    t.add_argument("--force", action="store_true", help="replace the workspace's own copies")
    p.set_defaults(func=cmd_templates)

    p = sub.add_parser("workflows", parents=[common], help="list the workflows")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_workflows)

    p = sub.add_parser(
        "new", parents=[common], help="start a case; --issue numbers and registers it"
    )
    p.add_argument("workflow")
    p.add_argument("--data", help="YAML data file")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--date", help="letter date, YYYY-MM-DD or Thai (default today)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument("--issue", action="store_true", help="number, date, render and register")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="also write a PDF beside each DOCX and a bundle with the enclosures (LibreOffice)",
    )
    p.add_argument("--by", help="who acts (default: $SARABAN_USER or the OS user)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_new)

    p = sub.add_parser("advance", parents=[common], help="fire an event on a case")
    p.add_argument("case", help="case number")
    p.add_argument("event", help="event name (see `saraban show CASE` for the allowed ones)")
    p.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    p.add_argument("--date", help="date of the event or of documents it issues (default today)")
    p.add_argument("--force", action="store_true", help=FORCE_HELP)
    p.add_argument(
        "--pdf", action="store_true", help="also write PDFs of the documents it makes (LibreOffice)"
    )
    p.add_argument("--by", help="who acts (default: $SARABAN_USER or the OS user)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_advance)

    p = sub.add_parser("cases", parents=[common], help="list cases")
    p.add_argument("--workflow")
    p.add_argument("--state")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_cases)

    p = sub.add_parser(
        "due", parents=[common], help="recurring duties falling due (password change, review)"
    )
    p.add_argument("--days", type=int, default=30, help="look ahead this many days (default 30)")
    p.add_argument("--today", help=argparse.SUPPRESS)  # tests: pretend today is this date
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_due)

    p = sub.add_parser("workflow", parents=[common], help="describe a workflow")
    wsub = p.add_subparsers(dest="workflow_cmd", required=True, metavar="ACTION")
    w = wsub.add_parser("show", parents=[common], help="inputs, states, events, documents")
    w.add_argument("name")
    w.add_argument("--diagram", action="store_true", help="print a Mermaid state diagram")
    w.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_workflow)

    p = sub.add_parser("show", parents=[common], help="show a case or a registered letter")
    p.add_argument("case", help="case number, or a letter number such as 'มท 0808.4/ว 36'")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_show)

    p = sub.add_parser("register", parents=[common], help="the outgoing register (ทะเบียนหนังสือส่ง)")
    rsub = p.add_subparsers(dest="register_cmd", required=True, metavar="ACTION")
    r = rsub.add_parser("list", parents=[common], help="list the register")
    r.add_argument("--year", help="BE (2568) or CE (2025)")
    r.add_argument("--series")
    r.add_argument("--json", action="store_true")
    r = rsub.add_parser("export", parents=[common], help="export the register (แบบที่ ๑๔)")
    r.add_argument("--year")
    r.add_argument("--format", required=True, choices=["csv", "xlsx"])
    r.add_argument("--output", "-o", help="file to write (default: stdout for csv)")
    r = rsub.add_parser(
        "cancel", parents=[common], help="cancel a number: it stays, marked, never reused"
    )
    r.add_argument(
        "number", help="the letter number as printed, or the running number with --series/--year"
    )
    r.add_argument("--reason", required=True)
    r.add_argument("--series", default=None)
    r.add_argument("--year")
    r = rsub.add_parser(
        "start", parents=[common], help="continue a paper register: next number of a series"
    )
    r.add_argument("--circular", action="store_true", help="the ว series")
    r.add_argument("--series", default="normal")
    r.add_argument("--year", required=True, help="BE (2568) or CE (2025)")
    r.add_argument("--next", required=True, type=int, help="the next running number")
    r = rsub.add_parser(
        "correct", parents=[common], help="correct a register entry (then `saraban regenerate`)"
    )
    r.add_argument("number", help="the letter number as printed, e.g. 'นม 0023.26/ว 598'")
    r.add_argument("--year", help="BE or CE, when the number recurs in several years")
    r.add_argument("--date", help="the corrected letter date (same year)")
    r.add_argument("--force", action="store_true", help=FORCE_HELP)
    r.add_argument("--subject")
    r.add_argument("--to", help="the corrected recipient (ถึง)")
    r.add_argument("--urgency", help="ด่วนที่สุด | ด่วนมาก | ด่วน, or '' for none")
    r.add_argument("--reason", default="")
    r.add_argument("--by", help="who acts (default: $SARABAN_USER or the OS user)")
    p.set_defaults(func=cmd_register)

    p = sub.add_parser(
        "regenerate",
        parents=[common],
        help="re-render the letters affected by a change (template, office, reference, entry)",
    )
    p.add_argument("--dry-run", action="store_true", help="list what would change and why")
    p.add_argument("--all", action="store_true", help="re-render every issued letter")
    p.add_argument(
        "--pdf",
        action="store_true",
        help="then remake the PDFs (bundles, a circular's copies) missing or older than the DOCX",
    )
    p.add_argument(
        "--workers", type=int, help="worker processes (default: twice the CPUs, at most 4)"
    )
    p.add_argument("--by", help="who acts (default: $SARABAN_USER or the OS user)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_regenerate)

    p = sub.add_parser(
        "check",
        parents=[common],
        help="validate office.yaml, templates, workflows and the register database",
    )
    p.add_argument(
        "--repair",
        action="store_true",
        help="move letters the register does not know to letters/.quarantine/",
    )
    p.set_defaults(func=cmd_check)

    p = sub.add_parser(
        "proof",
        parents=[common],
        help="the layout rules a printed letter breaks (split words, orphaned signature, …)",
    )
    p.add_argument("target", metavar="FILE.pdf|CASE", help="a PDF, or a case number")
    p.set_defaults(func=cmd_proof)

    p = sub.add_parser("serve", parents=[common], help="the web application (docs/web.md)")
    p.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    p.add_argument("--port", type=int, default=8000, help="port (default 8000)")
    p.set_defaults(func=cmd_serve)

    p = sub.add_parser("user", parents=[common], help="users of the web application")
    usub = p.add_subparsers(dest="user_cmd", required=True, metavar="ACTION")
    u = usub.add_parser("add", parents=[common], help="add a user; the password is read from stdin")
    u.add_argument("name")
    u.add_argument("--role", required=True, choices=["clerk", "signer", "admin"])
    u = usub.add_parser("remove", parents=[common], help="remove a user")
    u.add_argument("name")
    usub.add_parser("list", parents=[common], help="list the users and their roles")
    p.set_defaults(func=cmd_user)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        check_argv(list(sys.argv[1:] if argv is None else argv))
    except UserError as exc:
        print(f"saraban: error: {exc}", file=sys.stderr)
        return 1
    args = parser.parse_args(argv)
    # One session per command: the --quiet flag, LibreOffice's location, the converter pool.
    with Session(quiet=bool(getattr(args, "quiet", False)), parent=entered_session()):
        return _run(args)


def _run(args: argparse.Namespace) -> int:
    try:
        _check_paths(args)
        resources.verify()  # the built-in templates, workflows, … (a broken installation)
        if args.command != "init":  # LibreOffice and .part files a killed run left (pdfclean)
            from . import pdfclean

            pdfclean.sweep(find_workspace(args.workspace))
        return args.func(args)
    except UserError as exc:
        print(f"saraban: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("saraban: interrupted; nothing half-written", file=sys.stderr)
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
        print(f"saraban: error: {line}", file=sys.stderr)
        return 1


def _check_paths(args: argparse.Namespace) -> None:
    """A NUL byte cannot be in any file name: say which option holds one (in-process callers;
    a real command line cannot carry one)."""
    for name in ("workspace", "data", "output", "dir", "target"):
        value = getattr(args, name, None)
        if isinstance(value, str) and "\0" in value:
            option = name if name in ("dir", "target") else f"--{name}"
            raise UserError(failures.NUL_REASON, field=option)


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
        return f"a path {failures.NUL_REASON} (an option, the data file or office.yaml)"
    return None


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
