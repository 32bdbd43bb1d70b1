"""Compiled DOCX templates: parse once, render many.

docxtpl re-opens the DOCX, re-cleans its XML and re-compiles Jinja on every render (its issue
#110). Here a :class:`CompiledTemplate` does that work once per template and office:

1. read every part of the DOCX zip;
2. clean the XML of the parts that hold tags (body, headers, footers) with docxtpl's own
   ``patch_xml`` — the tag syntax stays docxtpl's — and compile each with Jinja in a
   **sandbox** with **autoescape** and **StrictUndefined**;
3. deflate every other part once and keep the compressed bytes.

A render is then only the Jinja render of the tagged parts, one deflate each, and a zip written
from cached pieces with fixed timestamps: identical input gives a byte-identical DOCX.

Every value a template prints goes through one ``finalize`` step: control characters are dropped
(they are invalid in XML), the office's Thai-digit policy is applied, Thai line breaks are marked
(:mod:`engine.linebreak`), the text is XML-escaped and line breaks become ``<w:br/>``. Values are
therefore always data: ``{{ … }}`` typed by a clerk is printed, never evaluated.
"""

from __future__ import annotations

import contextlib
import os
import re
import struct
import threading
import zlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import jinja2
from jinja2 import meta
from jinja2.sandbox import SandboxedEnvironment
from markupsafe import Markup, escape

from . import files, linebreak, thai
from .errors import TemplateError, UserError
from .i18n import _

_ZIP_TIME = (0, (1 << 5) | 1)  # 1980-01-01 00:00:00 in DOS time/date: fixed for reproducibility
_TAGGED = re.compile(r"^word/(document|header\d*|footer\d*|footnotes|endnotes)\.xml$")
_CONTROL = dict.fromkeys([*range(0, 9), 11, 12, *range(14, 32), 0x7F, 0xFFFE, 0xFFFF])
_BREAK = Markup('</w:t><w:br/><w:t xml:space="preserve">')
_EMBLEM_MEMBER = "word/media/emblem.png"
_EDITABLE = re.compile(
    r"^(\[Content_Types\]\.xml|word/_rels/document\.xml\.rels|word/(header|footer)\d*\.xml)$"
)


_NEEDS_CLEANING = re.compile("[\x00-\x09\x0b-\x1f\x7f\ufffe\uffff]")  # all but LF


def clean_text(value: str) -> str:
    """Drop characters XML cannot hold; tabs become spaces; CR LF and CR become LF."""
    if not _NEEDS_CLEANING.search(value):
        return value
    value = value.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return value.translate(_CONTROL)


def _make_finalize(
    thai_digits: bool, breaker: linebreak.LineBreaker | None
) -> Callable[[Any], Any]:
    def finalize(value: Any) -> Any:
        if isinstance(value, Markup):
            return value
        if value is None:
            return ""
        if isinstance(value, Item):
            first = item_indent(value, thai.apply_digit_policy if thai_digits else str)
            return Markup(f"<!--saraban:item {first}-->") + finalize(str(value))
        text = clean_text(str(value))
        if thai_digits:
            text = thai.apply_digit_policy(text)
        if breaker is not None:
            text = breaker.mark(text)
        out = escape(text)
        if "\n" in text:
            out = Markup(_BREAK.join(out.split("\n")))
        return out

    return finalize


def make_environment(
    thai_digits: bool = True, breaker: linebreak.LineBreaker | None = linebreak.DEFAULT_BREAKER
) -> SandboxedEnvironment:
    """The Jinja environment of every template: sandboxed, autoescaped, strict; every printed
    value under the digit policy and with its Thai line breaks marked (:mod:`engine.linebreak`).
    ``breaker=None`` prints values without break marks."""
    env = SandboxedEnvironment(
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        finalize=_make_finalize(thai_digits, breaker),
        keep_trailing_newline=True,
    )
    env.filters["thai_digits"] = thai.to_thai_digits
    env.tests["numbered"] = is_numbered
    env.filters["parts"] = body_parts
    env.filters["items"] = body_items
    return env


_NUMBERED = re.compile(r"\s*\(?[0-9๐-๙]+(?:\.[0-9๐-๙]+)*[.)]?(?:\s|$)")


