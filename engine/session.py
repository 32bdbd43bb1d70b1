"""The session (สมัยการทำงาน) of one command: the state a run keeps, in the manner of click's Context.

A :class:`Session` owns what used to be module globals: the quiet flag (``--quiet``: no
progress bar), values looked up once per session (where LibreOffice's ``soffice`` is), and
resources made on first use and closed when the session ends (the LibreOffice converter pool).
``cli.main`` opens one per command; the API functions take an optional ``session=``; anything
else asks :func:`current`: the innermost session entered (a :class:`contextvars.ContextVar`),
else the process-wide default session, closed at exit.

``cli.main`` opens its session inside the one entered, if any (``Session(parent=entered())``):
a session with a parent has its own quiet flag and its own lookups, and shares its parent's
resources. A ``saraban`` process has no outer session, so its pool is closed when the command
ends; the test suite enters one session for the whole run (tests/conftest.py), so its
in-process commands share one LibreOffice pool. Tests that need a fresh lookup (another
``$SARABAN_SOFFICE``) open a new session: there is no cache to clear.

This module sits at the bottom of the layers: it imports no other engine module (the PDF
module registers its converter here, not the other way round).
"""

from __future__ import annotations

import atexit
import contextlib
import contextvars
import functools
import threading
from collections.abc import Callable, Hashable, Iterator
from typing import Any, ParamSpec, Protocol, TypeVar, cast

T = TypeVar("T")
P = ParamSpec("P")


class _Closable(Protocol):
    def close(self) -> None: ...


R = TypeVar("R", bound=_Closable)


class Session:
    """The state of one command (or one test); a context manager that makes itself
    :func:`current` and closes its resources on exit."""

    def __init__(self, *, quiet: bool = False, parent: Session | None = None) -> None:
        self.quiet = quiet
        self.parent = parent
        self._values: dict[Hashable, Any] = {}
        self._resources: dict[Hashable, _Closable] = {}
        self._lock = threading.RLock()
        self._tokens: list[contextvars.Token[Session | None]] = []
        self.closed = False

    @property
    def root(self) -> Session:
        """The outermost session: the owner of the resources."""
        return self if self.parent is None else self.parent.root

    # --- values and resources ------------------------------------------------------------
    def cached(self, key: Hashable, factory: Callable[[], T]) -> T:
        """``factory()``, computed once in this session (an exception is not kept: the next
        call tries again, as :func:`functools.cache` does)."""
        with self._lock:
            if key not in self._values:
                self._values[key] = factory()
            return cast(T, self._values[key])

    def resource(
        self, key: Hashable, factory: Callable[[], R], usable: Callable[[R], bool] | None = None
    ) -> R:
        """The resource ``key``, made by ``factory()`` on first use (again when it is no longer
        ``usable``) and closed when the session ends. A session with a parent leaves its
        resources to the outermost one."""
        if self.parent is not None:
            return self.parent.resource(key, factory, usable)
        with self._lock:
            found = cast(R | None, self._resources.get(key))
            if found is None or (usable is not None and not usable(found)):
                found = self._resources[key] = factory()
            return found

    def close(self) -> None:
        """Close this session's resources (idempotent)."""
        with self._lock:
            resources, self._resources = list(self._resources.values()), {}
            self._values.clear()
            self.closed = True
        for res in reversed(resources):
            res.close()

    # --- the current session -------------------------------------------------------------
    def __enter__(self) -> Session:
        self._tokens.append(_current.set(self))
        return self

    def __exit__(self, *exc: object) -> None:
        _current.reset(self._tokens.pop())
        if not self._tokens:
            self.close()


_current: contextvars.ContextVar[Session | None] = contextvars.ContextVar(
    "saraban_session", default=None
)
_default: Session | None = None
_default_lock = threading.Lock()


def default() -> Session:
    """The process-wide session: used where no session was entered; closed at exit."""
    global _default
    with _default_lock:
        if _default is None or _default.closed:
            _default = Session()
        return _default


@atexit.register
def _close_default() -> None:
    if _default is not None:
        _default.close()


def entered() -> Session | None:
    """The innermost session entered in this context (None outside any ``with Session()``)."""
    return _current.get()


def current() -> Session:
    """The innermost session entered in this context, else :func:`default`."""
    return _current.get() or default()


@contextlib.contextmanager
def using(session: Session | None) -> Iterator[Session]:
    """``session`` made current for the block (not closed after it: its owner closes it), or
    the current one when None: how the API functions take ``session=``."""
    if session is None or session is _current.get():
        yield current()
        return
    token = _current.set(session)
    try:
        yield session
    finally:
        _current.reset(token)


def accepts(function: Callable[P, T]) -> Callable[P, T]:
    """For an API function with a keyword ``session: Session | None = None``: the function runs
    with that session current (:func:`using`), or the current one when it is None."""

    @functools.wraps(function)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> T:
        given = kwargs.get("session")
        with using(given if isinstance(given, Session) else None):
            return function(*args, **kwargs)

    return wrapper
