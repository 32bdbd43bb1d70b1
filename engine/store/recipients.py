"""The ``recipients`` table: the recipient list of a circular letter (หนังสือเวียน), one row per
addressed copy. See :mod:`engine.circular`."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Final, NamedTuple

from .db import Connection, Migration

__all__ = ["MIGRATIONS", "Recipients", "StoredRecipient"]

MIGRATIONS: Final = (
    # 3 (with renders and dependencies): the recipients of circular letters.
    Migration(
        3,
        (
            """
        CREATE TABLE recipients (
            entry_id     INTEGER NOT NULL REFERENCES entries (id),
            seq          INTEGER NOT NULL,
            organisation TEXT    NOT NULL,
            position     TEXT    NOT NULL,
            addressee    TEXT    NOT NULL DEFAULT '',  -- the `to` column, when given
            address      TEXT    NOT NULL DEFAULT '',
            email        TEXT    NOT NULL DEFAULT '',
            path         TEXT,                         -- the addressed copy
            PRIMARY KEY (entry_id, seq)
        )
        """,
        ),
    ),
    # 5: a recipient's own salutation (คำขึ้นต้น / คำลงท้าย): the rank of a monk, and the forms
    # given explicitly (the recipients file's monk, salutation and complimentary_close columns).
    Migration(
        5,
        (
            "ALTER TABLE recipients ADD COLUMN monk TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE recipients ADD COLUMN salutation TEXT NOT NULL DEFAULT ''",
            "ALTER TABLE recipients ADD COLUMN complimentary_close TEXT NOT NULL DEFAULT ''",
        ),
    ),
)


class StoredRecipient(NamedTuple):
    """One recipient of a circular as the register keeps it."""

    organisation: str
    position: str
    addressee: str
    address: str
    email: str
    path: str | None
    monk: str = ""  # the rank given in the file (somdet, rajakhana, monk, none), else ''
    salutation: str = ""  # คำขึ้นต้น given in the file, else ''
    complimentary_close: str = ""  # คำลงท้าย given in the file, else ''


class Recipients:
    """The ``recipients`` table."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def insert(self, entry_id: int, recipients: Iterable[StoredRecipient]) -> None:
        """Keep the list of ``entry_id``, numbered 1, 2, … in the order given."""
        self.db.executemany(
            "INSERT INTO recipients (entry_id, seq, organisation, position, addressee, address, "
            "email, path, monk, salutation, complimentary_close) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [(entry_id, i, *r) for i, r in enumerate(recipients, start=1)],
        )

    def of_entry(self, entry_id: int) -> list[StoredRecipient]:
        """The list of ``entry_id``, in order."""
        rows = self.db.all(
            "SELECT organisation, position, addressee, address, email, path, monk, salutation, "
            "complimentary_close FROM recipients "
            "WHERE entry_id = ? ORDER BY seq",
            (entry_id,),
        )
        return [StoredRecipient(*r) for r in rows]

    def organisations_of(self, path: str) -> list[str]:
        """The organisations of the circular whose register entry's file is ``path``, in order."""
        rows = self.db.all(
            "SELECT r.organisation FROM recipients r JOIN entries e ON e.id = r.entry_id "
            "WHERE e.path = ? ORDER BY r.seq",
            (path,),
        )
        return [r[0] for r in rows]

    def entry_ids(self) -> set[int]:
        """The entries that have a recipient list."""
        return {r[0] for r in self.db.all("SELECT DISTINCT entry_id FROM recipients")}

    def paths(self) -> list[tuple[str | None, int]]:
        """(copy path, entry id) of every recipient."""
        return [(r[0], r[1]) for r in self.db.all("SELECT path, entry_id FROM recipients")]
