"""The admin pages (หน้าผู้ดูแลระบบ) of ``saraban serve``: the office profile (office.yaml), its
signers, the users, and the register's admin actions (correct an entry, start a series).

Each page is a row of :data:`engine.web.app.PAGES` with the admin role, so :func:`guard` has
checked the session, the role and the CSRF token before a handler here runs. office.yaml is
edited by :mod:`engine.officeedit` (checked as every command reads it, written atomically, its
comments kept); users by :mod:`engine.web.accounts` (as ``saraban user``); the register by
:mod:`engine.api` with ``by=`` the admin, as the command line does with its user.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from starlette.exceptions import HTTPException
from starlette.responses import Response

from engine import api, officeedit, thai
from engine.errors import UserError
from engine.office import load_office
from engine.store import Entry
from engine.workspace import Workspace

from . import accounts
from .context import Context, entry_of

# --- office.yaml changed by another process ------------------------------------------------------
_stamps: dict[Path, tuple[int, int, int]] = {}


def refresh_office(ws: Workspace) -> None:
    """Read office.yaml again when it has changed since this process last read it (edited on
    another worker, or by hand). A file that no longer reads keeps the profile in use."""
    path = ws.root / "office.yaml"
    try:
        st = path.stat()
    except OSError:
        return
    stamp = (st.st_mtime_ns, st.st_size, st.st_ino)
    if _stamps.get(ws.root) == stamp:
        return
    _stamps[ws.root] = stamp
    with contextlib.suppress(UserError):
        ws.__dict__["office"] = load_office(ws.root)  # functools.cached_property's own slot


# --- the office profile ------------------------------------------------------------------------------
@dataclass(frozen=True)
class OfficeField:
    """A key of office.yaml as a field of the office page."""

    key: str
    label: str
    kind: str  # text | lines | width | digits
    hint: str = ""
    required: bool = False


OFFICE_FIELDS: Final = (
    OfficeField("name", "ชื่อส่วนราชการ", "text", "ใช้ในช่อง จาก ของทะเบียน และในการอ้างถึงหนังสือ", True),
    OfficeField("letterhead", "ที่ตั้ง (หัวหนังสือ)", "lines", "หนึ่งบรรทัดต่อหนึ่งบรรทัดที่พิมพ์มุมขวาบน", True),
    OfficeField("prefix", "รหัสหนังสือ", "text", "ส่วนหน้าเครื่องหมาย / เช่น นม 80217", True),
    OfficeField("number_width", "จำนวนหลักของเลขทะเบียน", "width", "0 ถึง 8 (เติมศูนย์ข้างหน้า) 0 = ไม่เติม"),
    OfficeField("unit", "ส่วนราชการเจ้าของเรื่อง", "lines", "หนึ่งบรรทัดต่อหนึ่งบรรทัด"),
    OfficeField("phone", "โทรศัพท์", "text"),
    OfficeField("fax", "โทรสาร", "text"),
    OfficeField("email", "ไปรษณีย์อิเล็กทรอนิกส์", "text"),
    OfficeField("thai_digits", "ตัวเลข", "digits"),
    OfficeField("font", "แบบอักษรของหนังสือ", "text", "เช่น TH SarabunIT๙ (ว่าง = TH Sarabun New)"),
    OfficeField("emblem", "ไฟล์ตราครุฑ", "text", "ที่อยู่ไฟล์ PNG หรือ JPEG ในพื้นที่ทำงาน เช่น garuda.png"),
    OfficeField("order_legal_basis", "อาศัยอำนาจตาม… ของคำสั่ง", "text"),
    OfficeField("short_name", "ชื่อย่อส่วนราชการ", "text"),
)  # fmt: skip
#: Keys shown but not edited here: where the register is (moving it is not a form's job).
READ_ONLY: Final = {"register": "ที่เก็บทะเบียน", "database": "ฐานข้อมูล PostgreSQL"}


def _shown(value: Any, kind: str) -> str:
    """A value of office.yaml as its field shows it."""
    if kind == "digits":
        return "false" if value is False else "true"
    if value is None:
        return ""
    if kind == "lines":
        return "\n".join(str(v) for v in value) if isinstance(value, list) else str(value)
    return str(value)


def _office_value(f: OfficeField, text: str, current: Any) -> Any:
    """The value of office.yaml's key ``f.key`` from the field's ``text``; :data:`REMOVE` for an
    optional key left empty; ``current`` when unchanged (so its lines are left alone)."""
    text = text.strip()
    if _shown(current, f.kind).strip() == text and (text or current is None):
        return current
    if not text:
        return "" if f.required else officeedit.REMOVE
    if f.kind == "lines":
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        return lines[0] if len(lines) == 1 and not isinstance(current, list) else lines
    if f.kind == "width":
        digits = thai.to_arabic_digits(text)
        return int(digits) if digits.isascii() and digits.isdigit() else text
    if f.kind == "digits":
        return text != "false"
    return text


def _field_of(exc: UserError) -> str:
    return (exc.field or "").split(".")[0].lstrip("-").lower()


def office_page(ctx: Context) -> Response:
    _text, doc, version = officeedit.read(ctx.ws.root)
    data = doc.data if isinstance(doc.data, dict) else {}
    values = {f.key: _shown(data.get(f.key), f.kind) for f in OFFICE_FIELDS}
    return _office(ctx, values, version, data)


def _office(
    ctx: Context,
    values: Mapping[str, str],
    version: str,
    data: Mapping[str, Any],
    errors: Mapping[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    fixed = {
        label: ("ตั้งไว้ (แก้ได้ในไฟล์ office.yaml)" if key == "database" else str(data[key]))
        for key, label in READ_ONLY.items()
        if data.get(key)
    }
    return ctx.render(
        "admin_office.html", status, fields=OFFICE_FIELDS, values=values, version=version,
        errors=errors or {}, error=error, fixed=fixed,
    )  # fmt: skip


def office_post(ctx: Context) -> Response:
    _text, doc, current_version = officeedit.read(ctx.ws.root)
    data = doc.data if isinstance(doc.data, dict) else {}
    values = {f.key: str(ctx.form.get(f.key) or "") for f in OFFICE_FIELDS}
    version = str(ctx.form.get("version") or "")
    changes = {}
    for f in OFFICE_FIELDS:
        value = _office_value(f, values[f.key], data.get(f.key))
        if value is not data.get(f.key):
            changes[f.key] = value
    if not changes:
        return ctx.redirect("/admin/office", "ไม่มีข้อมูลที่เปลี่ยนแปลง")
    try:
        office = officeedit.update_office(ctx.ws.root, changes, version=version)
    except UserError as exc:
        key = _field_of(exc)
        if key in values:
            return _office(ctx, values, version, data, {key: exc.message},
                           "กรุณาแก้ไขช่องที่มีข้อผิดพลาด ยังไม่ได้บันทึก", 400)  # fmt: skip
        return _office(ctx, values, current_version, data, error=exc.message, status=400)
    ctx.ws.__dict__["office"] = office
    return ctx.redirect("/admin/office", "บันทึกข้อมูลส่วนราชการแล้ว")


# --- signers -------------------------------------------------------------------------------------
SIGNER_KEY: Final = re.compile(r"[A-Za-z][A-Za-z0-9_\-]{0,31}")
SIGNER_FIELDS: Final = ("key", "name", "position", "acting")


def _signers(ws: Workspace) -> tuple[dict[str, Any], str]:
    _text, doc, version = officeedit.read(ws.root)
    data = doc.data if isinstance(doc.data, dict) else {}
    raw = data.get("signers")
    return (dict(raw) if isinstance(raw, dict) else {}), version


def signers_page(ctx: Context) -> Response:
    signers, version = _signers(ctx.ws)
    edit = ctx.request.query_params.get("edit") or ""
    values = {"key": "", "name": "", "position": "", "acting": ""}
    if edit in signers and isinstance(signers[edit], dict):
        values = {"key": edit, **{k: str(signers[edit].get(k) or "") for k in SIGNER_FIELDS[1:]}}
    return _signers_view(ctx, signers, version, values, editing=edit in signers)


def _signers_view(
    ctx: Context,
    signers: Mapping[str, Any],
    version: str,
    values: Mapping[str, str],
    *,
    editing: bool = False,
    errors: Mapping[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    rows = [(k, s) for k, s in signers.items() if isinstance(s, dict)]
    return ctx.render(
        "admin_signers.html", status, rows=rows, version=version, values=values,
        editing=editing, errors=errors or {}, error=error,
    )  # fmt: skip


def _save_signers(ws: Workspace, signers: dict[str, Any], version: str) -> None:
    office = officeedit.update_office(ws.root, {"signers": signers}, version=version)
    ws.__dict__["office"] = office


def signer_post(ctx: Context) -> Response:
    """Add a signer, or change one (the key names it; ``editing``: it must exist)."""
    signers, current = _signers(ctx.ws)
    values = {k: str(ctx.form.get(k) or "").strip() for k in SIGNER_FIELDS}
    version = str(ctx.form.get("version") or "")
    editing = ctx.form.get("editing") == "1"
    errors = {}
    key = values["key"]
    if not SIGNER_KEY.fullmatch(key):
        errors["key"] = "รหัสผู้ลงนามขึ้นต้นด้วยอักษรอังกฤษ ตามด้วยอักษรอังกฤษ ตัวเลข _ หรือ - ไม่เกิน 32 ตัว"
    elif editing and key not in signers:
        errors["key"] = f"ไม่มีผู้ลงนามรหัส {key}"
    elif not editing and key in signers:
        errors["key"] = f"มีผู้ลงนามรหัส {key} แล้ว (กดแก้ไขที่รายการเพื่อเปลี่ยนข้อมูล)"
    for k, label in (("name", "ชื่อ-สกุล"), ("position", "ตำแหน่ง")):
        if not values[k]:
            errors[k] = f"กรุณากรอก{label}"
    if not errors:
        entry = {"name": values["name"], "position": values["position"]}
        if values["acting"]:
            entry["acting"] = values["acting"]
        signers[key] = entry
        try:
            _save_signers(ctx.ws, signers, version)
        except UserError as exc:
            field = (exc.field or "").split(".")[-1]
            if field in values and field != "key":
                errors[field] = exc.message
            else:
                return _signers_view(ctx, signers, current, values, editing=editing,
                                     error=exc.message, status=400)  # fmt: skip
        else:
            done = "แก้ไข" if editing else "เพิ่ม"
            return ctx.redirect("/admin/signers", f"{done}ผู้ลงนาม {values['name']} ({key}) แล้ว")
    signers, _version = _signers(ctx.ws)
    return _signers_view(ctx, signers, version, values, editing=editing, errors=errors,
                         error="กรุณาแก้ไขช่องที่มีข้อผิดพลาด ยังไม่ได้บันทึก", status=400)  # fmt: skip


def signer_remove(ctx: Context) -> Response:
    signers, current = _signers(ctx.ws)
    key = ctx.param("signer")
    if key not in signers:
        raise HTTPException(404)
    removed = signers.pop(key)
    empty = dict.fromkeys(SIGNER_FIELDS, "")
    if not signers:
        error = "ต้องมีผู้ลงนามอย่างน้อยหนึ่งคน: เพิ่มผู้ลงนามคนใหม่ก่อนลบคนนี้"
        return _signers_view(ctx, {key: removed}, current, empty, error=error, status=400)
    try:
        _save_signers(ctx.ws, signers, str(ctx.form.get("version") or ""))
    except UserError as exc:
        signers, current = _signers(ctx.ws)
        return _signers_view(ctx, signers, current, empty, error=exc.message, status=400)
    name = removed.get("name", key) if isinstance(removed, dict) else key
    return ctx.redirect("/admin/signers", f"ลบผู้ลงนาม {name} ({key}) แล้ว")


# --- users -------------------------------------------------------------------------------------------
def _users_view(
    ctx: Context,
    values: Mapping[str, str] | None = None,
    errors: Mapping[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return ctx.render(
        "admin_users.html", status, users=accounts.list_users(ctx.ws),
        values=values or {"name": "", "role": "clerk"}, errors=errors or {}, error=error,
    )  # fmt: skip


def users_page(ctx: Context) -> Response:
    return _users_view(ctx)


_USER_FIELDS: Final = {"name": "name", "role": "role", "password": "password"}


def user_add(ctx: Context) -> Response:
    values = {k: str(ctx.form.get(k) or "") for k in ("name", "role")}
    values["name"] = values["name"].strip()
    try:
        accounts.add_user(
            ctx.ws, values["name"], values["role"], str(ctx.form.get("password") or "")
        )
    except UserError as exc:
        field = _USER_FIELDS.get(_field_of(exc), "name")
        return _users_view(ctx, values, {field: exc.message}, "ยังไม่ได้เพิ่มผู้ใช้", 400)
    role = accounts.ROLES[values["role"]]
    return ctx.redirect("/admin/users", f"เพิ่มผู้ใช้ {values['name']} ({role}) แล้ว")


def _acted(ctx: Context, done: str) -> Response:
    """Back to the users page, or to the start page when the admin is one no longer."""
    assert ctx.user is not None
    me = accounts.get_user(ctx.ws, ctx.user.name)
    return ctx.redirect("/admin/users" if me and me.role == "admin" else "/", done)


def user_role(ctx: Context) -> Response:
    name = ctx.param("name")
    role = str(ctx.form.get("role") or "")
    try:
        accounts.set_role(ctx.ws, name, role)
    except UserError as exc:
        return _users_view(ctx, error=exc.message, status=400)
    return _acted(ctx, f"เปลี่ยนบทบาทของ {name} เป็น{accounts.ROLES[role]}แล้ว")


def user_password(ctx: Context) -> Response:
    name = ctx.param("name")
    try:
        accounts.reset_password(ctx.ws, name, str(ctx.form.get("password") or ""))
    except UserError as exc:
        return _users_view(ctx, error=f"{name}: {exc.message}", status=400)
    return _acted(ctx, f"ตั้งรหัสผ่านใหม่ให้ {name} แล้ว")


def user_remove(ctx: Context) -> Response:
    name = ctx.param("name")
    try:
        accounts.remove_user(ctx.ws, name)
    except UserError as exc:
        return _users_view(ctx, error=exc.message, status=400)
    return _acted(ctx, f"ลบผู้ใช้ {name} แล้ว")


# --- the register: correct an entry, start a series -----------------------------------------------
URGENCIES: Final = ("", "ด่วน", "ด่วนมาก", "ด่วนที่สุด")


def _urgency(entry: Entry) -> str:
    with contextlib.suppress(ValueError, AttributeError):
        return str(json.loads(entry.data_json or "{}").get("urgency") or "")
    return ""


def _be_date(day: dt.date) -> str:
    return thai.format_date(day, "full", thai_digits=False)


def correct_page(ctx: Context) -> Response:
    entry = entry_of(ctx)
    values = {
        "date": _be_date(entry.date), "subject": entry.subject, "recipient": entry.recipient,
        "urgency": _urgency(entry), "reason": "",
    }  # fmt: skip
    return _correct_view(ctx, entry, values)


def _correct_view(
    ctx: Context,
    entry: Entry,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    return ctx.render(
        "admin_correct.html", status, entry=entry, values=values, urgencies=URGENCIES,
        errors=errors or {}, error=error,
    )  # fmt: skip


def correct_post(ctx: Context) -> Response:
    assert ctx.user is not None
    entry = entry_of(ctx)
    values = {k: str(ctx.form.get(k) or "").strip() for k in ("date", "subject", "recipient",
                                                              "urgency", "reason")}  # fmt: skip
    changes: dict[str, str] = {}
    errors: dict[str, str] = {}
    try:
        day = thai.parse_date(values["date"])
    except ValueError as exc:
        errors["date"] = f"วันที่ไม่ถูกต้อง: {exc}"
    else:
        if day != entry.date:
            changes["date"] = day.isoformat()
    for key, was in (("subject", entry.subject), ("recipient", entry.recipient)):
        if not values[key]:
            errors[key] = "ต้องไม่ว่าง"
        elif values[key] != was:
            changes[key] = values[key]
    if values["urgency"] not in URGENCIES:
        errors["urgency"] = "เลือกชั้นความเร็วจากรายการ"
    elif values["urgency"] != _urgency(entry):
        changes["urgency"] = values["urgency"]
    if errors:
        return _correct_view(ctx, entry, values, errors, "กรุณาแก้ไขช่องที่มีข้อผิดพลาด", 400)
    if not changes:
        return _correct_view(ctx, entry, values, error="ไม่มีข้อมูลที่เปลี่ยนแปลง", status=400)
    try:
        api.register_correct(
            ctx.ws, entry.number_text, year=str(entry.year), date=changes.get("date"),
            subject=changes.get("subject"), recipient=changes.get("recipient"),
            urgency=changes.get("urgency"), reason=values["reason"], by=ctx.user.name,
        )  # fmt: skip
    except UserError as exc:
        key = {"to": "recipient"}.get(_field_of(exc), _field_of(exc))
        if key in values:
            return _correct_view(ctx, entry, values, {key: exc.message},
                                 "กรุณาแก้ไขช่องที่มีข้อผิดพลาด", 400)  # fmt: skip
        return _correct_view(ctx, entry, values, error=exc.message, status=400)
    return ctx.redirect(
        "/register",
        f"แก้ไขทะเบียนที่ {entry.number_text} แล้ว — หนังสือที่อ้างถึงเลขนี้ต้องจัดทำใหม่ (regenerate)",
    )


SERIES_LABELS: Final = {"normal": "หนังสือส่ง", "circular": "หนังสือเวียน (ว)", "order": "คำสั่ง"}


def _start_view(
    ctx: Context,
    values: Mapping[str, str],
    errors: Mapping[str, str] | None = None,
    error: str = "",
    status: int = 200,
) -> Response:
    names = dict.fromkeys([*SERIES_LABELS, *(e.series for e in api.register_list(ctx.ws))])
    return ctx.render(
        "admin_start.html", status, values=values, errors=errors or {}, error=error,
        series_names={s: SERIES_LABELS.get(s, s) for s in names},
        started=api.register_started(ctx.ws),
    )  # fmt: skip


def start_page(ctx: Context) -> Response:
    year = str(dt.date.today().year + 543)
    return _start_view(ctx, {"series": "normal", "year": year, "next": ""})


def start_post(ctx: Context) -> Response:
    assert ctx.user is not None
    values = {k: str(ctx.form.get(k) or "").strip() for k in ("series", "year", "next")}
    digits = thai.to_arabic_digits(values["next"])
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 9):
        return _start_view(ctx, values, {"next": "กรอกเลขถัดไปเป็นตัวเลข เช่น 125"}, status=400)
    try:
        ce = api.register_start(ctx.ws, values["series"], values["year"], int(digits),
                                by=ctx.user.name)  # fmt: skip
    except UserError as exc:
        key = {"next_number": "next"}.get(_field_of(exc), _field_of(exc))
        if key in values:
            return _start_view(ctx, values, {key: exc.message}, status=400)
        return _start_view(ctx, values, error=exc.message, status=400)
    series = SERIES_LABELS.get(values["series"], values["series"])
    return ctx.redirect("/register/start", f"เลขถัดไปของ{series} ปี {ce + 543} คือ {int(digits)} แล้ว")
