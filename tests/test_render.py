"""Compiled templates: values are data, output is valid and reproducible, errors are named."""

from __future__ import annotations

import datetime as dt
import shutil
import zipfile
from pathlib import Path

import docx
import pytest
from docxtext import all_text, body_paragraphs
from lxml import etree

from engine.errors import TemplateError
from engine.letter import letter_from_data
from engine.linebreak import INVISIBLE
from engine.office import load_office
from engine.render import CompiledTemplate, image_size
from engine.thai import apply_digit_policy
from engine.workspace import BUILTIN_TEMPLATES, PLACEHOLDER_EMBLEM
from engine.yamlio import parse_yaml

EXAMPLES = Path(__file__).resolve().parent.parent / "examples"
TEMPLATE = BUILTIN_TEMPLATES / "external-letter.docx"


def context(**overrides):
    office = load_office(EXAMPLES / "dla")
    text = "to: ผู้ว่าราชการจังหวัด ทุกจังหวัด\nsubject: ทดสอบ\nbody: ข้อความ\nsigner: chief\n"
    letter = letter_from_data(parse_yaml(text, "d.yaml"), office, EXAMPLES)
    letter.number, letter.date = 7, dt.date(2025, 3, 25)
    ctx = letter.context()
    ctx.update(overrides)
    return ctx


def write(tmp_path: Path, data: bytes) -> Path:
    path = tmp_path / "out.docx"
    path.write_bytes(data)
    return path


def test_identical_input_gives_byte_identical_docx() -> None:
    a = CompiledTemplate(TEMPLATE).render_bytes(context())
    b = CompiledTemplate(TEMPLATE).render_bytes(context())
    assert a == b
    assert a != CompiledTemplate(TEMPLATE).render_bytes(context(subject="อื่น"))
    with zipfile.ZipFile(__import__("io").BytesIO(a)) as zf:
        assert {i.date_time for i in zf.infolist()} == {(1980, 1, 1, 0, 0, 0)}
        assert zf.testzip() is None


def test_one_compiled_template_renders_many_letters(tmp_path: Path) -> None:
    tpl = CompiledTemplate(TEMPLATE)
    for n in range(3):
        path = write(tmp_path, tpl.render_bytes(context(subject=f"เรื่องที่ {n}")))
        assert f"เรื่อง เรื่องที่ {'๐๑๒'[n]}" in all_text(path)


HOSTILE = "A < B & C > \"D\" 'E' {{ 7*7 }} {% if 1 %}x{% endif %} ]]> <w:p/>"


def test_values_are_data_never_code(tmp_path: Path) -> None:
    path = write(
        tmp_path, CompiledTemplate(TEMPLATE).render_bytes(context(subject=HOSTILE, body=[HOSTILE]))
    )
    document = docx.Document(str(path))  # opens: the XML is valid
    # as a reader sees them: the line-break marks are invisible, a no-break space is a space
    texts = [p.text.translate(INVISIBLE).replace("\xa0", " ") for p in document.paragraphs]
    shown = apply_digit_policy(HOSTILE)  # digits in Thai; every other character as typed
    assert f"เรื่อง\t{shown}" in texts
    assert shown in texts
    assert "49" not in all_text(path) and "๔๙" not in all_text(path)


def test_control_characters_are_dropped_and_newlines_break(tmp_path: Path) -> None:
    nasty = "ZZก\x00ข\x01ค\x0bง\x1fจ\x7f\tฉ\r\nช"
    path = write(tmp_path, CompiledTemplate(TEMPLATE).render_bytes(context(body=[nasty])))
    xml = zipfile.ZipFile(path).read("word/document.xml")
    etree.fromstring(xml)  # well-formed
    paragraph = next(p for p in body_paragraphs(path) if p.startswith("ZZ"))
    assert paragraph == "ZZกขคงจ ฉ\nช"


