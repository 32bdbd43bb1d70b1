"""The web application (``saraban serve``) at the HTTP level, with Starlette's TestClient on a
real workspace and register: users (``saraban user``), sign-in and its rate limit, the session
cookie, authorisation on every route, CSRF, uploads, downloads and path traversal, and the
letter's way from form to draft, number, PDF and cancellation."""

from __future__ import annotations

import io
import re
import shutil
import sqlite3
import warnings
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from pypdf import PdfReader

from tests.conftest import EXAMPLES, make_workspace, run_cli

with warnings.catch_warnings():  # Starlette's TestClient announces its move to httpx2
    warnings.simplefilter("ignore")
    from starlette.routing import Mount, Route
    from starlette.testclient import TestClient

from engine.thai import to_arabic_digits
from engine.web import accounts
from engine.web import app as webapp
from engine.workspace import Workspace

PASSWORDS = {
    "clerk": "clerk-password-1",
    "signer": "signer-password-1",
    "admin": "admin-password-1",
}
FILES = EXAMPLES / "tambon" / "files"
#: The appoint-admin form as a clerk fills it (examples/appoint-admin.yaml), files aside.
APPOINT = {
    "change": "replace",
    "company_id": "GMIS123456",
    "branch": "ปักธงชัย",
    "outgoing": "นางสาวสุดารัตน์ ใจงาม",
    "outgoing_position": "ผู้อำนวยการกองคลัง",
    "outgoing_citizen_id": "1-3099-00123-45-5",
    "incoming": "นายธนากร วงศ์สวัสดิ์",
    "incoming_position": "นักวิชาการเงินและบัญชีชำนาญการ",
    "incoming_citizen_id": "3100500678913",
    "incoming_mobile": "081-234-5678",
    "incoming_email": "thanakorn.w@thungsawangmai.go.th",
    "signer": "nayok",
}
UPLOADS = ("outgoing_id_card", "incoming_id_card", "change_form")


def office(tmp_path: Path) -> Path:
    """A workspace of the tambon office with one user of each role."""
    root = make_workspace(tmp_path, "tambon")
    ws = Workspace(root)
    for role, password in PASSWORDS.items():
        accounts.add_user(ws, role, role, password)
    return root


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return office(tmp_path)


def client(root: Path) -> TestClient:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return TestClient(webapp.create_app(Workspace(root)), follow_redirects=False)


def token(c: TestClient, page: str = "/signin") -> str:
    found = re.search(r'name="csrf" value="([^"]+)"', c.get(page).text)
    assert found, page
    return found[1]


def signed_in(root: Path, role: str) -> TestClient:
    c = client(root)
    r = c.post("/signin", data={"csrf": token(c), "name": role, "password": PASSWORDS[role]})
    assert r.status_code == 303 and r.headers["location"] == "/", r.text
    return c


@pytest.fixture
def clerk(root: Path) -> Iterator[TestClient]:
    yield signed_in(root, "clerk")


def errors(html: str) -> dict[str, str]:
    """The error shown beside each field of a form page."""
    return dict(re.findall(r'id="error-([^"]+)" role="alert">([^<]*)<', html))


def post_appoint(c: TestClient, **changes: str) -> object:
    files = {
        name: (f"{name}.pdf", (FILES / "id-card-incoming.pdf").read_bytes()) for name in UPLOADS
    }
    data = {**APPOINT, "csrf": token(c, "/new/appoint-admin"), **changes}
    return c.post("/new/appoint-admin", data=data, files=files)


