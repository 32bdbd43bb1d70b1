"""What a PDF run leaves when it dies (ของค้างจากการทำ PDF ที่ถูกหยุดกลางคัน): LibreOffice
processes, their profile folders in the temporary directory, and ``.part`` files beside PDFs.

Ownership
    A converter's folder ``$TMPDIR/saraban-lo-XXXX`` (:func:`make_root`) holds ``owner.lock``,
    flock'ed by the process that made it for as long as that process lives. The lock file is
    created locked and renamed into place, so an ``owner.lock`` that can be locked means a dead
    owner. Every LibreOffice process of the folder names it on its command line (its profile, or
    the bridge's last argument). A temporary file beside a PDF carries its maker's run token
    ``r<PID>-<start>-<host>`` in its name (:func:`token`: process id, start time in clock ticks
    since boot, machine); it belongs to a dead run when no process of this machine has that id
    and start time. A file of another machine (a shared folder) or without a token (an earlier
    version) is left for :data:`FOREIGN_PART_AGE`.

Cleaning
    * The watchdog (:func:`spawn_watchdog`, ``python -m engine.pdfclean --watch FOLDER``): one
      small process per converter, in a session of its own so that a ``kill -9`` of the run's
      process group spares it. It waits for its standard input to end (the run closed it, or
      died), then, if the owner is dead, kills the folder's LibreOffice processes, removes the
      folder and the dead ``.part`` files in the folders the run wrote PDFs to.
    * The next run (:func:`sweep` at the start of every command, :func:`reap_profiles` when a
      converter starts): the same for every dead folder of this user, and the dead ``.part``
      files anywhere under ``letters/``. A folder or file of a live run is never touched.

Linux only for processes (``/proc``); elsewhere folders and files are still cleaned.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import hashlib
import os
import re
import shutil
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import logging
    import subprocess


def _log() -> logging.Logger:
    """This module's logger (logging is imported only when something is logged: the sweeps run
    on every command)."""
    import logging

    return logging.getLogger(__name__)


PREFIX = "saraban-lo-"
LOCK = "owner.lock"
#: a folder without ``owner.lock`` and without processes (made by an earlier version, or by a run
#: killed while making it) is left alone this long after its last change
UNLOCKED_GRACE = 3600.0
#: a temporary file of another machine (a shared folder), or of a version that put no run token
#: in its names, is removed after this long
FOREIGN_PART_AGE = 24 * 3600.0

_TOKEN = re.compile(r"\.r(\d+)-(\d+)-([0-9a-f]{6})\.")
_LEGACY_PART = re.compile(
    r"^\..+\.(?:[0-9a-f]{8}\.part(?:\.pdf)?|[a-z0-9_]{8}\.part|fit[12]\.[0-9a-f]{8}\.pdf)$"
)
_LEGACY_PIPE = re.compile(rb"pipe,name=saraban_(\d+)_")
#: what the command line of a LibreOffice process or of its bridge has (engine.pdf._Worker)
_LIBREOFFICE = (b"-env:UserInstallation=", b"StarOffice.ComponentContext")


# --------------------------------------------------------------------------------------------
# Processes


def process_start(pid: int) -> int | None:
    """Start time of a process (clock ticks since boot, from /proc), None when there is none.

    0 where the system has no /proc but the process exists (then only its id is compared)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_bytes()
    except FileNotFoundError:
        if Path("/proc/self/stat").exists():
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None
        except PermissionError:
            pass
        return 0
    except OSError:
        return None
    fields = stat[stat.rfind(b")") + 2 :].split()
    if fields[0] in (b"Z", b"X"):  # a zombie is dead
        return None
    return int(fields[19])


_token: tuple[int, str] | None = None


def _host() -> str:
    """Six hex digits naming this machine: process ids mean nothing on another one."""
    return hashlib.sha1(os.uname().nodename.encode()).hexdigest()[:6]


def token() -> str:
    """This process's run token, ``r<PID>-<start>-<host>``, for its temporary files' names."""
    global _token
    pid = os.getpid()
    if _token is None or _token[0] != pid:  # recomputed in a forked child
        _token = (pid, f"r{pid}-{process_start(pid) or 0}-{_host()}")
    return _token[1]


