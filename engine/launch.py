"""The ``saraban`` console script (ตัวเรียกคำสั่ง): a warm server's command, else the command here.

If this user has started a warm server for this installation (``saraban warm start``,
engine/warmserver.py), the launcher hands it the command: argv, the current folder, the umask,
the whole environment and the standard input, output and error themselves (SCM_RIGHTS). The
server's forked child runs :func:`engine.cli.main` with them and the launcher exits with its exit
status. Ctrl-C (SIGINT), SIGTERM and SIGHUP are passed on to the child; if the launcher dies, the
server kills the child. Anything else (no server, another installation's, code changed since it
started, a protocol error) and the launcher runs the command in this process, silently, as it
always did: the output, the exit status and the files written are the same either way.

It imports only ``os``, ``sys`` and the built-in ``_socket`` and ``_signal`` until it knows
which way the command runs. See docs/warm.md.
"""

from __future__ import annotations

import _signal
import _socket
import os
import sys

from . import warmproto

COLD_COMMANDS = frozenset({"warm", "serve", "user"})
"""Commands always run here: the warm server's own controls, the web server (long-running) and
``user add`` (reads a password from the terminal)."""


def _command(argv: list[str]) -> str | None:
    """The subcommand named in ``argv`` (after the global options)."""
    skip = False
    for arg in argv:
        if skip:
            skip = False
        elif arg in ("-w", "--workspace"):
            skip = True
        elif not arg.startswith("-"):
            return arg
    return None


def _wanted(argv: list[str]) -> bool:
    if os.environ.get(warmproto.OFF_ENV, "").strip().lower() in ("0", "off", "no", "false"):
        return False
    return _command(argv) not in COLD_COMMANDS


def run_warm(argv: list[str]) -> int | None:
    """Run ``saraban argv`` in the warm server: its exit status, or None when no server took
    it (nothing has run; the caller runs it here)."""
    sock = warmproto.connect()
    if sock is None:
        return None
    started = False
    # a signal this process ignores (SIGINT in a background job, SIGHUP under nohup) is ignored
    # by the child too, and not passed on; the others are
    ignored = [s for s in warmproto.SIGNALS if _signal.getsignal(s) == _signal.SIG_IGN]
    forwarded = [s for s in warmproto.SIGNALS if s not in ignored]
    previous: dict[int, object] = {}

    def forward(signum: int, frame: object) -> None:
        try:  # noqa: SIM105 - no contextlib on the launcher's path
            warmproto.send_all(sock, warmproto.encode(b"signal", str(signum).encode()))
        except OSError:
            pass

    try:
        request = warmproto.run_request(argv, ignored)
        fds = b"".join(fd.to_bytes(4, sys.byteorder, signed=True) for fd in warmproto.STDIO)
        sent = sock.sendmsg([request], [(_socket.SOL_SOCKET, _socket.SCM_RIGHTS, fds)])
        if sent < len(request):
            warmproto.send_all(sock, request[sent:])
        for signum in forwarded:
            previous[signum] = _signal.signal(signum, forward)
        while True:
            frame = warmproto.read_frame(sock)
            if frame is None:
                break
            kind = frame[0]
            if kind == b"accepted":
                started = True
            elif kind == b"exit" and started:
                return int(frame[1])
            elif kind == b"signal" and started:
                signum = int(frame[1])
                _restore(previous)
                previous.clear()
                _signal.signal(signum, _signal.SIG_DFL)
                os.kill(os.getpid(), signum)
                return 128 + signum
            else:  # refused, stale, fallback: nothing ran
                return None
    except (OSError, ValueError):
        if not started:
            return None
    finally:
        _restore(previous)
        sock.close()
    if not started:
        return None
    from .i18n import _

    message = _("the warm server stopped while it ran the command; see what it did")
    print(_("saraban: error: {message}").format(message=message), file=sys.stderr)
    return 1


def _restore(previous: dict[int, object]) -> None:
    for signum, handler in previous.items():
        _signal.signal(signum, handler)


def main(argv: list[str] | None = None) -> int:
    """The console script: the command in the warm server if one takes it, else here."""
    args = list(sys.argv[1:] if argv is None else argv)
    if _wanted(args):
        code = run_warm(args)
        if code is not None:
            return code
    from .cli import main as cli_main

    return cli_main(argv)


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
