"""The store (engine/store): it owns the SQL and the schema; registers of earlier versions open."""

from __future__ import annotations

import ast
import contextlib
import re
import sqlite3
from datetime import date
from pathlib import Path

import pytest

from engine.register import Register
from engine.store import MIGRATIONS, SCHEMA_VERSION, Migration
from engine.store.db import schema_version

ROOT = Path(__file__).resolve().parent.parent
ENGINE = ROOT / "engine"

# The first schema as saraban 0.1 wrote it (user_version 1), frozen here: a register made then
# must still open. Never derived from engine/store, which is what it checks.
SCHEMA_1 = [
    """CREATE TABLE entries (
        id INTEGER PRIMARY KEY, series TEXT NOT NULL CHECK (length(series) > 0),
        year INTEGER NOT NULL, number INTEGER NOT NULL CHECK (number >= 1),
        number_text TEXT NOT NULL, number_key TEXT NOT NULL, date TEXT NOT NULL,
        sender TEXT NOT NULL DEFAULT '', recipient TEXT NOT NULL DEFAULT '',
        subject TEXT NOT NULL DEFAULT '', action TEXT NOT NULL DEFAULT '',
        note TEXT NOT NULL DEFAULT '',
        status TEXT NOT NULL DEFAULT 'issued' CHECK (status IN ('issued', 'cancelled')),
        cancel_reason TEXT, cancelled_at TEXT, case_id TEXT, path TEXT, data_json TEXT,
        created_at TEXT NOT NULL, UNIQUE (series, year, number), UNIQUE (number_key, year),
        CHECK ((status = 'cancelled') = (cancel_reason IS NOT NULL)))""",
    """CREATE TABLE counters (series TEXT NOT NULL, year INTEGER NOT NULL,
        next_number INTEGER NOT NULL CHECK (next_number >= 1), PRIMARY KEY (series, year))""",
]


def test_a_register_of_schema_1_opens_migrates_and_numbers_on(tmp_path: Path) -> None:
    db = tmp_path / "register.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        for statement in SCHEMA_1:
            conn.execute(statement)
        conn.execute(
            "INSERT INTO entries (series, year, number, number_text, number_key, date, subject, "
            "created_at) VALUES ('normal', 2024, 7, 'ที่ มท 1/7', 'มท1/7', '2024-03-01', 'เก่า', "
            "'2024-03-01T00:00:00+00:00')"
        )
        conn.execute("INSERT INTO counters VALUES ('normal', 2024, 8)")
        conn.execute("PRAGMA user_version = 1")
        conn.commit()
    with Register(db) as reg:
        old = reg.get("normal", 2024, 7)
        assert (old.subject, old.number_text, old.date) == ("เก่า", "ที่ มท 1/7", date(2024, 3, 1))
        with reg.reserve("normal", 2024) as slot:
            new = slot.record(
                number_text=f"ที่ มท 1/{slot.number}", date=date(2024, 3, 2), sender="ก",
                recipient="ข", subject="ใหม่",
            )  # fmt: skip
        assert new.number == 8
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA user_version").fetchone() == (SCHEMA_VERSION,)
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"cases", "case_events", "renders", "dependencies", "recipients",
                "pending_files", "users", "login_failures", "web_settings"} <= tables  # fmt: skip


def test_migrations_are_numbered_without_gaps() -> None:
    assert schema_version(MIGRATIONS) == SCHEMA_VERSION == 7
    with pytest.raises(AssertionError, match="without gaps"):
        schema_version([*MIGRATIONS, Migration(SCHEMA_VERSION + 2, ("SELECT 1",))])


#: SQL as the code base writes it: upper-case keywords at the start of a string
_SQL = re.compile(r"\s*(SELECT|INSERT|UPDATE|DELETE|CREATE (TABLE|INDEX)|PRAGMA|BEGIN|COMMIT)\b")


def _code_strings(tree: ast.AST) -> list[ast.Constant]:
    """String constants that are not docstrings."""
    docstrings = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                docstrings.add(id(body[0].value))
    return [
        n
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in docstrings
    ]


def offences(engine: Path) -> list[str]:
    """SQL strings, imports of private names of the register or store, private attributes."""
    offences = []
    for path in sorted(engine.glob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in _code_strings(tree):
            if _SQL.match(node.value):
                offences.append(f"{path.name}:{node.lineno}: SQL {node.value.strip()[:40]!r}")
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[-1] in (
                "register", "store", "db", "entries", "cases", "renders", "recipients",
                "journal", "check",
            ):  # fmt: skip
                for alias in node.names:
                    if alias.name.startswith("_"):
                        offences.append(f"{path.name}:{node.lineno}: imports {alias.name}")
            if isinstance(node, ast.Attribute) and node.attr in ("_conn", "_store", "_db"):
                offences.append(f"{path.name}:{node.lineno}: uses .{node.attr}")
    return offences


def test_no_sql_and_no_private_store_access_outside_the_store() -> None:
    assert offences(ENGINE) == []


def test_the_check_finds_sql_and_private_access(tmp_path: Path) -> None:
    (tmp_path / "bad.py").write_text(
        "from .register import _entry_from_row\n"
        "def f(reg):\n"
        '    """SELECT in a docstring is fine."""\n'
        '    return reg._conn.execute("SELECT id FROM entries")\n',
        encoding="utf-8",
    )
    assert offences(tmp_path) == [
        "bad.py:4: SQL 'SELECT id FROM entries'",
        "bad.py:1: imports _entry_from_row",
        "bad.py:4: uses ._conn",
    ]
