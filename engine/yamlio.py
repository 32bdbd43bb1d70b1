"""Safe YAML loading that remembers where every value came from.

Every YAML file saraban reads (office profile, workflows, case data) goes through
:func:`load_yaml`: PyYAML's safe loader, with two changes that matter to clerks:

* YAML 1.1 booleans are narrowed to ``true``/``false``: a bare ``on:`` (a workflow event key),
  ``yes``, ``no`` or ``off`` stays a string instead of silently becoming ``True``/``False``.
* every mapping key and sequence item keeps its line number, so an error can name the file,
  line and field (:class:`Located`);
* it is bounded (:mod:`engine.limits`): a file is read up to its kind's size limit, and a
  document whose aliases and merge keys would expand to more than
  :data:`~engine.limits.MAX_YAML_VALUES` values (an alias bomb), that nests deeper than
  :data:`~engine.limits.MAX_YAML_DEPTH` or refers to itself is refused before it is built;
* a string that is not text (a lone surrogate, from a ``"\\ud800"`` escape) is an error
  naming the file, line and field.
"""

from __future__ import annotations

import contextlib
import marshal
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

from . import limits
from .errors import UserError
from .i18n import _


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
            _check_text(loader, key_node, key, path)
            if not isinstance(key, str | int | float | bool) and key is not None:
                raise UserError(
                    _("a key must be a plain value"),
                    file=loader.name,
                    line=key_node.start_mark.line + 1,
                )
            if key in out:
                first = lines.get((*path, key))
                raise UserError(
                    _("key {key!r} appears twice (first on line {first}): keep one of them").format(
                        key=key, first=first
                    ),
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
        value = loader.construct_object(node, deep=True)
    except (ValueError, TypeError) as exc:
        raise UserError(
            _("invalid value: {exc}").format(exc=exc),
            file=loader.name,
            line=node.start_mark.line + 1,
            field=".".join(str(p) for p in path) or None,
        ) from None
    _check_text(loader, node, value, path)
    return value


def _check_text(loader: _Loader, node: yaml.Node, value: Any, path: tuple[Any, ...]) -> None:
    """A string holding a lone surrogate (``"\\ud800"``) is not text: it could not be stored."""
    if isinstance(value, str) and limits.has_surrogate(value):
        raise UserError(
            _("not valid text: {value!r} holds a lone surrogate (a \\ud800-\\udfff escape)").format(
                value=limits.shorten(value)
            ),
            file=loader.name,
            line=node.start_mark.line + 1,
            field=".".join(str(p) for p in path) or None,
        )


def _children(node: yaml.Node) -> list[yaml.Node]:
    if isinstance(node, yaml.MappingNode):
        return [n for pair in node.value for n in pair]
    if isinstance(node, yaml.SequenceNode):
        return list(node.value)
    return []


def _measure(root: yaml.Node, name: str) -> None:
    """Refuse a document that would expand to too many values (aliases and merge keys count
    as many times as they are used), nests too deeply or refers to itself. Linear in the
    number of distinct nodes: the expansion itself is never built."""
    size: dict[int, int] = {}
    depth: dict[int, int] = {}
    open_: set[int] = set()
    stack: list[tuple[yaml.Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        line = node.start_mark.line + 1
        if done:
            open_.discard(key)
            kids = _children(node)
            size[key] = 1 + sum(size[id(k)] for k in kids)
            depth[key] = 1 + max((depth[id(k)] for k in kids), default=0)
            if size[key] > limits.MAX_YAML_VALUES:
                raise UserError(
                    _(
                        "too many values: more than {max_yaml_values:,} once its aliases (*name) and merge keys (<<) are expanded"
                    ).format(max_yaml_values=limits.MAX_YAML_VALUES),
                    file=name,
                    line=line,
                )
            if depth[key] > limits.MAX_YAML_DEPTH:
                raise UserError(
                    _("lists and mappings nested more than {max_yaml_depth} deep").format(
                        max_yaml_depth=limits.MAX_YAML_DEPTH
                    ),
                    file=name,
                    line=line,
                )
            continue
        if key in size:
            continue
        if key in open_:
            raise UserError(_("a value refers to itself through an alias (*name)"), file=name,
                            line=line)  # fmt: skip
        open_.add(key)
        stack.append((node, True))
        stack.extend((k, False) for k in _children(node) if id(k) not in size)


_BLOCK_HEADER = re.compile(r":\s*[|>][-+0-9]*\s*(?:#.*)?$")


def _indent(row: str) -> int:
    return len(row) - len(row.lstrip(" "))


def _row_above(rows: list[str], index: int) -> int | None:
    """The index of the nearest line above ``index`` that is not blank nor a comment."""
    for i in range(min(index, len(rows)) - 1, -1, -1):
        stripped = rows[i].strip()
        if stripped and not stripped.startswith("#"):
            return i
    return None


def _indent_hint(rows: list[str], index: int) -> str | None:
    """Why line ``index`` (0-based) does not fit where it stands: indented more or less than
    the line above it, or less than the first line of a ``|`` block."""
    above = _row_above(rows, index)
    if above is None or index >= len(rows):
        return None
    ind, above_ind = _indent(rows[index]), _indent(rows[above])
    if ind > above_ind:
        return _(
            "line {line} is indented more than line {above} above it: keys of one "
            "mapping (and items of one list) start in the same column (if the line continues "
            "the text above, write that text as a block with |)"
        ).format(line=index + 1, above=above + 1)
    if ind == above_ind:
        return None
    # less indented: inside a block of text (| or >) whose first line was indented more?
    for i in range(above, -1, -1):
        row = rows[i]
        if row.strip() and _indent(row) <= ind:
            if _BLOCK_HEADER.search(row):
                first = i + 1
                while first < len(rows) and not rows[first].strip():
                    first += 1
                return _(
                    "line {line} is indented less than line {first}, the first line "
                    "of the text block that starts on line {start}: every line of a | block "
                    "needs at least the indent of its first line; indent its lines alike"
                ).format(line=index + 1, first=first + 1, start=i + 1)
            break
    return _(
        "line {line} is indented less than line {above} above it: keys of one "
        "mapping (and items of one list) start in the same column"
    ).format(line=index + 1, above=above + 1)


def yaml_hint(exc: yaml.MarkedYAMLError, text: str) -> str | None:
    """A plain sentence for the YAML mistakes people make most (a tab, a colon inside a value,
    a line indented wrongly, a quote never closed, a key without its colon), or None: the
    parser's own words are kept for the rest. Lines and columns count from 1."""
    mark = exc.problem_mark
    if mark is None:
        return None
    problem, context = exc.problem or "", exc.context or ""
    rows = text.splitlines()
    row = rows[mark.line] if mark.line < len(rows) else ""
    if "'\\t'" in problem:
        return _(
            "a tab character at column {column}: YAML cannot read tabs here; indent "
            "with spaces, not tabs (a tab often comes with text pasted from Word)"
        ).format(column=mark.column + 1)
    start = exc.context_mark
    if "quoted scalar" in context and start is not None:
        quote = text[start.index] if start.index < len(text) else '"'
        if "end of stream" in problem:
            return _(
                "the quote {quote} opened on line {line}, column "
                "{column} is never closed: end the value with {quote}"
            ).format(quote=quote, line=start.line + 1, column=start.column + 1)
        if "escape" in problem:
            return _(
                "a backslash (\\) inside double quotes starts an escape: write the text in "
                "single quotes ('…') or double the backslash"
            )
    if problem == "mapping values are not allowed here":
        before = row[: mark.column]
        if ": " in before.strip() or before.rstrip().endswith(":"):
            key = before.split(":", 1)[0].strip().lstrip("- ")
            return _(
                "the value of {key!r} contains ': ' (a colon and a space): put the whole value "
                'in quotes ("…") or write it as a block of text with |'
            ).format(key=key)
        return _indent_hint(rows, mark.line)
    if problem.startswith(("expected <block end>", "expected '<document start>'")):
        before = row[: mark.column].rstrip()
        if before.endswith(("'", '"')) and ":" in before:
            return _(
                "text after the closing quote at column {column}: put the whole value in "
                "quotes, or none of it"
            ).format(column=len(before))
        return _indent_hint(rows, mark.line)
    if problem == "could not find expected ':'" and start is not None:
        return _(
            "line {line} is not 'key: value': add ':' after the key, or, if the "
            "line continues the text above it, indent it (or write that text as a block with |)"
        ).format(line=start.line + 1)
    return None


def parse_yaml(text: str, file: str | Path = "<string>") -> Located:
    """Parse YAML text safely; errors become :class:`UserError` with file and line."""
    name = str(file)
    loader = _Loader(text)
    loader.name = name
    try:
        node = loader.get_single_node()
        if node is not None:
            _measure(node, name)
        lines: dict[tuple[Any, ...], int] = {}
        data = None if node is None else _construct(loader, node, (), lines)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        line = mark.line + 1 if mark else None
        hint = yaml_hint(exc, text)
        if hint is not None:
            raise UserError(hint, file=name, line=line) from None
        problem = exc.problem or exc.context or "malformed YAML"
        if exc.problem and exc.context and exc.context_mark and mark is exc.problem_mark:
            problem += _(" ({context} that starts on line {line})").format(
                context=exc.context, line=exc.context_mark.line + 1
            )
        if mark is not None:
            problem += _(" (column {column})").format(column=mark.column + 1)
        raise UserError(
            _("malformed YAML: {problem}").format(problem=problem), file=name, line=line
        ) from None
    except yaml.YAMLError as exc:
        raise UserError(_("malformed YAML: {exc}").format(exc=exc), file=name) from None
    except RecursionError:
        raise UserError(
            _("lists and mappings nested more than {max_yaml_depth} deep").format(
                max_yaml_depth=limits.MAX_YAML_DEPTH
            ),
            file=name,
        ) from None
    finally:
        loader.dispose()
    return Located(data=data, file=name, lines=lines)


def load_yaml(path: str | Path, kind: str = "yaml", *, cached: bool = False) -> Located:
    """Read and parse a YAML file (UTF-8, a BOM tolerated); a file larger than the limit for
    its ``kind`` (:data:`engine.limits.FILE_LIMITS`) is refused, read no further. ``cached``:
    see :func:`parse_yaml_bytes`."""
    p = Path(path)
    return parse_yaml_bytes(limits.read_capped(p, kind), p, cached=cached)


def parse_yaml_bytes(data: bytes, file: str | Path, *, cached: bool = False) -> Located:
    """Parse the bytes of a YAML file (UTF-8, a BOM tolerated). ``cached``: a file read on every
    command and seldom changed (office.yaml, a workflow) is parsed once; its document and lines
    are kept in engine/cache.py, keyed by its name and bytes. A file that fails to parse is
    never kept: it fails again, with the same message."""
    if cached:
        return _parse_cached(data, file)
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise UserError(
            _("not UTF-8 text (byte {start})").format(start=exc.start), file=file
        ) from None
    return parse_yaml(text, file)


_YAML_CACHE_FORMAT = "yaml-1"


def _parse_cached(data: bytes, file: str | Path) -> Located:
    from . import cache

    key = cache.digest(_YAML_CACHE_FORMAT, yaml.__version__, str(file), data)
    blob = cache.load_bytes("yaml", key)
    if blob is not None:
        with contextlib.suppress(ValueError, EOFError, TypeError):
            value, lines = marshal.loads(blob)
            if isinstance(lines, dict):
                return Located(data=value, file=str(file), lines=lines)
    doc = parse_yaml_bytes(data, file)
    try:  # marshal keeps every type a YAML file gives (int keys, sets …) or refuses it
        blob = marshal.dumps((doc.data, doc.lines))
    except ValueError:  # e.g. an explicit !!timestamp: not kept
        return doc
    cache.store_bytes("yaml", key, blob)
    return doc


# --- --set values -------------------------------------------------------------------------------
def _events(text: str) -> list[yaml.Event] | None:
    """The YAML events of ``text``, or None if it is not YAML."""
    try:
        return list(yaml.parse(text, Loader=_Loader))
    except yaml.YAMLError:
        return None


def _program(events: list[yaml.Event]) -> bool:
    """Whether the events use an anchor (``&a``), an alias (``*a``) or an explicit tag
    (``!!str``): a ``--set`` value is a value, never a YAML program."""
    for ev in events:
        if isinstance(ev, yaml.AliasEvent) or getattr(ev, "anchor", None) is not None:
            return True
        implicit = getattr(ev, "implicit", True)
        explicit = implicit is False or (isinstance(implicit, tuple) and not any(implicit))
        if getattr(ev, "tag", None) is not None and explicit:
            return True
    return False


def set_scalar(text: str) -> Any:
    """A ``--set`` value as a YAML scalar, without YAML's anchors, aliases and tags:
    ``true``/``false``, numbers and ``'quoted'``/``"quoted"`` text are read as YAML reads them;
    anything else (``&a x``, ``*a``, ``!!str x``, ``a: b``, ``[a]``, ``null``, empty) is the
    text as typed."""
    stripped = text.strip()
    if not stripped:
        return text
    if stripped[0] in "'\"":
        events = _events(stripped) or []
        scalars = [e for e in events if isinstance(e, yaml.ScalarEvent)]
        if len(scalars) == 1 and scalars[0].style in ("'", '"') and not _program(events):
            value = parse_yaml(stripped, "--set").data
            return value if isinstance(value, str) else text
        return text
    loader = _Loader("")
    try:
        tag = loader.resolve(yaml.ScalarNode, stripped, (True, False))
        if tag in ("tag:yaml.org,2002:str", "tag:yaml.org,2002:null"):
            return text
        return loader.construct_object(yaml.ScalarNode(tag, stripped))
    except (ValueError, TypeError, yaml.YAMLError):
        return text
    finally:
        loader.dispose()


def set_collection(text: str, key: str) -> list[Any] | dict[Any, Any] | None:
    """A ``--set`` value written as a YAML flow list or mapping (``[a, b]``, ``{k: v}``): the
    list or mapping, or None if it is not one. Anchors, aliases and tags are refused."""
    events = _events(text)
    if events is None:
        return None
    if _program(events):
        raise UserError(
            _("YAML anchors (&), aliases (*) and tags (!) are not allowed in a --set value"),
            file="--set",
            field=key,
        )
    try:
        parsed = parse_yaml(text, "--set").data
    except UserError:
        return None
    return parsed if isinstance(parsed, list | dict) else None
