"""The warm server's socket and wire format (โปรโตคอลของเซิร์ฟเวอร์อุ่นเครื่อง), shared by the
launcher (engine/launch.py), the server (engine/warmserver.py) and ``saraban warm``.

The launcher imports this module on every command, so it imports only built-in modules: ``os``,
``sys`` and the C socket module ``_socket`` (the ``socket`` wrapper imports ``enum`` and
``selectors``, ~5 ms). See docs/warm.md.

One server per user and per installation: its socket is ``warm-<hash>.sock`` in
:func:`folder`, the hash of :func:`identity` (this ``engine`` folder, the Python executable and
version, ``$PYTHONPATH``), so another checkout or virtual environment never talks to it.

A frame is 4 bytes of length (big-endian) and fields joined by NUL: ``kind, *values``. A
request carries the client's standard input, output and error as SCM_RIGHTS with its first
bytes. No value can hold a NUL (argv, the environment and paths cannot).
"""

from __future__ import annotations

import _socket
import os
import sys

FOLDER_ENV = "SARABAN_WARM_DIR"
"""Overrides the folder of the sockets (tests point it at a temporary folder)."""
OFF_ENV = "SARABAN_WARM"
"""``off`` (or ``0``, ``no``): the launcher never tries the warm server."""
MAGIC = b"saraban-warm-1"
MAX_FRAME = 4 << 20
"""Refuse frames larger than this (an environment is a few kB)."""
STDIO = (0, 1, 2)
SIGNALS = (2, 15, 1)
"""SIGINT, SIGTERM, SIGHUP: passed on to the child (their numbers on Linux)."""


def folder() -> str:
    """The folder of this user's sockets: ``$SARABAN_WARM_DIR``, else
    ``$XDG_RUNTIME_DIR/saraban``, else ``/tmp/saraban-<uid>``."""
    explicit = os.environ.get(FOLDER_ENV)
    if explicit:
        return explicit
    runtime = os.environ.get("XDG_RUNTIME_DIR")
    if runtime:
        return os.path.join(runtime, "saraban")
    return f"/tmp/saraban-{os.getuid()}"


def engine_folder() -> str:
    """The folder of the imported ``engine`` package."""
    return os.path.dirname(os.path.abspath(__file__))


def identity() -> bytes:
    """What must be equal for a server to run a client's command: the same engine code, the same
    interpreter, the same extra import path."""
    parts = (engine_folder(), sys.executable, sys.version, os.environ.get("PYTHONPATH", ""))
    return os.fsencode("\n".join(parts))


