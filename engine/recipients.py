"""Recipients of a circular letter (หนังสือเวียน): from a CSV file, an XLSX sheet or a YAML list.

Each recipient is an organisation and the position of its head, which the addressed copy's
salutation is made of ("เรียน นายกองค์การบริหารส่วนตำบลสระตะเคียน"), with an optional address
and e-mail address. Columns may be named in English or in Thai:

=================  ============================================  ========
column             also accepted                                 required
=================  ============================================  ========
``organisation``   ``organization``, ``name``, ``หน่วยงาน``, ``ชื่อหน่วยงาน``, ``ชื่อ``   yes
``position``       ``head``, ``ตำแหน่ง``, ``ตำแหน่งหัวหน้า``                yes
``to``             ``ถึง``, ``เรียน``: the whole recipient, when the rule below is wrong  no
``address``        ``ที่อยู่``                                     no
``email``          ``e-mail``, ``อีเมล``                          no
``monk``           ``rank``, ``สมณศักดิ์``: a monk's rank            no
``salutation``     ``คำขึ้นต้น``                                   no
``complimentary_close``  ``close``, ``คำลงท้าย``                    no
=================  ============================================  ========

Each copy gets the salutation and closing formula (คำขึ้นต้น / คำลงท้าย) its recipient calls for
(:mod:`engine.salutation`, :meth:`Recipient.forms`): from the ``salutation`` and
``complimentary_close`` cells when given, else the ``monk`` cell's rank (``somdet``,
``rajakhana``, ``monk``, or ``none``: not a monk; Thai names too), else the addressee's words.

CSV is read with the standard library's ``csv`` (UTF-8, with or without the BOM Excel writes),
XLSX with openpyxl (the first sheet, or ``file.xlsx#Sheet``). Every problem — a file that is not
UTF-8, a missing or unknown column, a row with more or fewer fields than the header, a NUL
character, an empty row, a duplicate organisation, a bad rank — is one :class:`UserError` naming
the file, the row and the column, and nothing is issued.
"""

from __future__ import annotations

import csv
import difflib
import hashlib
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from . import confine, salutation
from .errors import UserError
from .i18n import _
from .limits import FILE_LIMITS, MAX_RECIPIENTS, MAX_XLSX_UNPACKED, read_capped, too_large

#: Column name → the field it fills (lower-cased, spaces and underscores ignored).
COLUMNS: dict[str, str] = {
    "organisation": "organisation",
    "organization": "organisation",
    "name": "organisation",
    "org": "organisation",
    "หน่วยงาน": "organisation",
    "ชื่อหน่วยงาน": "organisation",
    "ชื่อ": "organisation",
    "องค์กรปกครองส่วนท้องถิ่น": "organisation",
    "position": "position",
    "head": "position",
    "headposition": "position",
    "ตำแหน่ง": "position",
    "ตำแหน่งหัวหน้า": "position",
    "ตำแหน่งผู้บริหาร": "position",
    "to": "to",
    "ถึง": "to",
    "เรียน": "to",
    "address": "address",
    "ที่อยู่": "address",
    "email": "email",
    "e-mail": "email",
    "อีเมล": "email",
    "อีเมล์": "email",
    "monk": "monk",
    "rank": "monk",
    "สมณศักดิ์": "monk",
    "salutation": "salutation",
    "คำขึ้นต้น": "salutation",
    "complimentaryclose": "complimentary_close",
    "close": "complimentary_close",
    "คำลงท้าย": "complimentary_close",
}
REQUIRED = ("organisation", "position")

#: Municipalities: the head is นายกเทศมนตรี, and "เทศบาลตำบลปักธงชัย" is addressed as
#: "นายกเทศมนตรีตำบลปักธงชัย" (the word เทศบาล is not repeated).
_MUNICIPAL = ("นายกเทศมนตรี", "เทศบาล")