def is_numbered(value: Any) -> bool:
    """Whether a body paragraph is a numbered item (๑. / ๑.๑ / ๑.๑.๑ / (๑)): the templates'
    ``paragraph is numbered`` test."""
    return isinstance(value, str) and _NUMBERED.match(value) is not None


def _first_item(body: Sequence[Any]) -> int:
    return next((i for i, p in enumerate(body) if i and is_numbered(p)), len(body))


# --- numbered items (ข้อ ๑. ๑.๑ (๑)): the typing guide's indents ---------------------------------
ITEM_NUMBER = thai.ITEM_NUMBER

PARAGRAPH_INDENT = 1417
"""The body's paragraph indent in twips (2.5 cm, the templates' ``w:firstLine``): where a first-level
item's number starts."""

#: advance widths per 1000 em of TH Sarabun New (measured from ../shared/fonts; the substitutes
#: of TH SarabunPSK and IT๙ have the same design, engine/fonts.py)
_WIDTHS = {".": 162, "(": 190, ")": 190, " ": 216, **dict.fromkeys("0123456789", 362),
           **dict.fromkeys("๐๑๒๓๔๕๖๗๘๙", 449)}  # fmt: skip
BODY_SIZE = 16  # pt, the templates' body text


def number_width(number: str, size: float = BODY_SIZE) -> int:
    """The width in twips of an item number as printed and the space after it: how far its
    text (and the item's wrapped lines) stand from where the number starts."""
    per_mille = sum(_WIDTHS.get(ch, 449) for ch in number) + _WIDTHS[" "]
    return round(per_mille * size / 1000 * 20)


class Item(str):
    """A numbered item of the body (ข้อ): its text as typed, its ``number`` and the numbers of
    the items it stands under (``parents``), outermost first. The renderer starts its first line
    at the paragraph indent, one step further per parent (:func:`item_indent`); its wrapped
    lines go back to the left margin, as the typing guide sets them."""

    number: str
    text: str
    parents: tuple[str, ...]

    def __new__(cls, value: str, number: str, text: str, parents: tuple[str, ...]) -> Item:
        item = super().__new__(cls, value)
        item.number, item.text, item.parents = number, text, parents
        return item


def _depth(number: str) -> int:
    """The level of a dotted number: ๑. → 1, ๑.๑ → 2, ๑.๑.๑ → 3."""
    return len([p for p in number.split(".") if p])


def laid_out(body: Sequence[Any]) -> list[Any]:
    """The body with each numbered item an :class:`Item` knowing the items it stands under:
    a dotted number (๑.๒) under the last item of the level above it, a bracketed one ((๑))
    under the last dotted item. Other paragraphs stay as they are."""
    out: list[Any] = []
    dotted: list[str] = []  # the open dotted items, outermost first
    for value in body:
        m = ITEM_NUMBER.match(value) if isinstance(value, str) else None
        if m is None or isinstance(value, Item):
            out.append(value)
            continue
        number = m.group("number")
        if number.startswith("("):
            parents = tuple(dotted)
        else:
            depth = _depth(number)
            del dotted[depth - 1 :]
            parents = tuple(dotted)
            dotted.append(number)
        out.append(Item(value, number, value[m.end() :], parents))
    return out


def item_indent(item: Item, digits: Callable[[str], str] = str) -> int:
    """Where an item's number starts, in twips from the left margin (its ``w:firstLine``), with
    ``digits`` the office's digit policy: at the paragraph indent, plus the printed width of
    each parent's number and the space after it, so that a sub-item's number stands under the
    first letter of its parent's text. The item's wrapped lines go back to the left margin."""
    return PARAGRAPH_INDENT + sum(number_width(digits(p)) for p in item.parents)


_ITEM_MARK = re.compile(r"<!--saraban:item (\d+)-->")
_IND = re.compile(r"<w:ind\b[^>]*/>")


