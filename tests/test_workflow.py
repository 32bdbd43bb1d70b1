"""Workflows end to end through the CLI: the three mission workflows, cases, guards, bad input,
the JSON Schema, the diagram and `saraban due`."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, case_count, files_under, ok, run_cli, run_process
from docxtext import all_text, body_paragraphs, visible_paragraphs
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from engine.workflow import load_workflow

APPOINT = str(EXAMPLES / "appoint-admin.yaml")
CHANGE = str(EXAMPLES / "change-user.yaml")
ELAAS = str(EXAMPLES / "request-elaas-password.yaml")


def new_json(ws: Path, *args: str) -> dict:
    return json.loads(ok("new", *args, "--json", ws=ws))


def register_rows(ws: Path) -> list[dict]:
    db = ws / "letters" / "register.db"
    if not db.exists():
        return []
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(r) for r in conn.execute("SELECT * FROM entries ORDER BY id")]


# --- the workflow files ------------------------------------------------------------------------
@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("*.yaml")), ids=lambda p: p.stem)
def test_builtin_workflows_are_valid(path: Path):
    wf = load_workflow(path)
    assert wf.name == path.stem
    assert wf.machine_class()  # python-statemachine accepts the machine


def test_check_validates_workflows_against_the_schema(tambon: Path):
    r = run_cli("check", workspace=tambon)
    assert r.code == 0, r.err
    for name in ("appoint-admin", "change-user", "request-elaas-password", "letter", "circular"):
        assert f"ok  workflow {name}" in r.out
    (tambon / "workflows").mkdir()
    text = (ROOT / "workflows" / "appoint-admin.yaml").read_text(encoding="utf-8")
    lines = text.splitlines()
    typo_line = next(i for i, line in enumerate(lines) if line.strip() == "to: issued") + 1
    lines[typo_line - 1] = lines[typo_line - 1].replace("to: issued", "too: issued")
    (tambon / "workflows" / "appoint-admin.yaml").write_text("\n".join(lines), encoding="utf-8")
    r = run_cli("check", workspace=tambon)
    assert r.code == 1
    assert f"appoint-admin.yaml:{typo_line}: events.issue.too: unknown key 'too'" in r.err
    assert "did you mean 'to'" in r.err
    # and using it is the same clear error, exit 1, nothing written
    r = run_cli("new", "appoint-admin", "--data", APPOINT, "--issue", workspace=tambon)
    assert r.code == 1 and f"appoint-admin.yaml:{typo_line}" in r.err
    assert not (tambon / "letters").exists()


def test_bare_on_key_stays_a_key(tmp_path: Path):
    """`on:` read by plain yaml.safe_load is True; saraban's loader keeps it a string, so the
    schema reports it as an unknown key instead of a baffling type error."""
    path = tmp_path / "x.yaml"
    path.write_text("name: x\ntitle: X\ndocuments: {letter: {kind: external}}\non: issue\n")
    from engine.errors import UserError

    with pytest.raises(UserError, match="x.yaml:4: on: unknown key 'on'"):
        load_workflow(path)


def test_schema_is_published_and_valid():
    import jsonschema

    schema = json.loads((ROOT / "schema" / "workflow.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)


def test_diagram_is_mermaid(tambon: Path):
    out = ok("workflow", "show", "appoint-admin", "--diagram", ws=tambon)
    assert out.startswith("stateDiagram-v2")
    assert "[*] --> s_draft" in out
    assert "s_issued --> s_sent : send" in out
    assert "s_confirmed --> [*]" in out
    out = ok("workflow", "show", "request-elaas-password", ws=tambon)
    assert "credentials_received" in out and "citizen_id" in out


# --- appoint-admin -----------------------------------------------------------------------------
def test_appoint_admin_end_to_end(tambon: Path):
    r = run_cli(
        "new",
        "appoint-admin",
        "--data",
        APPOINT,
        "--date",
        "2025-03-25",
        "--issue",
        workspace=tambon,
    )
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "case 1: appoint-admin — issued",
        "ที่ 1/2568",
        "letters/2568/order-0001.docx",
        "ที่ นม 80217/1",
        "letters/2568/normal-0001.docx",
    ]
    order = visible_paragraphs(tambon / "letters/2568/order-0001.docx")
    assert "คำสั่งองค์การบริหารส่วนตำบลทุ่งสว่างใหม่" in order
    assert "ที่ ๑/๒๕๖๘" in order
    assert "เรื่อง แต่งตั้งผู้ดูแลระบบ (Company Administrator) ระบบ KTB Corporate Online" in order
    assert "ทั้งนี้ ตั้งแต่บัดนี้เป็นต้นไป" in order
    assert "สั่ง ณ วันที่ ๒๕ มีนาคม พ.ศ. ๒๕๖๘" in order
    assert order[-2:] == ["(นายประเสริฐ มั่นคงดี)", "นายกองค์การบริหารส่วนตำบลทุ่งสว่างใหม่"]
    text = all_text(tambon / "letters/2568/order-0001.docx")
    assert "แต่งตั้งนายธนากร วงศ์สวัสดิ์" in text and "GMIS123456" in text
    assert "๓-๑๐๐๕" not in text and "3100500678913" not in text  # no citizen ID in the order
    assert "๐๘๑" not in text  # no phone in the order

    letter = visible_paragraphs(tambon / "letters/2568/normal-0001.docx")
    assert "ที่ นม ๘๐๒๑๗/๑" in letter
    assert "๒๕ มีนาคม ๒๕๖๘" in letter
    assert "เรียน ผู้จัดการธนาคารกรุงไทย จำกัด (มหาชน) สาขาปักธงชัย" in letter
    assert "เรื่อง ขอเปลี่ยนแปลงผู้ดูแลระบบ (Company Administrator) ระบบ KTB Corporate Online" in letter
    assert "อ้างถึง หนังสืออำเภอปักธงชัย ที่ นม ๐๐๒๓.๒๖/ว ๕๙๘ ลงวันที่ ๒๘ เมษายน ๒๕๖๖" in letter
    first = next(i for i, p in enumerate(letter) if p.startswith("สิ่งที่ส่งมาด้วย"))
    # each title, then its quantity on a line of its own
    assert letter[first : first + 8] == [
        "สิ่งที่ส่งมาด้วย ๑. สำเนาคำสั่งองค์การบริหารส่วนตำบลทุ่งสว่างใหม่ ที่ ๑/๒๕๖๘ ลงวันที่ ๒๕ มีนาคม ๒๕๖๘",
        "จำนวน ๑ ฉบับ",
        "๒. สำเนาบัตรประจำตัวประชาชนของนางสาวสุดารัตน์ ใจงาม",
        "จำนวน ๑ ฉบับ",
        "๓. สำเนาบัตรประจำตัวประชาชนของนายธนากร วงศ์สวัสดิ์",
        "จำนวน ๑ ฉบับ",
        "๔. แบบฟอร์มขอเปลี่ยนแปลงข้อมูลผู้ดูแลระบบ (Company Administrator) ของธนาคาร",
        "จำนวน ๑ ชุด",
    ]
    text = all_text(tambon / "letters/2568/normal-0001.docx")
    # the bank letter names both persons, with ID numbers, mobile and e-mail (Thai digits,
    # e-mail and Company ID as typed)
    assert "จากนางสาวสุดารัตน์ ใจงาม เลขประจำตัวประชาชน ๑-๓๐๙๙-๐๐๑๒๓-๔๕-๕" in text
    assert "เป็นนายธนากร วงศ์สวัสดิ์ เลขประจำตัวประชาชน ๓-๑๐๐๕-๐๐๖๗๘-๙๑-๓" in text
    assert "หมายเลขโทรศัพท์เคลื่อนที่ ๐๘๑-๒๓๔-๕๖๗๘ อีเมล thanakorn.w@thungsawangmai.go.th" in text
    assert "รหัสบริษัท (Company ID) GMIS123456" in text
    assert "ขอแสดงความนับถือ" in letter
    assert "(นายประเสริฐ มั่นคงดี)" in letter
    assert not re.search(r"[0-9]", text.replace("GMIS123456", ""))  # Thai digits elsewhere
    body = body_paragraphs(tambon / "letters/2568/normal-0001.docx")
    assert sum(1 for p in body if p.startswith("ในการนี้")) == 1  # paragraphs stay apart

    rows = register_rows(tambon)
    assert [(r["series"], r["number"], r["number_text"]) for r in rows] == [
        ("order", 1, "1/2568"),
        ("normal", 1, "นม 80217/1"),
    ]
    assert rows[1]["recipient"] == "ผู้จัดการธนาคารกรุงไทย จำกัด (มหาชน) สาขาปักธงชัย"
    for row in rows:  # personal data never in the register columns
        flat = json.dumps(row, ensure_ascii=False)
        for secret in ("1309900123455", "3100500678913", "0812345678", "thanakorn.w@"):
            assert secret not in flat
        assert row["case_id"] == "1"

    ok("advance", "1", "send", "--set", "sent_on=2025-03-26", "--by", "clerk1", ws=tambon)
    r = run_cli("advance", "1", "send", workspace=tambon)
    assert r.code == 1
    assert "event not allowed 'send' in state 'sent'" in r.err
    assert "allowed events: confirm, cancel" in r.err
    r = run_cli("advance", "1", "approve", workspace=tambon)
    assert r.code == 1 and "unknown event 'approve'" in r.err and "confirm, cancel" in r.err
    out = json.loads(ok("advance", "1", "confirm", "--date", "2025-04-02", "--json", ws=tambon))
    assert (out["from"], out["state"], out["event"]) == ("sent", "confirmed", "confirm")

    info = json.loads(ok("show", "1", "--json", ws=tambon))
    assert info["state"] == "confirmed" and info["allowed_events"] == []
    hist = [(h["event"], h["from"], h["to"]) for h in info["history"]]
    assert hist == [
        ("new", None, "draft"),
        ("issue", "draft", "issued"),
        ("send", "issued", "sent"),
        ("confirm", "sent", "confirmed"),
    ]
    assert info["history"][2]["by"] == "clerk1"
    assert info["history"][1]["files"] == [
        "letters/2568/order-0001.docx",
        "letters/2568/normal-0001.docx",
    ]
    assert info["history"][2]["data"]["sent_on"] == "2025-03-26"
    assert "sent_on" not in info["history"][1]["data"]  # the data as it was then
    assert info["data"]["confirmed_on"] == "2025-04-02"
    assert info["data"]["attachments"]["letter"] == [
        "letters/2568/order-0001.docx",
        "files/id-card-outgoing.pdf",
        "files/id-card-incoming.pdf",
        "files/ktb-admin-change-form.pdf",
    ]
    assert info["data"]["documents"]["order"]["number"] == "1/2568"
    assert [c["state"] for c in json.loads(ok("cases", "--json", ws=tambon))] == ["confirmed"]
    assert json.loads(ok("cases", "--state", "draft", "--json", ws=tambon)) == []


def test_appoint_admin_json_and_sets_for_every_input(tambon: Path):
    out = new_json(tambon, "appoint-admin", "--data", APPOINT, "--date", "2025-03-25", "--issue")
    assert out["number"] == "1/2568"
    assert [d["name"] for d in out["documents"]] == ["order", "letter"]
    assert [d["number"] for d in out["documents"]] == ["1/2568", "นม 80217/1"]
    assert out["files"] == [d["path"] for d in out["documents"]]
    assert out["date"] == "2025-03-25"

    from engine.yamlio import load_yaml

    data = load_yaml(APPOINT).data
    sets = []
    for key, value in data.items():
        if isinstance(value, dict):
            value = f"{value['title']}{value['name']}"
        sets += ["--set", f"{key}={value}"]
    second = new_json(tambon, "appoint-admin", *sets, "--date", "2025-03-25", "--issue")
    assert [d["number"] for d in second["documents"]] == ["2/2568", "นม 80217/2"]
    for a, b in zip(out["documents"], second["documents"], strict=True):
        first_text = all_text(tambon / a["path"]).replace("๑/๒๕๖๘", "N").replace("๘๐๒๑๗/๑", "M")
        second_text = all_text(tambon / b["path"]).replace("๒/๒๕๖๘", "N").replace("๘๐๒๑๗/๒", "M")
        assert first_text == second_text


def test_appoint_admin_update_contact_only(tambon: Path):
    out = new_json(
        tambon,
        "appoint-admin",
        "--data",
        APPOINT,
        "--set",
        "change=update",
        "--set",
        "outgoing=",
        "--set",
        "outgoing_position=",
        "--set",
        "outgoing_citizen_id=",
        "--set",
        "outgoing_id_card=",
        "--issue",
    )
    assert [d["name"] for d in out["documents"]] == ["letter"]  # no order when only updating
    text = all_text(tambon / out["files"][0])
    assert "ขอปรับปรุงข้อมูลผู้ดูแลระบบ" in text
    assert "สำเนาคำสั่ง" not in text and "สุดารัตน์" not in text


def test_draft_then_issue_with_advance(tambon: Path):
    out = ok("new", "appoint-admin", "--data", APPOINT, ws=tambon)
    assert out.splitlines()[0] == "case 1: appoint-admin — draft"
    drafts = sorted(files_under(tambon / "letters" / "drafts"))
    assert drafts == ["case-00001-letter.docx", "case-00001-order.docx"]
    draft = visible_paragraphs(tambon / "letters/drafts/case-00001-order.docx")
    assert any(re.fullmatch("ที่ /[๐-๙]{4}", p) for p in draft)  # running number left blank
    assert register_rows(tambon) == []
    (tambon / "files" / "ktb-admin-change-form.pdf").unlink()
    r = run_cli("advance", "1", "issue", workspace=tambon)
    assert r.code == 1
    assert "condition failed: an enclosure file" in r.err
    assert "files_exist()" in r.err and "appoint-admin.yaml:" in r.err
    assert register_rows(tambon) == []
    shutil.copy(EXAMPLES / "tambon/files/ktb-admin-change-form.pdf", tambon / "files")
    out = json.loads(ok("advance", "1", "issue", "--date", "2025-05-01", "--json", ws=tambon))
    assert out["state"] == "issued" and out["number"] == "1/2568"
    assert len(register_rows(tambon)) == 2


# --- bad input: one clear message, exit 1, nothing written --------------------------------------
@pytest.mark.parametrize(
    ("sets", "expected"),
    [
        (["incoming_mobile=081-234-567"], "--set: incoming_mobile: หมายเลขโทรศัพท์เคลื่อนที่: not a"),
        (["incoming_email=thanakorn.at.example"], "--set: incoming_email: อีเมล: not an e-mail"),
        (["incoming_id_card=files/missing.pdf"], "--set: incoming_id_card: "),
        (["branch="], "--set: branch: missing required input (สาขาธนาคารกรุงไทย)"),
        (["compnay_id=GMIS000001"], "did you mean 'company_id'"),
        (["company_id=KTB123"], "does not have the expected form"),
        (["incoming=ธนากร วงศ์สวัสดิ์"], "needs a title first"),
        (["change=swap"], "change: กรณี: must be one of replace, update"),
    ],
)
def test_bad_input_writes_nothing(tambon: Path, sets: list[str], expected: str):
    before = files_under(tambon)
    args = ["new", "appoint-admin", "--data", APPOINT, "--issue"]
    for s in sets:
        args += ["--set", s]
    r = run_cli(*args, workspace=tambon)
    assert r.code == 1, r.out
    assert r.err.count("\n") == 1 and r.err.startswith("saraban: error: ")
    assert expected in r.err
    assert_nothing_written(tambon, before)


def assert_nothing_written(ws: Path, before: set[str]) -> None:
    db = {"letters/register.db", "letters/register.db-wal", "letters/register.db-shm"}
    assert files_under(ws) - before <= db
    assert register_rows(ws) == []
    assert case_count(ws) == 0


def test_wrong_checksum_names_file_line_and_field(tambon: Path):
    data = tambon / "appoint-admin.yaml"
    text = Path(APPOINT).read_text(encoding="utf-8").replace("45-5", "45-6")
    data.write_text(text, encoding="utf-8")
    line = next(i + 1 for i, t in enumerate(text.splitlines()) if t.startswith("outgoing_citizen"))
    before = files_under(tambon)
    r = run_cli("new", "appoint-admin", "--data", str(data), "--issue", workspace=tambon)
    assert r.code == 1
    assert f"appoint-admin.yaml:{line}: outgoing_citizen_id: " in r.err
    assert "fails its checksum" in r.err
    assert_nothing_written(tambon, before)


def test_bad_input_in_a_real_process(tambon: Path):
    r = run_process(
        "new", "appoint-admin", "--data", APPOINT, "--set", "incoming_email=x@", workspace=tambon
    )
    assert r.code == 1 and "incoming_email" in r.err
    assert case_count(tambon) == 0


def test_values_are_data_never_template_code(tambon: Path):
    nasty = '<b>&"x"</b> {{ 7*7 }} {% if 1 %}y{% endif %}'
    out = new_json(
        tambon, "appoint-admin", "--data", APPOINT, "--set", f"branch={nasty}", "--issue"
    )
    letter = visible_paragraphs(tambon / out["documents"][1]["path"])
    shown = nasty.replace("7*7", "๗*๗").replace("if 1", "if ๑")  # Thai digits, nothing evaluated
    assert f"เรียน ผู้จัดการธนาคารกรุงไทย จำกัด (มหาชน) สาขา{shown}" in letter
    text = all_text(tambon / out["documents"][1]["path"])
    assert "49" not in text and "๔๙" not in text and "&amp;" not in text


# --- change-user -------------------------------------------------------------------------------
def test_change_user_replace(tambon: Path):
    r = run_cli(
        "new", "change-user", "--data", CHANGE, "--date", "2025-04-02", "--issue", workspace=tambon
    )
    assert r.code == 0, r.err
    assert r.out.splitlines()[1:] == [
        "ที่ 1/2568",
        "letters/2568/order-0001.docx",
        "ที่ นม 80217/1",
        "letters/2568/normal-0001.docx",
    ]
    order = visible_paragraphs(tambon / "letters/2568/order-0001.docx")
    assert "เรื่อง แต่งตั้งผู้ใช้งานระบบ (Company User) ระบบ KTB Corporate Online" in order
    memo = visible_paragraphs(tambon / "letters/2568/normal-0001.docx")
    assert "บันทึกข้อความ" in memo
    assert "ที่ นม ๘๐๒๑๗/๑ วันที่ ๒ เมษายน ๒๕๖๘" in memo
    assert "เรียน นายธนากร วงศ์สวัสดิ์ ผู้ดูแลระบบ (Company Administrator)" in memo
    title = "สิ่งที่ส่งมาด้วย สำเนาคำสั่งองค์การบริหารส่วนตำบลทุ่งสว่างใหม่ ที่ ๑/๒๕๖๘ ลงวันที่ ๒ เมษายน ๒๕๖๘"
    assert memo[memo.index(title) + 1] == "จำนวน ๑ ฉบับ"
    text = all_text(tambon / "letters/2568/normal-0001.docx")
    assert "จากนางอรุณี ทองดี เป็นนางสาวกมลชนก รุ่งเรืองศรี" in text
    assert "๐๖๒-๓๔๕-๖๗๘๙" in text
    assert "ขอแสดงความนับถือ" not in text  # a memo has no closing formula
    assert "(นายประเสริฐ มั่นคงดี)" in memo
    ok("advance", "1", "confirm", "--set", "done_on=2025-04-03", ws=tambon)
    info = json.loads(ok("show", "1", "--json", ws=tambon))
    assert info["state"] == "done" and info["data"]["done_on"] == "2025-04-03"


def test_change_user_otp_mobile_and_guard(tambon: Path):
    r = run_cli(
        "new", "change-user", "--data", CHANGE, "--set", "change=otp_mobile", "--set", "role=maker",
        "--issue", workspace=tambon,
    )  # fmt: skip
    assert r.code == 1
    assert "condition failed: only an Authorizer receives the OTP" in r.err
    assert case_count(tambon) == 0 and register_rows(tambon) == []
    out = new_json(tambon, "change-user", "--data", CHANGE, "--set", "change=otp_mobile", "--issue")
    assert [d["name"] for d in out["documents"]] == ["memo"]
    text = all_text(tambon / out["files"][0])
    assert "ขอให้ปรับปรุงหมายเลขโทรศัพท์เคลื่อนที่รับรหัส OTP" in text


# --- request-elaas-password and due --------------------------------------------------------------
def test_request_elaas_password_head(tambon: Path):
    r = run_cli(
        "new",
        "request-elaas-password",
        "--data",
        ELAAS,
        "--date",
        "2025-04-01",
        "--issue",
        workspace=tambon,
    )
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "case 1: request-elaas-password — issued",
        "letters/2568/case-00001-enclosure1.docx",
        "ที่ นม 80217/1",
        "letters/2568/normal-0001.docx",
    ]
    letter = visible_paragraphs(tambon / "letters/2568/normal-0001.docx")
    assert "เรียน อธิบดีกรมส่งเสริมการปกครองท้องถิ่น" in letter
    assert "อ้างถึง หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท ๐๘๐๘.๔/ว ๐๐๓๖ ลงวันที่ ๒๕ มีนาคม ๒๕๖๘" in letter
    assert any(p.startswith("สิ่งที่ส่งมาด้วย แบบการขอรหัสผู้ใช้งานและรหัสผ่าน") for p in letter)
    assert "๑ เมษายน ๒๕๖๘" in letter
    form = visible_paragraphs(tambon / "letters/2568/case-00001-enclosure1.docx")
    assert form[1].startswith("แบบการขอรหัสผู้ใช้งานและรหัสผ่าน") or any(
        p.startswith("แบบการขอรหัสผู้ใช้งานและรหัสผ่าน") for p in form
    )
    assert "เลขประจำตัวประชาชน ๑-๓๐๙๙-๐๐๑๒๓-๔๕-๕" in form
    assert "อีเมล sudarat.j@thungsawangmai.go.th" in form
    assert "(นางสาวสุดารัตน์ ใจงาม)" in form
    rows = register_rows(tambon)
    assert [r["number_text"] for r in rows] == ["นม 80217/1"]  # the form is not numbered
    assert "1309900123455" not in json.dumps(rows)

    ok("advance", "1", "send", "--set", "sent_on=2025-04-02", ws=tambon)
    ok(
        "advance",
        "1",
        "receive_credentials",
        "--set",
        "credentials_received_on=2025-04-20",
        ws=tambon,
    )
    due = json.loads(ok("due", "--today", "2025-09-25", "--json", ws=tambon))
    assert [(d["duty"], d["due"], d["days_left"]) for d in due] == [
        ("password_change", "2025-10-20", 25),
        ("user_review", "2025-10-20", 25),
    ]
    assert json.loads(ok("due", "--today", "2025-09-01", "--json", ws=tambon)) == []
    assert (
        len(json.loads(ok("due", "--today", "2025-09-01", "--days", "60", "--json", ws=tambon)))
        == 2
    )
    ok("advance", "1", "change_password", "--set", "password_changed_on=2025-10-15", ws=tambon)
    due = json.loads(ok("due", "--today", "2025-11-01", "--json", ws=tambon))
    assert [(d["duty"], d["overdue"]) for d in due] == [("user_review", True)]
    assert "overdue by 12 day(s)" in ok("due", "--today", "2025-11-01", ws=tambon)


def test_request_elaas_password_other_user(tambon: Path):
    out = new_json(
        tambon, "request-elaas-password", "--data", ELAAS,
        "--set", "requester=other", "--set", "head_of_finance=นางสาวสุดารัตน์ ใจงาม",
        "--set", "applicant=นายสมศักดิ์ ดีงาม", "--set", "applicant_citizen_id=3501100246801",
        "--set", "roles=[บันทึกรายการ, พิมพ์รายงาน]", "--issue",
    )  # fmt: skip
    assert [d["name"] for d in out["documents"]] == ["enclosure2"]
    assert out["number"] == "" and register_rows(tambon) == []
    form = visible_paragraphs(tambon / out["files"][0])
    assert "เรียน นางสาวสุดารัตน์ ใจงาม หัวหน้าหน่วยงานคลัง" in form
    assert "สิทธิการใช้งานที่ขอ บันทึกรายการ, พิมพ์รายงาน" in form
    r = run_cli(
        "new",
        "request-elaas-password",
        "--data",
        ELAAS,
        "--set",
        "requester=other",
        workspace=tambon,
    )
    assert r.code == 1 and "head_of_finance" in r.err and "missing required input" in r.err


# --- the generic letter workflow keeps its contract ------------------------------------------------
def test_generic_letter_case_advances(dla: Path):
    ok("register", "start", "--circular", "--year", "2568", "--next", "36", ws=dla)
    r = run_cli(
        "new",
        "letter",
        "--data",
        str(dla / "reference-003.yaml"),
        "--date",
        "2025-03-25",
        "--issue",
        workspace=dla,
    )
    assert r.code == 0, r.err
    assert r.out.splitlines() == [
        "case 1: letter — issued",
        "ที่ มท 0808.4/ว 0036",
        "letters/2568/circular-0036.docx",
    ]
    out = json.loads(ok("advance", "1", "send", "--set", "sent_on=2025-03-26", "--json", ws=dla))
    assert out["state"] == "sent"
    r = run_cli("advance", "1", "send", "--set", "sent_on=2025-03-26", workspace=dla)
    assert r.code == 1 and "none: the case is closed" in r.err


def test_circular_workflow_numbers_in_the_w_series(dla: Path):
    data = dla / "reference-003.yaml"
    text = data.read_text(encoding="utf-8").replace("circular: true\n", "")
    data.write_text(text, encoding="utf-8")
    out = new_json(dla, "circular", "--data", str(data), "--date", "2025-03-25", "--issue")
    assert out["number"] == "มท 0808.4/ว 0001"


# --- the machine: engine.workflow.Machine answers as python-statemachine does ------------------
class _Recorder:
    """The runtime a machine's actions call back (``runtime.perform(action)``): notes them."""

    def __init__(self) -> None:
        self.performed: list[object] = []

    def perform(self, action: object) -> None:
        self.performed.append(action)


