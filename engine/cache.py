"""A small on-disk cache for work that only depends on a file's bytes.

A one-letter command must be quick (< 0.5 s end to end), and two steps of it are the same every
time while their inputs are unchanged: validating a workflow file against the JSON Schema (which
imports jsonschema) and cleaning a template's XML for Jinja (which imports docxtpl and
python-docx). Their results are kept here, keyed by a hash of the inputs, so a warm run skips
both imports. The cache is an optimisation only: anything unreadable is ignored and recomputed.

Location: ``$SARABAN_CACHE``, else ``$XDG_CACHE_HOME/saraban``, else ``~/.cache/saraban``.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path
from typing import Any


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


def load_bytes(kind: str, key: str) -> bytes | None:
    """The cached bytes, or None when absent or unreadable."""
    try:
        return (cache_dir() / kind / key).read_bytes()
    except OSError:
        return None


def store_bytes(kind: str, key: str, value: bytes) -> None:
    """Keep bytes (temp file + rename; silently skipped when the cache is not writable)."""
    folder = cache_dir() / kind
    try:
        folder.mkdir(parents=True, exist_ok=True)
        tmp = folder / f".{key}.{os.getpid()}.tmp"
        tmp.write_bytes(value)
        os.replace(tmp, folder / key)
    except OSError:
        pass
