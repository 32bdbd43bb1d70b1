"""Progress bars (rich) for long runs: over ~20 documents, on a terminal, unless --quiet."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from . import session

T = TypeVar("T")

#: Runs shorter than this show no bar.
THRESHOLD = 20


def enabled(total: int) -> bool:
    """A bar for ``total`` items: not under ``--quiet`` (the current session's flag) nor
    $SARABAN_QUIET=1, not for a short run, only on a terminal."""
    if session.current().quiet or os.environ.get("SARABAN_QUIET") or total < THRESHOLD:
        return False
    return sys.stderr.isatty()


def track(items: Iterable[T], description: str, total: int | None = None) -> Iterator[T]:
    """``items``, with a progress bar on stderr when :func:`enabled`."""
    if total is None:
        total = len(items)  # type: ignore[arg-type]
    if not enabled(total):
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(
        items, description=description, total=total, console=Console(stderr=True), transient=True
    )
