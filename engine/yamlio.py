"""Safe YAML loading that remembers where every value came from.

Every YAML file saraban reads (office profile, workflows, case data) goes through
:func:`load_yaml`: PyYAML's safe loader, with two changes that matter to clerks:

* YAML 1.1 booleans are narrowed to ``true``/``false``: a bare ``on:`` (a workflow event key),
  ``yes``, ``no`` or ``off`` stays a string instead of silently becoming ``True``/``False``.
* every mapping key and sequence item keeps its line number, so an error can name the file,
  line and field (:class:`Located`).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from .errors import UserError


class _Loader(yaml.SafeLoader):
    """SafeLoader with YAML 1.2 booleans (only true/false) and no implicit dates."""


# Dates stay text: saraban parses them itself (Thai or ISO) with a clear error for a bad one.
_Loader.yaml_implicit_resolvers = {
    first: [
        (tag, rx)
        for tag, rx in resolvers
        if tag not in ("tag:yaml.org,2002:bool", "tag:yaml.org,2002:timestamp")
    ]
    for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
}
_Loader.add_implicit_resolver(
    "tag:yaml.org,2002:bool",
    re.compile(r"^(?:true|True|TRUE|false|False|FALSE)$"),
    list("tTfF"),
)


@dataclass
class Located:
    """A loaded YAML document with the line of every key path.

    ``lines[("signers", "chief", "name")]`` is the 1-based line where that key stands.
    """

    data: Any
    file: str
    lines: dict[tuple[Any, ...], int] = field(default_factory=dict)
    #: top-level keys whose value came from elsewhere (e.g. ``--set``): key → where
    origins: dict[Any, str] = field(default_factory=dict)

    def line(self, *path: Any) -> int | None:
        """The line of ``path``, or of its nearest ancestor that has one."""
        p = tuple(path)
        while p:
            if p in self.lines:
                return self.lines[p]
            p = p[:-1]
        return self.lines.get((), None)

    def error(self, message: str, *path: Any) -> UserError:
        """A :class:`UserError` pointing at ``path`` in this file."""
        name = ".".join(str(p) for p in path) if path else None
        if path and path[0] in self.origins:
            return UserError(message, file=self.origins[path[0]], field=name)
        return UserError(message, file=self.file, line=self.line(*path), field=name)


def _construct(loader: _Loader, node: yaml.Node, path: tuple[Any, ...], lines: dict) -> Any:
    lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        loader.flatten_mapping(node)
        out: dict[Any, Any] = {}
        for key_node, value_node in node.value:
            key = loader.construct_object(key_node, deep=True)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise UserError(
                    "a key must be a plain value",
                    file=loader.name,
                    line=key_node.start_mark.line + 1,
                )
            if key in out:
                raise UserError(
                    f"key {key!r} appears twice",
                    file=loader.name,
                    line=key_node.start_mark.line + 1,
                    field=".".join(str(p) for p in (*path, key)),
                )
            lines[(*path, key)] = key_node.start_mark.line + 1
            out[key] = _construct(loader, value_node, (*path, key), lines)
        return out
    if isinstance(node, yaml.SequenceNode):
        return [_construct(loader, item, (*path, i), lines) for i, item in enumerate(node.value)]
    try:
        return loader.construct_object(node, deep=True)
    except (ValueError, TypeError) as exc:
        raise UserError(
            f"invalid value: {exc}",
            file=loader.name,
            line=node.start_mark.line + 1,
            field=".".join(str(p) for p in path) or None,
        ) from None


def parse_yaml(text: str, file: str | Path = "<string>") -> Located:
    """Parse YAML text safely; errors become :class:`UserError` with file and line."""
    name = str(file)
    loader = _Loader(text)
    loader.name = name
    try:
        node = loader.get_single_node()
        lines: dict[tuple[Any, ...], int] = {}
        data = None if node is None else _construct(loader, node, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.problem and exc.context and exc.context_mark and mark is exc.problem_mark:
            problem += f" ({exc.context} that starts on line {exc.context_mark.line + 1})"
        raise UserError(f"malformed YAML: {problem}", file=name, line=line) from None
    except yaml.YAMLError as exc:
        raise UserError(f"malformed YAML: {exc}", file=name) from None
    finally:
        loader.dispose()
    return Located(data=data, file=name, lines=lines)


def load_yaml(path: str | Path) -> Located:
    """Read and parse a YAML file (UTF-8, a BOM tolerated)."""
    p = Path(path)
    try:
        data = p.read_bytes()
    except FileNotFoundError:
        raise UserError("file not found", file=p) from None
    return parse_yaml_bytes(data, p)


def parse_yaml_bytes(data: bytes, file: str | Path) -> Located:
    """Parse the bytes of a YAML file (UTF-8, a BOM tolerated)."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(f"not UTF-8 text (byte {exc.start})", file=file) from None
    return parse_yaml(text, file)
