"""The admin pages of ``saraban serve`` at the HTTP level: the office profile (office.yaml edited
in place, checked as the commands read it), the signers, the users (as ``saraban user``, never
without an admin), and the register's admin actions, each recorded with its user."""

from __future__ import annotations

import json
import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from engine import officeedit
from engine.office import load_office
from engine.web import accounts
from engine.web import app as webapp
from engine.workspace import Workspace
from tests.conftest import EXAMPLES, run_cli
from tests.test_web import PASSWORDS, client, errors, signed_in, token

APPOINT = str(EXAMPLES / "appoint-admin.yaml")
ADMIN_PAGES = [p for p in webapp.PAGES if p.handler.__module__ == "engine.web.admin"]


def _url(path: str) -> str:
    return re.sub(r"\{(\w+)(?::int)?\}", lambda m: "1" if ":int" in m[0] else "x", path)


def _flash(html: str) -> str:
    found = re.search(r'class="message ok" role="status">([^<]*)<', html)
    return found[1] if found else ""


def _page_error(html: str) -> str:
    found = re.search(r'id="form-error" role="alert">([^<]*)<', html)
    return found[1] if found else ""


@pytest.fixture
def root(tmp_path: Path) -> Path:
    from tests.test_web import office

    return office(tmp_path)


@pytest.fixture
def issued(root: Path) -> Path:
    """The tambon office with case 1 issued: entry 1 its order, entry 2 its letter."""
    shutil.copytree(EXAMPLES / "tambon" / "files", root / "files")
    r = run_cli("new", "appoint-admin", "--data", APPOINT, "--date", "2025-03-25", "--issue",
                workspace=root)  # fmt: skip
    assert r.code == 0, r.err
    return root


def test_every_admin_route_is_for_admins_only_and_needs_csrf(issued: Path) -> None:
    assert len(ADMIN_PAGES) == 14
    anonymous, clerk, admin = client(issued), signed_in(issued, "clerk"), signed_in(issued, "admin")
    clerk_token, admin_token = token(clerk, "/"), token(admin, "/")
    for page in ADMIN_PAGES:
        url, method = _url(page.path), page.methods[0]
        assert page.roles == {"admin"}, page.path
        r = anonymous.request(method, url, data={"csrf": token(anonymous)})
        assert r.status_code in (303, 403) and (
            method == "POST" or "/signin" in r.headers["location"]
        )
        r = clerk.request(method, url, data={"csrf": clerk_token} if method == "POST" else None)
        assert r.status_code == 403 and "ไม่มีสิทธิ์" in r.text, url
        if method == "GET":
            assert admin.get(url).status_code == 200, url
        else:
            r = admin.post(url, data={"csrf": "forged"})
            assert r.status_code == 403 and "CSRF" in r.text, url
    assert admin.post("/admin/users/x/remove", data={"csrf": admin_token}).status_code == 400
    home = admin.get("/").text
    assert 'id="nav-admin"' in home and 'id="nav-admin"' not in clerk.get("/").text


# --- the office profile ---------------------------------------------------------------------------
def _office_form(c, **changes: str) -> dict[str, str]:
    html = c.get("/admin/office").text
    form = dict(
        re.findall(r'<input type="(?:hidden|text)" [^>]*?name="(\w+)" value="([^"]*)"', html)
    )
    form.update(re.findall(r'<textarea id="f-\w+" name="(\w+)" rows="3">([^<]*)</textarea>', html))
    form["thai_digits"] = "true"
    form.update(changes)
    return form


