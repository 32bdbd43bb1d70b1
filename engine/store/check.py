"""What ``saraban check`` reads from the register file (on connections of its own)."""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path

from .db import Connection, plain
from .documents import Documents
from .entries import Entries
from .journal import Journal
from .location import server_of
from .recipients import Recipients
from .renders import Renders

__all__ = ["TABLES", "Snapshot", "counts", "integrity", "snapshot"]

TABLES = (
    "entries",
    "counters",
    "cases",
    "case_events",
    "renders",
    "dependencies",
    "recipients",
    "pending_files",
    "users",
    "web_settings",
    "documents",
)
"""Every table of the register, in the order their migrations make them (but
``login_failures``: failed sign-ins of the last minutes, neither counted nor copied)."""


def counts(conn: Connection) -> dict[str, int]:
    """The number of rows of each table (``saraban db status``)."""
    return {t: int(conn.one(f"SELECT count(*) FROM {t}")[0]) for t in TABLES}


def integrity(register: Path, limit: int = 5) -> list[str]:
    """The database's own check of its pages: ``["ok"]``, or up to ``limit`` problem lines.
    Raises :data:`~engine.store.DatabaseError` when the file cannot even be read."""
    with plain(register) as conn:
        return [str(r[0]) for r in conn.all(f"PRAGMA integrity_check({int(limit)})")]


@dataclass(frozen=True)
class Snapshot:
    """The registered files, as one read of the register sees them."""

    entries: list[tuple[int, str | None, str, str]]
    """(id, path, number text, status) of every entry."""
    renders: list[tuple[int, str, int | None, dict[str, str]]]
    """(case id, document, entry id, {file: SHA-256}) of every render record."""
    recipients: list[tuple[str | None, int]]
    """(copy path, entry id) of every recipient of a circular."""
    pending: set[str]
    """The final names in the journal (a live command is moving them into place)."""
    n_entries: int
    stored: set[str]
    """The SHA-256 of every content the database keeps (:mod:`engine.store.documents`)."""


def snapshot(register: Path) -> Snapshot:
    """Read the registered files (raises :data:`~engine.store.DatabaseError`)."""
    server = server_of(register)
    with contextlib.ExitStack() as stack:
        if server is None:
            conn: Connection = stack.enter_context(plain(register))
        else:
            from . import pg

            conn = stack.enter_context(pg.bare(server))
        return Snapshot(
            entries=Entries(conn).files(),
            renders=Renders(conn).files(),
            recipients=Recipients(conn).paths(),
            pending=Journal(conn).finals(),
            n_entries=Entries(conn).count(),
            stored=Documents(conn).digests(),
        )
