"""References (อ้างถึง): to a letter in the register, or to a named reference of the workspace.

A letter cites an earlier letter **from the register** by its number::

    references:
      - letter: นม 0023.26/ว 1389       # the text is made from the register entry
        year: 2565                      # BE or CE; needed only when the number recurs
      - ref: dla-elaas-guideline        # a named reference in references.yaml
      - หนังสือจังหวัด… ลงวันที่ …        # or free text, as before

and a workflow's text templates call ``cite('นม 0023.26/ว 1389')`` and ``ref('name')``. The text
of a register citation is generated from the entry: "หนังสือ<office> <urgency> ที่ <number> ลงวันที่
<date>", so a corrected entry corrects every letter that cites it (``saraban regenerate``).

``references.yaml`` in the workspace maps a name to a text, to a letter in the register, or to a
text made of other named references::

    dla-elaas-guideline: หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท 0808.4/ว 0036 ลงวันที่ 25 มีนาคม 2568
    ktb-2fa: {letter: นม 0023.26/ว 598, year: 2566}
    both: {text: "{ref:dla-elaas-guideline} และ{ref:ktb-2fa}"}

A :class:`Resolver` resolves references while a document is rendered and notes every input the
document was made from (:attr:`Resolver.deps`: key → fingerprint); the register keeps them so
that ``saraban regenerate`` knows which letters a change affects. A cycle of named references is
an error naming the cycle.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from . import thai
from .errors import UserError
from .i18n import _
from .register import Entry, Register

REFERENCES_FILE = "references.yaml"
_PLACEHOLDER = re.compile(r"\{ref:([^{}\s]+)\}")


def digest(value: Any) -> str:
    """A short, stable fingerprint of a JSON-able value (or of bytes)."""
    if isinstance(value, bytes):
        data = value
    else:
        data = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str).encode()
    return hashlib.sha256(data).hexdigest()[:32]


def entry_urgency(entry: Entry) -> str:
    """The urgency a registered letter was sent with (kept in its stored data)."""
    try:
        data = json.loads(entry.data_json or "{}")
    except ValueError:
        return ""
    value = data.get("urgency") if isinstance(data, dict) else None
    return str(value or "")


def entry_text(entry: Entry) -> str:
    """The reference text of a registered letter: "หนังสือ<office> <urgency> ที่ <number>
    ลงวันที่ <date>" (digits as stored; the renderer applies the office's digit policy)."""
    urgency = entry_urgency(entry)
    date = thai.format_date(entry.date, "full", thai_digits=False)
    parts = [f"หนังสือ{entry.sender}", urgency, f"ที่ {entry.number_text}", f"ลงวันที่ {date}"]
    return " ".join(p for p in parts if p)


def _year(value: Any, where: str) -> int | None:
    if value in (None, ""):
        return None
    try:
        return thai.parse_year(str(value))
    except ValueError as exc:
        raise UserError(
            _("invalid year {value!r}: {exc}").format(value=value, exc=exc), field=where
        ) from None


_named_cache: dict[tuple[str, int, int], tuple[dict[str, Any], Any]] = {}


def load_named(root: Path) -> tuple[dict[str, Any], Any]:
    """The workspace's named references (name → definition) and the loaded document (cached
    while the file is unchanged)."""
    path = root / REFERENCES_FILE
    try:
        st = path.stat()
    except OSError:
        return {}, None
    key = (str(path), st.st_mtime_ns, st.st_size)
    if key not in _named_cache:
        _named_cache[key] = _load_named(path)
    return _named_cache[key]


def _load_named(path: Path) -> tuple[dict[str, Any], Any]:
    from .yamlio import load_yaml

    doc = load_yaml(path, "references")
    data = doc.data or {}
    if not isinstance(data, dict):
        raise doc.error(_("references.yaml must map a name to a reference"))
    for name, value in data.items():
        if isinstance(value, str):
            continue
        if not isinstance(value, Mapping) or not ({"text", "letter"} & set(value)):
            raise doc.error(
                _("a reference is a text, {text: …} or {letter: NUMBER, year: …}"), name
            )
        for k in value:
            if k not in ("text", "letter", "year", "note"):
                raise doc.error(
                    _("unknown key {k!r}; use text, letter, year, note").format(k=k), name, k
                )
    return {str(k): v for k, v in data.items()}, doc


def named_refs_in(definition: Any) -> list[str]:
    """Names of the named references a definition includes ({ref:name} in its text)."""
    text = definition if isinstance(definition, str) else (definition or {}).get("text") or ""
    return _PLACEHOLDER.findall(str(text))