def test_a_bad_office_value_shows_at_its_field_and_writes_nothing(root: Path) -> None:
    admin = signed_in(root, "admin")
    path = root / "office.yaml"
    before = path.read_bytes()
    r = admin.post("/admin/office", data=_office_form(admin, number_width="สิบ"))
    assert r.status_code == 400
    assert errors(r.text) == {"number_width": "must be a whole number from 0 to 8"}
    assert 'value="สิบ"' in r.text  # what was typed stays
    r = admin.post("/admin/office", data=_office_form(admin, prefix=""))
    assert errors(r.text) == {"prefix": "missing required key"}
    r = admin.post("/admin/office", data=_office_form(admin, emblem="garuda.png"))
    assert list(errors(r.text)) == ["emblem"] and "emblem file not found" in r.text
    assert path.read_bytes() == before

    r = admin.post("/admin/office", data=_office_form(
        admin, phone="044-999-888", letterhead="อบต.ทุ่งสว่างใหม่\nถนนมิตรภาพ 30150", fax="",
        number_width="๔"))  # fmt: skip
    assert (
        r.status_code == 303 and _flash(admin.get("/admin/office").text) == "บันทึกข้อมูลส่วนราชการแล้ว"
    )
    text = path.read_text(encoding="utf-8")
    office = load_office(root)  # as every command reads it
    assert (office.phone, office.fax, office.number_width) == ("044-999-888", "", 4)
    assert office.letterhead == ("อบต.ทุ่งสว่างใหม่", "ถนนมิตรภาพ 30150")
    # the comments and the untouched keys stay as they were
    old = before.decode()
    for line in old.splitlines():
        if line.startswith("#") or line.startswith(("name:", "prefix:", "  nayok:", "email:")):
            assert line in text.splitlines(), line
    assert "fax:" not in text and "phone: 044-999-888" in text and "number_width: 4" in text
    # the running application uses the new profile at once: the form's hint, the letters
    assert 'value="044-999-888"' in admin.get("/admin/office").text

    # a page opened before another admin's change does not overwrite it
    stale = _office_form(admin, phone="02-000-0000")
    officeedit.update_office(root, {"phone": "044-111-222"})
    r = admin.post("/admin/office", data=stale)
    assert r.status_code == 400 and "has changed since this page was opened" in r.text
    assert load_office(root).phone == "044-111-222"


def test_office_yaml_edited_in_place_keeps_comments_and_layout() -> None:
    text = (EXAMPLES / "init" / "office.yaml").read_text(encoding="utf-8")
    new = officeedit.edit_text(text, {"prefix": "นม 99999", "fax": officeedit.REMOVE,
                                      "order_legal_basis": "ความในมาตรา ๕๙"})  # fmt: skip
    removed = [line for line in text.splitlines() if line not in new.splitlines()]
    assert removed == ["prefix: นม 80217", "fax: 044-123-457"]
    assert new.splitlines()[-1] == "order_legal_basis: ความในมาตรา ๕๙"  # a new key: at the end
    inline = "font: TH SarabunIT๙   # the letters' font\nname: x\n"
    assert officeedit.edit_text(inline, {"font": "TH SarabunPSK"}) == (
        "font: TH SarabunPSK   # the letters' font\nname: x\n"
    )
    # a flow mapping at the top cannot be edited line by line: written anew, the header kept
    assert officeedit.edit_text("# office\n{name: a, prefix: b}\n", {"name": "c"}) == (
        "# office\nname: c\nprefix: b\n"
    )


# --- signers --------------------------------------------------------------------------------------
def test_signers_are_added_edited_and_removed_and_offered_to_letters(root: Path) -> None:
    admin = signed_in(root, "admin")
    csrf = token(admin, "/admin/signers")
    version = re.search(r'name="version" value="([^"]+)"', admin.get("/admin/signers").text)[1]
    new = {"csrf": csrf, "version": version, "editing": "0", "key": "rongnayok",
           "name": "นายสมชาย ใจดี", "position": "รองนายกองค์การบริหารส่วนตำบลทุ่งสว่างใหม่",
           "acting": "ปฏิบัติราชการแทนนายกองค์การบริหารส่วนตำบลทุ่งสว่างใหม่"}  # fmt: skip
    r = admin.post("/admin/signers", data={**new, "key": "รองนายก", "position": ""})
    assert r.status_code == 400 and set(errors(r.text)) == {"key", "position"}
    r = admin.post("/admin/signers", data={**new, "key": "nayok"})
    assert "มีผู้ลงนามรหัส nayok แล้ว" in errors(r.text)["key"]
    r = admin.post("/admin/signers", data=new)
    assert r.status_code == 303, r.text
    office = load_office(root)
    assert office.signers["rongnayok"].acting == new["acting"]
    assert list(office.signers) == ["nayok", "palad", "rongnayok"]
    # the new-letter form offers the new signer at once
    form = signed_in(root, "clerk").get("/new/appoint-admin").text
    assert '<option value="rongnayok" >นายสมชาย ใจดี — รองนายก' in form

    version = re.search(r'name="version" value="([^"]+)"', admin.get("/admin/signers").text)[1]
    edit = admin.get("/admin/signers?edit=palad").text
    assert 'value="นางวิไลวรรณ ศรีสุข"' in edit and "readonly" in edit
    r = admin.post("/admin/signers", data={**new, "version": version, "editing": "1",
                                           "key": "palad", "name": "นางวิไลวรรณ ศรีสุขใจ",
                                           "acting": ""})  # fmt: skip
    assert r.status_code == 303
    assert load_office(root).signers["palad"].name == "นางวิไลวรรณ ศรีสุขใจ"

    for key in ("rongnayok", "palad"):
        page = admin.get("/admin/signers").text
        version = re.search(r'name="version" value="([^"]+)"', page)[1]
        r = admin.post(f"/admin/signers/{key}/remove", data={"csrf": csrf, "version": version})
        assert r.status_code == 303
    version = re.search(r'name="version" value="([^"]+)"', admin.get("/admin/signers").text)[1]
    r = admin.post("/admin/signers/nayok/remove", data={"csrf": csrf, "version": version})
    assert r.status_code == 400 and "ต้องมีผู้ลงนามอย่างน้อยหนึ่งคน" in _page_error(r.text)
    assert list(load_office(root).signers) == ["nayok"]
    assert admin.post("/admin/signers/nobody/remove", data={"csrf": csrf}).status_code == 404


