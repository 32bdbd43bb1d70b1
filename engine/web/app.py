"""The web application of ``saraban serve`` (เว็บแอปพลิเคชันงานสารบรรณ): Starlette, Jinja2 pages
rendered on the server, htmx for the inline field checks, served by uvicorn.

Every page is a row of :data:`PAGES`: its path, methods, handler and the roles allowed. The
application is built from that table only, and every handler is wrapped by :func:`guard`, which

* reads the signed session cookie and looks the user up in the register database (a removed
  user is signed out at the next request);
* refuses an anonymous request (GET: to the sign-in page; POST: 403) and a role not allowed (403);
* checks the CSRF token of every POST (the session's token, from the form field ``csrf`` or the
  ``X-CSRF-Token`` header htmx sends), refuses a body larger than :data:`MAX_REQUEST`;
* adds the security headers (a strict Content-Security-Policy, no framing, no sniffing).

Every action calls :mod:`engine.api` with ``by=`` the signed-in user, as the command line does.
Files are served only from what the register or the case history records (looked up by entry
or case id), never from a path in the request, and confined to the workspace.

Nothing is kept in the process between requests except caches: users, failed sign-ins and the
cookie-signing key are in the register database, the session is in the signed cookie, so that
several worker processes can serve one office.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime as dt
import hmac
import secrets
import subprocess
import tempfile
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import quote

import yaml
from jinja2 import Environment, FileSystemLoader, select_autoescape
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.middleware.sessions import SessionMiddleware
from starlette.requests import Request
from starlette.responses import FileResponse, HTMLResponse, RedirectResponse, Response
from starlette.routing import BaseRoute, Mount, Route
from starlette.staticfiles import StaticFiles

from engine import api, programs, thai
from engine.errors import UserError
from engine.store import Entry, User
from engine.workflow import Workflow
from engine.workspace import Workspace

from . import accounts, admin, bulk, forms, jobs
from .context import entry_of

HERE: Final = Path(__file__).parent
MAX_REQUEST: Final = 4 * forms.MAX_UPLOAD
"""The largest request body accepted (a form with its uploads)."""
SESSION_HOURS: Final = 8
PUBLIC: Final = frozenset({"anyone"})
"""The roles of a page anyone may open (sign-in)."""
READERS: Final = frozenset(accounts.ROLES)
WRITERS: Final = frozenset({"clerk", "admin"})
ADMIN: Final = frozenset({"admin"})
#: The files of a document that may be downloaded: its suffix beside the DOCX.
KINDS: Final = {"docx": ".docx", "pdf": ".pdf", "bundle": "-bundle.pdf", "copies": "-copies.pdf",
                "copies-docx": "-copies.docx"}  # fmt: skip
HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; "
        "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"
    ),
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
_pdf_lock = jobs.PDF_LOCK  # one LibreOffice conversion at a time in this process


# --- templates ----------------------------------------------------------------------------------
def _when(at: str) -> str:
    """A history timestamp (ISO, UTC) as local Thai time: "25 มี.ค. 2569 14:05"."""
    try:
        moment = dt.datetime.fromisoformat(at).astimezone()
    except ValueError:
        return at
    return f"{thai.format_date(moment.date(), 'abbr', thai_digits=False)} {moment:%H:%M}"


def _thai_date(day: dt.date | str | None) -> str:
    if not day:
        return ""
    if isinstance(day, str):
        day = dt.date.fromisoformat(day)
    return thai.format_date(day, "full", thai_digits=False)


_env = Environment(
    loader=FileSystemLoader(HERE / "templates"),
    autoescape=select_autoescape(default=True),
    trim_blocks=True,
    lstrip_blocks=True,
)
_env.filters["when"] = _when
_env.filters["thai_date"] = _thai_date
_env.globals["roles"] = accounts.ROLES


# --- the request context and the guard ----------------------------------------------------------
@dataclass
class Ctx:
    """One request as a handler sees it: the workspace, the signed-in user, the posted form."""

    request: Request
    ws: Workspace
    user: User | None
    form: FormData

    @property
    def csrf(self) -> str:
        return str(self.request.session["csrf"])

    def param(self, name: str) -> str:
        return str(self.request.path_params[name])

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse:
        flash = self.request.session.pop("flash", None)
        html = _env.get_template(template).render(
            user=self.user, csrf=self.csrf, flash=flash, path=self.request.url.path, **values
        )
        return HTMLResponse(html, status_code=status)

    def redirect(self, url: str, flash: str | None = None) -> RedirectResponse:
        if flash:
            self.request.session["flash"] = flash
        return RedirectResponse(url, status_code=303)

    def refuse(self, status: int, message: str) -> HTMLResponse:
        return self.render("message.html", status=status, message=message)


Handler = Callable[[Ctx], Response | Awaitable[Response]]


def guard(handler: Handler, roles: frozenset[str]) -> Callable[[Request], Awaitable[Response]]:
    """The endpoint of a page: the session, the user's role and the CSRF token are checked
    before ``handler`` runs (in a worker thread unless it is a coroutine)."""

    async def endpoint(request: Request) -> Response:
        ws: Workspace = request.app.state.workspace
        admin.refresh_office(ws)  # edited on another worker, or by hand
        session = request.session
        if not isinstance(session.get("csrf"), str):
            session["csrf"] = secrets.token_urlsafe(32)
        user = None
        name = session.get("user")
        if isinstance(name, str):
            user = await run_in_threadpool(accounts.get_user, ws, name)
            if user is None:  # removed since: the session ends
                session.clear()
                session["csrf"] = secrets.token_urlsafe(32)
        ctx = Ctx(request, ws, user, FormData())
        if roles is not PUBLIC:
            if user is None:
                if request.method == "GET":
                    return RedirectResponse(f"/signin?next={quote(request.url.path)}", 303)
                return _secure(ctx.refuse(403, "กรุณาเข้าสู่ระบบก่อน"))
            if user.role not in roles:
                return _secure(ctx.refuse(403, "ท่านไม่มีสิทธิ์ใช้หน้านี้"))
        if request.method == "POST":
            refused = await _read_post(ctx)
            if refused is not None:
                return _secure(refused)
        if asyncio.iscoroutinefunction(handler):
            response = await handler(ctx)
        else:
            response = await run_in_threadpool(handler, ctx)
        return _secure(response)

    endpoint.roles = roles  # type: ignore[attr-defined]  # read by tests/test_web.py
    endpoint.__name__ = getattr(handler, "__name__", "endpoint")
    return endpoint


async def _read_post(ctx: Ctx) -> Response | None:
    """Read a POST's form into ``ctx.form``; a refusal when it is too large or its CSRF token
    is not the session's."""
    request = ctx.request
    length = request.headers.get("content-length")
    if length is None or not length.isdigit():
        return ctx.refuse(411, "คำขอไม่ระบุความยาว")
    if int(length) > MAX_REQUEST:
        return ctx.refuse(413, f"ข้อมูลที่ส่งมีขนาดเกิน {MAX_REQUEST // 2**20} MB")
    try:
        ctx.form = await request.form(max_files=20, max_fields=200, max_part_size=256 * 1024)
    except HTTPException as exc:
        return ctx.refuse(400, f"อ่านแบบฟอร์มไม่ได้: {exc.detail}")
    token = ctx.form.get("csrf") or request.headers.get("x-csrf-token") or ""
    if not isinstance(token, str) or not hmac.compare_digest(token.encode(), ctx.csrf.encode()):
        return ctx.refuse(403, "แบบฟอร์มหมดอายุหรือไม่ได้มาจากหน้านี้ (CSRF) กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")
    return None