@dataclass(frozen=True)
class Recipient:
    """One recipient of a circular: organisation, head's position, and optional details."""

    organisation: str
    position: str
    to: str = ""
    address: str = ""
    email: str = ""
    #: the rank given in the file (:func:`engine.salutation.parse_rank`: somdet, rajakhana,
    #: monk, none), else "" (the addressee's words tell)
    monk: str = ""
    #: the salutation and closing formula given in the file, else ""
    salutation: str = ""
    complimentary_close: str = ""

    @property
    def addressee(self) -> str:
        """Whom the copy is addressed to: ``to`` if given, else the head's position joined to
        the organisation's name without repeating the words they share."""
        return self.to or join_position(self.position, self.organisation)

    def as_dict(self) -> dict[str, str]:
        return asdict(self)

    def forms(
        self, given: tuple[str, str] = ("", ""), collective: tuple[str, str] | None = None
    ) -> tuple[str, str]:
        """This copy's salutation and closing formula (คำขึ้นต้น, คำลงท้าย).

        The file's ``salutation`` / ``complimentary_close`` cells win; else the rank (the
        ``monk`` cell, else the addressee's words: :func:`engine.salutation.salutation_for`).
        ``given``: the forms the letter's data sets for its collective recipient (``salutation:``,
        ``complimentary_close:``; "" where it sets none); they hold for the copies whose
        recipient calls for the same forms as the collective one (``collective``), or for all
        copies when that is None."""
        sal, close = salutation.salutation_for(self.addressee, self.monk or None)
        if collective is None or collective == (sal, close):
            sal, close = given[0] or sal, given[1] or close
        return self.salutation or sal, self.complimentary_close or close


def join_position(position: str, organisation: str) -> str:
    """ "นายกองค์การบริหารส่วนตำบล" + "องค์การบริหารส่วนตำบลสระตะเคียน" →
    "นายกองค์การบริหารส่วนตำบลสระตะเคียน"; "นายกเทศมนตรี" + "เทศบาลตำบลปักธงชัย" →
    "นายกเทศมนตรีตำบลปักธงชัย"; otherwise the two joined ("ผู้อำนวยการ" + "โรงเรียนบ้านโคก")."""
    position, organisation = position.strip(), organisation.strip()
    head, word = _MUNICIPAL
    if position == head and organisation.startswith(word):
        return head + organisation[len(word) :]
    for k in range(min(len(position), len(organisation)), 0, -1):
        if organisation.startswith(position[-k:]) and k >= 3:
            return position + organisation[k:]
    return position + organisation


#: Fields added after lists were first fingerprinted: left out of the hash when empty, so a list
#: issued before keeps its fingerprint.
_LATER_FIELDS = ("monk", "salutation", "complimentary_close")


