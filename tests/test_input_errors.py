"""What a clerk sees for mistakes in a data file, through the CLI: plain hints for YAML
mistakes, every problem of a file in one run, the signers office.yaml defines, dates typed as
offices write them (12/12/2568), and a backdated letter's warning and register note."""

from __future__ import annotations

import json
import shutil
import sqlite3
from pathlib import Path

import pytest
import yaml
from conftest import EXAMPLES, case_count, files_under, run_cli, run_process

LETTER = (EXAMPLES / "letter.yaml").read_text(encoding="utf-8")


def errors(err: str) -> list[str]:
    """The error lines of stderr, without their "saraban: error: " prefix."""
    return [
        line.removeprefix("saraban: error: ")
        for line in err.splitlines()
        if line.startswith("saraban: error: ")
    ]


def refused(ws: Path, text: str, *extra: str) -> list[str]:
    """Run `new letter --issue` on data ``text``: refused (exit 1), nothing written; its errors."""
    (ws / "data.yaml").write_text(text, encoding="utf-8")
    before = files_under(ws)
    r = run_cli("new", "letter", "--data", str(ws / "data.yaml"), "--issue", *extra, workspace=ws)
    assert r.code == 1, r.out
    assert "Traceback" not in r.err
    assert files_under(ws) == before and case_count(ws) == 0
    found = errors(r.err)
    assert found, r.err
    return found


# --- YAML hints -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "line", "hint"),
    [
        # a tab pasted from Word, as the indent of a key
        (
            "to: ผู้ว่าราชการจังหวัด\n\tsubject: ขอเชิญประชุม\n",
            2,
            "a tab character at column 1: YAML cannot read tabs here; indent with spaces, not tabs",
        ),
        # a tab inside a value's line
        ("to:\tผู้ว่าราชการจังหวัด\n", 1, "a tab character at column 4"),
        # a colon inside a value
        (
            "to: ผู้ว่าราชการจังหวัด\nsubject: ขอเชิญประชุม เวลา: 10.00 นาฬิกา\n",
            2,
            "the value of 'subject' contains ': ' (a colon and a space): put the whole value in "
            'quotes ("…") or write it as a block of text with |',
        ),
        # an indented first paragraph of a | block
        (
            "to: ผู้ว่าราชการจังหวัด\nbody: |\n      ด้วยกรมส่งเสริมการปกครองท้องถิ่น\n  จึงเรียนมา\n",
            4,
            "line 4 is indented less than line 3, the first line of the text block that starts "
            "on line 2: every line of a | block needs at least the indent of its first line",
        ),
        # a key indented more than the key above it
        (
            "to: ผู้ว่าราชการจังหวัด\n  subject: ขอเชิญประชุม\n",
            2,
            "line 2 is indented more than line 1 above it: keys of one mapping (and items of "
            "one list) start in the same column",
        ),
        # a key indented less than the one above it
        (
            "enclosures:\n    - title: แบบฟอร์ม\n  - title: สำเนา\n",
            3,
            "line 3 is indented less than line 2 above it",
        ),
        # a quote never closed
        (
            'to: ผู้ว่าราชการจังหวัด\nsubject: "ขอเชิญประชุม\nbody: ข้อความ\n',
            4,
            'the quote " opened on line 2, column 10 is never closed',
        ),
        # text after a closing quote
        ('subject: "ขอเชิญ" ประชุม\n', 1, "text after the closing quote at column 17"),
        # a key without its colon
        ("to: ผู้ว่าราชการจังหวัด\nsubject ขอเชิญประชุม\nbody: ข้อความ\n", 3, "line 2 is not 'key: value'"),
        # a key given twice
        (
            "to: ผู้ว่าราชการจังหวัด\nsubject: ก\nto: นายอำเภอ\n",
            3,
            "to: key 'to' appears twice (first on line 1): keep one of them",
        ),
    ],
    ids=[
        "tab-indent",
        "tab-value",
        "colon-in-value",
        "indented-first-line",
        "indented-more",
        "indented-less",
        "unclosed-quote",
        "after-quote",
        "missing-colon",
        "duplicate-key",
    ],
)
def test_yaml_mistake_gets_a_plain_hint(dla: Path, text: str, line: int, hint: str):
    (problem,) = refused(dla, text)
    assert problem.startswith(f"{dla / 'data.yaml'}:{line}: "), problem
    assert hint in problem
    assert "malformed YAML" not in problem  # the parser's jargon is replaced


