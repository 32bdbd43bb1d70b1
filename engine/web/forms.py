"""Forms generated from a workflow's typed inputs (แบบฟอร์มจากข้อมูลนำเข้าของงาน).

Each input of a workflow (:class:`engine.inputs.InputSpec`) becomes one field: a person, a
citizen ID, a phone number, a date (Thai or ISO), money, a choice, a list (one item a line), a
file (an upload). A posted form is read back into the case data, each value checked by its own
input type at once (:meth:`InputSpec.parse`, the same check as the command line), so every
field's error shows beside it; the case itself is then made by :func:`engine.api.new`, which
checks everything again (required inputs, the workflow's guards).

Uploads are limited in size (:data:`MAX_UPLOAD`) and accepted only when their first bytes are
those of a PDF, PNG or JPEG file; they are saved under the workspace's ``uploads/`` folder with
a random name (the name sent by the browser is never used as a path).
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final, Protocol

from engine.errors import UserError
from engine.i18n import _
from engine.inputs import InputError, InputSpec, make_spec
from engine.render import write_atomic
from engine.workflow import Workflow
from engine.workspace import Workspace

MAX_UPLOAD: Final = 10 * 1024 * 1024
"""The largest file accepted (10 MiB)."""
UPLOADS: Final = "uploads"
"""The workspace folder uploads are saved in."""
#: The first bytes of each accepted file type, and the suffix it is saved with.
MAGIC: Final = ((b"%PDF-", ".pdf"), (b"\x89PNG\r\n\x1a\n", ".png"), (b"\xff\xd8\xff", ".jpg"))

#: What each input type asks for, shown under the field.
HINTS: Final = {
    "person": "คำนำหน้าและชื่อ-สกุล เช่น นายสมชาย ใจดี",
    "citizen_id": "เลข ๑๓ หลัก เช่น 1-2345-67890-12-1",
    "phone": "เช่น 081-234-5678 หรือ 044-123-456 ต่อ 12",
    "email": "เช่น somchai@example.go.th",
    "date": "เช่น 25 มีนาคม 2568, 25 มี.ค. 68 หรือ 2025-03-25 (ปี พ.ศ. หรือ ค.ศ.)",
    "money": "จำนวนเงิน (บาท) เช่น 1,234.50",
    "list": "หนึ่งรายการต่อหนึ่งบรรทัด",
    "file": "ไฟล์ PDF, PNG หรือ JPEG ขนาดไม่เกิน 10 MB",
    "number": "ตัวเลขจำนวนเต็ม",
}

#: The generic letter's keys (``inputs: letter``), as form fields; the engine checks them
#: (:func:`engine.compose.letter_data`).
LETTER_INPUTS: Final[dict[str, dict[str, Any]]] = {
    "to": {"label": "เรียน (ผู้รับ)", "type": "text"},
    "subject": {"label": "เรื่อง", "type": "text"},
    "references": {"label": "อ้างถึง", "type": "list", "required": False},
    "enclosures": {"label": "สิ่งที่ส่งมาด้วย", "type": "list", "required": False},
    "body": {"label": "ข้อความ (ย่อหน้าคั่นด้วยบรรทัดว่าง)", "type": "text"},
    "closing": {"label": "ข้อความปิดท้าย", "type": "text", "default": "จึงเรียนมาเพื่อโปรดทราบ"},
    "signer": {"label": "ผู้ลงนาม", "type": "text"},
    "urgency": {
        "label": "ชั้นความเร็ว",
        "type": "choice",
        "choices": ["ด่วน", "ด่วนมาก", "ด่วนที่สุด"],
        "required": False,
    },
}
TEXTAREAS: Final = frozenset({"body"})


class Upload(Protocol):
    """An uploaded file as Starlette gives it."""

    filename: str | None

    async def read(self, size: int = -1) -> bytes: ...


@dataclass
class Field:
    """One field of a generated form: its input, what was typed and its error."""

    spec: InputSpec
    value: str = ""
    error: str = ""
    choices: Mapping[str, str] = field(default_factory=dict)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def widget(self) -> str:
        t = self.spec.type
        if (
            self.spec.name in TEXTAREAS
            or t == "list"
            and self.spec.item
            and self.spec.item.type != "file"
        ):
            return "textarea"
        if self.choices:
            return "select"
        if t == "list":
            return "files"
        return {"file": "file", "boolean": "checkbox", "phone": "tel", "email": "email"}.get(
            t, "text"
        )

    @property
    def hint(self) -> str:
        return HINTS.get(self.spec.type, "")

    @property
    def required(self) -> bool:
        return self.spec.required is True and self.spec.default is None


def specs(wf: Workflow) -> dict[str, InputSpec]:
    """The inputs of ``wf`` (for the generic letter, :data:`LETTER_INPUTS`)."""
    if wf.letter_inputs:
        return {name: make_spec(name, raw) for name, raw in LETTER_INPUTS.items()}
    return dict(wf.input_specs)


def fields(ws: Workspace, wf: Workflow, values: Mapping[str, str] | None = None) -> list[Field]:
    """The empty form of ``wf`` (defaults filled in), or with ``values`` as typed."""
    out = []
    for name, spec in specs(wf).items():
        choices: Mapping[str, str] = spec.choices
        if name == "signer" and spec.type == "text":  # a key of office.yaml's signers
            try:
                choices = {k: f"{s.name} — {s.position}" for k, s in ws.office.signers.items()}
            except UserError:
                choices = {}
        default = "" if spec.default in (None, "today") else str(spec.default)
        value = default if values is None else values.get(name, "")
        out.append(Field(spec, value, choices=choices))
    return out


def _detect(head: bytes) -> str | None:
    for magic, suffix in MAGIC:
        if head.startswith(magic):
            return suffix
    return None


async def save_upload(
    ws: Workspace, upload: Upload, detect: Callable[[bytes], str] | None = None
) -> str:
    """Save an uploaded enclosure under ``uploads/`` (random name, suffix by its content); the
    workspace-relative path. :class:`InputError` if it is empty, too large or not a PDF, PNG
    or JPEG. ``detect``: another judge of the content (the suffix, or :class:`InputError`)."""
    data = await upload.read(MAX_UPLOAD + 1)
    if not data:
        raise InputError(_("the file is empty"))
    if len(data) > MAX_UPLOAD:
        raise InputError(_("the file is larger than {mb} MB").format(mb=MAX_UPLOAD // 2**20))
    suffix = detect(data) if detect is not None else _detect(data[:16])
    if suffix is None:
        raise InputError(_("only PDF, PNG or JPEG files are accepted"))
    folder = ws.root / UPLOADS / dt.date.today().strftime("%Y-%m")
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{secrets.token_hex(8)}{suffix}"
    write_atomic(path, data)
    return path.relative_to(ws.root).as_posix()


def kept_upload(ws: Workspace, text: str) -> str | None:
    """A previous upload the form carries back (hidden field): only a file under ``uploads/``."""
    parts = Path(text).parts
    if len(parts) != 3 or parts[0] != UPLOADS or ".." in parts or not text.isascii():
        return None
    try:
        full = ws.confine(text)
    except UserError:
        return None
    return text if full.is_file() else None


async def read(
    ws: Workspace, wf: Workflow, form: Mapping[str, Any], getlist: Any
) -> tuple[dict[str, Any], list[Field]]:
    """The case data of a posted form, and its fields with what was typed and each error.
    ``getlist(name)`` gives every value of a field (files of a list of files)."""
    data: dict[str, Any] = {}
    out = fields(ws, wf, {})
    for f in out:
        spec = f.spec
        raw: Any
        if spec.type == "file" or spec.type == "list" and spec.item and spec.item.type == "file":
            raw = await _files(ws, f, getlist)
            f.value = "\n".join(raw) if isinstance(raw, list) else raw or ""
        else:
            text = str(form.get(spec.name) or "")
            f.value = text
            raw = text.strip()
            if spec.type == "list":
                raw = [line.strip() for line in text.splitlines() if line.strip()]
            elif spec.type == "boolean":
                raw = bool(raw)
        if raw in ("", [], None):
            continue
        data[spec.name] = raw
        if not f.error:
            try:
                spec.parse(raw, ws.root)
            except InputError as exc:
                f.error = str(exc)
    return data, out


async def _files(ws: Workspace, f: Field, getlist: Any) -> str | list[str]:
    """The uploads of a file field (new ones saved; else the ones kept from a previous post)."""
    saved: list[str] = []
    for upload in getlist(f.name):
        if isinstance(upload, str) or not getattr(upload, "filename", None):
            continue
        try:
            saved.append(await save_upload(ws, upload))
        except InputError as exc:
            f.error = f"{upload.filename}: {exc}"
    if not saved:
        for text in getlist(f"{f.name}__kept"):
            for line in str(text).splitlines():
                kept = kept_upload(ws, line.strip())
                if kept:
                    saved.append(kept)
    if f.spec.type == "list":
        return saved
    return saved[0] if saved else ""
