"""Crash recovery (การกู้คืนหลังงานหยุดกลางคัน): a killed command leaves nothing that blocks or lingers.

Three pieces keep a workspace whole however a saraban process ends (an error, Ctrl-C,
``kill -9``, a power cut):

**Runs.** Every process that opens a workspace's register is a *run*, with an id
(``<pid>-<6 hex>``) and a lock file ``letters/.runs/<id>.lock`` that it holds (``flock``) for its
whole life. The kernel drops the lock when the process dies, however it dies, so "is this run
alive?" is one non-blocking ``flock`` — true across users and containers sharing the folder and
immune to PID reuse. Forked workers (``regenerate``'s pool) inherit the lock: a run is dead only
when all its processes are. Every temporary file a run makes carries its tag ``~<id>~``
(:func:`engine.files.mkstemp`), so a leftover names its owner.

**Pending names and a journal.** A document written inside a register transaction
(:class:`Staging`: ``new``, ``advance``, a circular's master, copies and combined DOCX) is written
to ``.pending~<id>~<n>.docx`` in its folder, never to its final name. Just before the
transaction commits, the (pending, final) pairs go into the ``pending_files`` table — in the same
transaction as the register rows. After the commit the files are renamed to their final names,
their folders synced, and the journal rows deleted. So a final name holds a file only if its
register row committed; a kill before the commit leaves hidden pending files and no row; a kill
after it leaves journal rows that say what to finish.

**Reconciling.** The first time a process opens a workspace's register
(:attr:`engine.workspace.Workspace.register_path`) it looks for dead runs (their lock files can be
locked). If there is one, it rolls the dead run's journal forward (renames finished), removes
its pending and temporary files that no committed row needs, and says so in one line on stderr.
The dead run's lock is held while this happens, so two reconciling processes never race.
``saraban check`` does the same over the whole of ``letters/``, then verifies the database
(:func:`check_register`); ``check --repair`` also moves unregistered letters to
``letters/.quarantine/<time>/``.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import itertools
import os
import re
import secrets
import shutil
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from . import files, pdfclean
from .errors import RegisterError, SarabanError, UserError
from .i18n import _
from .store import DatabaseError, Store, StoreError, server_of
from .store import check as store_check
from .store import journal as store_journal

RUNS = ".runs"
"""The folder of run lock files, in ``letters/``."""
QUARANTINE = ".quarantine"
"""Where ``check --repair`` moves unregistered letters, in ``letters/``."""
OWN_FOLDERS = ("drafts", "registers")
"""Folders of letters/ whose files are no registered letters: drafts, and the printed registers
(``saraban register print``); ``check`` leaves them alone."""
PENDING = ".pending~"
"""How a pending file's name begins."""
_TAG = re.compile(r"~(\d+-[0-9a-f]{6})~")
#: hidden files that are some process's unfinished work (untagged: from an older saraban)
_TEMP = re.compile(r"^\..*(\.tmp|\.part|\.part\.pdf)$|^\.pending~|^\.tmp-")
#: a tagged file whose run has no lock file at all (deleted by hand, or a process that could not
#: write one) is taken for a leftover only when it is this old
LOCKLESS_GRACE_S = 15 * 60.0
#: hidden, for tests: seconds to sleep between a command's commit and its renames
PAUSE_ENV = "SARABAN_PAUSE_AFTER_COMMIT"

_run: dict[str, Any] = {"id": None, "pid": None}
_locks: dict[Path, int] = {}  # letters folder → our lock file there
_unresolved: set[Path] = set()  # letters folders where this run leaves journal rows
_pending_numbers = itertools.count(1)  # pending files of this process (next() is atomic)


def run_id() -> str:
    """This process's run id (kept by forked workers: they share the run's lock)."""
    if _run["id"] is None:
        _run["id"] = f"{os.getpid()}-{secrets.token_hex(3)}"
        _run["pid"] = os.getpid()
    return str(_run["id"])


def tag() -> str:
    """The mark in the name of every temporary file of this run."""
    return f"~{run_id()}~"


def owner(name: str) -> str | None:
    """The run id a file name is tagged with, or None."""
    m = _TAG.search(name)
    return m.group(1) if m else None