def test_other_yaml_errors_keep_the_parser_words_and_column(dla: Path):
    (problem,) = refused(dla, "to: [a, b\n")
    assert "malformed YAML" in problem and "(column " in problem


# --- all problems of a data file at once ----------------------------------------------------------
def test_letter_data_reports_every_problem_at_once(dla: Path):
    text = (
        "to: ผู้ว่าราชการจังหวัด ทุกจังหวัด\n"  # 1
        "subjet: การสำรวจข้อมูล\n"  # 2: misspelt
        "body: ข้อความ\n"  # 3
        "signer: chef\n"  # 4: unknown signer, a near miss
        "date: 31/4/2568\n"  # 5: no 31 April
        "urgency: ด่วนๆ\n"  # 6: not an urgency
    )
    found = refused(dla, text)
    data = dla / "data.yaml"
    assert found == [
        f"{data}:1: subject: missing required key",
        f"{data}:2: subjet: unknown key 'subjet'; did you mean 'subject'?",
        f"{data}:4: signer: unknown signer 'chef'; did you mean 'chief'? office.yaml defines: "
        "chief (นายณฤชา โฆษาศิริไลซ์, อธิบดีกรมส่งเสริมการปกครองท้องถิ่น)",
        f"{data}:5: date: invalid date '31/4/2568': เมษายน 2568 (April 2025) has no day 31",
        f"{data}:6: urgency: must be one of ด่วนที่สุด | ด่วนมาก | ด่วน",
    ]


def test_every_problem_on_its_own_line_from_a_real_process(dla: Path):
    (dla / "data.yaml").write_text("to: ก\nbdy: ข\nsubject: ค\n", encoding="utf-8")
    r = run_process("new", "letter", "--data", str(dla / "data.yaml"), workspace=dla)
    assert r.code == 1
    assert r.err.count("saraban: error: ") == 3, r.err  # bdy, body, signer
    assert "bdy: unknown key 'bdy'; did you mean 'body'?" in r.err
    assert "body: missing required key" in r.err and "signer: missing required key" in r.err


def test_unknown_key_without_a_near_miss_lists_the_keys(dla: Path):
    found = refused(dla, LETTER + "zzz: 1\n")
    line = len(LETTER.splitlines()) + 1
    assert found == [f"{dla / 'data.yaml'}:{line}: zzz: unknown key 'zzz'; known keys: to, subject, "
                     "body, signer, circular, urgency, secrecy, references, recipients, "
                     "enclosures, closing, contact, cc, salutation, complimentary_close, monk, "
                     "legal_basis, date"]  # fmt: skip


def test_missing_signer_lists_the_signers_office_yaml_defines(district: Path):
    office = yaml.safe_load((district / "office.yaml").read_text(encoding="utf-8"))
    office["signers"]["deputy"] = {"name": "นายสมศักดิ์ ใจดี", "position": "ปลัดอำเภอ"}
    text = yaml.safe_dump(office, allow_unicode=True)
    (district / "office.yaml").write_text(text, encoding="utf-8")
    text = "\n".join(line for line in LETTER.splitlines() if not line.startswith("signer:"))
    (problem,) = refused(district, text + "\n")
    first = next(i for i, t in enumerate(text.splitlines(), 1) if not t.startswith("#"))
    assert problem.startswith(f"{district / 'data.yaml'}:{first}: signer: missing required key; ")
    assert "the signers office.yaml defines: " in problem
    signers = office["signers"]
    assert len(signers) == 2 and "deputy (นายสมศักดิ์ ใจดี, ปลัดอำเภอ)" in problem
    for key, signer in signers.items():
        assert f"{key} ({signer['name']}, {signer['position']})" in problem


