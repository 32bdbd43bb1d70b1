"""``saraban warm start|stop|status``: the warm server's controls (การควบคุมเซิร์ฟเวอร์อุ่นเครื่อง).

:func:`start` runs ``python -m engine.warmserver`` as a background process in a session of its
own and waits until it answers (it answers once it has imported the engine);
:func:`stop` asks it to exit once its running commands finish; :func:`status` reports it.
The server itself is engine/warmserver.py, the wire format engine/warmproto.py; see docs/warm.md.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
from dataclasses import dataclass

from . import warmproto
from .errors import UserError
from .i18n import _

START_TIMEOUT = 60.0
"""Seconds to wait for a new server to answer."""


@dataclass(frozen=True)
class Status:
    """A running server: its process, the commands it has run, when it started, its idle time
    limit (seconds) and the commands running now."""

    pid: int
    served: int
    started: int
    idle: int
    running: int
    socket: str


def status() -> Status | None:
    """The server of this user and installation, or None when none answers."""
    reply = warmproto.ask(b"status")
    if reply is None or reply[0] != b"status" or len(reply) != 6:
        return None
    pid, served, started, idle, running = (int(v) for v in reply[1:])
    return Status(pid, served, started, idle, running, warmproto.socket_path())


def start(idle: float) -> tuple[Status, bool]:
    """Start the server unless one runs; returns it and whether it was started now."""
    found = status()
    if found is not None:
        return found, False
    if idle <= 0:
        raise UserError(_("--idle must be a positive number of seconds"), field="--idle")
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.warmserver", "--idle", str(idle)],
        cwd=os.path.dirname(warmproto.engine_folder()),  # first on sys.path: this engine
        stdin=subprocess.DEVNULL,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,  # not killed with the terminal's process group
    )
    deadline = time.monotonic() + START_TIMEOUT
    while time.monotonic() < deadline:
        found = status()
        if found is not None:
            assert proc.stderr is not None
            proc.stderr.close()
            return found, found.pid == proc.pid
        code = proc.poll()
        if code is not None and code != 3:  # 3: another server took the lock first
            assert proc.stderr is not None
            lines = proc.stderr.read().decode(errors="replace").strip().splitlines()
            reason = lines[-1] if lines else _("exit status {code}").format(code=code)
            raise UserError(_("the warm server did not start: {reason}").format(reason=reason))
        time.sleep(0.02)
    proc.kill()
    proc.wait()
    raise UserError(_("the warm server did not answer within {seconds} s").format(
        seconds=int(START_TIMEOUT)))  # fmt: skip


def stop() -> int | None:
    """Ask the server to exit (after its running commands); its process id, or None."""
    reply = warmproto.ask(b"stop")
    if reply is None or reply[0] != b"stopping":
        return None
    return int(reply[1])