def _indent_items(xml: str) -> str:
    """Each paragraph holding an item's mark (printed by ``finalize``) gets the item's indent
    (``w:ind firstLine``, in place of the template's); the mark goes."""
    if "<!--saraban:item" not in xml:
        return xml
    out, pos = [], 0
    for m in _ITEM_MARK.finditer(xml):
        start = max(xml.rfind("<w:p>", pos, m.start()), xml.rfind("<w:p ", pos, m.start()))
        if start < 0:
            out.append(xml[pos : m.start()])
            pos = m.end()
            continue
        ind = f'<w:ind w:firstLine="{m.group(1)}"/>'
        head = xml[start : m.start()]
        ppr_end = head.find("</w:pPr>")
        if ppr_end >= 0:
            ppr = head[:ppr_end]
            ppr = _IND.sub(ind, ppr, count=1) if _IND.search(ppr) else ppr + ind
            head = ppr + head[ppr_end:]
        else:
            at = head.index(">") + 1
            head = f"{head[:at]}<w:pPr>{ind}</w:pPr>{head[at:]}"
        out.append(xml[pos:start] + head)
        pos = m.end()
    out.append(xml[pos:])
    return "".join(out)


def body_parts(body: Sequence[Any]) -> list[Any]:
    """The paragraphs of the body that are parts of the letter (ภาคเหตุ, ภาคความประสงค์): those
    before its first numbered item, and always the first. The typing guide sets each 6 pt below
    what precedes it (template filter ``body|parts``)."""
    return laid_out(body)[: _first_item(body)]


def body_items(body: Sequence[Any]) -> list[Any]:
    """The rest of the body, from its first numbered item on: items and the paragraphs under them,
    set without the space between parts (template filter ``body|items``); each item with its
    level's indent (:class:`Item`)."""
    return laid_out(body)[_first_item(body) :]


# --- zip writing from cached pieces -----------------------------------------------------------
@dataclass(frozen=True)
class _Member:
    name: bytes
    crc: int
    size: int
    data: bytes  # deflated (raw) or stored
    method: int  # 8 deflate, 0 stored


RENDERED_LEVEL = 3
"""Deflate level of the parts rendered for each letter. A two-page letter's body (31 KB of XML,
its Thai text marked for line breaking) deflates in 0.08 ms at level 3 and 0.28 ms at zlib's
default 6, 700 bytes larger: the default was a third of a letter's render. The parts cached once
per template keep level 6."""


def _deflate(data: bytes, level: int = 6) -> bytes:
    c = zlib.compressobj(level, zlib.DEFLATED, -15)
    return c.compress(data) + c.flush()


def _member(name: str, data: bytes, level: int = 6) -> _Member:
    packed = _deflate(data, level)
    if len(packed) >= len(data):
        return _Member(name.encode(), zlib.crc32(data), len(data), data, 0)
    return _Member(name.encode(), zlib.crc32(data), len(data), packed, 8)


def write_zip(members: list[_Member]) -> bytes:
    """A zip file from precomputed members (deterministic: fixed times, no extras)."""
    out = bytearray()
    central = bytearray()
    t, d = _ZIP_TIME
    flags = 0x800  # UTF-8 names
    for m in members:
        offset = len(out)
        sizes = (m.crc, len(m.data), m.size, len(m.name))
        # fmt: off
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, flags, m.method, t, d, *sizes, 0)
        out += m.name + m.data
        central += struct.pack(
            "<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, flags, m.method, t, d, *sizes, 0, 0, 0, 0, 0, offset
        )
        # fmt: on
        central += m.name
    start = len(out)
    out += central
    out += struct.pack(
        "<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(central), start, 0
    )
    return bytes(out)


# --- images -------------------------------------------------------------------------------------
def image_size(data: bytes) -> tuple[int, int]:
    """Pixel (width, height) of a PNG or JPEG; ValueError for anything else."""
    if data[:8] == b"\x89PNG\r\n\x1a\n" and data[12:16] == b"IHDR":
        return struct.unpack(">II", data[16:24])
    if data[:2] == b"\xff\xd8":
        i = 2
        while i + 9 < len(data):
            if data[i] != 0xFF:
                i += 1
                continue
            marker = data[i + 1]
            if marker in (0xD8, 0x01) or 0xD0 <= marker <= 0xD7:
                i += 2
                continue
            length = struct.unpack(">H", data[i + 2 : i + 4])[0]
            if 0xC0 <= marker <= 0xCF and marker not in (0xC4, 0xC8, 0xCC):
                h, w = struct.unpack(">HH", data[i + 5 : i + 9])
                return w, h
            i += 2 + length
    raise ValueError(_("not a PNG or JPEG image"))


