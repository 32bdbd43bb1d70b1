"""Failures of the machine, not of the user's input (ความผิดพลาดของระบบ): a full disk, a read-only
folder, a damaged register, a path that is a folder or holds a NUL byte.

Each becomes one line — what failed (the path), the operating system's reason in plain words,
and what to do — instead of a traceback. :func:`describe_os_error` and
:func:`describe_database_error` write that line; the CLI prints it as ``saraban: error: …`` and
exits 1. Nothing is half-written when they happen: files are written to a temporary name and
renamed, and the register changes in one transaction that rolls back (docs/failures.md).
"""

from __future__ import annotations

import contextlib
import errno
import os
import sqlite3
from pathlib import Path

from .i18n import N_, _

#: Below this many free bytes a disk counts as full (SQLite reports a full disk as an I/O error
#: when it cannot even create its shared-memory file).
NEARLY_FULL = 1024 * 1024

RESTORE_HINT = N_(
    "restore it from your latest backup, keeping the damaged file aside (docs/failures.md), "
    "then run `saraban check`"
)


def _shown(path: str | os.PathLike[str] | None, root: Path | None) -> str | None:
    """The path as the user knows it: a temporary file (``.name.xxxx.tmp``) is shown as its
    folder, and a path inside the workspace relative to it."""
    if path is None:
        return None
    text = os.fsdecode(path)
    p = Path(text)
    if p.name.startswith(".") and (p.name.endswith(".tmp") or ".tmp-" in p.name):
        p = p.parent
    if root is not None:
        try:
            rel = p.resolve().relative_to(root.resolve())
            return str(rel) if str(rel) != "." else str(root)
        except (ValueError, OSError, RuntimeError):
            pass
    return str(p)


def _free_bytes(path: Path) -> int | None:
    """Free bytes for an unprivileged user on the disk holding ``path`` (its nearest existing
    ancestor), or None when it cannot be found out."""
    for folder in (path, *path.parents):
        try:
            st = os.statvfs(folder)
        except (OSError, ValueError):
            continue
        return st.f_bavail * st.f_frsize
    return None


def _read_only_fs(path: Path) -> bool:
    for folder in (path, *path.parents):
        try:
            return bool(os.statvfs(folder).f_flag & os.ST_RDONLY)
        except (OSError, ValueError):
            continue
    return False


def disk_is_full(path: Path) -> bool:
    """Whether the disk holding ``path`` has (almost) no space left."""
    free = _free_bytes(path)
    return free is not None and free < NEARLY_FULL


def full_folder(root: Path | None) -> Path | None:
    """The first full disk among the workspace, its letters/ and year folders, and the temporary
    folder (a write that failed for space does not always say where)."""
    import tempfile

    places: list[Path] = []
    if root is not None:
        letters = root / "letters"
        places += [root, letters]
        with contextlib.suppress(OSError):
            places += sorted(p for p in letters.iterdir() if p.is_dir())[:100]
    places.append(Path(tempfile.gettempdir()))
    for place in places:
        if place.is_dir() and disk_is_full(place):
            return place
    return None


_FULL = N_(
    "no space left on the disk: free some space (`df -h` shows what is full) and run the command again"
)
_READ_ONLY = N_(
    "the file system is read-only: remount it read-write, or work in a workspace on a writable disk"
)
_DENIED = N_(
    "permission denied: the folder or file is not writable (or readable) by you — run saraban "
    "as the workspace's owner, or give your user access (`ls -ld` shows owner and mode; "
    "e.g. `chmod u+w`)"
)

_REASONS: dict[int, str] = {
    errno.ENOSPC: _FULL,
    errno.EDQUOT: N_(
        "your disk quota is used up: free some space or ask for a larger quota, and "
        "run the command again"
    ),
    errno.EROFS: _READ_ONLY,
    errno.EACCES: _DENIED,
    errno.EPERM: _DENIED,
    errno.EISDIR: N_("is a folder, not a file: give the name of a file"),
    errno.ENOTDIR: N_("a part of this path is a file, not a folder: check the path"),
    errno.ENOENT: N_("no such file or folder: check the path"),
    errno.EEXIST: N_("already exists: choose another name or move it away"),
    errno.ENAMETOOLONG: N_("the name is too long for the file system: choose a shorter one"),
    errno.ELOOP: N_("too many symbolic links in this path: check the path"),
    errno.EIO: N_(
        "the disk reported an input/output error: check the disk (`dmesg`), and restore "
        "damaged files from a backup"
    ),
    errno.EMFILE: N_(
        "too many open files: raise the limit (`ulimit -n`) and run the command again"
    ),
    errno.ENFILE: N_("the system has too many open files: close some programs and try again"),
    errno.EBUSY: N_("the file or folder is busy: close what uses it and try again"),
    errno.ETXTBSY: N_("the file is busy: close what uses it and try again"),
    errno.EXDEV: N_("cannot move a file across disks: keep the workspace on one disk"),
    errno.ENOMEM: N_("not enough memory: close some programs and try again"),
}


