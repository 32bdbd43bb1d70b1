"""The register store: every SQL statement of saraban and the schema's migrations.

The register database holds several groups of tables, one module each, in the manner of
sqlite-utils' ``Table`` objects — a small class with named methods over one connection:

=================================  ===========================================================
module                             tables
=================================  ===========================================================
:mod:`engine.store.entries`        ``entries`` (the outgoing register), ``counters``
:mod:`engine.store.cases`          ``cases``, ``case_events`` (their history)
:mod:`engine.store.renders`        ``renders``, ``dependencies`` (fingerprints)
:mod:`engine.store.recipients`     ``recipients`` (of circular letters)
:mod:`engine.store.journal`        ``pending_files`` (the journal of pending names)
:mod:`engine.store.users`          ``users``, ``login_failures``, ``web_settings`` (``serve``)
:mod:`engine.store.documents`      ``documents`` (the issued documents' bytes, by SHA-256)
=================================  ===========================================================

:class:`Store` opens the database (:class:`engine.store.db.Database`: one connection, write
transactions, busy handling, WAL, migrations) and carries one object per table. Nothing outside
this package writes SQL or imports ``sqlite3`` for the register's tables. The same tables run
on a PostgreSQL server (:mod:`engine.store.pg`) when the register's path is served from one
(:mod:`engine.store.location`; docs/database.md).
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Final

from . import cases, documents, entries, journal, recipients, renders, users
from .cases import Case, CaseEvents, Cases, Event
from .db import (
    Conflict,
    Database,
    DatabaseError,
    Migration,
    StoreError,
    Transient,
    retried,
    schema_version,
)
from .documents import Documents
from .entries import Counters, Entries, Entry, Status
from .journal import Journal
from .location import Server, parse_url, redact, serve, server_of
from .recipients import Recipients, StoredRecipient
from .renders import Dependencies, Rendered, Renders
from .users import LoginFailures, User, Users, WebSettings

__all__ = [
    "COMPONENTS",
    "MIGRATIONS",
    "SCHEMA_VERSION",
    "Case",
    "CaseEvents",
    "Cases",
    "Conflict",
    "Counters",
    "DatabaseError",
    "Dependencies",
    "Documents",
    "Entries",
    "Entry",
    "Event",
    "Journal",
    "LoginFailures",
    "Recipients",
    "Rendered",
    "Renders",
    "Status",
    "Server",
    "Store",
    "StoreError",
    "StoredRecipient",
    "Transient",
    "parse_url",
    "redact",
    "retried",
    "serve",
    "server_of",
    "User",
    "Users",
    "WebSettings",
]

if TYPE_CHECKING:
    from .pg import PgDatabase

COMPONENTS: Final = (entries, cases, renders, recipients, journal, users, documents)
"""The modules that own tables, in the order their migrations of one version run."""
MIGRATIONS: Final[tuple[Migration, ...]] = tuple(m for c in COMPONENTS for m in c.MIGRATIONS)
SCHEMA_VERSION: Final = schema_version(MIGRATIONS)
"""The ``PRAGMA user_version`` of a register this version of saraban writes."""


def _open(path: Path, timeout: float) -> Database | PgDatabase:
    server = server_of(path)
    if server is None:
        return Database(path, timeout=timeout, migrations=MIGRATIONS)
    from .pg import PgDatabase  # the office's register is on a PostgreSQL server

    return PgDatabase(server, timeout=timeout, version=SCHEMA_VERSION)


class Store:
    """The register database, open: one connection and one object per table.

    Opening creates the schema when missing and upgrades an older one. Reads go straight to
    the tables; changes go inside :meth:`write` (one change) or :meth:`transaction` (several,
    committed together).
    """

    def __init__(self, path: Path, *, timeout: float) -> None:
        self.db: Final = _open(path, timeout)
        self.entries: Final = Entries(self.db)
        self.counters: Final = Counters(self.db)
        self.cases: Final = Cases(self.db)
        self.events: Final = CaseEvents(self.db)
        self.renders: Final = Renders(self.db)
        self.dependencies: Final = Dependencies(self.db)
        self.recipients: Final = Recipients(self.db)
        self.journal: Final = Journal(self.db)
        self.users: Final = Users(self.db)
        self.login_failures: Final = LoginFailures(self.db)
        self.web_settings: Final = WebSettings(self.db)
        self.documents: Final = Documents(self.db)

    def write(self) -> contextlib.AbstractContextManager[None]:
        """One write transaction (joins an open :meth:`transaction`)."""
        return self.db.write()

    @contextlib.contextmanager
    def transaction(self) -> Iterator[Store]:
        """One write transaction around several changes; every :meth:`write` inside joins it."""
        with self.db.transaction():
            yield self

    def close(self) -> None:
        self.db.close()
