"""The wheel installs anywhere: built from the repository, installed into a fresh virtual
environment outside it, it carries the templates, workflows, schema and assets, and the README's
walkthrough works there verbatim (``saraban init myoffice; cd myoffice; saraban new letter
--data letter.yaml --issue``).

The wheel is built from a copy of the sources in tmp_path (setuptools writes build/ and
*.egg-info beside the sources: the repository stays untouched). The fresh environment gets
saraban from the wheel only; its dependencies (PyICU alone compiles for a minute) are reused from
the environment running the tests through a .pth file, which adds their folder to sys.path after
the environment's own site-packages, so the wheel's engine comes first (asserted below).
"""

from __future__ import annotations

import importlib.util
import os
import re
import shutil
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import docx
import pytest
import setuptools
from conftest import ROOT

#: What the build reads: pyproject.toml's packages, package-dir and readme.
SOURCES = ("pyproject.toml", "README.md", "engine", *("templates", "workflows", "schema", "assets"))
#: The built-in folders the wheel must carry, with the files of each in the repository.
CARRIED = {
    "templates": "*.docx",
    "workflows": "*.yaml",
    "schema": "*.json",
    "assets": "*.png",
}
#: Characters the engine puts into Thai text for line breaking, invisible to a reader.
INVISIBLE = dict.fromkeys(map(ord, "\u200b\ufeff\u2060"), None) | {0xA0: " "}


def _build_offline() -> bool:
    """Whether this environment's setuptools can build a wheel itself (without downloading a
    newer one into an isolated build environment): setuptools >= 70.1 has bdist_wheel built in;
    an older one needs the ``wheel`` package."""
    major, minor = (int(x) for x in setuptools.__version__.split(".")[:2])
    return (major, minor) >= (70, 1) or importlib.util.find_spec("wheel") is not None


def _run(
    *cmd: str | Path, cwd: Path, timeout: float = 60, lang: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "SARABAN_WORKSPACE")}
    env["PYTHONIOENCODING"] = "utf-8"
    if lang:  # that locale alone decides the language of messages (engine/i18n.py)
        for var in ("SARABAN_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES"):
            env.pop(var, None)
        env["LANG"] = lang
    return subprocess.run(
        [str(c) for c in cmd], cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    src = tmp_path_factory.mktemp("wheel-src")
    ignore = shutil.ignore_patterns("__pycache__", "*.pyc", "letters")
    for name in SOURCES:
        path = ROOT / name
        if path.is_dir():
            shutil.copytree(path, src / name, ignore=ignore)
        else:
            shutil.copy2(path, src / name)
    shutil.copytree(ROOT / "examples", src / "examples", ignore=ignore)  # init's samples
    dist = tmp_path_factory.mktemp("dist")
    offline = ["--no-build-isolation"] if _build_offline() else []
    build = _run(
        sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", *offline, "-w", dist, ".",
        cwd=src, timeout=180,
    )  # fmt: skip
    if build.returncode and not offline and "No matching distribution found" in build.stderr:
        pytest.skip("building the wheel needs setuptools>=68 from PyPI, which is unreachable")
    assert build.returncode == 0, build.stdout + build.stderr
    (found,) = dist.glob("saraban-*.whl")
    return found


def make_venv(wheel: Path, env: Path) -> Path:
    """A fresh virtual environment at ``env`` with saraban installed from the wheel."""
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", env], check=True, timeout=60)
    python = env / "bin" / "python"
    install = _run(
        sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps",
        "--no-index", wheel, cwd=env,
    )  # fmt: skip
    assert install.returncode == 0, install.stdout + install.stderr
    site = _run(python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])", cwd=env)
    ours = {sysconfig.get_paths()[k] for k in ("purelib", "platlib")}
    (Path(site.stdout.strip()) / "saraban-test-dependencies.pth").write_text(
        "".join(f"{p}\n" for p in sorted(ours)), encoding="utf-8"
    )
    return env