def _fire_both(wf, state: str, event: str, ctx: dict) -> tuple[object, object]:
    """Fire ``event`` at ``state`` through the library's machine and through Machine: for each,
    (new state or "refused", failed guards, actions performed)."""
    from statemachine.exceptions import TransitionNotAllowed as LibraryRefusal

    from engine.workflow import Machine, TransitionNotAllowed, event_attr

    outcomes = []
    for library in (True, False):
        failures: list = []
        rec = _Recorder()
        try:
            if library:
                m = wf.machine_class()(start_value=state)
                m.send(event_attr(event), ctx=ctx, failures=failures, runtime=rec)
                (reached,) = tuple(m.configuration_values)
            else:
                reached = Machine(wf, state).send(event, ctx=ctx, failures=failures, runtime=rec)
        except (LibraryRefusal, TransitionNotAllowed):
            reached = "refused"
        outcomes.append((str(reached), failures, rec.performed))
    return outcomes[0], outcomes[1]


@pytest.mark.parametrize("path", sorted((ROOT / "workflows").glob("*.yaml")), ids=lambda p: p.stem)
def test_machine_agrees_with_python_statemachine_on_builtin_workflows(path: Path):
    from engine.workflow import Machine

    wf = load_workflow(path)
    names = {n for ev in wf.events.values() for g in ev.guards for n in _guard_names(g.check)}
    for state in (s.name for s in wf.states):
        lib = wf.machine_class()(start_value=state)
        assert Machine(wf, state).allowed_events == [e.name for e in lib.allowed_events]
        for event in wf.events:
            for truth in (True, False):
                ctx = {n: (lambda *a, _t=truth: _t) for n in names}
                mine, theirs = _fire_both(wf, state, event, ctx)
                assert mine == theirs, (state, event, truth)


