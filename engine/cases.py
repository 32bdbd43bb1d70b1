"""Cases (เรื่อง): one run of a workflow, its state and the history of every transition.

Stored in the register database (tables ``cases`` and ``case_events``), so that a case, the
numbers of its documents and its history change together in one transaction.
"""

from __future__ import annotations

import getpass
import json
import os
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .errors import UserError
from .register import Register


def current_user() -> str:
    """Who acts: $SARABAN_USER (refused if it holds control characters), else the OS user."""
    from .limits import check_by

    env = os.environ.get("SARABAN_USER")
    if env:
        try:
            return check_by(env) or env
        except UserError as exc:
            raise UserError(exc.message, field="$SARABAN_USER") from None
    try:
        return getpass.getuser()
    except Exception:  # no passwd entry (containers)
        return str(os.getuid())


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _dumps(data: Any) -> str:
    return json.dumps(data, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True)
class Event:
    """One transition of a case: when, which event, from → to, by whom, the data as it was."""

    at: str
    event: str
    from_state: str | None
    to_state: str
    by: str
    data: dict[str, Any]
    files: list[str]
    note: str


@dataclass(frozen=True)
class Case:
    id: int
    workflow: str
    state: str
    data: dict[str, Any]
    created_at: str
    updated_at: str


class CaseStore:
    """Cases in a :class:`Register`'s database. Writes join an open ``reg.transaction()``."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.conn: sqlite3.Connection = register.connection

    def create(
        self,
        workflow: str,
        state: str,
        data: dict[str, Any],
        *,
        by: str,
        event: str = "new",
        files: list[str] | None = None,
    ) -> int:
        now = _now()
        with self.register._transaction():
            cur = self.conn.execute(
                "INSERT INTO cases (workflow, state, data_json, created_at, updated_at) "
                "VALUES (?, ?, ?, ?, ?)",
                (workflow, state, _dumps(data), now, now),
            )
            case_id = int(cur.lastrowid or 0)
            self._event(case_id, event, None, state, by, data, files or [], "", now)
        return case_id

    def transition(
        self,
        case_id: int,
        event: str,
        from_state: str,
        to_state: str,
        data: dict[str, Any],
        *,
        by: str,
        files: list[str] | None = None,
        note: str = "",
    ) -> None:
        now = _now()
        with self.register._transaction():
            cur = self.conn.execute(
                "UPDATE cases SET state = ?, data_json = ?, updated_at = ? WHERE id = ? AND state = ?",
                (to_state, _dumps(data), now, case_id, from_state),
            )
            if cur.rowcount != 1:
                raise UserError(
                    f"case {case_id} is no longer in state {from_state!r} (changed meanwhile)",
                    field="case",
                )
            self._event(case_id, event, from_state, to_state, by, data, files or [], note, now)

    def _event(
        self,
        case_id: int,
        event: str,
        from_state: str | None,
        to_state: str,
        by: str,
        data: dict[str, Any],
        files: list[str],
        note: str,
        at: str,
    ) -> None:
        self.conn.execute(
            "INSERT INTO case_events (case_id, at, event, from_state, to_state, by, data_json, "
            "files_json, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, at, event, from_state, to_state, by, _dumps(data), _dumps(files), note),
        )

    def get(self, case_id: int) -> Case:
        row = self.conn.execute(
            "SELECT id, workflow, state, data_json, created_at, updated_at FROM cases WHERE id = ?",
            (case_id,),
        ).fetchone()
        if row is None:
            raise UserError(f"no case {case_id}", field="case")
        return Case(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5])

    def history(self, case_id: int) -> list[Event]:
        rows = self.conn.execute(
            "SELECT at, event, from_state, to_state, by, data_json, files_json, note "
            "FROM case_events WHERE case_id = ? ORDER BY id",
            (case_id,),
        ).fetchall()
        return [
            Event(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7])
            for r in rows
        ]

    def list(self, workflow: str | None = None, state: str | None = None) -> list[Case]:
        sql = "SELECT id, workflow, state, data_json, created_at, updated_at FROM cases"
        where, params = [], []
        if workflow:
            where.append("workflow = ?")
            params.append(workflow)
        if state:
            where.append("state = ?")
            params.append(state)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.conn.execute(sql + " ORDER BY id", params).fetchall()
        return [Case(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]
