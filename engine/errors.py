"""Errors. Every error the engine raises descends from :class:`SarabanError`.

A :class:`UserError` is the user's input or state being wrong: it names the file, line and field
where there is one, and the CLI prints it as one line on stderr and exits 1.
"""

from __future__ import annotations

from pathlib import Path


class SarabanError(Exception):
    """Base of every error raised by saraban."""


class UserError(SarabanError):
    """Bad input or state: exit status 1, one clear message, nothing written."""

    def __init__(
        self,
        message: str,
        *,
        file: str | Path | None = None,
        line: int | None = None,
        field: str | None = None,
    ) -> None:
        self.message = message
        self.file = str(file) if file is not None else None
        self.line = line
        self.field = field
        super().__init__(str(self))

    def __str__(self) -> str:
        where = ""
        if self.file:
            where = self.file
            if self.line:
                where += f":{self.line}"
            where += ": "
        field = f"{self.field}: " if self.field else ""
        return f"{where}{field}{self.message}"


class TemplateError(UserError):
    """A template is malformed, or uses a variable the data does not give."""


class RegisterError(UserError):
    """The register refuses: unknown number, number already cancelled, series already started."""