# --- users ----------------------------------------------------------------------------------------
def test_users_are_managed_and_the_last_admin_stays(root: Path) -> None:
    ws = Workspace(root)
    admin = signed_in(root, "admin")
    csrf = token(admin, "/admin/users")
    page = admin.get("/admin/users").text
    assert all(f'id="user-{name}"' in page for name in PASSWORDS)
    r = admin.post("/admin/users", data={"csrf": csrf, "name": "somchai", "role": "signer",
                                         "password": "short"})  # fmt: skip
    assert r.status_code == 400 and errors(r.text) == {
        "password": "a password has 8 to 256 characters"
    }
    r = admin.post("/admin/users", data={"csrf": csrf, "name": "clerk", "role": "clerk",
                                         "password": "a-long-password"})  # fmt: skip
    assert errors(r.text) == {"name": "user clerk exists already"}
    r = admin.post("/admin/users", data={"csrf": csrf, "name": "somchai", "role": "signer",
                                         "password": "a-long-password"})  # fmt: skip
    assert r.status_code == 303
    assert accounts.get_user(ws, "somchai").role == "signer"
    assert accounts.sign_in(ws, "somchai", "a-long-password", "test") is not None

    r = admin.post("/admin/users/somchai/role", data={"csrf": csrf, "role": "clerk"})
    assert r.status_code == 303 and accounts.get_user(ws, "somchai").role == "clerk"
    r = admin.post(
        "/admin/users/somchai/password", data={"csrf": csrf, "password": "new-password-2"}
    )
    assert r.status_code == 303
    assert accounts.sign_in(ws, "somchai", "a-long-password", "test") is None
    assert accounts.sign_in(ws, "somchai", "new-password-2", "test") is not None
    r = admin.post("/admin/users/somchai/password", data={"csrf": csrf, "password": "x"})
    assert r.status_code == 400 and "somchai: a password has 8" in _page_error(r.text)

    # the only admin can neither be removed nor lose the role
    for url, data in (
        ("/admin/users/admin/remove", {}),
        ("/admin/users/admin/role", {"role": "clerk"}),
    ):
        r = admin.post(url, data={"csrf": csrf, **data})
        assert r.status_code == 400
        assert _page_error(r.text) == "admin is the last admin: make another user admin first"
    assert accounts.get_user(ws, "admin").role == "admin"
    assert run_cli("user", "remove", "admin", workspace=root).code == 1  # nor by the command
    # with a second admin, the first may step down (and then is no admin page's user)
    admin.post("/admin/users/somchai/role", data={"csrf": csrf, "role": "admin"})
    r = admin.post("/admin/users/admin/role", data={"csrf": csrf, "role": "clerk"})
    assert r.status_code == 303 and r.headers["location"] == "/"
    assert admin.get("/admin/users").status_code == 403
    boss = client(root)
    boss.post(
        "/signin", data={"csrf": token(boss), "name": "somchai", "password": "new-password-2"}
    )
    r = boss.post("/admin/users/signer/remove", data={"csrf": token(boss, "/")})
    assert r.status_code == 303 and accounts.get_user(ws, "signer") is None


# --- the register: who cancelled, corrected, started ------------------------------------------------
def _row(root: Path, sql: str) -> tuple:
    with sqlite3.connect(root / "letters" / "register.db") as db:
        return db.execute(sql).fetchone()


