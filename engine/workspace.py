"""The workspace (พื้นที่ทำงาน): a folder with office.yaml, its letters and its register.

Templates and workflows in the workspace's ``templates/`` and ``workflows/`` override the
built-in ones of the same name. Output goes to ``letters/<BE year>/…``; the register is
``letters/register.db`` unless office.yaml's ``register`` says otherwise. No output path ever
leaves the workspace: every path saraban reads or writes for a workspace goes through
:meth:`Workspace.confine` (:func:`engine.confine.inside`).
"""

from __future__ import annotations

import contextlib
import os
import secrets
import shutil
from functools import cached_property
from pathlib import Path

from . import confine, files, resources
from .errors import UserError
from .i18n import _
from .linebreak import LineBreaker, for_workspace
from .office import Office, load_office

#: The built-in templates, workflows and emblem (:mod:`engine.resources` finds them).
BUILTIN_TEMPLATES = resources.templates()
BUILTIN_WORKFLOWS = resources.workflows()
PLACEHOLDER_EMBLEM = resources.placeholder_emblem()


DATABASE_ENV = "SARABAN_DATABASE_URL"
"""The environment variable that puts an office's register on a PostgreSQL server."""
WORKSPACE_ID = ".workspace-id"
"""In letters/: this workspace's id among the machines that share a register on a server."""


def workspace_id(letters: Path) -> str:
    """This workspace's id (``letters/.workspace-id``, made once, at random): the journal rows
    of its pending files on a shared server carry it (docs/database.md)."""
    path = letters / WORKSPACE_ID
    with contextlib.suppress(FileNotFoundError):
        return path.read_text(encoding="ascii").strip()
    letters.mkdir(parents=True, exist_ok=True)
    fd, tmp = files.mkstemp(letters, f"{WORKSPACE_ID}.", ".tmp")
    try:
        with os.fdopen(fd, "w", encoding="ascii") as fh:
            fh.write(secrets.token_hex(8) + "\n")
            fh.flush()
            os.fsync(fh.fileno())
        with contextlib.suppress(FileExistsError):  # another process made it first: theirs
            os.link(tmp, path)
    finally:
        os.unlink(tmp)
    return path.read_text(encoding="ascii").strip()


def find_workspace(explicit: str | Path | None = None) -> Path:
    """--workspace, else $SARABAN_WORKSPACE, else the current folder."""
    chosen = explicit or os.environ.get("SARABAN_WORKSPACE") or "."
    return Path(chosen).resolve()


