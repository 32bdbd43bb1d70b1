"""Thai line breaking (การตัดคำ) decided here and marked in the document itself.

Thai is written without spaces between words, so a word processor breaks lines with a dictionary
of its own: ICU's in LibreOffice, Uniscribe's in Word. They disagree with each other and with a
Thai reader (ท้อง|ถิ่น, ผู้|ดูแลระบบ), so the same DOCX breaks differently on screen and on paper.
saraban decides every break opportunity itself and writes it into the text:

* between two words, U+200B ZERO WIDTH SPACE: a line may break here;
* between the characters of one word (never before a tone mark or a vowel above or below), a
  joiner, U+FEFF ZERO WIDTH NO-BREAK SPACE (:data:`WJ`): it may not; every position inside a
  word is next to one, so neither dictionary can split it;
* inside groups that belong together — a date ("๑๐ กรกฎาคม ๒๕๖๒"), "จำนวน ๑ ฉบับ", a letter
  number ("นม ๐๐๒๓.๒๖/ว ๕๙๘"), a phone number or an ID, "พ.ศ. ๒๕๖๘", a short number and the
  word before it ("สิ่งที่ส่งมาด้วย ๒") — the spaces become U+00A0 NO-BREAK SPACE and a hyphen is
  followed by a joiner;
* a bound prefix (ผู้, นัก, ความ, การ, ชาว) is joined to the word after it, so it never ends a
  line, and ๆ never starts one.

Words come from pythainlp's dictionary (62,000 words) plus :data:`BUILTIN_UNITS` (terms of
official letters that must stay whole) plus the office's own list, ``words.txt`` in the
workspace (one unit a line, ``#`` comments). Segmentation is a shortest path over Thai character
clusters (TCC, pythainlp's :func:`~pythainlp.tokenize.tcc.tcc_pos`): fewest characters outside
any known word first, then fewest words, so the longest known units win. It is written here,
not taken from pythainlp's ``newmm``, because newmm needs a dictionary trie that takes half a
second to build on every command; a set of words is built in milliseconds. ``newmm`` is the
oracle in the tests.

Latin words need no marks: the templates tag Latin text with a Latin language (en-US) and
Thai text with Thai (the ``w:bidi`` slot), and no word processor breaks inside a Latin word.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import importlib.util
import marshal
import re
from collections.abc import Iterable
from pathlib import Path

from .errors import UserError
from .i18n import _

ZWSP = "\u200b"
"""ZERO WIDTH SPACE: a line may break here (between two Thai words)."""
WJ = "\ufeff"
"""ZERO WIDTH NO-BREAK SPACE: a line may not break here (inside a Thai word). Unicode prefers
U+2060 WORD JOINER for this, and both are the same no-break class (WJ) to a line breaker; but
LibreOffice 7.4's Thai justification treats U+2060 as a character cell and, at a line ending
before a space, draws the last cluster's tone marks a space's width away from their consonant.
U+FEFF does not disturb it."""
WORD_JOINER = "\u2060"
NBSP = "\u00a0"
"""NO-BREAK SPACE: a space a line may not break at (inside a date, a number, …)."""

INVISIBLE = str.maketrans("", "", ZWSP + WJ + WORD_JOINER)
"""``text.translate(INVISIBLE)`` drops the break marks (for reading text back)."""

WORDS_FILE = "words.txt"
"""The office's word list, in the workspace folder."""

BUILTIN_UNITS: tuple[str, ...] = (
    # parts of a letter and the words around them
    "สิ่งที่ส่งมาด้วย",
    "ที่ส่งมาด้วย",
    "อ้างถึง",
    "หนังสือราชการ",
    "ส่วนราชการ",
    "ไปรษณีย์อิเล็กทรอนิกส์",
    "ขอแสดงความนับถือ",
    # local government (a long name such as องค์การบริหารส่วนตำบล may break between its words)
    "ท้องถิ่น",
    "เทศบาล",
    "นายอำเภอ",
    "ปลัดอำเภอ",
    # people and systems
    "ผู้ดูแลระบบ",
    "ผู้ใช้งาน",
    "ผู้ปฏิบัติงาน",
    "รหัสผ่าน",
    "นักวิชาการ",
    "เจ้าหน้าที่",
    "ผู้บริหาร",
)
"""Units that must stay whole, beyond pythainlp's dictionary (which has ท้องถิ่น but splits
compounds such as ผู้ดูแล|ระบบ)."""

