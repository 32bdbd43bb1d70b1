"""Issued documents kept in a SQLite register, and ``saraban sync`` (docs/database.md).

The same ``documents`` table as on a PostgreSQL server (tests/test_database.py has the two
machines): a SQLite office's register file holds every registered file's bytes, once per
distinct content, and ``saraban sync`` writes letters/ back from it.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from pathlib import Path

from conftest import run_cli
from test_recovery import district_ws


def ok(ws: Path, *args: str) -> str:
    args = tuple(str(ws / a) if a.endswith(".yaml") else a for a in args)
    r = run_cli("--quiet", *args, workspace=ws)
    assert r.code == 0, f"{args}: {r.err}"
    return r.out


def query(ws: Path, sql: str) -> list[tuple]:
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        return conn.execute(sql).fetchall()


def recorded(ws: Path) -> dict[str, str]:
    out: dict[str, str] = {}
    for (text,) in query(ws, "SELECT files_json FROM renders"):
        out.update(json.loads(text))
    return out


def test_a_sqlite_register_keeps_each_document_once_and_sync_writes_them_back(
    tmp_path: Path,
) -> None:
    ws = district_ws(tmp_path)
    ok(ws, "new", "letter", "--data", "letter.yaml", "--issue")
    ok(ws, "new", "letter", "--data", "circular.yaml", "--set", "circular=true", "--issue")
    files = recorded(ws)
    stored = dict(query(ws, "SELECT sha256, content FROM documents"))
    assert set(stored) == set(files.values()) and len(files) > 20  # copies, combined DOCX
    for path, digest in files.items():
        assert (ws / path).read_bytes() == stored[digest]
        assert hashlib.sha256(stored[digest]).hexdigest() == digest
    # the same content is stored once: rendering everything again stores nothing new
    assert "0 file(s) rewritten" in ok(ws, "regenerate", "--all")
    assert len(query(ws, "SELECT sha256 FROM documents")) == len(stored)

    letter = next(p for p in files if p.endswith("normal-0001.docx"))
    copy = next(p for p in files if "/circular-0001/" in p)
    (ws / letter).unlink()
    (ws / copy).write_bytes(b"changed")
    r = run_cli("check", workspace=ws)
    assert r.code == 1
    assert (
        f"error  {letter}: registered (ที่ นม 0023.26/1) but missing: `saraban sync` writes it "
        "again from the register database\n"
    ) in r.err
    assert f"error  {copy}: not the file the register recorded (" in r.err
    assert "`saraban sync` puts the recorded one back" in r.err
    out = ok(ws, "sync")
    assert f"wrote {letter} (missing here)\n" in out
    assert f"restored {copy} (it was not the file recorded; the file that was here is now " in out
    assert out.endswith(f"2 file(s) written, {len(files) - 2} already as recorded\n")
    (kept,) = (ws / "letters" / ".quarantine").rglob("*.docx")
    assert kept.read_bytes() == b"changed"
    for path, digest in files.items():
        assert (ws / path).read_bytes() == stored[digest], path
    assert run_cli("check", workspace=ws).code == 0


def test_sync_stores_the_files_of_a_register_from_before_documents(tmp_path: Path) -> None:
    """A register upgraded to schema 7 has no document of its earlier letters: check says so,
    sync stores them from letters/; a file that is neither stored nor here is an error."""
    ws = district_ws(tmp_path)
    for _ in range(3):
        ok(ws, "new", "letter", "--data", "letter.yaml", "--issue")
    files = recorded(ws)
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        conn.execute("DELETE FROM documents")
    r = run_cli("check", workspace=ws)
    assert r.code == 0, r.err
    assert "ok  3 registered file(s) of this machine are not in the register database yet" in r.out
    lost = next(p for p in files if p.endswith("normal-0003.docx"))
    (ws / lost).unlink()
    r = run_cli("sync", workspace=ws)
    assert r.code == 1
    assert r.err == (
        f"error  {lost}: registered, but its content is neither in the register database nor on "
        "this machine: run `saraban sync` on the machine that issued it\n"
    )
    assert "stored 2 file(s) of this machine in the register database" in r.out
    assert sorted(query(ws, "SELECT sha256 FROM documents")) == sorted(
        (files[p],) for p in files if p != lost
    )


def test_sync_writes_only_under_letters(tmp_path: Path) -> None:
    """A render record naming a path outside letters/ (or a hidden one) is refused, not written."""
    ws = district_ws(tmp_path)
    ok(ws, "new", "letter", "--data", "letter.yaml", "--issue")
    ((digest,),) = query(ws, "SELECT sha256 FROM documents")
    bad = {"../outside.docx": digest, "letters/.runs/x.docx": digest, "office.yaml": digest}
    before = (ws / "office.yaml").read_bytes()
    with sqlite3.connect(ws / "letters" / "register.db") as conn:
        conn.execute(
            "INSERT INTO renders VALUES (99, 'x', NULL, '2025-01-01', ?, '')", (json.dumps(bad),)
        )
    r = run_cli("sync", workspace=ws)
    assert r.code == 1
    for path in bad:
        assert f"error  {path} is not a file under letters/: not written\n" in r.err
    assert not (ws.parent / "outside.docx").exists()
    assert not (ws / "letters" / ".runs" / "x.docx").exists()
    assert (ws / "office.yaml").read_bytes() == before
