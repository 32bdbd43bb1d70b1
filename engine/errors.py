"""Errors. Every error the engine raises descends from :class:`SarabanError`.

A :class:`UserError` is the user's input or state being wrong: it names the file, line and field
where there is one, and the CLI prints it as one line on stderr and exits 1. A data file with
several mistakes gives a :class:`UserErrors` (collected with :class:`Problems`): one line each.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, TypeVar

T = TypeVar("T")


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


class UserErrors(UserError):
    """Several problems found in one pass over the input (a data file with three mistakes):
    each one a :class:`UserError` in :attr:`problems`, in the order they were found. Its own
    file, line, field and message are the first problem's; ``str()`` gives one problem a line.
    """

    def __init__(self, problems: list[UserError]) -> None:
        if not problems:
            raise ValueError("UserErrors needs at least one problem")
        self.problems: list[UserError] = list(problems)
        first = self.problems[0]
        super().__init__(first.message, file=first.file, line=first.line, field=first.field)

    def __str__(self) -> str:
        return "\n".join(str(p) for p in getattr(self, "problems", ()))


def error_lines(exc: UserError) -> list[str]:
    """The lines the CLI prints for ``exc``: one for a single problem, one per problem of a
    :class:`UserErrors`."""
    if isinstance(exc, UserErrors):
        return [str(p) for p in exc.problems]
    return [str(exc)]


class Problems:
    """Collects the problems of one input so that all are reported at once.

    ``problems.check(f, *args)`` calls ``f`` and returns what it returns, or ``default`` after
    noting the :class:`UserError` it raised; :meth:`raise_any` then raises the one problem, or a
    :class:`UserErrors` of several, ordered by line."""

    def __init__(self) -> None:
        self.found: list[UserError] = []

    def add(self, error: UserError) -> None:
        """Note ``error`` (every problem of a :class:`UserErrors`)."""
        if isinstance(error, UserErrors):
            self.found.extend(error.problems)
        else:
            self.found.append(error)

    def check(self, func: Callable[..., T], *args: Any, default: Any = None, **kw: Any) -> T:
        """``func(*args, **kw)``; on a :class:`UserError`, note it and return ``default``."""
        try:
            return func(*args, **kw)
        except UserError as exc:
            self.add(exc)
            return default

    def __bool__(self) -> bool:
        return bool(self.found)

    def raise_any(self) -> None:
        """Raise what was found: nothing, the one problem, or all of them."""
        if len(self.found) == 1:
            raise self.found[0]
        if self.found:  # top to bottom of the file; problems without a line last
            raise UserErrors(sorted(self.found, key=lambda e: (e.line is None, e.line or 0)))


def did_you_mean(word: object, known: Iterable[str]) -> str | None:
    """The known word closest to a misspelt ``word`` (``subjet`` → ``subject``), or None."""
    import difflib

    close = difflib.get_close_matches(str(word), list(known), n=1)
    return close[0] if close else None