BOUND_PREFIXES = frozenset({"ผู้", "นัก", "ความ", "การ", "ชาว"})
"""Prefixes that form a word with what follows: never the last thing on a line."""

THAI_LETTERS = "\u0e01-\u0e3a\u0e40-\u0e4e"
"""Thai letters, vowels, tone marks, ฯ and ๆ (a regex character class): not the Thai digits."""
# Between two characters of a word, except before a mark above or below (and SARA AM, which
# takes the tone mark before it): where a joiner goes. Every position a line could break at is
# then next to one; a joiner never separates a consonant from its marks.
_MARK_END = re.compile("(?<=[\u0e31\u0e34-\u0e3a\u0e47-\u0e4e])(?=\u200b|$)")
_MARK_GAP = re.compile("(?<=.)(?=[^\u0e31\u0e33-\u0e3a\u0e47-\u0e4e])")
THAI_RUN = re.compile(f"[{THAI_LETTERS}]+")
"""A run of Thai letters: what is segmented into words."""
_D = "[0-9๐-๙]"
_FULL_MONTHS = (
    "มกราคม|กุมภาพันธ์|มีนาคม|เมษายน|พฤษภาคม|มิถุนายน|กรกฎาคม|สิงหาคม|กันยายน|ตุลาคม|พฤศจิกายน|ธันวาคม"
)
_ABBR_MONTHS = (
    r"ม\.ค\.|ก\.พ\.|มี\.ค\.|เม\.ย\.|พ\.ค\.|มิ\.ย\.|ก\.ค\.|ส\.ค\.|ก\.ย\.|ต\.ค\.|พ\.ย\.|ธ\.ค\."
)
_BOUND_GROUPS = re.compile(
    "|".join(
        (
            # a date: day, month, (พ.ศ.) year
            rf"{_D}{{1,2}} +(?:{_FULL_MONTHS}|{_ABBR_MONTHS}) *(?:พ\.ศ\. *)?{_D}{{2,4}}",
            # a quantity: จำนวน ๑ ฉบับ
            rf"จำนวน +{_D}+(?:[.,]{_D}+)* +[{THAI_LETTERS}]+",
            # a letter number: (ที่) นม ๐๐๒๓.๒๖/ว ๕๙๘, มท ๐๘๐๘.๔/ว ๒๖๘๘, ๑/๒๕๖๙
            rf"(?:ที่ +)?(?:[ก-ฮ]{{1,4}}(?:\.[ก-ฮ]{{1,3}})*\.? +)?{_D}+(?:\.{_D}+)*/(?:ว +)?{_D}+",
            # a year: พ.ศ. ๒๕๖๘
            rf"(?:พ\.ศ\.|ค\.ศ\.) *{_D}{{4}}",
            # a phone number or an ID: ๐๒-๒๔๑-๙๐๐๐ ต่อ ๑๖๐๗ - ๑๖๐๙, ๐ - ๔๔๔๔ - ๑๖๔๒
            rf"(?:โทร(?:สาร)?\.? *)?{_D}+(?: *- *{_D}+)+(?: *ต่อ *{_D}+(?: *- *{_D}+)?)?",
            # ๆ never starts a line
            r" +ๆ",
        )
    )
)
# a short number and the word before it: "สิ่งที่ส่งมาด้วย ๒", "ข้อ ๔", "ทุก ๆ ๖"
_SHORT_NUMBER = re.compile(rf"(?<=[^\s]) +(?={_D}{{1,3}}(?:[\s,)]|$))")


