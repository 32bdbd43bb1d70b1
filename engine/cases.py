"""Cases (เรื่อง): one run of a workflow, its state and the history of every transition.

Stored in the register database (tables ``cases`` and ``case_events``), so that a case, the
numbers of its documents and its history change together in one transaction.
"""

from __future__ import annotations

import builtins
import getpass
import os
from datetime import UTC, datetime
from typing import Any

from .errors import UserError
from .i18n import _
from .register import Register
from .store import Case, Event

__all__ = ["Case", "CaseStore", "Event", "current_user"]


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


class CaseStore:
    """Cases in a :class:`Register`'s database. Writes join an open ``reg.transaction()``."""

    def __init__(self, register: Register) -> None:
        self.register = register
        self.store = register.store

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
        with self.store.write():
            case_id = self.store.cases.insert(workflow, state, data, now)
            self.store.events.insert(
                case_id, at=now, event=event, from_state=None, to_state=state, by=by,
                data=data, files=files or [], note="",
            )  # fmt: skip
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
        with self.store.write():
            if not self.store.cases.move(case_id, from_state, to_state, data, now):
                raise UserError(
                    _(
                        "case {case_id} is no longer in state {from_state!r} (changed meanwhile)"
                    ).format(case_id=case_id, from_state=from_state),
                    field="case",
                )
            self.store.events.insert(
                case_id, at=now, event=event, from_state=from_state, to_state=to_state, by=by,
                data=data, files=files or [], note=note,
            )  # fmt: skip

    def get(self, case_id: int) -> Case:
        case = self.store.cases.get(case_id)
        if case is None:
            raise UserError(_("no case {case_id}").format(case_id=case_id), field="case")
        return case

    def history(self, case_id: int) -> list[Event]:
        return self.store.events.of_case(case_id)

    def list(self, workflow: str | None = None, state: str | None = None) -> list[Case]:
        return self.store.cases.list(workflow, state)

    def workflow_states(self) -> builtins.list[tuple[str, str]]:
        """Each (workflow, state) some case is in."""
        return self.store.cases.workflow_states()
