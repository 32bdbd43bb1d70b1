"""Circular letters (หนังสือเวียน) to many recipients: one letter, one ว number, many copies.

A circular letter whose data has ``recipients`` (a CSV, XLSX or YAML file, or a list; see
:mod:`engine.recipients`) is issued as:

a. the **master** (``letters/<BE>/circular-<n>.docx``): the letter to the collective recipient,
   as in reference letter 000 ("เรียน นายกเทศมนตรี ทุกเทศบาล และนายกองค์การบริหารส่วนตำบล
   ทุกแห่ง"), followed by the distribution list (บัญชีรายชื่อแนบท้ายหนังสือ…), an attachment in a
   section of its own: no page number, no continuation marker;
b. one **addressed copy** per recipient (``letters/<BE>/circular-<n>/<seq>-<organisation>.docx``,
   "เรียน นายกองค์การบริหารส่วนตำบลสระตะเคียน"), sharing the number and the date;
c. one **combined DOCX** of all copies (``letters/<BE>/circular-<n>-copies.docx``), each copy its
   own section restarting page numbers, written as a stream (:mod:`engine.combine`).

The register gets one row: ถึง is the collective recipient and the count ("… ทุกแห่ง (๒๕ แห่ง)");
the recipient list (organisation, position, address, e-mail, the copy's path) is kept with it in
the ``recipients`` table, out of the register's columns.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from . import confine, files, progress, thai
from .combine import CombinedWriter
from .docxparts import LIST_TITLE, with_attachment
from .errors import UserError
from .i18n import _
from .letter import Letter, salutation_for
from .register import Register
from .store import StoredRecipient

if TYPE_CHECKING:  # engine.recipients (csv, xlsx) is imported when a circular has recipients
    from .recipients import Recipient


def copies_dir(master: Path) -> Path:
    return master.with_suffix("")


def combined_path(master: Path) -> Path:
    return master.with_name(f"{master.stem}-copies.docx")


def copy_path(master: Path, seq: int, recipient: Recipient) -> Path:
    """``<copies folder>/<seq>-<organisation>.docx``; the organisation's part at most
    :data:`engine.confine.NAME_BYTES` bytes, cut where a word ends (:func:`confine.file_stem`)."""
    return copies_dir(master) / f"{seq:03d}-{confine.file_stem(recipient.organisation)}.docx"


def count_text(n: int, thai_digits: bool) -> str:
    text = str(n)
    return thai.to_thai_digits(text) if thai_digits else text


def register_recipient(letter: Letter, n: int) -> str:
    """ถึง in the register: the collective recipient and how many ("(๒๕ แห่ง)")."""
    return f"{letter.recipient} ({count_text(n, letter.office.thai_digits)} แห่ง)"


# --- the master's distribution list --------------------------------------------------------------
def _para(text: str, *, bold: bool = False, center: bool = False, indent: int = 0,
          before: int = 0) -> str:  # fmt: skip
    """A paragraph of the distribution list; ``text`` as printed (``CompiledTemplate.printed``)."""
    ppr = ""
    if before:
        ppr += f'<w:spacing w:before="{before}"/>'
    if indent:
        ppr += f'<w:ind w:left="{indent}" w:hanging="{indent}"/>'
    if center:
        ppr += '<w:jc w:val="center"/>'
    rpr = ("<w:b/><w:bCs/>" if bold else "") + '<w:sz w:val="32"/><w:szCs w:val="32"/>'
    return (
        f"<w:p><w:pPr>{ppr}</w:pPr><w:r><w:rPr>{rpr}</w:rPr>"
        f'<w:t xml:space="preserve">{text}</w:t></w:r></w:p>'
    )


def distribution_list(
    letter: Letter, recipients: Sequence[Recipient], printed: Callable[[str], str]
) -> str:
    """WordprocessingML paragraphs: the list of recipients, headed as offices head it
    (บัญชีรายชื่อแนบท้ายหนังสือ<office> / ที่ … ลงวันที่ … / เรื่อง …). ``printed`` is the template's
    own printing of a value (digits, line breaks, escaping)."""
    digits = letter.office.thai_digits

    date = thai.format_date(letter.date, "full", thai_digits=digits) if letter.date else ""
    number = f"ที่ {letter.number_text}" + (f" ลงวันที่ {date}" if date else "")
    out = [
        _para(printed(f"{LIST_TITLE}{letter.office.name}"), bold=True, center=True),
        _para(printed(number), center=True),
        _para(printed(f"เรื่อง {letter.subject}"), center=True, before=120),
    ]
    width = len(str(len(recipients)))
    for i, r in enumerate(recipients, start=1):
        out.append(_para(printed(f"{i}.".ljust(width + 1) + f" {r.addressee}"), indent=567,
                         before=120 if i == 1 else 0))  # fmt: skip
    out.append(_para(printed(f"รวม {len(recipients)} แห่ง"), before=240, center=True))
    return "".join(out)


def with_distribution_list(
    template: Any, parts: Mapping[str, str], letter: Letter, recipients: Sequence[Recipient]
) -> dict[str, str]:
    """The master's rendered parts with its distribution list after the letter, as an
    attachment (แนบท้าย): a section of its own, on a new page, outside the letter's page
    numbers and continuation markers (:func:`engine.docxparts.with_attachment`)."""
    xml = distribution_list(letter, recipients, template.printed)
    stamp = template.printed(letter.secrecy) if letter.secrecy else ""
    return with_attachment(template, parts, xml, stamp=stamp)


# --- copies --------------------------------------------------------------------------------------
def copy_context(base: Mapping[str, Any], recipient: Recipient) -> dict[str, Any]:
    """The master's template context addressed to one recipient, with the salutation and
    closing formula that recipient calls for (:meth:`Recipient.forms`). The master's forms,
    where its data set them other than its collective recipient calls for (e.g. กราบเรียน),
    hold for the copies whose recipients call for the same forms as the collective one."""
    ctx = dict(base)
    ctx["recipient"] = recipient.addressee
    collective = salutation_for(str(base.get("recipient") or ""))
    master = (str(base.get("salutation") or ""), str(base.get("complimentary_close") or ""))
    given = (
        master[0] if master[0] != collective[0] else "",
        master[1] if master[1] != collective[1] else "",
    )
    ctx["salutation"], ctx["complimentary_close"] = recipient.forms(given, collective)
    return ctx


class Sink:
    """Where a circular's files go: written (issue), or compared and rewritten only when they
    differ (regenerate). Records the SHA-256 of every file, by path. With ``root`` (the
    workspace), every path is checked to resolve inside it first (:func:`engine.confine.inside`).
    """

    def __init__(
        self,
        write: Callable[[Path, bytes], Any],
        place: Callable[[Path, Path], Any],
        root: Path | None = None,
    ) -> None:
        self._write = write
        self._place = place
        self.root = root
        self.hashes: dict[Path, str] = {}

    def check(self, path: Path) -> None:
        """Refuse a path that leads outside the workspace (a symbolic link, by name)."""
        if self.root is not None:
            confine.inside(self.root, path)

    def write(self, path: Path, data: bytes) -> None:
        self.check(path)
        self.hashes[path] = hashlib.sha256(data).hexdigest()
        self._write(path, data)

    def place(self, tmp: Path, path: Path) -> None:
        self.check(path)
        self.hashes[path] = files.sha256(tmp)
        self._place(tmp, path)


def render_circular(
    template: Any,
    letter: Letter,
    context: Mapping[str, Any],
    recipients: Sequence[Recipient],
    master: Path,
    sink: Sink,
    *,
    label: str = "",
    paths: Sequence[Path | None] | None = None,
) -> None:
    """Render the master (with its distribution list), every addressed copy and the combined
    DOCX into ``sink``. Memory stays flat: one copy at a time. ``paths``: the copies' paths
    (as the register keeps them), else (or where None) :func:`copy_path`. The master, the
    copies folder and the combined DOCX are checked against the workspace before anything is
    written."""
    given = list(paths) if paths is not None else [None] * len(recipients)
    if len(given) != len(recipients):
        raise UserError(
            _("the register keeps {given} copy path(s) for {recipients} recipient(s)").format(
                given=len(given), recipients=len(recipients)
            ),
            file=master,
        )
    targets = [
        p or copy_path(master, i, r)
        for i, (p, r) in enumerate(zip(given, recipients, strict=True), start=1)
    ]
    for path in (master, copies_dir(master), combined_path(master)):
        sink.check(path)
    parts = template.render_parts(context)
    sink.write(master, template.pack(with_distribution_list(template, parts, letter, recipients)))
    combined = CombinedWriter(template, combined_path(master))
    try:
        for path, recipient in progress.track(
            list(zip(targets, recipients, strict=True)),
            _("copies {number}").format(number=label).strip(),
        ):
            cparts = template.render_parts(copy_context(context, recipient))
            sink.write(path, template.pack(cparts))
            combined.add(cparts)
        tmp = combined.close()
        sink.place(tmp, combined.out)
    except BaseException:
        combined.abort()
        raise


# --- the recipients table -------------------------------------------------------------------------
def store_recipients(
    reg: Register, entry_id: int, recipients: Sequence[Recipient], paths: Sequence[str]
) -> None:
    """Keep the recipient list with the register entry (joins the open transaction)."""
    # the stored row is the recipient's fields with the copy's path after the e-mail address
    reg.store.recipients.insert(
        entry_id,
        [
            StoredRecipient(
                r.organisation,
                r.position,
                r.to,
                r.address,
                r.email,
                p,
                r.monk,
                r.salutation,
                r.complimentary_close,
            )  # fmt: skip
            for r, p in zip(recipients, paths, strict=True)
        ],
    )


def stored_recipients(reg: Register, entry_id: int) -> list[Recipient]:
    """The recipient list as the register keeps it (the stored row without its path)."""
    from .recipients import Recipient

    return [Recipient(*r[:5], *r[6:]) for r in reg.store.recipients.of_entry(entry_id)]


def stored_copy_paths(reg: Register, entry_id: int, root: Path) -> list[Path | None]:
    """The paths of a circular's copies as the register keeps them (what regenerate rewrites:
    a copy keeps its name whatever :func:`copy_path` would call it now)."""
    rows = reg.store.recipients.of_entry(entry_id)
    return [root / r.path if r.path else None for r in rows]


# --- the hook in a run (engine.runtime.Run.make_document) -------------------------------------
@dataclass
class Circular:
    """A circular being issued by a :class:`engine.runtime.Run`."""

    recipients: list[Recipient]

    def register_recipient(self, letter: Letter) -> str:
        return register_recipient(letter, len(self.recipients))

    def issue(self, run: Any, template: Any, letter: Letter, context: Mapping[str, Any],
              master: Path, entry_id: int | None) -> dict[str, str]:  # fmt: skip
        """Write master, copies and combined DOCX through the run's writer: under pending names
        in the master's folder, moved into place once the command commits (removed if it rolls
        back); keep the recipient list; return {relative path: sha256}."""
        writer = run.writer
        folder = master.parent
        copies = copies_dir(master)
        if copies.is_dir() and any(not n.startswith(".") for n in os.listdir(copies)):
            raise UserError(
                _(
                    "already holds files but the register has no such number: `saraban check --repair` moves them to letters/.quarantine/"
                ),
                file=run.ws.relative(copies),
            )

        def write(path: Path, data: bytes) -> None:  # one sync for all at the end
            writer.write(path, data, durable=False, folder=folder)

        def place(tmp: Path, path: Path) -> None:
            writer.place(tmp, path, folder=folder)

        ws = run.ws
        sink = Sink(write, place, ws.root)
        render_circular(  # no copies folder exists until the command commits
            template,
            letter,
            context,
            self.recipients,
            master,
            sink,
            label=letter.number_text,
        )
        os.sync()  # every copy on disk before the register row commits
        rels = {ws.relative(p): h for p, h in sink.hashes.items()}
        if entry_id is not None:
            store_recipients(
                run.reg,
                entry_id,
                self.recipients,
                [ws.relative(copy_path(master, i, r)) for i, r in enumerate(self.recipients, 1)],
            )
        return rels


def prepare(run: Any, letter: Letter) -> Circular | None:
    """The circular's recipients when the letter's data has ``recipients``; else ``None``."""
    if not run.wf.letter_inputs:
        return None
    value = run.data.get("recipients")
    if value in (None, "", []):
        return None
    if letter.series != "circular":
        raise UserError(
            _(
                "recipients are for circular letters (the ว series): use the circular workflow or circular: true"
            ),
            file=f"case {run.case_id}",
            field="recipients",
        )
    from .recipients import load_recipients

    return Circular(load_recipients(value, run.ws.root))
