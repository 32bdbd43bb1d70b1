"""The register database connection (SQLite): write transactions, busy handling, migrations.

One :class:`Database` is one connection to the register file (``letters/register.db``). It is
the only place that speaks to ``sqlite3`` for the register; the table classes of this package
(:mod:`engine.store.entries`, …) run their statements through it.

Write transactions are ``BEGIN IMMEDIATE`` … ``COMMIT``: the write lock is taken at the start,
so two processes that allocate a number never both read the same counter. A process waits for
another's transaction up to ``timeout`` seconds (``PRAGMA busy_timeout``), then gets a
:class:`~engine.errors.RegisterError` saying the register is busy.

The schema is made of per-component migrations (see :class:`Migration`); the database's
``PRAGMA user_version`` is the number of the last migration applied.
"""

from __future__ import annotations

import contextlib
import functools
import random
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, ParamSpec, TypeVar

from engine.errors import RegisterError, SarabanError
from engine.failures import database_reason
from engine.i18n import _

__all__ = [
    "ATTEMPTS",
    "Conflict",
    "Database",
    "DatabaseError",
    "Migration",
    "StoreError",
    "Transactions",
    "Transient",
    "plain",
    "retried",
    "schema_version",
]

P = ParamSpec("P")
T = TypeVar("T")

StoreError: Final = sqlite3.Error
"""The base class of the errors the database raises (for ``except`` clauses outside the store)."""
DatabaseError: Final = sqlite3.DatabaseError
"""A database error proper (damaged file, full disk, I/O error…), as opposed to a misuse."""


class Conflict(Exception):
    """A write refused by a uniqueness constraint (the message is the database's)."""


ATTEMPTS: Final = 5
"""How many times :func:`retried` runs a transaction the database server refused as transient."""


class Transient(RegisterError):
    """The database server refused a transaction that may succeed if run again: a deadlock or a
    serialization failure with another clerk's command (PostgreSQL; SQLite never raises it).
    Nothing of the transaction was recorded."""


def retried(fn: Callable[P, T]) -> Callable[P, T]:
    """``fn`` (a whole write transaction and the files it writes: issuing, advancing a case) run
    again when the server refuses it as :class:`Transient`, up to :data:`ATTEMPTS` times, after
    a short random pause; then one clear :class:`RegisterError`. ``fn`` must clean up after a
    failed attempt (the pending files of :class:`engine.recovery.Staging` do)."""

    @functools.wraps(fn)
    def run(*args: P.args, **kwargs: P.kwargs) -> T:
        for attempt in range(1, ATTEMPTS + 1):
            try:
                return fn(*args, **kwargs)
            except Transient as exc:
                if attempt == ATTEMPTS:
                    raise RegisterError(
                        _(
                            "the database server refused the transaction {times} times ({reason}); nothing was recorded: try again"
                        ).format(times=ATTEMPTS, reason=exc.message)
                    ) from exc
                time.sleep(random.uniform(0.02, 0.1) * attempt)
        raise AssertionError  # pragma: no cover (the loop returns or raises)

    return run


@dataclass(frozen=True, slots=True)
class Migration:
    """Part of one schema version: the statements a component adds to reach ``version``.

    The schema version of a database (``PRAGMA user_version``) counts migrations: version *v*
    is reached by running, in one transaction, the statements of every component's migration
    numbered *v*, component by component in :data:`engine.store.COMPONENTS` order. A component
    adds a table or column by appending ``Migration(<current version + 1>, …)``; a migration
    that has shipped is never edited.
    """

    version: int
    statements: tuple[str, ...]


def schema_version(migrations: Iterable[Migration]) -> int:
    """The version the ``migrations`` take a database to; they must number 1, 2, … with no gap."""
    versions = sorted({m.version for m in migrations})
    if versions != list(range(1, len(versions) + 1)):
        raise AssertionError(f"store migrations must be numbered 1..n without gaps: {versions}")
    return len(versions)


def is_busy(error: BaseException) -> bool:
    """Whether ``error`` is SQLite's "database is locked/busy"."""
    code = getattr(error, "sqlite_errorcode", None)
    if code is not None:
        return code & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
    return "locked" in str(error) or "busy" in str(error)


