"""The circular and regeneration pages (engine/web/bulk.py) at the HTTP level, with Starlette's
TestClient on a real workspace: who may use them, a recipients file's problems shown by row and
column, a circular issued in the background with its copies and combined PDF, a form posted
twice issuing once, and a regeneration listed (dry run), then run, one at a time."""

from __future__ import annotations

import io
import json
import re
import shutil
import subprocess
import time
import zipfile
from pathlib import Path

import pytest
import yaml
from openpyxl import Workbook

from engine.register import Register
from engine.thai import to_arabic_digits
from engine.web import app as webapp
from engine.web import jobs
from engine.workspace import Workspace
from tests.conftest import EXAMPLES, run_cli
from tests.test_web import client, office, signed_in, token

#: The letter of examples/circular.yaml, signed by the tambon office's chief executive.
EXAMPLE = yaml.safe_load((EXAMPLES / "circular.yaml").read_text(encoding="utf-8"))
LETTER = {
    **{key: EXAMPLE[key] for key in ("to", "subject", "body", "closing")},
    "signer": "nayok",
}
GOOD = (
    "ชื่อหน่วยงาน,ตำแหน่ง,อีเมล\n"
    "องค์การบริหารส่วนตำบลสระตะเคียน,นายกองค์การบริหารส่วนตำบล,a@sratakhian.go.th\n"
    "เทศบาลตำบลตะคุ,นายกเทศมนตรี,\n"
    "องค์การบริหารส่วนตำบลโคกไทย,นายกองค์การบริหารส่วนตำบล,\n"
)
#: Row 3: no position; row 4: the organisation of row 2 again; row 5: no e-mail address.
BAD = (
    "ชื่อหน่วยงาน,ตำแหน่ง,อีเมล\n"
    "องค์การบริหารส่วนตำบลสระตะเคียน,นายกองค์การบริหารส่วนตำบล,\n"
    "เทศบาลตำบลตะคุ,,\n"
    "องค์การบริหารส่วนตำบลสระตะเคียน,นายกองค์การบริหารส่วนตำบล,\n"
    "องค์การบริหารส่วนตำบลโคกไทย,นายกองค์การบริหารส่วนตำบล,not-an-address\n"
)


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return office(tmp_path)


def post_circular(c, content: bytes, name: str = "recipients.csv", **changes: str):
    page = c.get("/circular").text
    job = re.search(r'name="job" value="([^"]+)"', page)
    assert job, page
    data = {**LETTER, "csrf": token(c, "/circular"), "job": job[1], **changes}
    return c.post("/circular", data=data, files={"recipients": (name, content)})


def wait_for(c, job_url: str, timeout: float = 600) -> str:
    """The job's page once it has finished (polled as the page's htmx does)."""
    deadline = time.monotonic() + timeout
    while True:
        html = c.get(f"{job_url}/progress").text
        state = re.search(r'data-state="(\w+)"', html)
        assert state, html
        if state[1] != "running":
            return html
        assert time.monotonic() < deadline, html
        time.sleep(0.3)


def entries(root: Path) -> list:
    with Register(Workspace(root).register_path) as reg:
        return list(reg.entries())


# --- who may ----------------------------------------------------------------------------------------
def test_the_bulk_pages_are_for_clerks_and_admins_with_the_csrf_token(root: Path) -> None:
    paths = {p.path for p in webapp.PAGES if p.handler.__module__ == "engine.web.bulk"}
    assert paths == {"/circular", "/regenerate", "/jobs/{job}", "/jobs/{job}/progress"}
    anonymous = client(root)
    csrf = token(anonymous)
    signer = signed_in(root, "signer")
    clerk = signed_in(root, "clerk")
    for path in (
        "/circular",
        "/regenerate",
        "/jobs/" + "a" * 24,
        "/jobs/" + "a" * 24 + "/progress",
    ):
        r = anonymous.get(path)
        assert r.status_code == 303 and r.headers["location"].startswith("/signin"), path
        r = signer.get(path)
        assert r.status_code == 403 and "ไม่มีสิทธิ์" in r.text, path
    for path in ("/circular", "/regenerate"):
        assert anonymous.post(path, data={"csrf": csrf}).status_code == 403
        assert signer.post(path, data={"csrf": token(signer, "/")}).status_code == 403
        r = clerk.post(path, data={"csrf": "forged", "job": "b" * 24})
        assert r.status_code == 403 and "CSRF" in r.text, path
    assert clerk.get("/circular").status_code == 200
    assert clerk.get("/jobs/" + "c" * 24).status_code == 404  # no such job
    assert clerk.get("/jobs/..%2F..%2Foffice.yaml").status_code == 404
    assert not (Path(root) / "letters" / ".runs" / "web" / ("b" * 24 + ".json")).exists()
    assert entries(root) == []


