"""Thai line breaking marked in the document (engine.linebreak): segmentation against
pythainlp's newmm as an oracle, units, bound groups, the office's word list, the rendered DOCX."""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, make_workspace, run_cli
from pythainlp.tokenize import word_tokenize

from engine.errors import UserError
from engine.linebreak import (
    INVISIBLE,
    NBSP,
    WJ,
    ZWSP,
    LineBreaker,
    group_spans,
    read_word_list,
)
from engine.render import CompiledTemplate
from engine.workspace import BUILTIN_TEMPLATES
from engine.yamlio import load_yaml

THAI_RUN = re.compile("[\u0e01-\u0e3a\u0e40-\u0e4e]+")
MARKS = set(
    "\u0e31\u0e33\u0e34\u0e35\u0e36\u0e37\u0e38\u0e39\u0e3a\u0e47\u0e48\u0e49\u0e4a\u0e4b\u0e4c\u0e4d\u0e4e"
)


def reference_texts() -> list[str]:
    out = []
    for data in (
        EXAMPLES / "dla" / "reference-003.yaml",
        EXAMPLES / "pakthongchai" / "reference-000.yaml",
    ):
        doc = load_yaml(data).data
        out += [doc["subject"], doc["body"]]
    return out


def ends(words: list[str]) -> set[int]:
    pos, out = 0, set()
    for w in words:
        pos += len(w)
        out.add(pos)
    return out


def test_the_word_list_and_clusters_are_pythainlps() -> None:
    """Read from pythainlp's files without importing the package: the same as its API."""
    from pythainlp.corpus import thai_words
    from pythainlp.tokenize.tcc import tcc_pos

    from engine import linebreak

    assert linebreak._dictionary() == thai_words()
    for text in reference_texts():
        for run in THAI_RUN.findall(text):
            assert linebreak._tcc_ends(run) == sorted(tcc_pos(run))


def test_segmentation_agrees_with_pythainlp_newmm() -> None:
    """The oracle: the word boundaries of both reference letters, ours against newmm's."""
    breaker = LineBreaker(units=())
    same = total = 0
    for text in reference_texts():
        for run in THAI_RUN.findall(text):
            ours = ends(breaker.segment(run))
            theirs = ends(word_tokenize(run, engine="newmm", keep_whitespace=False))
            same += len(ours & theirs)
            total += len(ours | theirs)
    # the differences: our units and bound prefixes join what newmm splits (ผู้|ดูแล|ระบบ)
    assert same / total > 0.85


@pytest.mark.parametrize(
    "unit", ["ท้องถิ่น", "ผู้ดูแลระบบ", "นักวิชาการ", "สิ่งที่ส่งมาด้วย", "ผู้ใช้งาน", "เจ้าหน้าที่"]
)
def test_units_never_break_inside(unit: str) -> None:
    marked = LineBreaker().mark(f"การปกครอง{unit}และระบบ")
    words = marked.split(ZWSP)
    assert any(w.translate(INVISIBLE) == unit for w in words), words


def test_bound_prefix_never_ends_a_line_and_mai_yamok_never_starts_one() -> None:
    breaker = LineBreaker()
    for token in breaker.segment("ผู้ประสานงานนักกีฬาความสุขชาวนา"):
        assert token not in {"ผู้", "นัก", "ความ", "ชาว"}
    assert f"{NBSP}ๆ" in breaker.mark("ทุก ๆ หก เดือน")


