"""The saraban command end to end: output, register, bad input, real concurrent processes."""

from __future__ import annotations

import json
import re
import sqlite3
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from conftest import case_count, files_under, run_cli, run_process
from docxtext import all_text

from engine.office import KEYS as OFFICE_KEYS

LETTER = textwrap.dedent(
    """\
    to: ผู้ว่าราชการจังหวัดนครราชสีมา
    subject: ขอความอนุเคราะห์ข้อมูล
    body: |
      ด้วยกรมส่งเสริมการปกครองท้องถิ่นขอข้อมูล จำนวน 3 รายการ

      1. ข้อมูลผู้ใช้งานระบบ 2FA
    closing: จึงเรียนมาเพื่อโปรดพิจารณา
    signer: chief
    """
)


def write_data(ws: Path, text: str = LETTER, name: str = "data.yaml") -> Path:
    path = ws / name
    path.write_text(text, encoding="utf-8")
    return path


def rows(ws: Path) -> list[tuple]:
    db = ws / "letters" / "register.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        return conn.execute(
            "SELECT series, year, number, number_text, status FROM entries ORDER BY id"
        ).fetchall()


def issue(
    ws: Path,
    *extra: str,
    workflow: str = "letter",
    date: str = "2025-03-25",
    data: Path | None = None,
):
    """`saraban new WORKFLOW --data … --date … --issue` in ``ws``."""
    data = data or write_data(ws)
    return run_cli(
        "new", workflow, "--data", str(data), "--date", date, "--issue", *extra, workspace=ws
    )


def test_issue_prints_number_and_path_and_registers(dla: Path) -> None:
    data = write_data(dla)
    result = run_cli(
        "new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", workspace=dla
    )
    assert result.code == 0, result.err
    lines = result.out.strip().splitlines()
    assert lines[0] == "case 1: letter — issued"
    assert lines[1] == "ที่ มท 0808.4/0001"
    assert lines[2] == "letters/2568/normal-0001.docx"
    text = all_text(dla / lines[2])
    assert "ที่ มท ๐๘๐๘.๔/๐๐๐๑" in text
    assert "๒๕ มีนาคม ๒๕๖๘" in text
    assert "เรียน ผู้ว่าราชการจังหวัดนครราชสีมา" in text
    assert "ด้วยกรมส่งเสริมการปกครองท้องถิ่นขอข้อมูล จำนวน ๓ รายการ" in text
    assert "๑. ข้อมูลผู้ใช้งานระบบ 2FA" in text
    assert "(นายณฤชา โฆษาศิริไลซ์)" in text
    assert rows(dla) == [("normal", 2025, 1, "มท 0808.4/0001", "issued")]


def test_json_output_and_show(dla: Path) -> None:
    data = write_data(dla)
    result = run_cli(
        "new",
        "letter",
        "--data",
        str(data),
        "--date",
        "๒๕ มีนาคม ๒๕๖๘",
        "--issue",
        "--json",
        workspace=dla,
    )
    made = json.loads(result.out)
    contract = ("case", "workflow", "state", "number", "date", "files")
    assert {key: made[key] for key in contract} == {
        "case": 1,
        "workflow": "letter",
        "state": "issued",
        "number": "มท 0808.4/0001",
        "date": "2025-03-25",
        "files": ["letters/2568/normal-0001.docx"],
    }
    shown = json.loads(run_cli("show", "1", "--json", workspace=dla).out)
    assert shown["state"] == "issued"
    assert [(h["event"], h["from"], h["to"]) for h in shown["history"]] == [
        ("new", None, "draft"),
        ("issue", "draft", "issued"),
    ]
    assert shown["letters"][0]["number_text"] == "มท 0808.4/0001"
    by_number = json.loads(run_cli("show", "ที่ มท ๐๘๐๘.๔/๑", "--json", workspace=dla).out)
    assert by_number["path"] == "letters/2568/normal-0001.docx"


