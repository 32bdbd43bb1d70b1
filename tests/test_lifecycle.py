"""The lifecycle a workflow declares: states that freeze letters, events that cancel numbers."""

from __future__ import annotations

import csv
import io
import json
import sqlite3
from pathlib import Path

from conftest import EXAMPLES, ROOT, ok, run_cli

APPOINT = str(EXAMPLES / "appoint-admin.yaml")
CHANGE = str(EXAMPLES / "change-user.yaml")


def entries(ws: Path) -> list[tuple]:
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        return conn.execute(
            "SELECT case_id, series, number, status, cancel_reason, cancelled_at IS NOT NULL "
            "FROM entries ORDER BY id"
        ).fetchall()


def snapshot(ws: Path) -> dict[str, bytes]:
    return {str(p.relative_to(ws)): p.read_bytes() for p in (ws / "letters").glob("2568/*.docx")}


def rename_signer(ws: Path) -> None:
    office = ws / "office.yaml"
    text = office.read_text(encoding="utf-8")
    assert "นายประเสริฐ มั่นคงดี" in text
    office.write_text(text.replace("นายประเสริฐ มั่นคงดี", "นายประเสริฐ มั่นคงยิ่ง"), encoding="utf-8")


def test_change_user_done_freezes_its_letters(tambon: Path) -> None:
    """change-user declares `done: {freezes: true}`: a confirmed case's order and memo are not
    rewritten when their signer changes; a case still `issued` is."""
    for _ in range(2):
        ok("new", "change-user", "--data", CHANGE, "--date", "2025-03-25", "--issue", ws=tambon)
    ok("advance", "1", "confirm", "--set", "done_on=2025-04-05", ws=tambon)
    before = snapshot(tambon)
    case1 = ["letters/2568/order-0001.docx", "letters/2568/normal-0001.docx"]
    case2 = ["letters/2568/order-0002.docx", "letters/2568/normal-0002.docx"]
    assert set(before) == {*case1, *case2}

    rename_signer(tambon)
    report = json.loads(ok("regenerate", "--json", ws=tambon))
    frozen = {(r["case"], r["document"]) for r in report["needs_correction_letter"]}
    assert frozen == {(1, "order"), (1, "memo")}
    assert {(r["case"], r["document"]) for r in report["regenerated"]} == {
        (2, "order"),
        (2, "memo"),
    }
    after = snapshot(tambon)
    assert all(after[f] == before[f] for f in case1)  # frozen: the bytes as they were
    assert all(after[f] != before[f] for f in case2)  # rewritten with the new signer
    # --all forces every letter, but never a frozen one
    forced = json.loads(ok("regenerate", "--all", "--json", ws=tambon))
    assert {(r["case"], r["document"]) for r in forced["needs_correction_letter"]} == frozen
    assert snapshot(tambon) == after


def test_cancelling_a_case_cancels_its_numbers_with_the_reason(tambon: Path) -> None:
    ok("new", "appoint-admin", "--data", APPOINT, "--date", "2025-03-25", "--issue", ws=tambon)
    files = snapshot(tambon)
    reason = "ธนาคารแจ้งให้ใช้แบบฟอร์มฉบับใหม่"
    out = ok("advance", "1", "cancel", "--set", f"cancel_reason={reason}", ws=tambon)
    assert "cancelled" in out.splitlines()[0]
    rows = entries(tambon)
    assert rows == [
        ("1", "order", 1, "cancelled", reason, 1),
        ("1", "normal", 1, "cancelled", reason, 1),
    ]
    # the case history says which numbers, and why
    info = json.loads(ok("show", "1", "--json", ws=tambon))
    assert info["state"] == "cancelled"
    assert info["history"][-1]["note"] == (
        f"numbers cancelled in the register: ที่ 1/2568, ที่ นม 80217/1 ({reason})"
    )
    assert info["data"]["cancel_reason"] == reason
    # register list and the export show them cancelled
    listed = ok("register", "list", ws=tambon).splitlines()
    assert len(listed) == 2 and all(line.endswith(f"[ยกเลิก: {reason}]") for line in listed)
    listed_json = json.loads(ok("register", "list", "--json", ws=tambon))
    assert {(r["status"], r["cancel_reason"]) for r in listed_json} == {("cancelled", reason)}
    exported = ok("register", "export", "--format", "csv", ws=tambon).lstrip("\ufeff")
    notes = [row[7] for row in csv.reader(io.StringIO(exported))][1:]  # หมายเหตุ
    assert notes == [f"ยกเลิก: {reason}"] * 2
    # the numbers are never given again
    ok("new", "appoint-admin", "--data", APPOINT, "--date", "2025-03-26", "--issue", ws=tambon)
    assert [(r[0], r[1], r[2], r[3]) for r in entries(tambon)[2:]] == [
        ("2", "order", 2, "issued"),
        ("2", "normal", 2, "issued"),
    ]
    # regenerate leaves the cancelled case's letters alone, even when forced
    rename_signer(tambon)
    report = json.loads(ok("regenerate", "--all", "--json", ws=tambon))
    assert {r["case"] for r in report["regenerated"]} == {2}
    assert {(r["case"], r["why"]) for r in report["skipped"]} == {(1, "its number is cancelled")}
    after = snapshot(tambon)
    assert all(after[f] == data for f, data in files.items())


