"""The ``pending_files`` journal: files written under pending names inside a register
transaction, to be moved to their final names once it has committed. See
:mod:`engine.recovery`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from engine.errors import RegisterError

from .db import Connection, Migration, plain
from .location import server_of

__all__ = ["MIGRATIONS", "Journal", "forget", "read"]

MIGRATIONS: Final = (
    # 4: the journal of files written under pending names inside a register transaction, moved
    # to their final names once it has committed (engine/recovery.py).
    Migration(
        4,
        (
            """
        CREATE TABLE pending_files (
            pending TEXT PRIMARY KEY,                 -- as written, relative to the workspace
            final   TEXT NOT NULL,                    -- its name once the transaction committed
            run     TEXT NOT NULL                     -- the process that wrote it
        )
        """,
        ),
    ),
)


class Journal:
    """The ``pending_files`` table.

    It concerns the files of one workspace folder. On a register shared by several machines
    (PostgreSQL) each row's ``run`` is ``<run id>@<machine>``, the id of the workspace that
    wrote it (:attr:`Connection.machine`), and a workspace reads and finishes only its own rows:
    another machine's runs have no lock file here, and would look dead."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def _run(self, run: str) -> str | None:
        """The run id of a stored ``run`` if the row is this workspace's, else None."""
        machine = self.db.machine
        if not machine:
            return run
        tail = f"@{machine}"
        return run[: -len(tail)] if run.endswith(tail) else None

    def add(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Record (pending, final, run) rows (in the open transaction)."""
        tail = f"@{self.db.machine}" if self.db.machine else ""
        self.db.executemany(
            "INSERT INTO pending_files (pending, final, run) VALUES (?, ?, ?)",
            [(pending, final, run + tail) for pending, final, run in rows],
        )

    def rows(self) -> list[tuple[str, str, str]]:
        """Every (pending, final, run) row of this workspace, oldest first."""
        out = []
        for pending, final, stored in self.db.all(
            "SELECT pending, final, run FROM pending_files ORDER BY rowid"
        ):
            run = self._run(stored)
            if run is not None:
                out.append((pending, final, run))
        return out

    def finals(self) -> set[str]:
        """The final names the journal holds for this workspace."""
        return {
            r[0]
            for r in self.db.all("SELECT final, run FROM pending_files")
            if self._run(r[1]) is not None
        }

    def remove(self, pendings: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM pending_files WHERE pending = ?", [(p,) for p in pendings])


def read(register: Path) -> list[tuple[str, str, str]] | None:
    """The journal rows (pending, final, run) of the register file, on a connection of its own;
    [] without a register or a journal table (an older saraban's); None if unreadable."""
    server = server_of(register)
    if server is not None:  # this workspace's rows on the shared server
        from . import pg

        try:
            with pg.bare(server) as conn:
                return Journal(conn).rows()
        except RegisterError:
            return None
    if not register.exists():
        return []
    try:
        with plain(register) as conn:
            return Journal(conn).rows()
    except sqlite3.OperationalError as exc:
        return [] if "no such table" in str(exc) else None
    except sqlite3.Error:
        return None


def forget(register: Path, pendings: list[str]) -> None:
    """Delete finished journal rows on a connection of its own (no sync: a row that comes back
    finds its file in place)."""
    if not pendings:
        return
    server = server_of(register)
    if server is not None:
        from . import pg

        with pg.bare(server) as conn:
            Journal(conn).remove(pendings)
        return
    with plain(register, autocommit=True) as conn:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        Journal(conn).remove(pendings)
        conn.execute("COMMIT")