# --- circulars --------------------------------------------------------------------------------------
def test_a_bad_recipients_file_shows_each_problem_at_its_row_and_column(root: Path) -> None:
    c = signed_in(root, "clerk")
    r = post_circular(c, BAD.encode())
    assert r.status_code == 400, r.text
    rows = dict(re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', r.text, re.S))
    assert set(rows) == {"3", "4", "5"}, rows.keys()
    assert "เทศบาลตำบลตะคุ" in rows["3"] and "คอลัมน์ 'ตำแหน่ง'" in rows["3"]
    assert "duplicate organisation" in rows["4"] or "ซ้ำ" in rows["4"]
    assert "row 2" in rows["4"] or "แถว 2" in rows["4"]  # where the first one is
    assert "คอลัมน์ 'อีเมล'" in rows["5"] and "not-an-address" in rows["5"]
    assert rows["5"].count('class="bad"') == 1  # the e-mail cell is marked
    # the file is kept for the next post; what was typed stays
    assert 'name="recipients__kept" value="uploads/' in r.text
    assert LETTER["subject"] in r.text
    # a problem of the whole file: an unknown column, with the name it is close to
    r = post_circular(c, "ชื่อหน่วยงาน,ตำแหนง\nก,ข\n".encode())
    error = re.search(r'id="error-recipients" role="alert">([^<]*)<', r.text)
    assert r.status_code == 400 and error, r.text
    assert "แถว 1" in error[1] and "ตำแหน่ง" in error[1], error[1]
    # a bad row of an XLSX sheet is shown the same way
    wb = Workbook()
    sheet = wb.active
    assert sheet is not None
    for row in (["organisation", "position"], ["เทศบาลตำบลตะคุ", "นายกเทศมนตรี"], ["", "ปลัด"]):
        sheet.append(row)
    data = io.BytesIO()
    wb.save(data)
    r = post_circular(c, data.getvalue(), "list.xlsx")
    rows = dict(re.findall(r'<tr id="row-(\d+)">(.*?)</tr>', r.text, re.S))
    assert r.status_code == 400 and set(rows) == {"3"} and "organisation" in rows["3"], r.text
    # the type is judged by the content: a PDF named .csv, and text that is not UTF-8
    for content in (b"%PDF-1.4 \x00\xff binary", "ชื่อหน่วยงาน".encode("tis-620")):
        r = post_circular(c, content, "recipients.csv")
        error = re.search(r'id="error-recipients" role="alert">([^<]*)<', r.text)
        assert r.status_code == 400 and error and "UTF-8" in error[1], r.text
    # the form's own fields are checked too
    r = post_circular(c, GOOD.encode(), subject="")
    assert r.status_code == 400 and 'id="error-subject"' in r.text, r.text
    assert entries(root) == []  # nothing issued


@pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils")
def test_a_circular_is_issued_in_the_background_and_its_copies_download(root: Path) -> None:
    c = signed_in(root, "clerk")
    page = c.get("/circular").text
    job = re.search(r'name="job" value="([^"]+)"', page)
    assert job
    data = {**LETTER, "csrf": token(c, "/circular"), "job": job[1]}
    r = c.post("/circular", data=data, files={"recipients": ("r.csv", GOOD.encode())})
    assert r.status_code == 303 and r.headers["location"] == f"/jobs/{job[1]}", r.text
    assert "job" in c.get(r.headers["location"]).text
    html = wait_for(c, r.headers["location"])
    assert 'data-state="done"' in html, html
    (entry,) = entries(root)
    assert entry.series == "circular" and entry.number_text in html
    # the progress the page showed came from the engine's run over the copies
    state = json.loads((Path(root) / "letters/.runs/web" / f"{job[1]}.json").read_text())
    assert (state["done"], state["total"], state["user"]) == (3, 3, "clerk"), state
    assert "(3 แห่ง)" in to_arabic_digits(entry.recipient)
    assert f'href="/letters/{entry.id}/copies"' in html
    copies = Path(root) / Path(entry.path).with_suffix("")
    assert len(list(copies.glob("*.docx"))) == 3
    pdf = c.get(f"/letters/{entry.id}/copies")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf.content, capture_output=True,
                          check=True).stdout.decode()  # fmt: skip
    for addressee in ("นายกองค์การบริหารส่วนตำบลสระตะเคียน", "นายกเทศมนตรีตำบลตะคุ",
                      "นายกองค์การบริหารส่วนตำบลโคกไทย"):  # fmt: skip
        assert addressee in text.replace("\u200b", ""), addressee
    docx = c.get(f"/letters/{entry.id}/copies-docx")
    assert docx.status_code == 200 and zipfile.is_zipfile(io.BytesIO(docx.content))
    # the same form posted again (a double click, a reload) goes to the same job: one number
    r = c.post("/circular", data=data, files={"recipients": ("r.csv", GOOD.encode())})
    assert r.status_code == 303 and r.headers["location"] == f"/jobs/{job[1]}"
    assert len(entries(root)) == 1
    # the case's history has who issued it
    case = c.get(f"/cases/{entry.case_id}").text
    assert "clerk" in case and "DOCX ฉบับสำเนาทุกฉบับ" in case


