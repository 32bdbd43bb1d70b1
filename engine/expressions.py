"""Sandboxed expressions and text templates of workflow files.

A workflow (written by the office, not by the clerk) holds two kinds of Jinja code:

* **expressions** — guards, derived values, ``when`` and ``required`` conditions:
  ``change == 'replace'``, ``files_exist('change_form')``;
* **text templates** — a document's subject, recipient, body, enclosure titles:
  ``แต่งตั้ง {{ incoming }} เป็นผู้ดูแลระบบ``.

Both run in Jinja's :class:`~jinja2.sandbox.SandboxedEnvironment` (no attribute starting with
``_``, no unsafe callables) with ``StrictUndefined`` so a misspelt name is an error, not an empty
string. Text templates are rendered **without** autoescape: they produce plain text that goes
into the DOCX context, where the document renderer's ``finalize`` escapes it exactly once.

The case data is only ever *passed in* as values: what a clerk typed is printed, never parsed as
a template (``{{ 7*7 }}`` typed into an input stays ``{{ 7*7 }}`` in the letter).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping
from typing import Any

import jinja2
from jinja2.sandbox import SandboxedEnvironment

from . import thai
from .i18n import _


def _thai_date(value: Any, style: str = "full") -> str:
    from .inputs import ThaiDate

    if isinstance(value, ThaiDate):
        value = value.date
    if isinstance(value, str):
        value = thai.parse_date(value)
    return thai.format_date(value, style, thai_digits=False)


@functools.cache
def environment() -> SandboxedEnvironment:
    """The one sandboxed environment for workflow expressions and text templates."""
    env = SandboxedEnvironment(
        autoescape=False,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=False,
        lstrip_blocks=True,
    )
    env.filters["thai_date"] = _thai_date
    env.filters["baht_text"] = lambda v: thai.baht_text(v.amount if hasattr(v, "amount") else v)
    env.filters["thai_digits"] = thai.to_thai_digits
    return env


class ExpressionError(ValueError):
    """An expression or text template that does not compile or fails to evaluate."""


@functools.cache
def compile_expression(source: str) -> Any:
    try:
        return environment().compile_expression(source, undefined_to_none=False)
    except jinja2.TemplateSyntaxError as exc:
        raise ExpressionError(
            _("invalid expression {source!r}: {message}").format(source=source, message=exc.message)
        ) from None


@functools.cache
def compile_text(source: str) -> jinja2.Template:
    try:
        return environment().from_string(source)
    except jinja2.TemplateSyntaxError as exc:
        raise ExpressionError(
            _("invalid template (line {lineno}): {message}").format(
                lineno=exc.lineno, message=exc.message
            )
        ) from None


def evaluate(source: str, context: Mapping[str, Any]) -> Any:
    """Evaluate a sandboxed expression over ``context``."""
    try:
        return compile_expression(source)(**context)
    except jinja2.UndefinedError as exc:
        raise ExpressionError(
            _("in {source!r}: {message}").format(source=source, message=exc.message)
        ) from None
    except jinja2.TemplateError as exc:  # SecurityError and friends
        raise ExpressionError(_("in {source!r}: {exc}").format(source=source, exc=exc)) from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise ExpressionError(_("in {source!r}: {exc}").format(source=source, exc=exc)) from None


def render_text(source: str, context: Mapping[str, Any]) -> str:
    """Render a text template over ``context`` to plain text (values are printed with ``str``)."""
    if "{" not in source:
        return source
    try:
        return compile_text(source).render(context)
    except jinja2.UndefinedError as exc:
        raise ExpressionError(f"{exc.message}") from None
    except jinja2.TemplateError as exc:
        raise ExpressionError(f"{exc}") from None
    except (TypeError, ValueError, ArithmeticError, LookupError) as exc:
        raise ExpressionError(f"{exc}") from None


def names_used(source: str, *, expression: bool) -> set[str]:
    """Top-level names an expression or template refers to (for checking workflows)."""
    from jinja2 import meta

    env = environment()
    src = f"{{{{ {source} }}}}" if expression else source
    try:
        return set(meta.find_undeclared_variables(env.parse(src)))
    except jinja2.TemplateSyntaxError as exc:
        raise ExpressionError(
            (
                _("invalid expression: {message}")
                if expression
                else _("invalid template: {message}")
            ).format(message=exc.message)
        ) from None
