"""Progress bars (rich) for long runs: over ~20 documents, on a terminal, unless --quiet.

A caller may also watch the progress (the web pages' progress bar): inside
``with observed(callback):`` every tracked run calls ``callback(description, done, total)``
before its first item and after each one, whatever its length and wherever stderr goes.
"""

from __future__ import annotations

import contextlib
import os
import sys
from collections.abc import Callable, Iterable, Iterator
from contextvars import ContextVar
from typing import TypeVar

from . import session

T = TypeVar("T")

#: Runs shorter than this show no bar.
THRESHOLD = 20

Observer = Callable[[str, int, int], None]
_observer: ContextVar[Observer | None] = ContextVar("saraban_progress_observer", default=None)


@contextlib.contextmanager
def observed(callback: Observer) -> Iterator[None]:
    """Call ``callback(description, done, total)`` as the runs tracked inside advance (in
    this thread or task only: the observer is a context variable)."""
    token = _observer.set(callback)
    try:
        yield
    finally:
        _observer.reset(token)


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
    watch = _observer.get()
    if watch is not None:
        items = _watched(items, description, total, watch)
    if not enabled(total):
        yield from items
        return
    from rich.console import Console
    from rich.progress import track as rich_track

    yield from rich_track(
        items, description=description, total=total, console=Console(stderr=True), transient=True
    )


def _watched(items: Iterable[T], description: str, total: int, watch: Observer) -> Iterator[T]:
    watch(description, 0, total)
    for done, item in enumerate(items, start=1):
        yield item
        watch(description, done, total)
