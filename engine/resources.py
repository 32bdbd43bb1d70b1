"""Built-in data (ข้อมูลที่มากับโปรแกรม): the templates, workflows, workflow schema and assets that
ship with saraban, and the sample files that ``saraban init`` writes into a new workspace.

This module is the one place that knows where they are. In the source tree they are the
repository's top-level folders (``templates/``, ``workflows/``, ``schema/``, ``assets/``,
``examples/``); a wheel carries the same folders as package data under ``engine/data/``
(pyproject.toml maps them there at build time, see its comment). Both are found from the
``engine`` package that is actually imported (the folder of this module, which is what
:func:`importlib.resources.files` gives for a package on the file system, without the 7 ms its
import of :mod:`zipfile` adds to every command), so a checkout (``PYTHONPATH``), an editable
install and an installed wheel each read their own copy:

========================  ====================================================================
installed from a wheel    ``<site-packages>/engine/data/<folder>``
source tree, editable     ``<repository>/<folder>`` (the folder beside ``engine/`` next to
                          ``pyproject.toml``)
========================  ====================================================================

A missing folder (a broken installation) is one line from :func:`verify`, which every command
calls first: ``saraban: error: saraban's built-in data is missing (<folder>, …): reinstall
saraban``.
"""

from __future__ import annotations

from pathlib import Path

from .errors import UserError
from .i18n import _

#: The built-in folders, by name (the same in the repository and in the wheel's engine/data/).
FOLDERS = ("templates", "workflows", "schema", "assets", "examples")


def package_dir() -> Path:
    """The imported ``engine`` package's folder, on the file system."""
    return Path(__file__).resolve().parent


def source_tree() -> Path | None:
    """The repository the engine is imported from (a checkout or an editable install), or None
    when it is an installed package."""
    root = package_dir().parent
    return root if (root / "pyproject.toml").is_file() else None


def folder(name: str) -> Path:
    """A built-in folder (one of :data:`FOLDERS`): the wheel's package data, else the source
    tree's top-level folder. Where it should be even when it is missing: :func:`verify` says so
    (this is called while modules are imported, where an error would be a traceback)."""
    if name not in FOLDERS:
        raise ValueError(f"not a built-in folder: {name!r}")
    packaged = package_dir() / "data" / name
    if packaged.is_dir():
        return packaged
    tree = source_tree()
    return tree / name if tree is not None else packaged


def verify() -> None:
    """A :class:`UserError` when a built-in folder is missing (a broken installation)."""
    missing = [str(folder(name)) for name in FOLDERS if not folder(name).is_dir()]
    if missing:
        raise UserError(
            _("saraban's built-in data is missing ({names}): reinstall saraban").format(
                names=", ".join(missing)
            )
        )


def templates() -> Path:
    """The built-in templates (แม่แบบ): ``<name>.docx``."""
    return folder("templates")


def workflows() -> Path:
    """The built-in workflows (ขั้นตอนงาน): ``<name>.yaml``."""
    return folder("workflows")


def workflow_schema() -> Path:
    """The JSON schema every workflow file is validated against."""
    return folder("schema") / "workflow.schema.json"


def placeholder_emblem() -> Path:
    """The neutral emblem (ตราครุฑ placeholder) used when office.yaml names none."""
    return folder("assets") / "emblem-placeholder.png"


def sample_office() -> Path:
    """The commented office.yaml of a sub-district administrative organisation (อบต.) that
    ``init`` writes."""
    return folder("examples") / "init" / "office.yaml"


def sample_letter() -> Path:
    """The sample letter data ``init`` writes as letter.yaml, for that example office."""
    return folder("examples") / "init" / "letter.yaml"
