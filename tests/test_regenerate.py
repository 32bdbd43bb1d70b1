"""References (register and named) and `saraban regenerate`: what changes, why, and only that."""

from __future__ import annotations

import json
import os
import shutil
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
import zipfile
from pathlib import Path

import pytest
from conftest import EXAMPLES, run_cli, run_process
from docxtext import all_text

REFS = "dla-guideline: หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท 0808.4/ว 0036 ลงวันที่ 25 มีนาคม 2568\n"


def letter(ws: Path, name: str, to: str, refs: str, *, date: str = "2025-03-05") -> Path:
    path = ws / f"{name}.yaml"
    refs_yaml = textwrap.indent(refs, "  ")
    path.write_text(
        f"to: {to}\nsubject: เรื่อง {name}\nurgency: ด่วนที่สุด\nreferences:\n{refs_yaml}\n"
        f"body: ข้อความของหนังสือ {name}\nsigner: district_chief\n",
        encoding="utf-8",
    )
    r = run_cli("new", "letter", "--data", str(path), "--date", date, "--issue", workspace=ws)
    assert r.code == 0, r.err
    return ws / r.out.splitlines()[2]


def state(paths: list[Path]) -> dict[Path, tuple[bytes, int]]:
    return {p: (p.read_bytes(), p.stat().st_mtime_ns) for p in paths}


@pytest.fixture
def ws(district: Path) -> Path:
    (district / "references.yaml").write_text(REFS, encoding="utf-8")
    return district


def test_named_reference_change_regenerates_only_its_letters(ws: Path) -> None:
    a = letter(ws, "a", "นายกเทศมนตรีตำบลตะคุ", "- ref: dla-guideline")
    b = letter(ws, "b", "นายกเทศมนตรีตำบลตูม", "- หนังสือจังหวัด ที่ นม 1/2566 ลงวันที่ 1 มกราคม 2566")
    assert "อ้างถึง หนังสือกรมส่งเสริมการปกครองท้องถิ่น ที่ มท ๐๘๐๘.๔/ว ๐๐๓๖ ลงวันที่ ๒๕ มีนาคม ๒๕๖๘" in all_text(
        a
    )
    before = state([a, b])
    r = run_cli("regenerate", workspace=ws)
    assert r.code == 0 and "0 regenerated" in r.out
    assert state([a, b]) == before

    (ws / "references.yaml").write_text(REFS.replace("25 มีนาคม", "26 มีนาคม"), encoding="utf-8")
    dry = run_cli("regenerate", "--dry-run", workspace=ws)
    assert dry.code == 0
    assert (
        "would regenerate case 1 ที่ นม 0023.26/1: references.yaml: dla-guideline changed" in dry.out
    )
    assert "case 2" not in dry.out
    assert state([a, b]) == before  # a dry run writes nothing

    r = run_cli("regenerate", workspace=ws)
    assert r.code == 0, r.err
    assert "ลงวันที่ ๒๖ มีนาคม ๒๕๖๘" in all_text(a)
    assert "ที่ นม ๐๐๒๓.๒๖/๑" in all_text(a) and "๕ มีนาคม ๒๕๖๘" in all_text(a)  # own number, date
    assert state([b]) == {b: before[b]}
    after = state([a, b])
    again = run_cli("regenerate", workspace=ws)  # idempotent: nothing rewritten, mtimes kept
    assert "0 regenerated" in again.out and state([a, b]) == after

    info = json.loads(run_cli("show", "1", "--json", workspace=ws).out)
    assert [e["event"] for e in info["history"]] == ["new", "issue", "regenerate"]
    forced = json.loads(run_cli("regenerate", "--all", "--json", workspace=ws).out)
    assert len(forced["regenerated"]) == 2 and forced["files_written"] == 0
    assert state([a, b]) == after


