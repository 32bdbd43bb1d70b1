"""LibreOffice after a crash: a ``--pdf`` run killed with ``kill -9``, a LibreOffice that is
killed, broken or off the PATH. Real processes and real LibreOffice throughout.

A run's LibreOffice is found by its profile folder ``$TMPDIR/saraban-lo-*``, whose
``owner.lock`` names the run's process id; "converting" means that a soffice.bin of that folder
has the document (its lean copy) or the PDF it writes open.
"""

from __future__ import annotations

import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from conftest import letter_data, needs_pdf, run_process
from pypdf import PdfReader

from engine import pdf, pdfclean

pytestmark = needs_pdf


def start(ws: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
    """``saraban`` as a real process leading a process group of its own (killed as one)."""
    return subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
    )


def new_pdf(ws: Path) -> subprocess.Popen:
    data = letter_data(ws, paragraphs=6)  # two or three pages: long enough to catch converting
    return start(
        ws, "new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", "--pdf"
    )


def wait_until(condition: Callable[[], object], timeout: float, what: str) -> object:
    deadline = time.monotonic() + timeout
    while True:
        found = condition()
        if found:
            return found
        assert time.monotonic() < deadline, f"not within {timeout:g} s: {what}"
        time.sleep(0.005)


def run_folder(proc: subprocess.Popen) -> Path:
    """The LibreOffice folder of a running ``saraban`` (its owner.lock names the process)."""

    def find() -> Path | None:
        for lock in Path(tempfile.gettempdir()).glob("saraban-lo-*/owner.lock"):
            try:
                if lock.read_text().split()[0] == str(proc.pid):
                    return lock.parent
            except (OSError, IndexError):
                continue
        assert proc.poll() is None, f"the run ended first: {proc.communicate()}"
        return None

    return wait_until(find, 60, "the run starts LibreOffice")  # type: ignore[return-value]


def cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def living(pid: int) -> bool:
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat.rsplit(")", 1)[1].split()[0] != "Z"  # PID 1 here may not reap orphans


def processes_naming(folder: Path) -> dict[int, str]:
    """Living processes whose command line names the folder: program name by process id."""
    needles = (f"{folder}/".encode(), f"{folder.as_uri()}/".encode())
    found = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        cmd = cmdline(int(entry.name))
        if any(n in cmd for n in needles) and living(int(entry.name)):
            found[int(entry.name)] = Path(os.fsdecode(cmd.split(b"\0")[0])).name
    return found


def soffice_bins(folder: Path) -> list[int]:
    return [pid for pid, name in processes_naming(folder).items() if name == "soffice.bin"]


def converting(folder: Path) -> list[int]:
    """soffice.bin processes of the folder that have a document or its PDF open."""
    busy = []
    for pid in soffice_bins(folder):
        try:
            targets = [os.readlink(fd) for fd in Path(f"/proc/{pid}/fd").iterdir()]
        except OSError:
            continue
        if any(f"{folder}/w" in t and ("/lean/" in t or "/out/" in t) for t in targets):
            busy.append(pid)
    return busy


def watchdogs(folder: Path) -> list[int]:
    return [
        pid
        for pid in map(int, filter(str.isdigit, os.listdir("/proc")))
        if b"engine.pdfclean" in cmdline(pid) and os.fsencode(folder) in cmdline(pid)
    ]


def start_ticks(pid: int) -> int:
    return int(Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[19])


def parts(ws: Path) -> list[Path]:
    """Temporary files under letters/: PDFs being written, LibreOffice's own temporaries."""
    return [
        p
        for p in (ws / "letters").rglob("*")
        if p.is_file() and (".part" in p.name or p.suffix == ".tmp")
    ]


def register_rows(ws: Path) -> list[tuple]:
    with sqlite3.connect(ws / "letters" / "register.db") as con:
        return con.execute("SELECT series, number, status FROM entries ORDER BY id").fetchall()


def issued_files(ws: Path) -> list[str]:
    return sorted(p.name for p in (ws / "letters" / "2568").iterdir())


# ---------------------------------------------------------------------------- kill -9 of a run