def _fnv64(data: bytes) -> str:
    """FNV-1a, 64 bits, as 16 hex digits (a name, not a secret: no hashlib on the fast path)."""
    h = 0xCBF29CE484222325
    for byte in data:
        h = ((h ^ byte) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return f"{h:016x}"


def socket_path() -> str:
    """This installation's socket."""
    return os.path.join(folder(), f"warm-{_fnv64(identity())}.sock")


# --- frames ----------------------------------------------------------------------------------
def encode(kind: bytes, *values: bytes) -> bytes:
    payload = b"\0".join((kind, *values))
    return len(payload).to_bytes(4, "big") + payload


def decode(payload: bytes) -> list[bytes]:
    return payload.split(b"\0")


def recv_exact(sock: _socket.socket, size: int) -> bytes:
    """``size`` bytes, or fewer if the peer closed the connection."""
    chunks, got = [], 0
    while got < size:
        chunk = sock.recv(size - got)
        if not chunk:
            break
        chunks.append(chunk)
        got += len(chunk)
    return b"".join(chunks)


def read_frame(sock: _socket.socket) -> list[bytes] | None:
    """The next frame's fields, or None when the peer closed the connection."""
    head = recv_exact(sock, 4)
    if len(head) < 4:
        return None
    size = int.from_bytes(head, "big")
    if size > MAX_FRAME:
        raise ValueError  # a frame too large
    payload = recv_exact(sock, size)
    if len(payload) < size:
        return None
    return decode(payload)


def send_all(sock: _socket.socket, data: bytes) -> None:
    sock.sendall(data)


def peer_uid(sock: _socket.socket) -> int:
    """The user id of the process at the other end (SO_PEERCRED: pid, uid, gid as C ints)."""
    creds = sock.getsockopt(_socket.SOL_SOCKET, _socket.SO_PEERCRED, 12)
    return int.from_bytes(creds[4:8], sys.byteorder, signed=True)


def connect(path: str | None = None) -> _socket.socket | None:
    """A connection to this installation's server, if one answers and runs as this user."""
    sock = _socket.socket(_socket.AF_UNIX, _socket.SOCK_STREAM)
    try:
        sock.connect(path or socket_path())
        if peer_uid(sock) != os.getuid():
            raise OSError  # a server of another user: never ours
    except OSError:
        sock.close()
        return None
    return sock


def ask(kind: bytes, path: str | None = None) -> list[bytes] | None:
    """A control request (``status``, ``stop``) and its reply; None if no server answers."""
    sock = connect(path)
    if sock is None:
        return None
    try:
        sock.settimeout(30)
        send_all(sock, encode(kind, MAGIC, identity()))
        return read_frame(sock)
    except (OSError, ValueError):
        return None
    finally:
        sock.close()


# --- the launcher's request ------------------------------------------------------------------
def _stream_info(stream: object) -> bytes:
    encoding = getattr(stream, "encoding", None) or "utf-8"
    errors = getattr(stream, "errors", None) or "strict"
    line = "1" if getattr(stream, "line_buffering", False) else "0"
    return f"{encoding}:{errors}:{line}".encode()


def run_request(argv: list[str], ignored: list[int]) -> bytes:
    """The frame asking the server to run ``saraban argv`` as this process would: its folder,
    umask, the signals it ignores, whole environment and how its standard streams encode
    text."""
    umask = os.umask(0)
    os.umask(umask)
    env = [os.fsencode(k) + b"=" + os.fsencode(v) for k, v in os.environ.items()]
    return encode(
        b"run",
        MAGIC,
        identity(),
        os.fsencode(os.getcwd()),
        str(umask).encode(),
        b",".join(b"%d" % s for s in ignored),
        b"|".join(_stream_info(s) for s in (sys.stdin, sys.stdout, sys.stderr)),
        os.fsencode(sys.argv[0] if sys.argv else "saraban"),
        str(len(argv)).encode(),
        *map(os.fsencode, argv),
        *env,
    )


class Request:
    """A ``run`` request: the client's folder, umask, ignored signals, standard streams
    (encoding, errors, line buffering), argv[0], arguments and environment."""

    __slots__ = ("argv", "argv0", "cwd", "env", "ignored", "streams", "umask")

    def __init__(
        self,
        cwd: bytes,
        umask: int,
        ignored: list[int],
        streams: list[tuple[str, str, bool]],
        argv0: bytes,
        argv: list[str],
        env: dict[bytes, bytes],
    ) -> None:
        self.cwd, self.umask, self.ignored, self.streams = cwd, umask, ignored, streams
        self.argv0, self.argv, self.env = argv0, argv, env


def parse_run(fields: list[bytes]) -> Request:
    """The values of a ``run`` frame (after kind, magic and identity)."""
    cwd, umask, ignored, streams, argv0, count = fields[:6]
    n = int(count)
    argv = fields[6 : 6 + n]
    if len(argv) != n:
        raise ValueError  # fewer arguments than announced
    env: dict[bytes, bytes] = {}
    for item in fields[6 + n :]:
        key, sep, value = item.partition(b"=")
        if sep:
            env[key] = value
    infos = []
    for info in streams.decode().split("|"):
        encoding, errors, line = info.rsplit(":", 2)
        infos.append((encoding, errors, line == "1"))
    if len(infos) != 3:
        raise ValueError  # not three streams
    return Request(
        cwd,
        int(umask),
        [int(s) for s in ignored.split(b",") if s],
        infos,
        argv0,
        [os.fsdecode(a) for a in argv],
        env,
    )
