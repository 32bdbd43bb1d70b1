"""Issued documents kept in the register database: ``documents``, the bytes of every registered
file, content-addressed (one row per distinct content, named by its SHA-256).

Which file holds which content is the ``renders`` table's ``files_json`` ({relative path:
SHA-256}), written in the same transaction as the documents' rows (:mod:`engine.sync`). A
content stays when a regeneration records a new one: the row of an earlier version is kept.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import Final

from .db import Connection, Migration

__all__ = ["MIGRATIONS", "Documents"]

MIGRATIONS: Final = (
    # 7: the issued documents themselves (docs/database.md): a PostgreSQL office is whole in one
    # pg_dump, a SQLite office in its register file, and `saraban sync` writes letters/ from it.
    Migration(
        7,
        (
            """
        CREATE TABLE documents (
            sha256    TEXT    PRIMARY KEY,            -- of the content: its name
            size      INTEGER NOT NULL,               -- bytes
            content   BLOB    NOT NULL,
            stored_at TEXT    NOT NULL
        )
        """,
        ),
    ),
)

#: how many keys one ``IN (…)`` names, and how many contents one read brings
_KEYS: Final = 500
_CONTENTS: Final = 32


def _chunks(keys: Iterable[str], size: int) -> Iterator[list[str]]:
    items = sorted(set(keys))
    for i in range(0, len(items), size):
        yield items[i : i + size]


class Documents:
    """The ``documents`` table: each distinct content of a registered file, stored once."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def missing(self, digests: Iterable[str]) -> set[str]:
        """The ``digests`` (SHA-256, hex) whose content is not stored."""
        out = set()
        for chunk in _chunks(digests, _KEYS):
            found = self.db.all(
                f"SELECT sha256 FROM documents WHERE sha256 IN ({', '.join('?' * len(chunk))})",
                chunk,
            )
            out |= set(chunk) - {r[0] for r in found}
        return out

    def put(self, digest: str, content: bytes, *, at: str) -> None:
        """Store ``content`` under its ``digest`` (nothing when it is stored already)."""
        self.db.execute(
            "INSERT INTO documents (sha256, size, content, stored_at) VALUES (?, ?, ?, ?) "
            "ON CONFLICT (sha256) DO NOTHING",
            (digest, len(content), content, at),
        )

    def contents(self, digests: Iterable[str]) -> Iterator[tuple[str, bytes]]:
        """(SHA-256, content) of each of ``digests`` that is stored, a few at a time."""
        for chunk in _chunks(digests, _CONTENTS):
            for row in self.db.all(
                "SELECT sha256, content FROM documents "
                f"WHERE sha256 IN ({', '.join('?' * len(chunk))})",
                chunk,
            ):
                yield str(row[0]), bytes(row[1])

    def digests(self) -> set[str]:
        """The SHA-256 of every stored content."""
        return {str(r[0]) for r in self.db.all("SELECT sha256 FROM documents")}

    def after(self, digest: str, limit: int) -> list[tuple[str, int, bytes, str]]:
        """Up to ``limit`` rows (sha256, size, content, stored_at) whose key sorts after
        ``digest``, in key order (``db copy`` reads the table so, a few at a time)."""
        return [
            (str(r[0]), int(r[1]), bytes(r[2]), str(r[3]))
            for r in self.db.all(
                "SELECT sha256, size, content, stored_at FROM documents WHERE sha256 > ? "
                "ORDER BY sha256 LIMIT ?",
                (digest, limit),
            )
        ]
