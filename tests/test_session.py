"""engine/session.py: the state of one command (quiet flag, lookups, the LibreOffice pool) lives
in a Session, not in module globals: a new session starts fresh, nothing is cleared by hand."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from conftest import make_workspace, run_cli

from engine import api, pdf, progress, session
from engine.errors import UserError
from engine.session import Session
from engine.workspace import Workspace


def fake_soffice(path: Path) -> str:
    path.write_text("#!/bin/sh\nexit 1\n")
    path.chmod(0o755)
    return str(path)


def test_quiet_is_the_current_sessions(monkeypatch) -> None:
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True, raising=False)
    monkeypatch.delenv("SARABAN_QUIET", raising=False)
    with Session():
        assert progress.enabled(100)
        assert not progress.enabled(progress.THRESHOLD - 1)
        with Session(quiet=True):
            assert not progress.enabled(100)
        assert progress.enabled(100)  # the inner session's flag ended with it


def test_a_commands_quiet_flag_ends_with_it(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    before = session.current()
    assert not before.quiet
    result = run_cli("--quiet", "cases", workspace=ws)
    assert result.code == 0, result.err
    assert session.current() is before and not before.quiet


def test_soffice_is_looked_up_once_per_session(tmp_path: Path, monkeypatch) -> None:
    first = fake_soffice(tmp_path / "first")
    second = fake_soffice(tmp_path / "second")
    monkeypatch.setenv("SARABAN_SOFFICE", first)
    with Session() as one:
        assert pdf.find_soffice() == first
        monkeypatch.setenv("SARABAN_SOFFICE", second)
        assert pdf.find_soffice() == first  # looked up once in this session
        with Session():
            assert pdf.find_soffice() == second  # a new session looks again
        assert pdf.find_soffice(one) == first
    monkeypatch.setenv("SARABAN_SOFFICE", str(tmp_path / "missing"))
    with Session(), pytest.raises(UserError, match="not at \\$SARABAN_SOFFICE"):
        pdf.find_soffice()


def test_the_pool_belongs_to_the_outermost_session_and_closes_with_it() -> None:
    with Session() as outer:
        pool = pdf.default_converter()
        with Session(parent=outer) as inner:
            assert pdf.default_converter() is pool
            assert pdf.default_converter(inner) is pool
        assert not pool.closed  # the inner session's end leaves its parent's pool alone
        root = pool.root
        assert root.is_dir()
    assert pool.closed
    assert not root.exists()
    with Session():
        assert pdf.default_converter() is not pool  # a fresh pool in a fresh session


def test_api_functions_take_a_session(tmp_path: Path, monkeypatch) -> None:
    ws = Workspace(make_workspace(tmp_path))
    monkeypatch.setenv("SARABAN_SOFFICE", fake_soffice(tmp_path / "soffice"))
    given = Session()
    assert pdf.find_soffice(given) == str(tmp_path / "soffice")
    monkeypatch.setenv("SARABAN_SOFFICE", str(tmp_path / "missing"))
    # the given session's lookup is used: LibreOffice was found there
    report = api.regenerate(ws, pdf=True, session=given)
    assert report is not None
    assert session.current() is not given
    with pytest.raises(UserError, match="nothing was regenerated"):
        api.regenerate(ws, pdf=True, session=Session())  # a fresh session looks again
    given.close()
