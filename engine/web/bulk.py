"""The web pages of work on many letters at once (งานหนังสือจำนวนมาก): circulars and regeneration.

**A circular** (หนังสือเวียน, ``/circular``): the form of the ``circular`` workflow (the generic
letter's fields, :mod:`engine.web.forms`) and a recipients file, CSV (UTF-8 text) or XLSX (a
zip), judged by its content and saved under ``uploads/``. The file is checked row by row
(:func:`engine.recipients.check_recipients`, the rules ``saraban new circular`` applies): every
bad row is shown in a table with its row number, its column and the problem. A sound form starts
a job (:mod:`engine.web.jobs`) that issues the circular as ``saraban new circular --data …
--issue --pdf`` does (:func:`engine.api.new`): one ว number, the master, one copy per recipient,
the combined DOCX and PDF. Its page shows the copies being made, then the downloads.

**Regeneration** (สร้างหนังสือใหม่, ``/regenerate``): what ``saraban regenerate --dry-run`` lists
(which letters would change and why; the letters already sent, which need a correction letter;
those skipped), then a run as a job (:func:`engine.api.regenerate` with ``pdf``), one at a time.

These handlers are rows of :data:`engine.web.app.PAGES` and run inside its guard: they get the
request context (:class:`engine.web.app.Ctx`, described by :class:`engine.web.context.Context`).
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any, Final

import yaml
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.responses import Response

from engine import api
from engine.errors import UserError
from engine.i18n import _
from engine.inputs import InputError
from engine.recipients import Checked, RecipientError, check_recipients
from engine.workflow import Workflow
from engine.workspace import Workspace

from . import forms, jobs
from .context import Context

CIRCULAR: Final = "circular"
"""The workflow a circular is issued by."""
RECIPIENTS: Final = "recipients"
"""The form field of the recipients file."""
ZIP: Final = b"PK\x03\x04"


def _user(ctx: Context) -> str:
    assert ctx.user is not None  # the guard lets no anonymous request through
    return ctx.user.name


# --- circulars --------------------------------------------------------------------------------------
def recipients_type(data: bytes) -> str:
    """The suffix of an uploaded recipients file by its content: ``.xlsx`` for a zip (an XLSX
    workbook is one), ``.csv`` for UTF-8 text without NUL; else :class:`InputError`."""
    if data.startswith(ZIP):
        return ".xlsx"
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        text = "\x00"
    if "\x00" in text:
        raise InputError(
            _(
                "a recipients file is a CSV file (UTF-8 text) or an XLSX workbook: in Excel, save it as 'CSV UTF-8' or 'Excel Workbook (.xlsx)'"
            )
        )
    return ".csv"


def _circular(ws: Workspace) -> Workflow:
    if CIRCULAR not in ws.workflow_paths():
        raise HTTPException(404)
    return api.get_workflow(ws, CIRCULAR)


def circular_form(ctx: Context) -> Response:
    wf = _circular(ctx.ws)
    return ctx.render(
        "circular.html", wf=wf, fields=forms.fields(ctx.ws, wf), job=jobs.new_id(), kept=""
    )


async def circular_post(ctx: Context) -> Response:
    """Check the form and the recipients file (every bad row shown); a sound one starts the
    job that issues the circular, and goes to its page."""
    ws = ctx.ws
    wf = await run_in_threadpool(_circular, ws)
    job_id = str(ctx.form.get("job") or "")
    if not jobs.ID.fullmatch(job_id):
        return ctx.refuse(400, "แบบฟอร์มไม่สมบูรณ์ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")
    if await run_in_threadpool(jobs.get, ws, job_id) is not None:  # the same form, again
        return ctx.redirect(f"/jobs/{job_id}")
    data, fields = await forms.read(ws, wf, ctx.form, ctx.form.getlist)
    for f in fields:  # the engine checks them again; here, before the job starts
        if f.required and not f.error and not str(f.value).strip():
            f.error = "กรุณากรอกช่องนี้"
    kept, file_name, file_error = await _recipients_file(ctx)
    checked: Checked | None = None
    if kept:
        try:
            checked = await run_in_threadpool(check_recipients, kept, ws.root)
        except UserError as exc:
            file_error = _file_problem(exc)
    elif not file_error:
        file_error = "กรุณาเลือกไฟล์รายชื่อผู้รับ (CSV หรือ XLSX)"
    problems = checked.problems if checked else []
    if file_error or problems or any(f.error for f in fields):
        return ctx.render(
            "circular.html", 400, wf=wf, fields=fields, job=job_id, kept=kept,
            file_name=file_name,
            file_error=file_error, checked=checked, rows=_problem_rows(checked),
            error="กรุณาแก้ไขข้อผิดพลาดที่แสดงไว้",
        )  # fmt: skip
    data[RECIPIENTS] = kept
    user = _user(ctx)
    job, _started = await run_in_threadpool(
        jobs.start, ws, CIRCULAR, job_id, user, lambda: issue_circular(ws, data, user)
    )
    return ctx.redirect(f"/jobs/{job.id if job else job_id}")


async def _recipients_file(ctx: Context) -> tuple[str, str, str]:
    """The recipients file of the post: (its workspace-relative path, the name it was sent by,
    "") when one was sent or kept from the previous post, else ("", "", the problem)."""
    upload = ctx.form.get(RECIPIENTS)
    if upload is not None and not isinstance(upload, str) and getattr(upload, "filename", None):
        name = str(upload.filename)
        try:
            return await forms.save_upload(ctx.ws, upload, recipients_type), name, ""
        except InputError as exc:
            return "", "", f"{name}: {exc}"
    kept = forms.kept_upload(ctx.ws, str(ctx.form.get(f"{RECIPIENTS}__kept") or ""))
    if kept and Path(kept).suffix in (".csv", ".xlsx"):
        return kept, str(ctx.form.get(f"{RECIPIENTS}__name") or "")[:200], ""
    return "", "", ""


def _file_problem(exc: UserError) -> str:
    """A problem of the whole recipients file, without the saved file's random name."""
    if isinstance(exc, RecipientError):
        where = ", ".join(
            ([f"แถว {exc.row}"] if exc.row is not None else [])
            + ([f"คอลัมน์ '{exc.column}'"] if exc.column else [])
        )
        return f"{where}: {exc.detail}" if where else exc.detail
    return exc.message