def _secure(response: Response) -> Response:
    for key, value in HEADERS.items():
        response.headers.setdefault(key, value)
    return response


# --- sign-in ------------------------------------------------------------------------------------
def _next_url(text: str | None) -> str:
    """Where to go after signing in: a path of this site only (no open redirect)."""
    if text and text.startswith("/") and not text.startswith("//") and "\\" not in text:
        return text
    return "/"


def signin_page(ctx: Ctx) -> Response:
    if ctx.user is not None:
        return ctx.redirect("/")
    return ctx.render("signin.html", next=_next_url(ctx.request.query_params.get("next")))


def signin(ctx: Ctx) -> Response:
    name = str(ctx.form.get("name") or "").strip()
    password = str(ctx.form.get("password") or "")
    address = ctx.request.client.host if ctx.request.client else "unknown"
    next_url = _next_url(str(ctx.form.get("next") or ""))
    try:
        user = accounts.sign_in(ctx.ws, name, password, address)
    except accounts.TooManyAttempts:
        return ctx.render(
            "signin.html", 429, next=next_url, name=name,
            error="เข้าสู่ระบบผิดพลาดหลายครั้งเกินไป กรุณารอ 15 นาทีแล้วลองใหม่",
        )  # fmt: skip
    if user is None:
        return ctx.render(
            "signin.html", 401, next=next_url, name=name, error="ชื่อผู้ใช้หรือรหัสผ่านไม่ถูกต้อง"
        )
    session = ctx.request.session
    session.clear()  # a new session (and CSRF token) on every sign-in
    session["user"] = user.name
    session["csrf"] = secrets.token_urlsafe(32)
    return ctx.redirect(next_url)


