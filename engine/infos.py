"""What the read-only functions of :mod:`engine.api` return (ข้อมูลเรื่องและแบบงาน): case
summaries, due duties, a case with its history, a workflow's parts, ``check`` and ``proof``
results; typed, frozen dataclasses with ``as_json()`` for ``--json``.

Apart from :mod:`engine.results` (what ``new`` and ``advance`` return) so that a one-letter
command does not create these classes (each dataclass costs a few hundred microseconds to
create; start-up, docs/performance.md). :mod:`engine.api` imports them when first asked for.
This module imports nothing of the engine at run time (the types below are for mypy only).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import TYPE_CHECKING, Any, Literal

from .results import entry_json

if TYPE_CHECKING:
    from .proof import Finding
    from .store import Entry, Event


# --- cases, due ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class CaseSummary:
    """One line of ``saraban cases``: a case (เรื่อง), its state and subject."""

    case: int
    workflow: str
    state: str
    created: str
    updated: str
    subject: str

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class DueItem:
    """A recurring duty of a case falling due (งานที่ถึงกำหนด), e.g. a password change."""

    case: int
    workflow: str
    state: str
    duty: str
    label: str
    since: str  # ISO date of the latest date it counts from
    due: str  # ISO date
    days_left: int  # negative when overdue
    overdue: bool

    def as_json(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class CaseInfo:
    """``saraban show CASE``: a case with its allowed events, letters, history and data."""

    case: int
    workflow: str
    state: str
    allowed_events: list[str]
    created: str
    letters: list[Entry]
    history: list[Event]
    data: dict[str, Any]

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case,
            "workflow": self.workflow,
            "state": self.state,
            "allowed_events": self.allowed_events,
            "created": self.created,
            "letters": [entry_json(e) for e in self.letters],
            "history": [
                {
                    "at": e.at,
                    "event": e.event,
                    "from": e.from_state,
                    "to": e.to_state,
                    "by": e.by,
                    "files": e.files,
                    "note": e.note,
                    "data": e.data,
                }
                for e in self.history
            ],
            "data": self.data,
        }


# --- workflow show ------------------------------------------------------------------------------
@dataclass(frozen=True)
class InputInfo:
    """A declared input of a workflow (ข้อมูลนำเข้า)."""

    name: str
    label: str
    type: str
    required: bool | str  # or the expression over the other inputs that makes it required


@dataclass(frozen=True)
class StateInfo:
    """A state of a workflow (สถานะ)."""

    name: str
    label: str
    initial: bool
    final: bool
    freezes: bool


@dataclass(frozen=True)
class EventInfo:
    """An event of a workflow (เหตุการณ์): from which states to which, its guards (the checks),
    its actions (kind and targets) and whether it cancels the case's register numbers."""

    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    guards: tuple[str, ...]
    actions: tuple[tuple[str, tuple[str, ...]], ...]
    cancels: bool

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "label": self.label,
            "from": list(self.sources),
            "to": self.target,
            "guards": list(self.guards),
            "actions": [{kind: list(targets)} for kind, targets in self.actions],
            "cancels": self.cancels,
        }


@dataclass(frozen=True)
class DocumentInfo:
    """A document a workflow makes (เอกสาร): its kind, template and register series."""

    name: str
    kind: str
    template: str
    series: str


@dataclass(frozen=True)
class WorkflowInfo:
    """``saraban workflow show``: a workflow's inputs, states, events and documents.
    ``inputs`` is ``"letter"`` for a workflow that takes the generic letter keys."""

    name: str
    title: str
    description: str
    path: str
    inputs: Literal["letter"] | tuple[InputInfo, ...]
    states: tuple[StateInfo, ...]
    events: tuple[EventInfo, ...]
    documents: tuple[DocumentInfo, ...]

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "title": self.title,
            "description": self.description,
            "path": self.path,
            "inputs": self.inputs
            if isinstance(self.inputs, str)
            else [asdict(i) for i in self.inputs],
            "states": [asdict(s) for s in self.states],
            "events": [e.as_json() for e in self.events],
            "documents": [asdict(d) for d in self.documents],
        }


# --- check, proof -------------------------------------------------------------------------------
@dataclass(frozen=True)
class CheckResult:
    """``saraban check``: the problems found (each naming file, line and field) and what was
    checked or done."""

    problems: list[str]
    checked: list[str]

    @property
    def ok(self) -> bool:
        return not self.problems


@dataclass(frozen=True)
class Proofed:
    """``saraban proof``: one PDF (its path as printed) and the layout rules it breaks."""

    path: str
    findings: list[Finding]