def test_cancel_without_a_reason_and_a_number_cancelled_by_hand(tambon: Path) -> None:
    """The default reason is the event's label and the case; a number already cancelled by
    hand keeps its own reason (no error); a case with no number cancels nothing."""
    ok("new", "appoint-admin", "--data", APPOINT, "--date", "2025-03-25", "--issue", ws=tambon)
    ok("register", "cancel", "1/2568", "--series", "order", "--reason", "ออกเลขซ้ำ", ws=tambon)
    ok("advance", "1", "cancel", ws=tambon)
    assert [(r[1], r[3], r[4]) for r in entries(tambon)] == [
        ("order", "cancelled", "ออกเลขซ้ำ"),
        ("normal", "cancelled", "ยกเลิก (case 1)"),
    ]
    ok("new", "appoint-admin", "--data", APPOINT, "--date", "2025-03-25", ws=tambon)  # a draft
    ok("advance", "2", "cancel", ws=tambon)
    info = json.loads(ok("show", "2", "--json", ws=tambon))
    assert info["state"] == "cancelled" and not info["history"][-1]["note"]
    assert len(entries(tambon)) == 2


OLD_LETTER = """\
name: plain
title: หนังสือ
inputs: letter
states:
  draft: {label: ร่าง, initial: true}
  issued: {label: ออกเลขแล้ว}
  sent: {label: ส่งแล้ว, final: true}
  cancelled: {label: ยกเลิก, final: true}
events:
  issue: {from: draft, to: issued, actions: [{issue: letter}]}
  send: {from: issued, to: sent}
  cancel: {from: [draft, issued], to: cancelled}
documents:
  letter: {kind: external}
"""


def _letter(ws: Path, workflow: str) -> None:
    data = ws / "letter.yaml"
    data.write_text(
        "to: นายอำเภอปักธงชัย\nsubject: ทดสอบ\nbody: ข้อความ\nsigner: nayok\n", encoding="utf-8"
    )
    ok("new", workflow, "--data", str(data), "--date", "2025-03-25", "--issue", ws=ws)


def test_a_workflow_without_declarations_behaves_as_before(tambon: Path) -> None:
    """No `freezes` and no `cancels`: the state `sent` freezes, the event `cancel` cancels."""
    (tambon / "workflows").mkdir()
    (tambon / "workflows" / "plain.yaml").write_text(OLD_LETTER, encoding="utf-8")
    for _ in range(3):
        _letter(tambon, "plain")
    ok("advance", "1", "send", ws=tambon)
    ok("advance", "3", "cancel", "--set", "cancel_reason=ผิดเรื่อง", ws=tambon)
    assert [r[3:5] for r in entries(tambon)] == [
        ("issued", None), ("issued", None), ("cancelled", "ผิดเรื่อง"),
    ]  # fmt: skip
    rename_signer(tambon)
    report = json.loads(ok("regenerate", "--json", ws=tambon))
    assert [r["case"] for r in report["needs_correction_letter"]] == [1]
    assert [r["case"] for r in report["regenerated"]] == [2]
    assert [r["case"] for r in report["skipped"]] == [3]


def test_declarations_replace_the_defaults(tambon: Path) -> None:
    """Declaring `freezes` on another state unfreezes `sent`; `cancels: false` keeps numbers."""
    declared = (
        OLD_LETTER.replace("issued: {label: ออกเลขแล้ว}", "issued: {label: ออกเลขแล้ว, freezes: true}")
        .replace("sent: {label: ส่งแล้ว, final: true}", "sent: {label: ส่งแล้ว, final: true, freezes: false}")
        .replace("to: cancelled}", "to: cancelled, cancels: false}")
    )  # fmt: skip
    (tambon / "workflows").mkdir()
    (tambon / "workflows" / "plain.yaml").write_text(declared, encoding="utf-8")
    info = json.loads(ok("workflow", "show", "plain", "--json", ws=tambon))
    assert [s["name"] for s in info["states"] if s["freezes"]] == ["issued"]
    assert [e["name"] for e in info["events"] if e["cancels"]] == []
    _letter(tambon, "plain")
    r = run_cli("advance", "1", "cancel", "--set", "cancel_reason=x", workspace=tambon)
    assert r.code == 1 and "unknown event input 'cancel_reason'" in r.err  # not a cancelling one
    ok("advance", "1", "cancel", ws=tambon)
    assert [r[3] for r in entries(tambon)] == ["issued"]


def test_lifecycle_mistakes_are_reported_by_file_and_line(tambon: Path) -> None:
    (tambon / "workflows").mkdir()
    path = tambon / "workflows" / "plain.yaml"
    path.write_text(OLD_LETTER.replace("final: true}", "final: true, freeze: true}", 1), "utf-8")
    r = run_cli("check", workspace=tambon)
    assert r.code == 1
    assert (
        "plain.yaml:7: states.sent.freeze: unknown key 'freeze'; did you mean 'freezes'?" in r.err
    )
    clash = OLD_LETTER.replace("inputs: letter", "inputs:\n  cancel_reason: {type: text}")
    path.write_text(clash.replace("{kind: external}", "{kind: external, signer: nayok}"), "utf-8")
    r = run_cli("check", workspace=tambon)
    assert r.code == 1
    assert "plain.yaml:4: inputs.cancel_reason: 'cancel_reason' is the reason a cancelling" in r.err


def test_built_in_workflows_declare_their_lifecycle() -> None:
    from engine.workflow import load_workflow

    for path in sorted((ROOT / "workflows").glob("*.yaml")):
        text = path.read_text(encoding="utf-8")
        assert "freezes: true" in text and "cancels: true" in text, path.name
        wf = load_workflow(path)
        assert wf.events["cancel"].cancels and "cancel_reason" in wf.events["cancel"].inputs
        assert wf.frozen_states == ({"done"} if wf.name == "change-user" else {"sent"})
