"""The shape of the code: the import contract (pyproject.toml, ``lint-imports``), and LibreOffice
started only when a PDF is asked for (the page counter is injected, :mod:`engine.sheets`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import docx
from conftest import letter_data
from docxtext import all_text  # type: ignore[import-not-found]

from engine import pdf, sheets

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).parent / "lint-imports"


def lint_imports(root: Path) -> subprocess.CompletedProcess[str]:
    """``lint-imports`` on the engine/ package and pyproject.toml in ``root``."""
    assert LINT_IMPORTS.is_file(), "import-linter is missing: pip install -e '.[dev]'"
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache"],
        cwd=root,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONPATH": str(root), "PYTHONIOENCODING": "utf-8"},
    )


def test_the_import_contract_is_kept() -> None:
    run = lint_imports(ROOT)
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Contracts: 2 kept, 0 broken." in run.stdout


def test_the_import_contract_refuses_a_cycle(tmp_path: Path) -> None:
    """The contract bites: letter importing pdf (as it once did, to count a DOCX's pages) breaks
    both the layers and the no-cycle contract."""
    shutil.copytree(ROOT / "engine", tmp_path / "engine", ignore=shutil.ignore_patterns("*.pyc"))
    shutil.copy(ROOT / "pyproject.toml", tmp_path)
    letter = tmp_path / "engine" / "letter.py"
    letter.write_text(
        letter.read_text() + "\n\ndef _pages(path):\n    from .pdf import sheet_count\n"
    )
    run = lint_imports(tmp_path)
    assert run.returncode == 1
    assert "engine.letter is not allowed to import engine.pdf" in run.stdout
    assert "Contracts: 0 kept, 2 broken." in run.stdout


# ------------------------------------------------------------------- the injected page counter


def word_docx(path: Path, *, pages: int, words: int) -> Path:
    """A short DOCX whose statistics say ``pages`` and ``words``, as Word records them on save."""
    document = docx.Document()
    document.add_paragraph("แบบคำขอรหัสผู้ใช้งาน")
    document.save(path)
    with zipfile.ZipFile(path) as zf:
        parts = {info: zf.read(info) for info in zf.infolist()}
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as zf:
        for info, data in parts.items():
            if info.filename == "docProps/app.xml":
                text = data.decode()
                start, end = text.index("<Pages>"), text.index("</Words>") + len("</Words>")
                data = (
                    text[:start] + f"<Pages>{pages}</Pages>\n  <Words>{words}</Words>" + text[end:]
                ).encode()
            zf.writestr(info, data)
    return path


def odt_meta(path: Path, stats: str) -> Path:
    with zipfile.ZipFile(path, "w") as zf:
        zf.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        zf.writestr(
            "meta.xml",
            '<office:document-meta xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
            ' xmlns:meta="urn:oasis:names:tc:opendocument:xmlns:meta:1.0"><office:meta>'
            f"<meta:document-statistic {stats}/></office:meta></office:document-meta>",
        )
    return path


def test_recorded_pages(tmp_path: Path) -> None:
    assert sheets.recorded_pages(word_docx(tmp_path / "a.docx", pages=3, words=120)) == 3
    # python-docx's statistics (1 page, 0 words): no word processor laid it out
    plain = tmp_path / "plain.docx"
    docx.Document().save(plain)
    assert sheets.recorded_pages(plain) is None
    assert sheets.recorded_pages(word_docx(tmp_path / "b.docx", pages=2, words=0)) is None
    odt = odt_meta(tmp_path / "c.odt", 'meta:page-count="4" meta:word-count="300"')
    assert sheets.recorded_pages(odt) == 4
    assert sheets.recorded_pages(odt_meta(tmp_path / "d.odt", 'meta:word-count="3"')) is None
    (tmp_path / "broken.docx").write_bytes(b"not a zip")
    assert sheets.recorded_pages(tmp_path / "broken.docx") is None
    assert sheets.counter(pdf=True) is sheets.converting
    assert sheets.counter(pdf=False) is sheets.stated


def test_stated_counts_pdf_pages_and_images_without_libreoffice(tmp_path: Path) -> None:
    from PIL import Image
    from pypdf import PdfWriter

    writer = PdfWriter()
    for _ in range(3):
        writer.add_blank_page(595, 842)
    writer.write(tmp_path / "three.pdf")
    Image.new("L", (50, 50)).save(tmp_path / "scan.png")
    assert sheets.stated(tmp_path / "three.pdf") == 3
    assert sheets.stated(tmp_path / "scan.png") == 1
    (tmp_path / "old.doc").write_bytes(b"\xd0\xcf\x11\xe0")
    assert sheets.stated(tmp_path / "old.doc") is None  # only LibreOffice could tell
    assert pdf.sheet_count(tmp_path / "three.pdf", convert=False) == 3


def issue(ws: Path, log: Path, *extra: str) -> subprocess.CompletedProcess[str]:
    """``saraban new letter --data data.yaml --issue`` as a process whose LibreOffice is a
    launcher that writes ``log`` before it starts the real one."""
    launcher = ws.parent / "soffice"
    launcher.write_text(f'#!/bin/sh\necho "$$" >> {log}\nexec {pdf.find_soffice()} "$@"\n')
    launcher.chmod(0o755)
    return subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws)]
        + ["new", "letter", "--data", str(ws / "data.yaml"), "--issue", *extra],
        capture_output=True,
        text=True,
        timeout=180,
        env={**os.environ, "SARABAN_SOFFICE": str(launcher), "PYTHONIOENCODING": "utf-8"},
    )


def test_issue_without_pdf_starts_no_libreoffice(dla: Path) -> None:
    """A DOCX enclosure with no count: without --pdf its pages come from the statistics Word
    saved in it, and no soffice is started; with --pdf LibreOffice counts the pages it converts
    (this short form is one page, whatever the file says)."""
    word_docx(dla / "form.docx", pages=2, words=40)
    letter_data(dla, enclosures=[{"title": "แบบคำขอ", "file": "form.docx"}])
    log = dla.parent / "soffice-started.log"
    run = issue(dla, log)
    assert run.returncode == 0, run.stderr
    assert not log.exists(), "LibreOffice was started for a command that makes no PDF"
    text = all_text(next(dla.glob("letters/*/normal-0001.docx")))
    assert "แบบคำขอ\nจำนวน ๒ แผ่น" in text

    run = issue(dla, log, "--pdf")
    assert run.returncode == 0, run.stderr
    assert log.exists()  # the PDF, and the count, came from LibreOffice
    text = all_text(next(dla.glob("letters/*/normal-0002.docx")))
    assert "แบบคำขอ\nจำนวน ๑ แผ่น" in text
