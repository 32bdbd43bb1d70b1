"""What the functions of :mod:`engine.api` return (ผลลัพธ์ของคำสั่ง): typed dataclasses.

The CLI reads their attributes; ``as_json()`` gives the exact JSON that ``--json`` prints (the
keys and their order are part of the command-line contract, docs/design.md). Results that are
only read are frozen; :class:`Made` and :class:`MadeDocument` are filled in as a command goes
(the PDFs of ``--pdf`` come after the documents).

This module imports nothing of the engine at run time (the types below are for mypy only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .proof import Finding
    from .store import Entry, Event

#: The PDFs ``--pdf`` may add to a document, in the order the JSON lists them.
PDF_KINDS: tuple[Literal["pdf", "bundle", "copies"], ...] = ("pdf", "bundle", "copies")


def entry_json(entry: Entry) -> dict[str, Any]:
    """A register entry as ``saraban register list --json`` and ``saraban show`` print it."""
    return {
        "series": entry.series,
        "year": entry.year,
        "number": entry.number,
        "number_text": entry.number_text,
        "date": entry.date.isoformat(),
        "from": entry.sender,
        "recipient": entry.recipient,
        "subject": entry.subject,
        "status": entry.status,
        "cancel_reason": entry.cancel_reason,
        "case": entry.case_id,
        "path": entry.path,
        # dated before the series' latest letter of the year when numbered: that letter
        "backdated": (
            {"number": entry.backdated_number, "date": entry.backdated_date.isoformat()}
            if entry.backdated_number and entry.backdated_date
            else None
        ),
    }


# --- new, advance -------------------------------------------------------------------------------
@dataclass
class MadeDocument:
    """One document a command made (เอกสาร): its name in the workflow, its number as printed
    (Arabic digits; "" for a draft or an unnumbered document), its path and date; with
    ``--pdf``, the PDF, the bundle with the enclosures and a circular's combined copies."""

    name: str
    number: str
    path: str
    date: dt.date | None = None
    pdf: str | None = None
    bundle: str | None = None
    copies: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "name": self.name,
            "number": self.number,
            "path": self.path,
            "date": self.date.isoformat() if self.date else None,
        }
        for kind in PDF_KINDS:
            path = getattr(self, kind)
            if path:
                out[kind] = path
        return out


@dataclass
class Made:
    """What ``new`` or ``advance`` made (เรื่อง): the case, its state, number, date and the files
    written; ``event`` and ``from_state`` for an ``advance`` that fired an event."""

    workflow: str
    state: str
    case: int | None = None
    number: str = ""
    date: dt.date | None = None
    files: list[str] = field(default_factory=list)
    #: every document made, in order
    documents: list[MadeDocument] = field(default_factory=list)
    event: str | None = None
    from_state: str | None = None
    #: warnings that did not stop the command (a backdated letter), printed on stderr
    warnings: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case": self.case,
            "workflow": self.workflow,
            "state": self.state,
            "number": self.number,
            "date": self.date.isoformat() if self.date else None,
            "files": self.files,
            "documents": [d.as_json() for d in self.documents],
        }
        if self.event is not None:
            out["event"] = self.event
            out["from"] = self.from_state
        if self.warnings:
            out["warnings"] = self.warnings
        return out


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
