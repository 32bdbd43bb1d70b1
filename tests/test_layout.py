"""The printed page: positions read from the PDFs that ``--pdf`` makes (domain.md, Layout).

External letter: Garuda 3 cm high, centred on the page; text from 3 cm to at most 19 cm from the
left edge (margins 3 cm / 2 cm). Memo: Garuda 1.5 cm high at the top left. Page 1 is also
rendered to PNG with pdftoppm, as a reader sees it.
"""

from __future__ import annotations

import subprocess
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from conftest import EXAMPLES, make_workspace, needs_pdf, run_cli
from PIL import Image
from pypdf import PdfReader
from pypdf.generic import ContentStream

pytestmark = needs_pdf

CM = 72 / 2.54
MM = CM / 10


@pytest.fixture(scope="module")
def letters(tmp_path_factory) -> dict[str, Path]:
    """Reference letter 003 and the demo memo, issued with --pdf."""
    ws = make_workspace(tmp_path_factory.mktemp("layout"), "dla")
    out = {}
    for name, data in (("letter", ws / "reference-003.yaml"), ("memo", EXAMPLES / "memo.yaml")):
        workflow = "memo" if name == "memo" else "letter"
        extra = ["--set", "signer=chief"] if name == "memo" else []
        result = run_cli(
            "new", workflow, "--data", str(data), *extra, "--date", "2025-03-25", "--issue",
            "--pdf", "--json", workspace=ws,
        )  # fmt: skip
        assert result.code == 0, result.err
        out[name] = ws / next(f for f in result.out.split('"') if f.endswith(".pdf"))
    return out


def images(page) -> list[tuple[float, float, float, float]]:
    """(x, y, width, height) in points of each image drawn on a page (from the content stream's
    transformation matrices; no rotation expected)."""
    found = []

    def walk(content, resources, ctm):
        xobjects = resources.get("/XObject", {}) if resources else {}
        stack = []
        for operands, op in content.operations:
            if op == b"q":
                stack.append(ctm)
            elif op == b"Q":
                ctm = stack.pop()
            elif op == b"cm":
                a, b, c, d, e, f = (float(v) for v in operands)
                A, B, C, D, E, F = ctm
                ctm = (
                    a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                    e * A + f * C + E, e * B + f * D + F,
                )  # fmt: skip
            elif op == b"Do":
                xobj = xobjects[operands[0]].get_object()
                if xobj["/Subtype"] == "/Image":
                    a, b, c, d, e, f = ctm
                    found.append((e, f, a, d))
                elif xobj["/Subtype"] == "/Form":
                    matrix = [float(v) for v in xobj.get("/Matrix", [1, 0, 0, 1, 0, 0])]
                    a, b, c, d, e, f = matrix
                    A, B, C, D, E, F = ctm
                    inner = (
                        a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D,
                        e * A + f * C + E, e * B + f * D + F,
                    )  # fmt: skip
                    walk(ContentStream(xobj, page.pdf), xobj.get("/Resources"), inner)

    walk(ContentStream(page.get_contents(), page.pdf), page["/Resources"], (1, 0, 0, 1, 0, 0))
    return found


def words(path: Path, page: int = 1) -> list[tuple[str, float, float, float, float]]:
    """(text, xMin, yMin, xMax, yMax) of each word, as poppler lays the page out."""
    xml = subprocess.run(
        ["pdftotext", "-bbox", "-f", str(page), "-l", str(page), str(path), "-"],
        check=True,
        capture_output=True,
    ).stdout
    ns = "{http://www.w3.org/1999/xhtml}"
    return [
        (w.text or "", *(float(w.get(k)) for k in ("xMin", "yMin", "xMax", "yMax")))
        for w in ET.fromstring(xml).iter(f"{ns}word")
    ]


def test_external_letter_emblem_and_margins(letters):
    path = letters["letter"]
    page = PdfReader(path).pages[0]
    width = float(page.mediabox.width)
    assert (width, float(page.mediabox.height)) == pytest.approx((21 * CM, 29.7 * CM), abs=1)
    (emblem,) = images(page)
    x, y, w, h = emblem
    assert h == pytest.approx(3 * CM, abs=0.5 * MM)  # 3 cm high
    assert x + w / 2 == pytest.approx(width / 2, abs=1 * MM)  # centred on the page
    top = float(page.mediabox.height) - (y + h)
    assert top == pytest.approx(1.5 * CM, abs=2 * MM)  # about 1.5 cm from the top
    boxes = words(path)
    assert min(b[1] for b in boxes) == pytest.approx(3 * CM, abs=1 * MM)  # left margin 3 cm
    assert max(b[3] for b in boxes) <= 19 * CM + 0.2 * MM  # right margin at least 2 cm
    # Justified body lines reach the right margin.
    assert max(b[3] for b in boxes) == pytest.approx(19 * CM, abs=1 * MM)


def test_memo_emblem_top_left(letters):
    path = letters["memo"]
    page = PdfReader(path).pages[0]
    (emblem,) = images(page)
    x, y, w, h = emblem
    assert h == pytest.approx(1.5 * CM, abs=0.5 * MM)
    assert x == pytest.approx(3 * CM, abs=1 * MM)
    title = next(b for b in words(path) if b[0] == "บันทึกข้อความ")
    assert (title[4] - title[2]) > 29 * 0.8  # 29 pt


def test_page_one_renders_to_a4_png(letters, tmp_path):
    dpi = 60
    subprocess.run(
        ["pdftoppm", "-png", "-r", str(dpi), "-f", "1", "-l", "1", "-singlefile",
         str(letters["letter"]), str(tmp_path / "page1")],
        check=True,
    )  # fmt: skip
    with Image.open(tmp_path / "page1.png") as im:
        assert im.size[0] == pytest.approx(21 / 2.54 * dpi, abs=1)
        assert im.size[1] == pytest.approx(29.7 / 2.54 * dpi, abs=1)
        grey = im.convert("L")
        # Ink where the emblem is (top centre) and where the text starts (3 cm in); a white
        # right margin.
        px = dpi / 2.54
        emblem_box = (int(9 * px), int(1.5 * px), int(12 * px), int(4.5 * px))
        assert grey.crop(emblem_box).getextrema()[0] < 200
        margin = (int(19.1 * px), 0, im.size[0], im.size[1])
        assert grey.crop(margin).getextrema()[0] > 250


def test_letters_pass_every_layout_rule(letters):
    """The proof rules (engine.proof) on both PDFs this module made."""
    from engine.proof import proof_pdf

    for name, path in letters.items():
        assert proof_pdf(path) == [], name