def signout(ctx: Ctx) -> Response:
    ctx.request.session.clear()
    return RedirectResponse("/signin", status_code=303)


# --- the start page -----------------------------------------------------------------------------
def home(ctx: Ctx) -> Response:
    assert ctx.user is not None
    workflows = _workflows(ctx.ws)
    mine = [
        c for c in api.cases(ctx.ws, by=ctx.user.name) if not _final(workflows, c.workflow, c.state)
    ]
    recent = sorted(api.register_list(ctx.ws), key=lambda e: e.created_at, reverse=True)[:10]
    return ctx.render(
        "home.html",
        mine=list(reversed(mine))[:20],
        due=api.due(ctx.ws, 30),
        recent=recent,
        workflows=workflows,
        state_label=_state_label,
    )


def _workflows(ws: Workspace) -> dict[str, Workflow]:
    out = {}
    for name in ws.workflow_paths():
        with contextlib.suppress(UserError):
            out[name] = api.get_workflow(ws, name)
    return out


def _state_label(workflows: dict[str, Workflow], workflow: str, state: str) -> str:
    wf = workflows.get(workflow)
    with contextlib.suppress(KeyError, AttributeError):
        if wf is not None:
            return wf.state(state).label or state
    return state


def _final(workflows: dict[str, Workflow], workflow: str, state: str) -> bool:
    wf = workflows.get(workflow)
    with contextlib.suppress(KeyError, AttributeError):
        if wf is not None:
            return bool(wf.state(state).final)
    return False


# --- a new letter -------------------------------------------------------------------------------
def new_list(ctx: Ctx) -> Response:
    return ctx.render("workflows.html", workflows=_workflows(ctx.ws).values())


def _workflow(ctx: Ctx) -> Workflow:
    name = ctx.param("workflow")
    if name not in ctx.ws.workflow_paths():
        raise HTTPException(404)
    return api.get_workflow(ctx.ws, name)


def new_form(ctx: Ctx) -> Response:
    wf = _workflow(ctx)
    return ctx.render("form.html", wf=wf, fields=forms.fields(ctx.ws, wf))


async def new_post(ctx: Ctx) -> Response:
    """Check the form; make a draft case with its PDF (the preview) and go to its page."""
    wf = await run_in_threadpool(_workflow, ctx)
    data, fields = await forms.read(ctx.ws, wf, ctx.form, ctx.form.getlist)
    if any(f.error for f in fields):
        return ctx.render("form.html", 400, wf=wf, fields=fields, error="กรุณาแก้ไขช่องที่มีข้อผิดพลาด")
    assert ctx.user is not None
    try:
        made = await run_in_threadpool(_new_draft, ctx.ws, wf, data, ctx.user.name, _pdf(ctx))
    except UserError as exc:
        at = {f.name: f for f in fields}
        key = (exc.field or "").split(".")[0]
        if key in at:
            at[key].error = exc.message
            message = "กรุณาแก้ไขช่องที่มีข้อผิดพลาด"
        else:
            message = exc.message
        return ctx.render("form.html", 400, wf=wf, fields=fields, error=message)
    return ctx.redirect(f"/cases/{made.case}", "ร่างหนังสือแล้ว ตรวจตัวอย่างก่อนออกเลข")


def _pdf(ctx: Ctx) -> bool:
    """Whether to make PDFs: unless the form's "no PDF" box (``nopdf``) is ticked."""
    return ctx.form.get("nopdf") != "1"


