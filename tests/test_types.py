"""Types: mypy checks engine/ clean (the package ships py.typed), and the API's results are
typed dataclasses, so that a caller indexing one as a dict is an error mypy reports."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def mypy(cwd: Path, cache: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``mypy`` of this environment, configured by the repository's pyproject.toml."""
    try:
        import mypy  # noqa: F401
    except ImportError:
        pytest.fail("mypy is missing: pip install -e '.[dev]'")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--config-file", str(ROOT / "pyproject.toml")]
        + ["--cache-dir", str(cache), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=600,
        env={**os.environ, "MYPYPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"},
    )


@pytest.fixture(scope="module")
def cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy-cache")


def test_mypy_passes_on_engine(cache: Path) -> None:
    run = mypy(ROOT, cache)  # the files of [tool.mypy]: engine/
    assert run.returncode == 0, run.stdout + run.stderr
    assert "Success: no issues found" in run.stdout


def test_results_are_typed(tmp_path: Path, cache: Path) -> None:
    """mypy bites: the CLI's old way of reading a result (a string key) is an error now, and
    reading its attributes is not."""
    (tmp_path / "caller.py").write_text(
        "from engine import api\n"
        "from engine.workspace import Workspace\n\n\n"
        "def old(ws: Workspace) -> None:\n"
        "    for row in api.cases(ws):\n"
        "        print(row['subject'])\n"
        "    print(api.workflow_info(ws, 'letter')['states'])\n"
        "    print(api.new(ws, 'letter').documents[0]['path'])\n\n\n"
        "def new(ws: Workspace) -> None:\n"
        "    for row in api.cases(ws):\n"
        "        print(row.subject, row.as_json())\n"
        "    print([s.freezes for s in api.workflow_info(ws, 'letter').states])\n"
        "    print(api.new(ws, 'letter').documents[0].path)\n"
        "    info = api.show(ws, '1')\n"
        "    print(info.history if isinstance(info, api.CaseInfo) else info.number_text)\n",
        encoding="utf-8",
    )
    run = mypy(tmp_path, cache, "caller.py")
    errors = [line for line in run.stdout.splitlines() if ": error:" in line]
    assert [line.split(":")[1] for line in errors] == ["7", "8", "9"], run.stdout
    assert '"CaseSummary" is not indexable' in errors[0]
    assert '"WorkflowInfo" is not indexable' in errors[1]
    assert '"MadeDocument" is not indexable' in errors[2]