def _fit_emblem(xml: str, width: int, height: int) -> str:
    """Keep the emblem's height as the template sets it; its width follows the image."""

    def fix(m: re.Match[str]) -> str:
        block = m.group(0)
        extent = re.search(r'<wp:extent cx="\d+" cy="(\d+)"', block)
        if extent is None:  # no size in the drawing (Word always writes one): left as it is
            return block
        cy = int(extent.group(1))
        cx = cy * width // height
        block = re.sub(r'(<wp:extent|<a:ext) cx="\d+" cy="\d+"', rf'\1 cx="{cx}" cy="{cy}"', block)
        return block

    return re.sub(
        r"<w:drawing>.*?</w:drawing>",
        lambda m: fix(m) if "saraban:emblem" in m.group(0) else m.group(0),
        xml,
        flags=re.S,
    )


# --- language and font ---------------------------------------------------------------------------
_LANG = re.compile(r"<w:lang\b[^>]*/>")
_LANG_VAL = re.compile(r'\bw:val="th(?:-TH)?"')
_DEFAULT_FONT = re.compile(r'<w:rPrDefault>.*?<w:rFonts\b[^>]*\bw:(?:cs|ascii)="([^"]+)"', re.S)


def _latin_language(element: str) -> str:
    """A ``<w:lang>`` whose Latin slot says Thai gets en-US there and Thai in its complex-script
    slot: Latin words are then broken as Latin (never inside a word), Thai text as Thai."""
    if not _LANG_VAL.search(element):
        return element
    element = _LANG_VAL.sub('w:val="en-US"', element)
    if "w:bidi=" not in element:
        element = element.replace("/>", ' w:bidi="th-TH"/>')
    return element


def _part_fixer(parts: list[tuple[str, bytes]], font: str | None) -> Callable[[str], str]:
    """What every XML part of a template gets at compile time: Latin text in a Latin language
    in its styles (:func:`_latin_language`; a run's own language stays as the template sets it)
    and, when the office names its font family, that family wherever the template uses its
    default one (run fonts, the font table)."""
    old = None
    if font:
        styles = dict(parts).get("word/styles.xml", b"").decode("utf-8", "replace")
        m = _DEFAULT_FONT.search(styles)
        old = m.group(1) if m else None
        if old == font:
            old = None
    if old is not None:
        attrs = re.compile(rf'(\bw:(?:ascii|hAnsi|eastAsia|cs|name)=")({re.escape(escape(old))})"')
        new = str(escape(font))

    def fix(xml: str) -> str:
        if "<w:docDefaults" in xml and "<w:lang" in xml:  # styles.xml: the defaults and styles
            xml = _LANG.sub(lambda m: _latin_language(m.group(0)), xml)
        if old is not None:
            xml = attrs.sub(lambda m: f'{m.group(1)}{new}"', xml)
        return xml

    return fix