# --- users ----------------------------------------------------------------------------------------
def test_user_commands_keep_argon2_hashes_in_the_register(tmp_path: Path, monkeypatch) -> None:
    root = make_workspace(tmp_path, "tambon")
    monkeypatch.setattr("sys.stdin", io.StringIO("a-long-password\n"))
    r = run_cli("user", "add", "somchai", "--role", "clerk", workspace=root)
    assert r.code == 0 and "added user somchai (clerk)" in r.out, r.err
    with sqlite3.connect(root / "letters" / "register.db") as db:
        name, role, hashed = db.execute("SELECT name, role, password_hash FROM users").fetchone()
    assert (name, role) == ("somchai", "clerk")
    assert hashed.startswith("$argon2id$") and "a-long-password" not in hashed
    ws = Workspace(root)
    assert accounts.sign_in(ws, "somchai", "a-long-password", "test") is not None
    assert accounts.sign_in(ws, "somchai", "a-long-password\n", "test") is None

    monkeypatch.setattr("sys.stdin", io.StringIO("another-password\n"))
    r = run_cli("user", "add", "somchai", "--role", "admin", workspace=root)
    assert r.code == 1 and "user somchai exists already" in r.err
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    r = run_cli("user", "add", "somying", "--role", "clerk", workspace=root)
    assert r.code == 1 and "a password has 8 to 256 characters" in r.err
    r = run_cli("user", "add", "a/b", "--role", "clerk", workspace=root)
    assert r.code == 1 and "a user name is 1 to 64" in r.err
    r = run_cli("user", "list", workspace=root)
    assert r.out.split()[:2] == ["somchai", "clerk"] and "somying" not in r.out
    assert run_cli("user", "remove", "somchai", workspace=root).code == 0
    r = run_cli("user", "remove", "somchai", workspace=root)
    assert r.code == 1 and "no user named somchai" in r.err
    assert run_cli("user", "list", workspace=root).out == ""


