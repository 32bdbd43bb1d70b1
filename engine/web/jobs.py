"""Long work the web pages start in the background (งานเบื้องหลัง): a circular's copies, a
regeneration. The page that starts it returns at once; the job's page polls its progress (htmx).

A job runs in a thread of the server process. Its state (running, done or failed; the progress
as ``done`` of ``total`` with the engine's label; the result or the error) is a small JSON file,
``letters/.runs/web/<id>.json``, replaced atomically as the work advances, so that a poll served
by any worker process of the office reads it. The thread holds ``flock`` on
``letters/.runs/web/<id>.lock`` while it works: a job whose state says running but whose lock
can be taken has lost its process (the server stopped), and reads as failed.

A job cannot start twice:

* its id comes with the form that starts it (a hidden field made when the page was shown): the
  JSON file is created with ``O_EXCL``, so a second post of the same form (a double click, a
  reload) finds the job already there and goes to its page;
* work of which one at a time may run in the workspace (``single``: regeneration) also holds
  ``letters/.runs/web/<single>.lock``; while it is held, a new start goes to the running job.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import json
import os
import re
import secrets
import threading
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Final

from engine import progress
from engine.errors import UserError
from engine.render import write_atomic
from engine.workspace import Workspace

PDF_LOCK: Final = threading.Lock()
"""One LibreOffice conversion at a time in this process (a letter's preview, a circular)."""
ID: Final = re.compile(r"[A-Za-z0-9_-]{16,64}")
"""What a job id looks like (it names files: nothing else is accepted)."""
KEEP_DAYS: Final = 7
"""Finished jobs' files are removed after this many days."""
_WRITE_EVERY: Final = 0.25  # seconds between two writes of the progress


@dataclass
class Job:
    """A job as its page shows it."""

    id: str
    kind: str
    user: str
    state: str = "running"  # running | done | failed
    label: str = ""
    done: int = 0
    total: int = 0
    result: dict[str, Any] = field(default_factory=dict)
    error: str = ""
    started: str = ""
    finished: str = ""

    @property
    def running(self) -> bool:
        return self.state == "running"


def new_id() -> str:
    """A fresh job id (for the hidden field of a form that starts a job)."""
    return secrets.token_urlsafe(18)


def folder(ws: Workspace) -> Path:
    return ws.letters_dir / ".runs" / "web"


def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def get(ws: Workspace, job_id: str) -> Job | None:
    """The job ``job_id``, or None (an id of another shape names no file and is None too)."""
    if not ID.fullmatch(job_id):
        return None
    try:
        raw = json.loads((folder(ws) / f"{job_id}.json").read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return None
    job = Job(**raw) if raw else Job(job_id, "", "")  # created, its state not yet written
    if job.running and not _held(folder(ws) / f"{job_id}.lock"):
        job.state = "failed"
        job.error = "งานหยุดกลางคันเพราะเซิร์ฟเวอร์หยุดทำงาน กรุณาตรวจผลแล้วเริ่มใหม่"
    return job


def running(ws: Workspace, single: str) -> Job | None:
    """The running job of ``single`` work (regeneration), or None."""
    path = folder(ws) / f"{single}.lock"
    if not _held(path):
        return None
    with contextlib.suppress(OSError):
        return get(ws, path.with_suffix(".current").read_text(encoding="ascii").strip())
    return None


def _held(lock: Path) -> bool:
    """Whether some thread or process holds ``lock`` (a job's or a single work's)."""
    try:
        fd = os.open(lock, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False


def _lock(path: Path) -> int | None:
    """``path`` locked (its descriptor), or None when another holds it."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(fd)
        return None
    return fd


def start(
    ws: Workspace,
    kind: str,
    job_id: str,
    user: str,
    work: Callable[[], dict[str, Any]],
    *,
    single: str | None = None,
) -> tuple[Job | None, bool]:
    """Run ``work`` in the background as job ``job_id``: (the job, True). When that job exists
    already, or ``single`` work is running, nothing starts: (that job, False)."""
    if not ID.fullmatch(job_id):
        raise ValueError(job_id)
    base = folder(ws)
    base.mkdir(parents=True, exist_ok=True)
    _sweep(base)
    held: list[int] = []
    try:
        if single is not None:
            fd = _lock(base / f"{single}.lock")
            if fd is None:
                return running(ws, single), False
            held.append(fd)
        fd = _lock(base / f"{job_id}.lock")
        if fd is None:
            _release(held)
            return get(ws, job_id), False
        held.append(fd)
        path = base / f"{job_id}.json"
        try:
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600))
        except FileExistsError:  # the same form again: its job (ours released, to read it)
            _release(held)
            return get(ws, job_id), False
        job = Job(job_id, kind, user, started=_now())
        _save(path, job)
        if single is not None:
            write_atomic(base / f"{single}.current", job_id.encode(), durable=False)
    except BaseException:
        _release(held)
        raise
    thread = threading.Thread(
        target=_run, args=(path, job, work, held), name=f"saraban-job-{kind}", daemon=True
    )
    thread.start()
    return job, True


def _release(held: list[int]) -> None:
    """Close (and so unlock) the descriptors of ``held``, the last taken first."""
    while held:
        os.close(held.pop())


def _save(path: Path, job: Job) -> None:
    write_atomic(path, json.dumps(asdict(job), ensure_ascii=False).encode(), durable=False)


def _run(path: Path, job: Job, work: Callable[[], dict[str, Any]], held: list[int]) -> None:
    last = 0.0

    def seen(label: str, done: int, total: int) -> None:
        nonlocal last
        job.label, job.done, job.total = label, done, total
        now = time.monotonic()
        if done in (0, total) or now - last >= _WRITE_EVERY:
            last = now
            _save(path, job)

    try:
        with progress.observed(seen):
            job.result = work()
        job.state = "done"
    except UserError as exc:
        job.state, job.error = "failed", str(exc)
    except Exception as exc:  # noqa: BLE001 - the page says what failed; the server goes on
        job.state, job.error = "failed", f"{type(exc).__name__}: {exc}"
    finally:
        job.finished = _now()
        try:
            _save(path, job)
        finally:
            _release(held)


def _sweep(base: Path) -> None:
    """Remove the files of jobs finished more than :data:`KEEP_DAYS` days ago."""
    cutoff = time.time() - KEEP_DAYS * 86400
    for path in base.glob("*.json"):
        with contextlib.suppress(OSError):
            if path.stat().st_mtime < cutoff and not _held(path.with_suffix(".lock")):
                path.unlink()
                path.with_suffix(".lock").unlink(missing_ok=True)
