"""``saraban db copy``: an office's SQLite register into an empty schema on a PostgreSQL server.

Every table but the journal of pending files (it concerns files being written on this machine
now: a copy is refused while it has rows) is copied row by row, ids kept, in one transaction on
the server. Before that transaction commits, each table is read back from the server and
compared with the file: the same number of rows and the same SHA-256 over all of them. A
difference rolls everything back. A target whose schema already holds a register is refused.
The ``documents`` table (the issued documents' bytes) is read and written a few rows at a time,
and its checksum is over each row's key, size, date and the SHA-256 of its content, which must
be its key.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

from engine.errors import RegisterError
from engine.i18n import _

from .check import TABLES
from .db import Connection, Migration, plain
from .documents import Documents
from .location import Server
from .renders import Renders

__all__ = ["COPIED", "Copied", "copy_register", "table_digest"]

COPIED: Final = tuple(t for t in TABLES if t != "pending_files")
"""The tables ``db copy`` moves, in an order their references allow."""
_STREAMED: Final = "documents"
"""The table copied a few rows at a time (its rows are whole files)."""
_BATCH: Final = 64
_INSERT_DOCUMENT: Final = (
    "INSERT INTO documents (sha256, size, content, stored_at) VALUES (?, ?, ?, ?)"
)
#: tables whose ``id`` the server numbers (its sequence continues after the copied ids)
_IDS: Final = ("entries", "cases", "case_events")


@dataclass(frozen=True)
class Copied:
    """What was copied: {table: (rows, SHA-256 of its rows)}, the same on both sides."""

    tables: dict[str, tuple[int, str]]


def _columns(conn: Connection, table: str) -> list[str]:
    """The columns of ``table`` on the SQLite side (its implicit rowid aside)."""
    cur = conn.execute(f"SELECT * FROM {table} LIMIT 0")
    return [d[0] for d in cur.description]


def table_digest(conn: Connection, table: str, columns: Sequence[str]) -> tuple[int, str]:
    """(rows, SHA-256) of ``table``: its rows as JSON, sorted (the same whatever the database's
    order and collation)."""
    rows = conn.all(f"SELECT {', '.join(columns)} FROM {table}")
    lines = sorted(json.dumps(list(r), ensure_ascii=False) for r in rows)
    digest = hashlib.sha256("\n".join(lines).encode()).hexdigest()
    return len(lines), digest


def _rows_of_documents(conn: Connection) -> Iterator[tuple[str, int, bytes, str]]:
    last = ""
    while True:
        batch = Documents(conn).after(last, _BATCH)
        yield from batch
        if len(batch) < _BATCH:
            return
        last = batch[-1][0]


def documents_digest(conn: Connection) -> tuple[int, str]:
    """(rows, SHA-256) of the ``documents`` table, read a few rows at a time: over each row's
    key, size, date and the SHA-256 of its content. A content whose SHA-256 is not its key is
    an error (a damaged row)."""
    lines = []
    for key, size, content, at in _rows_of_documents(conn):
        actual = hashlib.sha256(content).hexdigest()
        if actual != key or len(content) != size:
            raise RegisterError(
                _(
                    "the stored document {digest} is damaged (its content does not match its SHA-256): nothing was copied"
                ).format(digest=key)
            )
        lines.append(json.dumps([key, size, actual, at]))
    lines.sort()
    return len(lines), hashlib.sha256("\n".join(lines).encode()).hexdigest()


def _digest(conn: Connection, table: str, columns: Sequence[str]) -> tuple[int, str]:
    if table == _STREAMED:
        return documents_digest(conn)
    return table_digest(conn, table, columns)


def copy_register(
    source: Path, target: Server, migrations: Sequence[Migration], version: int
) -> Copied:
    """Copy the register file ``source`` (opened and upgraded by the caller) to ``target``."""
    from . import pg

    pg.upgrade(target, migrations, version)  # the schema and its tables, for this office
    with plain(source) as src:
        pending = int(src.one("SELECT count(*) FROM pending_files")[0])
        if pending:
            raise RegisterError(
                _(
                    "a command is still putting {pending} file(s) in place in this workspace: run `saraban check`, then copy again"
                ).format(pending=pending)
            )
        columns = {t: _columns(src, t) for t in COPIED}
        rows: dict[str, list[Any]] = {
            t: src.all(f"SELECT {', '.join(columns[t])} FROM {t} ORDER BY rowid")
            for t in COPIED
            if t != _STREAMED
        }
        expected = {t: _digest(src, t, columns[t]) for t in COPIED}
        order = [(r.case_id, r.document) for r in Renders(src).with_cases()]
    with pg.bare(target) as dst, plain(source) as src:
        dst.execute("BEGIN")
        try:
            dst.execute("LOCK TABLE entries, counters, cases IN EXCLUSIVE MODE")
            held = {t: int(dst.one(f"SELECT count(*) FROM {t}")[0]) for t in ("entries", "cases")}
            if any(held.values()):
                raise RegisterError(
                    _(
                        "{server} already holds a register ({entries} entries, {cases} cases): db copy only fills an empty one"
                    ).format(server=target, **held)
                )
            for table in COPIED:
                names = columns[table]
                insert = "INSERT INTO {t} ({c}) VALUES ({p})".format(
                    t=table, c=", ".join(names), p=", ".join("?" * len(names))
                )
                if table == _STREAMED:
                    batch: list[tuple[str, int, bytes, str]] = []
                    for row in _rows_of_documents(src):
                        batch.append(row)
                        if len(batch) == _BATCH:
                            dst.executemany(_INSERT_DOCUMENT, batch)
                            batch = []
                    dst.executemany(_INSERT_DOCUMENT, batch)
                else:
                    dst.executemany(insert, rows[table])
            for table in _IDS:
                dst.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"coalesce(max(id), 0) + 1, false) FROM {table}"
                )
            for table in COPIED:
                got = _digest(dst, table, columns[table])
                if got != expected[table]:
                    raise RegisterError(
                        _(
                            "the copy of table {table} differs from the original ({rows} rows, {copied} copied): nothing was copied"
                        ).format(table=table, rows=expected[table][0], copied=got[0])
                    )
            if [(r.case_id, r.document) for r in Renders(dst).with_cases()] != order:
                raise RegisterError(
                    _("the copy lists the rendered documents in another order: nothing was copied")
                )
            dst.execute("COMMIT")
        except BaseException:
            with contextlib.suppress(RegisterError):
                dst.execute("ROLLBACK")
            raise
    return Copied(expected)
