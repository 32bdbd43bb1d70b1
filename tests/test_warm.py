"""The warm server (issue 10.9, docs/warm.md): real server processes in a temporary socket folder
($SARABAN_WARM_DIR), commands run through the launcher as processes, compared with the same
commands run cold. Every server a test starts is stopped (and killed if need be) by the fixture.
Nothing here is timed, apart from generous timeouts."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import sqlite3
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from conftest import EXAMPLES, ROOT, make_workspace

from engine import warmproto, warmserver
from engine.errors import UserError

LETTER = ("new", "letter", "--data", str(EXAMPLES / "dla" / "reference-003.yaml"), "--issue")


def _alive(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return False
    return state not in ("Z", "X")


def _wait(condition: Callable[[], bool], timeout: float = 60) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return condition()


def _children(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] not in ("Z", "X"):
                found.append(int(entry.name))
    return found


class Warm:
    """A warm server of its own, and the saraban command through the launcher."""

    def __init__(self, tmp: Path, pythonpath: Path = ROOT) -> None:
        self.tmp = tmp  # the processes' folder: `-m` puts it first on the import path
        self.folder = tmp / "run"
        self.env = {
            **os.environ,
            "PYTHONPATH": str(pythonpath),
            "SARABAN_WARM_DIR": str(self.folder),
            "SARABAN_CACHE": str(tmp / "cache"),
            "PYTHONIOENCODING": "utf-8",
            "SARABAN_LANG": "en",  # status() reads the English status line
        }
        self.pids: list[int] = []

    def run(
        self, *args: str, cold: bool = False, cwd: Path | None = None, umask: int = -1, **env: str
    ) -> subprocess.CompletedProcess:
        run_env = {**self.env, "SARABAN_WARM": "off" if cold else "on", **env}
        return subprocess.run(
            [sys.executable, "-m", "engine.launch", *args],
            capture_output=True, env=run_env, timeout=180, cwd=cwd or self.tmp, umask=umask,
        )  # fmt: skip

    def popen(
        self, *args: str, cold: bool = False, sigint: object = None, **env: str
    ) -> subprocess.Popen:
        """``sigint``: the disposition of SIGINT to start with (SIG_DFL: as at a terminal)."""
        run_env = {**self.env, "SARABAN_WARM": "off" if cold else "on", **env}
        return subprocess.Popen(
            [sys.executable, "-m", "engine.launch", *args],
            stdout=subprocess.PIPE, stderr=subprocess.PIPE, env=run_env, cwd=self.tmp,
            preexec_fn=None if sigint is None else lambda: signal.signal(signal.SIGINT, sigint),
        )  # fmt: skip

    def start(self, idle: float = 600) -> int:
        proc = self.run("warm", "start", "--idle", str(idle))
        assert proc.returncode == 0, proc.stderr.decode()
        pid = self.status()["pid"]
        self.pids.append(pid)
        return pid

    def status(self) -> dict[str, int]:
        proc = self.run("warm", "status")
        assert proc.returncode == 0, proc.stderr.decode()
        first = proc.stdout.decode().splitlines()[0]  # warm server PID: N command(s) run, …
        pid, served = first.split()[2].rstrip(":"), first.split()[3]
        return {"pid": int(pid), "served": int(served)}

    def stop(self) -> None:
        self.run("warm", "stop")
        for pid in self.pids:
            if not _wait(lambda pid=pid: not _alive(pid), 30):
                os.kill(pid, signal.SIGKILL)


@pytest.fixture
def warm(tmp_path: Path) -> Iterator[Warm]:
    server = Warm(tmp_path)
    try:
        yield server
    finally:
        server.stop()


def _workspace(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    return make_workspace(folder)


def _letters(ws: Path) -> dict[str, bytes]:
    return {
        str(p.relative_to(ws)): p.read_bytes() for p in sorted((ws / "letters").rglob("*.docx"))
    }


def _same(a: subprocess.CompletedProcess, b: subprocess.CompletedProcess) -> None:
    assert (a.returncode, a.stdout, a.stderr) == (b.returncode, b.stdout, b.stderr)


def test_commands_run_in_the_warm_server_exactly_as_cold(warm: Warm, tmp_path: Path) -> None:
    pid = warm.start()
    assert warm.status() == {"pid": pid, "served": 0}
    folder = warm.folder
    assert stat.S_IMODE(folder.stat().st_mode) == 0o700
    (sock,) = folder.glob("warm-*.sock")
    assert stat.S_IMODE(sock.stat().st_mode) == 0o600
    cold_ws, warm_ws = _workspace(tmp_path / "c"), _workspace(tmp_path / "w")
    commands = [
        ("--workspace", "{ws}", *LETTER),
        ("--workspace", "{ws}", *LETTER, "--json"),
        ("--workspace", "{ws}", "register", "list"),
        ("--workspace", "{ws}", "new", "letter", "--data", "missing.yaml", "--issue"),  # exit 1
        ("--workspace", "{ws}", "new"),  # usage: exit 2
        ("--workspace", "{ws}", "show", "99"),
    ]
    served = 0
    for command in commands:
        for lang in ("en", "th"):
            cold = warm.run(*(a.format(ws=cold_ws) for a in command), cold=True, SARABAN_LANG=lang)
            hot = warm.run(*(a.format(ws=warm_ws) for a in command), SARABAN_LANG=lang)
            served += 1
            _same(cold, hot)
            assert warm.status() == {"pid": pid, "served": served}, command
    assert warm.run("--workspace", str(warm_ws), *LETTER).returncode == 0
    assert warm.run("--workspace", str(cold_ws), *LETTER, cold=True).returncode == 0
    letters = _letters(warm_ws)
    assert len(letters) == 5 and letters == _letters(cold_ws)
    # relative paths are the client's folder's, and its umask is the child's
    for umask in (0o027, 0o002):
        hot, cold = (warm.run(*LETTER, cwd=ws, umask=umask, cold=ws == cold_ws)
                     for ws in (warm_ws, cold_ws))  # fmt: skip
        _same(cold, hot)
        (path,) = {line for line in hot.stdout.decode().splitlines() if line.endswith(".docx")}
        modes = {stat.S_IMODE((ws / path).stat().st_mode) for ws in (warm_ws, cold_ws)}
        assert modes == {0o666 & ~umask}
    assert warm.status()["served"] == served + 3


def test_concurrent_clients_get_distinct_numbers(warm: Warm, tmp_path: Path) -> None:
    warm.start()
    ws = make_workspace(tmp_path)
    procs = [warm.popen("--workspace", str(ws), *LETTER, "--json") for _ in range(4)]
    outs = [p.communicate(timeout=180) for p in procs]
    assert [p.returncode for p in procs] == [0] * 4, [e for _o, e in outs]
    assert warm.status()["served"] == 4
    with sqlite3.connect(ws / "letters" / "register.db") as db:
        numbers = list(db.execute("SELECT series, year, number FROM entries"))
    assert len(numbers) == len(set(numbers)) == 4


def test_changed_code_falls_back_and_stops_the_server(tmp_path: Path) -> None:
    tree = tmp_path / "tree"
    shutil.copytree(ROOT / "engine", tree / "engine", ignore=shutil.ignore_patterns("__pycache__"))
    for folder in ("templates", "workflows", "schema", "assets", "examples", "pyproject.toml"):
        (tree / folder).symlink_to(ROOT / folder)
    server = Warm(tmp_path, pythonpath=tree)
    try:
        pid = server.start()
        ws = make_workspace(tmp_path)
        assert server.run("--workspace", str(ws), *LETTER).returncode == 0
        assert server.status()["served"] == 1
        with open(tree / "engine" / "letter.py", "a") as fh:
            fh.write("\n# changed\n")
        proc = server.run("--workspace", str(ws), *LETTER)
        assert proc.returncode == 0, proc.stderr.decode()  # run here, in the launcher
        assert _wait(lambda: not _alive(pid))
        assert server.run("warm", "status").returncode == 1
        assert len(_letters(ws)) == 2
    finally:
        server.stop()


def test_the_server_exits_when_idle(warm: Warm) -> None:
    pid = warm.start(idle=1)
    assert _wait(lambda: not _alive(pid))
    assert not list(warm.folder.glob("*.sock"))
    proc = warm.run("warm", "status")
    assert proc.returncode == 1
    assert b"no warm server" in proc.stderr


def _paused(ws: Path) -> bool:
    try:
        with sqlite3.connect(ws / "letters" / "register.db") as db:
            return db.execute("SELECT count(*) FROM entries").fetchone()[0] > 0
    except sqlite3.Error:
        return False


def test_a_killed_client_kills_its_command(warm: Warm, tmp_path: Path) -> None:
    server = warm.start()
    ws = make_workspace(tmp_path)
    client = warm.popen("--workspace", str(ws), *LETTER, SARABAN_PAUSE_AFTER_COMMIT="300")
    try:
        assert _wait(lambda: _paused(ws) and bool(_children(server)))
        (child,) = _children(server)
        client.kill()
        client.wait(timeout=30)
        assert _wait(lambda: not _alive(child))
        assert warm.status()["pid"] == server  # the server goes on
    finally:
        client.kill()


@pytest.mark.parametrize("interrupt", [True, False], ids=["sigint", "sigint-ignored"])
def test_ctrl_c_stops_the_command_as_it_stops_a_cold_one(
    warm: Warm, tmp_path: Path, interrupt: bool
) -> None:
    """SIGINT reaches the command as it would reach a cold one; a client that ignores SIGINT
    (a background job) has a command that ignores it (it finishes after its pause)."""
    warm.start()
    results = []
    for cold in (True, False):
        ws = _workspace(tmp_path / str(cold))
        sigint = signal.SIG_DFL if interrupt else signal.SIG_IGN
        proc = warm.popen("--workspace", str(ws), *LETTER, cold=cold, sigint=sigint,
                          SARABAN_PAUSE_AFTER_COMMIT="5")  # fmt: skip
        assert _wait(lambda ws=ws: _paused(ws))
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=120)
        results.append((proc.returncode, out, err, sorted(_letters(ws))))
    assert results[0] == results[1]
    assert results[0][0] == (130 if interrupt else 0)


# --- who may connect ------------------------------------------------------------------------
def test_the_socket_folder_must_be_private(tmp_path: Path) -> None:
    folder = tmp_path / "open"
    folder.mkdir(mode=0o755)
    folder.chmod(0o755)
    with pytest.raises(UserError):
        warmserver._private_folder(str(folder))
    warmserver._private_folder(str(tmp_path / "new"))
    assert stat.S_IMODE((tmp_path / "new").stat().st_mode) == 0o700


NOBODY = 65534


@pytest.fixture
def public_tmp() -> Iterator[Path]:
    """A temporary folder another user can reach (pytest's are private to this user)."""
    folder = Path(tempfile.mkdtemp(prefix="saraban-warm-test-", dir="/tmp"))
    folder.chmod(0o755)
    try:
        yield folder
    finally:
        shutil.rmtree(folder, ignore_errors=True)


def _as_nobody(action: Callable[[], bytes]) -> bytes:
    """``action()`` in a forked process running as another user (no exec: the interpreter
    may not be readable by that user)."""
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child
        try:
            os.close(read)
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            os.write(write, action().hex().encode())
        finally:
            os._exit(0)
    os.close(write)
    with os.fdopen(read) as fh:
        out = fh.read()
    os.waitpid(pid, 0)
    return bytes.fromhex(out)


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")
def test_another_user_is_refused(public_tmp: Path) -> None:
    warm = Warm(public_tmp)
    try:
        _refuses_another_user(warm)
    finally:
        warm.stop()


def _refuses_another_user(warm: Warm) -> None:
    warm.start()
    (sock,) = warm.folder.glob("*.sock")
    # open the folder and socket to everyone (a mistake): the peer check still refuses
    warm.folder.chmod(0o755)
    sock.chmod(0o666)
    identity = subprocess.run(
        [sys.executable, "-c", "from engine import warmproto; print(warmproto.identity().hex())"],
        capture_output=True, text=True, env=warm.env, cwd=warm.tmp, check=True,
    ).stdout.strip()  # fmt: skip
    frame = warmproto.encode(b"status", warmproto.MAGIC, bytes.fromhex(identity))

    def ask() -> bytes:
        s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        s.settimeout(60)
        s.connect(str(sock))
        s.sendall(frame)
        return s.recv(100)

    assert _as_nobody(ask) == warmproto.encode(b"refused", b"user")
    assert warm.status()["served"] == 0


def _connects(path: Path) -> bool:
    with socket.socket(socket.AF_UNIX) as plain:
        try:
            plain.connect(str(path))
        except OSError:
            return False
    return True


@pytest.mark.skipif(os.getuid() != 0, reason="needs root to act as another user")
def test_the_launcher_ignores_a_server_of_another_user(public_tmp: Path) -> None:
    folder = public_tmp / "other"
    folder.mkdir()
    folder.chmod(0o777)
    path = folder / "s.sock"
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:  # pragma: no cover - the child: a listener of another user
        try:
            os.setgid(NOBODY)
            os.setuid(NOBODY)
            s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            s.bind(str(path))
            s.listen()
            os.close(write)
            os.read(read, 1)  # until the test closes its end
        finally:
            os._exit(0)
    os.close(read)
    try:
        assert _wait(lambda: _connects(path))  # it answers …
        assert warmproto.connect(str(path)) is None  # … but not as this user
    finally:
        os.close(write)
        os.waitpid(pid, 0)


def test_the_launcher_imports_almost_nothing(tmp_path: Path) -> None:
    """With a server running, the launcher's process loads no engine module but the protocol,
    and none of the standard library's heavier modules."""
    probe = (
        "import sys, engine.launch\n"
        "print(sorted(m for m in sys.modules if m.startswith('engine') or m in "
        "('socket', 'enum', 'signal', 'selectors', 'array', 're', 'json', 'contextlib')))"
    )
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    out = subprocess.run(
        [sys.executable, "-c", probe], capture_output=True, text=True, env=env, cwd=tmp_path,
        check=True,
    ).stdout  # fmt: skip
    assert out.strip() == "['engine', 'engine.launch', 'engine.warmproto']"
