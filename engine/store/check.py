"""What ``saraban check`` reads from the register file (on connections of its own)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .db import plain
from .entries import Entries
from .journal import Journal
from .recipients import Recipients
from .renders import Renders

__all__ = ["Snapshot", "integrity", "snapshot"]


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


def snapshot(register: Path) -> Snapshot:
    """Read the registered files (raises :data:`~engine.store.DatabaseError`)."""
    with plain(register) as conn:
        return Snapshot(
            entries=Entries(conn).files(),
            renders=Renders(conn).files(),
            recipients=Recipients(conn).paths(),
            pending=Journal(conn).finals(),
            n_entries=Entries(conn).count(),
        )