# --- the compiled template ----------------------------------------------------------------------
class CompiledTemplate:
    """A DOCX template parsed and compiled once; :meth:`render` many times.

    ``emblem`` replaces the template's ``word/media/emblem.png`` (the office's Garuda).
    """

    def __init__(
        self,
        path: str | Path,
        *,
        thai_digits: bool = True,
        emblem: str | Path | None = None,
        breaker: linebreak.LineBreaker | None = linebreak.DEFAULT_BREAKER,
        font: str | None = None,
    ) -> None:
        self.path = Path(path)
        self.name = self.path.stem
        self.env = make_environment(thai_digits, breaker)
        import zipfile

        try:
            with zipfile.ZipFile(self.path) as zf:
                parts = [(info.filename, zf.read(info)) for info in zf.infolist()]
        except FileNotFoundError:
            raise TemplateError(_("template not found"), file=self.path) from None
        except zipfile.BadZipFile:
            raise TemplateError(_("not a DOCX file (not a zip)"), file=self.path) from None
        names = [n for n, _ in parts]
        if "word/document.xml" not in names:
            raise TemplateError(_("not a DOCX file (no word/document.xml)"), file=self.path)

        emblem_bytes = None
        if emblem is not None:
            emblem_bytes = Path(emblem).read_bytes()
            try:
                emblem_size = image_size(emblem_bytes)
            except ValueError:
                raise UserError(_("the emblem is not a PNG or JPEG image"), file=emblem) from None

        patched = _patched_sources(parts)
        fix = _part_fixer(parts, font)
        self._slots: list[_Member | tuple[str, jinja2.Template]] = []
        self.sources: dict[str, str] = {}
        # the last rendered XML of each tagged part and its zip member: headers and footers come
        # out the same for letter after letter, and are then not deflated again
        self._last: dict[str, tuple[str, _Member]] = {}
        # the XML of the untagged parts that a rendered document may change (engine.docxparts)
        self._plain: dict[str, str] = {}
        for name, data in parts:
            if name == _EMBLEM_MEMBER and emblem_bytes is not None:
                self._slots.append(_member(name, emblem_bytes))
                continue
            if _TAGGED.match(name):
                xml = data.decode("utf-8")
                fit = emblem_bytes is not None and "saraban:emblem" in xml
                if name in patched:
                    src = fix(patched[name])
                    if fit:
                        src = _fit_emblem(src, *emblem_size)
                    self.sources[name] = src
                    try:
                        compiled = compile_cached(self.env, src)
                    except jinja2.TemplateSyntaxError as exc:
                        raise TemplateError(
                            _("template syntax error in {name}: {message}").format(
                                name=name, message=exc.message
                            ),
                            file=self.path,
                        ) from None
                    self._slots.append((name, compiled))
                    continue
                data = (_fit_emblem(fix(xml), *emblem_size) if fit else fix(xml)).encode("utf-8")
            elif name.startswith("word/") and name.endswith(".xml"):
                data = fix(data.decode("utf-8")).encode("utf-8")
            if _EDITABLE.match(name):
                self._plain[name] = data.decode("utf-8")
            self._slots.append(_member(name, data))

    def printed(self, value: Any) -> str:
        """``value`` as this template prints it: digit policy, line-break marks, XML escaping."""
        finalize = self.env.finalize
        assert finalize is not None  # set by the template environment (_make_finalize)
        return str(finalize(value))

    def variables(self) -> set[str]:
        """Top-level variables the template uses (for ``saraban check``)."""
        found: set[str] = set()
        for src in self.sources.values():
            found |= meta.find_undeclared_variables(self.env.parse(src))
        return found

    def render_parts(self, context: Mapping[str, Any]) -> dict[str, str]:
        """The rendered XML of every tagged part (body, headers, footers), by part name."""
        parts = {}
        for slot in self._slots:
            if isinstance(slot, _Member):
                continue
            name, template = slot
            try:
                parts[name] = _indent_items(template.render(context))
            except jinja2.UndefinedError as exc:
                raise TemplateError(
                    _("undefined variable: {message}").format(message=exc.message),
                    file=self.path,
                    field=name,
                ) from None
            except jinja2.TemplateError as exc:
                raise TemplateError(f"{exc}", file=self.path, field=name) from None
            except (TypeError, OverflowError) as exc:  # the sandbox: no loader, range too big
                raise TemplateError(
                    _("the template cannot be rendered: {exc}").format(exc=exc),
                    file=self.path,
                    field=name,
                ) from None
        return parts

    def plain_part(self, name: str) -> str | None:
        """The XML of an untagged part as this template has it: ``[Content_Types].xml``, the
        document's relationships, a header or footer without tags (None when there is none).
        A document may change it by giving its new XML to :meth:`pack` under the same name."""
        return self._plain.get(name)

    def part_names(self) -> list[str]:
        """The names of the template's parts, in zip order."""
        return [s.name.decode() if isinstance(s, _Member) else s[0] for s in self._slots]

    def members(self, parts: Mapping[str, str]) -> list[_Member]:
        """Zip members of a DOCX: the cached untouched parts and ``parts`` (rendered XML). A
        part of ``parts`` that the template keeps untouched replaces it; one the template has
        not is added at the end."""
        out = []
        names = set()
        for slot in self._slots:
            if isinstance(slot, _Member):
                name = slot.name.decode()
                names.add(name)
                if name in parts:
                    out.append(_member(name, parts[name].encode("utf-8"), RENDERED_LEVEL))
                else:
                    out.append(slot)
                continue
            name = slot[0]
            names.add(name)
            xml = parts[name]
            last = self._last.get(name)
            if last is not None and last[0] == xml:
                out.append(last[1])
                continue
            member = _member(name, xml.encode("utf-8"), RENDERED_LEVEL)
            self._last[name] = (xml, member)
            out.append(member)
        out += [
            _member(n, x.encode("utf-8"), RENDERED_LEVEL)
            for n, x in parts.items()
            if n not in names
        ]
        return out

    def pack(self, parts: Mapping[str, str]) -> bytes:
        """The bytes of a DOCX from rendered parts (:meth:`render_parts`, possibly edited)."""
        return write_zip(self.members(parts))

    def render_bytes(self, context: Mapping[str, Any]) -> bytes:
        """Render to the bytes of a DOCX file."""
        return self.pack(self.render_parts(context))

    def render(self, context: Mapping[str, Any], out: str | Path) -> Path:
        """Render and write ``out`` atomically (temp file in the same folder, then rename)."""
        data = self.render_bytes(context)
        return write_atomic(Path(out), data)


