"""Shared fixtures: workspaces made from the examples, and running the CLI for real."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
SHARED = ROOT.parent / "shared"
sys.path.insert(0, str(Path(__file__).parent))
# The tests read the English messages: English whatever the machine's locale (engine/i18n.py;
# tests/test_messages.py runs commands under a Thai locale on purpose).
os.environ["SARABAN_LANG"] = "en"


@pytest.fixture(scope="session", autouse=True)
def _session():
    """One engine session for the whole run (engine/session.py): the in-process commands share
    one LibreOffice pool, as before; each command still has its own quiet flag and lookups."""
    from engine.session import Session

    with Session() as session:
        yield session


#: What the PDF tests need: LibreOffice (Writer) and poppler's pdftotext and pdftoppm.
PDF_TOOLS = ("soffice", "pdftotext", "pdftoppm")


@pytest.fixture(scope="session")
def pdf_tools() -> Path:
    """LibreOffice and poppler, which the set-up of `make test` installs, and saraban's fonts
    (installed here once, quick when done). A test that makes PDFs fails without them: it never
    skips, so a machine that lacks them cannot pass the suite."""
    from engine import fonts

    missing = [tool for tool in PDF_TOOLS if shutil.which(tool) is None]
    if missing:
        pytest.fail(
            f"{', '.join(missing)} not found: run `make test`, whose set-up installs "
            "libreoffice-writer-nogui and poppler-utils",
            pytrace=False,
        )
    return fonts.install_fonts()


#: Mark a test (or a module, as ``pytestmark``) that makes or reads PDFs.
needs_pdf = pytest.mark.usefixtures("pdf_tools")


def ok(*args: str, ws: Path) -> str:
    """``saraban ARGS`` in process on workspace ``ws``; asserts exit 0 and returns stdout."""
    r = run_cli(*args, workspace=ws)
    assert r.code == 0, r.err
    return r.out


@dataclass
class Result:
    code: int
    out: str
    err: str


def run_cli(*args: str, workspace: Path | None = None) -> Result:
    """Run ``saraban`` in-process (fast), capturing output and the exit status."""
    from engine.cli import main

    argv = [*(["--workspace", str(workspace)] if workspace else []), *args]
    out, err = io.StringIO(), io.StringIO()
    with redirect_stdout(out), redirect_stderr(err):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse usage errors
            code = int(exc.code or 0)
    return Result(code, out.getvalue(), err.getvalue())


def run_process(*args: str, workspace: Path, timeout: float = 60) -> Result:
    """Run ``saraban`` as a real process."""
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env={**os.environ, "PYTHONIOENCODING": "utf-8"},
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def make_workspace(tmp: Path, office: str = "dla") -> Path:
    ws = tmp / f"ws-{office}"
    ws.mkdir()
    shutil.copy(EXAMPLES / office / "office.yaml", ws / "office.yaml")
    for data in (EXAMPLES / office).glob("*.yaml"):
        if data.name != "office.yaml":
            shutil.copy(data, ws / data.name)
    return ws


@pytest.fixture
def dla(tmp_path: Path) -> Path:
    """A workspace of the Department of Local Administration (reference letter 003)."""
    return make_workspace(tmp_path, "dla")


@pytest.fixture
def district(tmp_path: Path) -> Path:
    """A workspace of the Pak Thong Chai district office (reference letter 000)."""
    return make_workspace(tmp_path, "pakthongchai")


def case_count(ws: Path) -> int:
    """How many cases the workspace's register holds (0 when it has no register yet)."""
    import sqlite3

    db = ws / "letters" / "register.db"
    if not db.exists():
        return 0
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT count(*) FROM cases").fetchone()[0]


def write_encrypted_pdf(path: Path) -> None:
    """A one-page PDF encrypted with a password (an enclosure saraban must refuse)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(595, 842)
    writer.encrypt("secret")
    with open(path, "wb") as fh:
        writer.write(fh)


def files_under(path: Path) -> set[str]:
    """Every file under ``path``, but the lock files of live processes (letters/.runs/: this
    test process's own, while it runs; engine/recovery.py)."""
    return {
        str(p.relative_to(path))
        for p in path.rglob("*")
        if p.is_file() and ".runs" not in p.relative_to(path).parts
    }


@pytest.fixture
def tambon(tmp_path: Path) -> Path:
    """A workspace of a (fictional) อบต. with the enclosure files of the mission workflows."""
    ws = make_workspace(tmp_path, "tambon")
    shutil.copytree(EXAMPLES / "tambon" / "files", ws / "files")
    return ws


@pytest.fixture(autouse=True)
def _proof_every_letter_pdf(request: pytest.FixtureRequest):
    """`saraban proof` on every PDF a test made in a workspace's letters/ folder: a layout fault
    in a letter fails the test that made it, whatever that test was about."""
    yield
    tmp = request.node.funcargs.get("tmp_path")
    if tmp is None or not any(tmp.glob("**/letters")):
        return
    from engine.proof import proof_pdf

    faults = []
    for pdf in sorted(tmp.glob("**/letters/**/*.pdf")):
        if pdf.name.startswith("."):
            continue
        faults += [f"{pdf.relative_to(tmp)}: {f}" for f in proof_pdf(pdf)]
    assert not faults, "layout rules broken:\n" + "\n".join(faults)


def letter_data(ws: Path, *, enclosures: list | None = None, paragraphs: int = 2) -> Path:
    """A letter's data file in ``ws``: ``paragraphs`` numbered paragraphs of a long sentence
    (six make two or three pages), with ``enclosures``."""
    sentence = (
        "กรมส่งเสริมการปกครองท้องถิ่นขอความร่วมมือองค์กรปกครองส่วนท้องถิ่นตรวจสอบรหัสผู้ใช้งาน"
        "และรหัสผ่านในระบบบัญชีคอมพิวเตอร์ขององค์กรปกครองส่วนท้องถิ่น (New e-LAAS) ให้เป็นปัจจุบัน "
    )
    data = {
        "to": "ผู้ว่าราชการจังหวัดนครราชสีมา",
        "subject": "ขอส่งเอกสารการขอรหัสผู้ใช้งาน",
        "body": "\n\n".join(f"{i}. {sentence * 3}" for i in range(1, paragraphs + 1)),
        "closing": "จึงเรียนมาเพื่อโปรดพิจารณา",
        "signer": "chief",
        "enclosures": enclosures or [],
    }
    path = ws / "data.yaml"
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return path