def test_the_letter_commands_do_not_load_the_web_stack(tmp_path: Path) -> None:
    import subprocess
    import sys

    code = (
        "import sys, engine.api, engine.cli; "
        "print(sorted(m for m in ('starlette', 'uvicorn', 'argon2', 'engine.web') if m in sys.modules))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


# --- sign-in, sessions ----------------------------------------------------------------------------
def test_sign_in_sets_a_signed_httponly_samesite_cookie_and_sign_out_ends_it(root: Path) -> None:
    c = client(root)
    assert c.get("/").headers["location"] == "/signin?next=/"
    r = c.post("/signin", data={"csrf": token(c), "name": "clerk", "password": "wrong-password"})
    assert r.status_code == 401 and "ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง" in r.text
    r = c.post(
        "/signin",
        data={
            "csrf": token(c),
            "name": "clerk",
            "password": PASSWORDS["clerk"],
            "next": "//evil.example/",
        },
    )
    assert r.status_code == 303 and r.headers["location"] == "/"  # no open redirect
    cookie = r.headers["set-cookie"].lower()
    assert "saraban_session=" in cookie and "httponly" in cookie and "samesite=lax" in cookie
    page = c.get("/")
    assert page.status_code == 200 and "สวัสดี clerk" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    assert page.headers["x-frame-options"] == "DENY"
    # a tampered cookie is no session
    value = c.cookies["saraban_session"]
    c.cookies.set("saraban_session", value[:-3] + ("AAA" if value[-3:] != "AAA" else "BBB"))
    assert c.get("/").status_code == 303
    c = signed_in(root, "clerk")
    assert c.post("/signout", data={"csrf": token(c, "/")}).status_code == 303
    assert c.get("/").status_code == 303


def test_sign_in_attempts_are_limited_per_name(root: Path) -> None:
    c = client(root)
    for _ in range(accounts.MAX_FAILURES):
        r = c.post("/signin", data={"csrf": token(c), "name": "admin", "password": "guess-guess"})
        assert r.status_code == 401
    r = c.post("/signin", data={"csrf": token(c), "name": "admin", "password": PASSWORDS["admin"]})
    assert r.status_code == 429 and "15 นาที" in r.text
    # another process (another worker) sees the same count: it is in the register database
    assert client(root).post(
        "/signin", data={"csrf": token(c), "name": "admin", "password": PASSWORDS["admin"]}
    ).status_code in (403, 429)
    signed_in(root, "clerk")  # other names are not locked out


def test_a_removed_user_is_signed_out_at_the_next_request(root: Path) -> None:
    c = signed_in(root, "signer")
    assert c.get("/").status_code == 200
    accounts.remove_user(Workspace(root), "signer")
    assert c.get("/").status_code == 303


# --- authorisation on every route -----------------------------------------------------------------
def _url(route: Route) -> str:
    values = {"int": "1", "str": "x"}
    return re.sub(r"\{(\w+)(?::(\w+))?\}", lambda m: values.get(m[2] or "str", "x"), route.path)


def _routes() -> list[tuple[Route, str, frozenset[str]]]:
    out = []
    for route in webapp.routes():
        if isinstance(route, Mount):
            assert route.path == "/static", route.path  # the only mount: htmx and the CSS
            continue
        assert isinstance(route, Route)
        roles = getattr(route.endpoint, "roles", None)
        assert roles, f"{route.path} is not guarded"
        for method in route.methods or ():
            if method != "HEAD":
                out.append((route, method, roles))
    return out


def test_every_route_is_in_the_table_and_guarded(root: Path) -> None:
    routes = _routes()
    assert {(r.path, m) for r, m, _ in routes} == {(p.path, p.methods[0]) for p in webapp.PAGES}
    anonymous = client(root)
    csrf = token(anonymous)
    for route, method, roles in routes:
        if roles is webapp.PUBLIC:
            continue
        url = _url(route)
        r = anonymous.request(method, url, data={"csrf": csrf} if method == "POST" else None)
        if method == "GET":
            assert r.status_code == 303 and r.headers["location"].startswith("/signin"), url
        else:
            assert r.status_code == 403, url


@pytest.mark.parametrize("role", ["clerk", "signer"])
def test_a_role_not_allowed_is_refused_on_every_route(root: Path, role: str) -> None:
    c = signed_in(root, role)
    csrf = token(c, "/")
    refused = 0
    for route, method, roles in _routes():
        if role in roles or roles is webapp.PUBLIC:
            continue
        url = _url(route)
        r = c.request(method, url, data={"csrf": csrf} if method == "POST" else None)
        assert r.status_code == 403 and "ไม่มีสิทธิ์" in r.text, (role, url)
        refused += 1
    assert refused >= (2 if role == "clerk" else 5)


def test_every_post_needs_the_sessions_csrf_token(root: Path) -> None:
    c = signed_in(root, "admin")
    other = signed_in(root, "clerk")
    foreign = token(other, "/")
    for route, method, _ in _routes():
        if method != "POST":
            continue
        url = _url(route)
        for data in ({}, {"csrf": ""}, {"csrf": foreign}):
            r = c.request(method, url, data=data)
            assert r.status_code == 403 and "CSRF" in r.text, (url, data)
    # the header htmx sends is accepted in place of the field
    r = c.post("/new/appoint-admin/check/company_id", data={"company_id": "x"},
               headers={"X-CSRF-Token": token(c, "/")})  # fmt: skip
    assert r.status_code == 200 and 'id="field-company_id"' in r.text


# --- forms -----------------------------------------------------------------------------------------
def test_a_field_is_checked_as_it_is_left(root: Path, clerk: TestClient) -> None:
    csrf = token(clerk, "/")
    r = clerk.post("/new/appoint-admin/check/outgoing_citizen_id",
                   data={"outgoing_citizen_id": "1-3099-00123-45-4", "csrf": csrf})  # fmt: skip
    assert "fails its checksum" in errors(r.text)["outgoing_citizen_id"]
    r = clerk.post("/new/appoint-admin/check/outgoing_citizen_id",
                   data={"outgoing_citizen_id": "1-3099-00123-45-5", "csrf": csrf})  # fmt: skip
    assert errors(r.text) == {}
    r = clerk.post("/new/appoint-admin/check/incoming_mobile",
                   data={"incoming_mobile": "02-123-4567", "csrf": csrf})  # fmt: skip
    assert "not a mobile number" in errors(r.text)["incoming_mobile"]


def test_form_errors_show_at_their_fields_and_nothing_is_made(
    root: Path, clerk: TestClient
) -> None:
    r = post_appoint(clerk, outgoing_citizen_id="1309900123454", incoming_email="not-mail",
                     company_id="GMIS12")  # fmt: skip
    assert r.status_code == 400
    shown = errors(r.text)
    assert set(shown) == {"outgoing_citizen_id", "incoming_email", "company_id"}, shown
    assert "fails its checksum" in shown["outgoing_citizen_id"]
    assert 'value="1309900123454"' in r.text  # what was typed stays
    assert not (root / "letters" / "drafts").exists()
    # the uploads are kept for the next post (hidden fields), only under uploads/
    kept = re.findall(r'name="(\w+)__kept" value="([^"]+)"', r.text)
    assert {k for k, _ in kept} == set(UPLOADS) and all(v.startswith("uploads/") for _, v in kept)


def test_uploads_are_type_checked_and_size_limited(root: Path, clerk: TestClient) -> None:
    csrf = token(clerk, "/new/appoint-admin")
    files = {
        "outgoing_id_card": ("card.pdf", b"#!/bin/sh\necho not a pdf\n"),
        "incoming_id_card": ("big.pdf", b"%PDF-1.4\n" + b"0" * (10 * 2**20)),
        "change_form": ("form.png", (EXAMPLES.parent / "docs" / "memo.png").read_bytes()),
    }
    r = clerk.post("/new/appoint-admin", data={**APPOINT, "csrf": csrf}, files=files)
    shown = errors(r.text)
    assert "only PDF, PNG or JPEG" in shown["outgoing_id_card"]
    assert "larger than 10 MB" in shown["incoming_id_card"]
    assert "change_form" not in shown
    saved = list((root / "uploads").rglob("*"))
    assert [p.suffix for p in saved if p.is_file()] == [".png"]  # by its content, not its name
    # a request larger than the limit is refused before it is read
    r = clerk.post("/new/appoint-admin", content=b"x", headers={
        "content-length": str(webapp.MAX_REQUEST + 1), "content-type": "application/x-www-form-urlencoded"})  # fmt: skip
    assert r.status_code == 413


def test_a_kept_upload_cannot_name_another_file(root: Path, clerk: TestClient) -> None:
    csrf = token(clerk, "/new/appoint-admin")
    (root / "files").mkdir()
    shutil.copy(FILES / "id-card-incoming.pdf", root / "files" / "card.pdf")
    data = {**APPOINT, "csrf": csrf}
    for name, forged in zip(
        UPLOADS, ["files/card.pdf", "uploads/../office.yaml", "/etc/passwd"], strict=True
    ):
        data[f"{name}__kept"] = forged
    r = clerk.post("/new/appoint-admin", data=data)
    assert r.status_code == 400
    assert (
        "uploads/../" not in r.text
        and "/etc/passwd" not in r.text
        and "files/card.pdf" not in r.text
    )
    assert case_rows(root) == 0


def case_rows(root: Path) -> int:
    db = root / "letters" / "register.db"
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM cases").fetchone()[0])


# --- the letter's way: draft, preview, issue, download, advance, cancel ----------------------------
def test_draft_preview_issue_download_advance_and_cancel(
    root: Path, clerk: TestClient, pdf_tools
) -> None:
    r = post_appoint(clerk)
    assert r.status_code == 303, errors(r.text) or r.text
    case_url = r.headers["location"]
    page = clerk.get(case_url)
    assert "ตัวอย่างร่างหนังสือ" in page.text and 'id="event-issue"' in page.text
    assert 'id="event-cancel"' not in page.text  # a clerk is not offered the cancel button
    png = re.search(r'src="(/cases/\d+/documents/\d+/page-1\.png)"', page.text)
    assert png, page.text
    image = clerk.get(png[1])
    assert image.status_code == 200 and image.content.startswith(b"\x89PNG")

    r = clerk.post(f"{case_url}/events/issue", data={"csrf": token(clerk, case_url)})
    assert r.status_code == 303
    page = clerk.get(case_url)
    numbers = re.findall(r'id="number">([^<]+)<', page.text)
    assert len(numbers) == 2, page.text  # the order and the letter
    assert "ออกคำสั่งและหนังสือแล้ว" in page.text  # the state's Thai label
    links = re.findall(r'href="(/cases/\d+/documents/\d+/pdf)"', page.text)
    pdf = clerk.get(links[-1])
    assert pdf.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(pdf.content)).pages)
    letter_number = next(n for n in numbers if n.startswith("นม"))  # the order's is "1/2569"
    assert f"ที่ {letter_number}" in to_arabic_digits(text.replace("\xa0", " "))
    # the register serves the same file by its entry id; the history names the clerk
    register = clerk.get("/register")
    entry_ids = re.findall(r'href="/letters/(\d+)/pdf"', register.text)
    assert len(entry_ids) == 2 and clerk.get(f"/letters/{entry_ids[0]}/pdf").status_code == 200
    with sqlite3.connect(root / "letters" / "register.db") as db:
        assert db.execute("SELECT DISTINCT by FROM case_events").fetchall() == [("clerk",)]

    r = clerk.post(f"{case_url}/events/send", data={"csrf": token(clerk, case_url), "sent_on": ""})
    assert "ส่งหนังสือถึงธนาคารแล้ว แล้ว" in clerk.get(case_url).text

    # cancelling: refused to a clerk (event and register), done by an admin with a reason
    csrf = token(clerk, case_url)
    assert clerk.post(f"{case_url}/events/cancel", data={"csrf": csrf}).status_code == 403
    assert clerk.get(f"/register/{entry_ids[0]}/cancel").status_code == 403
    assert (
        clerk.post(
            f"/register/{entry_ids[0]}/cancel", data={"csrf": csrf, "reason": "x"}
        ).status_code
        == 403
    )
    admin = signed_in(root, "admin")
    form = admin.get(f"/register/{entry_ids[0]}/cancel")
    assert form.status_code == 200
    r = admin.post(
        f"/register/{entry_ids[0]}/cancel", data={"csrf": token(admin, "/"), "reason": ""}
    )
    assert r.status_code == 400 and "เหตุที่ยกเลิก" in r.text
    r = admin.post(
        f"/register/{entry_ids[0]}/cancel", data={"csrf": token(admin, "/"), "reason": "พิมพ์ผิด"}
    )
    assert r.status_code == 303
    with sqlite3.connect(root / "letters" / "register.db") as db:
        assert db.execute(
            "SELECT status, cancel_reason FROM entries WHERE id = ?", (entry_ids[0],)
        ).fetchone() == ("cancelled", "พิมพ์ผิด")

    # the register: search, filter and export
    assert "ไม่พบหนังสือ" in clerk.get("/register?q=ไม่มีเรื่องนี้").text
    found = clerk.get("/register", params={"q": "กรุงไทย", "year": "2569"})
    assert found.status_code == 200
    csv = clerk.get("/register/export.csv")
    assert csv.status_code == 200 and "พิมพ์ผิด" in csv.content.decode("utf-8-sig")
    xlsx = clerk.get("/register/export.xlsx")
    assert xlsx.content[:2] == b"PK"

    # the register in its printed form (แบบที่ 14): DOCX and PDF, the letter and its cancellation
    docx = clerk.get("/register/print.docx", params={"year": "2569"})
    assert docx.status_code == 200 and docx.content[:2] == b"PK"
    assert 'filename="register-2569.docx"' in docx.headers["content-disposition"]
    with zipfile.ZipFile(io.BytesIO(docx.content)) as z:
        xml = z.read("word/document.xml").decode("utf-8")
    words = to_arabic_digits(re.sub(r"<[^>]+>", "", xml))
    assert "เลขทะเบียนส่ง" in words and letter_number in words and "ยกเลิก: พิมพ์ผิด" in words
    printed = clerk.get("/register/print.pdf", params={"year": "2569", "series": "normal"})
    assert printed.headers["content-type"] == "application/pdf"
    text = "".join(p.extract_text() for p in PdfReader(io.BytesIO(printed.content)).pages)
    assert letter_number in to_arabic_digits(text.replace("\xa0", " "))
    refused = clerk.get("/register/print.pdf", params={"year": "1999"})
    assert refused.status_code == 400
    assert clerk.get("/register/print.odt").status_code == 404