def join(letters: Path, *, create: bool = True) -> bool:
    """Make this process a live run of the workspace whose letters folder is ``letters``: its
    lock file, created under a temporary name, locked, then renamed, so that a lock file is
    never seen unlocked while its run lives. False when the folder cannot be written (or does
    not exist and ``create`` is false)."""
    if letters in _locks:
        return True
    if not create and not letters.is_dir():
        return False
    rid = run_id()
    runs = letters / RUNS
    new = runs / f".new-{rid}"
    for _attempt in range(5):
        try:
            runs.mkdir(parents=True, exist_ok=True)
            fd = os.open(new, os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o666)
        except OSError:
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)  # waits while a reconciling process looks at it
            what = f"{os.getpid()} {' '.join(sys.argv[1:])[:200]}\n"
            os.write(fd, what.encode(errors="replace"))
            os.rename(new, runs / f"{rid}.lock")
        except FileNotFoundError:  # taken for litter in the instant before our flock: again
            os.close(fd)
            continue
        except OSError:
            os.close(fd)
            with contextlib.suppress(OSError):
                new.unlink()
            return False
        _locks[letters] = fd
        files.set_tag(tag())
        return True
    return False


def _leave() -> None:
    """At exit: remove our lock files (not where journal rows of ours wait to be finished: the
    next command sees the run dead and finishes them)."""
    if _run["pid"] != os.getpid():
        return
    for letters, fd in list(_locks.items()):
        if letters not in _unresolved:
            with contextlib.suppress(OSError):
                (letters / RUNS / f"{run_id()}.lock").unlink()
        with contextlib.suppress(OSError):
            os.close(fd)
    _locks.clear()


atexit.register(_leave)


