"""The warm server (เซิร์ฟเวอร์อุ่นเครื่อง): one background process per user and installation that
has imported the engine, and forks a child per command (``saraban warm start``).

Run as ``python -m engine.warmserver --idle SECONDS`` by :func:`engine.warm.start`. It holds
``warm-<hash>.lock`` (flock: one server per socket), listens on ``warm-<hash>.sock`` (mode 0600
in a 0700 folder, engine/warmproto.py), and serves:

* ``run``: from a client of the same user (SO_PEERCRED) and the same installation, whose engine
  code has not changed since the server started (:func:`fingerprint`; if it has, the server
  answers ``stale`` and exits): it forks a child that takes the client's standard streams,
  folder, umask and environment and runs :func:`engine.cli.main`; the child sends the exit
  status itself. The server passes the client's signals on to the child, kills the child if
  the client goes away, and reports a child killed by a signal.
* ``status`` and ``stop``.

It exits after ``--idle`` seconds without a command, after ``stop``, or when its code is stale,
once its running children have finished. See docs/warm.md.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import fcntl
import gc
import importlib
import io
import os
import selectors
import signal
import socket
import sys
import threading
import time
from dataclasses import dataclass, field
from typing import NoReturn

from . import warmproto
from .errors import UserError
from .i18n import _

#: What ``new letter --data … --issue`` imports, imported once by the server.
WARM_MODULES = (
    "engine.cli", "engine.api", "engine.runtime", "engine.compose", "engine.circular",
    "engine.combine", "engine.dependencies", "engine.docxparts", "engine.expressions",
    "engine.letter", "engine.lifecycle", "engine.linebreak", "engine.office", "engine.pdfclean",
    "engine.recovery", "engine.references", "engine.register", "engine.render",
    "engine.results", "engine.sheets", "engine.workflow", "engine.workspace", "engine.store.db",
    "engine.store.cases", "engine.store.check", "engine.store.entries", "engine.store.journal",
    "engine.store.recipients", "engine.store.renders", "engine.store.users", "jinja2",
    "jinja2.sandbox", "yaml", "sqlite3", "zipfile", "getpass", "gettext", "locale",
)  # fmt: skip


def _refused(why: bytes) -> bytes:
    """The frame that tells a client to run its command itself (nothing has run)."""
    return warmproto.encode(b"refused", why)


DEFAULT_IDLE = 900.0
"""Seconds without a command before the server exits (15 minutes)."""


def fingerprint() -> tuple[tuple[str, int, int], ...]:
    """The engine's source files (path, size, mtime) and the import path's package folders
    (their times change when a package is installed, upgraded or removed)."""
    found: list[tuple[str, int, int]] = []
    todo = [warmproto.engine_folder()]
    while todo:
        with os.scandir(todo.pop()) as entries:
            for entry in entries:
                if entry.is_dir(follow_symlinks=False) and entry.name != "__pycache__":
                    todo.append(entry.path)
                elif entry.name.endswith((".py", ".mo")):
                    st = entry.stat()
                    found.append((entry.path, st.st_size, st.st_mtime_ns))
    for folder in sys.path:
        if not folder.endswith(("site-packages", "dist-packages")):
            continue  # a checkout's folder changes with every file written in it
        try:
            st = os.stat(folder or ".")
        except OSError:
            continue
        found.append((folder, 0, st.st_mtime_ns))
    return tuple(sorted(found))


def warm_up() -> None:
    """Import what a letter needs and compile the Thai cluster pattern (nothing that depends on
    a user's environment: the child reads that itself)."""
    for name in WARM_MODULES:
        with contextlib.suppress(ImportError):
            importlib.import_module(name)
    from . import linebreak

    linebreak._tcc_module()


@dataclass
class _Child:
    pid: int
    conn: socket.socket
    pidfd: int | None


@dataclass
class Server:
    """The server's state: its socket, its children, what it has served."""

    path: str
    idle: float
    listener: socket.socket | None = None
    selector: selectors.BaseSelector = field(default_factory=selectors.DefaultSelector)
    children: dict[int, _Child] = field(default_factory=dict)
    served: int = 0
    started: float = field(default_factory=time.time)
    last: float = field(default_factory=time.monotonic)
    stopping: bool = False
    print_: tuple[tuple[str, int, int], ...] = ()

    # --- the loop ------------------------------------------------------------------------
    def run(self) -> None:
        assert self.listener is not None
        self.selector.register(self.listener, selectors.EVENT_READ, None)
        while True:
            if self.stopping and not self.children:
                return
            if self.children:
                polling = any(c.pidfd is None for c in self.children.values())
                timeout: float | None = 0.05 if polling else None
            else:
                timeout = max(0.0, self.last + self.idle - time.monotonic())
            events = self.selector.select(timeout)
            for key, _mask in events:
                if key.data is None:
                    self._accept()
                else:
                    kind, pid = key.data
                    if pid not in self.children:  # reaped by an earlier event of this batch
                        continue
                    if kind == "conn":
                        self._from_client(pid)
                    else:
                        self._reap(pid)
            for pid in [p for p, c in self.children.items() if c.pidfd is None]:
                self._reap(pid, block=False)
            if not self.children and time.monotonic() >= self.last + self.idle:
                return

    def stop_listening(self) -> None:
        self.stopping = True
        if self.listener is not None:
            self.selector.unregister(self.listener)
            self.listener.close()
            self.listener = None
            with contextlib.suppress(OSError):
                os.unlink(self.path)

    # --- requests ------------------------------------------------------------------------
    def _accept(self) -> None:
        assert self.listener is not None
        try:
            conn, _addr = self.listener.accept()
        except OSError:
            return
        fds: list[int] = []
        try:
            conn.settimeout(10)
            fields, fds = _read_request(conn)
            self._answer(conn, fields, fds)
        except (OSError, ValueError):
            for fd in fds:
                os.close(fd)
            conn.close()

    def _answer(self, conn: socket.socket, fields: list[bytes], fds: list[int]) -> None:
        """Answer one request; the connection is closed here unless a child runs for it."""
        kind = fields[0]
        if warmproto.peer_uid(conn) != os.getuid():
            return self._reply(conn, fds, _refused(b"user"))
        if fields[1:3] != [warmproto.MAGIC, warmproto.identity()]:
            return self._reply(conn, fds, _refused(b"identity"))
        self.last = time.monotonic()
        if kind == b"status":
            values = (
                os.getpid(),
                self.served,
                int(self.started),
                int(self.idle),
                len(self.children),
            )
            reply = warmproto.encode(b"status", *(str(v).encode() for v in values))
            return self._reply(conn, fds, reply)
        if kind == b"stop":
            self.stop_listening()
            return self._reply(conn, fds, warmproto.encode(b"stopping", b"%d" % os.getpid()))
        if kind != b"run" or len(fds) != 3:
            return self._reply(conn, fds, _refused(b"request"))
        if fingerprint() != self.print_:
            self.stop_listening()  # the engine changed: this server's code is not the code
            return self._reply(conn, fds, _refused(b"stale"))
        request = warmproto.parse_run(fields[3:])
        conn.sendall(warmproto.encode(b"accepted"))
        try:
            pid = os.fork()
        except OSError:
            return self._reply(conn, fds, _refused(b"fork"))
        if pid == 0:
            self._child(conn, fds, request)
        for fd in fds:
            os.close(fd)
        self.served += 1
        pidfd: int | None
        try:
            pidfd = os.pidfd_open(pid)
        except (AttributeError, OSError):
            pidfd = None
        self.children[pid] = _Child(pid, conn, pidfd)
        conn.settimeout(None)
        self.selector.register(conn, selectors.EVENT_READ, ("conn", pid))
        if pidfd is not None:
            self.selector.register(pidfd, selectors.EVENT_READ, ("pidfd", pid))

    def _reply(self, conn: socket.socket, fds: list[int], reply: bytes) -> None:
        """Send ``reply`` and close the connection (and the descriptors that came with it)."""
        for fd in fds:
            os.close(fd)
        with contextlib.suppress(OSError):
            conn.sendall(reply)
        conn.close()

    def _from_client(self, pid: int) -> None:
        """A signal to pass on, or the client gone (the child is killed)."""
        child = self.children[pid]
        try:
            frame = warmproto.read_frame(child.conn)
        except (OSError, ValueError):
            frame = None
        if frame is not None and frame[0] == b"signal" and len(frame) == 2:
            signum = int(frame[1])
            if signum in warmproto.SIGNALS:
                _kill(pid, signum)
            return
        self.selector.unregister(child.conn)  # the client went away
        _kill(pid, signal.SIGKILL)

    def _reap(self, pid: int, block: bool = True) -> None:
        try:
            done, status = os.waitpid(pid, 0 if block else os.WNOHANG)
        except ChildProcessError:
            done, status = pid, 0
        if done == 0:
            return
        child = self.children.pop(pid)
        if child.pidfd is not None:
            self.selector.unregister(child.pidfd)
            os.close(child.pidfd)
        with contextlib.suppress(KeyError):
            self.selector.unregister(child.conn)
        if os.WIFSIGNALED(status):  # an exit status the child could not send itself
            with contextlib.suppress(OSError):
                child.conn.sendall(warmproto.encode(b"signal", b"%d" % os.WTERMSIG(status)))
        child.conn.close()
        self.last = time.monotonic()

    # --- the child -----------------------------------------------------------------------
    def _child(self, conn: socket.socket, fds: list[int], request: warmproto.Request) -> NoReturn:
        code = 1
        try:
            self.selector.close()
            if self.listener is not None:
                self.listener.close()
            for other in self.children.values():
                other.conn.close()
                if other.pidfd is not None:
                    os.close(other.pidfd)
            signal.signal(signal.SIGINT, signal.default_int_handler)  # as Python sets them
            for signum in (signal.SIGTERM, signal.SIGHUP, signal.SIGCHLD):
                signal.signal(signum, signal.SIG_DFL)
            for ignored in request.ignored:
                signal.signal(ignored, signal.SIG_IGN)  # as the client has them
            code = run_command(fds, request)
        except BaseException:  # noqa: BLE001 - the child never returns into the server
            code = 1
        finally:
            try:
                conn.sendall(warmproto.encode(b"exit", b"%d" % (code & 0xFF)))
            finally:
                os._exit(code & 0xFF)


def _kill(pid: int, signum: int) -> None:
    with contextlib.suppress(OSError):
        os.kill(pid, signum)


def _read_request(conn: socket.socket) -> tuple[list[bytes], list[int]]:
    """The request's fields and the file descriptors that came with it."""
    data, ancdata, msg_flags, _addr = conn.recvmsg(65536, socket.CMSG_SPACE(4 * 4))
    fds: list[int] = []
    for level, kind, payload in ancdata:
        if level == socket.SOL_SOCKET and kind == socket.SCM_RIGHTS:
            usable = len(payload) - len(payload) % 4
            fds.extend(
                int.from_bytes(payload[i : i + 4], sys.byteorder, signed=True)
                for i in range(0, usable, 4)
            )
    if msg_flags & socket.MSG_CTRUNC or len(data) < 4:
        for fd in fds:
            os.close(fd)
        raise ValueError  # no length, or descriptors cut off
    size = int.from_bytes(data[:4], "big")
    if size > warmproto.MAX_FRAME:
        raise ValueError  # a frame too large
    payload = data[4:]
    if len(payload) < size:
        payload += warmproto.recv_exact(conn, size - len(payload))
    if len(payload) != size:
        raise ValueError  # the client went away mid-request
    return warmproto.decode(payload), fds


def _stream(fd: int, write: bool, encoding: str, errors: str, line: bool) -> io.TextIOWrapper:
    raw = open(fd, "wb" if write else "rb", closefd=False)  # noqa: SIM115 - the process's own
    return io.TextIOWrapper(raw, encoding=encoding, errors=errors, line_buffering=line)


def run_command(fds: list[int], request: warmproto.Request) -> int:
    """In the forked child: become the client's process (streams, folder, environment, umask,
    argv) and run the command; its exit status, as the interpreter would give it."""
    for target, fd in zip(warmproto.STDIO, fds, strict=True):
        os.dup2(fd, target)
        os.close(fd)
    os.chdir(request.cwd)
    os.environb.clear()
    os.environb.update(request.env)
    time.tzset()
    umask = request.umask
    os.umask(umask)
    from . import files

    files._UMASK = umask
    import locale

    with contextlib.suppress(locale.Error):
        locale.setlocale(locale.LC_CTYPE, "")
    sys.argv = [os.fsdecode(request.argv0), *request.argv]
    for name, fd, stream in zip(
        ("stdin", "stdout", "stderr"), warmproto.STDIO, request.streams, strict=True
    ):
        wrapper = _stream(fd, fd != 0, *stream)
        setattr(sys, name, wrapper)
        setattr(sys, f"__{name}__", wrapper)
    from .cli import main

    try:
        code = main(None)
    except SystemExit as exc:
        code = _exit_status(exc)
    except KeyboardInterrupt:  # as the interpreter: the traceback, then death by SIGINT
        sys.excepthook(*sys.exc_info())
        _finish()
        signal.signal(signal.SIGINT, signal.SIG_DFL)
        os.kill(os.getpid(), signal.SIGINT)
        code = 130
    except BaseException:
        sys.excepthook(*sys.exc_info())
        code = 1
    return _finish(code)


def _exit_status(exc: SystemExit) -> int:
    if exc.code is None:
        return 0
    if isinstance(exc.code, int):
        return exc.code
    print(exc.code, file=sys.stderr)
    return 1


def _finish(code: int = 0) -> int:
    """What the interpreter does at exit: wait for threads, run atexit, flush the streams
    (a failed flush of stdout makes the status 120)."""
    for thread in threading.enumerate():
        if thread is not threading.main_thread() and not thread.daemon:
            thread.join()
    atexit._run_exitfuncs()
    for stream in (sys.stdout, sys.stderr):
        try:
            stream.flush()
        except (OSError, ValueError):
            if stream is sys.stdout and code == 0:
                code = 120
    return code


# --- start-up ---------------------------------------------------------------------------------
def _private_folder(path: str) -> None:
    """Create the socket folder (0700) or check that it is ours and private."""
    with contextlib.suppress(FileExistsError):
        os.makedirs(path, mode=0o700, exist_ok=True)
    st = os.lstat(path)
    import stat

    if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o077:
        message = _("{path}: not a private folder of this user (mode 0700)").format(path=path)
        raise UserError(message)


def serve(idle: float = DEFAULT_IDLE) -> int:
    """Become the warm server (returns its exit status: 3 if another already runs)."""
    path = warmproto.socket_path()
    try:
        _private_folder(os.path.dirname(path))
    except (OSError, UserError) as exc:  # the starter shows this line
        print(exc, file=sys.stderr)
        return 1
    lock = os.open(path[: -len(".sock")] + ".lock", os.O_RDWR | os.O_CREAT, 0o600)
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return 3
    server = Server(path, idle)
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)  # a dead server's socket (we hold the lock)
    listener = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        listener.bind(path)
    finally:
        os.umask(old)
    os.chmod(path, 0o600)
    listener.listen(64)
    server.listener = listener
    server.print_ = fingerprint()
    warm_up()
    gc.freeze()  # the children share the imported modules' pages
    devnull = os.open(os.devnull, os.O_RDWR)
    for fd in warmproto.STDIO:
        os.dup2(devnull, fd)  # ready: the starter stops reading our errors
    os.close(devnull)
    signal.signal(signal.SIGTERM, _terminated)
    signal.signal(signal.SIGHUP, signal.SIG_IGN)
    try:
        server.run()
    finally:
        server.stop_listening()
    return 0


def _terminated(signum: int, frame: object) -> None:
    raise SystemExit(0)  # running children finish and report by themselves


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m engine.warmserver")
    parser.add_argument("--idle", type=float, default=DEFAULT_IDLE)
    args = parser.parse_args(argv)
    return serve(args.idle)


if __name__ == "__main__":
    sys.exit(main())