# --- downloads: only the register's files ------------------------------------------------------
@pytest.mark.parametrize(
    "url",
    [
        "/letters/1/../../office.yaml",
        "/letters/1/..%2f..%2foffice.yaml",
        "/letters/1/%2e%2e%2f%2e%2e%2foffice.yaml",
        "/letters/1/office.yaml",
        "/letters/999/pdf",
        "/letters/-1/pdf",
        "/cases/1/documents/0/..%2f..%2foffice.yaml",
        "/cases/1/documents/5/pdf",
        "/cases/1/documents/0/page-0.png",
        "/static/../office.yaml",
        "/static/..%2f..%2f..%2fstore%2fusers.py",
        "/static/%2e%2e/app.py",
    ],
)
def test_downloads_never_follow_a_path_from_the_request(
    root: Path, clerk: TestClient, url: str
) -> None:
    # case 1 and register entry 1: a letter issued from the command line (DOCX only)
    shutil.copy(EXAMPLES / "init" / "letter.yaml", root / "letter.yaml")
    assert (
        run_cli(
            "new", "letter", "--data", str(root / "letter.yaml"), "--issue", workspace=root
        ).code
        == 0
    )
    assert clerk.get("/letters/1/docx").status_code == 200
    assert clerk.get("/cases/1/documents/0/docx").status_code == 200
    r = clerk.get(url)
    assert r.status_code == 404, (url, r.status_code)
    assert "prefix" not in r.text and "letterhead" not in r.text  # office.yaml's keys
    assert "def " not in r.text
