"""Messages in the user's language (ภาษาของข้อความ): Thai under a Thai locale, English otherwise.

Every message the user reads is written in English in the code and wrapped in :func:`_`, which
looks it up in the Thai catalog ``engine/locale/th/LC_MESSAGES/saraban.mo`` when the language
is Thai. The catalog is read with the standard library's :mod:`gettext` (babel only builds it:
``make messages``), and only when the first message is translated: a command in English never
opens it. docs/messages.md tells how to add a message.

The language is chosen as GNU gettext does, from the first of ``LANGUAGE``, ``LC_ALL``,
``LC_MESSAGES``, ``LANG`` that is set (``LANGUAGE`` is ignored under the C locale), and
``SARABAN_LANG`` (``th`` or ``en``) overrides them all. ``th`` or ``th_TH…`` is Thai.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

#: The catalog's name (the gettext domain) and its folder.
DOMAIN = "saraban"
LOCALE_DIR = Path(__file__).resolve().parent / "locale"
#: The languages with a catalog; English is the language of the code.
LANGUAGES = ("th",)

_catalogs: dict[str, Any] = {}


def _lang(value: str) -> str:
    """``th`` for ``th``, ``th_TH.UTF-8``, ``th-TH`` …; else ``en``."""
    code = value.strip().split(".")[0].split("@")[0].replace("-", "_").split("_")[0].lower()
    return code if code in LANGUAGES else "en"


def language() -> str:
    """The language of messages now: ``"th"`` or ``"en"`` (read from the environment on every
    call, so that a test or a long-lived caller may change it)."""
    env = os.environ
    override = env.get("SARABAN_LANG", "").strip()
    if override:
        return _lang(override)
    locale = env.get("LC_ALL") or env.get("LC_MESSAGES") or env.get("LANG") or ""
    if locale in ("C", "POSIX") or locale.startswith(("C.", "POSIX.")):
        return "en"  # GNU gettext: the C locale ignores LANGUAGE
    for item in env.get("LANGUAGE", "").split(":"):
        known = _lang(item) != "en" or item.strip().lower().startswith(("en", "c"))
        if item.strip() and known:
            return _lang(item)  # a language without a catalog is skipped, as GNU does
    return _lang(locale) if locale else "en"


def _catalog(lang: str) -> Any:
    found = _catalogs.get(lang)
    if found is None:
        import gettext

        path = LOCALE_DIR / lang / "LC_MESSAGES" / f"{DOMAIN}.mo"
        try:
            with open(path, "rb") as fh:
                found = gettext.GNUTranslations(fh)
        except OSError:  # a broken installation: English rather than no message at all
            found = gettext.NullTranslations()
        _catalogs[lang] = found
    return found


def _(message: str) -> str:
    """``message`` (one literal English sentence, its values as ``{name}`` placeholders filled
    afterwards with ``.format``) in the user's language."""
    lang = language()
    if lang == "en":
        return message
    return str(_catalog(lang).gettext(message))


def N_(message: str) -> str:  # noqa: N802 - the gettext convention
    """Mark ``message`` for the catalog without translating it (a constant defined at import
    time); translate it where it is used, with ``_(CONSTANT)``."""
    return message


#: argparse's own messages (it formats them itself, in English): each argparse template beside
#: the catalog's message for it. :func:`argparse_message` reads a finished argparse message back
#: with these and says it again in the user's language; one it does not know stays as it is.
ARGPARSE_MESSAGES: tuple[tuple[str, str], ...] = (
    (
        "the following arguments are required: %s",
        N_("the following arguments are required: {arguments}"),
    ),
    ("unrecognized arguments: %s", N_("unrecognized arguments: {arguments}")),
    (
        "invalid choice: %(value)r (choose from %(choices)s)",
        N_("invalid choice: {value} (choose from {choices})"),
    ),
    ("invalid %(type)s value: %(value)r", N_("invalid {type} value: {value}")),
    ("expected one argument", N_("expected one argument")),
    ("expected at most one argument", N_("expected at most one argument")),
    ("expected at least one argument", N_("expected at least one argument")),
    ("expected %s arguments", N_("expected {count} arguments")),
    ("expected %s argument", N_("expected {count} argument")),
    ("one of the arguments %s is required", N_("one of the arguments {arguments} is required")),
    ("not allowed with argument %s", N_("not allowed with argument {argument}")),
    ("ignored explicit argument %r", N_("ignored explicit argument {value}")),
    (
        "ambiguous option: %(option)s could match %(matches)s",
        N_("ambiguous option: {option} could match {matches}"),
    ),
    ("unexpected option string: %s", N_("unexpected option string: {option}")),
    ("argument %(argument_name)s: %(message)s", N_("argument {argument}: {message}")),
)
_ARGPARSE_PATTERNS: list[tuple[Any, str]] = []


def argparse_message(message: str) -> str:
    """An argparse error message in the user's language (as it is when not Thai, or unknown)."""
    if language() == "en":
        return message
    if not _ARGPARSE_PATTERNS:
        import re

        for template, ours in ARGPARSE_MESSAGES:
            names = re.findall(r"\{(\w+)\}", ours)
            pieces = re.split(r"%(?:\(\w+\))?[sr]", template)
            pattern = re.escape(pieces[0]) + "".join(
                f"(?P<{name}>.+?)" + re.escape(piece)
                for name, piece in zip(names, pieces[1:], strict=True)
            )
            _ARGPARSE_PATTERNS.append((re.compile(pattern, re.DOTALL), ours))
    for pattern, ours in _ARGPARSE_PATTERNS:
        found = pattern.fullmatch(message)
        if found:
            values = found.groupdict()
            if "message" in values:
                values["message"] = argparse_message(values["message"])
            return _(ours).format(**values)
    return message
