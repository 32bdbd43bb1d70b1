"""The tables of cases (เรื่อง): ``cases`` (each case as it is now) and ``case_events`` (the
history of its transitions). See :mod:`engine.cases`."""

from __future__ import annotations

import builtins
import json
from dataclasses import dataclass
from typing import Any, Final

from .db import Connection, Migration

__all__ = ["MIGRATIONS", "Case", "CaseEvents", "Cases", "Event"]

MIGRATIONS: Final = (
    # 2: cases (เรื่อง) of workflows and the history of their transitions; see engine/cases.py.
    Migration(
        2,
        (
            """
        CREATE TABLE cases (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            workflow    TEXT    NOT NULL,
            state       TEXT    NOT NULL,
            data_json   TEXT    NOT NULL,             -- the case data as it is now
            created_at  TEXT    NOT NULL,
            updated_at  TEXT    NOT NULL
        )
        """,
            """
        CREATE TABLE case_events (
            id          INTEGER PRIMARY KEY AUTOINCREMENT,
            case_id     INTEGER NOT NULL REFERENCES cases (id),
            at          TEXT    NOT NULL,             -- ISO timestamp, UTC
            event       TEXT    NOT NULL,
            from_state  TEXT,
            to_state    TEXT    NOT NULL,
            by          TEXT    NOT NULL,             -- the OS user or --by
            data_json   TEXT    NOT NULL,             -- the data as it was at this transition
            files_json  TEXT    NOT NULL DEFAULT '[]',
            note        TEXT    NOT NULL DEFAULT ''
        )
        """,
            "CREATE INDEX case_events_case ON case_events (case_id, id)",
            "CREATE INDEX cases_state ON cases (workflow, state)",
        ),
    ),
)


def dumps(data: Any) -> str:
    """JSON text of case data as the tables keep it (sorted keys, Thai as it is)."""
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


_CASE_COLUMNS: Final = "id, workflow, state, data_json, created_at, updated_at"


class Cases:
    """The ``cases`` table."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def insert(self, workflow: str, state: str, data: dict[str, Any], at: str) -> int:
        return self.db.insert_id(
            "INSERT INTO cases (workflow, state, data_json, created_at, updated_at) "
            "VALUES (?, ?, ?, ?, ?)",
            (workflow, state, dumps(data), at, at),
        )

    def move(
        self, case_id: int, from_state: str, to_state: str, data: dict[str, Any], at: str
    ) -> bool:
        """Set state and data if the case is still in ``from_state``; False if it is not."""
        cur = self.db.execute(
            "UPDATE cases SET state = ?, data_json = ?, updated_at = ? WHERE id = ? AND state = ?",
            (to_state, dumps(data), at, case_id, from_state),
        )
        return cur.rowcount == 1

    def get(self, case_id: int) -> Case | None:
        row = self.db.one(f"SELECT {_CASE_COLUMNS} FROM cases WHERE id = ?", (case_id,))
        return (
            None
            if row is None
            else Case(row[0], row[1], row[2], json.loads(row[3]), row[4], row[5])
        )

    def list(self, workflow: str | None = None, state: str | None = None) -> list[Case]:
        sql = f"SELECT {_CASE_COLUMNS} FROM cases"
        where, params = [], []
        if workflow:
            where.append("workflow = ?")
            params.append(workflow)
        if state:
            where.append("state = ?")
            params.append(state)
        if where:
            sql += " WHERE " + " AND ".join(where)
        rows = self.db.all(sql + " ORDER BY id", params)
        return [Case(r[0], r[1], r[2], json.loads(r[3]), r[4], r[5]) for r in rows]

    def workflow_states(self) -> builtins.list[tuple[str, str]]:
        """Each (workflow, state) some case is in."""
        return [(r[0], r[1]) for r in self.db.all("SELECT DISTINCT workflow, state FROM cases")]


class CaseEvents:
    """The ``case_events`` table: the history of every case."""

    def __init__(self, db: Connection) -> None:
        self.db = db

    def insert(
        self,
        case_id: int,
        *,
        at: str,
        event: str,
        from_state: str | None,
        to_state: str,
        by: str,
        data: dict[str, Any],
        files: list[str],
        note: str,
    ) -> None:
        self.db.execute(
            "INSERT INTO case_events (case_id, at, event, from_state, to_state, by, data_json, "
            "files_json, note) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (case_id, at, event, from_state, to_state, by, dumps(data), dumps(files), note),
        )

    def of_case(self, case_id: int) -> list[Event]:
        rows = self.db.all(
            "SELECT at, event, from_state, to_state, by, data_json, files_json, note "
            "FROM case_events WHERE case_id = ? ORDER BY id",
            (case_id,),
        )
        return [
            Event(r[0], r[1], r[2], r[3], r[4], json.loads(r[5]), json.loads(r[6]), r[7])
            for r in rows
        ]

    def set_first_files(self, case_id: int, files: list[str]) -> None:
        """Record the files the first event of a case wrote (its drafts, rendered after the
        case row was made)."""
        self.db.execute(
            "UPDATE case_events SET files_json = ? WHERE id = "
            "(SELECT min(id) FROM case_events WHERE case_id = ?)",
            (dumps(files), case_id),
        )

    def cases_by(self, by: str) -> set[int]:
        """The cases someone acted on (any event of their history is ``by`` them)."""
        return {
            r[0]
            for r in self.db.all("SELECT DISTINCT case_id FROM case_events WHERE by = ?", (by,))
        }

    def states_visited(self) -> dict[int, set[str]]:
        """Every state each case has entered, by case (its history's ``to_state``s)."""
        visited: dict[int, set[str]] = {}
        for case_id, state in self.db.all("SELECT DISTINCT case_id, to_state FROM case_events"):
            visited.setdefault(case_id, set()).add(state)
        return visited