def _new_draft(
    ws: Workspace, wf: Workflow, data: dict[str, Any], by: str, pdf: bool = True
) -> api.Made:
    with tempfile.TemporaryDirectory(prefix="saraban-web-") as tmp:
        path = Path(tmp) / "form.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with _pdf_lock if pdf else contextlib.nullcontext():
            return api.new(ws, wf.name, data_file=path, by=by, pdf=pdf)


async def check_field(ctx: Ctx) -> Response:
    """htmx: check one field as it is left; the field again, with its error or none."""
    wf = await run_in_threadpool(_workflow, ctx)
    name = ctx.param("field")
    spec = forms.specs(wf).get(name)
    if spec is None or spec.type == "file":
        raise HTTPException(404)
    field = next(f for f in forms.fields(ctx.ws, wf, {}) if f.name == name)
    field.value = str(ctx.form.get(name) or "")
    raw: Any = field.value.strip()
    if spec.type == "list":
        raw = [line.strip() for line in field.value.splitlines() if line.strip()]
    if raw not in ("", []):
        try:
            spec.parse(raw, ctx.ws.root)
        except forms.InputError as exc:
            field.error = str(exc)
    return ctx.render("field.html", wf=wf, f=field)


# --- cases ----------------------------------------------------------------------------------------
def cases_page(ctx: Ctx) -> Response:
    workflows = _workflows(ctx.ws)
    rows = list(reversed(api.cases(ctx.ws)))
    return ctx.render("cases.html", rows=rows, workflows=workflows, state_label=_state_label)


def _case(ctx: Ctx) -> api.CaseInfo:
    try:
        info = api.show(ctx.ws, str(int(ctx.param("case"))))
    except UserError:
        raise HTTPException(404) from None
    assert isinstance(info, api.CaseInfo)
    return info


def _documents(ctx: Ctx, info: api.CaseInfo) -> list[str]:
    """Every DOCX the case's history records, in order (their index is their id in links)."""
    return list(dict.fromkeys(f for e in info.history for f in e.files if f.endswith(".docx")))


def _current(docs: list[str], info: api.CaseInfo) -> list[int]:
    """The documents of the latest event that wrote any (the case's letters as they stand)."""
    for event in reversed(info.history):
        written = [f for f in event.files if f.endswith(".docx")]
        if written:
            return [docs.index(f) for f in written]
    return []


def _file(ws: Workspace, docx: str, kind: str) -> Path | None:
    """The file of ``kind`` beside a recorded DOCX, confined to the workspace; None if absent."""
    if kind not in KINDS:
        return None
    rel = Path(docx)
    rel = rel.with_name(rel.name.removesuffix(".docx") + KINDS[kind])
    try:
        path = ws.confine(rel)
    except UserError:
        return None
    return path if path.is_file() else None


def _pages(pdf: Path | None) -> int:
    if pdf is None:
        return 0
    from pypdf import PdfReader

    try:
        return len(PdfReader(pdf).pages)
    except Exception:  # a damaged PDF: no preview
        return 0


def case_page(ctx: Ctx) -> Response:
    assert ctx.user is not None
    info = _case(ctx)
    wf = api.get_workflow(ctx.ws, info.workflow)
    docs = _documents(ctx, info)
    current = []
    for i in _current(docs, info):
        pdf = _file(ctx.ws, docs[i], "pdf")
        kinds = [k for k in KINDS if _file(ctx.ws, docs[i], k)]
        current.append({"id": i, "path": docs[i], "kinds": kinds, "pages": _pages(pdf)})
    events = []
    for name in info.allowed_events:
        ev = wf.events[name]
        if ev.cancels and ctx.user.role not in ADMIN:
            continue
        inputs = [forms.Field(spec) for spec in ev.inputs.values()]
        makes = any(a.kind in ("issue", "render") for a in ev.actions)
        events.append(
            {"name": name, "label": ev.label or name, "inputs": inputs, "cancels": ev.cancels,
             "makes": makes}
        )  # fmt: skip
    return ctx.render(
        "case.html",
        info=info,
        wf=wf,
        state=wf.state(info.state),
        documents=current,
        events=events,
        draft=info.state == wf.initial_state,
    )