def test_thai_digit_policy_applies_to_every_printed_value(tmp_path: Path) -> None:
    value = "โทร 02-111-9999 (2FA) ข้อ 1.1 corporate.contactcenter@krungthai.com www.koratdla.go.th"
    path = write(tmp_path, CompiledTemplate(TEMPLATE).render_bytes(context(body=[value])))
    text = all_text(path)
    assert (
        "โทร ๐๒-๑๑๑-๙๙๙๙ (2FA) ข้อ ๑.๑ corporate.contactcenter@krungthai.com www.koratdla.go.th"
        in text
    )
    assert "ที่ มท ๐๘๐๘.๔/๐๐๐๗" in text
    assert "๒๕ มีนาคม ๒๕๖๘" in text


def test_arabic_digits_when_the_office_says_so(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        CompiledTemplate(TEMPLATE, thai_digits=False).render_bytes(context(body=["ข้อ 1.1"])),
    )
    assert "ข้อ 1.1" in all_text(path)


def test_undefined_variable_names_variable_and_template(tmp_path: Path) -> None:
    ctx = context()
    del ctx["subject"]
    with pytest.raises(TemplateError) as info:
        CompiledTemplate(TEMPLATE).render_bytes(ctx)
    assert "subject" in str(info.value)
    assert "external-letter.docx" in str(info.value)


def test_template_variables_are_what_the_letter_gives() -> None:
    assert {"number", "subject", "body", "signer", "salutation"} <= CompiledTemplate(
        TEMPLATE
    ).variables()
    assert CompiledTemplate(TEMPLATE).variables() <= set(context())


def test_emblem_is_replaced_and_keeps_its_height(tmp_path: Path) -> None:
    wide = tmp_path / "wide.png"
    png = bytearray(PLACEHOLDER_EMBLEM.read_bytes())
    png[16:24] = (600).to_bytes(4, "big") + (300).to_bytes(4, "big")  # claim 600 x 300 px
    wide.write_bytes(bytes(png))
    out = write(tmp_path, CompiledTemplate(TEMPLATE, emblem=wide).render_bytes(context()))
    parts = zipfile.ZipFile(out)
    assert parts.read("word/media/emblem.png") == bytes(png)
    header = next(parts.read(n) for n in parts.namelist() if b"saraban:emblem" in parts.read(n))
    extent = etree.fromstring(header).find(".//{*}extent")
    cx, cy = int(extent.get("cx")), int(extent.get("cy"))
    assert cy == 3 * 360000  # 3 cm
    assert cx == 2 * cy


def test_image_size() -> None:
    assert image_size(PLACEHOLDER_EMBLEM.read_bytes()) == (270, 300)
    with pytest.raises(ValueError):
        image_size(b"GIF89a....")


def test_broken_template_is_a_clear_error(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    bad.write_bytes(b"not a zip")
    with pytest.raises(TemplateError, match="not a DOCX"):
        CompiledTemplate(bad)
    syntax = tmp_path / "syntax.docx"
    shutil.copy(TEMPLATE, syntax)
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(syntax, "w") as dst:
        for item in src.infolist():
            data = src.read(item)
            if item.filename == "word/document.xml":
                data = data.replace(b"{{ subject }}", b"{{ subject ")
            dst.writestr(item, data)
    with pytest.raises(TemplateError, match="syntax"):
        CompiledTemplate(syntax)


def test_check_knows_every_variable_the_letter_gives() -> None:
    """`saraban check` flags template variables outside api.CONTEXT_KEYS: that list, kept by
    hand, must cover everything Letter.context() gives, or check would flag valid templates."""
    from engine.api import CONTEXT_KEYS

    assert set(context()) <= CONTEXT_KEYS


def test_body_parts_and_items_follow_the_typing_guide() -> None:
    """The parts of the letter (before the first numbered item, and always the first paragraph)
    are spaced; numbered items and the paragraphs under them are not."""
    from engine.render import body_items, body_parts

    body = ["ตามที่ ...", "กรม ... ดังนี้", "1. ข้อ", "1.1 ข้อย่อย", "เมื่อ ... (ใต้ข้อ ๑.๑)", "(๑) กรณี"]
    assert body_parts(body) == body[:2] and body_items(body) == body[2:]
    assert body_parts(["1. เริ่มด้วยข้อ", "2. ข้อ"]) == ["1. เริ่มด้วยข้อ"]
    assert body_items(["ตามที่ ...", "จึง ..."]) == []
