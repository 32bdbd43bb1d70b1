"""The lifecycle a workflow declares (วงจรของเรื่อง): which states freeze a case's letters, and
which events cancel its register numbers (ยกเลิกเลขทะเบียนส่ง).

Both are declared in the workflow YAML (docs/workflows.md, "Lifecycle"):

- a state with ``freezes: true``: a case that is or has been in it has its letters frozen, and
  ``saraban regenerate`` never rewrites them (:meth:`engine.workflow.Workflow.freezes`);
- an event with ``cancels: true``: firing it cancels every number the case was given, with the
  reason ``--set cancel_reason=…`` or a default text (:func:`cancel_numbers`).

Without a declaration, the state named ``sent`` freezes and the event named ``cancel`` cancels.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .register import Entry, Register
from .workflow import CANCEL_REASON, EventSpec


def cancel_reason(event: EventSpec, values: Mapping[str, Any], case_id: int) -> str:
    """The reason a cancelling event gives the register: ``--set cancel_reason=…`` if given,
    else the event's label and the case number, e.g. ``ยกเลิก (case 3)``."""
    given = values.get(CANCEL_REASON)
    if isinstance(given, str) and given.strip():
        return given.strip()
    return f"{event.label} (case {case_id})"


def case_numbers(reg: Register, case_id: int) -> list[Entry]:
    """The register entries of case ``case_id`` that are not cancelled, in the order given."""
    mine = [e for e in reg.entries() if e.case_id == str(case_id) and not e.cancelled]
    return sorted(mine, key=lambda e: e.id)


def cancel_numbers(reg: Register, case_id: int, reason: str, by: str | None = None) -> list[Entry]:
    """Cancel every number of case ``case_id`` still issued, with ``reason``: the rows stay,
    marked cancelled, and the numbers are never given again. Inside the caller's transaction
    (:meth:`engine.register.Register.transaction`) it commits or rolls back with the event."""
    return [
        reg.cancel(e.series, e.year, e.number, reason, by=by) for e in case_numbers(reg, case_id)
    ]


def on_event(
    reg: Register,
    event: EventSpec,
    case_id: int,
    values: Mapping[str, Any],
    by: str | None = None,
) -> str:
    """What the lifecycle does when ``event`` fires on a case: a cancelling event cancels the
    case's numbers. Returns the note for the case history ("" when nothing was done)."""
    if not event.cancels:
        return ""
    reason = cancel_reason(event, values, case_id)
    cancelled = cancel_numbers(reg, case_id, reason, by)
    if not cancelled:
        return ""
    numbers = ", ".join(f"ที่ {e.number_text}" for e in cancelled)
    return f"numbers cancelled in the register: {numbers} ({reason})"