def _bind(match: re.Match[str]) -> str:
    return match.group(0).replace(" ", NBSP).replace("-", "-" + WJ)


def bind_groups(text: str) -> str:
    """``text`` with the spaces inside groups that belong together made non-breaking."""
    text = _BOUND_GROUPS.sub(_bind, text)
    return _SHORT_NUMBER.sub(NBSP, text)


def group_spans(text: str) -> list[tuple[int, int]]:
    """Spans of ``text`` (plain, with ordinary spaces) a line must not break inside; for
    checking a printed page (:mod:`engine.proof`)."""
    spans = [m.span() for m in _BOUND_GROUPS.finditer(text)]
    spans += [(m.start() - 1, m.end() + 1) for m in _SHORT_NUMBER.finditer(text)]
    return spans


def read_word_list(path: Path) -> tuple[str, ...]:
    """The office's units from ``words.txt``: one run of Thai letters a line; blank lines and
    ``#`` comments are skipped. Anything else is a :class:`UserError` naming the line."""
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        return ()
    except OSError as exc:
        raise UserError(
            _("cannot read the word list: {strerror}").format(strerror=exc.strerror), file=path
        ) from None
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        at = raw[: exc.start].count(b"\n") + 1
        raise UserError(_("not UTF-8 text"), file=path, line=at) from None
    units = []
    for number, line in enumerate(text.splitlines(), 1):
        entry = line.split("#", 1)[0].strip()
        if not entry:
            continue
        if not THAI_RUN.fullmatch(entry):
            raise UserError(
                _(
                    "{entry!r} is not one word: a line of {words_file} holds one run of Thai letters, without spaces, digits or Latin letters (# starts a comment)"
                ).format(entry=entry, words_file=WORDS_FILE),
                file=path,
                line=number,
            )
        if len(entry) > 60:
            raise UserError(_("a unit is at most 60 characters long"), file=path, line=number)
        units.append(entry)
    return tuple(units)


def _pythainlp_file(relative: str) -> Path | None:
    """A file of the installed pythainlp package, found without importing the package (its
    ``__init__`` imports most of pythainlp: 80 ms on every one-letter command)."""
    spec = importlib.util.find_spec("pythainlp")
    for folder in (spec.submodule_search_locations or []) if spec else []:
        path = Path(folder) / relative
        if path.is_file():
            return path
    return None


@functools.lru_cache(maxsize=1)
def _dictionary() -> frozenset[str]:
    """pythainlp's Thai word list (``thai_words()``), read from its file as pythainlp reads it."""
    path = _pythainlp_file("corpus/words_th.txt")
    if path is None:  # another layout: the library's own way
        from pythainlp.corpus import thai_words

        return frozenset(thai_words())
    lines = path.read_text(encoding="utf-8-sig").splitlines()
    return frozenset(filter(None, (line.strip() for line in lines)))


LEXICON_FORMAT = "lexicon-2"


def _by_prefix(words: Iterable[str]) -> dict[str, str]:
    """Words grouped by :func:`_prefix`, each group joined by newlines."""
    groups: dict[str, list[str]] = {}
    for word in words:
        groups.setdefault(word[:2], []).append(word)
    return {prefix: "\n".join(group) for prefix, group in groups.items()}


class _Groups:
    """Words grouped by their first two characters, kept as one encoded blob (Thai's one-byte
    code page cp874, else UTF-8) and decoded a group at a time: loading it is reading half a
    megabyte, not building 62,000 strings. ``get(prefix)`` is the group's words joined by
    newlines, or None."""

    __slots__ = ("_blob", "_encoding", "_index")

    def __init__(self, blob: bytes, encoding: str, index: dict[str, tuple[int, int]]) -> None:
        self._blob, self._encoding, self._index = blob, encoding, index

    @classmethod
    def of(cls, groups: dict[str, str]) -> _Groups:
        text = "".join(groups.values())
        encoding = "cp874"
        try:
            text.encode(encoding)
        except UnicodeEncodeError:
            encoding = "utf-8"
        parts, index, at = [], {}, 0
        for prefix, group in groups.items():
            data = group.encode(encoding)
            parts.append(data)
            index[prefix] = (at, at + len(data))
            at += len(data)
        return cls(b"".join(parts), encoding, index)

    def get(self, prefix: str) -> str | None:
        span = self._index.get(prefix)
        return None if span is None else self._blob[span[0] : span[1]].decode(self._encoding)