def test_register_citation_and_correction(ws: Path) -> None:
    a = letter(ws, "a", "นายกเทศมนตรีตำบลตะคุ", "- ref: dla-guideline", date="2025-03-01")
    b = letter(ws, "b", "นายกเทศมนตรีตำบลตูม", "- letter: นม 0023.26/1\n  year: 2568")
    c = letter(ws, "c", "นายกเทศมนตรีตำบลตูม", "- letter: นม 0023.26/2")
    assert "อ้างถึง หนังสืออำเภอปักธงชัย ด่วนที่สุด ที่ นม ๐๐๒๓.๒๖/๑ ลงวันที่ ๑ มีนาคม ๒๕๖๘" in all_text(b)
    r = run_cli("register", "correct", "นม 0023.26/1", "--date", "2025-03-02", workspace=ws)
    assert r.code == 0, r.err
    c_before = state([c])
    r = run_cli("regenerate", workspace=ws)
    assert r.code == 0, r.err
    assert "regenerated case 2 ที่ นม 0023.26/2: register entry ที่ นม 0023.26/1 corrected" in r.out
    assert "regenerated case 3 ที่ นม 0023.26/3: cites ที่ นม 0023.26/2, regenerated" in r.out
    assert "๒ มีนาคม ๒๕๖๘" in all_text(a) and "ลงวันที่ ๒ มีนาคม ๒๕๖๘" in all_text(b)
    assert state([c]) == c_before  # re-rendered (it cites b), but its bytes did not change


def test_bad_references(ws: Path) -> None:
    path = ws / "x.yaml"
    path.write_text(
        "to: นายกเทศมนตรีตำบลตูม\nsubject: ส\nbody: ข\nsigner: district_chief\n"
        "references:\n  - letter: นม 0023.26/99\n",
        encoding="utf-8",
    )
    r = run_cli("new", "letter", "--data", str(path), "--issue", workspace=ws)
    assert r.code == 1
    assert "x.yaml:6: references.0: no letter numbered 'นม 0023.26/99' in the register" in r.err
    assert not (ws / "letters" / "2568").exists()
    (ws / "references.yaml").write_text(
        "a: {text: 'ตาม{ref:b}'}\nb: {text: 'และ{ref:a}'}\n", encoding="utf-8"
    )
    path.write_text(path.read_text().replace("letter: นม 0023.26/99", "ref: a"), encoding="utf-8")
    r = run_cli("new", "letter", "--data", str(path), "--issue", workspace=ws)
    assert r.code == 1 and "cycle of references: a → b → a" in r.err


def test_cycle_through_the_register(ws: Path) -> None:
    letter(ws, "a", "นายกเทศมนตรีตำบลตะคุ", "- ref: dla-guideline")
    (ws / "references.yaml").write_text(
        "dla-guideline: {letter: นม 0023.26/1}\n", encoding="utf-8"
    )  # the letter now cites itself through the named reference
    r = run_cli("regenerate", workspace=ws)
    assert r.code == 1
    assert (
        "cycle of references: ที่ นม 0023.26/1 → references.yaml dla-guideline → ที่ นม 0023.26/1"
        in r.err
    )


def test_sent_letters_are_listed_not_rewritten(ws: Path) -> None:
    a = letter(ws, "a", "นายกเทศมนตรีตำบลตะคุ", "- ref: dla-guideline")
    b = letter(ws, "b", "นายกเทศมนตรีตำบลตูม", "- ref: dla-guideline")
    assert run_cli("advance", "1", "send", workspace=ws).code == 0
    before = state([a])
    (ws / "office.yaml").write_text(
        (ws / "office.yaml").read_text().replace("0 - 4444 - 1642", "0 - 4444 - 1643"),
        encoding="utf-8",
    )
    r = run_cli("regenerate", workspace=ws)
    assert r.code == 0
    assert (
        "needs a correction letter (already sent, not rewritten): case 1 ที่ นม 0023.26/1: "
        "office.yaml changed" in r.out
    )
    assert "regenerated case 2 ที่ นม 0023.26/2: office.yaml changed — 1 file(s) rewritten" in r.out
    assert state([a]) == before
    assert "๐ - ๔๔๔๔ - ๑๖๔๓" in all_text(b)


def test_template_change_regenerates_circular_copies(ws: Path) -> None:
    shutil.copy(EXAMPLES / "circular.yaml", ws / "circular.yaml")
    (ws / "examples").mkdir()
    shutil.copy(EXAMPLES / "recipients.csv", ws / "examples" / "recipients.csv")
    shutil.copy(EXAMPLES / "references.yaml", ws / "references.yaml")
    r = run_cli("new", "circular", "--data", str(ws / "circular.yaml"), "--issue", workspace=ws)
    assert r.code == 0, r.err
    (ws / "templates").mkdir()
    from engine.workspace import BUILTIN_TEMPLATES

    src = BUILTIN_TEMPLATES / "external-letter.docx"
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(ws / "templates" / src.name, "w") as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename == "word/document.xml":
                data = data.replace("เรื่อง".encode(), "เรื่อง ".encode(), 1)
            zout.writestr(info, data)
    r = run_cli("regenerate", "--json", workspace=ws)
    report = json.loads(r.out)
    assert report["regenerated"][0]["reasons"] == ["template external-letter changed"]
    assert report["files_written"] == 27  # master, 25 copies, the combined DOCX
    again = json.loads(run_cli("regenerate", "--json", workspace=ws).out)
    assert again["regenerated"] == [] and again["files_written"] == 0


