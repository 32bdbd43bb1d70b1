"""What each issued document was rendered from: ``renders`` (its files and their SHA-256) and
``dependencies`` (one fingerprint per input). See :mod:`engine.dependencies` and
:mod:`engine.regenerate`."""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

from .db import Connection, Migration

__all__ = ["MIGRATIONS", "Dependencies", "Rendered", "Renders"]

MIGRATIONS: Final = (
    # 3: what each issued document was rendered from (engine/dependencies.py; `saraban
    # regenerate`); the same version adds the recipients table (engine/store/recipients.py).
    Migration(
        3,
        (
            """
        CREATE TABLE renders (
            case_id     INTEGER NOT NULL,
            document    TEXT    NOT NULL,             -- the workflow's document name
            entry_id    INTEGER,                      -- its register row (NULL: a form)
            date        TEXT    NOT NULL,             -- the document date (ISO)
            files_json  TEXT    NOT NULL,             -- {relative path: sha256 of the bytes}
            rendered_at TEXT    NOT NULL,
            PRIMARY KEY (case_id, document)
        )
        """,
            """
        CREATE TABLE dependencies (
            case_id     INTEGER NOT NULL,
            document    TEXT    NOT NULL,
            key         TEXT    NOT NULL,             -- template:NAME, office, ref:NAME, entry:ID, …
            hash        TEXT    NOT NULL,             -- its fingerprint when last rendered
            PRIMARY KEY (case_id, document, key)
        )
        """,
            "CREATE INDEX dependencies_key ON dependencies (key)",
        ),
    ),
)


@dataclass(frozen=True)
class Rendered:
    """One render record with its case: what :func:`engine.regenerate.load_jobs` starts from."""

    case_id: int
    document: str
    entry_id: int | None
    date: str
    files: dict[str, str]
    workflow: str
    state: str
    data: dict[str, Any]


class Renders:
    """The ``renders`` table: each issued document's files with the SHA-256 of their bytes."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def put(
        self,
        case_id: int,
        document: str,
        *,
        entry_id: int | None,
        date: str,
        files: Mapping[str, str],
        at: str,
    ) -> None:
        """Store or replace the record of (case, document): the old row is deleted and a new
        one added (a new ``rowid``, so :meth:`with_cases` lists it last, as ``INSERT OR
        REPLACE`` did)."""
        self.db.execute(
            "DELETE FROM renders WHERE case_id = ? AND document = ?", (case_id, document)
        )
        self.db.execute(
            "INSERT INTO renders (case_id, document, entry_id, date, files_json, "
            "rendered_at) VALUES (?, ?, ?, ?, ?, ?)",
            (case_id, document, entry_id, date, json.dumps(dict(files), ensure_ascii=False), at),
        )

    def with_cases(self) -> list[Rendered]:
        """Every record with its case's workflow, state and data, in the order recorded."""
        return [
            Rendered(r[0], r[1], r[2], r[3], json.loads(r[4]), r[5], r[6], json.loads(r[7]))
            for r in self.db.all(
                "SELECT r.case_id, r.document, r.entry_id, r.date, r.files_json, c.workflow, "
                "c.state, c.data_json FROM renders r JOIN cases c ON c.id = r.case_id "
                "ORDER BY r.case_id, r.rowid"
            )
        ]

    def files(self) -> list[tuple[int, str, int | None, dict[str, str]]]:
        """(case id, document, entry id, {file: SHA-256}) of every record."""
        return [
            (r[0], r[1], r[2], json.loads(r[3]))
            for r in self.db.all("SELECT case_id, document, entry_id, files_json FROM renders")
        ]


class Dependencies:
    """The ``dependencies`` table: each input of a document with its fingerprint."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def replace(self, case_id: int, document: str, deps: Mapping[str, str]) -> None:
        """Make ``deps`` the fingerprints of (case, document)."""
        self.db.execute(
            "DELETE FROM dependencies WHERE case_id = ? AND document = ?", (case_id, document)
        )
        self.db.executemany(
            "INSERT INTO dependencies (case_id, document, key, hash) VALUES (?, ?, ?, ?)",
            [(case_id, document, k, v) for k, v in sorted(deps.items())],
        )

    def by_document(self) -> dict[tuple[int, str], dict[str, str]]:
        """Every fingerprint: {(case id, document): {key: hash}}."""
        out: dict[tuple[int, str], dict[str, str]] = {}
        for r in self.db.all("SELECT case_id, document, key, hash FROM dependencies"):
            out.setdefault((r[0], r[1]), {})[r[2]] = r[3]
        return out