def _guard_names(check: str) -> set[str]:
    from engine.expressions import names_used

    return set(names_used(check, expression=True))


@st.composite
def _workflows(draw):
    from engine.workflow import Action, EventSpec, Guard, StateSpec, Workflow

    n = draw(st.integers(2, 5))
    states = [StateSpec(f"s{i}", f"s{i}", initial=i == 0) for i in range(n)]
    finals = draw(st.sets(st.integers(1, n - 1), max_size=n - 1))
    states = [
        StateSpec(s.name, s.label, s.initial, final=i in finals) for i, s in enumerate(states)
    ]
    open_states = [s.name for s in states if not s.final]
    events = {}
    for i in range(1, n):  # every state reachable: an event into it from an earlier open state
        earlier = [s for s in open_states if int(s[1:]) < i]
        events[f"c{i}"] = EventSpec(f"c{i}", f"c{i}", (draw(st.sampled_from(earlier)),), f"s{i}")
    for k in range(draw(st.integers(1, 5))):
        sources = draw(st.lists(st.sampled_from(open_states), min_size=1, max_size=3, unique=True))
        guards = tuple(
            Guard(c, f"m-{c}")
            for c in draw(
                st.lists(st.sampled_from(["x0", "x1", "not x0", "x2 and x1"]), max_size=2)
            )
        )
        actions = tuple(Action("record", (f"a{k}{j}",)) for j in range(draw(st.integers(0, 2))))
        events[f"e{k}"] = EventSpec(
            f"e{k}", f"e{k}", tuple(sources), draw(st.sampled_from([s.name for s in states])),
            guards=guards, actions=actions,
        )  # fmt: skip
    return Workflow("gen", "gen", "", "letter", (), Path("gen.yaml"), tuple(states), events)