def test_every_position_inside_a_word_is_next_to_a_joiner() -> None:
    """Where a line may break: only at ZWSP and spaces; a joiner never splits a cluster."""
    marked = LineBreaker().mark(reference_texts()[1])
    for word in re.split(f"[{ZWSP} \n{NBSP}]", marked):
        chars = word.replace(WJ, "")
        if not THAI_RUN.fullmatch(chars):
            continue
        i = 0
        for k, c in enumerate(word):
            if c == WJ:
                # never between a consonant and its marks; at the end only after a mark (the
                # LibreOffice justification guard, engine.linebreak._MARK_END)
                assert word[k + 1] not in MARKS if k + 1 < len(word) else word[k - 1] in MARKS
                continue
            if i and c not in MARKS:
                assert word[k - 1] == WJ, (word, k)
            i += 1


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("ลงวันที่ ๑๐ กรกฎาคม ๒๕๖๒ นั้น", "๑๐ กรกฎาคม ๒๕๖๒"),
        ("ลงวันที่ 28 เม.ย. 66 แล้ว", "28 เม.ย. 66"),
        ("สำเนา จำนวน ๑ ฉบับ ด้วย", "จำนวน ๑ ฉบับ"),
        ("หนังสือ ที่ นม ๐๐๒๓.๒๖/ว ๕๙๘ ลงวันที่", "ที่ นม ๐๐๒๓.๒๖/ว ๕๙๘"),
        ("ตามคำสั่ง ที่ 1/2569 ลงวันที่", "ที่ 1/2569"),
        ("โทร. ๐๒-๒๔๑-๙๐๐๐ ต่อ ๑๖๐๗ - ๑๖๐๙ ค่ะ", "โทร. ๐๒-๒๔๑-๙๐๐๐ ต่อ ๑๖๐๗ - ๑๖๐๙"),
        ("โทร ๐ - ๔๔๔๔ - ๑๖๔๒ ค่ะ", "โทร ๐ - ๔๔๔๔ - ๑๖๔๒"),
        ("ปีงบประมาณ พ.ศ. ๒๕๖๘ เป็นต้นไป", "พ.ศ. ๒๕๖๘"),
        ("ตามสิ่งที่ส่งมาด้วย ๒ ยื่นกับ", "ด้วย ๒"),
    ],
)
def test_groups_that_belong_together_are_bound(text: str, group: str) -> None:
    marked = LineBreaker().mark(text)
    plain = marked.translate(INVISIBLE)
    bound = group.replace(" ", NBSP)
    assert bound in plain, plain
    # a hyphen inside a phone number or an ID is followed by a joiner
    if "-" in group:
        assert "-" + WJ in marked
    # and the proof knows the same groups: a line may break at none of its spaces
    start = text.index(group)
    spans = group_spans(text)
    for i, c in enumerate(group):
        if c == " ":
            assert any(s < start + i < e for s, e in spans), (group, i)


def test_marks_are_invisible_and_marking_is_idempotent() -> None:
    breaker = LineBreaker()
    for text in reference_texts():
        marked = breaker.mark(text)
        assert marked.translate(INVISIBLE).replace(NBSP, " ") == text
        assert breaker.mark(marked) == marked
    # Latin words and IDs are left alone: no mark inside them
    assert (
        LineBreaker().mark("KTB Corporate Online GMIS123456") == "KTB Corporate Online GMIS123456"
    )


def test_office_word_list(tmp_path: Path) -> None:
    words = tmp_path / "words.txt"
    words.write_text("# หน่วยงานของเรา\nทุ่งสว่างใหม่\n\nปักธงชัย  # อำเภอ\n", encoding="utf-8")
    units = read_word_list(words)
    assert units == ("ทุ่งสว่างใหม่", "ปักธงชัย")
    breaker = LineBreaker(units)
    assert "ทุ่งสว่างใหม่" in breaker.segment("องค์การบริหารส่วนตำบลทุ่งสว่างใหม่")
    assert "ทุ่งสว่างใหม่" not in LineBreaker().segment("องค์การบริหารส่วนตำบลทุ่งสว่างใหม่")
    for bad in ("ทุ่ง สว่าง", "ตำบล1", "KTB"):
        words.write_text(f"ท้องถิ่น\n{bad}\n", encoding="utf-8")
        with pytest.raises(UserError) as err:
            read_word_list(words)
        assert err.value.file == str(words) and err.value.line == 2
    words.write_bytes(b"\xff\xfe bad")
    with pytest.raises(UserError, match="UTF-8"):
        read_word_list(words)


def test_malformed_word_list_stops_a_command_with_file_and_line(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path, "dla")
    (ws / "words.txt").write_text("ท้องถิ่น\nNew e-LAAS\n", encoding="utf-8")
    result = run_cli("new", "letter", "--data", str(ws / "reference-003.yaml"), "--issue",
                     workspace=ws)  # fmt: skip
    assert result.code == 1
    assert "words.txt:2:" in result.err
    assert not (ws / "letters" / "2568").exists() and not list(ws.glob("letters/**/*.docx"))
    check = run_cli("check", workspace=ws)
    assert check.code == 1 and "words.txt:2:" in check.err
    (ws / "words.txt").write_text("ท้องถิ่น\nทุ่งสว่างใหม่\n", encoding="utf-8")
    check = run_cli("check", workspace=ws)
    assert check.code == 0 and "words.txt:" in check.out and "unit(s) kept whole" in check.out


def docx_part(data: bytes, name: str) -> str:
    import io

    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return zf.read(name).decode("utf-8")


