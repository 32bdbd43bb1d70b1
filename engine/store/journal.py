"""The ``pending_files`` journal: files written under pending names inside a register
transaction, to be moved to their final names once it has committed. See
:mod:`engine.recovery`."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterable
from pathlib import Path
from typing import Final

from .db import Connection, Migration, plain

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
    """The ``pending_files`` table."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def add(self, rows: Iterable[tuple[str, str, str]]) -> None:
        """Record (pending, final, run) rows (in the open transaction)."""
        self.db.executemany(
            "INSERT INTO pending_files (pending, final, run) VALUES (?, ?, ?)", list(rows)
        )

    def rows(self) -> list[tuple[str, str, str]]:
        """Every (pending, final, run) row, oldest first."""
        return [
            (r[0], r[1], r[2])
            for r in self.db.all("SELECT pending, final, run FROM pending_files ORDER BY rowid")
        ]

    def finals(self) -> set[str]:
        """The final names the journal holds."""
        return {r[0] for r in self.db.all("SELECT final FROM pending_files")}

    def remove(self, pendings: Iterable[str]) -> None:
        self.db.executemany("DELETE FROM pending_files WHERE pending = ?", [(p,) for p in pendings])


def read(register: Path) -> list[tuple[str, str, str]] | None:
    """The journal rows (pending, final, run) of the register file, on a connection of its own;
    [] without a register or a journal table (an older saraban's); None if unreadable."""
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
    with plain(register, autocommit=True) as conn:
        conn.execute("PRAGMA synchronous = NORMAL")
        conn.execute("BEGIN IMMEDIATE")
        Journal(conn).remove(pendings)
        conn.execute("COMMIT")