def case_event(ctx: Ctx) -> Response:
    """Fire an event (a button of the case page) with its inputs; back to the case page."""
    assert ctx.user is not None
    info = _case(ctx)
    wf = api.get_workflow(ctx.ws, info.workflow)
    name = ctx.param("event")
    ev = wf.events.get(name)
    if ev is None:
        raise HTTPException(404)
    if ev.cancels and ctx.user.role not in ADMIN:
        return ctx.refuse(403, "เฉพาะผู้ดูแลระบบเท่านั้นที่ยกเลิกเรื่องและเลขที่หนังสือได้")
    if name == wf.issue_event and ctx.user.role not in WRITERS:
        return ctx.refuse(403, "เฉพาะเจ้าหน้าที่สารบรรณหรือผู้ดูแลระบบเท่านั้นที่ออกเลขได้")
    sets = []
    for key in ev.inputs:
        value = str(ctx.form.get(key) or "").strip()
        if value:
            sets.append(f"{key}={value}")
    makes = any(a.kind in ("issue", "render") for a in ev.actions) and _pdf(ctx)
    try:
        with _pdf_lock if makes else contextlib.nullcontext():
            made = api.advance(ctx.ws, info.case, name, sets=sets, by=ctx.user.name, pdf=makes)
    except UserError as exc:
        return ctx.redirect(f"/cases/{info.case}", f"ทำรายการไม่สำเร็จ: {exc.message}")
    label = ev.label or name
    numbers = ", ".join(d.number for d in made.documents if d.number)
    return ctx.redirect(
        f"/cases/{info.case}", f"{label} แล้ว" + (f" — ที่ {numbers}" if numbers else "")
    )


def case_file(ctx: Ctx) -> Response:
    """A file of one of the case's documents (the DOCX recorded in its history, or the PDF,
    bundle or copies beside it)."""
    info = _case(ctx)
    docs = _documents(ctx, info)
    index = int(ctx.param("doc"))
    if not 0 <= index < len(docs):
        raise HTTPException(404)
    path = _file(ctx.ws, docs[index], ctx.param("kind"))
    if path is None:
        raise HTTPException(404)
    return _download(path)


def case_page_png(ctx: Ctx) -> Response:
    """Page ``n`` of a document's PDF as a PNG (the preview), made by pdftoppm."""
    info = _case(ctx)
    docs = _documents(ctx, info)
    index, page = int(ctx.param("doc")), int(ctx.param("page"))
    pdf = _file(ctx.ws, docs[index], "pdf") if 0 <= index < len(docs) else None
    if pdf is None or not 1 <= page <= _pages(pdf):
        raise HTTPException(404)
    return Response(render_page(pdf, page), media_type="image/png")


def render_page(pdf: Path, page: int, dpi: int = 60) -> bytes:
    """Page ``page`` of ``pdf`` as PNG bytes (poppler's pdftoppm)."""
    tool = programs.tool("pdftoppm", "apt-get install poppler-utils")
    with tempfile.TemporaryDirectory(prefix="saraban-page-") as tmp:
        out = Path(tmp) / "page"
        subprocess.run(
            [tool, "-png", "-r", str(dpi), "-f", str(page), "-l", str(page), "-singlefile",
             str(pdf), str(out)],
            check=True, capture_output=True, timeout=60,
        )  # fmt: skip
        return out.with_suffix(".png").read_bytes()


def _download(path: Path) -> Response:
    media = (
        "application/pdf"
        if path.suffix == ".pdf"
        else ("application/vnd.openxmlformats-officedocument.wordprocessingml.document")
    )
    return FileResponse(path, media_type=media, filename=path.name)


# --- the register -------------------------------------------------------------------------------
def _search(entries: list[Entry], query: str) -> list[Entry]:
    """Entries whose subject or recipient contains ``query`` (Thai or Arabic digits alike)."""
    words = thai.to_arabic_digits(query).casefold().split()
    if not words:
        return entries
    return [
        e
        for e in entries
        if all(
            w in thai.to_arabic_digits(f"{e.subject} {e.recipient} {e.number_text}").casefold()
            for w in words
        )
    ]


