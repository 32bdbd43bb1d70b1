"""Users of the web application (ผู้ใช้งาน): names, roles, argon2 password hashes, sign-in
attempts and the key that signs session cookies, all kept in the register database
(:mod:`engine.store.users`) so that every server process shares them.

Roles (บทบาท): ``clerk`` (เจ้าหน้าที่สารบรรณ) writes, issues and advances letters; ``signer``
(ผู้ลงนาม) reads and advances cases; ``admin`` (ผู้ดูแลระบบ) does everything, and alone cancels
numbers. :data:`ROLES` lists them with their Thai names.
"""

from __future__ import annotations

import re
import secrets
import time
from datetime import UTC, datetime
from typing import Final

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from engine.errors import UserError
from engine.i18n import _
from engine.register import Register
from engine.store import Conflict, User
from engine.workspace import Workspace

__all__ = [
    "MAX_FAILURES",
    "ROLES",
    "User",
    "add_user",
    "check_password",
    "list_users",
    "remove_user",
    "reset_password",
    "session_secret",
    "set_role",
    "sign_in",
]

ROLES: Final = {"clerk": "เจ้าหน้าที่สารบรรณ", "signer": "ผู้ลงนาม", "admin": "ผู้ดูแลระบบ"}
"""Each role and its Thai name."""
MIN_PASSWORD: Final = 8
MAX_PASSWORD: Final = 256
#: Failed sign-ins per user name (and per client address ×4) within :data:`WINDOW` seconds
#: after which sign-in is refused until the window has passed.
MAX_FAILURES: Final = 5
WINDOW: Final = 15 * 60
_NAME = re.compile(r"[\w.\-]{1,64}")

_hasher = PasswordHasher()  # argon2id with argon2-cffi's defaults (RFC 9106 low-memory profile)


def _register(ws: Workspace) -> Register:
    return Register(ws.register_path)


def check_name(name: str) -> str:
    if not _NAME.fullmatch(name):
        raise UserError(
            _("a user name is 1 to 64 letters, digits, '.', '_' or '-', got {name!r}").format(
                name=name[:70]
            ),
            field="NAME",
        )
    return name


def check_role(role: str) -> str:
    if role not in ROLES:
        raise UserError(
            _("the role is one of {roles}, not {role!r}").format(roles=", ".join(ROLES), role=role),
            field="--role",
        )
    return role


def check_password(password: str) -> str:
    """``password`` if it is long enough and not too long."""
    if not MIN_PASSWORD <= len(password) <= MAX_PASSWORD:
        raise UserError(
            _("a password has {least} to {most} characters").format(
                least=MIN_PASSWORD, most=MAX_PASSWORD
            ),
            field="password",
        )
    return password


def add_user(ws: Workspace, name: str, role: str, password: str) -> User:
    """Add a user with an argon2 hash of ``password``; an error if the name is taken."""
    user = User(
        check_name(name),
        check_role(role),
        _hasher.hash(check_password(password)),
        datetime.now(UTC).isoformat(timespec="seconds"),
    )
    with _register(ws) as reg, reg.store.write():
        try:
            reg.store.users.insert(user)
        except Conflict:
            raise UserError(
                _("user {name} exists already").format(name=name), field="NAME"
            ) from None
    return user


def list_users(ws: Workspace) -> list[User]:
    with _register(ws) as reg:
        return reg.store.users.all()


def get_user(ws: Workspace, name: str) -> User | None:
    with _register(ws) as reg:
        return reg.store.users.get(name)


def _existing(reg: Register, name: str) -> User:
    user = reg.store.users.get(name)
    if user is None:
        raise UserError(_("no user named {name}").format(name=name), field="NAME")
    return user


def _keep_an_admin(reg: Register, user: User) -> None:
    """Refuse to take away the last admin (nobody could manage the users or the office)."""
    if user.role == "admin" and reg.store.users.count_role("admin") <= 1:
        raise UserError(
            _("{name} is the last admin: make another user admin first").format(name=user.name),
            field="NAME",
        )


def remove_user(ws: Workspace, name: str) -> None:
    """Remove a user (their sessions end at their next request); never the last admin."""
    with _register(ws) as reg, reg.store.write():
        _keep_an_admin(reg, _existing(reg, name))
        reg.store.users.delete(name)


def set_role(ws: Workspace, name: str, role: str) -> User:
    """Give ``name`` another role (it applies at their next request); the last admin keeps
    theirs."""
    check_role(role)
    with _register(ws) as reg, reg.store.write():
        user = _existing(reg, name)
        if role != user.role:
            _keep_an_admin(reg, user)
            reg.store.users.set_role(name, role)
        return user._replace(role=role)


def reset_password(ws: Workspace, name: str, password: str) -> None:
    """Give ``name`` a new password (argon2 hash); their open sessions stay signed in."""
    hashed = _hasher.hash(check_password(password))
    with _register(ws) as reg, reg.store.write():
        _existing(reg, name)
        reg.store.users.set_password(name, hashed)


class TooManyAttempts(UserError):
    """Sign-in refused: too many failed attempts for this name or address."""


def sign_in(ws: Workspace, name: str, password: str, address: str) -> User | None:
    """The user if ``password`` is theirs, else None (the failure is counted). Raises
    :class:`TooManyAttempts` without checking the password once :data:`MAX_FAILURES` failures
    of this name (or four times as many from this address) fall within :data:`WINDOW`."""
    now = time.time()
    keys = [f"user:{name[:64]}", f"address:{address}"]
    with _register(ws) as reg:
        failures = reg.store.login_failures
        if (
            failures.count(keys[0], now - WINDOW) >= MAX_FAILURES
            or failures.count(keys[1], now - WINDOW) >= 4 * MAX_FAILURES
        ):
            raise TooManyAttempts("too many failed sign-ins; try again in 15 minutes")
        user = reg.store.users.get(name)
    # argon2 takes a while (more under load): the register's connection is not held meanwhile
    # (a server process has a few pooled connections to PostgreSQL for all its requests)
    ok = False
    if user is not None:
        try:
            ok = _hasher.verify(user.password_hash, password)
        except (VerificationError, InvalidHashError):
            ok = False
    else:
        _hasher.hash(password)  # the same time whether or not the name exists
    with _register(ws) as reg:
        failures = reg.store.login_failures
        with reg.store.write():
            if ok:
                failures.clear(keys[0])
            else:
                failures.forget_before(now - WINDOW)
                failures.add(keys, now)
        return user if ok else None


def session_secret(ws: Workspace) -> str:
    """The key that signs session cookies: made once, kept in the register database (every
    server process of the office signs with the same key)."""
    with _register(ws) as reg, reg.store.write():
        return reg.store.web_settings.get_or_add("session_secret", secrets.token_urlsafe(48))
