"""Confinement (การจำกัดขอบเขตพื้นที่ทำงาน): every path saraban reads or writes for a workspace
resolves inside it, and file names made from data fit the file system.

:func:`inside` is the one check every read and write of a workspace path goes through: output
files (letters, drafts, a circular's copies folder and copies, PDFs and bundles), the files the
register names (``regenerate``, ``--pdf``), and the files data names (enclosures, file inputs,
recipients files). A path is resolved — symbolic links followed — and must end inside the
workspace; a symbolic link inside the workspace that leads out is refused with its name, one
inside that stays inside is allowed.

:func:`file_stem` makes a file name from a name (a recipient organisation): Thai takes 3 bytes a
character in UTF-8 and a file name at most 255 bytes, so the name is limited in bytes, cut where
a word ends (else between Thai character clusters), and marked with a short hash of the whole
name when cut, so that two names sharing a long beginning stay two files.
"""

from __future__ import annotations

import functools
import hashlib
import os
import re
from pathlib import Path

from .errors import UserError
from .i18n import _
from .linebreak import DEFAULT_BREAKER, THAI_RUN, LineBreaker, _dictionary, _lexicon, _tcc_ends

#: the most bytes (UTF-8) of a file name's part made from a name (a recipient organisation)
NAME_BYTES = 120

_UNSAFE = re.compile(r'[\\/:*?"<>|\x00-\x1f\x7f]+')


def _within(root: str, full: str) -> bool:
    return full == root or full.startswith(root.rstrip(os.sep) + os.sep)


def problem(root: str | Path, path: str | Path) -> str | None:
    """Why ``path`` (relative to ``root``, or absolute) is not inside the workspace ``root``
    (a resolved path): the symbolic link that leads out, by name, or the path; None when it is
    inside."""
    root_s = str(root)
    joined = os.path.join(root_s, os.fspath(path))
    if _within(root_s, os.path.realpath(joined)):
        return None
    # the first component that is a symbolic link leading out: the one to name
    parts = Path(joined).parts
    prefix = parts[0]
    for part in parts[1:]:
        prefix = os.path.join(prefix, part)
        if os.path.islink(prefix):
            target = os.path.realpath(prefix)
            if not _within(root_s, target):
                shown = _shown(root_s, prefix)
                return _(
                    "{shown} is a symbolic link to {target}, outside the workspace; saraban "
                    "reads and writes only inside {root} (replace the link with the file or "
                    "folder itself)"
                ).format(shown=shown, target=target, root=root_s)
    return _("{path} is outside the workspace {root}").format(path=os.fspath(path), root=root_s)


def _shown(root: str, path: str) -> str:
    norm = os.path.normpath(path)
    return os.path.relpath(norm, root) if _within(root, norm) else norm


def inside(root: str | Path, path: str | Path, **where: object) -> Path:
    """``path`` (relative to the workspace ``root``, a resolved path; or absolute) resolved, if it
    is inside the workspace; else :class:`UserError` naming the link that leads out. ``where``:
    the error's ``file``/``field``/``line``."""
    why = problem(root, path)
    if why is not None:
        raise UserError(why, **where)  # type: ignore[arg-type]
    return Path(os.path.realpath(os.path.join(str(root), os.fspath(path))))


# --- file names from names -------------------------------------------------------------------
class _ShortWordBreaker(LineBreaker):
    """Thai words of the dictionary up to 6 characters: a compound the line breaker keeps whole
    (องค์การบริหารส่วนตำบล) still has places to cut (องค์การ|บริหาร|ส่วน|ตำบล)."""

    @property
    def words(self) -> frozenset[str]:
        if self._words is None:
            self._words = frozenset(w for w in _dictionary() if len(w) <= 6)
        return self._words

    def _group(self, prefix: str) -> frozenset[str]:
        group = _lexicon()[1].get(prefix)
        return frozenset(w for w in group.split("\n") if len(w) <= 6) if group else frozenset()


@functools.lru_cache(maxsize=1)
def _short_words() -> LineBreaker:
    return _ShortWordBreaker()


def _boundaries(text: str) -> list[int]:
    """Where ``text`` may be cut so that it reads well: at a space or between words (Thai words
    by the dictionary, :mod:`engine.linebreak`), as offsets in ascending order."""
    found: set[int] = {m.start() + 1 for m in re.finditer(r"[^\s](?=\s)", text)}
    for run in THAI_RUN.finditer(text):
        found.add(run.start())
        for breaker in (DEFAULT_BREAKER, _short_words()):
            pos = run.start()
            for word in breaker.segment(run.group(0)):
                pos += len(word)
                found.add(pos)
    found.discard(0)
    return sorted(found)


def cut(text: str, limit: int) -> str:
    """``text`` cut to at most ``limit`` bytes of UTF-8 where a word ends; a word longer than the
    limit between Thai character clusters (never inside one: a vowel or tone mark stays on its
    letter); else between characters."""
    if len(text.encode()) <= limit:
        return text
    fits = [b for b in _boundaries(text) if len(text[:b].encode()) <= limit]
    if fits and len(text[: fits[-1]].encode()) >= limit // 2:
        return text[: fits[-1]].rstrip()
    clusters = {i for i in range(len(text)) if not THAI_RUN.match(text, i)}
    for run in THAI_RUN.finditer(text):
        clusters.add(run.start())
        clusters |= {run.start() + e for e in _tcc_ends(run.group(0))}
    best = max((b for b in clusters if len(text[:b].encode()) <= limit), default=0)
    return text[:best].rstrip()


def file_stem(name: str, limit: int = NAME_BYTES, fallback: str = "copy") -> str:
    """A file name's part from ``name``: characters a file name cannot hold replaced by ``-``,
    at most ``limit`` bytes of UTF-8. A name that had to be cut ends in ``-`` and 6 hex digits
    of its SHA-256, so names sharing a long beginning still give different files."""
    clean = _UNSAFE.sub("-", name).strip(" .-")
    if not clean:
        return fallback
    if len(clean.encode()) <= limit:
        return clean
    tag = hashlib.sha256(name.encode()).hexdigest()[:6]
    head = cut(clean, limit - len(tag) - 1).strip(" .-") or fallback
    return f"{head}-{tag}"
