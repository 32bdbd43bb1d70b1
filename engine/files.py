"""Temporary files for atomic writes (temp file + rename) with the permissions of a normal file.

``tempfile.mkstemp`` creates files readable by their owner only (0600); a letter renamed into
place from one would be unreadable by the other clerks of the office. These temporaries get the
mode a plain ``open()`` would give (0666 less the umask).
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)
_tag = ""


def set_tag(tag: str) -> None:
    """Mark this process's temporary files (a bulk run's workers), so that the process that
    started them can remove what they leave when it stops them (see :func:`sweep`)."""
    global _tag
    _tag = tag


def sweep(folders: set[Path], tag: str) -> int:
    """Remove the temporary files marked ``tag`` in ``folders`` and below; returns how many."""
    removed = 0
    for folder in folders:
        for path in folder.rglob(f".*{tag}*"):
            try:
                path.unlink()
                removed += 1
            except OSError:
                pass
    return removed


def mkstemp(folder: str | Path, prefix: str, suffix: str) -> tuple[int, str]:
    """Like :func:`tempfile.mkstemp` in ``folder``, but with the mode of a normal new file."""
    fd, name = tempfile.mkstemp(prefix=prefix + _tag, suffix=suffix, dir=folder)
    os.fchmod(fd, 0o666 & ~_UMASK)
    return fd, name


def sha256(path: Path) -> str:
    """The SHA-256 of a file's bytes, in hex (read in blocks, not whole into memory)."""
    with path.open("rb") as fh:
        return hashlib.file_digest(fh, "sha256").hexdigest()
