"""The ``saraban`` command: parse arguments, call :mod:`engine.api`, print. Nothing else.

Exit status: 0 success; 1 the user's input or state is wrong (one message on stderr naming the
file, line and field); 2 wrong usage.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from . import __version__, api
from .errors import UserError
from .workspace import Workspace, find_workspace, init_workspace


def _print_json(obj: Any) -> None:
    print(json.dumps(obj, ensure_ascii=False, indent=2, default=str))


def _print_made(made: api.Made, as_json: bool) -> None:
    if as_json:
        _print_json(made.as_json())
        return
    head = f"case {made.case}: " if made.case is not None else ""
    print(f"{head}{made.workflow} — {made.state}")
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
        ws, args.workflow, data_file=args.data, sets=args.set, date=args.date, issue=args.issue
    )
    _print_made(made, args.json)
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    info = api.show(ws, args.case)
    if args.json:
        _print_json(info)
    else:
        for key, value in info.items():
            if isinstance(value, list | dict):
                value = json.dumps(value, ensure_ascii=False)
            print(f"{key}: {value}")
    return 0


def cmd_register(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    if args.register_cmd == "list":
        rows = api.register_list(ws, args.year, args.series)
        if args.json:
            _print_json(rows)
        else:
            for r in rows:
                mark = " [ยกเลิก]" if r["status"] == "cancelled" else ""
                print(
                    f"{r['series']:<9} {r['number']:>5}  ที่ {r['number_text']}  {r['date']}  {r['recipient']} — {r['subject']}{mark}"
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
    if args.register_cmd == "start":
        series = "circular" if args.circular else args.series
        year = api.register_start(ws, series, args.year, args.next)
        print(f"next number in series {series} for {year}: {args.next}")
        return 0
    raise AssertionError(args.register_cmd)


def cmd_check(args: argparse.Namespace) -> int:
    ws = Workspace(find_workspace(args.workspace))
    problems, checked = api.check(ws)
    for line in checked:
        print(f"ok  {line}")
    for p in problems:
        print(f"error  {p}", file=sys.stderr)
    return 1 if problems else 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="saraban",
        description="Thai official letters (งานสารบรรณ) from data, numbered and registered.",
    )
    parser.add_argument("--version", action="version", version=f"saraban {__version__}")
    ws_help = "workspace folder (default: $SARABAN_WORKSPACE or .)"
    parser.add_argument("--workspace", "-w", default=None, help=ws_help)
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--workspace", "-w", default=argparse.SUPPRESS, help=ws_help)
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser(
        "init", parents=[common], help="create a workspace with an example office.yaml"
    )
    p.add_argument("dir", nargs="?")
    p.set_defaults(func=cmd_init)

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
    p.add_argument("--issue", action="store_true", help="number, date, render and register")
    p.add_argument("--pdf", action="store_true", help="also write a PDF (needs LibreOffice)")
    p.add_argument("--json", action="store_true")
    p.set_defaults(func=cmd_new)

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
    p.set_defaults(func=cmd_register)

    p = sub.add_parser(
        "check", parents=[common], help="validate office.yaml, templates and workflows"
    )
    p.set_defaults(func=cmd_check)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except UserError as exc:
        print(f"saraban: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("saraban: interrupted; nothing half-written", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