def test_kill_9_while_converting_leaves_no_libreoffice_and_no_files(
    dla: Path,
) -> None:
    proc = new_pdf(dla)
    folder = run_folder(proc)
    wait_until(lambda: converting(folder), 60, "LibreOffice converts the letter")
    os.killpg(proc.pid, signal.SIGKILL)
    proc.communicate()
    # LibreOffice dies with the run: its watchdog kills it and removes its folder at once.
    wait_until(
        lambda: not processes_naming(folder) and not folder.exists(),
        20,
        "the dead run's LibreOffice and folder are gone",
    )
    result = run_process("cases", workspace=dla)
    assert result.code == 0 and "letter" in result.out, result.err
    # The register committed before the conversion: the letter stands, without its PDF (made
    # by `regenerate --pdf`: see the next tests).
    assert register_rows(dla) == [("normal", 1, "issued")]
    assert issued_files(dla) == ["normal-0001.docx"]
    assert not parts(dla)
    assert not processes_naming(folder) and not folder.exists()


def test_the_next_command_reaps_a_dead_run_and_spares_a_live_one(dla: Path, tmp_path: Path) -> None:
    """The run and its watchdog are both killed (as a power cut of the session would): the
    next command, whatever it is, kills that LibreOffice and removes its folder and its
    temporary files, and leaves a live run's LibreOffice and files alone."""
    from docx import Document

    source = tmp_path / "live.docx"
    document = Document()
    document.add_paragraph("live")
    document.save(source)
    with pdf.Converter(size=1) as live:  # a concurrent live run, in this process
        live.convert(source, tmp_path / "live-1.pdf")
        live_pids = live.pids
        proc = new_pdf(dla)
        folder = run_folder(proc)
        wait_until(lambda: converting(folder), 60, "LibreOffice converts the letter")
        dead = f"r{proc.pid}-{start_ticks(proc.pid)}-{pdfclean.token().rsplit('-', 1)[1]}"
        guards = watchdogs(folder)
        assert guards, "a --pdf run has a watchdog"
        os.killpg(proc.pid, signal.SIGKILL)
        for pid in guards:
            os.kill(pid, signal.SIGKILL)
        proc.communicate()
        # what the dead run left: its folder, and a PDF it was writing
        assert folder.exists()
        year = dla / "letters" / "2568"
        dead_part = year / f".normal-0001.{dead}.0badc0de.part.pdf"
        dead_part.write_bytes(b"%PDF-1.7 half")
        live_part = year / f".normal-0002.{pdfclean.token()}.c0ffee00.part.pdf"
        live_part.write_bytes(b"%PDF-1.7 being written")

        result = run_process("cases", workspace=dla)
        assert result.code == 0, result.err

        assert not folder.exists()
        assert not processes_naming(folder)
        assert not dead_part.exists()
        assert live_part.exists()
        assert all(living(pid) for pid in live_pids) and live.root.is_dir()
        live.convert(source, tmp_path / "live-2.pdf")
        assert live.pids == live_pids
        live_part.unlink()
    assert PdfReader(tmp_path / "live-2.pdf").pages
    assert register_rows(dla) == [("normal", 1, "issued")]
    assert not parts(dla)


# ---------------------------------------------------------------------------- a broken LibreOffice


def test_libreoffice_killed_while_converting_is_one_clear_error_and_no_pdf(dla: Path) -> None:
    proc = new_pdf(dla)
    folder = run_folder(proc)
    kills = []
    while proc.poll() is None:  # kill it converting, then each restart as it comes up
        for pid in soffice_bins(folder) if kills else converting(folder):
            try:
                os.kill(pid, signal.SIGKILL)
                kills.append(pid)
            except ProcessLookupError:
                pass  # it ended meanwhile
        time.sleep(0.005)
    _, err = proc.communicate()
    assert kills, "LibreOffice was never caught converting"
    assert proc.returncode == 1, err
    errors = [line for line in err.splitlines() if line.startswith("saraban: error:")]
    assert len(errors) == 1, err
    assert errors[0].startswith(
        "saraban: error: the letter is issued and registered as ที่ มท 0808.4/0001 "
        "(letters/2568/normal-0001.docx); its PDF was not made: "
    )
    assert "LibreOffice" in errors[0] and "stopped" in errors[0]
    assert issued_files(dla) == ["normal-0001.docx"]  # no PDF, no temporary file
    assert not processes_naming(folder) and not folder.exists()

    result = run_process("regenerate", "--pdf", workspace=dla, timeout=120)
    assert result.code == 0, result.err
    assert issued_files(dla) == ["normal-0001.docx", "normal-0001.pdf"]
    assert len(PdfReader(dla / "letters/2568/normal-0001.pdf").pages) >= 2
    assert register_rows(dla) == [("normal", 1, "issued")]