def fingerprint(recipients: Sequence[Recipient]) -> str:
    """A hash of the list (what the addressed copies are made from)."""
    rows = [
        {k: v for k, v in r.as_dict().items() if v or k not in _LATER_FIELDS} for r in recipients
    ]
    text = json.dumps(rows, ensure_ascii=False, sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()


# --- reading ------------------------------------------------------------------------------------
def _norm(column: Any) -> str:
    return "".join(str(column or "").lower().replace("_", "").split())


class RecipientError(UserError):
    """A problem of a recipients file, with its ``row`` (the header is row 1) and ``column``
    (as the header names it) where it has them, and ``detail``: the message without them."""

    def __init__(self, file: str, detail: str, row: int | None, column: str | None) -> None:
        where = []
        if row is not None:
            where.append(f"row {row}")
        if column:
            where.append(f"column {column!r}")
        super().__init__(f"{', '.join(where)}: {detail}" if where else detail, file=file)
        self.row, self.column, self.detail = row, column, detail


@dataclass
class Checked:
    """A recipients file checked row by row (:func:`check_recipients`): its header, the cells of
    each row by row number, the recipients of the sound rows and every problem found."""

    header: list[str] = field(default_factory=list)
    cells: dict[int, list[str]] = field(default_factory=dict)
    recipients: list[Recipient] = field(default_factory=list)
    problems: list[RecipientError] = field(default_factory=list)

    def note(self, exc: UserError) -> None:
        if not isinstance(exc, RecipientError):
            exc = RecipientError(exc.file or "", exc.message, None, None)
        self.problems.append(exc)


def _error(
    file: str, message: str, row: int | None = None, column: str | None = None
) -> RecipientError:
    return RecipientError(file, message, row, column)


def _decode(data: bytes, file: str) -> str:
    """UTF-8, with or without a BOM; anything else is an error naming the row."""
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        row = data[: exc.start].count(b"\n") + 1
        raise _error(
            file,
            _(
                "not UTF-8 text (byte 0x{byte:02x} at offset {start}); save the file as 'CSV UTF-8' from Excel, or convert it (e.g. iconv -f TIS-620 -t UTF-8)"
            ).format(byte=data[exc.start], start=exc.start),
            row=row,
        ) from None
    text = text.removeprefix("\ufeff")
    nul = text.find("\x00")
    if nul >= 0:
        raise _error(
            file,
            _("a NUL character (byte 0x00): the file is damaged, or not a CSV text file"),
            row=text.count("\n", 0, nul) + 1,
        )
    return text


def _rows_csv(path: Path, file: str) -> tuple[list[str], Iterable[tuple[int, list[Any]]]]:
    text = _decode(read_capped(path, "recipients", file), file)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    try:
        header = next(reader)
    except StopIteration:
        raise _error(file, _("the file is empty (a header row is needed)")) from None
    except csv.Error as exc:
        raise _error(file, _("not a CSV file: {exc}").format(exc=exc), row=1) from None

    def rows() -> Iterable[tuple[int, list[Any]]]:
        try:
            for row in reader:
                yield reader.line_num, row
        except csv.Error as exc:
            raise _error(
                file, _("not a CSV file: {exc}").format(exc=exc), row=reader.line_num
            ) from None

    return header, rows()


def _rows_xlsx(
    path: Path, sheet: str | None, file: str
) -> tuple[list[str], Iterable[tuple[int, list[Any]]]]:
    import zipfile

    from openpyxl import load_workbook

    if path.stat().st_size > FILE_LIMITS["recipients"]:
        raise too_large(file, "recipients")
    try:
        with zipfile.ZipFile(path) as zf:
            unpacked = sum(info.file_size for info in zf.infolist())
    except (zipfile.BadZipFile, OSError) as exc:
        raise _error(file, _("not an XLSX workbook: {exc}").format(exc=exc)) from None
    if unpacked > MAX_XLSX_UNPACKED:
        raise _error(
            file,
            _(
                "the workbook unpacks to more than {size} MB, the limit for a recipients workbook"
            ).format(size=MAX_XLSX_UNPACKED // 2**20),
        )
    try:
        wb = load_workbook(path, read_only=True, data_only=True)
    except Exception as exc:  # openpyxl raises many kinds
        raise _error(file, _("not an XLSX workbook: {exc}").format(exc=exc)) from None
    if sheet is not None and sheet not in wb.sheetnames:
        raise _error(
            file,
            _("no sheet {sheet!r}; sheets: {names}").format(
                sheet=sheet, names=", ".join(wb.sheetnames)
            ),
        )
    ws = wb[sheet] if sheet else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if header is None:
        raise _error(file, _("the sheet is empty (a header row is needed)"))
    return [str(h) if h is not None else "" for h in header], (
        (i, list(row)) for i, row in enumerate(it, start=2)
    )


def _rows_yaml(path: Path, file: str) -> list[tuple[int, dict[str, Any]]]:
    from .yamlio import load_yaml

    doc = load_yaml(path, "recipients")
    prefix = ("recipients",) if isinstance(doc.data, Mapping) else ()
    return _rows_list(doc.data, file, lambda i: doc.line(*prefix, i) or i + 1)


def _rows_list(data: Any, file: str, line: Any = None) -> list[tuple[int, dict[str, Any]]]:
    if isinstance(data, Mapping) and "recipients" in data:
        data = data["recipients"]
    if not isinstance(data, list):
        raise _error(file, _("recipients must be a list of {organisation, position, …}"))
    out = []
    for i, item in enumerate(data):
        row = line(i) if line else i + 1
        if not isinstance(item, Mapping):
            raise _error(file, _("a recipient must be {organisation, position, …}"), row=row)
        out.append((row, dict(item)))
    return out


def _from_mappings(rows: list[tuple[int, dict[str, Any]]], file: str) -> list[Recipient]:
    if not rows:
        raise _error(file, _("no recipients"))
    header = sorted({str(k) for _, r in rows for k in r})
    fields = _fields(header, file, check_required=False, unknown=False)
    out = []
    for row, item in rows:
        values = {fields[str(k)]: v for k, v in item.items() if str(k) in fields}
        unknown = [str(k) for k in item if str(k) not in fields]
        if unknown:
            raise _error(
                file,
                _("unknown key(s) {names}; {known}").format(
                    names=_suggest(unknown), known=_known()
                ),
                row=row,
            )
        for req in REQUIRED:
            if req not in values:
                raise _error(file, _("missing"), row=row, column=req)
        out.append((row, values))
    return _build(out, file, {})


def _known() -> str:
    return _(
        "columns: organisation (ชื่อหน่วยงาน), position (ตำแหน่ง), to (เรียน), address (ที่อยู่), "
        "email (อีเมล), monk (สมณศักดิ์), salutation (คำขึ้นต้น), complimentary_close (คำลงท้าย)"
    )


def _suggest(names: Sequence[str]) -> str:
    """``'monkk' (did you mean 'monk'?), 'x'``: each unknown name, with the known column name
    closest to it."""
    known = {_norm(k): k for k in (*COLUMNS, "complimentary_close")}
    out = []
    for name in names:
        close = difflib.get_close_matches(_norm(name), list(known), n=1, cutoff=0.6)
        hint = _(" (did you mean {name!r}?)").format(name=known[close[0]]) if close else ""
        out.append(f"{name!r}{hint}")
    return ", ".join(out)


def _fields(
    header: list[str], file: str, check_required: bool = True, unknown: bool = True
) -> dict[str, str]:
    """Header name → field. ``unknown``: a header name that is no column is an error (all of
    them named at once, with the closest known name); empty header cells are left to the rows
    (:func:`_from_table`)."""
    fields: dict[str, str] = {}
    seen: dict[str, str] = {}
    strangers = [col for col in header if col and COLUMNS.get(_norm(col)) is None]
    if unknown and strangers:
        raise _error(
            file,
            _("unknown column(s) {names}; {known}").format(
                names=_suggest(strangers), known=_known()
            ),
            row=1,
        )
    for col in header:
        key = COLUMNS.get(_norm(col))
        if key is None:
            continue
        if key in seen:
            raise _error(
                file,
                _("two columns for {key}: {seen!r} and {col!r}").format(
                    key=key, seen=seen[key], col=col
                ),
                row=1,
                column=col,
            )
        seen[key] = col
        fields[col] = key
    if check_required:
        for req in REQUIRED:
            if req not in seen:
                raise _error(
                    file,
                    _("missing column {req!r} (header: {header}); {known}").format(
                        req=req,
                        header=", ".join(h for h in header if h) or _("empty"),
                        known=_known(),
                    ),
                    row=1,
                    column=req,
                )
    return fields


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return " ".join(str(value).split())


def _column_name(i: int) -> str:
    """The spreadsheet name of column ``i`` (0 → A, 26 → AA)."""
    name = ""
    i += 1
    while i:
        i, r = divmod(i - 1, 26)
        name = chr(ord("A") + r) + name
    return name


def _from_table(
    header: list[str],
    rows: Iterable[tuple[int, list[Any]]],
    file: str,
    *,
    exact_width: bool = False,
    checked: Checked | None = None,
) -> list[Recipient]:
    """Recipients from a header and rows of cells. ``exact_width`` (CSV): every row that is not
    empty has as many fields as the header; otherwise (XLSX) no cell beyond the header's and
    no value in a column whose header is empty. ``checked``: a bad row is noted there (with
    its cells) and left out, and the next rows are read, instead of stopping at the first."""
    header = [_cell(h) for h in header]
    if checked is not None:
        checked.header = header
    fields = _fields(header, file)
    index = {fields[col]: i for i, col in enumerate(header) if col in fields}
    names = {f: header[i] for f, i in index.items()}
    nameless = [i for i, col in enumerate(header) if not col]
    width = len(header)
    out = []
    filled = 0
    for row, cells in rows:
        if checked is not None:
            checked.cells[row] = [_cell(c) for c in cells]
            try:
                _check_width(cells, row, file, width, nameless, header, exact_width)
            except RecipientError as exc:
                checked.note(exc)
                continue
        else:
            _check_width(cells, row, file, width, nameless, header, exact_width)
        values = {f: (cells[i] if i < len(cells) else None) for f, i in index.items()}
        if any(_cell(v) for v in values.values()):
            filled += 1
            if filled > MAX_RECIPIENTS:
                raise _too_many(file)
        out.append((row, values))
    # trailing empty rows (Excel leaves them) are not an error; empty rows in between are
    while out and all(_cell(v) == "" for v in out[-1][1].values()):
        out.pop()
    return _build(out, file, names, checked)


def _check_width(
    cells: list[Any],
    row: int,
    file: str,
    width: int,
    nameless: list[int],
    header: list[str],
    exact_width: bool,
) -> None:
    """A row's cells against the header: as many (CSV), none without a header, no NUL."""
    if not any(_cell(c) for c in cells):
        return
    if exact_width and len(cells) != width:
        raise _error(
            file,
            _(
                "{count} fields, but the header has {width}: a missing or extra "
                "separator (a comma inside a value needs quotes)"
            ).format(count=len(cells), width=width),
            row=row,
        )
    stray = [i for i in nameless if i < len(cells) and _cell(cells[i])]
    stray += [i for i in range(width, len(cells)) if _cell(cells[i])]
    if stray:
        raise _error(
            file,
            _("a value in column {column}, which has no header").format(
                column=_column_name(stray[0]) if not exact_width else stray[0] + 1
            ),
            row=row,
        )
    bad = next((i for i, c in enumerate(cells) if isinstance(c, str) and "\x00" in c), None)
    if bad is not None:
        raise _error(file, _("a NUL character in the cell"), row=row, column=header[bad])


def _too_many(file: str) -> UserError:
    return _error(
        file,
        _("more than {max_recipients:,} recipients, the limit for one circular").format(
            max_recipients=MAX_RECIPIENTS
        ),
    )


def _build(
    rows: list[tuple[int, dict[str, Any]]],
    file: str,
    names: Mapping[str, str],
    checked: Checked | None = None,
) -> list[Recipient]:
    if not rows and not (checked and checked.problems):
        raise _error(file, _("no recipients (only a header row)"))
    if len(rows) > MAX_RECIPIENTS:
        raise _too_many(file)
    out: list[Recipient] = []
    seen: dict[str, int] = {}
    for row, values in rows:
        if checked is None:
            out.append(_recipient(row, values, file, names, seen))
            continue
        try:
            out.append(_recipient(row, values, file, names, seen))
        except RecipientError as exc:
            checked.note(exc)
    if checked is not None:
        checked.recipients = out
    return out


def _recipient(
    row: int, values: Mapping[str, Any], file: str, names: Mapping[str, str], seen: dict[str, int]
) -> Recipient:
    """One row's recipient, or the row's first problem (``seen``: organisation → row, so far)."""
    cells = {k: _cell(v) for k, v in values.items()}
    if not any(cells.values()):
        raise _error(file, _("empty row"), row=row)
    for req in REQUIRED:
        if not cells.get(req):
            raise _error(file, _("empty"), row=row, column=names.get(req, req))
    org = cells["organisation"]
    if org in seen:
        raise _error(
            file,
            _("duplicate organisation {org!r} (first in row {seen})").format(
                org=org, seen=seen[org]
            ),
            row=row,
            column=names.get("organisation", "organisation"),
        )
    seen[org] = row
    for key, text in cells.items():
        if "\x00" in text:
            raise _error(file, _("a NUL character"), row=row, column=names.get(key, key))
    email = cells.get("email", "")
    if email and ("@" not in email or " " in email):
        raise _error(
            file,
            _("not an e-mail address: {email!r}").format(email=email),
            row=row,
            column=names.get("email"),
        )
    recipient = Recipient(
        organisation=org,
        position=cells["position"],
        to=cells.get("to", ""),
        address=cells.get("address", ""),
        email=email,
        monk=_rank(cells.get("monk", ""), file, row, names.get("monk", "monk")),
        salutation=cells.get("salutation", ""),
        complimentary_close=cells.get("complimentary_close", ""),
    )
    if (
        salutation.is_royal(recipient.addressee)
        and not recipient.monk
        and not (recipient.salutation and recipient.complimentary_close)
    ):
        raise _error(
            file,
            _(
                "{addressee!r}: royalty and the Supreme Patriarch take forms saraban does "
                "not know; fill this row's salutation and complimentary_close columns"
            ).format(addressee=recipient.addressee),
            row=row,
        )
    return recipient


def _rank(value: str, file: str, row: int, column: str) -> str:
    """The ``monk`` cell as :func:`engine.salutation.parse_rank` reads it ("" when empty)."""
    try:
        return salutation.parse_rank(value) or ""
    except ValueError as exc:
        raise _error(file, str(exc), row=row, column=column) from None


def check_recipients(path: str, workspace: Path) -> Checked:
    """A CSV or XLSX recipients file (relative to the workspace) checked row by row, as
    :func:`load_recipients` reads it, but noting every bad row instead of stopping at the first
    (the web page shows each problem beside its row). A problem of the whole file (not found,
    not UTF-8, a missing or unknown column) is still raised: no row can be read then."""
    checked = Checked()
    load_recipients(path, workspace, checked=checked)
    return checked


def load_recipients(
    value: Any, workspace: Path, *, origin: str = "recipients", checked: Checked | None = None
) -> list[Recipient]:
    """Recipients from a file path (CSV, XLSX — ``file.xlsx#Sheet`` for another sheet than the
    first —, YAML), relative to the workspace, or from a list given inline in the data."""
    if isinstance(value, list):
        return _from_mappings(_rows_list(value, origin), origin)
    if not isinstance(value, str) or not value.strip():
        raise UserError(
            _("must be a file (CSV, XLSX or YAML) or a list of recipients"), field="recipients"
        )
    text, _hash, sheet = value.strip().partition("#")
    file = str(Path(text)) if not Path(text).is_absolute() else text
    # inside the workspace only (a symbolic link leading out is refused, by name)
    path = confine.inside(workspace.resolve(), text, field="recipients")
    if not path.is_file():
        raise UserError(
            _("recipients file not found: {path}").format(path=path),
            file=origin,
            field="recipients",
        )
    suffix = path.suffix.lower()
    if suffix in (".xlsx", ".xlsm"):
        header, rows = _rows_xlsx(path, sheet or None, file)
        return _from_table(header, rows, file, checked=checked)
    if suffix in (".yaml", ".yml"):
        return _from_mappings(_rows_yaml(path, file), file)
    if suffix in (".csv", ".tsv", ".txt"):
        header, rows = _rows_csv(path, file)
        return _from_table(header, rows, file, exact_width=True, checked=checked)
    raise UserError(
        _("unknown recipients file type {value!r}: use .csv, .xlsx or .yaml").format(
            value=suffix or _("(none)")
        ),
        file=file,
    )
