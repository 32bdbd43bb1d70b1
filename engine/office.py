"""The office profile (ข้อมูลส่วนราชการ): who writes, from where, signed by whom.

Read from a workspace's ``office.yaml`` (keys in design.md). Everything that is the same on
every letter of an office — letterhead, number prefix, owner unit, phones, signers — comes from
here, never from the letter's data, so a letter cannot carry another district's signer.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import UserError, did_you_mean
from .i18n import _
from .yamlio import Located, load_yaml


@dataclass(frozen=True)
class Signer:
    """A person who signs (ผู้ลงนาม): full name with title, and position (ตำแหน่ง)."""

    name: str
    position: str
    key: str = ""
    acting: str = ""  # e.g. "ปฏิบัติราชการแทน ..." printed under the position


@dataclass(frozen=True)
class Office:
    """A validated office profile."""

    name: str
    letterhead: tuple[str, ...]
    prefix: str
    signers: dict[str, Signer]
    number_width: int = 0
    unit: tuple[str, ...] = ()
    phone: str = ""
    fax: str = ""
    email: str = ""
    thai_digits: bool = True
    emblem: Path | None = None
    font: str = ""  # the letters' font family; "" keeps the template's (TH Sarabun New)
    register: Path | None = None
    #: the legal-basis clause of the office's orders (อาศัยอำนาจตาม…), "" for none
    order_legal_basis: str = ""
    database: str = field(default="", repr=False)
    """A PostgreSQL URL (``database:``): the register is on that server (docs/database.md).
    It may hold a password: never print it (:func:`engine.store.redact`)."""
    source: str = "office.yaml"
    extra: dict[str, Any] = field(default_factory=dict)

    def signer(self, key: str) -> Signer:
        """The signer called ``key``; an unknown key is a :class:`UserError` (pointing at this
        profile's ``signers``) listing the known ones. Callers re-point it at their own data."""
        try:
            return self.signers[key]
        except KeyError:
            close = did_you_mean(key, self.signers)
            hint = _("did you mean {name!r}? ").format(name=close) if close else ""
            known = self.signer_list()
            raise UserError(
                _("unknown signer {key!r}; {hint}{source} defines: {known}").format(
                    key=key, hint=hint, source=Path(self.source).name, known=known
                ),
                file=self.source,
                field="signers",
            ) from None

    def signer_list(self) -> str:
        """The signers this profile defines, for a message: "chief (นาย… , ตำแหน่ง), …"."""
        return (
            ", ".join(f"{k} ({s.name}, {s.position})" for k, s in self.signers.items()) or "(none)"
        )


_REQUIRED = ("name", "letterhead", "prefix", "signers")
_OPTIONAL = (
    "number_width",
    "unit",
    "phone",
    "fax",
    "email",
    "thai_digits",
    "emblem",
    "font",
    "register",
    "database",
    "short_name",
    "order_legal_basis",
)
KEYS = (*_REQUIRED, *_OPTIONAL)
"""Every key office.yaml may have (docs/office.md lists them; ``init`` writes each)."""


def _text(doc: Located, key: str, value: Any) -> str:
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise doc.error(_("must be text"), key)
    text = str(value).strip()
    if not text:
        raise doc.error(_("must not be empty"), key)
    return text


def _lines(doc: Located, key: str, value: Any) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list) or not value:
        raise doc.error(_("must be a line of text or a list of lines"), key)
    return tuple(_text(doc, key, v) for v in value)


def parse_office(doc: Located, workspace: Path) -> Office:
    """Validate a loaded office.yaml; every problem names the file, line and key."""
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error(_("office.yaml must be a mapping of keys (name, letterhead, prefix, …)"))
    for key in data:
        if key not in _REQUIRED and key not in _OPTIONAL:
            known = ", ".join((*_REQUIRED, *_OPTIONAL))
            raise doc.error(
                _("unknown key {key!r}; known keys: {known}").format(key=key, known=known), key
            )
    for key in _REQUIRED:
        if key not in data or data[key] in (None, "", []):
            raise UserError(_("missing required key"), file=doc.file, line=doc.line(), field=key)

    signers_raw = data["signers"]
    if not isinstance(signers_raw, dict) or not signers_raw:
        raise doc.error(_("must map a role to {name, position}"), "signers")
    signers: dict[str, Signer] = {}
    for role, spec in signers_raw.items():
        if not isinstance(spec, dict):
            raise doc.error(_("must be {name: …, position: …}"), "signers", role)
        for k in spec:
            if k not in ("name", "position", "acting"):
                raise doc.error(
                    _("unknown key {k!r}; a signer has name, position, acting").format(k=k),
                    "signers",
                    role,
                    k,
                )
        for k in ("name", "position"):
            if not spec.get(k):
                raise doc.error(_("missing {k}").format(k=k), "signers", role)
        signers[str(role)] = Signer(
            name=_text(doc, f"signers.{role}.name", spec["name"]),
            position=_text(doc, f"signers.{role}.position", spec["position"]),
            key=str(role),
            acting=str(spec.get("acting") or ""),
        )

    width = data.get("number_width", 0)
    if isinstance(width, bool) or not isinstance(width, int) or not 0 <= width <= 8:
        raise doc.error(_("must be a whole number from 0 to 8"), "number_width")
    thai_digits = data.get("thai_digits", True)
    if not isinstance(thai_digits, bool):
        raise doc.error(_("must be true or false"), "thai_digits")

    def opt_text(key: str) -> str:
        return _text(doc, key, data[key]) if data.get(key) not in (None, "") else ""

    def opt_path(key: str) -> Path | None:
        if data.get(key) in (None, ""):
            return None
        p = Path(_text(doc, key, data[key]))
        full = p if p.is_absolute() else workspace / p
        return full

    emblem = opt_path("emblem")
    if emblem is not None:
        if not emblem.is_file():
            raise doc.error(_("emblem file not found: {emblem}").format(emblem=emblem), "emblem")
        if emblem.suffix.lower() not in (".png", ".jpg", ".jpeg"):
            raise doc.error(_("emblem must be a PNG or JPEG image"), "emblem")

    font = opt_text("font")
    if font and not re.fullmatch(r"[^<>&\"\x00-\x1f]{1,64}", font):
        raise doc.error(_("must be a font family name, such as TH SarabunIT๙"), "font")

    database = opt_text("database")
    if database:
        from .errors import RegisterError
        from .store.location import parse_url

        try:
            parse_url(database)
        except RegisterError as exc:
            raise doc.error(exc.message, "database") from None

    return Office(
        name=_text(doc, "name", data["name"]),
        letterhead=_lines(doc, "letterhead", data["letterhead"]),
        prefix=_text(doc, "prefix", data["prefix"]),
        signers=signers,
        number_width=width,
        unit=_lines(doc, "unit", data["unit"]) if data.get("unit") else (),
        phone=opt_text("phone"),
        fax=opt_text("fax"),
        email=opt_text("email"),
        thai_digits=thai_digits,
        emblem=emblem,
        font=font,
        register=opt_path("register"),
        order_legal_basis=opt_text("order_legal_basis"),
        database=database,
        source=doc.file,
        extra={"short_name": opt_text("short_name")},
    )


def load_office(workspace: Path) -> Office:
    """Load and validate ``<workspace>/office.yaml``."""
    path = workspace / "office.yaml"
    if not path.is_file():
        raise UserError(
            _("no office.yaml here: run `saraban init` or pass --workspace DIR"), file=path
        )
    return parse_office(load_yaml(path, "office", cached=True), workspace)