class Workspace:
    """A workspace folder; its office profile, templates, workflows, letters and register."""

    def __init__(self, root: str | Path) -> None:
        self.root = Path(root).resolve()

    @cached_property
    def office(self) -> Office:
        return load_office(self.root)

    @cached_property
    def line_breaker(self) -> LineBreaker:
        """Thai line breaking with the built-in units and the office's ``words.txt``."""
        return for_workspace(self.root)

    @property
    def letters_dir(self) -> Path:
        return self.root / "letters"

    @property
    def register_path(self) -> Path:
        """office.yaml's ``register`` (anywhere: the office chooses it), else
        ``letters/register.db``, which must not be a symbolic link leading out. With a database
        URL (:attr:`database_url`) the register named so is on that PostgreSQL server instead
        (:func:`engine.store.serve`). The first time a process asks, it also cleans up after
        interrupted commands in this workspace (:mod:`engine.recovery`)."""
        if self.office.register is not None:
            path = self.office.register
        else:
            path = self.confine(self.letters_dir / "register.db")
        if not self.__dict__.get("_reconciled"):
            self._serve(path)
            self._reconciled = True
            from . import recovery

            recovery.on_open(self, path)
        return path

    @property
    def database_url(self) -> str:
        """The PostgreSQL URL of the office's register: ``$SARABAN_DATABASE_URL`` (it wins: a
        machine's setting, which keeps a password out of office.yaml), else office.yaml's
        ``database``; "" for the SQLite file (docs/database.md). Never print it as it is."""
        return os.environ.get(DATABASE_ENV, "").strip() or self.office.database

    def _serve(self, path: Path) -> None:
        """With a database URL, the register named ``path`` is on that server
        (:func:`engine.store.serve`), for this workspace's office and machine."""
        url = self.database_url
        if not url:
            return
        from .store import parse_url, serve

        where = "database" if url == self.office.database else DATABASE_ENV
        server = parse_url(
            url, office=self.office.prefix, machine=workspace_id(self.letters_dir), field=where
        )
        serve(path, server)

    def template_path(self, name: str) -> Path:
        """A template by name: the workspace's own first, then the built-in one."""
        for folder in (self.root / "templates", BUILTIN_TEMPLATES):
            path = folder / f"{name}.docx"
            if path.is_file():
                return path
        raise UserError(_("no template named {name!r}").format(name=name), field="template")

    def template_names(self) -> list[str]:
        names = {p.stem for p in BUILTIN_TEMPLATES.glob("*.docx")}
        names |= {p.stem for p in (self.root / "templates").glob("*.docx")}
        return sorted(n for n in names if not n.startswith("~$"))

    def workflow_paths(self) -> dict[str, Path]:
        """Every workflow file by name; the workspace's own override built-ins."""
        found: dict[str, Path] = {}
        for folder in (BUILTIN_WORKFLOWS, self.root / "workflows"):
            for path in sorted(folder.glob("*.yaml")):
                found[path.stem] = path
        return found

    def confine(self, path: str | Path, **where: object) -> Path:
        """``path`` (relative to the workspace, or absolute) resolved, if it is inside the
        workspace; else :class:`UserError` naming the symbolic link that leads out. Every path
        read or written for the workspace goes through here. ``where``: the error's
        ``file``/``field``."""
        return confine.inside(self.root, path, **where)

    def output_path(self, relative: str | Path) -> Path:
        """A path under letters/; refuses one that would escape the workspace."""
        path = self.confine(self.letters_dir / relative)
        if path == self.root:
            raise UserError(
                _("output path {relative} is outside the workspace").format(relative=relative)
            )
        return path

    def relative(self, path: Path) -> str:
        try:
            return str(path.resolve().relative_to(self.root))
        except ValueError:
            return str(path)


def export_templates(
    ws: Workspace, names: list[str] | None = None, *, force: bool = False
) -> tuple[list[Path], list[Path]]:
    """Copy built-in templates (แม่แบบ) into the workspace's ``templates/`` for the office to edit
    in Word or LibreOffice: a copy there overrides the built-in one of the same name.

    ``names``: the templates to copy (default: all). A copy that exists already is kept unless
    ``force``. Returns (written, kept). Each file is written to a temporary name and renamed.
    """
    builtin = sorted(p.stem for p in BUILTIN_TEMPLATES.glob("*.docx"))
    unknown = [n for n in names or [] if n not in builtin]
    if unknown:
        raise UserError(
            _("no built-in template named {names}; the built-in templates are: {known}").format(
                names=", ".join(unknown), known=", ".join(builtin)
            ),
            field="templates",
        )
    folder = ws.confine(ws.root / "templates")
    folder.mkdir(exist_ok=True)
    written: list[Path] = []
    kept: list[Path] = []
    for name in names or builtin:
        target = ws.confine(folder / f"{name}.docx")
        if target.exists() and not force:
            kept.append(target)
            continue
        fd, tmp = files.mkstemp(folder, f".{name}~", ".docx")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write((BUILTIN_TEMPLATES / f"{name}.docx").read_bytes())
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        written.append(target)
    return written, kept


def init_workspace(root: str | Path) -> list[Path]:
    """Create a workspace: an example office.yaml, a sample letter.yaml for it (``saraban new
    letter --data letter.yaml --issue``), empty templates/ workflows/ letters/ folders.

    An existing office.yaml or letter.yaml is never overwritten.
    """
    root = Path(root)
    made = []
    root.mkdir(parents=True, exist_ok=True)
    for name, sample in (
        ("office.yaml", resources.sample_office()),
        ("letter.yaml", resources.sample_letter()),
    ):
        target = root / name
        if not target.exists():
            shutil.copyfile(sample, target)
            made.append(target)
    for sub in ("templates", "workflows", "letters"):
        d = root / sub
        if not d.exists():
            d.mkdir()
            made.append(d)
    return made