@pytest.fixture(scope="module")
def venv(wheel: Path, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return make_venv(wheel, tmp_path_factory.mktemp("venv") / "env")


def test_wheel_carries_the_built_in_folders(wheel: Path) -> None:
    with zipfile.ZipFile(wheel) as zf:
        names = set(zf.namelist())
    for folder, pattern in CARRIED.items():
        files = sorted((ROOT / folder).glob(pattern))
        assert files, folder
        for path in files:
            assert f"engine/data/{folder}/{path.name}" in names, path
            with zipfile.ZipFile(wheel) as zf:
                assert zf.read(f"engine/data/{folder}/{path.name}") == path.read_bytes()
    # what `saraban init` writes, and not the repository's other examples
    assert {n for n in names if n.startswith("engine/data/examples/")} == {
        "engine/data/examples/init/letter.yaml",
        "engine/data/examples/init/office.yaml",
    }
    assert "engine/py.typed" in names
    # the compiled Thai catalog (engine/i18n.py reads it beside the package), not its source
    with zipfile.ZipFile(wheel) as zf:
        mo = zf.read("engine/locale/th/LC_MESSAGES/saraban.mo")
    assert mo == (ROOT / "engine" / "locale" / "th" / "LC_MESSAGES" / "saraban.mo").read_bytes()


def test_init_then_new_letter_from_the_installed_wheel(venv: Path, tmp_path: Path) -> None:
    saraban = venv / "bin" / "saraban"
    where = _run(
        venv / "bin" / "python",
        "-c",
        "import engine, engine.resources as r; print(engine.__file__); print(r.templates())",
        cwd=tmp_path,
    )
    engine_file, templates = where.stdout.split()
    assert Path(engine_file).is_relative_to(venv), where.stdout + where.stderr
    assert Path(templates) == Path(engine_file).parent / "data" / "templates"

    init = _run(saraban, "init", "myoffice", cwd=tmp_path)
    assert init.returncode == 0, init.stderr
    assert "created myoffice/office.yaml" in init.stdout
    assert "created myoffice/letter.yaml" in init.stdout
    ws = tmp_path / "myoffice"
    assert (ws / "letter.yaml").read_bytes() == (
        ROOT / "examples" / "init" / "letter.yaml"
    ).read_bytes()

    new = _run(saraban, "new", "letter", "--data", "letter.yaml", "--issue", cwd=ws)
    assert new.returncode == 0, new.stderr
    lines = new.stdout.splitlines()
    assert lines[:2] == ["case 1: letter — issued", "ที่ นม 80217/1"], new.stdout
    assert re.fullmatch(r"letters/25\d\d/normal-0001\.docx", lines[2]), new.stdout
    assert new.stderr == ""

    letter = docx.Document(str(ws / lines[2]))
    body = [p.text.translate(INVISIBLE) for p in letter.paragraphs]
    cells = [c.text.translate(INVISIBLE) for t in letter.tables for c in t._cells]
    assert "ที่ นม ๘๐๒๑๗/๑" in cells  # the number, in Thai digits (office.yaml)
    assert any(c.startswith("องค์การบริหารส่วนตำบลทุ่งสว่างใหม่\n") for c in cells)  # letterhead
    assert "เรียน\tนายอำเภอปักธงชัย" in body
    assert "ขอแสดงความนับถือ" in body
    assert "(นายประเสริฐ มั่นคงดี)" in body  # the signer `nayok` of the example office
    assert "จึงเรียนมาเพื่อโปรดทราบ" in body

    listed = _run(saraban, "register", "list", cwd=ws)
    assert listed.returncode == 0 and "๘๐๒๑๗/๑" in listed.stdout, listed.stdout

    thai = _run(saraban, "new", "letter", "--data", "missing.yaml", cwd=ws, lang="th_TH.UTF-8")
    assert thai.returncode == 1
    assert thai.stderr == "saraban: ข้อผิดพลาด: missing.yaml: ไม่พบไฟล์\n", thai.stderr


def test_a_broken_installation_says_so_in_one_line(wheel: Path, tmp_path: Path) -> None:
    """Installed data deleted (a broken installation): one line naming it, exit 1, no traceback."""
    env = make_venv(wheel, tmp_path / "env")
    (templates,) = env.glob("lib/python*/site-packages/engine/data/templates")
    shutil.rmtree(templates)
    result = _run(env / "bin" / "saraban", "init", "ws", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr == (
        f"saraban: error: saraban's built-in data is missing ({templates}): reinstall saraban\n"
    )
    assert not (tmp_path / "ws").exists()
