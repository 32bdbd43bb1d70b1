"""External programs (โปรแกรมภายนอก): finding poppler's tools and the like on this machine.

Below both :mod:`engine.pdf` (which makes PDFs) and :mod:`engine.proof` (which reads them), so
that neither imports the other to find a program.
"""

from __future__ import annotations

import os
import shutil

from .errors import UserError
from .i18n import _


def which(name: str) -> str | None:
    """A program on the PATH, else in the system's default folders (``os.defpath``)."""
    return shutil.which(name) or shutil.which(name, path=os.defpath)


def tool(name: str, hint: str) -> str:
    """The path of a program :func:`which` finds; a :class:`UserError` saying how to install
    it when there is none."""
    found = which(name)
    if found is None:
        raise UserError(
            _("{name} is missing: install it with `{hint}`").format(name=name, hint=hint)
        )
    return found