def test_a_libreoffice_that_cannot_start_fails_at_once(dla: Path, tmp_path: Path) -> None:
    broken = tmp_path / "soffice"
    broken.write_text(
        "#!/bin/sh\necho 'soffice.bin: error while loading shared libraries: libuno_sal.so.3' >&2"
        "\nexit 127\n"
    )
    broken.chmod(0o755)
    data = letter_data(dla, paragraphs=1)
    proc = start(
        dla, "new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", "--pdf",
        env={"SARABAN_SOFFICE": str(broken)},
    )  # fmt: skip
    _, err = proc.communicate(timeout=30)  # it used to wait 2 × 65 s
    assert proc.returncode == 1
    assert err.count("\n") == 1, err
    assert (
        f"LibreOffice did not start: {broken} stopped (status 127): soffice.bin: error while "
        "loading shared libraries: libuno_sal.so.3; check that `soffice --headless --version` runs"
    ) in err
    assert issued_files(dla) == ["normal-0001.docx"]


@pytest.mark.skipif(
    not any(os.access(p, os.X_OK) for p in pdf.SOFFICE_PATHS)
    or shutil.which("pdftotext", path=os.defpath) is None,
    reason="LibreOffice and pdftotext are not in the system's usual places",
)
def test_a_path_without_libreoffice_still_makes_the_pdf(dla: Path, tmp_path: Path) -> None:
    """soffice found in its usual place; its launcher script gets the system PATH it needs."""
    empty = tmp_path / "bin"
    empty.mkdir()
    data = letter_data(dla, paragraphs=1)
    proc = start(
        dla, "new", "letter", "--data", str(data), "--date", "2025-03-25", "--issue", "--pdf",
        env={"PATH": str(empty)},
    )  # fmt: skip
    out, err = proc.communicate(timeout=120)
    assert proc.returncode == 0, err
    assert issued_files(dla) == ["normal-0001.docx", "normal-0001.pdf"]


# ---------------------------------------------------------------------------- the names


def test_part_files_are_judged_by_their_makers_life(tmp_path: Path) -> None:
    gone = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"],
                          capture_output=True, text=True, check=True).stdout.strip()  # fmt: skip
    mine = pdfclean.token()
    pid, _, host = mine[1:].split("-")
    other = "0" * 6 if host != "0" * 6 else "1" * 6
    names = {
        f".a.{mine}.12345678.part": False,  # this process: alive
        f".a.r{gone}-1-{host}.12345678.part.pdf": True,  # a process that ended
        f".a.r{pid}-1-{host}.12345678.part": True,  # this id, another start: a reused id
        f"..a.{mine}.1.part.r{gone}-1-{host}.2.part": False,  # one maker alive
        f".a.r{gone}-1-{other}.12345678.part": False,  # another machine's, recent
        ".a.0123abcd.part.pdf": False,  # an earlier version's, recent
        f"a.r1-1-{host}.12345678.part": False,  # not hidden: not ours
        f".a.r{gone}-1-{host}.notes.txt": False,
    }
    for name in names:
        (tmp_path / name).write_bytes(b"")
    day_old = time.time() - pdfclean.FOREIGN_PART_AGE - 60
    for name, dead in {
        f".b.r{gone}-1-{other}.12345678.part": True,
        ".b.0123abcd.part.pdf": True,
    }.items():
        (tmp_path / name).write_bytes(b"")
        os.utime(tmp_path / name, (day_old, day_old))
        names[name] = dead
    removed = pdfclean.reap_parts([tmp_path])
    assert sorted(p.name for p in removed) == sorted(n for n, dead in names.items() if dead)
