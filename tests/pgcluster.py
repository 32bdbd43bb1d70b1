"""A throw-away PostgreSQL cluster for the tests (Debian's postgresql package: initdb, pg_ctl).

The cluster lives in a temporary folder and listens only on a Unix socket in that folder. initdb
and the server refuse to run as root: when the tests run as root, the cluster's folder is given
to the user ``nobody`` and initdb and pg_ctl run as that user (``runuser``); the tests, as root,
may still use the socket. Never skipped: without initdb the tests fail and say how to set up.
"""

from __future__ import annotations

import contextlib
import glob
import os
import pwd
import shutil
import subprocess
import tempfile
from pathlib import Path

SETUP_HINT = (
    "PostgreSQL's initdb was not found: run `make test` (its set-up installs Debian's "
    "postgresql package), or `sudo apt-get install postgresql`"
)


def find_bin() -> Path | None:
    """The folder of initdb and pg_ctl: $SARABAN_PG_BIN, PATH, or the newest
    /usr/lib/postgresql/<version>/bin."""
    if os.environ.get("SARABAN_PG_BIN"):
        return Path(os.environ["SARABAN_PG_BIN"])
    found = shutil.which("initdb")
    if found:
        return Path(found).parent
    versions = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"),
        key=lambda p: int(Path(p).parts[-3]) if Path(p).parts[-3].isdigit() else 0,
    )
    return Path(versions[-1]).parent if versions else None


class Cluster:
    """initdb, start, stop, restart; :meth:`url` of a database; :meth:`create` one."""

    def __init__(self, bindir: Path) -> None:
        self.bin = bindir
        self.dir = Path(tempfile.mkdtemp(prefix="saraban-pg-"))
        self.data = self.dir / "data"
        self.log = self.dir / "server.log"
        self.user: str | None = None
        if os.geteuid() == 0:  # initdb refuses root: the cluster is nobody's
            self.user = "nobody"
            pw = pwd.getpwnam(self.user)
            os.chown(self.dir, pw.pw_uid, pw.pw_gid)
        self._run("initdb", "-D", str(self.data), "-U", "saraban", "--auth=trust", "-E", "UTF8",
                  "--locale=C.UTF-8", "-N")  # fmt: skip

    def _run(self, program: str, *args: str) -> subprocess.CompletedProcess[str]:
        argv = [str(self.bin / program), *args]
        if self.user is not None:
            argv = ["runuser", "-u", self.user, "--", *argv]
        proc = subprocess.run(argv, capture_output=True, text=True, timeout=120, cwd=self.dir)
        if proc.returncode != 0:
            log = self.log.read_text(errors="replace")[-2000:] if self.log.exists() else ""
            raise RuntimeError(f"{program} failed: {proc.stderr or proc.stdout}\n{log}")
        return proc

    def start(self, extra: str = "") -> None:
        """Start the server; ``extra``: more server options, which win over these
        (bench/bench_database.py turns fsync back on)."""
        options = (
            f"-k {self.dir} -c listen_addresses='' -c fsync=off -c max_connections=300 "
            f"-c shared_buffers=16MB {extra}"
        )
        self._run("pg_ctl", "-D", str(self.data), "-l", str(self.log), "-w", "-t", "60",
                  "-o", options, "start")  # fmt: skip

    def stop(self, mode: str = "fast") -> None:
        self._run("pg_ctl", "-D", str(self.data), "-m", mode, "-w", "stop")

    def url(self, database: str, **params: str) -> str:
        extra = "".join(f"&{k}={v}" for k, v in params.items())
        return f"postgresql://saraban@/{database}?host={self.dir}{extra}"

    def create(self, database: str) -> str:
        import psycopg

        with psycopg.connect(self.url("postgres"), autocommit=True) as conn:
            conn.execute(f'CREATE DATABASE "{database}"')  # type: ignore[arg-type]
        return self.url(database)

    def remove(self) -> None:
        with contextlib.suppress(RuntimeError):
            self.stop("immediate")
        shutil.rmtree(self.dir, ignore_errors=True)
