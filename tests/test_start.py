"""A clerk's first steps: `saraban` on PATH after `make install`, a workspace from `init` for a
local government office that issues as it is, and the templates exported to edit in Word."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import docx
import pytest
from conftest import run_cli
from docxtext import all_text

from engine.office import KEYS as OFFICE_KEYS

ROOT = Path(__file__).resolve().parent.parent
VENV_SARABAN = ROOT / ".venv" / "bin" / "saraban"


@pytest.mark.skipif(
    not VENV_SARABAN.exists(), reason="no .venv in this checkout: `make test` makes it"
)
def test_make_install_puts_saraban_on_path(tmp_path: Path) -> None:
    bindir = tmp_path / "bin"
    env = {k: v for k, v in os.environ.items() if k not in ("SARABAN_WORKSPACE", "PYTHONPATH")}
    env["PATH"] = "/usr/bin:/bin"
    # -o setup: the set-up is done already (make test did it); only the link is made here
    made = subprocess.run(
        ["make", "-s", "-o", "setup", "install", f"BINDIR={bindir}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    assert (bindir / "saraban").resolve() == VENV_SARABAN.resolve()
    assert f"{bindir} is not on PATH" in made.stdout  # and it says how to add it

    env["PATH"] = f"{bindir}:/usr/bin:/bin"  # a new terminal after following that advice
    for argv, cwd in (
        (["saraban", "init", "ws"], tmp_path),
        (["saraban", "check"], tmp_path / "ws"),
    ):
        run = subprocess.run(argv, cwd=cwd, env=env, capture_output=True, text=True, timeout=60)
        assert run.returncode == 0, run.stderr
    again = subprocess.run(  # idempotent
        ["make", "-s", "-o", "setup", "install", f"BINDIR={bindir}"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert again.returncode == 0 and "not on PATH" not in again.stdout


def test_init_writes_a_commented_office_for_a_local_government(tmp_path: Path) -> None:
    ws = tmp_path / "office"
    assert run_cli("init", str(ws)).code == 0
    text = (ws / "office.yaml").read_text(encoding="utf-8")
    assert text.startswith("# office.yaml")
    assert "name: องค์การบริหารส่วนตำบล" in text
    for key in OFFICE_KEYS:  # each key is set, or shown commented out with what it does
        match = re.search(rf"^(# )?{key}:", text, re.M)
        assert match, f"office.yaml from init lacks {key}"
        before = text[: match.start()].rstrip().splitlines()[-1]
        # a comment above it, or above the group of keys it is in (phone, fax, email)
        assert before.startswith("#") or re.match(r"\w+: ", before), f"{key}: no comment above"
    assert "emblem" in text and "word/media" in text  # where the Garuda comes from
    assert run_cli("check", workspace=ws).code == 0


def test_exported_templates_are_the_ones_used_and_yours_are_kept(tmp_path: Path) -> None:
    ws = tmp_path / "office"
    assert run_cli("init", str(ws)).code == 0
    builtin = run_cli("new", "letter", "--data", str(ws / "letter.yaml"), workspace=ws)
    assert builtin.code == 0, builtin.err
    first = all_text(ws / builtin.out.splitlines()[-1])

    result = run_cli("templates", "export", workspace=ws)
    assert result.code == 0, result.err
    names = sorted(p.name for p in (ws / "templates").glob("*.docx"))
    assert names == ["external-letter.docx", "form.docx", "memo.docx", "order.docx"]
    assert result.out.splitlines() == [f"wrote templates/{n}" for n in names]
    listed = run_cli("templates", "list", workspace=ws).out
    assert re.search(r"^external-letter\s+workspace$", listed, re.M)

    # an office's edit in Word shows in its next letter; a second export keeps it
    path = ws / "templates" / "external-letter.docx"
    doc = docx.Document(str(path))
    doc.add_paragraph("ตรวจแล้ว")
    doc.save(str(path))
    edited = path.read_bytes()
    again = run_cli("templates", "export", "external-letter", workspace=ws)
    assert again.out.strip() == "kept templates/external-letter.docx (yours; --force replaces it)"
    assert path.read_bytes() == edited
    draft = run_cli("new", "letter", "--data", str(ws / "letter.yaml"), workspace=ws)
    text = all_text(ws / draft.out.splitlines()[-1])
    assert text.endswith("ตรวจแล้ว") and text.removesuffix("ตรวจแล้ว").strip() == first.strip()

    forced = run_cli("templates", "export", "--force", "external-letter", workspace=ws)
    assert forced.out.strip() == "wrote templates/external-letter.docx"
    assert path.read_bytes() != edited

    bad = run_cli("templates", "export", "letter", workspace=ws)
    assert bad.code == 1
    assert "no built-in template named letter; the built-in templates are:" in bad.err
    assert not list((ws / "templates").glob(".*"))  # no temporary file left