def test_set_overrides_and_builds_a_letter_without_a_file(dla: Path) -> None:
    args = [
        "--set",
        "to=นายอำเภอเมือง",
        "--set",
        "subject=ทดสอบ",
        "--set",
        "body=ข้อความ",
        "--set",
        "signer=chief",
    ]
    result = run_cli(
        "new",
        "letter",
        *args,
        "--set",
        "circular=true",
        "--date",
        "2025-01-02",
        "--issue",
        workspace=dla,
    )
    assert result.code == 0, result.err
    assert rows(dla) == [("circular", 2025, 1, "มท 0808.4/ว 0001", "issued")]


def test_draft_has_no_number_and_no_register_row(dla: Path) -> None:
    result = run_cli("new", "letter", "--data", str(write_data(dla)), workspace=dla)
    assert result.code == 0, result.err
    assert result.out.splitlines()[0] == "case 1: letter — draft"
    path = dla / result.out.strip().splitlines()[-1]
    assert "ที่ มท ๐๘๐๘.๔/" in all_text(path)
    assert rows(dla) == []


def test_numbers_restart_each_calendar_year_and_circulars_have_their_own(dla: Path) -> None:
    data = str(write_data(dla))
    for date, extra in [
        ("2025-12-31", []),
        ("2025-12-31", ["--set", "circular=true"]),
        ("2026-01-01", []),
    ]:
        assert (
            run_cli(
                "new", "letter", "--data", data, "--date", date, "--issue", *extra, workspace=dla
            ).code
            == 0
        )
    assert [r[:3] for r in rows(dla)] == [
        ("normal", 2025, 1),
        ("circular", 2025, 1),
        ("normal", 2026, 1),
    ]


def test_memo(dla: Path) -> None:
    result = issue(dla, workflow="memo")
    assert result.code == 0, result.err
    text = all_text(dla / result.out.strip().splitlines()[-1])
    assert "บันทึกข้อความ" in text
    assert (
        "ส่วนราชการ สำนักบริหารการคลังท้องถิ่น ส่วนพัฒนาระบบบัญชีท้องถิ่น โทร. ๐๒-๒๔๑-๙๐๐๐ ต่อ ๑๖๐๗ - ๑๖๐๙" in text
    )
    assert "ที่ มท ๐๘๐๘.๔/๐๐๐๑ วันที่ ๒๕ มีนาคม ๒๕๖๘" in text
    assert "ขอแสดงความนับถือ" not in text  # a memo has no closing formula


def test_register_cancel_start_and_export(dla: Path) -> None:
    data = str(write_data(dla))
    run_cli("new", "letter", "--data", data, "--date", "2025-03-25", "--issue", workspace=dla)
    assert (
        run_cli("register", "cancel", "มท 0808.4/1", "--reason", "ออกเลขซ้ำซ้อน", workspace=dla).code
        == 0
    )
    run_cli("new", "letter", "--data", data, "--date", "2025-03-26", "--issue", workspace=dla)
    assert [r[2:] for r in rows(dla)] == [
        (1, "มท 0808.4/0001", "cancelled"),
        (2, "มท 0808.4/0002", "issued"),
    ]
    again = run_cli("register", "cancel", "มท 0808.4/1", "--reason", "x", workspace=dla)
    assert again.code == 1 and "already cancelled" in again.err
    assert run_cli("register", "start", "--year", "2568", "--next", "2", workspace=dla).code == 1
    assert run_cli("register", "start", "--year", "2568", "--next", "50", workspace=dla).code == 0
    run_cli("new", "letter", "--data", data, "--date", "2025-03-27", "--issue", workspace=dla)
    assert rows(dla)[-1][2] == 50
    csv_out = run_cli("register", "export", "--year", "2568", "--format", "csv", workspace=dla).out
    lines = csv_out.lstrip("\ufeff").splitlines()
    assert lines[0] == "เลขทะเบียนส่ง,ที่,ลงวันที่,จาก,ถึง,เรื่อง,การปฏิบัติ,หมายเหตุ,ชุด"
    assert lines[1].startswith("๑,มท ๐๘๐๘.๔/๐๐๐๑,๒๕ มีนาคม ๒๕๖๘,กรมส่งเสริมการปกครองท้องถิ่น,")
    assert lines[1].endswith("ยกเลิก: ออกเลขซ้ำซ้อน,normal")
    xlsx = dla / "register.xlsx"
    assert (
        run_cli("register", "export", "--format", "xlsx", "--output", str(xlsx), workspace=dla).code
        == 0
    )
    import openpyxl

    sheet = openpyxl.load_workbook(xlsx).active
    assert [c.value for c in sheet[1]][:3] == ["เลขทะเบียนส่ง", "ที่", "ลงวันที่"]
    assert sheet.max_row == 4