def test_killed_regeneration_leaves_old_or_new_and_a_rerun_finishes(ws: Path) -> None:
    paths = [letter(ws, f"l{i}", "นายกเทศมนตรีตำบลตะคุ", "- ref: dla-guideline") for i in range(8)]
    old = {p: p.read_bytes() for p in paths}
    (ws / "references.yaml").write_text(REFS.replace("0036", "0037"), encoding="utf-8")
    # the expected new output: a copy of the workspace regenerated to the end
    ref_ws = ws.parent / "reference-run"
    shutil.copytree(ws, ref_ws)
    assert run_process("regenerate", workspace=ref_ws).code == 0
    new = {p: (ref_ws / p.relative_to(ws)).read_bytes() for p in paths}
    assert all(new[p] != old[p] for p in paths)

    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "engine.cli",
            "--workspace",
            str(ws),
            "regenerate",
            "--workers",
            "1",
        ],
        env={**os.environ, "SARABAN_REGENERATE_PAUSE": "3:60"},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while sum(p.read_bytes() == new[p] for p in paths) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    done = 0
    for p in paths:
        data = p.read_bytes()
        assert data in (old[p], new[p])
        with zipfile.ZipFile(p) as zf:
            assert zf.testzip() is None
        done += data == new[p]
    assert done == 3  # killed in the middle
    assert not list(ws.rglob("*.tmp"))  # no temporary files … or only ones a rerun ignores
    r = run_process("regenerate", workspace=ws)
    assert r.code == 0, r.err
    assert all(p.read_bytes() == new[p] for p in paths)
    assert "8 regenerated" in r.out and "5 file(s) rewritten, 3 unchanged" in r.out
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        assert conn.execute(
            "SELECT count(*) FROM case_events WHERE event = 'regenerate'"
        ).fetchone() == (8,)


@pytest.mark.parametrize("workers", [1, 2])
def test_ctrl_c_leaves_old_or_new_says_so_in_one_line_and_a_rerun_finishes(
    ws: Path, workers: int
) -> None:
    """SIGINT as a terminal's Ctrl-C sends it: to the whole process group. With 2 workers and
    64 letters the forked pool is used (it runs from 64 documents)."""
    count = 8 if workers == 1 else 64
    paths = [
        letter(ws, f"l{i}", "นายกเทศมนตรีตำบลตะคุ", "- ref: dla-guideline") for i in range(count)
    ]
    old = {p: p.read_bytes() for p in paths}
    (ws / "references.yaml").write_text(REFS.replace("0036", "0037"), encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "regenerate",
         "--workers", str(workers)],
        env={**os.environ, "SARABAN_REGENERATE_PAUSE": "3:60", "PYTHONIOENCODING": "utf-8"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own group, as a shell's foreground job
        # a shell's background job ignores SIGINT, and a child would inherit that
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )  # fmt: skip
    deadline = time.monotonic() + 30
    while sum(p.read_bytes() != old[p] for p in paths) < 3 and time.monotonic() < deadline:
        time.sleep(0.05)
    time.sleep(0.2)
    os.killpg(proc.pid, signal.SIGINT)
    out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err.splitlines() == [
        "saraban: interrupted; every file is the old or the new one — run "
        "`saraban regenerate` again to finish"
    ]
    changed = 0
    for p in paths:
        with zipfile.ZipFile(p) as zf:
            assert zf.testzip() is None  # every file whole: the old one or the new one
        changed += p.read_bytes() != old[p]
    assert 3 <= changed < count
    assert not list(ws.rglob("*.tmp"))  # the workers removed what they were writing
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        assert conn.execute(
            "SELECT count(*) FROM case_events WHERE event = 'regenerate'"
        ).fetchone() == (0,)
    r = run_process("regenerate", workspace=ws)
    assert r.code == 0, r.err
    assert f"{count} regenerated" in r.out
    assert all("ว ๐๐๓๗" in all_text(p) for p in paths)