class Connection:
    """A bare connection to the register file: statements only (no pragmas, no migration).

    The table classes run their SQL through this interface, written once for both databases:
    ``?`` placeholders, ``INSERT … ON CONFLICT``, no ``INSERT OR REPLACE``, rows read by index
    or column name. :class:`engine.store.pg.PgConnection` is the same interface on PostgreSQL.
    """

    row_locks: bool = False
    """Whether the database locks rows (PostgreSQL: ``SELECT … FOR UPDATE`` on a counter). False:
    a write transaction locks the whole register (SQLite's ``BEGIN IMMEDIATE``)."""
    machine: str = ""
    """The id of this workspace among the machines sharing the register ("" for a file)."""

    def __init__(self, conn: sqlite3.Connection) -> None:
        self._conn = conn

    def execute(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """Run one statement; the cursor (``rowcount``)."""
        return self._conn.execute(sql, params)

    def executemany(self, sql: str, rows: Iterable[Sequence[Any]]) -> None:
        self._conn.executemany(sql, rows)

    def one(self, sql: str, params: Sequence[Any] = ()) -> Any:
        """The first row (by index or column name), or None."""
        return self._conn.execute(sql, params).fetchone()

    def all(self, sql: str, params: Sequence[Any] = ()) -> list[Any]:
        return self._conn.execute(sql, params).fetchall()

    def insert_id(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Run an ``INSERT`` into a table with an ``id`` key; the new row's id."""
        return int(self._conn.execute(sql, params).lastrowid or 0)

    def close(self) -> None:
        self._conn.close()


@contextlib.contextmanager
def plain(path: Path, *, autocommit: bool = False) -> Iterator[Connection]:
    """A short bare connection (60 s busy timeout) for maintenance: reading the journal,
    ``saraban check``. Neither the journal mode nor the schema is touched."""
    conn = sqlite3.connect(path, timeout=60, isolation_level=None if autocommit else "DEFERRED")
    try:
        yield Connection(conn)
    finally:
        conn.close()


class Transactions:
    """``write()`` and ``transaction()`` over a database's own begin, commit and rollback (the
    same contract on SQLite and on PostgreSQL)."""

    _in_transaction = False
    _batch = False

    def _begin(self) -> None:
        raise NotImplementedError

    def _commit(self) -> None:
        raise NotImplementedError

    def _rollback(self) -> None:
        raise NotImplementedError

    @contextlib.contextmanager
    def write(self) -> Iterator[None]:
        """One write transaction: begin … commit, rollback on error (SQLite: ``BEGIN
        IMMEDIATE``, the whole register locked for writing from the start).

        Inside :meth:`transaction` the outer transaction is used: it commits or rolls back
        everything together.
        """
        if self._batch:
            yield
            return
        if self._in_transaction:
            raise SarabanError(
                _(
                    "the register is already inside reserve(): finish that letter first (one write transaction per Register at a time)"
                )
            )
        self._begin()
        self._in_transaction = True
        try:
            yield
        except BaseException:
            self._rollback()
            raise
        else:
            try:
                self._commit()
            except BaseException:
                self._rollback()
                raise
        finally:
            self._in_transaction = False

    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """One write transaction around several changes: every :meth:`write` inside joins it."""
        with self.write():
            self._batch = True
            try:
                yield
            finally:
                self._batch = False


class Database(Transactions, Connection):
    """One connection to the register file, with its write transactions and schema.

    Opening connects, sets WAL journal mode, ``synchronous = FULL`` and foreign keys, and brings
    the schema up to date with ``migrations`` (one transaction).
    """

    def __init__(self, path: Path, *, timeout: float, migrations: Sequence[Migration]) -> None:
        self.path: Final = path
        self.timeout: Final = float(timeout)
        self._migrations = tuple(migrations)
        self.version: Final = schema_version(self._migrations)
        try:
            self._conn = sqlite3.connect(self.path, timeout=self.timeout, isolation_level=None)
        except sqlite3.Error as e:
            raise RegisterError(database_reason(e, self.path), file=self.path) from e
        try:
            self._conn.row_factory = sqlite3.Row
            self._conn.execute(f"PRAGMA busy_timeout = {int(self.timeout * 1000)}")
            self._set_wal()
            # FULL: a committed number must survive a power cut, or it could be given twice.
            self._conn.execute("PRAGMA synchronous = FULL")
            self._conn.execute("PRAGMA foreign_keys = ON")
            self._migrate()
        except sqlite3.DatabaseError as e:
            self._conn.close()
            if is_busy(e):
                raise self._busy_error() from e
            raise RegisterError(database_reason(e, self.path), file=self.path) from e
        except BaseException:
            self._conn.close()
            raise

    # -- lifecycle ---------------------------------------------------------------------------

    def close(self) -> None:
        """Close the connection (an open transaction is rolled back). Safe to call twice."""
        with contextlib.suppress(sqlite3.ProgrammingError):
            if self._conn.in_transaction:
                self._conn.execute("ROLLBACK")
        self._conn.close()

    # -- transactions ------------------------------------------------------------------------

    def _busy_error(self) -> RegisterError:
        return RegisterError(
            _(
                "the register is busy: another process kept it locked for more than {timeout:g} s; try again"
            ).format(timeout=self.timeout),
            file=self.path,
        )

    def _begin(self) -> None:
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.OperationalError as e:
            if is_busy(e):
                raise self._busy_error() from e
            raise

    def _commit(self) -> None:
        self._conn.execute("COMMIT")

    def _rollback(self) -> None:
        if self._conn.in_transaction:
            self._conn.execute("ROLLBACK")

    # -- set-up ------------------------------------------------------------------------------

    def _set_wal(self) -> None:
        """Switch to WAL journal mode (persistent in the file); retry while another opener holds it."""
        mode = self._conn.execute("PRAGMA journal_mode").fetchone()[0]
        if str(mode).lower() == "wal":
            return
        deadline = time.monotonic() + self.timeout
        while True:
            try:
                self._conn.execute("PRAGMA journal_mode = WAL")
                return
            except sqlite3.OperationalError as e:
                if not is_busy(e) or time.monotonic() > deadline:
                    raise
                time.sleep(0.01)

    def _migrate(self) -> None:
        """Create or upgrade the schema to :attr:`version` (one transaction)."""
        if self._user_version() == self.version:
            return
        with self.write():
            version = self._user_version()  # again, under the write lock
            for new_version in range(version + 1, self.version + 1):
                for migration in self._migrations:
                    if migration.version == new_version:
                        for statement in migration.statements:
                            self._conn.execute(statement)
                self._conn.execute(f"PRAGMA user_version = {new_version}")

    def _user_version(self) -> int:
        version = int(self._conn.execute("PRAGMA user_version").fetchone()[0])
        if version > self.version:
            raise RegisterError(
                _(
                    "the register was written by a newer saraban (schema version {version}, this one knows {known})"
                ).format(version=version, known=self.version),
                file=self.path,
            )
        return version