# --- regeneration -------------------------------------------------------------------------------------
def _letter(root: Path, subject: str) -> str:
    data = Path(root) / f"{subject}.yaml"
    letter = {**LETTER, "to": "นายอำเภอปักธงชัย", "subject": subject}
    data.write_text(yaml.safe_dump(letter, allow_unicode=True), encoding="utf-8")
    r = run_cli("new", "letter", "--data", str(data), "--issue", workspace=root)
    assert r.code == 0, r.err
    case = re.search(r"case (\d+)", r.out + r.err)
    assert case, r.out
    return case[1]


def test_regeneration_lists_what_changed_then_runs_once(root: Path, monkeypatch) -> None:
    kept = _letter(root, "หนังสือที่ยังไม่ส่ง")
    sent = _letter(root, "หนังสือที่ส่งแล้ว")
    assert run_cli("advance", sent, "send", workspace=root).code == 0
    c = signed_in(root, "clerk")
    page = c.get("/regenerate").text
    assert "ไม่มี — หนังสือทุกฉบับตรงกับข้อมูลปัจจุบันแล้ว" in page and 'id="run" disabled' in page
    yaml_path = Path(root) / "office.yaml"
    yaml_path.write_text(
        yaml_path.read_text(encoding="utf-8").replace("นายประเสริฐ มั่นคงดี", "นายประเสริฐ มั่นคงยิ่ง"),
        encoding="utf-8",
    )
    page = c.get("/regenerate").text
    listed = re.search(r'<table id="regenerated">(.*?)</table>', page, re.S)
    needs = re.search(r'<table id="needs-correction">(.*?)</table>', page, re.S)
    assert listed and needs, page
    assert f'href="/cases/{kept}"' in listed[1] and "nayok" in listed[1]
    assert f'href="/cases/{sent}"' in needs[1] and f'href="/cases/{sent}"' not in listed[1]
    (docx,) = [e.path for e in entries(root) if e.case_id == kept]
    before = (Path(root) / docx).read_bytes()
    # a run paused after its first file: a second start while it runs goes to the same job
    monkeypatch.setenv("SARABAN_REGENERATE_PAUSE", "1:3")
    first = re.search(r'name="job" value="([^"]+)"', page)
    assert first
    r = c.post("/regenerate", data={"csrf": token(c, "/"), "job": first[1]})
    assert r.status_code == 303 and r.headers["location"] == f"/jobs/{first[1]}"
    again = c.get("/regenerate").text
    assert f'href="/jobs/{first[1]}"' in again  # the page says one is running
    other = re.search(r'name="job" value="([^"]+)"', again)
    assert other and other[1] != first[1]
    r = c.post("/regenerate", data={"csrf": token(c, "/"), "job": other[1]})
    assert r.headers["location"] == f"/jobs/{first[1]}"
    html = wait_for(c, f"/jobs/{first[1]}")
    assert 'data-state="done"' in html and "สร้างหนังสือใหม่แล้ว 1 ฉบับ" in html, html
    assert f'href="/cases/{sent}"' in html  # still listed as needing a correction letter
    assert (Path(root) / docx).read_bytes() != before
    assert (Path(root) / docx).with_suffix(".pdf").is_file()  # made with --pdf
    case = c.get(f"/cases/{kept}").text
    assert "regenerate" in case and "clerk" in case
    assert not (Path(root) / "letters" / ".runs" / "web" / f"{other[1]}.json").exists()
    page = c.get("/regenerate").text
    assert 'id="run" disabled' in page  # nothing left to do


def test_a_job_whose_server_stopped_reads_as_failed(root: Path) -> None:
    """A job's state says running, but no thread holds its lock (the process that ran it is
    gone): its page says it stopped, and a form with its id starts nothing new."""
    ws = Workspace(root)
    job_id = "d" * 24
    base = jobs.folder(ws)
    base.mkdir(parents=True)
    state = {"id": job_id, "kind": "circular", "user": "clerk", "done": 2, "total": 5}
    (base / f"{job_id}.json").write_text(json.dumps(state))
    c = signed_in(root, "clerk")
    html = c.get(f"/jobs/{job_id}/progress").text
    assert 'data-state="failed"' in html and "เซิร์ฟเวอร์หยุดทำงาน" in html, html
    job, started = jobs.start(ws, "circular", job_id, "clerk", lambda: {"never": "run"})
    assert not started and job is not None and job.state == "failed"
    assert json.loads((base / f"{job_id}.json").read_text()) == state
