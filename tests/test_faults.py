"""Fault injection: a full disk, read-only folders, a damaged register, bad paths, a planted
cache payload, templates the sandbox refuses. Each ends in one clear line on stderr, exit 1, and
nothing lost: the register unchanged, no partial or temporary file (docs/failures.md).

The disks are real where the machine allows it: a small tmpfs (``mount -t tmpfs``) for a full
disk, a read-only bind mount for a read-only folder, and a process without the capabilities
that let root ignore permission bits (``setpriv``) for a folder without write permission. Where
``mount`` is refused, a full disk is simulated (ENOSPC raised where the letter is written).
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import marshal
import os
import shutil
import sqlite3
import subprocess
import sys
import zipfile
from collections.abc import Iterator, Sequence
from pathlib import Path

import pytest
from conftest import Result, make_workspace, run_cli

DATA = "reference-003.yaml"
DAY = "2025-03-25"  # BE 2568


def _run(
    *args: str,
    workspace: Path,
    prefix: Sequence[str] = (),
    env: dict[str, str] | None = None,
    umask: int = -1,
) -> Result:
    """``saraban`` as a real process (optionally behind ``prefix``, e.g. setpriv)."""
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "engine.cli", "-q", "--workspace", str(workspace), *args],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "PYTHONIOENCODING": "utf-8", **(env or {})},
        umask=umask,
    )
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _issue(ws: Path, date: str = DAY, **kw: object) -> Result:
    return _run("new", "letter", "--data", str(ws / DATA), "--date", date, "--issue",
                workspace=ws, **kw)  # type: ignore[arg-type]  # fmt: skip


def _one_line(result: Result, *words: str) -> str:
    """The command failed with exit 1 and exactly one line on stderr holding ``words``."""
    assert result.code == 1, (result.code, result.out, result.err)
    assert "Traceback" not in result.err, result.err
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("saraban: error: "), lines[0]
    for word in words:
        assert word in lines[0], (word, lines[0])
    return lines[0]


def _snapshot(ws: Path) -> dict[str, list[tuple]]:
    """Every row that matters in the register (numbers, counters, cases and their history)."""
    with contextlib.closing(sqlite3.connect(ws / "letters" / "register.db")) as conn:
        return {
            table: conn.execute(f"SELECT * FROM {table} ORDER BY 1").fetchall()
            for table in ("entries", "counters", "cases", "case_events")
        }


def _letter_files(ws: Path) -> set[str]:
    """Every file under letters/ but the register's own."""
    return {
        str(p.relative_to(ws / "letters"))
        for p in (ws / "letters").rglob("*")
        if p.is_file() and not p.name.startswith("register.db") and ".runs" not in p.parts
    }


def _no_temporaries(folder: Path) -> None:
    left = [  # letters/.runs holds the lock files of running commands (engine.recovery)
        p.name
        for p in folder.rglob("*")
        if (p.name.startswith(".") or p.suffix == ".tmp") and ".runs" not in p.parts
    ]
    assert not left, left


@contextlib.contextmanager
def _mounted(target: Path, *options: str) -> Iterator[bool]:
    """``mount … target`` for the block; yields False (nothing mounted) when it is refused."""
    target.mkdir(parents=True, exist_ok=True)
    done = subprocess.run(["mount", *options, str(target)], capture_output=True)
    if done.returncode != 0:
        yield False
        return
    try:
        yield True
    finally:
        subprocess.run(["umount", "-l", str(target)], check=True)


@contextlib.contextmanager
def _tmpfs(target: Path, size: str) -> Iterator[bool]:
    with _mounted(target, "-t", "tmpfs", "-o", f"size={size}", "tmpfs") as ok:
        yield ok


@contextlib.contextmanager
def _read_only(target: Path) -> Iterator[bool]:
    """``target`` bind-mounted read-only onto itself (EROFS for every write under it)."""
    with _mounted(target, "--bind", str(target)) as ok:
        if ok:
            done = subprocess.run(
                ["mount", "-o", "remount,ro,bind", str(target)], capture_output=True
            )
            ok = done.returncode == 0
        yield ok


def _fill(folder: Path, leave: int) -> None:
    """Fill the disk holding ``folder`` until about ``leave`` bytes are free."""
    st = os.statvfs(folder)
    free = st.f_bavail * st.f_frsize
    with open(folder / "filler", "wb") as fh:
        fh.write(b"\0" * max(0, free - leave))