@settings(max_examples=60, deadline=None)
@given(wf=_workflows(), truth=st.tuples(st.booleans(), st.booleans(), st.booleans()))
def test_machine_agrees_with_python_statemachine_on_generated_workflows(wf, truth):
    from engine.workflow import Machine

    try:
        wf.machine_class()
    except Exception:  # the library refuses this machine (unreachable state …): so does loading
        assume(False)
    ctx = {f"x{i}": t for i, t in enumerate(truth)}
    for state in wf.states:
        lib = wf.machine_class()(start_value=state.name)
        assert Machine(wf, state.name).allowed_events == [e.name for e in lib.allowed_events]
        for event in wf.events:
            mine, theirs = _fire_both(wf, state.name, event, ctx)
            assert mine == theirs


def test_a_state_the_workflow_lacks_is_refused_as_before(tmp_path: Path):
    from statemachine.exceptions import InvalidStateValue

    from engine.workflow import Machine

    wf = load_workflow(ROOT / "workflows" / "letter.yaml")
    with pytest.raises(InvalidStateValue):
        Machine(wf, "archived")


def test_a_machine_the_library_refuses_is_refused_every_time(tmp_path: Path, monkeypatch):
    """The library's verdict is remembered only when it accepts: a refused machine is judged
    again on every load (and refused again)."""
    from engine.errors import UserError

    monkeypatch.setenv("SARABAN_CACHE", str(tmp_path / "cache"))
    text = (ROOT / "workflows" / "letter.yaml").read_text(encoding="utf-8")
    # a state no event leads to
    text = text.replace("  cancelled: {label: ยกเลิก, final: true}\n",
                        "  cancelled: {label: ยกเลิก, final: true}\n  lost: {label: หาย}\n")  # fmt: skip
    path = tmp_path / "letter.yaml"
    path.write_text(text, encoding="utf-8")
    for _ in range(2):
        with pytest.raises(UserError, match="not a valid state machine") as caught:
            load_workflow(path)
        assert str(caught.value.file) == str(path)