def _token_alive(pid: int, start: int) -> bool:
    found = process_start(pid)
    return found is not None and (found == start or found == 0 or start == 0)


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _processes_naming(folder: Path) -> dict[int, bytes]:
    """LibreOffice processes (soffice, its bridge) of this user whose command line names
    ``folder`` (path or file URI)."""
    needles = (os.fsencode(folder) + b"/", os.fsencode(folder.as_uri()) + b"/")
    found = {}
    uid = os.getuid()
    with contextlib.suppress(OSError):
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit() or int(entry.name) == os.getpid():
                continue
            try:
                if entry.stat().st_uid != uid:
                    continue
            except OSError:
                continue
            cmd = _cmdline(int(entry.name))
            if any(n in cmd for n in needles) and any(m in cmd for m in _LIBREOFFICE):
                found[int(entry.name)] = cmd
    return found


def _signal(pid: int, expect: bytes) -> None:
    """SIGKILL ``pid`` if it still runs the command line ``expect`` (a pidfd where the system
    has them, so that a recycled process id is never hit)."""
    pidfd = None
    with contextlib.suppress(AttributeError, OSError):
        pidfd = os.pidfd_open(pid)
    try:
        if _cmdline(pid) != expect:
            return
        if pidfd is not None:
            signal.pidfd_send_signal(pidfd, signal.SIGKILL)
        else:
            os.kill(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass
    finally:
        if pidfd is not None:
            os.close(pidfd)


def kill_processes(folder: Path, wait: float = 5.0) -> int:
    """Kill every process of this user naming ``folder``; returns how many there were."""
    killed: set[int] = set()
    deadline = time.monotonic() + wait
    while True:
        found = _processes_naming(folder)
        if not found:
            return len(killed)
        for pid, cmd in found.items():
            _signal(pid, cmd)
            killed.add(pid)
        if time.monotonic() > deadline:
            _log().warning("LibreOffice processes of %s do not stop: %s", folder, sorted(found))
            return len(killed)
        time.sleep(0.05)


# --------------------------------------------------------------------------------------------
# Profile folders


def make_root() -> tuple[Path, int]:
    """A new ``saraban-lo-`` folder in the temporary directory and the descriptor holding the
    lock on its ``owner.lock`` (created locked, then renamed into place). Keep the descriptor
    open for as long as the folder is in use."""
    root = Path(tempfile.mkdtemp(prefix=PREFIX))
    tmp = root / ".owner"
    fd = os.open(tmp, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o600)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        os.write(fd, f"{os.getpid()} {process_start(os.getpid()) or 0}\n".encode())
        os.rename(tmp, root / LOCK)
    except BaseException:
        os.close(fd)
        shutil.rmtree(root, ignore_errors=True)
        raise
    return root, fd


def _lock_if_dead(root: Path) -> int | None:
    """The descriptor of a lock on ``root``'s owner.lock when its owner is dead (hold it while
    cleaning), else None (a live owner, or another process cleaning it right now)."""
    try:
        fd = os.open(root / LOCK, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _legacy_dead(root: Path) -> bool:
    """A folder without owner.lock (made by an earlier version): dead when each of its
    LibreOffice processes names a dead run in its pipe (``saraban_<PID>_``), or, without
    processes, when it has not changed for :data:`UNLOCKED_GRACE`."""
    processes = _processes_naming(root)
    if processes:
        for cmd in processes.values():
            m = _LEGACY_PIPE.search(cmd)
            if m is None or process_start(int(m.group(1))) is not None:
                return False
        return True
    try:
        return time.time() - root.stat().st_mtime > UNLOCKED_GRACE
    except OSError:
        return False


def _clean_root(root: Path) -> bool:
    kill_processes(root)
    shutil.rmtree(root, ignore_errors=True)
    return not root.exists()


def reap_profile(root: Path) -> bool:
    """Clean one converter folder if its owner is dead: its processes, then the folder.
    Returns whether it was cleaned."""
    try:
        st = root.lstat()
    except OSError:
        return False
    if not root.is_dir() or root.is_symlink() or st.st_uid != os.getuid():
        return False
    if (root / LOCK).exists():
        fd = _lock_if_dead(root)
        if fd is None:
            return False
        try:
            return _clean_root(root)
        finally:
            os.close(fd)
    if _legacy_dead(root):
        return _clean_root(root)
    return False


def reap_profiles(tmp: str | Path | None = None) -> int:
    """Clean every converter folder of a dead run in the temporary directory; how many."""
    folder = Path(tmp or tempfile.gettempdir())
    cleaned = 0
    for root in folder.glob(f"{PREFIX}*"):
        try:
            if reap_profile(root):
                cleaned += 1
                _log().info("removed LibreOffice leftovers of a stopped run: %s", root)
        except OSError as exc:
            _log().warning("cannot clean %s: %s", root, exc)
    return cleaned


# --------------------------------------------------------------------------------------------
# Temporary files beside PDFs


def has_token(name: str) -> bool:
    """Whether a file name carries a PDF run's token (:func:`token`): its owner is then told by
    :func:`part_owner_dead`, not by the register's run locks (engine.recovery)."""
    return _TOKEN.search(name) is not None


def part_owner_dead(path: Path, now: float | None = None) -> bool:
    """Whether ``path`` is a temporary file of a PDF run that is no longer running."""
    name = path.name
    if not name.startswith(".") or not (name.endswith(".part") or name.endswith(".pdf")):
        return False
    tokens = _TOKEN.findall(name)
    if tokens and not (name.endswith(".part") or name.endswith(".part.pdf")):
        return False
    host = _host()
    if tokens and all(h == host for _, _, h in tokens):
        return not any(_token_alive(int(p), int(s)) for p, s, _ in tokens)
    if tokens or _LEGACY_PART.match(name):
        try:
            age = (now or time.time()) - path.lstat().st_mtime
        except OSError:
            return False
        return age > FOREIGN_PART_AGE
    return False


def reap_parts(folders: list[Path] | tuple[Path, ...], recursive: bool = True) -> list[Path]:
    """Remove the temporary files of dead PDF runs in ``folders`` (and below); returns them."""
    removed = []
    now = time.time()
    for folder in folders:
        stack = [folder]
        while stack:
            current = stack.pop()
            try:
                entries = list(os.scandir(current))
            except OSError:
                continue
            for entry in entries:
                try:
                    if entry.is_dir(follow_symlinks=False):
                        if recursive:
                            stack.append(Path(entry.path))
                        continue
                except OSError:
                    continue
                path = Path(entry.path)
                if entry.name.startswith(".") and part_owner_dead(path, now):
                    with contextlib.suppress(FileNotFoundError):
                        path.unlink()
                        removed.append(path)
    return removed


def sweep(workspace: str | Path) -> None:
    """At the start of a command: clean what dead PDF runs left (LibreOffice processes and
    folders of this user, ``.part`` files under the workspace's ``letters/``). Never fails."""
    try:
        reap_profiles()
        letters = Path(workspace) / "letters"
        if letters.is_dir():
            for path in reap_parts([letters]):
                _log().info("removed a temporary file of a stopped run: %s", path)
    except Exception as exc:  # housekeeping must not stop the command
        _log().warning("cleaning leftovers of stopped runs: %s", exc)


# --------------------------------------------------------------------------------------------
# The watchdog


def spawn_watchdog(root: Path) -> subprocess.Popen:
    """Start the watchdog of a converter folder; write a folder per line to its stdin to have
    dead ``.part`` files there removed too; close its stdin when the folder is gone."""
    import subprocess

    package = str(Path(__file__).resolve().parent.parent)
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package, env.get("PYTHONPATH")) if p)
    return subprocess.Popen(
        [sys.executable, "-m", "engine.pdfclean", "--watch", str(root)],
        stdin=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,  # a kill of the run's process group spares it
        env=env,
        cwd="/",
    )


def watch(root: Path, patience: float = 10.0) -> None:
    """The watchdog's work: read folders until end of input, then clean up after a dead owner."""
    folders: list[Path] = []
    for line in sys.stdin.buffer:
        path = Path(os.fsdecode(line.rstrip(b"\n")))
        if path not in folders:
            folders.append(path)
    # End of input: the owner closed it (then the folder is gone already) or died; its lock is
    # released as it exits, possibly a moment after its end of the pipe.
    deadline = time.monotonic() + patience
    while root.exists() and time.monotonic() < deadline:
        fd = _lock_if_dead(root)
        if fd is not None:
            try:
                _clean_root(root)
            finally:
                os.close(fd)
            break
        time.sleep(0.05)
    reap_parts(folders, recursive=False)  # only files whose maker is dead


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 2 or args[0] != "--watch":
        print("usage: python -m engine.pdfclean --watch FOLDER", file=sys.stderr)
        return 2
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        watch(Path(args[1]))
    except OSError as exc:
        if exc.errno != errno.EPIPE:
            raise
    return 0


if __name__ == "__main__":
    sys.exit(main())
