"""Editing office.yaml (แก้ไขข้อมูลส่วนราชการ) from the web's admin pages, keeping the file's
comments and layout.

PyYAML keeps no comments, so the file is edited as text: only the lines of the top-level keys
that change are replaced (each by ``yaml.safe_dump`` of that key alone, in the flow style the
shipped files use: ``letterhead: [a, b]``, ``chief: {name: …, position: …}``). Every other line
stays as it was, comments included; a one-line value keeps its trailing ``# comment``. A key
that is removed loses its lines; a new key is added at the end. Comments *inside* a rewritten
multi-line value (between the signers, say) are lost. If the text cannot be edited in place (a
flow mapping at the top, anchors), or the edited text does not read back as the values asked
for, the whole file is written by ``yaml.safe_dump`` after its leading comment lines.

The new text is checked by :func:`engine.office.parse_office`, exactly as every command reads
office.yaml, before anything is written; it is then written atomically (temp file + rename, the
file's mode kept). ``version`` (a digest of the file as the page showed it) refuses an edit made
on a file that changed meanwhile.
"""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final

import yaml

from . import limits
from .errors import UserError
from .i18n import _
from .office import Office, parse_office
from .render import write_atomic
from .yamlio import Located, parse_yaml

REMOVE: Final = object()
"""A value in ``changes``: remove the key."""


def office_path(root: Path) -> Path:
    return root / "office.yaml"


def read(root: Path) -> tuple[str, Located, str]:
    """office.yaml's text, its parsed document (not validated) and its version."""
    path = office_path(root)
    data = limits.read_capped(path, "office")
    text = data.decode("utf-8-sig")
    return text, parse_yaml(text, path), version_of(data)


def version_of(data: bytes) -> str:
    """A short digest of the file's bytes: the version a form was made from."""
    return hashlib.sha256(data).hexdigest()[:16]


def _dump(key: str, value: Any) -> list[str]:
    """``key: value`` as YAML lines: the key in block style, a list or mapping inside it in
    flow style when it holds only plain values."""
    flow = None if isinstance(value, list | dict) else False
    text = yaml.safe_dump(
        {key: value}, allow_unicode=True, default_flow_style=flow, sort_keys=False, width=4096
    )
    return text.splitlines()


def _blocks(text: str) -> dict[str, tuple[int, int]] | None:
    """Each top-level key's lines, [first, end) (0-based), trailing blank and comment lines
    left to what follows; None when the text is not one block mapping."""
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return None
    if not isinstance(node, yaml.MappingNode) or node.flow_style:
        return None
    rows = text.splitlines()
    out: dict[str, tuple[int, int]] = {}
    pairs = node.value
    for i, (key, value) in enumerate(pairs):
        if not isinstance(key, yaml.ScalarNode) or key.start_mark.column != 0:
            return None
        if getattr(value, "anchor", None) is not None or isinstance(key.value, int):
            return None
        first = key.start_mark.line
        end = pairs[i + 1][0].start_mark.line if i + 1 < len(pairs) else len(rows)
        last_value = value.end_mark.line + (1 if value.end_mark.column > 0 else 0)
        end = max(min(end, max(last_value, first + 1)), first + 1)
        while end > first + 1 and (not rows[end - 1].strip() or rows[end - 1].lstrip()[:1] == "#"):
            end -= 1
        out[str(key.value)] = (first, end)
    return out


def _comment(row: str, value: yaml.Node | None) -> str:
    """The trailing ``# comment`` of a one-line ``key: value`` row, with its spacing."""
    if value is None:
        return ""
    tail = row[value.end_mark.column :]
    return tail if tail.lstrip().startswith("#") else ""


def edit_text(text: str, changes: Mapping[str, Any]) -> str:
    """``text`` with each top-level key of ``changes`` set to its value (:data:`REMOVE`:
    removed), comments and untouched keys kept as they were."""
    blocks = _blocks(text)
    new = _apply(text, blocks, changes) if blocks is not None else None
    wanted = dict(parse_yaml(text).data or {})
    for key, value in changes.items():
        if value is REMOVE:
            wanted.pop(key, None)
        else:
            wanted[key] = value
    if new is not None:
        with contextlib.suppress(UserError):
            if parse_yaml(new).data == wanted:
                return new
    head = []
    for row in text.splitlines():
        if row.strip() and not row.lstrip().startswith("#"):
            break
        head.append(row)
    body = [line for key, value in wanted.items() for line in _dump(str(key), value)]
    return "\n".join([*head, *body]) + "\n"


def _apply(text: str, blocks: dict[str, tuple[int, int]], changes: Mapping[str, Any]) -> str:
    rows = text.splitlines()
    node = yaml.compose(text, Loader=yaml.SafeLoader)
    assert isinstance(node, yaml.MappingNode)  # as _blocks found it
    values = {str(k.value): v for k, v in node.value}
    replaced: dict[int, list[str]] = {}
    dropped: set[int] = set()
    added: list[str] = []
    for key, value in changes.items():
        if key not in blocks:
            if value is not REMOVE:
                added += _dump(key, value)
            continue
        first, end = blocks[key]
        dropped.update(range(first, end))
        if value is REMOVE:
            continue
        lines = _dump(key, value)
        if len(lines) == 1 and end - first == 1:
            lines[0] += _comment(rows[first], values.get(key))
        replaced[first] = lines
    out: list[str] = []
    for i, row in enumerate(rows):
        if i in replaced:
            out += replaced[i]
        elif i not in dropped:
            out.append(row)
    while added and out and not out[-1].strip():
        out.pop()
    return "\n".join(out + added) + "\n"


def update_office(root: Path, changes: Mapping[str, Any], *, version: str | None = None) -> Office:
    """Set the top-level keys of ``changes`` in ``<root>/office.yaml``, check the result as every
    command reads it (:func:`engine.office.parse_office`; its :class:`UserError` names the
    key), then write it atomically. ``version``: the file must still be that one."""
    path = office_path(root)
    text, _doc, current = read(root)
    if version is not None and version != current:
        raise UserError(
            _("office.yaml has changed since this page was opened: open it again"),
            file=path,
            field="version",
        )
    new = edit_text(text, changes)
    office = parse_office(parse_yaml(new, path), root)
    write_atomic(path, new.encode("utf-8"), mode=path.stat().st_mode & 0o7777)
    return office
