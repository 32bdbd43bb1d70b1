"""Who may read what (ความเป็นส่วนตัว): the register is private to its owner, letters are not.

The register database holds every case's data — citizen IDs, addresses, the inputs of each
workflow, whether or not a letter prints them — so it is created readable and writable by its
owner only (0600), whatever the umask; SQLite gives its ``-wal`` and ``-shm`` files the mode
of the database. A register made by an older saraban with a mode that lets every user of the
machine read it loses those "other" bits when it is next opened (its group bits, which an
office may use to share one workspace between clerks, are left alone). Letters follow the
umask: they are the office's documents, which other clerks must be able to open.
"""

from __future__ import annotations

import contextlib
import os
import stat
from pathlib import Path

from .errors import RegisterError
from .failures import NUL_REASON
from .i18n import _

PRIVATE_FILE = 0o600


def _restrict(path: Path) -> None:
    """Drop the "other" permission bits of an existing file we own (no-op otherwise)."""
    try:
        st = os.lstat(path)
    except OSError:
        return
    if stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and st.st_mode & 0o007:
        with contextlib.suppress(OSError):
            os.chmod(path, stat.S_IMODE(st.st_mode) & ~0o007)


def prepare_register_file(path: Path) -> None:
    """Before SQLite opens the register at ``path``: refuse a path that cannot be a file, make
    its folder, create the file 0600 when it is new (an empty file is an empty database to
    SQLite), and take the "other" bits off an existing one and its -wal and -shm files."""
    if "\0" in str(path):
        raise RegisterError(_(NUL_REASON), file=str(path).replace("\0", "\\0"))
    if path.is_dir():
        raise RegisterError(
            _(
                "is a folder, not a register file: point office.yaml's register at a file (or remove the key to use letters/register.db)"
            ),
            file=path,
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, PRIVATE_FILE)
    except FileExistsError:
        for p in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            _restrict(p)
        return
    try:
        os.fchmod(fd, PRIVATE_FILE)  # the umask can only take bits away; this is exact
    finally:
        os.close(fd)