BAD = [
    # (data text, expected message parts)
    ("to: [unclosed\n", ["data.yaml:2", "malformed YAML", "flow sequence that starts on line 1"]),
    (LETTER + "colour: red\n", ["data.yaml:9", "colour", "unknown key"]),
    (LETTER.replace("subject: ขอความอนุเคราะห์ข้อมูล\n", ""), ["data.yaml", "subject", "missing"]),
    (LETTER + "date: 2023-02-29\n", ["data.yaml:9", "date", "invalid date"]),
    (
        LETTER.replace("signer: chief", "signer: deputy"),
        ["data.yaml:8", "signer", "unknown signer 'deputy'", "chief"],
    ),
]


@pytest.mark.parametrize(("text", "words"), BAD)
def test_bad_input_is_one_clear_error_and_writes_nothing(
    dla: Path, text: str, words: list[str]
) -> None:
    data = write_data(dla, text)
    before = files_under(dla)
    result = run_cli("new", "letter", "--data", str(data), "--issue", workspace=dla)
    assert result.code == 1
    assert result.out == ""
    assert len(result.err.strip().splitlines()) == 1
    for word in words:
        assert word in result.err
    assert files_under(dla) == before
    assert rows(dla) == [] and case_count(dla) == 0


def test_other_bad_input(dla: Path) -> None:
    data = str(write_data(dla))
    for args, word in [
        (["new", "nosuch", "--data", data], "unknown workflow 'nosuch'"),
        (["new", "letter", "--data", data, "--date", "31/02/2568"], "--date"),
        (["new", "letter", "--data", str(dla / "missing.yaml")], "file not found"),
        (["show", "99"], "no case 99"),
    ]:
        result = run_cli(*args, workspace=dla)
        assert result.code == 1, args
        assert word in result.err
    assert not (dla / "letters").exists() or rows(dla) == []


def test_bad_office_yaml_names_line_and_key(dla: Path) -> None:
    office = dla / "office.yaml"
    office.write_text(office.read_text(encoding="utf-8") + "colour: red\n", encoding="utf-8")
    result = run_cli("new", "letter", "--data", str(write_data(dla)), "--issue", workspace=dla)
    assert result.code == 1
    assert "office.yaml:13: colour: unknown key" in result.err
    check = run_cli("check", workspace=dla)
    assert check.code == 1 and "office.yaml:13" in check.err


def test_usage_errors_exit_2(dla: Path) -> None:
    assert run_cli("new", workspace=dla).code == 2
    assert run_cli("frobnicate", workspace=dla).code == 2


def test_existing_output_file_rolls_everything_back(dla: Path) -> None:
    """The register, the case and the file change together or not at all."""
    blocker = dla / "letters" / "2568" / "normal-0001.docx"
    blocker.parent.mkdir(parents=True)
    blocker.write_bytes(b"a clerk's own file")
    result = issue(dla)
    assert result.code == 1 and "already exists" in result.err
    assert blocker.read_bytes() == b"a clerk's own file"
    assert rows(dla) == [] and case_count(dla) == 0


def test_workspace_template_with_unknown_variable(dla: Path) -> None:
    import shutil
    import zipfile

    from engine.workspace import BUILTIN_TEMPLATES

    (dla / "templates").mkdir()
    src = BUILTIN_TEMPLATES / "external-letter.docx"
    with (
        zipfile.ZipFile(src) as zin,
        zipfile.ZipFile(dla / "templates" / "external-letter.docx", "w") as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ subject }}", b"{{ subjekt }}")
            zout.writestr(item, data)
    check = run_cli("check", workspace=dla)
    assert check.code == 1 and "undeclared variable(s): subjekt" in check.err
    result = issue(dla)
    assert result.code == 1
    assert "subjekt" in result.err and "external-letter.docx" in result.err
    assert rows(dla) == [] and not list((dla / "letters").rglob("*.docx"))
    shutil.rmtree(dla / "templates")


