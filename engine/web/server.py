"""Running the web application (การให้บริการเว็บ): ``saraban serve`` with one uvicorn process or
several worker processes behind one address.

With ``--workers N`` (N > 1) uvicorn's supervisor starts N processes that share the listening
socket; each builds the application with :func:`factory`, which finds the workspace in
``$SARABAN_WORKSPACE`` (set here before the workers start; the database URL, if it came from
``$SARABAN_DATABASE_URL``, is inherited the same way). The workers share nothing in memory: the
users, failed sign-ins and the cookie-signing key are in the register database, the session is
a signed cookie (docs/web.md). The supervisor restarts a worker that dies.

Several workers are allowed on the SQLite register too: SQLite in WAL mode is safe for several
processes of one machine (the command line runs concurrent processes on it), and its writes
queue for the file's lock. The PostgreSQL register lets them (and other machines) write at once.
"""

from __future__ import annotations

import os
from typing import Final

from starlette.applications import Starlette

from engine.i18n import _
from engine.register import Register
from engine.workspace import Workspace, find_workspace

from .app import create_app

WORKSPACE_ENV: Final = "SARABAN_WORKSPACE"
MAX_WORKERS: Final = 64


def factory() -> Starlette:
    """The application of the workspace named by ``$SARABAN_WORKSPACE`` (uvicorn calls it in
    each worker process: ``engine.web.server:factory``)."""
    return _served(Workspace(find_workspace()))


def _served(ws: Workspace) -> Starlette:
    """The application, with a connection to a SQLite register kept open while it serves.

    Every request opens the register (the API's functions each do) and closes it again. When
    the last connection to a SQLite file in WAL mode closes, SQLite checkpoints the log into the
    file and deletes it, and the next opening rebuilds its index: a third of a request's time,
    under load. One idle connection held by the process (no transaction, so it blocks neither
    writers nor checkpoints) keeps the log open between requests.
    """
    app = create_app(ws)
    if not ws.database_url:
        app.state.keeper = Register(ws.register_path)
    return app


def serve(ws: Workspace, *, host: str = "127.0.0.1", port: int = 8000, workers: int = 1) -> None:
    """Serve the workspace's web application until interrupted, in ``workers`` processes."""
    import uvicorn

    from engine.errors import UserError

    if not 1 <= workers <= MAX_WORKERS:
        raise UserError(
            _("--workers is a number from 1 to {most}, not {workers}").format(
                most=MAX_WORKERS, workers=workers
            ),
            field="--workers",
        )
    # Checked here, once, before any worker starts: a broken office.yaml or an unreachable or
    # outdated database stops the command with its one-line error; the register is migrated
    # and the cookie key made by this process, not raced for by the workers.
    app = _served(ws)
    # The pages are Thai: so are the engine's messages shown on them, whatever the server's
    # locale, unless SARABAN_LANG says otherwise (engine/i18n.py).
    os.environ.setdefault("SARABAN_LANG", "th")
    if workers == 1:
        print(
            _("saraban: serving {root} at http://{host}:{port}/ (Ctrl+C stops)").format(
                root=ws.root, host=host, port=port
            ),
            flush=True,
        )
        uvicorn.run(app, host=host, port=port, log_level="warning", access_log=False)
        return
    os.environ[WORKSPACE_ENV] = str(ws.root)
    print(
        _("saraban: serving {root} at http://{host}:{port}/ with {workers} workers (Ctrl+C stops)")
        .format(root=ws.root, host=host, port=port, workers=workers),
        flush=True,
    )  # fmt: skip
    uvicorn.run(
        f"{__name__}:factory",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        access_log=False,
    )