def _without_dac() -> list[str]:
    """A prefix that runs a process without the right to ignore permission bits (as root), so
    that a chmod-ed folder is really read-only for it."""
    if os.geteuid() != 0:
        return []
    setpriv = shutil.which("setpriv")
    if setpriv is None:
        pytest.skip("running as root without setpriv: permission bits cannot be tested")
    return [setpriv, "--bounding-set=-dac_override,-dac_read_search", "--"]


# --- a full disk ---------------------------------------------------------------------------------
def test_a_full_workspace_disk_stops_cleanly_and_nothing_is_lost(tmp_path: Path) -> None:
    """A 3 MB tmpfs workspace: letters are issued until the disk is full. The one that does not
    fit fails with one line; every registered number has its file and every file its number;
    with space again the next letter takes the next number."""
    mnt = tmp_path / "small"
    with _tmpfs(mnt, "3m") as mounted:
        if not mounted:
            pytest.skip("mount refused: covered by test_simulated_full_disk")
        ws = make_workspace(mnt)
        assert _issue(ws).code == 0
        _fill(mnt, leave=600 * 1024)
        for _ in range(40):
            result = _issue(ws)
            if result.code != 0:
                break
        else:
            pytest.fail("the disk never filled up")
        _one_line(result, "no space left on the disk", "free some space")
        listed = _run("register", "list", workspace=ws)  # works, or fails the same way
        if listed.code:
            _one_line(listed, "no space left on the disk")
        (mnt / "filler").unlink()
        numbers = [row[3] for row in _snapshot(ws)["entries"]]
        assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 1
        files = _letter_files(ws)  # every number has its letter and no letter is extra
        assert files == {f"2568/circular-{n:04d}.docx" for n in numbers}
        _no_temporaries(ws / "letters")
        again = _issue(ws)
        assert again.code == 0, again.err
        assert f"ว {len(numbers) + 1:04d}" in again.out
        assert len(_snapshot(ws)["entries"]) == len(numbers) + 1


def test_a_full_year_folder_leaves_the_register_unchanged(tmp_path: Path) -> None:
    """The register has room but the letters' year folder (its own small disk) is full: the
    letter is not written, its number is not taken, and the line names the folder."""
    ws = make_workspace(tmp_path)
    assert _issue(ws).code == 0
    before = _snapshot(ws)
    year = ws / "letters" / "2567"
    with _tmpfs(year, "64k") as mounted:
        if not mounted:
            pytest.skip("mount refused: covered by test_simulated_full_disk")
        _fill(year, leave=4096)
        result = _issue(ws, "2024-05-01")
        _one_line(result, "letters/2567", "no space left on the disk")
        assert _snapshot(ws) == before
        assert sorted(p.name for p in year.iterdir()) == ["filler"]
        export = _run("register", "export", "--format", "xlsx", "-o", str(year / "r.xlsx"),
                      workspace=ws)  # fmt: skip
        _one_line(export, "no space left on the disk")
        assert sorted(p.name for p in year.iterdir()) == ["filler"]
    assert _issue(ws, "2024-05-01").code == 0  # with room the same letter is ว 1 of 2567
    assert ("circular", 2024, 2) in {(r[0], r[1], r[2]) for r in _snapshot(ws)["counters"]}


