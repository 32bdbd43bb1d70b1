"""Temporary files for atomic writes (temp file + rename) with the permissions of a normal file.

``tempfile.mkstemp`` creates files readable by their owner only (0600); a letter renamed into
place from one would be unreadable by the other clerks of the office. These temporaries get the
mode a plain ``open()`` would give (0666 less the umask).
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

_UMASK = os.umask(0)
os.umask(_UMASK)


def mkstemp(folder: str | Path, prefix: str, suffix: str) -> tuple[int, str]:
    """Like :func:`tempfile.mkstemp` in ``folder``, but with the mode of a normal new file."""
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=folder)
    os.fchmod(fd, 0o666 & ~_UMASK)
    return fd, name
