"""``saraban db``: which database holds an office's register, its schema, and moving it to a
PostgreSQL server (docs/database.md).

- :func:`status`: the database in use (a SQLite file, or a server with its URL redacted), its
  schema version and the rows of each table.
- :func:`upgrade`: create or migrate the register's schema. A SQLite file is upgraded whenever a
  command opens it; a server's schema only by this command (a shared server is changed on
  purpose, by one clerk, not by whichever machine runs a newer saraban first).
- :func:`copy`: move the office's SQLite register into an empty schema on a server, the issued
  documents with it (those this workspace has that the register lacks are stored first).

Passwords are never printed: every URL shown is :func:`engine.store.redact`'s.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from . import sync
from .errors import RegisterError, UserError
from .i18n import _
from .register import Register
from .store import MIGRATIONS, SCHEMA_VERSION, parse_url, server_of
from .store import check as store_check
from .workspace import Workspace

__all__ = ["CopyResult", "DatabaseStatus", "copy", "status", "upgrade"]


@dataclass(frozen=True)
class DatabaseStatus:
    """What ``saraban db status`` reports."""

    kind: str
    """``sqlite`` or ``postgresql``."""
    where: str
    """The file (relative to the workspace when inside it), or the server's URL, redacted."""
    version: int | None
    """The schema version found; None: the server holds no register yet."""
    expected: int = SCHEMA_VERSION
    counts: dict[str, int] = field(default_factory=dict)

    def lines(self) -> list[str]:
        name = "SQLite" if self.kind == "sqlite" else "PostgreSQL"
        out = [_("database: {kind} {where}").format(kind=name, where=self.where)]
        if self.version is None:
            out.append(_("schema: none yet (run `saraban db upgrade`)"))
        elif self.version == self.expected:
            out.append(_("schema version: {version} (up to date)").format(version=self.version))
        elif self.version < self.expected:
            out.append(
                _(
                    "schema version: {version} (this saraban needs {expected}: run `saraban db upgrade`)"
                ).format(version=self.version, expected=self.expected)
            )
        else:
            out.append(
                _("schema version: {version} (newer than this saraban's {expected})").format(
                    version=self.version, expected=self.expected
                )
            )
        out += [f"{table}: {n}" for table, n in self.counts.items()]
        return out


def status(ws: Workspace) -> DatabaseStatus:
    """The database of the workspace's register, its schema version and its row counts."""
    register = ws.register_path
    server = server_of(register)
    if server is None:
        with Register(register) as reg:  # an older file is upgraded on opening, as always
            counts = store_check.counts(reg.store.db)
        return DatabaseStatus("sqlite", ws.relative(register), SCHEMA_VERSION, counts=counts)
    from .store import pg

    state = pg.schema_state(server)
    if state is None:
        return DatabaseStatus("postgresql", str(server), None)
    with pg.bare(server) as conn:
        counts = store_check.counts(conn)
    return DatabaseStatus("postgresql", str(server), state[0], counts=counts)


def upgrade(ws: Workspace) -> tuple[str, int, int]:
    """Create or migrate the schema of the workspace's register: (where, before, after)."""
    register = ws.register_path
    server = server_of(register)
    if server is None:
        with Register(register):
            pass
        return f"SQLite {ws.relative(register)}", SCHEMA_VERSION, SCHEMA_VERSION
    from .store import pg

    before, after = pg.upgrade(server, MIGRATIONS, SCHEMA_VERSION)
    return f"PostgreSQL {server}", before, after


@dataclass(frozen=True)
class CopyResult:
    """What ``saraban db copy`` moved: {table: (rows, SHA-256)} and where to."""

    target: str
    tables: dict[str, tuple[int, str]]
    #: registered files of this workspace stored in the register first (issued before it kept
    #: documents), and those whose content it could not find (:func:`engine.sync.sync`)
    stored: int = 0
    problems: list[str] = field(default_factory=list)


def copy(ws: Workspace, to: str) -> CopyResult:
    """Copy the workspace's SQLite register to the server at ``to`` (an empty schema there)."""
    register = ws.register_path
    if server_of(register) is not None:
        raise UserError(
            _(
                "this office's register is already on a PostgreSQL server ({server}): db copy moves a SQLite register; use pg_dump to copy a server's"
            ).format(server=server_of(register)),
            field="--to",
        )
    target = parse_url(to, office=ws.office.prefix, field="--to")
    if not register.exists():
        raise RegisterError(_("there is no register to copy yet"), file=register)
    from .store import transfer

    with Register(register):  # brought up to this saraban's schema first
        pass
    synced = sync.sync(ws)  # the documents issued before the register kept them, stored first
    copied = transfer.copy_register(register, target, MIGRATIONS, SCHEMA_VERSION)
    return CopyResult(str(target), copied.tables, len(synced.stored), synced.problems)