def test_workflow_case_data_reports_every_problem_at_once(tambon: Path):
    data = (EXAMPLES / "appoint-admin.yaml").read_text(encoding="utf-8")
    data = data.replace(
        'incoming_citizen_id: "3100500678913"', 'incoming_citizen_id: "3100500678914"'
    )
    data = data.replace("incoming_mobile: 081-234-5678", "incoming_mobil: 081-234-5678")
    data = data.replace("company_id: GMIS123456", "company_id: KTB123")
    (tambon / "case.yaml").write_text(data + "date: 12/12/2025\n", encoding="utf-8")
    r = run_cli("new", "appoint-admin", "--data", str(tambon / "case.yaml"), workspace=tambon)
    assert r.code == 1 and case_count(tambon) == 0
    found = errors(r.err)
    where = f"{tambon / 'case.yaml'}:"
    assert all(p.startswith(where) for p in found), found
    text = "\n".join(found)
    assert "company_id: รหัสบริษัท (Company ID): 'KTB123' does not have the expected form" in text
    assert (
        "incoming_citizen_id: เลขประจำตัวประชาชน: citizen ID '3100500678914' fails its checksum"
        in text
    )
    assert "incoming_mobil: unknown input 'incoming_mobil'; did you mean 'incoming_mobile'?" in text
    assert "incoming_mobile: missing required input (หมายเลขโทรศัพท์เคลื่อนที่)" in text
    assert "date: วันที่ของหนังสือ (ค่าเริ่มต้น วันนี้): invalid date '12/12/2025': 2025 looks like" in text
    assert len(found) == 5


# --- new without data ---------------------------------------------------------------------------
def test_new_letter_without_data_says_what_it_needs(dla: Path):
    r = run_cli("new", "letter", workspace=dla)
    assert r.code == 1
    assert errors(r.err) == [
        "--data: the letter workflow needs its data: --data FILE (a YAML file), or --set "
        "key=value for each of: to, subject, body, signer"
    ]
    assert "--set: to" not in r.err


def test_new_typed_workflow_without_data_names_its_inputs(tambon: Path):
    r = run_cli("new", "appoint-admin", workspace=tambon)
    assert r.code == 1
    (line,) = errors(r.err)
    assert line.startswith("--data: the appoint-admin workflow needs its data: --data FILE")
    assert "company_id, branch" in line and "outgoing," not in line  # conditional ones left out


# --- dates ---------------------------------------------------------------------------------------
def entries(ws: Path) -> list[dict]:
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM entries ORDER BY id")]


@pytest.mark.parametrize(
    "typed", ["12/12/2568", "๑๒/๑๒/๒๕๖๘", "12/12/68", "12.12.2568", "12-12-2568"]
)
def test_date_option_day_month_be_year(dla: Path, typed: str):
    shutil.copy(EXAMPLES / "letter.yaml", dla / "letter.yaml")
    r = run_cli("new", "letter", "--data", str(dla / "letter.yaml"), "--issue", "--date", typed,
                workspace=dla)  # fmt: skip
    assert r.code == 0, r.err
    (row,) = entries(dla)
    assert row["date"] == "2025-12-12" and row["year"] == 2025


def test_date_key_in_letter_data_day_month_be_year(dla: Path):
    (dla / "data.yaml").write_text(LETTER + "date: ๑/๓/๖๘\n", encoding="utf-8")
    r = run_cli("new", "letter", "--data", str(dla / "data.yaml"), "--issue", workspace=dla)
    assert r.code == 0, r.err
    assert entries(dla)[0]["date"] == "2025-03-01"


def test_workflow_date_input_day_month_be_year(tambon: Path):
    r = run_cli("new", "appoint-admin", "--data", str(EXAMPLES / "appoint-admin.yaml"),
                "--set", "date=5/11/2569", "--json", workspace=tambon)  # fmt: skip
    assert r.code == 0, r.err
    with sqlite3.connect(tambon / "letters" / "register.db") as conn:
        (data,) = conn.execute("SELECT data_json FROM cases").fetchone()
    assert json.loads(data)["date"] == "2026-11-05"


