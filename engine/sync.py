"""Issued documents kept in the register database, and ``saraban sync`` (docs/database.md).

Every registered file (an issued letter's DOCX, a circular's master, copies and combined DOCX,
a form) is stored in the register database when it is issued or regenerated, in the same
transaction as its register row and render record (:func:`keep`): content-addressed, one row
per distinct content (:mod:`engine.store.documents`). The render record (``renders``) says which
content each file has now. ``letters/`` on each machine is therefore a copy:

- :func:`sync` (``saraban sync``) writes each registered file that is missing on this machine,
  or whose bytes are not the content recorded, from the database (temporary file + rename; a
  file that was changed here is moved to ``letters/.quarantine/`` first), and stores the files of
  this machine that the database lacks (issued before it kept documents);
- ``saraban regenerate`` on a shared register syncs first, so that letters issued on another
  machine are not taken for missing ones; ``check --repair`` syncs too.

Sync writes only recorded content: a sent (frozen) letter's record never changes, so its file is
only ever restored. PDFs are not stored: ``regenerate --pdf`` makes those missing or older than
their DOCX.
"""

from __future__ import annotations

import hashlib
import os
import shutil
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from . import files
from .errors import RegisterError, UserError
from .i18n import _
from .recovery import QUARANTINE, exclusive
from .register import Register
from .render import write_atomic
from .workspace import Workspace

__all__ = ["SyncReport", "keep", "sync", "sync_locked"]


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def keep(reg: Register, files: Mapping[str, str], read: Callable[[str], bytes]) -> int:
    """Store, in the open register transaction, the content of each of ``files`` ({relative
    path: SHA-256}) that the database does not hold yet; ``read`` gives a file's bytes. Returns
    how many contents were stored. A file whose bytes are not the SHA-256 recorded is refused:
    the transaction rolls back."""
    documents = reg.store.documents
    todo = documents.missing(files.values())
    stored = 0
    at = _now()
    for rel, digest in files.items():
        if digest not in todo:
            continue
        data = read(rel)
        if hashlib.sha256(data).hexdigest() != digest:
            raise RegisterError(
                _(
                    "{path} changed while it was being registered (its SHA-256 is not the one recorded): nothing was recorded; run the command again"
                ).format(path=rel)
            )
        documents.put(digest, data, at=at)
        todo.discard(digest)
        stored += 1
    return stored


@dataclass
class SyncReport:
    """What :func:`sync` did: files written (missing here; an earlier version here; changed
    here, with where that file was moved), files of this machine stored in the database, files
    it could not write, and how many were already as recorded."""

    written: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    restored: list[tuple[str, str]] = field(default_factory=list)
    stored: list[str] = field(default_factory=list)
    problems: list[str] = field(default_factory=list)
    current: int = 0

    @property
    def files(self) -> list[str]:
        """Every file written."""
        return [*self.written, *self.updated, *(p for p, _kept in self.restored)]

    def lines(self) -> list[str]:
        out = [_("wrote {path} (missing here)").format(path=p) for p in self.written]
        out += [
            _("updated {path} (a newer version is recorded)").format(path=p) for p in self.updated
        ]
        out += [
            _(
                "restored {path} (it was not the file recorded; the file that was here is now {kept})"
            ).format(path=p, kept=kept)
            for p, kept in self.restored
        ]
        if self.stored:
            out.append(
                _(
                    "stored {count} file(s) of this machine in the register database (issued before it kept documents)"
                ).format(count=len(self.stored))
            )
        out.append(
            _("{written} file(s) written, {current} already as recorded").format(
                written=len(self.files), current=self.current
            )
        )
        return out


def _digest(path: Path) -> str | None:
    """The SHA-256 of a file's bytes; None when there is no file."""
    try:
        return files.sha256(path)
    except (FileNotFoundError, IsADirectoryError, NotADirectoryError):
        return None


def _target(ws: Workspace, rel: str) -> Path:
    """Where registered file ``rel`` goes: inside ``letters/``, no hidden part, no link leading
    out; else :class:`UserError`."""
    letters = ws.confine(ws.letters_dir)
    try:
        full = ws.confine(rel)
    except UserError:
        full = None
    inner = full.relative_to(letters) if full is not None and letters in full.parents else None
    if full is None or inner is None or any(part.startswith(".") for part in inner.parts):
        raise UserError(_("{path} is not a file under letters/: not written").format(path=rel))
    return full


def sync(ws: Workspace) -> SyncReport:
    """``saraban sync``: make this machine's registered files the ones the database records
    (see the module docstring); one at a time with ``regenerate`` in this workspace."""
    ws.register_path  # noqa: B018 - reconciles first, and makes sure letters/ exists
    with exclusive(
        ws.letters_dir,
        "regenerate",
        _(
            "saraban: waiting for a `saraban regenerate` or `saraban sync` in this workspace to finish"
        ),
    ):
        return sync_locked(ws)


def sync_locked(ws: Workspace) -> SyncReport:
    """:func:`sync`, the caller holding the workspace's ``regenerate`` lock."""
    report = SyncReport()
    with Register(ws.register_path) as reg:
        store = reg.store
        recorded: dict[str, str] = {}
        for _case, _document, _entry, hashes in store.renders.files():
            recorded.update(hashes)
        live = store.journal.finals()  # a command of this machine is putting them in place
        absent = store.documents.missing(recorded.values())
        todo: dict[str, list[tuple[str, Path, str | None]]] = {}  # digest → (rel, path, here)
        upload: dict[str, str] = {}
        for rel, digest in sorted(recorded.items()):
            if rel in live:
                continue
            try:
                full = _target(ws, rel)
            except UserError as exc:
                report.problems.append(exc.message)
                continue
            here = _digest(full)
            if here == digest:
                report.current += 1
                if digest in absent:
                    upload[rel] = digest
            elif digest in absent:
                report.problems.append(
                    _(
                        "{path}: registered, but its content is neither in the register database nor on this machine: run `saraban sync` on the machine that issued it"
                    ).format(path=rel)
                )
            else:
                todo.setdefault(digest, []).append((rel, full, here))
        if upload:
            with reg.transaction():
                keep(reg, upload, lambda rel: (ws.root / rel).read_bytes())
            report.stored = sorted(upload)
        heres = {h for targets in todo.values() for _r, _f, h in targets if h is not None}
        known = heres - store.documents.missing(heres)  # earlier versions the database holds
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        quarantine = ws.letters_dir / QUARANTINE / stamp
        for digest, data in store.documents.contents(todo):
            for rel, full, here in todo[digest]:
                if here is None:
                    report.written.append(rel)
                elif here in known:
                    report.updated.append(rel)
                else:  # changed on this machine: kept aside, never lost
                    kept = quarantine / full.relative_to(ws.confine(ws.letters_dir))
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy2(full, kept)
                    report.restored.append((rel, ws.relative(kept)))
                write_atomic(full, data, durable=False)
    if report.files:
        os.sync()  # one sync for every file written
    return report