def test_check_passes_on_examples(dla: Path) -> None:
    result = run_cli("check", workspace=dla)
    assert result.code == 0, result.err
    assert "template external-letter" in result.out


def test_init_creates_a_workspace(tmp_path: Path) -> None:
    ws = tmp_path / "office"
    assert run_cli("init", str(ws)).code == 0
    assert (ws / "office.yaml").is_file() and (ws / "letters").is_dir()
    assert run_cli("check", workspace=ws).code == 0
    before = (ws / "office.yaml").read_bytes()
    assert run_cli("init", str(ws)).code == 0
    assert (ws / "office.yaml").read_bytes() == before


def test_init_writes_the_sample_letter_of_the_walkthrough(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """README: `saraban init myoffice; cd myoffice; saraban new letter --data letter.yaml
    --issue`, verbatim; init never overwrites an edited letter.yaml."""
    monkeypatch.chdir(tmp_path)
    made = run_cli("init", "myoffice")
    assert made.code == 0 and "created myoffice/letter.yaml" in made.out
    monkeypatch.chdir(tmp_path / "myoffice")
    monkeypatch.delenv("SARABAN_WORKSPACE", raising=False)
    result = run_cli("new", "letter", "--data", "letter.yaml", "--issue")
    assert result.code == 0, result.err
    assert result.out.splitlines()[:2] == ["case 1: letter — issued", "ที่ นม 80217/1"]
    assert (tmp_path / "myoffice" / result.out.splitlines()[2]).is_file()
    office = (tmp_path / "myoffice" / "office.yaml").read_text(encoding="utf-8")
    assert "องค์การบริหารส่วนตำบล" in office  # a local government office (อปท.)
    for key in OFFICE_KEYS:  # every key, set or shown in a comment
        assert re.search(rf"^(# )?{key}:", office, re.M), key
    (tmp_path / "myoffice" / "letter.yaml").write_text("to: x\n", encoding="utf-8")
    again = run_cli("init", str(tmp_path / "myoffice"))
    assert again.code == 0 and "letter.yaml" not in again.out
    assert (tmp_path / "myoffice" / "letter.yaml").read_text(encoding="utf-8") == "to: x\n"


def test_real_process_exit_codes(dla: Path) -> None:
    ok = run_process(
        "new",
        "letter",
        "--data",
        str(write_data(dla)),
        "--date",
        "2025-03-25",
        "--issue",
        workspace=dla,
    )
    assert ok.code == 0 and "ที่ มท 0808.4/0001" in ok.out
    bad = run_process(
        "new", "letter", "--data", str(write_data(dla, "to: [", "bad.yaml")), workspace=dla
    )
    assert bad.code == 1 and "bad.yaml:1" in bad.err and "Traceback" not in bad.err


WORKER = """
import sys, time
from pathlib import Path
from engine import api
from engine.workspace import Workspace
ws, data, go = Workspace(sys.argv[1]), sys.argv[2], Path(sys.argv[3])
api.get_workflow(ws, "letter"); ws.office  # warm up before the start line
while not go.exists():
    time.sleep(0.005)
for _ in range(50):
    api.new(ws, "letter", data_file=data, date="2025-03-25", issue=True)
"""


def test_eight_processes_issuing_fifty_letters_each_get_400_distinct_numbers(dla: Path) -> None:
    data = str(write_data(dla))
    go = dla / "go"
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, str(dla), data, str(go)],
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(8)
    ]
    go.touch()
    for p in procs:
        _, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
    numbers = [r[2] for r in rows(dla)]
    assert sorted(numbers) == list(range(1, 401))
    files = sorted((dla / "letters" / "2568").glob("normal-*.docx"))
    assert len(files) == 400
    assert "ที่ มท ๐๘๐๘.๔/๐๔๐๐" in all_text(files[-1])
    assert case_count(dla) == 400


def test_letters_get_the_mode_of_a_normal_file(dla: Path) -> None:
    """Atomic writes use a temporary file; the letter must not stay owner-only (0600)."""
    import os

    result = issue(dla)
    assert result.code == 0, result.err
    umask = os.umask(0)
    os.umask(umask)
    path = dla / result.out.strip().splitlines()[-1]
    assert path.stat().st_mode & 0o777 == 0o666 & ~umask
