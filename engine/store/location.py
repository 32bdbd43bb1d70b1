"""Where a register lives: a SQLite file (the default) or a PostgreSQL server.

The rest of saraban names a register by its path (``Workspace.register_path``,
``letters/register.db`` unless office.yaml's ``register`` says otherwise). When the office's
register is on a server (office.yaml's ``database:``, or ``$SARABAN_DATABASE_URL``), the
workspace *serves* that path from a :class:`Server` with :func:`serve`; :class:`engine.store.Store`
and the journal functions then speak to the server instead of the file. Nothing here imports
psycopg: a SQLite office never loads it.

A URL is never shown as it was given: :func:`redact` takes its password out (and the password
out of any text that quotes it), for output and for errors alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Final
from urllib.parse import parse_qsl, quote, unquote, urlencode, urlsplit, urlunsplit

from engine.errors import RegisterError
from engine.i18n import _

__all__ = [
    "DEFAULT_SCHEMA",
    "Server",
    "parse_url",
    "redact",
    "serve",
    "server_of",
]

DEFAULT_SCHEMA: Final = "saraban"
"""The PostgreSQL schema of an office's register when the URL names none (``?schema=``)."""
_SCHEMES: Final = ("postgresql", "postgres")
_SCHEMA_NAME: Final = re.compile(r"[a-z_][a-z0-9_]{0,62}")
#: query parameters whose value is a secret
_SECRET_PARAMS: Final = frozenset({"password", "sslpassword"})


@dataclass(frozen=True)
class Server:
    """An office's register on a PostgreSQL server."""

    conninfo: str = field(repr=False)
    """The URL psycopg connects with (saraban's own ``schema`` parameter taken out)."""
    shown: str
    """The URL as saraban prints it: no password."""
    schema: str
    """The PostgreSQL schema that holds this office's tables (one schema per office)."""
    office: str = ""
    """The office's key (office.yaml's ``prefix``): a schema belongs to one office."""
    machine: str = ""
    """This workspace's id: its journal rows are told apart from other machines' by it."""
    secrets: tuple[str, ...] = field(default=(), repr=False)

    def __str__(self) -> str:
        return (
            self.shown if self.schema == DEFAULT_SCHEMA else f"{self.shown} (schema {self.schema})"
        )

    def clean(self, text: str) -> str:
        """``text`` (an error from the server or the driver) without the password in it."""
        for secret in self.secrets:
            if secret:
                text = text.replace(secret, "***").replace(quote(secret, safe=""), "***")
        return text.replace(self.conninfo, self.shown)


def redact(url: str) -> str:
    """``url`` without its password: ``postgresql://clerk:***@db/saraban``."""
    try:
        parts = urlsplit(url)
    except ValueError:
        return "(a database URL that cannot be read)"
    netloc = parts.netloc
    if "@" in netloc:
        userinfo, _, hostport = netloc.rpartition("@")
        if ":" in userinfo:
            userinfo = userinfo.split(":", 1)[0] + ":***"
        netloc = f"{userinfo}@{hostport}"
    query = [(k, "***" if k in _SECRET_PARAMS else v) for k, v in parse_qsl(parts.query)]
    return urlunsplit((parts.scheme, netloc, parts.path, urlencode(query, safe="/:*"), ""))


def parse_url(url: str, *, office: str = "", machine: str = "", field: str = "database") -> Server:
    """The :class:`Server` of a ``postgresql://`` URL. Its ``schema`` parameter (saraban's own)
    names the office's PostgreSQL schema; every other part goes to libpq as it is (host, port,
    ``?host=/run/postgresql`` for a local socket, ``sslmode``, …)."""
    text = url.strip()
    try:
        parts = urlsplit(text)
    except ValueError:
        parts = None
    if parts is None or parts.scheme not in _SCHEMES:
        raise RegisterError(
            _(
                "must be a PostgreSQL URL such as postgresql://clerk@db.office.local/saraban, not {url}"
            ).format(url=redact(text)),
            field=field,
        )
    query = parse_qsl(parts.query, keep_blank_values=True)
    schema = DEFAULT_SCHEMA
    kept = []
    for key, value in query:
        if key == "schema":
            schema = value
        else:
            kept.append((key, value))
    if not _SCHEMA_NAME.fullmatch(schema):
        raise RegisterError(
            _(
                "schema {schema!r} is not a schema name: lower-case letters, digits and _, starting with a letter"
            ).format(schema=schema),
            field=field,
        )
    secrets = [v for k, v in query if k in _SECRET_PARAMS]
    if parts.password:
        secrets.append(unquote(parts.password))
        secrets.append(parts.password)
    conninfo = urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(kept), ""))
    return Server(
        conninfo=conninfo,
        shown=redact(conninfo),
        schema=schema,
        office=office,
        machine=machine,
        secrets=tuple(s for s in secrets if s),
    )


_served: dict[Path, Server] = {}


def serve(path: Path, server: Server) -> None:
    """The register named ``path`` lives on ``server`` (for the rest of this process)."""
    _served[Path(path)] = server


def server_of(path: Path) -> Server | None:
    """The server the register named ``path`` lives on; None: it is the SQLite file at ``path``."""
    return _served.get(Path(path)) if _served else None