def test_register_actions_record_the_admin(issued: Path, monkeypatch) -> None:
    admin = signed_in(issued, "admin")
    csrf = token(admin, "/register")
    assert 'id="correct-2"' in admin.get("/register").text
    assert 'id="correct-2"' not in signed_in(issued, "clerk").get("/register").text

    # correct: a bad date at its field, nothing changed; then a new subject and date
    page = admin.get("/register/2/correct").text
    assert 'value="25 มีนาคม 2568" data-bedate' in page
    form = dict(re.findall(r'name="(\w+)" value="([^"]*)"', page))
    r = admin.post("/register/2/correct", data={**form, "date": "31 กุมภาพันธ์ 2568"})
    assert r.status_code == 400 and errors(r.text)["date"].startswith("วันที่ไม่ถูกต้อง")
    r = admin.post("/register/2/correct", data=form)
    assert r.status_code == 400 and _page_error(r.text) == "ไม่มีข้อมูลที่เปลี่ยนแปลง"
    r = admin.post("/register/2/correct", data={**form, "date": "2025-03-20",
                                               "subject": "ขอแต่งตั้งผู้ดูแลระบบ (แก้ไข)",
                                               "reason": "พิมพ์ผิด"})  # fmt: skip
    assert r.status_code == 303, r.text
    assert _row(issued, "SELECT subject, date, corrected_by FROM entries WHERE id = 2") == (
        "ขอแต่งตั้งผู้ดูแลระบบ (แก้ไข)",
        "2025-03-20",
        "admin",
    )
    # cancel the order (entry 1) with a reason
    r = admin.post("/register/1/cancel", data={"csrf": csrf, "reason": "ออกเลขซ้ำ"})
    assert r.status_code == 303
    assert _row(issued, "SELECT status, cancel_reason, cancelled_by FROM entries WHERE id = 1") == (
        "cancelled",
        "ออกเลขซ้ำ",
        "admin",
    )
    # both are in the case history with the admin's name
    history = json.loads(run_cli("show", "1", "--json", workspace=issued).out)["history"]
    last = [(h["event"], h["by"]) for h in history[-2:]]
    assert last == [("correct", "admin"), ("cancel-number", "admin")]
    assert "ออกเลขซ้ำ" in history[-1]["note"]
    listed = json.loads(run_cli("register", "list", "--json", workspace=issued).out)
    by = {e["series"]: (e["cancelled_by"], e["corrected_by"]) for e in listed}
    assert by == {"normal": (None, "admin"), "order": ("admin", None)}
    register = admin.get("/register").text
    assert "โดย admin" in register and "แก้ไขโดย admin" in register

    # start a series: a bad number at its field; then the circular series of 2568 at 51
    r = admin.post("/register/start", data={"csrf": csrf, "series": "circular", "year": "2568",
                                            "next": "ห้าสิบ"})  # fmt: skip
    assert r.status_code == 400 and "next" in errors(r.text)
    r = admin.post("/register/start", data={"csrf": csrf, "series": "normal", "year": "2568",
                                            "next": "1"})  # fmt: skip
    assert r.status_code == 400 and "numbers never go backwards" in errors(r.text)["next"]
    r = admin.post("/register/start", data={"csrf": csrf, "series": "circular", "year": "2568",
                                            "next": "๕๑"})  # fmt: skip
    assert r.status_code == 303
    assert _row(issued, "SELECT next_number, started_by FROM counters WHERE series = 'circular'"
                " AND year = 2025") == (51, "admin")  # fmt: skip
    assert "<td>admin</td>" in admin.get("/register/start").text

    # the command line records its user ($SARABAN_USER, else the OS user), as before
    monkeypatch.setenv("SARABAN_USER", "somchai")
    r = run_cli("register", "cancel", "ที่ นม 80217/1", "--year", "2568", "--reason", "ไม่ได้ส่ง",
                workspace=issued)  # fmt: skip
    assert r.code == 0, r.err
    assert _row(issued, "SELECT cancelled_by FROM entries WHERE id = 2") == ("somchai",)
    assert run_cli("register", "start", "--series", "order", "--year", "2569", "--next", "7",
                   workspace=issued).code == 0  # fmt: skip
    assert _row(
        issued, "SELECT started_by FROM counters WHERE series = 'order' AND year = 2026"
    ) == ("somchai",)