def _dump_lexicon(longest: int, groups: _Groups) -> bytes:
    return marshal.dumps((longest, groups._encoding, groups._index, groups._blob))


def _load_lexicon(data: bytes) -> tuple[int, _Groups] | None:
    with contextlib.suppress(ValueError, EOFError, TypeError):
        longest, encoding, index, blob = marshal.loads(data)
        if (
            isinstance(longest, int)
            and encoding in ("cp874", "utf-8")
            and isinstance(index, dict)
            and isinstance(blob, bytes)
        ):
            return longest, _Groups(blob, encoding, index)
    return None


@functools.lru_cache(maxsize=1)
def _lexicon() -> tuple[int, _Groups]:
    """pythainlp's word list (:func:`_dictionary`) as the length of its longest word and its words
    grouped by their first two characters (a one-character word by itself). A segmentation looks
    up only the groups of the text's own clusters: a few hundred of the 62,000 words become a
    set, not all of them (building that set was a tenth of a one-letter command). The groups are
    kept in engine/cache.py, keyed by the word file's path, size and time, encoded
    (:class:`_Groups`): a one-letter command decodes only the groups it looks up."""
    from . import cache

    path = _pythainlp_file("corpus/words_th.txt")
    key = None
    if path is not None:
        st = path.stat()
        key = cache.digest(LEXICON_FORMAT, str(path), str(st.st_size), str(st.st_mtime_ns))
        blob = cache.load_bytes("lexicon", key)
        found = None if blob is None else _load_lexicon(blob)
        if found is not None:
            return found
    words = _dictionary()
    longest, groups = max(map(len, words), default=0), _Groups.of(_by_prefix(words))
    if key is not None:
        cache.store_bytes("lexicon", key, _dump_lexicon(longest, groups))
    return longest, groups


@functools.lru_cache(maxsize=1)
def _tcc_module():
    """pythainlp's Thai character cluster module, loaded alone (it needs only ``re``)."""
    path = _pythainlp_file("tokenize/tcc.py")
    if path is not None:
        spec = importlib.util.spec_from_file_location("engine._pythainlp_tcc", path)
        if spec is not None and spec.loader is not None:
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
            return module
    from pythainlp.tokenize import tcc

    return tcc


def _tcc_ends(text: str) -> list[int]:
    return sorted(_tcc_module().tcc_pos(text))