def compile_cached(env: jinja2.Environment, source: str) -> jinja2.Template:
    """``env.from_string(source)``, with Jinja's generated Python code kept compiled in
    engine/cache.py (compiling a letter's XML is most of a one-letter command's work)."""
    import marshal
    import sys

    from . import cache

    key = cache.digest(
        "jinja-code-2",
        jinja2.__version__,
        sys.version,
        type(env).__name__,
        str(env.autoescape),
        source,
    )
    blob = cache.load_bytes("jinja", key)
    if blob is not None:
        try:
            code = marshal.loads(blob)
            return env.template_class.from_code(env, code, env.make_globals(None), None)
        except (ValueError, EOFError, TypeError):
            pass
    code = env.compile(source)
    cache.store_bytes("jinja", key, marshal.dumps(code))
    return env.template_class.from_code(env, code, env.make_globals(None), None)


def _patch(xml: str) -> str:
    """docxtpl's clean-up of a part's XML for Jinja (its tag syntax: {%p …%}, split runs …)."""
    from docxtpl import DocxTemplate  # imported only when the cache below misses

    return DocxTemplate.__new__(DocxTemplate).patch_xml(xml)


def _patched_sources(parts: list[tuple[str, bytes]]) -> dict[str, str]:
    """The cleaned XML of every tagged part, from engine/cache.py when the template's bytes
    were seen before (skips importing docxtpl and python-docx on a one-letter command)."""
    from . import cache

    tagged = [(n, d) for n, d in parts if _TAGGED.match(n) and b"{" in d]
    key = cache.digest("patch_xml-1", *(x for n, d in tagged for x in (n, d)))
    found = cache.load("templates", key)
    if isinstance(found, dict) and set(found) == {n for n, _ in tagged}:
        return found
    patched = {n: _patch(d.decode("utf-8")) for n, d in tagged}
    cache.store("templates", key, patched)
    return patched


def write_atomic(path: Path, data: bytes, *, durable: bool = True, mode: int | None = None) -> Path:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, never half.

    ``durable=False`` skips the fsync (bulk runs sync once at the end); the rename is still
    atomic, so a killed process leaves the old file or the new one. ``mode``: the new file's
    permissions (else those of a private temporary file)."""
    prefix = f".{path.name}."
    try:
        fd, tmp = files.mkstemp(path.parent, prefix, ".tmp")
    except FileNotFoundError:  # a new folder (made only then: one system call less per file)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = files.mkstemp(path.parent, prefix, ".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if mode is not None:
                os.fchmod(fh.fileno(), mode)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise
    return path


_cache: dict[tuple[Any, ...], CompiledTemplate] = {}
_cache_lock = threading.Lock()


def compiled(
    path: Path,
    *,
    thai_digits: bool = True,
    emblem: Path | None = None,
    breaker: linebreak.LineBreaker | None = linebreak.DEFAULT_BREAKER,
    font: str | None = None,
) -> CompiledTemplate:
    """A cached :class:`CompiledTemplate` (keyed by path, mtime, digit policy, emblem, word list
    and font)."""
    key = (
        str(path),
        path.stat().st_mtime if path.exists() else 0.0,
        thai_digits,
        str(emblem or ""),
        emblem.stat().st_mtime if emblem and emblem.exists() else 0.0,
        breaker.key if breaker is not None else "",
        font or "",
    )
    with _cache_lock:
        tpl = _cache.get(key)
        if tpl is None:
            tpl = _cache[key] = CompiledTemplate(
                path, thai_digits=thai_digits, emblem=emblem, breaker=breaker, font=font
            )
        return tpl
