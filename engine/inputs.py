"""Input types of workflows: what a clerk may type for each input, and what templates get.

Every input a workflow declares has a type. A type does two things:

* :meth:`InputType.parse` checks a raw value (from a YAML data file or ``--set KEY=VALUE``) and
  returns the value to *store* with the case: plain JSON (text, lists, mappings), so the case
  data in the register database can be read back by any tool;
* :meth:`InputType.present` turns a stored value into what templates and expressions see: a
  :class:`Person` with ``title``/``name``/``full``, a :class:`ThaiDate` that prints as
  "25 มีนาคม 2568", a :class:`Money` that prints "1,234.50" and knows its ``baht_text`` …

Values are data, never template code: nothing here renders or evaluates what the clerk typed.
A bad value raises :class:`InputError` with a message; the caller adds file, line and field.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from . import confine, thai
from .i18n import N_, _


class InputError(ValueError):
    """A value that does not fit its input type (the message says why)."""


# --- value objects templates see ----------------------------------------------------------------
#: Titles (คำนำหน้านาม) recognised at the start of a person's name, longest first.
TITLES = (
    "ว่าที่ร้อยตรีหญิง",
    "ว่าที่ร้อยตรี",
    "ว่าที่ ร.ต.หญิง",
    "ว่าที่ ร.ต.",
    "นางสาว",
    "นาง",
    "นาย",
    "ดร.",
    "น.ส.",
)


@dataclass(frozen=True)
class Person:
    """A person: title (นาย/นาง/นางสาว …) and name. Prints as the full name, "นายสมชาย ใจดี"."""

    title: str
    name: str

    @property
    def full(self) -> str:
        return f"{self.title}{self.name}"

    @property
    def first(self) -> str:
        return self.name.split(" ", 1)[0]

    @property
    def last(self) -> str:
        parts = self.name.split(" ", 1)
        return parts[1] if len(parts) > 1 else ""

    def __str__(self) -> str:
        return self.full


@dataclass(frozen=True)
class ThaiDate:
    """A date that prints the way letters write it: "25 มีนาคม 2568" (digits per office policy,
    applied when the document is rendered). ``.iso``, ``.full_be``, ``.abbr`` for other forms."""

    date: dt.date

    @property
    def iso(self) -> str:
        return self.date.isoformat()

    @property
    def full(self) -> str:
        return thai.format_date(self.date, "full", thai_digits=False)

    @property
    def full_be(self) -> str:
        return thai.format_date(self.date, "full_be", thai_digits=False)

    @property
    def abbr(self) -> str:
        return thai.format_date(self.date, "abbr", thai_digits=False)

    def __str__(self) -> str:
        return self.full


@dataclass(frozen=True)
class Money:
    """An amount in baht: prints "1,234.50"; ``.baht_text`` is "หนึ่งพันสองร้อยสามสิบสี่บาทห้าสิบสตางค์"."""

    amount: Decimal

    @property
    def baht_text(self) -> str:
        return thai.baht_text(self.amount)

    def __str__(self) -> str:
        return thai.format_money(self.amount, thai_digits=False)


@dataclass(frozen=True)
class CitizenId:
    """A 13-digit citizen ID; prints grouped as on the card: "1-2345-67890-12-1"."""

    digits: str

    @property
    def formatted(self) -> str:
        d = self.digits
        return f"{d[0]}-{d[1:5]}-{d[5:10]}-{d[10:12]}-{d[12]}"

    def __str__(self) -> str:
        return self.formatted


@dataclass(frozen=True)
class Phone:
    """A Thai phone number, printed with the usual dashes ("081-234-5678", "02-241-9000")."""

    digits: str
    extension: str = ""

    @property
    def formatted(self) -> str:
        d = self.digits
        if d.startswith("02"):
            text = f"{d[:2]}-{d[2:5]}-{d[5:]}"
        elif len(d) == 9:
            text = f"{d[:3]}-{d[3:6]}-{d[6:]}"
        else:
            text = f"{d[:3]}-{d[3:6]}-{d[6:]}"
        return f"{text} ต่อ {self.extension}" if self.extension else text

    @property
    def mobile(self) -> bool:
        return len(self.digits) == 10

    def __str__(self) -> str:
        return self.formatted


# --- parsing helpers ------------------------------------------------------------------------------
def _text(value: Any, what: str = N_("text")) -> str:
    if value is None:
        raise InputError(_("is required"))
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(_("must be {what}").format(what=_(what)))
    return str(value).strip()


def _digits_only(value: Any, what: str) -> str:
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    text = thai.to_arabic_digits(_text(value, what))
    return re.sub(r"[\s\-.]", "", text)


def citizen_id_check_digit(first12: str) -> int:
    """The 13th digit of a Thai citizen ID: (11 - Σ dᵢ·(13 - i) mod 11) mod 10."""
    total = sum(int(d) * (13 - i) for i, d in enumerate(first12))
    return (11 - total % 11) % 10


def parse_citizen_id(value: Any) -> str:
    digits = _digits_only(value, N_("13 digits"))
    if not re.fullmatch(r"\d{13}", digits):
        raise InputError(_("a citizen ID has 13 digits; got {value!r}").format(value=value))
    if digits[0] in "09":
        raise InputError(
            _("a citizen ID cannot start with {digits}; got {value!r}").format(
                digits=digits[0], value=value
            )
        )
    if citizen_id_check_digit(digits[:12]) != int(digits[12]):
        raise InputError(
            _("citizen ID {value!r} fails its checksum (a digit is mistyped)").format(value=value)
        )
    return digits


_EXT = r"(?i:\s*(?:ต่อ|ext\.?|x|#)\s*(\d{1,5})\s*$)"  # compiled on first use


def parse_phone(value: Any, kind: str = "any") -> dict[str, str] | str:
    """A Thai phone number: mobile 0[689]X-XXX-XXXX (10 digits) or landline 0[2-7]X-XXX-XXX
    (9 digits), +66 accepted; an extension ("ต่อ 1607") only on a landline."""
    if isinstance(value, int) and not isinstance(value, bool):
        raise InputError(
            _(
                'write a phone number in quotes ("081-234-5678"): unquoted, YAML reads it as a number'
            )
        )
    text = thai.to_arabic_digits(_text(value, N_("a phone number")))
    ext = ""
    m = re.search(_EXT, text)
    if m:
        ext, text = m.group(1), text[: m.start()]
    digits = re.sub(r"[\s\-.()]", "", text)
    if digits.startswith("+66"):
        digits = "0" + digits[3:]
    elif digits.startswith("66") and len(digits) in (10, 11):
        digits = "0" + digits[2:]
    mobile = bool(re.fullmatch(r"0[689]\d{8}", digits))
    landline = bool(re.fullmatch(r"0[2-7]\d{7}", digits))
    if not (mobile or landline):
        raise InputError(
            _(
                "not a Thai phone number: {value!r} (mobile 08X-XXX-XXXX, landline 0X-XXX-XXXX)"
            ).format(value=value)
        )
    if kind == "mobile" and not mobile:
        raise InputError(
            _("not a mobile number: {value!r} (mobile numbers start 06, 08 or 09)").format(
                value=value
            )
        )
    if kind == "landline" and not landline:
        raise InputError(_("not a landline number: {value!r}").format(value=value))
    if ext and mobile:
        raise InputError(_("a mobile number has no extension: {value!r}").format(value=value))
    return digits + (f" ต่อ {ext}" if ext else "")


_EMAIL = (  # compiled on first use
    r"^[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
    r"@(?:[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?\.)+[A-Za-z]{2,63}$"
)


def parse_email(value: Any) -> str:
    text = _text(value, N_("an e-mail address"))
    if len(text) > 254 or not re.match(_EMAIL, text):
        raise InputError(_("not an e-mail address: {value!r}").format(value=value))
    local, _at, domain = text.rpartition("@")
    return f"{local}@{domain.lower()}"


def parse_person(value: Any) -> dict[str, str]:
    """``"นายสมชาย ใจดี"`` or ``{title: นาย, name: สมชาย ใจดี}`` → ``{title, name}``."""
    if isinstance(value, Mapping):
        unknown = set(value) - {"title", "name"}
        if unknown:
            raise InputError(
                _("unknown key(s) {names}; use title, name").format(
                    names=", ".join(sorted(map(str, unknown)))
                )
            )
        title = _text(value.get("title"), N_("a title (นาย/นาง/นางสาว …)"))
        name = " ".join(_text(value.get("name"), N_("a name")).split())
        if not title or not name:
            raise InputError(_("needs a title (นาย/นาง/นางสาว …) and a name"))
        return {"title": title, "name": name}
    text = " ".join(_text(value, N_("a name with its title")).split())
    for title in TITLES:
        if text.startswith(title):
            name = text[len(title) :].strip()
            if name:
                return {"title": title, "name": name}
    raise InputError(
        _("{text!r} needs a title first ({names} …), or write {{title: …, name: …}}").format(
            text=text, names=" / ".join(TITLES[4:7])
        )
    )


def parse_money(value: Any) -> str:
    if isinstance(value, bool):
        raise InputError(_("must be an amount of money"))
    if isinstance(value, float):
        value = repr(value)
    text = thai.to_arabic_digits(_text(value, N_("an amount of money")))
    text = text.replace(",", "").replace("บาท", "").strip()
    try:
        amount = Decimal(text)
    except InvalidOperation:
        raise InputError(_("not an amount of money: {value!r}").format(value=value)) from None
    if not amount.is_finite() or amount < 0:
        raise InputError(_("not an amount of money: {value!r}").format(value=value))
    if amount != amount.quantize(Decimal("0.01")):
        raise InputError(
            _("an amount has at most 2 decimals (satang): {value!r}").format(value=value)
        )
    return str(amount.quantize(Decimal("0.01")))


def parse_date_value(value: Any) -> str:
    if isinstance(value, dt.date):
        return value.isoformat()
    text = _text(value, N_("a date"))
    try:
        return thai.parse_date(text).isoformat()
    except ValueError as exc:
        raise InputError(str(exc)) from None


# --- the input specification ------------------------------------------------------------------
TYPES = (
    "text",
    "person",
    "citizen_id",
    "phone",
    "email",
    "date",
    "money",
    "choice",
    "list",
    "file",
    "boolean",
    "number",
)

#: Types whose values are personal data: kept in the case, never in register columns.
PERSONAL = frozenset({"citizen_id", "phone", "email"})


@dataclass(frozen=True)
class InputSpec:
    """One declared input: name, Thai label, type and the type's options."""

    name: str
    label: str
    type: str
    required: bool | str = True  # True/False, or an expression over the other inputs
    default: Any = None
    choices: Mapping[str, str] = field(default_factory=dict)  # value → label
    item: InputSpec | None = None  # for lists
    pattern: str = ""
    phone_kind: str = "any"
    min_items: int = 0
    description: str = ""

    @property
    def personal(self) -> bool:
        return self.type in PERSONAL or (self.item is not None and self.item.personal)

    def parse(self, value: Any, workspace: Path | None = None) -> Any:
        """Check ``value`` and return it as stored (plain JSON)."""
        t = self.type
        if t == "text":
            if isinstance(value, list | Mapping):
                raise InputError(_("must be text"))
            text = _text(value)
            if self.pattern and not re.fullmatch(self.pattern, text):
                raise InputError(
                    _("{text!r} does not have the expected form ({pattern})").format(
                        text=text, pattern=self.pattern
                    )
                )
            return text
        if t == "person":
            return parse_person(value)
        if t == "citizen_id":
            return parse_citizen_id(value)
        if t == "phone":
            return parse_phone(value, self.phone_kind)
        if t == "email":
            return parse_email(value)
        if t == "date":
            return parse_date_value(value)
        if t == "money":
            return parse_money(value)
        if t == "choice":
            text = _text(value, N_("one of the choices"))
            if text not in self.choices:
                raise InputError(
                    _("must be one of {names}; got {text!r}").format(
                        names=", ".join(self.choices), text=text
                    )
                )
            return text
        if t == "boolean":
            if isinstance(value, str) and value.strip().lower() in ("true", "false"):
                return value.strip().lower() == "true"
            if not isinstance(value, bool):
                raise InputError(_("must be true or false"))
            return value
        if t == "number":
            if isinstance(value, bool):
                raise InputError(_("must be a whole number"))
            try:
                return int(thai.to_arabic_digits(str(value)).strip())
            except ValueError:
                raise InputError(
                    _("must be a whole number; got {value!r}").format(value=value)
                ) from None
        if t == "file":
            return parse_file(value, workspace)
        if t == "list":
            assert self.item is not None
            if isinstance(value, str):
                value = [value] if value.strip() else []
            if not isinstance(value, list):
                raise InputError(_("must be a list"))
            out = []
            for i, item in enumerate(value):
                try:
                    out.append(self.item.parse(item, workspace))
                except InputError as exc:
                    raise InputError(
                        _("item {number}: {exc}").format(number=i + 1, exc=exc)
                    ) from None
            if len(out) < self.min_items:
                raise InputError(
                    _("needs at least {min_items} item(s)").format(min_items=self.min_items)
                )
            return out
        raise AssertionError(t)

    def present(self, stored: Any) -> Any:
        """A stored value as templates and expressions see it."""
        if stored is None:
            return None
        t = self.type
        if t == "person":
            return Person(stored["title"], stored["name"])
        if t == "date":
            return ThaiDate(dt.date.fromisoformat(stored))
        if t == "money":
            return Money(Decimal(stored))
        if t == "citizen_id":
            return CitizenId(stored)
        if t == "phone":
            digits, _sep, ext = stored.partition(" ต่อ ")
            return Phone(digits, ext)
        if t == "list":
            assert self.item is not None
            return [self.item.present(v) for v in stored]
        return stored


