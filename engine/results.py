"""What the functions of :mod:`engine.api` return (ผลลัพธ์ของคำสั่ง): typed dataclasses.

The CLI reads their attributes; ``as_json()`` gives the exact JSON that ``--json`` prints (the
keys and their order are part of the command-line contract, docs/design.md). Results that are
only read are frozen; :class:`Made` and :class:`MadeDocument` are filled in as a command goes
(the PDFs of ``--pdf`` come after the documents). What the read-only functions return (case
lists, workflow and check results) is in :mod:`engine.infos`, apart, so that a one-letter
command does not create those classes.

This module imports nothing of the engine at run time (the types below are for mypy only).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

if TYPE_CHECKING:
    from .store import Entry

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
        "cancelled_by": entry.cancelled_by,
        "corrected_by": entry.corrected_by,
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
