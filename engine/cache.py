"""A small on-disk cache for work that only depends on a file's bytes.

A one-letter command must be quick (< 0.5 s end to end), and two steps of it are the same every
time while their inputs are unchanged: validating a workflow file against the JSON Schema (which
imports jsonschema) and cleaning a template's XML for Jinja (which imports docxtpl and
python-docx). Their results are kept here, keyed by a hash of the inputs, so a warm run skips
both imports. So are python-statemachine's verdict on a workflow (``machine-ok``: a case runs
on :class:`engine.workflow.Machine` without importing the library), the parsed office.yaml and
workflow files (``yaml``) and the Thai word list grouped by prefix (``lexicon``). The cache is
an optimisation only: anything unreadable is ignored and recomputed.

Location: ``$SARABAN_CACHE``, else ``$XDG_CACHE_HOME/saraban``, else ``~/.cache/saraban``.

The cache holds compiled Python code (Jinja's, see :func:`engine.render.compile_cached`), which
runs outside the template sandbox when it is loaded, so nothing is loaded from it unless:

- its folder and the entry's folder are real folders (not symbolic links) owned by this user
  and writable by nobody else; saraban creates them 0700;
- the entry is a regular file owned by this user and readable and writable by nobody else
  (saraban writes them 0600);
- the entry carries an HMAC-SHA256, over its kind, key and bytes, made with this cache's secret
  key (``key``, 32 random bytes, 0600, same checks): a file saraban did not write itself — a
  payload planted by another program — fails, as does a valid entry copied under another key.

When the folders fail these checks, the cache is not used at all (every template is compiled
again: slower, never unsafe). What this cannot stop is a program running as the same user that
reads the key — such a program can change saraban itself as well (docs/failures.md).
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import stat
from pathlib import Path
from typing import Any

_MAGIC = b"saraban-cache-2\n"
_MAC_SIZE = 32
_KEY_FILE = "key"
_key: tuple[str, bytes | None] | None = None  # (cache folder, its key or None when unusable)


def cache_dir() -> Path:
    explicit = os.environ.get("SARABAN_CACHE")
    if explicit:
        return Path(explicit)
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "saraban"


def digest(*parts: bytes | str) -> str:
    """A hex key for the given inputs."""
    h = hashlib.sha256()
    for part in parts:
        data = part.encode("utf-8") if isinstance(part, str) else part
        h.update(len(data).to_bytes(8, "big"))
        h.update(data)
    return h.hexdigest()


def load(kind: str, key: str) -> Any | None:
    """The cached JSON value, or None when absent or unreadable."""
    blob = load_bytes(kind, f"{key}.json")
    try:
        return None if blob is None else json.loads(blob)
    except ValueError:
        return None


def store(kind: str, key: str, value: Any) -> None:
    """Keep a JSON value (atomically; silently skipped when the cache is not writable)."""
    store_bytes(kind, f"{key}.json", json.dumps(value, ensure_ascii=False).encode("utf-8"))


# --- trusted folders and files ------------------------------------------------------------------
def _trusted_dir(st: os.stat_result) -> bool:
    """A real folder of this user that nobody else can write to."""
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o022


def _trusted_file(st: os.stat_result) -> bool:
    """A regular file of this user that nobody else can read or write."""
    return stat.S_ISREG(st.st_mode) and st.st_uid == os.geteuid() and not st.st_mode & 0o077


def _open_dir(path: Path, create: bool) -> int | None:
    """A descriptor of ``path`` if it is a trusted folder (made 0700 when ``create``)."""
    if create:
        try:
            path.mkdir(mode=0o700, parents=True, exist_ok=True)
        except OSError:
            return None
    try:
        fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW)
    except OSError:
        return None
    if not _trusted_dir(os.fstat(fd)):
        os.close(fd)
        return None
    return fd


def _read_trusted(name: str, dir_fd: int) -> bytes | None:
    """The bytes of ``name`` in ``dir_fd`` if it is a trusted file, else None."""
    try:
        fd = os.open(name, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK, dir_fd=dir_fd)
    except OSError:
        return None
    try:
        if not _trusted_file(os.fstat(fd)):
            return None
        with os.fdopen(os.dup(fd), "rb") as fh:
            return fh.read()
    except OSError:
        return None
    finally:
        os.close(fd)


def _write_private(name: str, data: bytes, dir_fd: int, *, replace: bool = True) -> bool:
    """Write ``name`` in ``dir_fd`` as 0600 (temp file, then rename; with ``replace=False``
    a hard link that fails if ``name`` exists). Returns whether it was written."""
    tmp = f".{name}.{os.getpid()}.{secrets.token_hex(4)}.tmp"
    try:
        fd = os.open(
            tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600, dir_fd=dir_fd
        )
    except OSError:
        return False
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        if replace:
            os.replace(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd)
        else:
            os.link(tmp, name, src_dir_fd=dir_fd, dst_dir_fd=dir_fd, follow_symlinks=False)
        return True
    except OSError:
        return False
    finally:
        with contextlib.suppress(OSError):
            os.unlink(tmp, dir_fd=dir_fd)


def _secret(create: bool) -> bytes | None:
    """This cache's key (made on first use), or None when the cache folder or key file is not
    trustworthy: then nothing is loaded from the cache or stored in it."""
    global _key
    root = str(cache_dir())
    if _key is not None and _key[0] == root and (_key[1] is not None or not create):
        return _key[1]
    value = None
    fd = _open_dir(Path(root), create)
    if fd is not None:
        try:
            value = _read_trusted(_KEY_FILE, fd)
            if value is None and create:
                _write_private(_KEY_FILE, secrets.token_bytes(32), fd, replace=False)
                value = _read_trusted(_KEY_FILE, fd)  # ours, or the one another process made
            if value is not None and len(value) != 32:
                value = None
        finally:
            os.close(fd)
    _key = (root, value)
    return value


def _mac(secret: bytes, kind: str, key: str, payload: bytes) -> bytes:
    h = hmac.new(secret, digestmod=hashlib.sha256)
    for part in (kind.encode(), key.encode(), payload):
        h.update(len(part).to_bytes(8, "big"))
        h.update(part)
    return h.digest()


def load_bytes(kind: str, key: str) -> bytes | None:
    """The cached bytes, or None when absent, unreadable or not trustworthy (see the module)."""
    secret = _secret(create=False)
    if secret is None:
        return None
    fd = _open_dir(cache_dir() / kind, create=False)
    if fd is None:
        return None
    try:
        blob = _read_trusted(key, fd)
    finally:
        os.close(fd)
    if blob is None or not blob.startswith(_MAGIC):
        return None
    mac = blob[len(_MAGIC) : len(_MAGIC) + _MAC_SIZE]
    payload = blob[len(_MAGIC) + _MAC_SIZE :]
    if not hmac.compare_digest(mac, _mac(secret, kind, key, payload)):
        return None
    return payload


def store_bytes(kind: str, key: str, value: bytes) -> None:
    """Keep bytes (temp file + rename, 0600 in a 0700 folder, with the cache's HMAC; silently
    skipped when the cache is not writable or not trustworthy)."""
    secret = _secret(create=True)
    if secret is None:
        return
    fd = _open_dir(cache_dir() / kind, create=True)
    if fd is None:
        return
    try:
        _write_private(key, _MAGIC + _mac(secret, kind, key, value) + value, fd)
    finally:
        os.close(fd)