def parse_file(value: Any, workspace: Path | None) -> str:
    """A file inside the workspace that exists; stored relative to the workspace."""
    text = _text(value, N_("a file path"))
    if not text:
        raise InputError(_("must name a file"))
    if workspace is None:
        return text
    root = workspace.resolve()
    why = confine.problem(root, text)  # `..`, elsewhere, or a symbolic link leading out
    if why is not None:
        raise InputError(why)
    full = confine.inside(root, text)
    if not full.is_file():
        raise InputError(
            _("file not found: {text} (paths are relative to the workspace {root})").format(
                text=text, root=root
            )
        )
    return str(full.relative_to(root))


def make_spec(name: str, raw: Mapping[str, Any]) -> InputSpec:
    """An :class:`InputSpec` from a workflow's ``inputs`` entry (already schema-checked)."""
    choices = raw.get("choices") or {}
    if isinstance(choices, list):
        choices = {str(c): str(c) for c in choices}
    item = None
    if raw.get("type") == "list":
        item_raw = raw.get("item") or {"type": "text"}
        if isinstance(item_raw, str):
            item_raw = {"type": item_raw}
        item = make_spec(f"{name}[]", {**item_raw, "label": raw.get("label", name)})
    return InputSpec(
        name=name,
        label=str(raw.get("label") or name),
        type=str(raw.get("type", "text")),
        required=raw.get("required", "default" not in raw),
        default=raw.get("default"),
        choices={str(k): str(v) for k, v in choices.items()},
        item=item,
        pattern=str(raw.get("pattern") or ""),
        phone_kind=str(raw.get("kind") or "any"),
        min_items=int(raw.get("min_items") or 0),
        description=str(raw.get("description") or ""),
    )
