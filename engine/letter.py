"""The letter model: the parts of a Thai official letter in the regulation's order.

ระเบียบสำนักนายกรัฐมนตรีว่าด้วยงานสารบรรณ พ.ศ. ๒๕๒๖ sets the parts of an external letter
(หนังสือภายนอก, แบบที่ ๑) and a memo (บันทึกข้อความ, แบบที่ ๒). The rules that are the same for every
template live here, tested once: the letter-number text (ที่), the salutation and closing formula
that follow from the recipient (คำขึ้นต้น / คำลงท้าย), numbering of references and enclosures.
Templates only lay the parts out.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import confine, thai
from .errors import Problems, UserError, did_you_mean
from .i18n import _
from .office import Office, Signer
from .salutation import DEFAULT_FORMS, salutation_for
from .salutation import HIGH_OFFICES as HIGH_OFFICES  # the table lives in engine.salutation
from .yamlio import Located

#: Kinds of letter (ชนิดของหนังสือ) the engine lays out, with their template names.
KINDS = {"external": "external-letter", "memo": "memo", "order": "order"}

#: Series of running numbers in the register (เลขทะเบียนส่ง).
SERIES = ("normal", "circular", "order")

URGENCIES = ("ด่วนที่สุด", "ด่วนมาก", "ด่วน")
SECRECIES = ("ลับที่สุด", "ลับมาก", "ลับ")


def number_text(office: Office, series: str, number: int | None, year: int | None = None) -> str:
    """The letter number (เลขที่หนังสือ) as printed after "ที่", in Arabic digits.

    ``มท 0808.4/36``, a circular ``มท 0808.4/ว 0036``, an order ``12/2568`` (BE year).
    ``number=None`` gives the draft form with the running number left blank, as clerks leave it
    for the registry to fill in.
    """
    if series == "order":
        if number is None:
            return f"     /{thai.be_year(dt.date(year, 1, 1)) if year else ''}"
        be = year + 543 if year is not None else ""
        return f"{number}/{be}"
    running = "" if number is None else str(number).zfill(office.number_width)
    circular = "ว " if series == "circular" else ""
    return f"{office.prefix}/{circular}{running}"


@dataclass(frozen=True)
class Enclosure:
    """An enclosure (สิ่งที่ส่งมาด้วย): its title, optionally a file to attach (a PDF, a DOCX
    (or ODT, DOC, RTF), a JPEG or PNG image), its number in the letter's list, and its quantity
    text. The one enclosure type: the letter lists it, :mod:`engine.pdf` bundles it,
    :mod:`engine.publish` and :mod:`engine.runtime` carry it."""

    title: str
    file: Path | None = None
    #: its number in the letter's list of enclosures (the stamp "สิ่งที่ส่งมาด้วย ๒"); None: its
    #: position in the bundle
    number: int | None = None
    #: the quantity text (จำนวน ๒ แผ่น)
    count: str = ""

    def __post_init__(self) -> None:
        if self.file is not None and not isinstance(self.file, Path):
            object.__setattr__(self, "file", Path(self.file))

    def path(self) -> Path:
        """Its file: one without a file cannot be bundled (a UserError naming it)."""
        if self.file is None:
            raise UserError(_("enclosure “{title}” has no file to bundle").format(title=self.title))
        return self.file


def attached(enclosures: Iterable[Enclosure]) -> list[Enclosure]:
    """The enclosures that have a file, each numbered by its place in the letter's list: what
    a PDF bundle takes."""
    return [Enclosure(e.title, e.file, i, e.count) for i, e in enumerate(enclosures, 1) if e.file]


@dataclass
class Letter:
    """A letter's parts in the regulation's order; what every template is filled from."""

    kind: str
    office: Office
    subject: str
    recipient: str
    body: list[str]
    signer: Signer
    series: str = "normal"
    salutation: str = ""
    complimentary_close: str = ""
    references: list[str] = field(default_factory=list)
    enclosures: list[Enclosure] = field(default_factory=list)
    closing: str = ""
    contact: str = ""
    cc: list[str] = field(default_factory=list)
    urgency: str = ""
    secrecy: str = ""
    number: int | None = None
    date: dt.date | None = None

    def __post_init__(self) -> None:
        if not self.salutation or not self.complimentary_close:
            sal, close = salutation_for(self.recipient)
            self.salutation = self.salutation or sal
            self.complimentary_close = self.complimentary_close or close

    @property
    def number_text(self) -> str:
        year = self.date.year if self.date else None
        return number_text(self.office, self.series, self.number, year)

    def context(self) -> dict[str, Any]:
        """The template context: plain strings, lists and dicts (digits still Arabic where typed;
        the renderer applies the office's digit policy to everything it prints)."""
        office = self.office
        digits = office.thai_digits
        date_text = thai.format_date(self.date, "full", thai_digits=digits) if self.date else ""
        date_be = thai.format_date(self.date, "full_be", thai_digits=digits) if self.date else ""
        return {
            "kind": self.kind,
            "urgency": self.urgency,
            "secrecy": self.secrecy,
            "number": self.number_text,
            "office": {
                "name": office.name,
                "short_name": office.extra.get("short_name") or office.name,
            },
            "letterhead": list(office.letterhead),
            "date": date_text,
            "date_be": date_be,
            "subject": self.subject,
            "salutation": self.salutation,
            "recipient": self.recipient,
            "references": _labelled("อ้างถึง", self.references),
            "enclosures": [
                {**item, "count": enc.count}
                for item, enc in zip(
                    _labelled("สิ่งที่ส่งมาด้วย", [e.title for e in self.enclosures]),
                    self.enclosures,
                    strict=True,
                )
            ],
            "body": list(self.body),
            "closing": self.closing,
            "complimentary_close": self.complimentary_close,
            "signer": {
                "name": self.signer.name,
                "position": self.signer.position,
                "acting": self.signer.acting,
            },
            "unit": list(office.unit),
            "contact_lines": contact_lines(office),
            "unit_line": " ".join(
                [*office.unit, *([f"โทร. {office.phone}"] if office.phone else [])]
            ),
            "contact": self.contact,
            "cc": list(self.cc),
        }


def _labelled(label: str, items: list[str]) -> list[dict[str, str]]:
    """Rows of a labelled list: the label on the first row only; numbered ๑. ๒. when several."""
    many = len(items) > 1
    return [
        {
            "label": label if i == 0 else "",
            "text": f"{i + 1}. {text}" if many else text,
            "count": "",
        }
        for i, text in enumerate(items)
    ]


def contact_lines(office: Office) -> list[str]:
    """Phone, fax and e-mail lines under the owner unit (โทร. / โทรสาร / ไปรษณีย์อิเล็กทรอนิกส์)."""
    lines = []
    if office.phone and office.phone == office.fax:
        lines.append(f"โทร. / โทรสาร {office.phone}")
    else:
        if office.phone:
            lines.append(f"โทร. {office.phone}")
        if office.fax:
            lines.append(f"โทรสาร {office.fax}")
    if office.email:
        lines.append(f"ไปรษณีย์อิเล็กทรอนิกส์ {office.email}")
    return lines


def split_paragraphs(text: str) -> list[str]:
    """Body text to paragraphs: blank lines separate paragraphs; a single line break stays a
    line break inside its paragraph, except before a numbered item (๑. / ๑.๑ / (๑), Thai or
    Arabic digits: :data:`engine.thai.ITEM_NUMBER`), which starts a paragraph of its own.
    Numbered items are kept exactly as typed."""
    paragraphs = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        para: list[str] = []
        for line in (line.strip() for line in block.split("\n")):
            if not line:
                continue
            if para and thai.ITEM_NUMBER.match(line):
                paragraphs.append("\n".join(para))
                para = []
            para.append(line)
        if para:
            paragraphs.append("\n".join(para))
    return paragraphs


# ---------------------------------------------------------------------------------------------
# The generic letter data (design.md, "Data for the generic letter workflow")

LETTER_KEYS = {
    "to": "recipient (ถึง); salutation and closing follow from it",
    "subject": "เรื่อง",
    "body": "ข้อความ; paragraphs separated by blank lines",
    "signer": "a key of office.yaml signers, or {name, position}",
    "circular": "true for the ว series (หนังสือเวียน)",
    "urgency": "ด่วนที่สุด | ด่วนมาก | ด่วน",
    "secrecy": "ลับที่สุด | ลับมาก | ลับ",
    "references": "อ้างถึง: list of texts, {letter: NUMBER, year: Y} (from the register) or {ref: NAME} (references.yaml)",
    "recipients": "หนังสือเวียน: a CSV/XLSX/YAML file of recipients, or a list (circular letters)",
    "enclosures": "สิ่งที่ส่งมาด้วย: list of {title, count, file} or texts",
    "closing": "the last sentence before the closing formula",
    "contact": "contact line under the owner unit",
    "cc": "สำเนาส่ง: list of texts",
    "salutation": "override the salutation (คำขึ้นต้น)",
    "complimentary_close": "override the closing formula (คำลงท้าย)",
    "monk": "somdet | rajakhana | monk | none: a monk recipient's rank (else read from `to`)",
    "legal_basis": "an order's legal basis (อาศัยอำนาจตาม…); office.yaml's order_legal_basis "
    "by default, - for none",
    "date": "the letter date (ISO or Thai); --date wins",
}
REQUIRED_LETTER_KEYS = ("to", "subject", "body", "signer")


#: ``legal_basis: "-"``: this order has no legal-basis clause, whatever office.yaml says.
NO_LEGAL_BASIS = "-"
_LEGAL_BASIS_OPENING = "อาศัยอำนาจ"


def legal_basis(office: Office, given: Any = None) -> str:
    """An order's legal-basis clause (อาศัยอำนาจตาม…): the case's ``given`` text, else the
    office's ``order_legal_basis``; ``-`` for none. A text that does not open with อาศัยอำนาจ
    gets "อาศัยอำนาจตาม" before it ("ความในมาตรา ๖๐ แห่ง…" → "อาศัยอำนาจตามความในมาตรา ๖๐ แห่ง…")."""
    text = " ".join(str(given).split()) if given not in (None, "") else ""
    text = text or office.order_legal_basis
    if not text or text == NO_LEGAL_BASIS:
        return ""
    return text if text.startswith(_LEGAL_BASIS_OPENING) else f"อาศัยอำนาจตาม{text}"


def with_legal_basis(body: list[str], clause: str) -> list[str]:
    """An order's body with its legal-basis clause where Thai orders put it: after the preamble
    (ตามที่… นั้น, เพื่อให้…), just before the จึง… that opens the operative part — in the last
    paragraph that has one ("เพื่อให้… อาศัยอำนาจตาม… จึงแต่งตั้ง…"; a paragraph that opens with
    จึง becomes "อาศัยอำนาจตาม… จึง…"). A body without จึง gets the clause as a paragraph of its own
    before its last paragraph. A body that already says อาศัยอำนาจ is left as it is."""
    if not clause or not body or any(_LEGAL_BASIS_OPENING in p for p in body):
        return list(body)
    out = list(body)
    for i in range(len(out) - 1, -1, -1):
        at = out[i].find("จึง")
        if at >= 0:
            before, after = out[i][:at].rstrip(), out[i][at:]
            out[i] = f"{before} {clause} {after}" if before else f"{clause} {after}"
            return out
    return [*out[:-1], clause, out[-1]]


def _str(doc: Located, value: Any, *path: Any, required: bool = False) -> str:
    if value is None:
        if required:
            raise doc.error(_("is required"), *path)
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise doc.error(_("must be text"), *path)
    text = str(value).strip()
    if required and not text:
        raise doc.error(_("must not be empty"), *path)
    return text


def _str_list(doc: Located, value: Any, *path: Any) -> list[str]:
    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise doc.error(_("must be a list"), *path)
    return [_str(doc, v, *path, i, required=True) for i, v in enumerate(value)]


def _references(doc: Located, value: Any, resolve: Callable[[Any], str] | None) -> list[str]:
    """อ้างถึง: texts, and references to the register or to references.yaml (resolved)."""
    from .references import check_reference_item

    if value is None:
        return []
    if isinstance(value, str):
        value = [value]
    if not isinstance(value, list):
        raise doc.error(_("must be a list"), "references")
    out = []
    for i, item in enumerate(value):
        if isinstance(item, Mapping):
            check_reference_item(doc, item, "references", i)
            if resolve is None:
                out.append(str(item.get("ref") or item.get("letter")))
                continue
            try:
                out.append(resolve(item))
            except UserError as exc:
                raise doc.error(exc.message, "references", i) from None
        else:
            out.append(_str(doc, item, "references", i, required=True))
    return out


def resolve_signer(doc: Located, office: Office, value: Any) -> Signer:
    """A signer from a key of office.yaml's signers, or an explicit {name, position}."""
    if isinstance(value, Mapping):
        name = _str(doc, value.get("name"), "signer", "name", required=True)
        position = _str(doc, value.get("position"), "signer", "position", required=True)
        return Signer(name=name, position=position, acting=str(value.get("acting") or ""))
    key = _str(doc, value, "signer", required=True)
    try:
        return office.signer(key)
    except UserError as exc:
        raise doc.error(exc.message, "signer") from None


#: Counts the pages of an enclosure file, for its quantity (จำนวนแผ่น); None when it cannot
#: tell. The caller chooses one (:mod:`engine.sheets`): LibreOffice converts a DOCX only when a
#: PDF is asked for.
PageCounter = Callable[[Path], int | None]


def parse_enclosures(
    doc: Located, value: Any, workspace: Path, count_pages: PageCounter | None = None
) -> list[Enclosure]:
    """Enclosures from data: texts, or {title, count, file} (file relative to the workspace).
    An enclosure with a file and no count is counted with ``count_pages``; without one its
    count stays as the data gives it."""
    out = []
    for i, item in enumerate(value or []):
        if isinstance(item, str):
            out.append(Enclosure(title=_str(doc, item, "enclosures", i, required=True)))
            continue
        if not isinstance(item, Mapping):
            raise doc.error(_("must be a text or {title, count, file}"), "enclosures", i)
        for k in item:
            if k not in ("title", "count", "file"):
                raise doc.error(
                    _("unknown key {k!r}; use title, count, file").format(k=k), "enclosures", i, k
                )
        title = _str(doc, item.get("title"), "enclosures", i, "title", required=True)
        count = _str(doc, item.get("count"), "enclosures", i, "count")
        if count and not count.startswith("จำนวน"):
            count = f"จำนวน {count}"
        file = None
        if item.get("file"):
            file = safe_path(
                workspace,
                _str(doc, item["file"], "enclosures", i, "file"),
                doc,
                "enclosures",
                i,
                "file",
            )
            if not file.is_file():
                raise doc.error(
                    _("enclosure file not found: {file}").format(file=file), "enclosures", i, "file"
                )
            if not count and count_pages is not None:
                count = count_from_file(file, count_pages)
        out.append(Enclosure(title=title, count=count, file=file))
    return out


def count_from_file(file: Path, count_pages: PageCounter) -> str:
    """The quantity of an enclosure given only as a file: "จำนวน ๓ แผ่น" from the pages
    ``count_pages`` finds (:mod:`engine.sheets`), else empty."""
    pages = count_pages(file)
    return f"จำนวน {pages} แผ่น" if pages else ""


def safe_path(workspace: Path, text: str, doc: Located, *path: Any) -> Path:
    """A path inside the workspace; one that escapes it (``..``, absolute elsewhere, a symbolic
    link leading out) is refused (:func:`engine.confine.problem`)."""
    root = workspace.resolve()
    why = confine.problem(root, text)
    if why is not None:
        raise doc.error(why, *path)
    return confine.inside(root, text)


def letter_from_data(
    doc: Located,
    office: Office,
    workspace: Path,
    *,
    kind: str = "external",
    allowed_keys: Iterable[str] | None = None,
    resolve_reference: Callable[[Any], str] | None = None,
    count_pages: PageCounter | None = None,
) -> Letter:
    """Build a :class:`Letter` from generic letter data, naming file, line and key on error.

    ``count_pages`` counts an enclosure file given without a count (:func:`parse_enclosures`).

    ``resolve_reference`` turns a ``{letter: …}`` / ``{ref: …}`` reference into its text
    (:class:`engine.references.Resolver`); without it such items are only checked."""
    data = doc.data
    if not isinstance(data, Mapping):
        raise doc.error(_("the data must be a mapping of keys (to, subject, body, signer, …)"))
    # every problem of the data is reported at once (one line each), not one per run
    problems = Problems()
    allowed = set(allowed_keys) if allowed_keys is not None else set(LETTER_KEYS)
    for key in data:
        if key not in allowed:
            problems.add(unknown_key(doc, key, [k for k in LETTER_KEYS if k in allowed]))
    for key in REQUIRED_LETTER_KEYS:
        if data.get(key) in (None, "", []):
            problems.add(missing_key(doc, office, key))
    check = problems.check

    circular = data.get("circular", False)
    if not isinstance(circular, bool):
        problems.add(doc.error(_("must be true or false"), "circular"))
    urgency = check(_choice, doc, data.get("urgency"), "urgency", URGENCIES, default="")
    secrecy = check(_choice, doc, data.get("secrecy"), "secrecy", SECRECIES, default="")

    recipient = check(_given, doc, data.get("to"), "to", default="")
    monk = check(_str, doc, data.get("monk"), "monk", default="") or None
    try:
        salutation, close = salutation_for(recipient, monk)
    except ValueError as exc:
        problems.add(doc.error(str(exc), "monk"))
        salutation, close = DEFAULT_FORMS
    salutation = check(_str, doc, data.get("salutation"), "salutation", default="") or salutation
    close = (
        check(_str, doc, data.get("complimentary_close"), "complimentary_close", default="")
        or close
    )

    body = check(_body, doc, data.get("body"), default=[])
    if data.get("legal_basis") not in (None, "") and kind != "order":
        problems.add(doc.error(_("only an order (คำสั่ง) takes a legal basis"), "legal_basis"))
    elif kind == "order" and body:
        basis = check(_str, doc, data.get("legal_basis"), "legal_basis", default="")
        body = with_legal_basis(body, legal_basis(office, basis))
    letter_date = check(_date, doc, data.get("date"))
    subject = check(_given, doc, data.get("subject"), "subject", default="")
    signer = None
    if data.get("signer") not in (None, "", []):
        signer = check(resolve_signer, doc, office, data.get("signer"))
    references = check(_references, doc, data.get("references"), resolve_reference, default=[])
    enclosures = check(
        parse_enclosures, doc, data.get("enclosures"), workspace, count_pages, default=[]
    )
    closing = check(_str, doc, data.get("closing"), "closing", default="")
    contact = check(_str, doc, data.get("contact"), "contact", default="")
    cc = check(_str_list, doc, data.get("cc"), "cc", default=[])
    problems.raise_any()
    assert signer is not None

    return Letter(
        kind=kind,
        office=office,
        subject=subject,
        recipient=recipient,
        body=body,
        signer=signer,
        series="circular" if circular else "normal",
        salutation=salutation,
        complimentary_close=close,
        references=references,
        enclosures=enclosures,
        closing=closing,
        contact=contact,
        cc=cc,
        urgency=urgency,
        secrecy=secrecy,
        date=letter_date,
    )


def unknown_key(doc: Located, key: Any, known: list[str]) -> UserError:
    """An unknown key of letter data: "did you mean 'subject'?" for a near miss, else the list
    of known keys."""
    close = did_you_mean(key, known)
    if close is not None:
        return doc.error(
            _("unknown key {key!r}; did you mean {name!r}?").format(key=key, name=close), key
        )
    return doc.error(
        _("unknown key {key!r}; known keys: {names}").format(key=key, names=", ".join(known)), key
    )


def missing_key(doc: Located, office: Office, key: str) -> UserError:
    """A required letter key that is missing or empty; a missing signer lists office.yaml's."""
    if key in doc.origins:  # given empty on the command line (--set subject=)
        return UserError(_("empty; this key needs a value"), file=doc.origins[key], field=key)
    message = _("missing required key")
    if key == "signer":
        message = _("missing required key; the signers {source} defines: {known}").format(
            source=Path(office.source).name, known=office.signer_list()
        )
    return UserError(message, file=doc.file, line=doc.line(), field=key)


def _given(doc: Located, value: Any, key: str) -> str:
    """A required text key: missing or empty is reported once, as a missing key; blank
    (spaces only) is "must not be empty"."""
    return "" if value in (None, "", []) else _str(doc, value, key, required=True)


def _choice(doc: Located, value: Any, key: str, choices: tuple[str, ...]) -> str:
    text = _str(doc, value, key)
    if text and text not in choices:
        raise doc.error(_("must be one of {names}").format(names=" | ".join(choices)), key)
    return text


def _body(doc: Located, value: Any) -> list[str]:
    """ข้อความ: a text (paragraphs separated by blank lines) or a list of paragraphs."""
    if value in (None, "", []):
        return []  # reported as a missing required key
    if isinstance(value, list):
        body = [p for i, v in enumerate(value) for p in split_paragraphs(_str(doc, v, "body", i))]
    else:
        body = split_paragraphs(_str(doc, value, "body", required=True))
    if not body:
        raise doc.error(_("must not be empty"), "body")
    return body


def _date(doc: Located, raw: Any) -> dt.date | None:
    """The letter's ``date`` key (ISO, Thai, or d/m/BE year), None when not given."""
    if raw in (None, ""):
        return None
    if isinstance(raw, dt.date):
        return raw
    try:
        return thai.parse_date(_str(doc, raw, "date"))
    except ValueError as exc:
        raise doc.error(str(exc), "date") from None
