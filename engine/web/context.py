"""What a page handler uses of a request (:class:`engine.web.app.Ctx`), for the handler modules
that app.py imports (admin, bulk) and so cannot import app.py back; and the lookups every such
module shares."""

from __future__ import annotations

from typing import Any, Protocol

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import HTMLResponse, RedirectResponse

from engine import api
from engine.errors import UserError
from engine.store import Entry, User
from engine.workspace import Workspace


class Context(Protocol):
    """One request as a handler sees it (:class:`engine.web.app.Ctx`)."""

    request: Request
    ws: Workspace
    user: User | None
    form: FormData

    def param(self, name: str) -> str: ...

    def render(self, template: str, status: int = 200, **values: Any) -> HTMLResponse: ...

    def redirect(self, url: str, flash: str | None = None) -> RedirectResponse: ...

    def refuse(self, status: int, message: str) -> HTMLResponse: ...


def entry_of(ctx: Context) -> Entry:
    """The register entry the path's ``{entry}`` names; 404 when there is none."""
    try:
        return api.register_entry(ctx.ws, int(ctx.param("entry")))
    except UserError:
        raise HTTPException(404) from None
