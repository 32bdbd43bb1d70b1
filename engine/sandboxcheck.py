"""What the template sandbox will refuse, found before a letter is issued (for ``saraban check``).

Templates are compiled and rendered in Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment`
(:func:`engine.render.make_environment`). The sandbox refuses some things only when a template
is *rendered*: reading an attribute whose name starts with ``_`` (``''.__class__``,
``cycler.__init__.__globals__``, ``x._private``, ``x['__class__']``, ``'{0.__class__}'.format(x)``,
``x|attr('__class__')``), ``mro`` and the frame and code attributes of generators and
coroutines, a ``range`` longer than :data:`jinja2.sandbox.MAX_RANGE`, and loading another
template (``{% import %}``, ``{% include %}``, ``{% extends %}``, ``{% from … import %}`` — a
template is one self-contained DOCX, the environment has no loader). Compiling alone says such a
template is fine; :func:`refusals` walks its syntax tree and names each of these, so that
``check`` reports what issuing would refuse.
"""

from __future__ import annotations

import math
import string
from collections.abc import Iterator
from typing import cast

from jinja2 import nodes
from jinja2.environment import Environment
from jinja2.sandbox import (
    MAX_RANGE,
    UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
    UNSAFE_COROUTINE_ATTRIBUTES,
    UNSAFE_FUNCTION_ATTRIBUTES,
    UNSAFE_GENERATOR_ATTRIBUTES,
    UNSAFE_METHOD_ATTRIBUTES,
)

from .i18n import _

_UNSAFE = {
    "mro",
    *UNSAFE_FUNCTION_ATTRIBUTES,
    *UNSAFE_METHOD_ATTRIBUTES,
    *UNSAFE_GENERATOR_ATTRIBUTES,
    *UNSAFE_COROUTINE_ATTRIBUTES,
    *UNSAFE_ASYNC_GENERATOR_ATTRIBUTES,
}
_TOO_BIG = object()  # a constant too large to compute


def _refused_attribute(name: str) -> bool:
    return name.startswith("_") or name in _UNSAFE


def _constant(node: nodes.Node) -> object:
    """The value of a constant integer expression, :data:`_TOO_BIG`, or None if not constant
    (computed without ever building a huge number)."""
    if isinstance(node, nodes.Const):
        value = node.value
        return value if isinstance(value, int) and not isinstance(value, bool) else None
    if isinstance(node, nodes.Neg | nodes.Pos):
        inner = _constant(node.node)
        if inner is None or inner is _TOO_BIG:
            return inner
        return -inner if isinstance(node, nodes.Neg) else inner  # type: ignore[operator]
    if isinstance(node, nodes.BinExpr):
        left, right = _constant(node.left), _constant(node.right)
        if left is None or right is None:
            return None
        if left is _TOO_BIG or right is _TOO_BIG:
            return _TOO_BIG
        a, b = int(left), int(right)  # type: ignore[call-overload]
        if isinstance(node, nodes.Pow):
            if b < 0:
                return None
            if abs(a) > 1 and b * math.log2(abs(a)) > 62:
                return _TOO_BIG
            return a**b
        ops = {nodes.Add: a + b, nodes.Sub: a - b, nodes.Mul: a * b}
        for kind, value in ops.items():
            if isinstance(node, kind):
                return value if abs(value) < 2**62 else _TOO_BIG
        if isinstance(node, nodes.FloorDiv | nodes.Mod) and b:
            return a // b if isinstance(node, nodes.FloorDiv) else a % b
    return None


def _range_too_long(call: nodes.Call) -> bool:
    values = [_constant(arg) for arg in call.args]
    if call.kwargs or call.dyn_args or call.dyn_kwargs or not 1 <= len(values) <= 3:
        return False
    if any(v is _TOO_BIG for v in values):
        return True
    if any(v is None for v in values) or (len(values) == 3 and values[2] == 0):
        return False
    return len(range(*cast(list[int], values))) > MAX_RANGE


def _format_fields(text: str) -> Iterator[str]:
    """The attribute and index names used by the fields of a format string."""
    try:
        parsed = list(string.Formatter().parse(text))
    except ValueError:
        return
    for _text, field, spec, _conv in parsed:
        for part in (field or "", spec or ""):
            for piece in part.replace("[", ".").replace("]", ".").split(".")[1:]:
                if piece:
                    yield piece


def refusals(env: Environment, source: str) -> list[str]:
    """What the sandbox would refuse when ``source`` is rendered, one phrase each (empty: none)."""
    found: list[str] = []

    def note(what: str, node: nodes.Node) -> None:
        if what not in found:
            found.append(what)

    for node in env.parse(source).find_all(nodes.Node):
        if isinstance(node, nodes.Getattr) and _refused_attribute(node.attr):
            note(_("access to attribute {attr!r}").format(attr=node.attr), node)
        elif (
            isinstance(node, nodes.Getitem)
            and isinstance(node.arg, nodes.Const)
            and isinstance(node.arg.value, str)
            and _refused_attribute(node.arg.value)
        ):
            note(_("access to attribute {attr!r}").format(attr=node.arg.value), node)
        elif isinstance(node, nodes.Filter) and node.name == "attr" and node.args:
            arg = node.args[0]
            if (
                isinstance(arg, nodes.Const)
                and isinstance(arg.value, str)
                and (_refused_attribute(arg.value))
            ):
                note(_("access to attribute {attr!r}").format(attr=arg.value), node)
        elif isinstance(node, nodes.Import | nodes.FromImport | nodes.Include | nodes.Extends):
            tag = {nodes.Import: "import", nodes.FromImport: "from … import",
                   nodes.Include: "include", nodes.Extends: "extends"}[type(node)]  # fmt: skip
            note(_("{{% {tag} %}}: a template cannot load another file").format(tag=tag), node)
        elif isinstance(node, nodes.Call):
            callee = node.node
            if isinstance(callee, nodes.Name) and callee.name == "range" and _range_too_long(node):
                note(_("a range longer than {max_range} items").format(max_range=MAX_RANGE), node)
            elif (
                isinstance(callee, nodes.Getattr)
                and callee.attr in ("format", "format_map")
                and isinstance(callee.node, nodes.Const)
                and isinstance(callee.node.value, str)
            ):
                for name in _format_fields(callee.node.value):
                    if _refused_attribute(name):
                        note(
                            _("access to attribute {name!r} in a format string").format(name=name),
                            node,
                        )
    return found