class Resolver:
    """Resolves references for the documents of one command, noting what each depends on."""

    def __init__(self, root: Path, reg: Register) -> None:
        self.root = root
        self.reg = reg
        self._named: dict[str, Any] | None = None
        self._doc: Any = None
        self.deps: dict[str, str] = {}

    def begin(self) -> None:
        """Start a new document: forget the previous one's dependencies."""
        self.deps = {}

    @property
    def named_refs(self) -> dict[str, Any]:
        if self._named is None:
            self._named, self._doc = load_named(self.root)
        return self._named

    def named(self, name: str, _stack: tuple[str, ...] = ()) -> str:
        """The text of the named reference ``name`` (``ref('name')`` in templates)."""
        name = str(name).strip()
        if name in _stack:
            cycle = " → ".join((*_stack[_stack.index(name) :], name))
            raise UserError(
                _("cycle of references: {cycle}").format(cycle=cycle),
                file=self.root / REFERENCES_FILE,
            )
        refs = self.named_refs
        if name not in refs:
            known = ", ".join(sorted(refs)) or _("(none)")
            where = self.root / REFERENCES_FILE
            raise UserError(
                _("no named reference {name!r} in {file} (known: {known})").format(
                    name=name, file=where.name, known=known
                ),
                file=where,
                field="references",
            )
        definition = refs[name]
        self.deps[f"ref:{name}"] = digest(definition)
        if isinstance(definition, str):
            text = definition
        elif "letter" in definition:
            return self.letter(definition["letter"], definition.get("year"))
        else:
            text = str(definition.get("text") or "")
        return _PLACEHOLDER.sub(lambda m: self.named(m.group(1), (*_stack, name)), text).strip()

    def entry(self, number: str, year: Any = None) -> Entry:
        number = str(number).strip()
        ce = _year(year, "references")
        entry = self.reg.find(number, year=ce)
        if entry is None:
            message = (
                _("no letter numbered {number!r} in {year} in the register")
                if ce
                else _("no letter numbered {number!r} in the register")
            )
            raise UserError(
                message.format(number=number, year=ce + 543 if ce else None),
                field="references",
            )
        if entry.cancelled:
            raise UserError(
                _(
                    "letter {number_text} is cancelled in the register ({cancel_reason}): it cannot be cited"
                ).format(number_text=entry.number_text, cancel_reason=entry.cancel_reason),
                field="references",
            )
        return entry

    def letter(self, number: str, year: Any = None) -> str:
        """The reference text of a letter in the register (``cite('number')`` in templates)."""
        entry = self.entry(number, year)
        text = entry_text(entry)
        self.deps[f"entry:{entry.id}"] = digest(text)
        return text

    def item(self, value: Any, where: str = "references") -> str:
        """One item of a letter's ``references``: a text, ``{ref: name}`` or ``{letter, year}``."""
        if isinstance(value, Mapping):
            if "ref" in value:
                return self.named(str(value["ref"]))
            if "letter" in value:
                return self.letter(str(value["letter"]), value.get("year"))
            raise UserError(_("a reference is a text, {ref: NAME} or {letter: NUMBER, year: Y}"),
                            field=where)  # fmt: skip
        return str(value)


def check_reference_item(doc: Any, value: Any, *path: Any) -> None:
    """Shape check of a ``references`` item in letter data (resolved when the letter is made)."""
    if isinstance(value, Mapping):
        keys = set(value)
        if (
            not keys
            or not keys <= {"ref", "letter", "year"}
            or ("ref" in keys) == ("letter" in keys)
        ):
            raise doc.error(
                _("a reference is a text, {ref: NAME} or {letter: NUMBER, year: Y}"), *path
            )


class _RegisterOnDemand:
    """What a :class:`Resolver` asks of the register (``find``), opening it at the first ask."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._reg: Register | None = None

    def find(self, number_text: str, *, year: int | None = None) -> Entry | None:
        if self._reg is None:
            self._reg = Register(self.path)
        return self._reg.find(number_text, year=year)

    def close(self) -> None:
        if self._reg is not None:
            self._reg.close()


def checker(root: Path, register_path: Path) -> Any:
    """A ``resolve_reference`` for checking letter data before a command's transaction: opens
    the register only when a reference to a registered letter is there (a named reference
    that is a text needs only references.yaml)."""

    def resolve(item: Any) -> str:
        reg = _RegisterOnDemand(register_path)
        try:
            return Resolver(root, reg).item(item)  # type: ignore[arg-type]
        finally:
            reg.close()

    return resolve