class _Runs:
    """Which runs of a workspace are dead. A dead run's lock is held (by us) until :meth:`close`,
    so no other process cleans up after it at the same time."""

    def __init__(self, letters: Path) -> None:
        self.dir = letters / RUNS
        self.dead: dict[str, int | None] = {}  # id → our fd on its lock (None: no lock file)
        self.alive: set[str] = set()

    def is_dead(self, rid: str) -> bool:
        if rid == _run["id"]:
            return False
        if rid in self.dead:
            return True
        if rid in self.alive:
            return False
        try:
            fd = os.open(self.dir / f"{rid}.lock", os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:  # a run makes its lock file before any file: gone, dead
            self.dead[rid] = None
            return True
        except OSError:
            self.alive.add(rid)  # cannot tell: leave its files alone
            return False
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            self.alive.add(rid)
            return False
        self.dead[rid] = fd
        return True

    def scan(self) -> list[str]:
        """Look at every lock file: the ids of the dead runs that left one."""
        try:
            names = os.listdir(self.dir)
        except OSError:
            return []
        for name in names:
            if name.endswith(".lock"):
                self.is_dead(name[: -len(".lock")])
            elif name.startswith(".new-"):  # killed while making its lock file (see join)
                with contextlib.suppress(OSError):
                    fd = os.open(self.dir / name, os.O_RDONLY | os.O_CLOEXEC)
                    try:
                        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                        os.unlink(self.dir / name)
                    finally:
                        os.close(fd)
        return [rid for rid, fd in self.dead.items() if fd is not None]

    def others_alive(self) -> bool:
        """Whether any other run of the workspace is alive now."""
        try:
            names = os.listdir(self.dir)
        except OSError:
            return False
        mine = f"{_run['id']}.lock"
        for name in names:
            if name.endswith(".lock") and name != mine:
                rid = name[: -len(".lock")]
                self.alive.discard(rid)  # look again: it may have ended meanwhile
                if not self.is_dead(rid):
                    return True
        return False

    def close(self, *, remove: bool) -> None:
        for rid, fd in self.dead.items():
            if fd is None:
                continue
            if remove:
                with contextlib.suppress(OSError):
                    (self.dir / f"{rid}.lock").unlink()
            os.close(fd)
        self.dead.clear()


@dataclass
class Recovery:
    """What reconciling did."""

    finished: list[str] = field(default_factory=list)  # files moved to their final names
    removed: list[str] = field(default_factory=list)  # unfinished files removed
    kept: list[str] = field(default_factory=list)  # temporary files another live run may own

    def line(self) -> str:
        parts = []
        if self.finished:
            parts.append(
                _("put {count} file(s) of registered letters in place ({files})").format(
                    count=len(self.finished), files=_some(self.finished)
                )
            )
        if self.removed:
            folders = sorted({os.path.dirname(p) or "." for p in self.removed})
            parts.append(
                _(
                    "removed {count} unfinished file(s) that were never registered (in {folders})"
                ).format(count=len(self.removed), folders=_some(folders))
            )
        return _("saraban: cleaned up after an interrupted command: {what}").format(
            what="; ".join(parts)
        )


def _some(paths: list[str], n: int = 3) -> str:
    more = f" and {len(paths) - n} more" if len(paths) > n else ""
    return ", ".join(paths[:n]) + more


def _rel(root: Path, path: Path) -> str:
    return os.path.relpath(path, root)


def _fsync_dir(folder: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY | os.O_DIRECTORY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _journal(register: Path) -> list[tuple[str, str, str]] | None:
    """The journal rows (pending, final, run); [] without a register; None if unreadable."""
    return store_journal.read(register)


def _forget(register: Path, pendings: list[str]) -> None:
    """Delete finished journal rows (no sync: a row that comes back finds its file in place)."""
    store_journal.forget(register, pendings)


def _roll_forward(root: Path, rows: list[tuple[str, str, str]], out: Recovery) -> list[str]:
    """Finish committed renames; returns the journal rows done."""
    done, folders = [], set()
    for pending, final, _rest in rows:
        src, dst = root / pending, root / final
        if src.exists():
            dst.parent.mkdir(parents=True, exist_ok=True)
            os.replace(src, dst)
            folders.add(dst.parent)
            out.finished.append(final)
        done.append(pending)
    for folder in folders:
        _fsync_dir(folder)
    return done


def _walk(root: Path, letters: Path) -> Iterator[tuple[Path, list[str]]]:
    """Every folder of ``letters/`` (hidden folders left out) and the workspace root itself,
    with its file names."""
    with contextlib.suppress(OSError):
        yield root, [e.name for e in os.scandir(root) if e.is_file(follow_symlinks=False)]
    for folder, dirs, names in os.walk(letters):
        dirs[:] = [d for d in dirs if not d.startswith(".")]
        yield Path(folder), names


def reconcile(
    root: Path, letters: Path, register: Path, *, full: bool = False, say: bool = True
) -> Recovery:
    """Clean up after the dead runs of a workspace (see the module docstring).

    ``full`` (``saraban check``): look at every file of ``letters/`` even when no dead run left
    a lock file, and at journal rows whose run left none. Without a readable register nothing is
    removed (a pending file might belong to a committed row)."""
    out = Recovery()
    _sweep_cache()
    if not join(letters, create=False):
        return out  # no letters/ yet (or not writable): nothing to clean
    runs = _Runs(letters)
    found = runs.scan()
    if not found and not full:
        runs.close(remove=False)
        return out
    rows = _journal(register)
    if rows is None:
        runs.close(remove=False)
        return out
    try:
        mine = [r for r in rows if runs.is_dead(r[2])]
        done = _roll_forward(root, mine, out)
        _forget(register, done)
        for folder, names in _walk(root, letters):
            removed_here = False
            for name in names:
                if not name.startswith("."):
                    continue
                rid = owner(name)
                if rid is not None:
                    if not runs.is_dead(rid):
                        continue
                    if runs.dead.get(rid) is None and not _older(folder / name, LOCKLESS_GRACE_S):
                        out.kept.append(_rel(root, folder / name))
                        continue
                elif pdfclean.has_token(name):
                    continue  # the PDF step's: engine.pdfclean tells its owner (every command)
                elif not _TEMP.match(name):
                    continue  # some other program's hidden file (.~lock.…#): not ours
                elif runs.others_alive():
                    out.kept.append(_rel(root, folder / name))
                    continue
                with contextlib.suppress(FileNotFoundError):
                    (folder / name).unlink()
                    out.removed.append(_rel(root, folder / name))
                    removed_here = True
            if removed_here and folder.parent != letters and folder != letters and folder != root:
                with contextlib.suppress(OSError):
                    folder.rmdir()  # a circular's copies folder left empty
    except (OSError, StoreError):
        runs.close(remove=False)  # try again next time
        raise
    runs.close(remove=True)
    if say and (out.finished or out.removed):
        print(out.line(), file=sys.stderr)
    return out


def _older(path: Path, seconds: float) -> bool:
    try:
        return time.time() - path.stat().st_mtime > seconds
    except OSError:
        return False


def _sweep_cache() -> None:
    """Temporary files of dead processes in the user's cache (``.<key>.<pid>.tmp``)."""
    from .cache import cache_dir

    with contextlib.suppress(OSError):
        for kind in os.scandir(cache_dir()):
            if not kind.is_dir():
                continue
            for entry in os.scandir(kind.path):
                name = entry.name
                if not (name.startswith(".") and name.endswith(".tmp")):
                    continue
                pid = name[:-4].rpartition(".")[2]
                if pid.isdigit() and not _pid_alive(int(pid)):
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def on_open(ws: Any, register: Path) -> None:
    """The hook of :attr:`Workspace.register_path`: join the workspace as a run, and reconcile
    once per process and workspace. Never fails the command: what cannot be done now is left
    for the next one (and ``saraban check`` reports it)."""
    with contextlib.suppress(OSError, StoreError, SarabanError):
        reconcile(ws.root, ws.letters_dir, register)


# --- writing under pending names --------------------------------------------------------------
class Staging:
    """Files written inside a register transaction (:class:`engine.runtime.Run`): under pending
    names until :meth:`journal` has put them in the transaction and it has committed; then
    :meth:`finish` renames them. :meth:`undo` after a failure removes them — unless the
    transaction did commit, in which case it finishes them."""

    def __init__(self, root: Path, letters: Path) -> None:
        self.root = root
        self.letters = letters
        self.pairs: dict[Path, Path] = {}  # final → pending
        self.committed = False

    def _pending(self, final: Path, folder: Path | None) -> Path:
        join(self.letters)
        folder = folder or final.parent
        # numbered across the process: the web server's threads issue letters at once
        return folder / f"{PENDING}{run_id()}~{next(_pending_numbers)}{final.suffix}"

    def write(self, final: Path, data: bytes, *, durable: bool = True,
              folder: Path | None = None) -> Path:  # fmt: skip
        """Write ``data`` for ``final`` (under a pending name, in ``folder`` if given)."""
        if final in self.pairs:
            self.pairs[final].unlink(missing_ok=True)
            del self.pairs[final]
        pending = self._pending(final, folder)
        flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC
        try:
            fd = os.open(pending, flags, 0o666)
        except FileNotFoundError:
            pending.parent.mkdir(parents=True, exist_ok=True)
            fd = os.open(pending, flags, 0o666)
        self.pairs[final] = pending
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            if durable:
                fh.flush()
                os.fsync(fh.fileno())
        return final

    def place(self, tmp: Path, final: Path, *, folder: Path | None = None) -> Path:
        """Take a finished temporary file (e.g. a streamed combined DOCX) for ``final``."""
        if final in self.pairs:
            self.pairs.pop(final).unlink(missing_ok=True)
        pending = self._pending(final, folder)
        os.replace(tmp, pending)
        self.pairs[final] = pending
        return final

    def current(self, final: Path) -> Path:
        """Where ``final``'s bytes are now: its pending file while this command stages it."""
        return self.pairs.get(final, final)

    def journal(self, store: Store) -> None:
        """Record the pairs in the open register transaction (``store``, as
        :meth:`engine.register.Register.transaction` yields it); sync their folders first, so
        that a committed row always finds its pending file after a power cut."""
        if not self.pairs:
            return
        for folder in {p.parent for p in self.pairs.values()}:
            _fsync_dir(folder)
        rid = run_id()
        store.journal.add(
            [(_rel(self.root, p), _rel(self.root, f), rid) for f, p in self.pairs.items()]
        )

    def finish(self, register: Path) -> None:
        """After the commit: the final names, synced, then the journal rows deleted."""
        if not self.pairs:
            return
        self.committed = True
        pause = os.environ.get(PAUSE_ENV)
        if pause:
            time.sleep(float(pause))
        try:
            folders = set()
            for final, pending in self.pairs.items():
                try:
                    os.replace(pending, final)
                except FileNotFoundError:
                    if final.exists() and not pending.exists():
                        continue  # done already (a second finish)
                    final.parent.mkdir(parents=True, exist_ok=True)
                    os.replace(pending, final)
                folders.add(final.parent)
            for folder in folders:
                _fsync_dir(folder)
            try:
                _forget(register, [_rel(self.root, p) for p in self.pairs.values()])
            except RegisterError:  # a database server gone after the commit: the files are in
                _unresolved.add(self.letters)  # place; the next command here clears the rows
        except BaseException:
            _unresolved.add(self.letters)  # keep our lock file: the next command finishes it
            raise
        self.pairs.clear()

    def undo(self, register: Path) -> None:
        """After a failure: remove the pending files, or finish them if the transaction had
        committed after all. Never raises."""
        if not self.pairs:
            return
        try:
            if not self.committed:
                rows = _journal(register)
                if rows is None:
                    _unresolved.add(self.letters)
                    return
                staged = {_rel(self.root, p) for p in self.pairs.values()}
                self.committed = any(r[0] in staged for r in rows)
            if self.committed:
                self.finish(register)
                return
            for pending in self.pairs.values():
                pending.unlink(missing_ok=True)
            self.pairs.clear()
        except BaseException:  # noqa: BLE001 - the original error is the one to report
            _unresolved.add(self.letters)


# --- one regeneration at a time ------------------------------------------------------------------
@contextlib.contextmanager
def exclusive(letters: Path, name: str, waiting: str) -> Iterator[None]:
    """Hold the workspace-wide lock ``letters/.runs/<name>`` (waiting for it, with ``waiting``
    on stderr when another process has it)."""
    runs = letters / RUNS
    runs.mkdir(parents=True, exist_ok=True)
    fd = os.open(runs / name, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o666)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            print(waiting, file=sys.stderr)
            fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


# --- saraban check: the register database --------------------------------------------------------
def _damaged(rel: str, detail: str) -> str:
    return (
        f"{rel}: the register database is damaged ({detail}); `saraban check --repair` cannot "
        f"mend its pages: restore {rel} from a backup copy (one taken while no saraban command "
        "ran), then run `saraban check` again"
    )


def _integrity(register: Path, rel: str) -> str | None:
    """None when ``PRAGMA integrity_check`` is ok, else the problem line."""
    try:
        rows = store_check.integrity(register, 5)
    except DatabaseError as exc:
        return _damaged(rel, str(exc))
    if rows != ["ok"]:
        return _damaged(rel, "; ".join(str(r) for r in rows[:2]))
    return None


def _registered(seen: store_check.Snapshot) -> tuple[dict[str, str], dict[str, str], set[str]]:
    """(files of issued letters → what they are, recorded SHA-256 by file, every registered file)."""
    present: dict[str, str] = {}
    hashes: dict[str, str] = {}
    every: set[str] = set()
    cancelled: set[int] = set()
    for eid, path, number, status in seen.entries:
        if status == "cancelled":
            cancelled.add(eid)
        if path:
            every.add(path)
            if status != "cancelled":
                present[path] = f"ที่ {number}"
    for case_id, document, entry_id, recorded in seen.renders:
        for path, digest in recorded.items():
            every.add(path)
            if entry_id in cancelled:
                continue
            present.setdefault(path, f"case {case_id} {document}")
            hashes[path] = digest
    for path, entry_id in seen.recipients:
        if path:
            every.add(path)
            if entry_id not in cancelled:
                present.setdefault(path, "a copy of a circular")
    return present, hashes, every


def check_register(ws: Any, *, repair: bool = False) -> tuple[list[str], list[str]]:
    """``saraban check``'s look at the register database: reconcile (every file of letters/),
    ``PRAGMA integrity_check``, every registered file present with the SHA-256 recorded at its
    render, no unregistered DOCX or PDF in letters/ (drafts and printed registers aside) and no
    temporary files left.
    ``repair``: move unregistered files to ``letters/.quarantine/<time>/`` and remove temporary
    files of dead runs. Returns (problems, what was checked or done)."""
    root, letters = ws.root, ws.letters_dir
    try:
        register = ws.register_path
    except UserError:
        register = letters / "register.db"
    problems: list[str] = []
    checked: list[str] = []
    server = server_of(register)
    rel_db = _rel(root, register) if server is None else str(server)
    if server is None:  # a file: its pages first (a server checks its own)
        if not register.exists():
            return problems, checked
        damaged = _integrity(register, rel_db)
        if damaged:
            return [damaged], checked
    from .register import Register

    with Register(register):  # a register of an earlier saraban gets its new tables first
        pass
    recovered = reconcile(root, letters, register, full=True)
    try:
        seen = store_check.snapshot(register)
    except DatabaseError as exc:
        return [_damaged(rel_db, str(exc))], checked
    present, hashes, every = _registered(seen)
    live, n_entries = seen.pending, seen.n_entries
    missing = changed = to_fetch = unstored = 0
    for path, what in sorted(present.items()):
        full = root / path
        if path in live:
            continue  # a live command is moving it into place
        stored = path in hashes and hashes[path] in seen.stored  # `saraban sync` can write it
        if not full.is_file():
            missing += 1
            if server is not None:  # a shared register: other machines' letters
                to_fetch += stored
                continue
            problems.append(
                _(
                    "{path}: registered ({what}) but missing: `saraban sync` writes it again from the register database"
                ).format(path=path, what=what)
                if stored
                else _(
                    "{path}: registered ({what}) but missing: `saraban regenerate` renders it again (or restore it from a backup)"
                ).format(path=path, what=what)
            )
            continue
        digest = files.sha256(full) if path in hashes else None
        if digest is not None and digest != hashes[path]:
            if server is not None and stored and digest in seen.stored:
                missing += 1  # an earlier version: regenerated on another machine
                to_fetch += 1
                continue
            changed += 1
            problems.append(
                _(
                    "{path}: not the file the register recorded ({what}; its SHA-256 differs): `saraban sync` puts the recorded one back, or `saraban regenerate` finishes an interrupted regeneration"
                ).format(path=path, what=what)
                if stored
                else _(
                    "{path}: not the file the register recorded ({what}; its SHA-256 differs): `saraban regenerate` finishes an interrupted regeneration; if no one changed it on purpose, `saraban regenerate --all` renders it again"
                ).format(path=path, what=what)
            )
        elif digest is not None and not stored:
            unstored += 1
    registered_docx = {p for p in every if p.endswith(".docx")}
    stems = {p[: -len(".docx")] for p in registered_docx}
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    quarantine = letters / QUARANTINE / stamp
    moved = 0
    for folder, names in _walk(root, letters):
        if folder == root:
            continue
        if any(folder == letters / own or letters / own in folder.parents for own in OWN_FOLDERS):
            continue
        for name in sorted(names):
            on_disk = folder / name
            rel = _rel(root, on_disk)
            if name.startswith("."):
                # what reconciling left: a live run's files, or (untagged) temporary files
                # that it could not tell from a live run's
                if rel in recovered.kept:
                    problems.append(
                        _(
                            "{rel}: a temporary file, left by an interrupted command or being written by one running now: a later `saraban check` removes it once no running command can own it"
                        ).format(rel=rel)
                    )
                continue
            low = name.lower()
            if low.endswith(".docx"):
                known = rel in registered_docx
            elif low.endswith(".pdf"):  # <stem>.pdf or <stem>-bundle.pdf of a registered DOCX
                stem = rel[: -len(".pdf")]
                known = stem in stems or stem.removesuffix("-bundle") in stems
            else:
                continue
            if known:
                continue
            if repair:
                dest = quarantine / _rel(letters, on_disk)
                dest.parent.mkdir(parents=True, exist_ok=True)
                shutil.move(on_disk, dest)
                moved += 1
                checked.append(
                    _("moved {rel} to {dest}: not in the register").format(
                        rel=rel, dest=_rel(root, dest)
                    )
                )
            else:
                problems.append(
                    _(
                        "{rel}: not in the register (left by an interrupted command?): `saraban check --repair` moves it to {quarantine}/"
                    ).format(rel=rel, quarantine=_rel(root, letters / QUARANTINE))
                )
        if repair and moved and folder.parent != letters and folder != letters:
            with contextlib.suppress(OSError):
                folder.rmdir()  # a copies folder emptied
    if unstored:
        checked.append(
            _(
                "{count} registered file(s) of this machine are not in the register database yet (issued before it kept documents): `saraban sync` stores them"
            ).format(count=unstored)
        )
    if server is not None and not changed:
        checked.append(
            _(
                "register {db}: {entries} entr(y/ies); {here} registered file(s) on this machine and as recorded, {fetch} missing or out of date here (`saraban sync` writes them from the database), {elsewhere} kept only on the machine that issued them"
            ).format(
                db=rel_db,
                entries=n_entries,
                here=len(present) - missing,
                fetch=to_fetch,
                elsewhere=missing - to_fetch,
            )
        )
    elif not missing and not changed:
        checked.append(
            _(
                "register {db}: integrity ok, {entries} entr(y/ies), {present} registered file(s) present and as recorded"
            ).format(db=rel_db, entries=n_entries, present=len(present))
        )
    return problems, checked