def register_page(ctx: Ctx) -> Response:
    q = ctx.request.query_params
    year, series, query = q.get("year") or None, q.get("series") or None, q.get("q") or ""
    error = ""
    try:
        rows = api.register_list(ctx.ws, year, series)
    except UserError as exc:
        rows, error = [], exc.message
    all_rows = api.register_list(ctx.ws)
    years = sorted({e.year for e in all_rows}, reverse=True)
    series_names = list(
        dict.fromkeys(["normal", "circular", "order", *(e.series for e in all_rows)])
    )
    return ctx.render(
        "register.html",
        rows=list(reversed(_search(rows, query))),
        years=years,
        series_names=series_names,
        year=year or "",
        series=series or "",
        q=query,
        error=error,
    )


def register_export(ctx: Ctx) -> Response:
    fmt = ctx.param("fmt")
    if fmt not in ("csv", "xlsx"):
        raise HTTPException(404)
    year = ctx.request.query_params.get("year") or None
    with tempfile.TemporaryDirectory(prefix="saraban-export-") as tmp:
        out = Path(tmp) / f"register.{fmt}"
        try:
            api.register_export(ctx.ws, year, fmt, str(out))
        except UserError as exc:
            return ctx.refuse(400, exc.message)
        data = out.read_bytes()
    media = (
        "text/csv; charset=utf-8"
        if fmt == "csv"
        else ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    )
    name = f"register-{year or 'all'}.{fmt}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def register_print(ctx: Ctx) -> Response:
    """The register of a year in its regulation form (ทะเบียนหนังสือส่ง, แบบที่ 14), as
    ``saraban register print`` makes it: DOCX, or PDF through LibreOffice."""
    fmt = ctx.param("fmt")
    if fmt not in ("docx", "pdf"):
        raise HTTPException(404)
    q = ctx.request.query_params
    year = q.get("year") or str(dt.date.today().year + thai.BE_OFFSET)
    series = q.get("series") or None
    with tempfile.TemporaryDirectory(prefix="saraban-print-") as tmp:
        out = Path(tmp) / "register.docx"
        try:
            with _pdf_lock if fmt == "pdf" else contextlib.nullcontext():
                api.register_print(ctx.ws, year, series, pdf=fmt == "pdf", out=str(out))
        except UserError as exc:
            return ctx.refuse(400, exc.message)
        data = out.with_suffix(f".{fmt}").read_bytes()
    media = (
        "application/pdf"
        if fmt == "pdf"
        else "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    )
    name = f"register-{thai.to_arabic_digits(year)}{'-' + series if series else ''}.{fmt}"
    return Response(
        data, media_type=media, headers={"Content-Disposition": f'attachment; filename="{name}"'}
    )


def letter_file(ctx: Ctx) -> Response:
    """A registered letter's file, looked up by its register entry (never a path from the
    request)."""
    entry = entry_of(ctx)
    path = _file(ctx.ws, entry.path, ctx.param("kind")) if entry.path else None
    if path is None:
        raise HTTPException(404)
    return _download(path)


def cancel_page(ctx: Ctx) -> Response:
    return ctx.render("cancel.html", entry=entry_of(ctx))


def cancel_post(ctx: Ctx) -> Response:
    entry = entry_of(ctx)
    reason = str(ctx.form.get("reason") or "").strip()
    if not reason:
        return ctx.render("cancel.html", 400, entry=entry, error="กรุณาระบุเหตุที่ยกเลิก")
    try:
        api.register_cancel(
            ctx.ws, str(entry.number), reason, series=entry.series, year=str(entry.year),
            by=ctx.user.name if ctx.user else None,
        )  # fmt: skip
    except UserError as exc:
        return ctx.render("cancel.html", 400, entry=entry, error=exc.message)
    return ctx.redirect("/register", f"ยกเลิกเลขที่ {entry.number_text} แล้ว")


# --- the application ------------------------------------------------------------------------------
@dataclass(frozen=True)
class Page:
    """One row of the route table: path, methods, handler and the roles allowed."""

    path: str
    methods: tuple[str, ...]
    handler: Handler
    roles: frozenset[str]


GET, POST = ("GET",), ("POST",)
PAGES: Final = (
    Page("/signin", GET, signin_page, PUBLIC),
    Page("/signin", POST, signin, PUBLIC),
    Page("/signout", POST, signout, READERS),
    Page("/", GET, home, READERS),
    Page("/new", GET, new_list, WRITERS),
    Page("/new/{workflow}", GET, new_form, WRITERS),
    Page("/new/{workflow}", POST, new_post, WRITERS),
    Page("/new/{workflow}/check/{field}", POST, check_field, WRITERS),
    Page("/cases", GET, cases_page, READERS),
    Page("/cases/{case:int}", GET, case_page, READERS),
    Page("/cases/{case:int}/events/{event}", POST, case_event, READERS),
    Page("/cases/{case:int}/documents/{doc:int}/page-{page:int}.png", GET, case_page_png, READERS),
    Page("/cases/{case:int}/documents/{doc:int}/{kind}", GET, case_file, READERS),
    Page("/register", GET, register_page, READERS),
    Page("/register/export.{fmt}", GET, register_export, READERS),
    Page("/register/print.{fmt}", GET, register_print, READERS),
    Page("/register/{entry:int}/cancel", GET, cancel_page, ADMIN),
    Page("/register/{entry:int}/cancel", POST, cancel_post, ADMIN),
    Page("/letters/{entry:int}/{kind}", GET, letter_file, READERS),
    # the admin pages (engine/web/admin.py)
    Page("/admin/office", GET, admin.office_page, ADMIN),
    Page("/admin/office", POST, admin.office_post, ADMIN),
    Page("/admin/signers", GET, admin.signers_page, ADMIN),
    Page("/admin/signers", POST, admin.signer_post, ADMIN),
    Page("/admin/signers/{signer}/remove", POST, admin.signer_remove, ADMIN),
    Page("/admin/users", GET, admin.users_page, ADMIN),
    Page("/admin/users", POST, admin.user_add, ADMIN),
    Page("/admin/users/{name}/role", POST, admin.user_role, ADMIN),
    Page("/admin/users/{name}/password", POST, admin.user_password, ADMIN),
    Page("/admin/users/{name}/remove", POST, admin.user_remove, ADMIN),
    Page("/register/{entry:int}/correct", GET, admin.correct_page, ADMIN),
    Page("/register/{entry:int}/correct", POST, admin.correct_post, ADMIN),
    Page("/register/start", GET, admin.start_page, ADMIN),
    Page("/register/start", POST, admin.start_post, ADMIN),
    # circulars, regeneration and their background jobs (engine/web/bulk.py)
    Page("/circular", GET, bulk.circular_form, WRITERS),
    Page("/circular", POST, bulk.circular_post, WRITERS),
    Page("/regenerate", GET, bulk.regenerate_page, WRITERS),
    Page("/regenerate", POST, bulk.regenerate_post, WRITERS),
    Page("/jobs/{job}", GET, bulk.job_page, WRITERS),
    Page("/jobs/{job}/progress", GET, bulk.job_progress, WRITERS),
)
"""Every page: the only place routes and their roles are declared. Event buttons refine their
route's roles by the event: cancelling (numbers) is for admins, issuing for clerks and admins."""


def routes() -> list[BaseRoute]:
    out: list[BaseRoute] = [
        Route(p.path, guard(p.handler, p.roles), methods=list(p.methods)) for p in PAGES
    ]
    out.append(Mount("/static", StaticFiles(directory=HERE / "static"), name="static"))
    return out


async def _not_found(request: Request, exc: Exception) -> Response:
    status = getattr(exc, "status_code", 500)
    text = {404: "ไม่พบหน้านี้", 405: "ใช้วิธีนี้กับหน้านี้ไม่ได้"}.get(status, "เกิดข้อผิดพลาด")
    html = _env.get_template("message.html").render(user=None, csrf="", flash=None, message=text)
    return _secure(HTMLResponse(html, status_code=status))


def create_app(ws: Workspace, *, secure_cookies: bool = False) -> Starlette:
    """The application of workspace ``ws`` (its register holds the users and the cookie key)."""
    ws.office  # noqa: B018 - a broken office.yaml is reported before serving
    secret = accounts.session_secret(ws)
    app = Starlette(
        routes=routes(),
        middleware=[
            Middleware(
                SessionMiddleware,
                secret_key=secret,
                session_cookie="saraban_session",
                max_age=SESSION_HOURS * 3600,
                same_site="lax",
                https_only=secure_cookies,
            )
        ],
        exception_handlers={404: _not_found, 405: _not_found},
    )
    app.state.workspace = ws
    return app