def _problem_rows(checked: Checked | None) -> list[dict[str, Any]]:
    """The rows of the problem table: each bad row's number, cells and problems."""
    if checked is None:
        return []
    by_row: dict[int | None, list[RecipientError]] = {}
    for p in checked.problems:
        by_row.setdefault(p.row, []).append(p)
    return [
        {"row": row, "cells": checked.cells.get(row, []) if row is not None else [],
         "problems": found}
        for row, found in sorted(by_row.items(), key=lambda item: item[0] or 0)
    ]  # fmt: skip


def issue_circular(ws: Workspace, data: dict[str, Any], by: str) -> dict[str, Any]:
    """Issue a circular from the form's data, as ``saraban new circular --data FILE --issue
    --pdf`` does; what the job's page shows (the case, number, register entry, recipients)."""
    with tempfile.TemporaryDirectory(prefix="saraban-web-") as tmp:
        path = Path(tmp) / "circular.yaml"
        path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
        with jobs.PDF_LOCK:
            made = api.new(ws, CIRCULAR, data_file=path, issue=True, pdf=True, by=by)
    info = api.show(ws, str(made.case))
    assert isinstance(info, api.CaseInfo)
    entry = next((e for e in info.letters if e.number_text == made.number), None)
    return {
        "case": made.case,
        "number": made.number,
        "entry": entry.id if entry else None,
        "recipient": entry.recipient if entry else "",
        "subject": entry.subject if entry else "",
    }


# --- regeneration ---------------------------------------------------------------------------------
def _fresh(ws: Workspace) -> Workspace:
    """The workspace read anew: regeneration is about office.yaml, templates and workflows
    edited since the server started (the server's own :class:`Workspace` keeps what it read)."""
    return Workspace(ws.root)


def regenerate_page(ctx: Context) -> Response:
    """What a regeneration would do now (the dry run), and the button that runs it."""
    ws = _fresh(ctx.ws)
    current = jobs.running(ws, "regenerate")
    try:
        report = api.regenerate(ws, dry_run=True, by=_user(ctx))
    except UserError as exc:
        return ctx.render("regenerate.html", 400, report=None, error=str(exc), current=current)
    return ctx.render(
        "regenerate.html", report=report, error="", current=current, job=jobs.new_id()
    )


def regenerate_post(ctx: Context) -> Response:
    """Start the regeneration (one at a time: while one runs, its page is shown instead)."""
    ws = _fresh(ctx.ws)
    job_id = str(ctx.form.get("job") or "")
    if not jobs.ID.fullmatch(job_id):
        return ctx.refuse(400, "แบบฟอร์มไม่สมบูรณ์ กรุณาโหลดหน้าใหม่แล้วลองอีกครั้ง")
    user = _user(ctx)
    job, _started = jobs.start(
        ws, "regenerate", job_id, user, lambda: run_regeneration(ws, user), single="regenerate"
    )
    return ctx.redirect(f"/jobs/{job.id if job else job_id}")


def run_regeneration(ws: Workspace, by: str) -> dict[str, Any]:
    """``saraban regenerate --pdf --workers 1`` (no processes forked from the server); its
    report as ``--json`` gives it."""
    with jobs.PDF_LOCK:
        report = api.regenerate(ws, by=by, pdf=True, workers=1)
    return report.as_json()


# --- a job's page -----------------------------------------------------------------------------------
def _job(ctx: Context) -> jobs.Job:
    job = jobs.get(ctx.ws, ctx.param("job"))
    if job is None:
        raise HTTPException(404)
    return job


def job_page(ctx: Context) -> Response:
    return ctx.render("job.html", j=_job(ctx))


def job_progress(ctx: Context) -> Response:
    """htmx: the job's progress (polled each second while it runs), or its result."""
    return ctx.render("job_progress.html", j=_job(ctx))