def test_simulated_full_disk(dla: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """ENOSPC where the letter is written (the fallback where tmpfs cannot be mounted, and a
    check of the message without a path): one line, the register unchanged."""
    from engine.recovery import Staging

    assert run_cli("new", "letter", "--data", str(dla / DATA), "--date", DAY, "--issue",
                   workspace=dla).code == 0  # fmt: skip
    before = _snapshot(dla)
    real = Staging.write

    def full(self: Staging, final: Path, data: bytes, **kw: object) -> Path:
        real(self, final, data[: len(data) // 2], **kw)  # half of it reached the disk
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(Staging, "write", full)
    result = run_cli("new", "letter", "--data", str(dla / DATA), "--date", DAY, "--issue",
                     workspace=dla)  # fmt: skip
    _one_line(result, "no space left on the disk")
    assert _snapshot(dla) == before
    assert _letter_files(dla) == {"2568/circular-0001.docx"}


# --- read-only folders -------------------------------------------------------------------------
def test_a_read_only_letters_folder(tmp_path: Path) -> None:
    ws = make_workspace(tmp_path)
    assert _issue(ws).code == 0
    before, files = _snapshot(ws), _letter_files(ws)
    with _read_only(ws / "letters") as ro:
        if not ro:
            pytest.skip("bind mounts refused")
        _one_line(_issue(ws), "register.db", "read-only", "remount")
        _one_line(_run("cases", workspace=ws), "read-only")
    with _read_only(ws / "letters" / "2568") as ro:
        assert ro
        line = _one_line(_issue(ws), "letters/2568", "read-only")
        assert "tmp" not in line  # the folder, not the temporary file's name
    assert _snapshot(ws) == before and _letter_files(ws) == files
    _no_temporaries(ws / "letters")


def test_a_folder_without_write_permission(tmp_path: Path) -> None:
    """chmod 555 on the year folder, and on letters/ itself, for a process that cannot ignore
    permission bits: permission denied, with what to do."""
    prefix = _without_dac()
    ws = make_workspace(tmp_path)
    assert _issue(ws).code == 0
    before, files = _snapshot(ws), _letter_files(ws)
    year = ws / "letters" / "2568"
    year.chmod(0o555)
    try:
        _one_line(_issue(ws, prefix=prefix), "letters/2568", "permission denied", "chmod")
    finally:
        year.chmod(0o755)
    (ws / "letters" / "register.db-shm").unlink(missing_ok=True)
    (ws / "letters").chmod(0o555)
    try:
        line = _one_line(_issue(ws, prefix=prefix), "register.db", "not writable by you")
        assert "letters" in line
    finally:
        (ws / "letters").chmod(0o755)
    assert _snapshot(ws) == before and _letter_files(ws) == files
    _no_temporaries(ws / "letters")


# --- a damaged register ------------------------------------------------------------------------
def _damage(db: Path, page: int) -> None:
    size = 4096
    with open(db, "r+b") as fh:
        fh.seek((page - 1) * size + 8)  # past the page header's first bytes: its cell pointers
        fh.write(b"\xff" * 120)


@pytest.mark.parametrize("table", ["entries", "header"])
def test_a_damaged_register_page(tmp_path: Path, table: str) -> None:
    """Bytes overwritten inside register.db (the numbers table's root page, or the file header):
    every command that reads it says the register is damaged and to restore it from a backup;
    nothing is written to it or to letters/."""
    ws = make_workspace(tmp_path)
    for day in ("2025-03-25", "2025-03-26"):
        assert _issue(ws, day).code == 0
    db = ws / "letters" / "register.db"
    with contextlib.closing(sqlite3.connect(db)) as conn:
        assert conn.execute("PRAGMA page_size").fetchone()[0] == 4096
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        query = "SELECT rootpage FROM sqlite_master WHERE name = 'entries'"
        root = conn.execute(query).fetchone()[0]
    if table == "header":
        with open(db, "r+b") as fh:
            fh.write(b"not a register at all!!")
    else:
        _damage(db, root)
    damaged = hashlib.sha256(db.read_bytes()).hexdigest()
    files = _letter_files(ws)
    for args in (
        ("new", "letter", "--data", str(ws / DATA), "--date", DAY, "--issue"),
        ("show", "1"),
        ("register", "list"),
        ("register", "export", "--format", "csv", "-o", str(tmp_path / "r.csv")),
        ("register", "cancel", "1", "--series", "circular", "--year", "2568", "--reason", "x"),
        ("regenerate", "--all"),
    ):
        _one_line(_run(*args, workspace=ws), "register.db", "damaged", "backup")
    assert hashlib.sha256(db.read_bytes()).hexdigest() == damaged
    assert _letter_files(ws) == files and not (tmp_path / "r.csv").exists()


# --- bad paths ---------------------------------------------------------------------------------
def test_folders_given_as_files(dla: Path, tmp_path: Path) -> None:
    assert _issue(dla).code == 0
    before = _snapshot(dla)
    _one_line(_run("new", "letter", "--data", str(tmp_path), workspace=dla), "is a folder")
    for fmt in ("csv", "xlsx"):
        line = _one_line(
            _run("register", "export", "--format", fmt, "-o", str(tmp_path), workspace=dla),
            "--output",
            "is a folder",
        )
        assert f"register.{fmt}" in line  # a file name to use instead
    register = dla / "letters" / "register.db"
    kept = register.read_bytes()
    _one_line(
        _run("register", "export", "--format", "csv", "-o", str(register), workspace=dla),
        "is the register database",
    )
    assert register.read_bytes() == kept
    office = dla / "office.yaml"
    text = office.read_text(encoding="utf-8")
    office.write_text(text + f"register: {tmp_path}\n", encoding="utf-8")
    _one_line(_run("cases", workspace=dla), "is a folder, not a register file")
    office.write_text(text + 'register: "letters/a\\0b.db"\n', encoding="utf-8")
    _one_line(_run("cases", workspace=dla), "NUL byte")
    office.write_text(text, encoding="utf-8")
    assert _snapshot(dla) == before
    assert not list(tmp_path.glob(".tmp-*")) and not list(Path("/").glob(".tmp-*.csv"))


@pytest.mark.parametrize(
    ("args", "where"),
    [
        (("new", "letter", "--data", "a\0b.yaml"), "--data"),
        (("register", "export", "--format", "csv", "-o", "out\0.csv"), "--output"),
        (("--workspace", "ws\0", "cases"), "--workspace"),
        (("init", "new\0ws"), "dir"),
    ],
)
def test_a_nul_byte_in_a_path(dla: Path, args: tuple[str, ...], where: str) -> None:
    """A NUL byte cannot come from a real command line, but can from a script calling main()."""
    result = run_cli(*args, workspace=None if "--workspace" in args else dla)
    _one_line(result, where, "NUL byte")


# --- privacy -----------------------------------------------------------------------------------
def _mode(path: Path) -> int:
    return path.stat().st_mode & 0o777


@pytest.mark.parametrize("umask", [0o022, 0o027, 0o000])
def test_the_register_is_private_and_letters_follow_the_umask(tmp_path: Path, umask: int) -> None:
    from engine.register import Register

    ws = make_workspace(tmp_path)
    assert _issue(ws, umask=umask).code == 0
    letters = ws / "letters"
    assert _mode(letters / "register.db") == 0o600
    assert _mode(letters / "2568" / "circular-0001.docx") == 0o666 & ~umask
    # SQLite removes -wal and -shm when the last connection closes: look while one is open
    other = tmp_path / "other.db"
    old = os.umask(umask)
    try:
        with Register(other) as reg:
            reg.start("normal", 2025, 5)
            for name in ("other.db", "other.db-wal", "other.db-shm"):
                assert _mode(tmp_path / name) == 0o600, name
    finally:
        os.umask(old)


def test_an_old_world_readable_register_loses_its_other_bits(dla: Path) -> None:
    assert _issue(dla).code == 0
    db = dla / "letters" / "register.db"
    db.chmod(0o664)
    assert _run("cases", workspace=dla).code == 0
    assert _mode(db) == 0o660  # group kept (a shared workspace), others dropped


# --- the compiled-template cache -----------------------------------------------------------------
PAYLOAD = "open({marker!r}, 'w').write('ran')"


def _planted(marker: Path) -> bytes:
    return marshal.dumps(compile(PAYLOAD.format(marker=str(marker)), "<template>", "exec"))


def _old_keys(sources: list[str]) -> list[str]:
    """Where the previous saraban kept the compiled code of these template sources."""
    import jinja2

    from engine import cache

    type_name = "SandboxedEnvironment"
    return [
        cache.digest("jinja-code-1", jinja2.__version__, sys.version, type_name, "True", src)
        for src in sources
    ]


def test_a_planted_cache_payload_does_not_run(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Compiled template code in the cache runs outside the sandbox when loaded: a payload put
    there — in the old format where the old cache lived, or in the new format with the wrong
    owner, permissions or folder — is never loaded. A correct entry is (the control)."""
    from engine import cache, render

    root = tmp_path / "cache"
    monkeypatch.setenv("SARABAN_CACHE", str(root))
    monkeypatch.setattr(cache, "_key", None)
    env = {"SARABAN_CACHE": str(root)}
    sources: list[str] = []
    real = render.compile_cached
    monkeypatch.setattr(render, "compile_cached", lambda e, s: sources.append(s) or real(e, s))
    monkeypatch.setattr(render, "_cache", {})
    ws = make_workspace(tmp_path)
    assert run_cli("new", "letter", "--data", str(ws / DATA), "--date", DAY, "--issue",
                   workspace=ws).code == 0  # fmt: skip
    jinja = root / "jinja"
    keys = sorted(p.name for p in jinja.iterdir())
    assert keys and sources
    assert _mode(root) == 0o700 and _mode(jinja) == 0o700 and _mode(root / "key") == 0o600
    assert all(_mode(jinja / k) == 0o600 for k in keys)
    marker = tmp_path / "ran"
    payload = _planted(marker)
    secret = cache._secret(create=False)
    assert secret is not None

    def signed(key: str) -> bytes:
        return cache._MAGIC + cache._mac(secret, "jinja", key, payload) + payload

    def plant(folder: Path, make: object, mode: int = 0o600, names: list[str] = keys) -> None:
        for key in names:
            (folder / key).write_bytes(make(key))  # type: ignore[operator]
            (folder / key).chmod(mode)

    def attempt(day: str) -> None:
        result = _issue(ws, day, env=env)
        assert result.code == 0, result.err
        assert not marker.exists(), "the planted payload ran"

    # where the old cache lived, in its format (bare marshal data), and under the new names
    plant(jinja, lambda k: payload, names=_old_keys(sources))
    plant(jinja, lambda k: payload)
    attempt("2025-03-26")
    # the new format, correctly signed, but group/world readable
    plant(jinja, signed, mode=0o644)
    attempt("2025-03-27")
    # signed, 0600, but another user's file
    if os.geteuid() == 0:
        plant(jinja, signed)
        for key in keys:
            os.chown(jinja / key, 65534, 65534)
        attempt("2025-03-28")
    # signed and 0600, in a folder anyone can write to
    plant(jinja, signed)
    jinja.chmod(0o777)
    attempt("2025-03-29")
    jinja.chmod(0o700)
    # signed with a key file others can read
    (root / "key").chmod(0o644)
    attempt("2025-03-30")
    (root / "key").chmod(0o600)
    # the entries folder swapped for a symbolic link to signed entries elsewhere
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir(mode=0o700)
    plant(elsewhere, signed)
    shutil.rmtree(jinja)
    jinja.symlink_to(elsewhere)
    attempt("2025-03-31")
    jinja.unlink()
    # the control: the same payload, signed, 0600 in a 0700 folder of ours, does run
    jinja.mkdir(mode=0o700)
    plant(jinja, signed)
    _issue(ws, "2025-04-01", env=env)
    assert marker.read_text() == "ran"


# --- templates the sandbox refuses -------------------------------------------------------------
REFUSED = {
    "dunder": ("{{ ''.__class__ }}", "'__class__'"),
    "globals": ("{{ cycler.__init__.__globals__ }}", "'__init__'"),
    "private": ("{{ subject._private }}", "'_private'"),
    "import": ("{% import 'office.yaml' as office_file %}", "{% import %}"),
    "include": ("{% include '../../office.yaml' %}", "{% include %}"),
    "range": ("{% for i in range(10**9) %}{% endfor %}", "a range longer than 100000"),
    "format": ("{{ '{0.__class__}'.format(subject) }}", "'__class__' in a format string"),
    "getitem": ("{{ subject['__class__'] }}", "'__class__'"),
}


def _template_with(ws: Path, tag: str) -> Path:
    from engine.workspace import BUILTIN_TEMPLATES

    (ws / "templates").mkdir(exist_ok=True)
    out = ws / "templates" / "external-letter.docx"
    with (
        zipfile.ZipFile(BUILTIN_TEMPLATES / "external-letter.docx") as zin,
        zipfile.ZipFile(out, "w") as zout,
    ):
        for item in zin.infolist():
            data = zin.read(item)
            if item.filename == "word/document.xml":
                assert b"{{ subject }}" in data
                data = data.replace(b"{{ subject }}", b"{{ subject }}" + tag.encode())
            zout.writestr(item, data)
    return out


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_check_reports_what_the_sandbox_refuses(dla: Path, name: str) -> None:
    tag, what = REFUSED[name]
    _template_with(dla, tag)
    check = run_cli("check", workspace=dla)
    assert check.code == 1
    assert "the template sandbox refuses" in check.err and what in check.err, check.err
    assert "external-letter.docx" in check.err
    issued = run_cli("new", "letter", "--data", str(dla / DATA), "--date", DAY, "--issue",
                     workspace=dla)  # fmt: skip
    _one_line(issued, "external-letter.docx")
    assert not (dla / "letters" / "2568").exists()
    with contextlib.closing(sqlite3.connect(dla / "letters" / "register.db")) as conn:
        assert conn.execute("SELECT count(*) FROM entries").fetchone()[0] == 0
