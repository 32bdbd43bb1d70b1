"""Start-up: what a one-letter command loads, and the caches that spare it work (issue 10.9).

The figures are in bench/bench_render.py (not a test: nothing here is timed)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import ROOT

from engine.errors import UserError
from engine.yamlio import load_yaml, parse_yaml_bytes

#: Libraries a plain letter (`new letter --data … --issue`, no --pdf) must not import.
NOT_ON_THE_LETTER_PATH = (
    "statemachine", "jsonschema", "docx", "docxtpl", "lxml", "openpyxl", "pypdf", "PIL",
    "fontTools", "icu", "pythainlp", "asyncio", "logging", "subprocess",
    # what only other commands need (imported on first use): read-only result types, recipient
    # lists, "did you mean" hints, due dates, CSV export; importlib.resources imports zipfile
    "engine.infos", "engine.recipients", "difflib", "calendar", "csv", "importlib.resources",
)  # fmt: skip

_PROBE = """
import io, json, sys, contextlib
from engine.cli import main
with contextlib.redirect_stdout(io.StringIO()):
    code = main(sys.argv[1:])
heavy = json.loads(sys.stdin.read())
print(json.dumps([code, sorted(m for m in heavy if m in sys.modules)]))
"""


def _letter_in_a_process(ws: Path, cache: Path) -> tuple[int, list[str]]:
    """``new letter --data … --issue`` in a fresh process: its exit status and which of
    :data:`NOT_ON_THE_LETTER_PATH` it imported."""
    proc = subprocess.run(
        [sys.executable, "-c", _PROBE, "--workspace", str(ws), "new", "letter",
         "--data", str(ws / "reference-003.yaml"), "--issue"],
        input=json.dumps(NOT_ON_THE_LETTER_PATH), capture_output=True, text=True, timeout=120,
        env={**os.environ, "SARABAN_CACHE": str(cache), "PYTHONPATH": str(ROOT)}, cwd=ws,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    code, imported = json.loads(proc.stdout.splitlines()[-1])
    return code, imported


def test_a_plain_letter_loads_no_heavy_library_once_the_cache_is_warm(
    dla: Path, tmp_path: Path
) -> None:
    cache = tmp_path / "cache"
    first = _letter_in_a_process(dla, cache)  # a cold cache: the workflow is judged, etc.
    assert first[0] == 0
    code, imported = _letter_in_a_process(dla, cache)
    assert code == 0
    assert imported == []
    # and it did its work: two cases, two numbers
    letters = sorted((dla / "letters").rglob("*.docx"))
    assert len(letters) == 2, letters


# --- parsed YAML kept in the cache ---------------------------------------------------------------
YAML = b"""\
name: test
when: 2025-03-25
1: one
flags: [true, no, null, 1.5]
set: !!set {a, b}
nested:
  - {x: 1}
  - &a [1, 2]
  - *a
"""


def test_a_cached_parse_is_the_parse(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SARABAN_CACHE", str(tmp_path / "cache"))
    plain = parse_yaml_bytes(YAML, "office.yaml")
    for _ in range(2):  # parsed and kept, then read back
        doc = parse_yaml_bytes(YAML, "office.yaml", cached=True)
        assert (doc.data, doc.lines, doc.file) == (plain.data, plain.lines, plain.file)
        assert doc.data[1] == "one" and doc.data["nested"][1] == [1, 2]
    assert any((tmp_path / "cache" / "yaml").iterdir())


def test_a_file_that_fails_to_parse_fails_every_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SARABAN_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "office.yaml"
    path.write_bytes(b"name: [unclosed\n")
    messages = []
    for _ in range(2):
        with pytest.raises(UserError) as caught:
            load_yaml(path, "office", cached=True)
        messages.append(str(caught.value))
    assert messages[0] == messages[1] and "malformed YAML" in messages[0]
    assert not (tmp_path / "cache" / "yaml").exists() or not any(
        (tmp_path / "cache" / "yaml").iterdir()
    )


def test_a_value_the_cache_cannot_keep_is_parsed_each_time(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SARABAN_CACHE", str(tmp_path / "cache"))
    text = b"sent: !!timestamp 2025-03-25\n"
    for _ in range(2):
        doc = parse_yaml_bytes(text, "x.yaml", cached=True)
        assert str(doc.data["sent"]).startswith("2025-03-25")
    assert not (tmp_path / "cache" / "yaml").exists() or not any(
        (tmp_path / "cache" / "yaml").iterdir()
    )


def test_a_changed_office_file_is_read_again(
    dla: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from engine.office import load_office

    monkeypatch.setenv("SARABAN_CACHE", str(tmp_path / "cache"))
    before = load_office(dla)
    path = dla / "office.yaml"
    path.write_text(
        path.read_text(encoding="utf-8").replace(before.name, "สำนักงานทดสอบ", 1), encoding="utf-8"
    )
    assert load_office(dla).name == "สำนักงานทดสอบ"
