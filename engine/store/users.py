"""The tables of the web application (``saraban serve``): ``users`` (who may sign in, with their
role and argon2 password hash), ``login_failures`` (failed sign-ins, for rate limiting) and
``web_settings`` (the key that signs session cookies). See :mod:`engine.web.accounts`.

They live in the register database so that several server processes (or machines, with a shared
database) see the same users, the same failed attempts and the same signing key: nothing of the
web application's state is kept in one process's memory.
"""

from __future__ import annotations

import builtins
import sqlite3
from typing import Final, NamedTuple

from .db import Conflict, Connection, Migration

__all__ = ["MIGRATIONS", "LoginFailures", "User", "Users", "WebSettings"]

MIGRATIONS: Final = (
    # 6: users of the web application, failed sign-ins and its settings (engine/web/accounts.py).
    Migration(
        6,
        (
            """
        CREATE TABLE users (
            name          TEXT PRIMARY KEY,
            role          TEXT NOT NULL,              -- clerk | signer | admin
            password_hash TEXT NOT NULL,              -- argon2id, as argon2-cffi encodes it
            created_at    TEXT NOT NULL
        )
        """,
            """
        CREATE TABLE login_failures (
            key TEXT NOT NULL,                        -- "user:NAME" or "address:IP"
            at  REAL NOT NULL                         -- seconds since the epoch
        )
        """,
            "CREATE INDEX login_failures_key ON login_failures (key, at)",
            """
        CREATE TABLE web_settings (
            name  TEXT PRIMARY KEY,
            value TEXT NOT NULL
        )
        """,
        ),
    ),
)


class User(NamedTuple):
    """A user of the web application (ผู้ใช้): name, role and password hash."""

    name: str
    role: str
    password_hash: str
    created_at: str


class Users:
    """The ``users`` table."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def insert(self, user: User) -> None:
        """Add ``user``; :class:`Conflict` when the name is taken."""
        try:
            self.db.execute(
                "INSERT INTO users (name, role, password_hash, created_at) VALUES (?, ?, ?, ?)",
                tuple(user),
            )
        except sqlite3.IntegrityError as exc:
            raise Conflict(str(exc)) from exc

    def get(self, name: str) -> User | None:
        row = self.db.one(
            "SELECT name, role, password_hash, created_at FROM users WHERE name = ?", (name,)
        )
        return User(*row) if row is not None else None

    def all(self) -> builtins.list[User]:
        rows = self.db.all("SELECT name, role, password_hash, created_at FROM users ORDER BY name")
        return [User(*r) for r in rows]

    def delete(self, name: str) -> bool:
        """Remove ``name``; whether there was such a user."""
        return self.db.execute("DELETE FROM users WHERE name = ?", (name,)).rowcount > 0

    def set_password(self, name: str, password_hash: str) -> bool:
        """Change ``name``'s password hash; whether there is such a user."""
        return (
            self.db.execute(
                "UPDATE users SET password_hash = ? WHERE name = ?", (password_hash, name)
            ).rowcount
            > 0
        )

    def set_role(self, name: str, role: str) -> bool:
        """Change ``name``'s role; whether there is such a user."""
        return (
            self.db.execute("UPDATE users SET role = ? WHERE name = ?", (role, name)).rowcount > 0
        )

    def count_role(self, role: str) -> int:
        row = self.db.one("SELECT count(*) FROM users WHERE role = ?", (role,))
        return int(row[0]) if row is not None else 0


class LoginFailures:
    """The ``login_failures`` table: one row per failed sign-in and key."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def add(self, keys: builtins.list[str], at: float) -> None:
        self.db.executemany(
            "INSERT INTO login_failures (key, at) VALUES (?, ?)", [(k, at) for k in keys]
        )

    def count(self, key: str, since: float) -> int:
        row = self.db.one(
            "SELECT count(*) FROM login_failures WHERE key = ? AND at >= ?", (key, since)
        )
        return int(row[0]) if row is not None else 0

    def clear(self, key: str) -> None:
        self.db.execute("DELETE FROM login_failures WHERE key = ?", (key,))

    def forget_before(self, before: float) -> None:
        """Drop rows older than ``before`` (they no longer count)."""
        self.db.execute("DELETE FROM login_failures WHERE at < ?", (before,))


class WebSettings:
    """The ``web_settings`` table: named values shared by every server process."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def get_or_add(self, name: str, value: str) -> str:
        """The stored value of ``name``; ``value`` is stored first when there is none (the first
        of several processes to ask wins, the others read its value)."""
        self.db.execute(  # ON CONFLICT, not SQLite's OR IGNORE: PostgreSQL runs it too
            "INSERT INTO web_settings (name, value) VALUES (?, ?) ON CONFLICT (name) DO NOTHING",
            (name, value),
        )
        row = self.db.one("SELECT value FROM web_settings WHERE name = ?", (name,))
        assert row is not None
        return str(row[0])