def test_rendered_letter_carries_marks_languages_and_the_office_font() -> None:
    ctx = {
        "kind": "letter", "urgency": "", "secrecy": "", "number": "มท 0808.4/ว 36",
        "office": {"name": "กรม", "short_name": "กรม"}, "letterhead": ["กรม"],
        "date": "๒๕ มีนาคม ๒๕๖๘", "date_be": "", "subject": "การควบคุมดูแลผู้ดูแลระบบ (Company Administrator)",
        "salutation": "เรียน", "recipient": "ผู้ว่าราชการจังหวัด", "references": [], "enclosures": [],
        "body": ["องค์กรปกครองส่วนท้องถิ่นทุกแห่ง", "1.1 ข้อย่อย"], "closing": "",
        "complimentary_close": "ขอแสดงความนับถือ",
        "signer": {"name": "นาย ก", "position": "อธิบดี", "acting": ""},
        "unit": [], "contact_lines": [], "unit_line": "", "contact": "", "cc": [],
    }  # fmt: skip
    template = BUILTIN_TEMPLATES / "external-letter.docx"
    data = CompiledTemplate(template, font="TH SarabunIT๙").render_bytes(ctx)
    document = docx_part(data, "word/document.xml")
    assert f"ท้{WJ}อ{WJ}ง{WJ}ถิ่{WJ}น" in document  # one unit, never split
    assert ZWSP in document
    styles = docx_part(data, "word/styles.xml")
    # Latin text in English (never broken inside a word), Thai text in Thai
    assert re.search(r'<w:lang w:val="en-US"[^>]*w:bidi="th-TH"', styles)
    assert 'w:cs="TH SarabunIT๙"' in styles and "TH Sarabun New" not in styles
    # a prose paragraph is set 6 pt below the one before; a numbered item follows without
    paras = re.findall(r"<w:p>.*?</w:p>", document, re.S)
    prose = next(p for p in paras if "องค์กร" in p.translate(INVISIBLE))
    item = next(p for p in paras if "๑.๑ ข้อย่อย" in p.translate(INVISIBLE))
    assert 'w:before="120"' in prose and "w:before" not in item
    # the last paragraph keeps with the signature
    assert "<w:keepNext/>" in item and "<w:keepNext/>" not in prose
    # without a font in office.yaml the template's own stays
    plain = CompiledTemplate(template).render_bytes(ctx)
    assert 'w:cs="TH Sarabun New"' in docx_part(plain, "word/styles.xml")


def test_words_are_looked_up_by_prefix_as_in_the_whole_set(tmp_path, monkeypatch):
    """Segmentation looks words up in groups by their first two characters (engine/cache.py
    keeps the groups): every group holds exactly the known words with that prefix, whether the
    groups were built from the word file or read back from the cache."""
    from engine import linebreak

    monkeypatch.setenv("SARABAN_CACHE", str(tmp_path / "cache"))
    for source in ("built", "cached"):
        linebreak._lexicon.cache_clear()
        breaker = LineBreaker(["ทุ่งสว่างใหม่", "ก"])
        groups: dict[str, set[str]] = {}
        for word in breaker.words:
            groups.setdefault(word[:2], set()).add(word)
        assert {p: breaker.known(p)[0] for p in groups} == groups, source
        assert {p: breaker.known(p)[1] for p in groups} == {
            p: max(map(len, g)) for p, g in groups.items()
        }
        assert breaker.known("๙๙") == (frozenset(), 0)
    assert any((tmp_path / "cache" / "lexicon").iterdir())
    linebreak._lexicon.cache_clear()


def _segment_by_whole_set(breaker: LineBreaker, chunk: str) -> list[str]:
    """The segmentation as it was written first: every piece looked up in the whole word set,
    up to the longest word (the reference for the prefix groups)."""
    from engine import linebreak

    words = breaker.words
    longest = max(map(len, words))
    cuts = [0, *linebreak._tcc_ends(chunk)]
    n = len(cuts)
    best = [(0, 0)] + [(1 << 30, 0)] * (n - 1)
    back, unknown = [0] * n, [False] * n
    for i in range(n - 1):
        here, start = best[i], cuts[i]
        for j in range(i + 1, n):
            if cuts[j] - start > longest:
                break
            if chunk[start : cuts[j]] in words and (here[0], here[1] + 1) < best[j]:
                best[j], back[j], unknown[j] = (here[0], here[1] + 1), i, False
        glue = unknown[i] and i > 0
        cand = (here[0] + cuts[i + 1] - start, here[1] + (0 if glue else 1))
        if cand < best[i + 1]:
            best[i + 1], back[i + 1], unknown[i + 1] = cand, (back[i] if glue else i), True
    tokens, j = [], n - 1
    while j > 0:
        tokens.append(chunk[cuts[back[j]] : cuts[j]])
        j = back[j]
    return linebreak._join_bound(tokens[::-1])


def test_segmentation_by_prefix_groups_is_the_whole_set_segmentation() -> None:
    from engine.confine import _short_words

    texts = [*reference_texts(), "องค์การบริหารส่วนตำบลทุ่งสว่างใหม่ ผู้ดูแลระบบ ก ข ไม่กระดิกหู"]
    for breaker in (LineBreaker(), LineBreaker(["ทุ่งสว่างใหม่"]), _short_words()):
        for text in texts:
            for run in THAI_RUN.findall(text):
                assert breaker.segment(run) == _segment_by_whole_set(breaker, run), run