def describe_os_error(exc: OSError, root: Path | None = None) -> str:
    """One line for an :class:`OSError`: the path (``root``-relative when inside the workspace
    ``root``), the OS's reason in plain words, and what to do."""
    code = exc.errno
    target = exc.filename2 if exc.filename2 is not None else exc.filename
    if (
        code == errno.EISDIR
        and exc.filename2 is not None
        and not Path(os.fsdecode(exc.filename2)).is_dir()
    ):
        target = exc.filename
    path = _shown(target, root)
    if code is None:
        reason = str(exc) or type(exc).__name__
    else:
        reason = _(_REASONS[code]) if code in _REASONS else f"{exc.strerror or os.strerror(code)}"
    if path is None and code in (errno.ENOSPC, errno.EDQUOT):
        full = full_folder(root)
        path = _shown(full, root) if full is not None else None
    return f"{path}: {reason}" if path else reason


def database_reason(exc: sqlite3.Error, path: Path | None) -> str:
    """The plain-words reason and what to do for an SQLite error on the register ``path``."""
    code = getattr(exc, "sqlite_errorcode", None)
    primary = code & 0xFF if isinstance(code, int) else None
    message = str(exc)
    folder = path.parent if path is not None else None
    if primary in (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB) or "malformed" in message:
        return _("the register database is damaged ({message}): {hint}").format(
            message=message, hint=_(RESTORE_HINT)
        )
    nearly_full = folder is not None and disk_is_full(folder)
    if primary == sqlite3.SQLITE_FULL or (primary == sqlite3.SQLITE_IOERR and nearly_full):
        return _(_FULL)  # SQLite says "disk I/O error" when it cannot even make its -shm file
    if path is not None and path.is_dir():
        return _("is a folder, not a register file: point office.yaml's register at a file")
    if folder is not None and _read_only_fs(folder):
        return _(_READ_ONLY)
    if primary in (sqlite3.SQLITE_READONLY, sqlite3.SQLITE_CANTOPEN, sqlite3.SQLITE_PERM):
        if folder is not None and not folder.is_dir():
            return _(
                "cannot open the register: its folder {folder} does not exist or is not a folder"
            ).format(folder=folder)
        if folder is not None and not os.access(folder, os.W_OK | os.X_OK, effective_ids=True):
            return _(
                "cannot open the register: its folder {folder} is not writable by you "
                "(SQLite keeps its -wal and -shm files beside it) — run saraban as the "
                "workspace's owner or give your user write access (`chmod u+w`)"
            ).format(folder=folder)
        if (
            path is not None
            and path.exists()
            and not os.access(path, os.R_OK | os.W_OK, effective_ids=True)
        ):
            return _(
                "cannot open the register: the file is not readable and writable by you — run "
                "saraban as its owner or give your user access (`chmod u+rw`)"
            )
        if nearly_full:
            return _(_FULL)
        return _("cannot open the register ({message}): check the file and its folder").format(
            message=message
        )
    if primary == sqlite3.SQLITE_IOERR:
        return _(
            "the disk reported an input/output error ({message}): check the disk (`dmesg`); "
            "if the register is damaged, {hint}"
        ).format(message=message, hint=_(RESTORE_HINT))
    return _("the register database failed ({message})").format(message=message)


def describe_database_error(exc: sqlite3.Error, path: Path | None, root: Path | None) -> str:
    """One line for an SQLite error on the register at ``path`` (None when unknown)."""
    shown = _shown(path, root) if path is not None else _("the register (letters/register.db)")
    return f"{shown}: {database_reason(exc, path)}"


NUL_REASON = N_("holds a NUL byte (\\0), which no file name can hold: check the path")


def release(exc: BaseException) -> None:
    """Let go of what a failed write left half-open, quietly: the frames of ``exc``'s traceback
    hold files and zip writers whose finalizers would try to flush into the same full or
    read-only disk and print a traceback of their own ("Exception ignored in …") after the
    one-line error. Their objects are finalized here, with such reports dropped."""
    import gc
    import sys
    import traceback

    hook = sys.unraisablehook
    sys.unraisablehook = lambda unraisable: None
    try:
        seen: set[int] = set()
        while exc is not None and id(exc) not in seen:
            seen.add(id(exc))
            traceback.clear_frames(exc.__traceback__)
            exc = exc.__cause__ or exc.__context__  # type: ignore[assignment]
        gc.collect()
    finally:
        sys.unraisablehook = hook