@pytest.mark.parametrize(
    ("typed", "why"),
    [
        (
            "12/12/2025",
            "2025 looks like a Christian-era (ค.ศ.) year, and day/month/year dates take the "
            "Buddhist-era year: write 12/12/2568 (พ.ศ. 2568), or the ISO date 2025-12-12",
        ),
        (
            "12/13/2568",
            "13 cannot be a month; dates are written day/month/year: did you mean 13/12/2568?",
        ),
        ("13/13/2568", "month 13 does not exist"),
        ("12/12-2568", "not a date"),
    ],
)
def test_date_option_refuses_what_stays_ambiguous(dla: Path, typed: str, why: str):
    shutil.copy(EXAMPLES / "letter.yaml", dla / "letter.yaml")
    r = run_cli("new", "letter", "--data", str(dla / "letter.yaml"), "--issue", "--date", typed,
                workspace=dla)  # fmt: skip
    assert r.code == 1 and case_count(dla) == 0
    (line,) = errors(r.err)
    assert line.startswith("--date: ") and why in line


def test_iso_dates_stay_accepted(dla: Path):
    shutil.copy(EXAMPLES / "letter.yaml", dla / "letter.yaml")
    r = run_cli("new", "letter", "--data", str(dla / "letter.yaml"), "--issue", "--date",
                "2025-12-12", workspace=dla)  # fmt: skip
    assert r.code == 0, r.err
    assert entries(dla)[0]["date"] == "2025-12-12"


# --- backdating -----------------------------------------------------------------------------------
def issue(ws: Path, date: str, *extra: str):
    return run_cli("new", "letter", "--data", str(ws / "letter.yaml"), "--issue", "--date", date,
                   *extra, workspace=ws)  # fmt: skip


def test_backdated_letter_takes_the_next_number_warns_and_is_recorded(dla: Path):
    shutil.copy(EXAMPLES / "letter.yaml", dla / "letter.yaml")
    first = issue(dla, "5/3/2569")
    assert first.code == 0 and "warning" not in first.err
    same_day = issue(dla, "5/3/2569")
    assert same_day.code == 0 and "warning" not in same_day.err
    back = issue(dla, "1/3/2569")
    assert back.code == 0, back.err
    assert back.err.splitlines() == [
        "saraban: warning: ที่ มท 0808.4/0003 is dated 1 มีนาคม 2569, earlier than "
        "ที่ มท 0808.4/0002 of 5 มีนาคม 2569 in the same series; the register notes it as backdated"
    ]
    rows = entries(dla)
    assert [r["number"] for r in rows] == [1, 2, 3]  # the next number all the same
    assert [(r["backdated_number"], r["backdated_date"]) for r in rows] == [
        (None, None),
        (None, None),
        ("มท 0808.4/0002", "2026-03-05"),
    ]
    listed = run_cli("register", "list", workspace=dla)
    assert listed.out.splitlines()[2].endswith(  # BE dates, the office's digits
        "[backdated: before ที่ มท ๐๘๐๘.๔/๐๐๐๒ of ๕ มีนาคม ๒๕๖๙]"
    )
    as_json = json.loads(run_cli("register", "list", "--json", workspace=dla).out)
    assert [r["backdated"] for r in as_json] == [
        None,
        None,
        {"number": "มท 0808.4/0002", "date": "2026-03-05"},
    ]
    csv = run_cli("register", "export", "--format", "csv", workspace=dla).out
    assert csv.splitlines()[3].endswith(  # one digit system; the series last
        ",ลงวันที่ย้อนหลัง ก่อน ที่ มท ๐๘๐๘.๔/๐๐๐๒ ลงวันที่ ๕ มีนาคม ๒๕๖๙,normal"
    )


def test_backdating_is_per_series_and_year(dla: Path):
    shutil.copy(EXAMPLES / "letter.yaml", dla / "letter.yaml")
    assert issue(dla, "5/3/2569").code == 0
    circular = issue(dla, "1/3/2569", "--set", "circular=true")  # its own series
    assert circular.code == 0 and "warning" not in circular.err
    last_year = issue(dla, "1/3/2568")  # last year's series
    assert last_year.code == 0 and "warning" not in last_year.err
    assert [r["backdated_number"] for r in entries(dla)] == [None, None, None]


def test_backdated_warning_goes_to_stderr_with_json(dla: Path):
    shutil.copy(EXAMPLES / "letter.yaml", dla / "letter.yaml")
    assert issue(dla, "5/3/2569").code == 0
    r = issue(dla, "4/3/2569", "--json")
    assert r.code == 0
    out = json.loads(r.out)
    assert out["warnings"] == [r.err.splitlines()[0].removeprefix("saraban: warning: ")]