class LineBreaker:
    """Marks where Thai text may break (:meth:`mark`); one per office word list, reused."""

    def __init__(self, units: Iterable[str] = ()) -> None:
        self.units = tuple(dict.fromkeys((*BUILTIN_UNITS, *units)))
        self.key = hashlib.sha256("\n".join(self.units).encode()).hexdigest()[:16]
        self._words: frozenset[str] | None = None
        self._longest = 0
        self._known: dict[str, tuple[frozenset[str], int]] = {}
        self._unit_groups = {p: frozenset(g.split("\n")) for p, g in _by_prefix(self.units).items()}
        self._chunks: dict[str, str] = {}
        self._texts: dict[str, str] = {}

    @property
    def words(self) -> frozenset[str]:
        """Every known word: the dictionary's and the units."""
        if self._words is None:
            self._words = _dictionary() | frozenset(self.units)
        return self._words

    def known(self, prefix: str) -> tuple[frozenset[str], int]:
        """The known words that start with ``prefix`` (two characters; a one-character word is
        its own prefix), and the length of the longest of them: a word ``w`` is known when
        ``w in breaker.known(w[:2])[0]``."""
        found = self._known.get(prefix)
        if found is None:
            words = self._group(prefix)
            found = self._known[prefix] = (words, max(map(len, words), default=0))
        return found

    def _group(self, prefix: str) -> frozenset[str]:
        group = _lexicon()[1].get(prefix)
        words = frozenset(group.split("\n")) if group else frozenset()
        units = self._unit_groups.get(prefix)
        return words | units if units else words

    def segment(self, chunk: str) -> list[str]:
        """A run of Thai letters as words: fewest characters outside known words, then fewest
        words. Unknown stretches (names) stay whole; bound prefixes join the next word."""
        ends = _tcc_ends(chunk)
        cuts = [0, *ends]
        n = len(cuts)
        # best[i] = (unknown characters, words) of the best segmentation of chunk[:cuts[i]]
        best: list[tuple[int, int]] = [(0, 0)] + [(1 << 30, 0)] * (n - 1)
        back = [0] * n
        unknown_from = [False] * n  # whether the token ending at cuts[i] is unknown
        for i in range(n - 1):
            here = best[i]
            start = cuts[i]
            # the words that start here: of one character, and of more (no longer than reach)
            one, _ = self.known(chunk[start])
            more, reach = self.known(chunk[start : start + 2])
            for j in range(i + 1, n):
                end = cuts[j]
                if end - start > reach and end - start > 1:
                    break
                if chunk[start:end] in (one if end - start == 1 else more):
                    cand = (here[0], here[1] + 1)
                    if cand < best[j]:
                        best[j], back[j], unknown_from[j] = cand, i, False
            # one cluster outside any word; glued to an unknown token before it
            j = i + 1
            glue = unknown_from[i] and i > 0
            cand = (here[0] + cuts[j] - start, here[1] + (0 if glue else 1))
            if cand < best[j]:
                best[j], back[j], unknown_from[j] = cand, (back[i] if glue else i), True
        tokens = []
        j = n - 1
        while j > 0:
            i = back[j]
            tokens.append(chunk[cuts[i] : cuts[j]])
            j = i
        tokens.reverse()
        return _join_bound(tokens)

    def _mark_chunk(self, chunk: str) -> str:
        found = self._chunks.get(chunk)
        if found is None:
            if len(self._chunks) > 50_000:
                self._chunks.clear()
            found = ZWSP.join(_MARK_GAP.sub(WJ, word) for word in self.segment(chunk))
            found = _MARK_END.sub(WJ, found)
            self._chunks[chunk] = found
        return found

    def mark(self, text: str) -> str:
        """``text`` with its break opportunities marked (ZWSP, WJ, NBSP); printing it shows the
        same text. Idempotent: marked text is returned unchanged."""
        found = self._texts.get(text)
        if found is not None:
            return found
        if ZWSP in text or WJ in text:
            return text
        out = THAI_RUN.sub(lambda m: self._mark_chunk(m.group(0)), bind_groups(text))
        if len(self._texts) > 20_000:
            self._texts.clear()
        self._texts[text] = out
        return out


def _join_bound(tokens: list[str]) -> list[str]:
    """Bound prefixes join the word after them; ๆ and ฯ join the word before."""
    out: list[str] = []
    for token in tokens:
        if out and (out[-1] in BOUND_PREFIXES or token[0] in "ๆฯ"):
            out[-1] += token
        else:
            out.append(token)
    return out


DEFAULT_BREAKER = LineBreaker()
"""Line breaking with the built-in units only (a workspace adds its ``words.txt``)."""

_breakers: dict[str, LineBreaker] = {}


def for_workspace(root: Path) -> LineBreaker:
    """The line breaker of a workspace: built-in units plus its ``words.txt``."""
    units = read_word_list(root / WORDS_FILE)
    key = "\n".join(units)
    breaker = _breakers.get(key)
    if breaker is None:
        breaker = _breakers[key] = LineBreaker(units)
    return breaker
