"""DOCX to PDF through warm LibreOffice workers; page furniture; enclosure bundles.

Converter
    A :class:`Converter` is a small pool of ``soffice`` processes, each with a profile of its own,
    started on first use and reused for every document of a bulk run. Each is driven over UNO by a
    bridge process running under the Python that Debian's ``python3-uno`` belongs to
    (``/usr/bin/python3``): the project's own interpreter (a virtualenv, maybe another Python
    version) never imports ``uno``, and a hung call can be ended by killing processes, which an
    in-process UNO call cannot. A worker that crashes, or takes longer than ``timeout`` on one
    document, is killed and restarted and the document retried once; a second failure raises
    :class:`ConversionError` naming the document; a LibreOffice that stops while starting is an
    error at once. LibreOffice writes in the converter's own folder; the PDF is copied beside its
    final name under a temporary one (carrying the run's token) and renamed into place. Workers
    stop at :meth:`Converter.close`, at the end of a ``with`` block, or at exit; when the run dies
    (``kill -9``), the converter's watchdog kills them, and the next run cleans whatever is left
    (:mod:`engine.pdfclean`).
    A DOCX whose sections number pages in Thai digits (``<w:pgNumType w:fmt="thaiNumbers"/>``,
    which LibreOffice 7.4 imports as Arabic) gets its page styles set to native numbering, so the
    PAGE field prints "- ๒ -" in the letter's Thai.

Page furniture
    :func:`stamp_page_furniture` writes the continuation marker ("/๑.๒.๒ สำหรับ...") at the
    bottom right of every page but the last, from the text of the following page as the PDF really
    has it. The text is read with poppler's ``pdftotext -raw``, which honours the ActualText spans
    LibreOffice writes for Thai clusters (pypdf ignores them and garbles "น้ำ", "ปุ่"). The stamp is
    drawn by LibreOffice itself from a one-frame-per-page flat ODT overlay (see :func:`_overlays`),
    so Thai is shaped (tone marks over upper vowels) and set in the same TH Sarabun substitute as
    the letter; pypdf merges the overlay onto the page.

Bundles
    :func:`build_bundle` appends enclosures (PDF, DOCX/ODT through the converter, JPEG/PNG images on
    an A4 page) to the letter, stamps "สิ่งที่ส่งมาด้วย ๑" at the top right of each enclosure's first
    page and adds one bookmark per part. Everything is read and checked before anything is written.
"""

from __future__ import annotations

import contextlib
import functools
import io
import json
import logging
import os
import queue
import re
import select
import shutil
import signal
import subprocess
import threading
import time
import uuid
import weakref
import zipfile
import zlib
from collections.abc import Collection, Iterable, Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

from pypdf import PageObject, PdfReader, PdfWriter, Transformation
from pypdf.errors import PdfReadError
from pypdf.generic import (
    ContentStream,
    DecodedStreamObject,
    DictionaryObject,
    NameObject,
    NumberObject,
    StreamObject,
)

from engine import files, pdfclean
from engine.docxparts import DRAFT_MARK, LIST_TITLE
from engine.errors import UserError
from engine.i18n import _
from engine.letter import Enclosure
from engine.linebreak import DEFAULT_BREAKER, INVISIBLE, THAI_LETTERS, THAI_RUN, WJ
from engine.programs import tool
from engine.programs import which as _which
from engine.proof import read_pages
from engine.session import Session
from engine.session import current as current_session
from engine.thai import to_arabic_digits, to_thai_digits

log = logging.getLogger(__name__)

LIBREOFFICE_HINT = "apt-get install libreoffice-writer-nogui"
POPPLER_HINT = "apt-get install poppler-utils"

A4 = (595.276, 841.89)  # points
CM = 72 / 2.54
STAMP_FONT = "TH Sarabun New"  # resolved by fontconfig to the installed substitute (engine.fonts)
STAMP_SIZE = 16  # pt
STAMP_RIGHT = 2.0 * CM  # right edge of stamps from the right page edge
MARKER_BASELINE = 1.2 * CM  # continuation marker baseline above the bottom edge: in the 2-cm
# bottom margin, below the last line of text (its top at 1.2 cm + 0.85 em = 1.68 cm)
ENCLOSURE_BASELINE = 1.5 * CM  # "สิ่งที่ส่งมาด้วย ๑" baseline below the top edge
_ASCENT = 0.85  # TH Sarabun New ascender per em: puts the stamp's baseline where asked

DOCUMENT_SUFFIXES = {".docx", ".doc", ".odt", ".rtf", ".fodt"}
IMAGE_SUFFIXES = {".jpg", ".jpeg", ".png"}


class ConversionError(UserError):
    """LibreOffice is missing, or could not convert a document."""


class EnclosureError(UserError):
    """An enclosure cannot go into a bundle: missing, empty, encrypted, corrupt, not an image."""


# --------------------------------------------------------------------------------------------
# Finding LibreOffice


def _clean_env() -> dict[str, str]:
    """Our environment without what would make another Python pick up this one's packages, and
    with the system's default PATH folders after ours: LibreOffice's launcher is a shell script
    that needs ``dirname``, ``sed`` and ``uname`` (without them it stops at once)."""
    env = dict(os.environ)
    for key in ("PYTHONHOME", "PYTHONPATH", "PYTHONSTARTUP", "VIRTUAL_ENV", "PYTHONUSERBASE"):
        env.pop(key, None)
    path = [p for p in env.get("PATH", "").split(os.pathsep) if p]
    path += [p for p in os.defpath.split(os.pathsep) if p and p not in path]
    env["PATH"] = os.pathsep.join(path)
    return env


SOFFICE_PATHS = (
    "/usr/lib/libreoffice/program/soffice",
    "/opt/libreoffice/program/soffice",
    "/Applications/LibreOffice.app/Contents/MacOS/soffice",
)


def find_soffice(sess: Session | None = None) -> str:
    """Path of the ``soffice`` launcher; :class:`ConversionError` saying how to install it.

    ``$SARABAN_SOFFICE`` wins (and must then be right), then ``soffice`` / ``libreoffice`` on the
    PATH, then the usual places. Looked up once per session (``sess``, else the current one).
    """
    return (sess or current_session()).cached("pdf.soffice", _find_soffice)


def _find_soffice() -> str:
    explicit = os.environ.get("SARABAN_SOFFICE")
    if explicit:
        if os.path.isfile(explicit) and os.access(explicit, os.X_OK):
            return explicit
        raise ConversionError(
            _(
                "LibreOffice is not at $SARABAN_SOFFICE ({explicit}): install it with `{libreoffice_hint}`, or point SARABAN_SOFFICE at its soffice"
            ).format(explicit=explicit, libreoffice_hint=LIBREOFFICE_HINT)
        )
    candidates = [
        shutil.which("soffice"),
        shutil.which("libreoffice"),
    ]
    candidates += [
        *SOFFICE_PATHS,
        *sorted(str(p) for p in Path("/opt").glob("libreoffice*/program/soffice")),
    ]
    for candidate in candidates:
        if candidate and os.path.isfile(candidate) and os.access(candidate, os.X_OK):
            return candidate
    raise ConversionError(
        _("LibreOffice is not installed: install it with `{libreoffice_hint}`").format(
            libreoffice_hint=LIBREOFFICE_HINT
        )
    )


def find_uno_python(sess: Session | None = None) -> str:
    """A Python that can ``import uno``: LibreOffice's own, Debian's, or ours (once per
    session)."""
    sess = sess or current_session()
    return sess.cached("pdf.uno_python", lambda: _find_uno_python(find_soffice(sess)))


def _find_uno_python(soffice: str) -> str:
    program = Path(os.path.realpath(soffice)).parent
    candidates = [
        os.environ.get("SARABAN_UNO_PYTHON"),
        str(program / "python"),
        "/usr/bin/python3",
        shutil.which("python3"),
    ]
    for candidate in candidates:
        if not candidate or not os.access(candidate, os.X_OK):
            continue
        probe = subprocess.run(
            [candidate, "-c", "import uno"], env=_clean_env(), capture_output=True, timeout=30
        )
        if probe.returncode == 0:
            return candidate
    raise ConversionError(
        _(
            "no Python can import LibreOffice's uno module: install it with `{libreoffice_hint} python3-uno`"
        ).format(libreoffice_hint=LIBREOFFICE_HINT)
    )


@functools.cache
def _check_fonts() -> None:
    """Warn (once) when TH Sarabun New resolves to neither itself nor the substitute."""
    from engine.fonts import FAMILY

    fc_match = _which("fc-match")
    if fc_match is None:
        return
    found = subprocess.run(
        [fc_match, "-f", "%{family[0]}", STAMP_FONT], capture_output=True, text=True
    ).stdout
    if found not in (FAMILY, STAMP_FONT):
        log.warning(
            "%s resolves to %r: letters will not have its metrics; run `python -m engine.fonts`",
            STAMP_FONT,
            found,
        )


# --------------------------------------------------------------------------------------------
# One worker: soffice + its UNO bridge

# Runs under the UNO Python. Protocol: one JSON line per request on stdin, one per reply on stdout.
_BRIDGE = r"""
import json, sys, time
import uno
from com.sun.star.beans import PropertyValue
from com.sun.star.connection import NoConnectException

def props(**kw):
    out = []
    for name, value in kw.items():
        p = PropertyValue()
        p.Name, p.Value = name, value
        out.append(p)
    return tuple(out)

def send(**kw):
    sys.stdout.write(json.dumps(kw) + "\n")
    sys.stdout.flush()

url, patience = sys.argv[1], float(sys.argv[2])  # argv[3]: the worker's folder (for cleaning)
local = uno.getComponentContext()
resolver = local.ServiceManager.createInstanceWithContext("com.sun.star.bridge.UnoUrlResolver", local)
deadline = time.monotonic() + patience
while True:
    try:
        ctx = resolver.resolve(url)
        break
    except NoConnectException:
        if time.monotonic() > deadline:
            send(ok=False, fatal=True, error="LibreOffice did not answer")
            sys.exit(1)
        time.sleep(0.05)
desktop = ctx.ServiceManager.createInstanceWithContext("com.sun.star.frame.Desktop", ctx)
send(ok=True)
load = props(Hidden=True, ReadOnly=True, MacroExecutionMode=0, UpdateDocMode=0)
export = props(FilterName="writer_pdf_Export")
# Writer bookmarks as PDF named destinations: where each copy of a combined circular starts
export_destinations = props(
    FilterName="writer_pdf_Export",
    FilterData=uno.Any("[]com.sun.star.beans.PropertyValue",
                       props(ExportBookmarksToPDFDestination=True)),
)
for line in sys.stdin:
    request = json.loads(line)
    doc = None
    try:
        doc = desktop.loadComponentFromURL(uno.systemPathToFileUrl(request["src"]), "_blank", 0, load)
        if doc is None:
            raise RuntimeError("LibreOffice cannot open this file")
        if request.get("thai_page_numbers"):
            # Word's <w:pgNumType w:fmt="thaiNumbers"/> is imported as Arabic (LibreOffice 7.4).
            # NATIVE_NUMBERING (12) writes the number in the digits of the field's language (th).
            styles = doc.StyleFamilies.getByName("PageStyles")
            for name in styles.ElementNames:
                style = styles.getByName(name)
                if style.NumberingType == 4:  # ARABIC
                    style.NumberingType = 12
        if request.get("destinations"):  # uno.Any in the filter data: through uno.invoke
            uno.invoke(doc, "storeToURL",
                       (uno.systemPathToFileUrl(request["dst"]), export_destinations))
        else:
            doc.storeToURL(uno.systemPathToFileUrl(request["dst"]), export)
        send(ok=True)
    except Exception as exc:
        text = f"{type(exc).__name__}: {exc}"
        send(ok=False, fatal="Disposed" in text or "bridge" in text.lower(), error=text)
    finally:
        if doc is not None:
            try:
                doc.close(True)
            except Exception:
                pass
try:
    desktop.terminate()
except Exception:
    pass
"""


# Written into each new profile: no word collection for autocomplete (7 % of the CPU of a
# conversion, in idle layout), no online spell check, no autosave or recovery data, no lock files.
_PROFILE_SEED = """<?xml version="1.0" encoding="UTF-8"?>
<oor:items xmlns:oor="http://openoffice.org/2001/registry" xmlns:xs="http://www.w3.org/2001/XMLSchema">
{}
</oor:items>
""".format(
    "\n".join(
        f'<item oor:path="{path}"><prop oor:name="{name}" oor:op="fuse"><value>{value}</value></prop></item>'
        for path, name, value in (
            ("/org.openoffice.Office.Writer/AutoFunction/Completion", "Enable", "false"),
            ("/org.openoffice.Office.Writer/AutoFunction/Completion", "CollectWords", "false"),
            ("/org.openoffice.Office.Linguistic/SpellChecking", "IsSpellAuto", "false"),
            ("/org.openoffice.Office.Recovery/AutoSave", "Enabled", "false"),
            ("/org.openoffice.Office.Recovery/RecoveryInfo", "Enabled", "false"),
            ("/org.openoffice.Office.Common/Misc", "UseLocking", "false"),
            ("/org.openoffice.Office.Common/Misc", "FirstRun", "false"),
        )
    )
)


class _WorkerFailed(Exception):
    """The worker crashed or hung: kill it, restart, retry."""


class _StartFailed(Exception):
    """LibreOffice stopped while starting, or never answered: a retry would do the same."""


class _DocumentFailed(Exception):
    """LibreOffice is fine but refuses this document: retrying will not help."""


class _Worker:
    def __init__(self, folder: Path, name: str, sess: Session) -> None:
        self.folder = folder
        self.name = name
        self.session = sess  # the pool's: a worker thread has no current session of its own
        self.soffice: subprocess.Popen | None = None
        self.bridge: subprocess.Popen | None = None

    @property
    def pid(self) -> int | None:
        return self.soffice.pid if self.soffice else None

    def alive(self) -> bool:
        return (
            self.soffice is not None
            and self.soffice.poll() is None
            and self.bridge is not None
            and self.bridge.poll() is None
        )

    def start(self, timeout: float) -> None:
        soffice, python = find_soffice(self.session), find_uno_python(self.session)
        _check_fonts()
        seed = self.folder / "profile" / "user" / "registrymodifications.xcu"
        if not seed.exists():
            seed.parent.mkdir(parents=True, exist_ok=True)
            seed.write_text(_PROFILE_SEED, encoding="utf-8")
        pipe = f"saraban_{os.getpid()}_{self.name}_{uuid.uuid4().hex[:8]}"
        logfile = open(self.folder / "soffice.log", "ab")  # noqa: SIM115 (the children own it)
        with logfile:
            self.soffice = subprocess.Popen(
                [
                    soffice,
                    f"-env:UserInstallation={(self.folder / 'profile').as_uri()}",
                    "--headless",
                    "--invisible",
                    "--nocrashreport",
                    "--nodefault",
                    "--nologo",
                    "--nofirststartwizard",
                    "--norestore",
                    "--nolockcheck",
                    f"--accept=pipe,name={pipe};urp;StarOffice.ComponentContext",
                ],
                stdin=subprocess.DEVNULL,
                stdout=logfile,
                stderr=logfile,
                start_new_session=True,  # its own process group: killed as one
                env=_clean_env(),
            )
            self.bridge = subprocess.Popen(
                [
                    python,
                    "-c",
                    _BRIDGE,
                    f"uno:pipe,name={pipe};urp;StarOffice.ComponentContext",
                    str(timeout),
                    f"{self.folder}/",  # how engine.pdfclean finds it
                ],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=logfile,
                text=True,
                encoding="utf-8",
                start_new_session=True,
                env=_clean_env(),
            )
        reply = self._start_reply(soffice, timeout + 5)
        if not reply.get("ok"):
            raise _StartFailed(
                f"{soffice} did not answer within {timeout:g} s"
                if reply.get("error") == "LibreOffice did not answer"
                else reply.get("error", "it did not start")
            )
        log.debug("worker %s started: soffice pid %s", self.name, self.pid)

    def _start_reply(self, soffice: str, timeout: float) -> dict:
        """The bridge's first reply; :class:`_StartFailed` at once when LibreOffice stops first
        (a broken installation, a launcher that cannot run, a kill), not after ``timeout``."""
        assert self.soffice is not None and self.bridge is not None
        assert self.bridge.stdout is not None
        deadline = time.monotonic() + timeout
        while True:
            ready, _, _ = select.select([self.bridge.stdout], [], [], 0.2)
            if ready:
                line = self.bridge.stdout.readline()
                if line:
                    return json.loads(line)
                raise _StartFailed(f"its UNO bridge stopped{self._log_tail()}")
            code = self.soffice.poll()
            if code is not None:
                how = f"status {code}" if 0 <= code <= 128 else f"signal {abs(code) % 128}"
                raise _StartFailed(f"{soffice} stopped ({how}){self._log_tail()}")
            if time.monotonic() > deadline:
                raise _StartFailed(f"{soffice} did not answer within {timeout:g} s")

    def _log_tail(self) -> str:
        """``: <the last line of soffice.log>``, where it has one worth showing."""
        try:
            lines = (self.folder / "soffice.log").read_bytes()[-4000:].decode(errors="replace")
        except OSError:
            return ""
        useful = [
            ln.strip()
            for ln in lines.splitlines()
            if ln.strip() and "javaldx" not in ln and not ln.startswith((" ", "Traceback"))
        ]
        return f": {useful[-1][:200]}" if useful else ""

    def _reply(self, timeout: float) -> dict:
        assert self.bridge is not None and self.bridge.stdout is not None
        ready, _, _ = select.select([self.bridge.stdout], [], [], timeout)
        if not ready:
            raise _WorkerFailed(f"no answer from LibreOffice within {timeout:g} s")
        line = self.bridge.stdout.readline()
        if not line:
            raise _WorkerFailed("LibreOffice stopped (crashed or was killed)")
        return json.loads(line)

    def convert(
        self,
        src: Path,
        dst: Path,
        timeout: float,
        *,
        thai_pages: bool = False,
        destinations: bool = False,
    ) -> None:
        assert self.bridge is not None and self.bridge.stdin is not None
        request = {"src": str(src), "dst": str(dst), "thai_page_numbers": thai_pages}
        if destinations:
            request["destinations"] = True
        try:
            self.bridge.stdin.write(json.dumps(request) + "\n")
            self.bridge.stdin.flush()
        except (BrokenPipeError, OSError) as exc:
            raise _WorkerFailed("LibreOffice stopped (crashed or was killed)") from exc
        reply = self._reply(timeout)
        if reply.get("ok"):
            if not dst.is_file() or dst.stat().st_size == 0:
                raise _DocumentFailed("LibreOffice wrote no PDF")
            return
        if reply.get("fatal") or not self.alive():
            log.debug("worker %s: %s", self.name, reply.get("error"))
            raise _WorkerFailed("LibreOffice stopped (crashed or was killed)")
        raise _DocumentFailed(reply.get("error", "unknown error"))

    def stop(self, grace: float = 10.0) -> None:
        """Ask LibreOffice to quit (the bridge terminates it at end of input), then kill."""
        if self.bridge is not None and self.bridge.stdin is not None:
            with contextlib.suppress(OSError):
                self.bridge.stdin.close()
        deadline = time.monotonic() + grace
        for proc in (self.bridge, self.soffice):
            if proc is not None:
                with contextlib.suppress(subprocess.TimeoutExpired):
                    proc.wait(max(0.1, deadline - time.monotonic()))
        self.kill()

    def kill(self) -> None:
        for proc in (self.soffice, self.bridge):
            if proc is None:
                continue
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGKILL)
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(10)
            for stream in (proc.stdin, proc.stdout):
                if stream is not None:
                    with contextlib.suppress(OSError):
                        stream.close()
        self.soffice = self.bridge = None


class _Owner:
    """What a converter owns besides its workers: the lock on its folder (held for as long as
    it lives, see :mod:`engine.pdfclean`) and its watchdog, with the folders it was told of."""

    def __init__(self, root: Path, lock_fd: int) -> None:
        self.root = root
        self.lock_fd: int | None = lock_fd
        self.watchdog: subprocess.Popen | None = None
        self.watched: set[Path] = set()
        self.lock = threading.Lock()

    def watch(self, folder: Path) -> None:
        """Start the watchdog on first use; tell it of a folder where ``.part`` files go."""
        with self.lock:
            if self.lock_fd is None:
                return
            if self.watchdog is None or self.watchdog.poll() is not None:
                self.watchdog = pdfclean.spawn_watchdog(self.root)
                self.watched.clear()
            if folder in self.watched:
                return
            self.watched.add(folder)
            assert self.watchdog.stdin is not None
            with contextlib.suppress(OSError):
                self.watchdog.stdin.write(os.fsencode(folder) + b"\n")
                self.watchdog.stdin.flush()

    def release(self) -> None:
        with self.lock:
            if self.lock_fd is not None:
                os.close(self.lock_fd)
                self.lock_fd = None
            if self.watchdog is not None:
                with contextlib.suppress(OSError):
                    self.watchdog.stdin.close()  # type: ignore[union-attr]
                with contextlib.suppress(subprocess.TimeoutExpired):
                    self.watchdog.wait(15)
                self.watchdog = None


def _shutdown(workers: list[_Worker], owner: _Owner) -> None:
    for worker in workers:
        worker.stop()
    shutil.rmtree(owner.root, ignore_errors=True)
    owner.release()


# --------------------------------------------------------------------------------------------
# The pool


class Converter:
    """A pool of warm LibreOffice workers converting documents to PDF.

    ``size`` workers (default: the number of CPUs, at most 4), each started on first use.
    ``timeout`` bounds one document (seconds); ``start_timeout`` a worker's start. Thread-safe:
    :meth:`convert` may be called from several threads, :meth:`convert_many` uses every worker.
    ``lean_docx``: hand LibreOffice a copy of each DOCX without its unused styles (see
    :func:`_lean_parts`): the same PDF, in half the time. ``session``: the
    :class:`~engine.session.Session` whose LibreOffice the workers start (default: the current).
    """

    def __init__(
        self,
        size: int | None = None,
        *,
        timeout: float = 60.0,
        start_timeout: float = 60.0,
        lean_docx: bool = True,
        session: Session | None = None,
    ):
        self.size = max(1, size or min(4, os.cpu_count() or 1))
        self.lean_docx = lean_docx
        self.timeout = timeout
        self.start_timeout = start_timeout
        pdfclean.reap_profiles()  # LibreOffice of runs that died (kill -9, power cut)
        self.root, lock_fd = pdfclean.make_root()
        self._owner = _Owner(self.root, lock_fd)
        sess = session or current_session()  # where the workers look LibreOffice up
        self._workers = [_Worker(self.root / f"w{i}", f"w{i}", sess) for i in range(self.size)]
        self._idle: queue.LifoQueue[_Worker] = queue.LifoQueue()
        for worker in reversed(self._workers):
            self._idle.put(worker)
        self._cache: dict[tuple, Path] = {}
        self._overlays: dict[tuple, bytes] = {}
        self._lock = threading.Lock()
        self._finalizer = weakref.finalize(self, _shutdown, self._workers, self._owner)

    def __enter__(self) -> Converter:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def close(self) -> None:
        """Stop every worker and remove the profiles. Idempotent; also runs at exit."""
        self._finalizer()

    @property
    def closed(self) -> bool:
        return not self._finalizer.alive

    @property
    def pids(self) -> list[int]:
        """Process ids of the running ``soffice`` launchers (each leads its process group)."""
        return [w.pid for w in self._workers if w.pid is not None and w.alive()]

    def convert(
        self,
        src: str | Path,
        dst: str | Path | None = None,
        destinations: bool = False,
        *,
        tighten: int = 0,
    ) -> Path:
        """Convert ``src`` to PDF at ``dst`` (atomically) and return ``dst``.

        Without ``dst``, the PDF goes to the pool's cache, reused while ``src`` is unchanged.
        ``destinations``: the document's bookmarks become named destinations of the PDF (how
        :func:`furnish_copies` finds where each copy of a combined DOCX starts). ``tighten``
        (1 or 2): lay a DOCX out with less space between its parts (:func:`_tightened`).
        """
        if self.closed:
            raise RuntimeError("converter is closed")
        src = Path(src).absolute()
        try:
            stat = src.stat()
        except OSError as exc:
            raise ConversionError(
                _("cannot read: {strerror}").format(strerror=exc.strerror), file=src
            ) from exc
        if dst is None:
            key = (str(src), stat.st_size, stat.st_mtime_ns, destinations, tighten)
            with self._lock:
                cached = self._cache.get(key)
            if cached is not None and cached.is_file():
                return cached
            dst = self.root / "cache" / f"{uuid.uuid4().hex}.pdf"
            dst.parent.mkdir(exist_ok=True)
            self._convert(src, dst, destinations, tighten)
            with self._lock:
                self._cache[key] = dst
            return dst
        dst = Path(dst).absolute()
        dst.parent.mkdir(parents=True, exist_ok=True)
        self._convert(src, dst, destinations, tighten)
        return dst

    def convert_many(
        self, jobs: Iterable[tuple[str | Path, str | Path] | tuple[str | Path, str | Path, bool]]
    ) -> list[Path]:
        """Convert (src, dst) pairs — or (src, dst, destinations) — on all workers at once, in
        the order given (put the longest first); the first error is raised."""
        with ThreadPoolExecutor(self.size) as pool:
            return list(pool.map(lambda job: self.convert(*job), jobs))

    def _convert(self, src: Path, dst: Path, destinations: bool = False, tighten: int = 0) -> None:
        """Convert on an idle worker; a draft's PDF then gets the draft mark (after the worker is
        back in the pool: the mark is drawn by one)."""
        if self._converted(src, dst, destinations, tighten):
            stamp_draft_mark(dst, self)

    def _converted(self, src: Path, dst: Path, destinations: bool, tighten: int) -> bool:
        worker = self._idle.get()
        crashed: _WorkerFailed | None = None
        lean = worker.folder / "lean" / src.name
        # LibreOffice writes in its own folder (its temporary files too), never beside dst: what
        # a killed LibreOffice leaves goes with that folder.
        out = worker.folder / "out" / f"{uuid.uuid4().hex}.pdf"
        tmp = dst.with_name(f".{dst.stem}.{pdfclean.token()}.{uuid.uuid4().hex[:8]}.part")
        try:
            source = src
            thai_pages = draft = False
            if src.suffix.lower() == ".docx":
                data, thai_pages, draft = _prepared_docx(src, lean=self.lean_docx, tighten=tighten)
                if data is not None:
                    lean.parent.mkdir(parents=True, exist_ok=True)
                    lean.write_bytes(data)
                    source = lean
            out.parent.mkdir(parents=True, exist_ok=True)
            for attempt in (1, 2):
                try:
                    if not worker.alive():
                        worker.kill()
                        self._owner.watch(dst.parent)  # LibreOffice dies with this process
                        worker.start(self.start_timeout)
                    worker.convert(
                        source, out, self.timeout, thai_pages=thai_pages, destinations=destinations
                    )
                    break
                except _StartFailed as exc:
                    worker.kill()
                    what = (
                        _("LibreOffice stopped converting this document and did not start again")
                        if crashed
                        else _("LibreOffice did not start")
                    )
                    raise ConversionError(
                        _(
                            "{what}: {exc}; check that `soffice --headless --version` runs (to reinstall: `{libreoffice_hint}`)"
                        ).format(what=what, exc=exc, libreoffice_hint=LIBREOFFICE_HINT),
                        file=src,
                    ) from exc
                except _WorkerFailed as exc:
                    worker.kill()
                    if attempt == 2:
                        raise ConversionError(
                            _("LibreOffice failed twice converting this document ({exc})").format(
                                exc=exc
                            ),
                            file=src,
                        ) from exc
                    crashed = exc
                    log.warning("LibreOffice worker %s: %s; restarting it", worker.name, exc)
                except _DocumentFailed as exc:
                    raise ConversionError(
                        _("LibreOffice cannot convert it: {exc}").format(exc=exc), file=src
                    ) from exc
            try:
                if self.root in dst.parents:
                    os.replace(out, dst)
                else:
                    self._owner.watch(dst.parent)
                    shutil.copyfile(out, tmp)
                    os.replace(tmp, dst)
            except OSError as exc:
                raise ConversionError(
                    _("cannot write the PDF: {strerror}").format(strerror=exc.strerror), file=dst
                ) from exc
        finally:
            tmp.unlink(missing_ok=True)
            out.unlink(missing_ok=True)
            lean.unlink(missing_ok=True)
            self._idle.put(worker)
        return draft


_W_NS = b'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
_STYLE_REFS = re.compile(
    rb'<w:(?:pStyle|rStyle|tblStyle|styleLink|numStyleLink)\b[^>]*?\bw:val="([^"]*)"'
)


# A section numbering its pages in Thai digits (Word's "๑, ๒, ๓ …" format). LibreOffice 7.4 imports
# that format as Arabic; the bridge then sets the page styles to native numbering, which the Thai
# language of the page-number field (see _thai_run) turns into "๒".
_THAI_PAGE_NUMBERS = re.compile(rb'<w:pgNumType\b[^>]*\bw:fmt="thaiNumbers"')


_THAI_DISTRIBUTE = re.compile(rb'(<w:jc\b[^>]*\bw:val=")thaiDistribute"')
_SPACE_BEFORE = re.compile(rb'(<w:spacing\b[^>]*?\bw:before=")(\d+)"')
_PARAGRAPH = re.compile(rb"<w:p\b(?:(?!<w:p\b).)*?</w:p>|<w:p\b[^>]*/>", re.S)
_VISIBLE = re.compile(rb"<w:t\b[^>]*>[^<]|<w:drawing|<w:pict|<w:br\b|<w:sectPr|<w:fldChar")


def _tightened(xml: bytes, level: int) -> bytes:
    """The body with less room between its parts, so a letter that overflows by a few lines
    keeps to its pages: level 1 halves every space before a paragraph; level 2 drops the 6-pt
    spaces, quarters the larger ones, and leaves two blank lines for the signature instead of
    three (docs/layout.md)."""

    def space(m: re.Match[bytes]) -> bytes:
        before = int(m.group(2))
        new = before // 2 if level == 1 else (0 if before <= 120 else before // 4)
        return m.group(1) + str(new).encode() + b'"'

    xml = _SPACE_BEFORE.sub(space, xml)
    if level >= 2:
        out, blanks, last = [], 0, 0
        for m in _PARAGRAPH.finditer(xml):
            out.append(xml[last : m.start()])
            last = m.end()
            blanks = 0 if _VISIBLE.search(m.group(0)) else blanks + 1
            if blanks == 3:  # the third of three blank lines in a row
                continue
            out.append(m.group(0))
        out.append(xml[last:])
        xml = b"".join(out)
    return xml


_TEXT_NODE = re.compile(r"(<w:t\b[^>]*>)([^<]*)(</w:t>)")
_MARKED_WORD = re.compile(f"[{THAI_LETTERS}]*{WJ}[{THAI_LETTERS}{WJ}]*")


@functools.lru_cache(maxsize=1)
def _icu_line_breaker():
    """ICU's Thai line breaker, the one LibreOffice breaks lines with (PyICU built against the
    system's ICU, as LibreOffice is); None without PyICU (every joiner then stays)."""
    try:
        import icu
    except ImportError:  # pragma: no cover - PyICU is a dependency; a broken build still prints
        log.warning("PyICU is missing: Thai lines are justified less evenly (make setup)")
        return None
    return icu.BreakIterator.createLineInstance(icu.Locale("th"))


@functools.lru_cache(maxsize=65536)
def _joined_for_icu(word: str) -> str:
    """A word as LibreOffice is given it: joiners only where ICU's dictionary would break it.

    The DOCX has a joiner between every two characters of a word (engine.linebreak), which keeps
    any line breaker from splitting it. LibreOffice's Thai justification, though, spreads a
    line's room unevenly around so many invisible characters: words drift apart as if spaced.
    ICU (which LibreOffice breaks Thai with) can split a word only where its dictionary finds a
    boundary, so a joiner there keeps the word whole, and the rest can go. A joiner after a word's
    final mark stays (it keeps LibreOffice from pushing that mark to the margin)."""
    breaker = _icu_line_breaker()
    if breaker is None:
        return word
    tail = WJ if word.endswith(WJ) else ""
    plain = word.replace(WJ, "")
    breaker.setText(plain)
    cuts = [i for i in breaker if 0 < i < len(plain)]
    out, last = [], 0
    for cut in cuts:
        out += [plain[last:cut], WJ]
        last = cut
    return "".join(out) + plain[last:] + tail


def _fewer_joiners(xml: bytes) -> bytes:
    """:func:`_joined_for_icu` on every marked word of a part."""
    if WJ.encode() not in xml:
        return xml
    text = xml.decode("utf-8")

    def node(m: re.Match[str]) -> str:
        inner = _MARKED_WORD.sub(lambda w: _joined_for_icu(w.group(0)), m.group(2))
        return m.group(1) + inner + m.group(3)

    return _TEXT_NODE.sub(node, text).encode("utf-8")


_HEADER = re.compile(r"word/header\d*\.xml$")
_DRAFT_ALT = b'alt="saraban:draft"'  # the draft mark's shape (engine.docxparts)
_RUN_PROPS = re.compile(rb"<w:rPr>((?:(?!</w:rPr>).)*)</w:rPr>", re.S)
_BARE_RUN = re.compile(rb"<w:r(\s[^>]*)?>(?!<w:rPr)")  # a run without properties (a field's)
_THAI_LANG = b'<w:lang w:val="th-TH" w:bidi="th-TH"/>'


def _thai_run(m: re.Match[bytes]) -> bytes:
    """A header run without a language of its own is Thai in every slot: the page number's
    native numbering (:data:`_THAI_PAGE_NUMBERS`) follows the language of the field, and the
    templates set Latin text (digits among it) in English."""
    if b"<w:lang" in m.group(1):
        return m.group(0)
    return b"<w:rPr>" + m.group(1) + _THAI_LANG + b"</w:rPr>"


def _prepared_docx(
    path: Path, *, lean: bool = True, tighten: int = 0
) -> tuple[bytes | None, bool, bool]:
    """The copy of a DOCX that LibreOffice is given (None when the file itself will do), whether
    its pages are numbered in Thai digits (:data:`_THAI_PAGE_NUMBERS`), and whether it is a
    draft (its headers hold the draft mark, :mod:`engine.docxparts`).

    * header runs are Thai where the pages are numbered in Thai digits (:func:`_thai_run`);
    * a word keeps joiners only where ICU would break it (:func:`_joined_for_icu`);
    * Word's Thai distributed justification (``thaiDistribute``, what Word shows for the shipped
      templates) is read by LibreOffice 7.4 as left-aligned: it becomes ``both``, which
      LibreOffice justifies the Thai way, spreading the space over the Thai characters of the
      line, as Word's does;
    * ``lean``: the styles nothing refers to are dropped (:func:`_lean_parts`);
    * ``tighten``: :func:`_tightened`;
    * the draft mark (Word's WordArt watermark) is taken out: LibreOffice would export it as
      outlines, not text; :func:`stamp_draft_mark` prints it on the PDF as text instead.
    """
    items = _read_docx(path)
    if items is None:
        return None, False, False  # LibreOffice will say what is wrong with it
    parts = {info.filename: data for info, data in items}
    changed = False
    if lean:
        styles = _lean_parts(parts)
        if styles is not None:
            parts["word/styles.xml"] = styles
            changed = True
    thai_pages = bool(_THAI_PAGE_NUMBERS.search(parts.get("word/document.xml", b"")))
    draft = False
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml"):
            new = _fewer_joiners(_THAI_DISTRIBUTE.sub(rb'\1both"', data))
            if _HEADER.match(name) and _DRAFT_ALT in new:
                new = _PARAGRAPH.sub(lambda m: b"" if _DRAFT_ALT in m.group(0) else m.group(0), new)
                draft = True
            if thai_pages and _HEADER.match(name):
                new = _RUN_PROPS.sub(_thai_run, new)
                new = _BARE_RUN.sub(rb"<w:r\1><w:rPr>" + _THAI_LANG + rb"</w:rPr>", new)
            if tighten and name == "word/document.xml":
                new = _tightened(new, tighten)
            if new != data:
                parts[name] = new
                changed = True
    return (_scratch_docx(items, parts) if changed else None), thai_pages, draft


def _read_docx(path: Path) -> list[tuple[zipfile.ZipInfo, bytes]] | None:
    """The members of a DOCX, or None when it is no zip (LibreOffice will say what it is)."""
    try:
        with zipfile.ZipFile(path) as zin:
            return [(info, zin.read(info)) for info in zin.infolist()]
    except (zipfile.BadZipFile, OSError, RuntimeError):
        return None


def _scratch_docx(items: list[tuple[zipfile.ZipInfo, bytes]], parts: dict[str, bytes]) -> bytes:
    """A scratch copy for LibreOffice (not deflated): the members in order, ``parts`` in place."""
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as zout:
        for info, _ in items:
            info.compress_type = zipfile.ZIP_STORED
            zout.writestr(info, parts[info.filename])
    return out.getvalue()


def _lean_parts(parts: dict[str, bytes]) -> bytes | None:
    """The lean styles.xml of a DOCX's parts, or None when there is nothing to gain.

    python-docx's default template, which our templates start from, defines 164 styles, 100 of
    them table styles with 649 conditional formats, in a 336 KB styles.xml. LibreOffice imports
    every one: 55 % of the CPU of converting a letter. Unused styles cannot change the layout, so
    they are dropped from a copy: the defaults, every style named by any part (document, headers,
    footers, notes, numbering) and what those are based on, linked to or followed by stay. Parts
    using a prefix other than ``w:`` for WordprocessingML (legal, never seen) leave the file as is.
    """
    styles_xml = parts.get("word/styles.xml")
    if styles_xml is None or len(styles_xml) < 32_000:
        return None
    used: set[bytes] = set()
    for name, data in parts.items():
        if name.startswith("word/") and name.endswith(".xml") and name != "word/styles.xml":
            if b"wordprocessingml/2006/main" in data and _W_NS not in data:
                return None
            used.update(_STYLE_REFS.findall(data))
    return _lean_styles(styles_xml, frozenset(used))


@functools.lru_cache(maxsize=16)  # letters of one template share their styles
def _lean_styles(styles_xml: bytes, used: frozenset[bytes]) -> bytes | None:
    from lxml import etree

    w = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
    try:
        root = etree.fromstring(styles_xml)
    except etree.XMLSyntaxError:
        return None
    styles = {s.get(f"{w}styleId"): s for s in root.iter(f"{w}style")}
    keep = {sid for sid, s in styles.items() if s.get(f"{w}default") in ("1", "true", "on")}
    keep |= {sid for sid in styles if sid is not None and sid.encode() in used}
    todo = list(keep)
    while todo:
        style = styles[todo.pop()]
        for tag in ("basedOn", "link", "next"):
            ref = style.find(f"{w}{tag}")
            target = None if ref is None else ref.get(f"{w}val")
            if target in styles and target not in keep:
                keep.add(target)
                todo.append(target)
    if len(keep) == len(styles):
        return None
    for sid, style in styles.items():
        if sid is not None and sid not in keep:  # a style without an id (invalid) stays
            parent = style.getparent()
            if parent is not None:
                parent.remove(style)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)


def default_converter(sess: Session | None = None) -> Converter:
    """The session's pool (``sess``, else the current session's), created on first use and
    closed when the session ends (the process-wide default session: at exit)."""
    root = (sess or current_session()).root
    return root.resource("pdf.converter", lambda: Converter(session=root), _usable)


def _usable(converter: Converter) -> bool:
    return not converter.closed


# --------------------------------------------------------------------------------------------
# Writing and reading PDFs


def _write_atomic(writer: PdfWriter, out: Path) -> None:
    out.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = files.mkstemp(out.parent, f".{out.stem}.{pdfclean.token()}.", ".part")
    try:
        with os.fdopen(fd, "wb") as fh:
            writer.write(fh)
        os.replace(tmp, out)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def page_texts(pdf: str | Path) -> list[str]:
    """The text of each page, in content order, as poppler's ``pdftotext -raw`` reads it,
    diagonal text (a draft's mark, :func:`stamp_draft_mark`) left out."""
    run = subprocess.run(
        [tool("pdftotext", POPPLER_HINT), "-raw", "-nodiag", "-enc", "UTF-8", str(pdf), "-"],
        capture_output=True,
        timeout=120,
    )
    if run.returncode != 0:
        raise UserError(
            _("pdftotext cannot read it: {reason}").format(
                reason=run.stderr.decode(errors="replace").strip()
            ),
            file=pdf,
        )
    pages = run.stdout.decode("utf-8").split("\f")
    return pages[:-1] if pages and not pages[-1].strip() else pages


# --------------------------------------------------------------------------------------------
# Stamps drawn by LibreOffice

_FODT = """<?xml version="1.0" encoding="UTF-8"?>
<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"
 xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0"
 xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"
 xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"
 xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0"
 xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"
 office:version="1.3" office:mimetype="application/vnd.oasis.opendocument.text">
<office:font-face-decls>
 <style:font-face style:name="F" svg:font-family="{font}"/>
</office:font-face-decls>
<office:styles>
 <style:style style:name="Standard" style:family="paragraph">
  <style:paragraph-properties fo:margin-top="0pt" fo:margin-bottom="0pt" fo:line-height="100%"/>
  <style:text-properties style:font-name="F" fo:font-size="{size}pt" style:font-name-asian="F"
   style:font-size-asian="{size}pt" style:font-name-complex="F" style:font-size-complex="{size}pt"/>
 </style:style>
</office:styles>
<office:automatic-styles>
 <style:style style:name="fr1" style:family="graphic" style:parent-style-name="Frame">
  <style:graphic-properties fo:padding="0pt" fo:border="none" style:wrap="run-through"
   draw:fill="none" fo:background-color="transparent" style:background-transparency="100%"
   style:vertical-pos="from-top" style:vertical-rel="page"
   style:horizontal-pos="from-left" style:horizontal-rel="page"/>
 </style:style>
 <style:style style:name="Right" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="end"/>
 </style:style>
 <style:style style:name="Mark" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:text-align="center"/>
  <style:text-properties fo:color="{mark_colour}" fo:font-size="{mark_size}pt"
   style:font-size-asian="{mark_size}pt" style:font-size-complex="{mark_size}pt"/>
 </style:style>
 <style:style style:name="Break" style:family="paragraph" style:parent-style-name="Standard">
  <style:paragraph-properties fo:break-before="page"/>
 </style:style>
 <style:page-layout style:name="Layout">
  <style:page-layout-properties fo:page-width="{width}pt" fo:page-height="{height}pt"
   fo:margin-top="0pt" fo:margin-bottom="0pt" fo:margin-left="0pt" fo:margin-right="0pt"/>
 </style:page-layout>
</office:automatic-styles>
<office:master-styles>
 <style:master-page style:name="Standard" style:page-layout-name="Layout"/>
</office:master-styles>
<office:body><office:text>
{frames}
{pages}
</office:text></office:body>
</office:document>
"""

_FRAME = (
    '<draw:frame draw:style-name="fr1" text:anchor-type="page" text:anchor-page-number="{page}"'
    ' svg:x="{x:.2f}pt" svg:y="{y:.2f}pt" svg:width="{w:.2f}pt" svg:height="{h:.2f}pt">'
    '<draw:text-box><text:p text:style-name="Right">{text}</text:p></draw:text-box></draw:frame>'
)


def _overlays(stamps: Sequence[tuple[str, str]], converter: Converter) -> list[PageObject]:
    """One A4 page per (text, "top" | "bottom") stamp, drawn by LibreOffice.

    The text is right-aligned at ``STAMP_RIGHT`` from the right edge, its baseline
    ``ENCLOSURE_BASELINE`` below the top or ``MARKER_BASELINE`` above the bottom. Overlays of the
    same stamps (bundles with as many enclosures) are reused from the converter's cache.
    """
    key = tuple(stamps)
    with converter._lock:
        data = converter._overlays.get(key)
    if data is None:
        width, height = A4
        box_w, box_h = 8 * CM, 1.2 * STAMP_SIZE * 1.5
        ascent = _ASCENT * STAMP_SIZE
        frames = []
        for page, (text, where) in enumerate(stamps, 1):
            baseline = ENCLOSURE_BASELINE if where == "top" else height - MARKER_BASELINE
            x = width - STAMP_RIGHT - box_w
            frames.append(
                _FRAME.format(
                    page=page, x=x, y=baseline - ascent, w=box_w, h=box_h, text=escape(text)
                )
            )
        breaks = '<text:p text:style-name="Standard"/>' + '<text:p text:style-name="Break"/>' * (
            len(stamps) - 1
        )
        data = _drawn(converter, key, "\n".join(frames), breaks)
    pages = list(PdfReader(io.BytesIO(data)).pages)
    if len(pages) != len(stamps):
        raise ConversionError(f"stamp overlay has {len(pages)} pages for {len(stamps)} stamps")
    return pages


def _drawn(converter: Converter, key: Any, frames: str, pages: str) -> bytes:
    """The PDF LibreOffice draws of A4 pages with ``frames`` (kept in the converter's cache of
    overlays under ``key``)."""
    width, height = A4
    fodt = _FODT.format(
        font=STAMP_FONT, size=STAMP_SIZE, width=width, height=height, frames=frames,
        pages=pages, mark_colour=DRAFT_COLOUR, mark_size=DRAFT_SIZE,
    )  # fmt: skip
    work = converter.root / "overlays"
    work.mkdir(exist_ok=True)
    src = work / f"{uuid.uuid4().hex}.fodt"
    src.write_text(fodt, encoding="utf-8")
    try:
        pdf = converter.convert(src, src.with_suffix(".pdf"))
        data = pdf.read_bytes()
        pdf.unlink()
    finally:
        src.unlink(missing_ok=True)
    with converter._lock:
        if len(converter._overlays) > 64:
            converter._overlays.pop(next(iter(converter._overlays)))
        converter._overlays[key] = data
    return data


DRAFT_SIZE = 280  # pt: the draft mark across the page
DRAFT_COLOUR = "#c8c8c8"  # light grey: the letter's text stays easy to read over it
DRAFT_ANGLE = 45  # degrees, bottom left to top right, as Word sets its watermark


def stamp_draft_mark(pdf_path: str | Path, converter: Converter) -> None:
    """Print the draft mark (ร่าง) across every page of ``pdf_path``, in place: light grey text
    drawn by LibreOffice, turned 45° about the page's centre, behind the page's own content.
    It is text (a reader finds "ร่าง" on every page); ``pdftotext -nodiag``, which the
    continuation markers and ``saraban proof`` read pages with, leaves it out."""
    key = ("draft-mark", DRAFT_MARK)
    with converter._lock:
        data = converter._overlays.get(key)
    if data is None:
        width, height = A4
        # the letters' middle lies about 0.55 em below the top of their line: at the page's centre
        box_h = DRAFT_SIZE * 1.6
        frame = _FRAME.replace('"Right"', '"Mark"').format(
            page=1, x=0, y=height / 2 - 0.55 * DRAFT_SIZE, w=width, h=box_h,
            text=escape(DRAFT_MARK),
        )  # fmt: skip
        data = _drawn(converter, key, frame, '<text:p text:style-name="Standard"/>')
    overlay = _ending_words(PdfReader(io.BytesIO(data)).pages[0])
    path = Path(pdf_path)
    writer = PdfWriter(clone_from=_open_pdf(path, what=None))
    for page in writer.pages:
        if page.rotation:
            page.transfer_rotation_to_content()
        box = page.mediabox
        cx, cy = float(box.left + box.right) / 2, float(box.bottom + box.top) / 2
        w, h = float(overlay.mediabox.width), float(overlay.mediabox.height)
        ctm = Transformation().translate(-w / 2, -h / 2).rotate(DRAFT_ANGLE).translate(cx, cy)
        page.merge_transformed_page(overlay, ctm, over=False)
    _write_atomic(writer, path)


def _ending_words(overlay: PageObject) -> PageObject:
    """``overlay`` with an invisible space drawn after its content (Helvetica, text render mode
    3). poppler's ``pdftotext -nodiag`` leaves the diagonal mark out but, without a space after
    it, the first word drawn next (the page's own "ที่", "-") goes with it: a space ends the
    word."""
    writer = PdfWriter()
    page = writer.add_page(overlay)
    resources = page.get("/Resources")
    resources = resources.get_object() if resources is not None else DictionaryObject()
    assert isinstance(resources, DictionaryObject)
    fonts = resources.get("/Font")
    fonts = fonts.get_object() if fonts is not None else DictionaryObject()
    assert isinstance(fonts, DictionaryObject)
    fonts[NameObject("/SarabanSpace")] = DictionaryObject(
        {
            NameObject("/Type"): NameObject("/Font"),
            NameObject("/Subtype"): NameObject("/Type1"),
            NameObject("/BaseFont"): NameObject("/Helvetica"),
        }
    )
    resources[NameObject("/Font")] = fonts
    page[NameObject("/Resources")] = resources
    contents = page.get_contents()
    body = contents.get_data() if contents is not None else b""
    stream = ContentStream(None, None)
    stream.set_data(body + b"\nBT /SarabanSpace 1 Tf 3 Tr 297 421 Td ( ) Tj ET\n")  # mid-page
    page.replace_contents(stream)
    return page


def _stamp(page: PageObject, overlay: PageObject, where: str) -> None:
    """Merge an A4 overlay so that its top-right (or bottom-right) corner meets the page's."""
    if page.rotation:
        page.transfer_rotation_to_content()
    box = page.cropbox
    width, height = float(overlay.mediabox.width), float(overlay.mediabox.height)
    dy = float(box.top) - height if where == "top" else float(box.bottom)
    page.merge_transformed_page(overlay, Transformation().translate(float(box.right) - width, dy))


# --------------------------------------------------------------------------------------------
# Keeping a letter to its pages

FIT_FILL = 0.55
"""A last page whose text ends above this share of its height may be an overflow of a few
lines: :func:`fit_pages` tries to tighten the letter back onto the pages before it."""


def fit_pages(docx: str | Path, pdf_path: str | Path, converter: Converter) -> int:
    """A letter that overflows by a few lines is tightened before it spills onto another page.

    When the PDF of ``docx`` (at ``pdf_path``) has a last page that is mostly empty, the DOCX is
    converted again with less space between its parts (:func:`_tightened`, level 1, then 2); the
    first that saves a page replaces ``pdf_path``. Returns the level used (0: none). The DOCX
    itself is not changed: it stays the register's record, as rendered.
    """
    pdf_path = Path(pdf_path)
    if len(PdfReader(str(pdf_path)).pages) < 2:
        return 0  # nothing to save (and no pdftotext run for a one-page letter)
    pages = read_pages(pdf_path, images=False)
    body = pages[-1].body()
    if body and max(ln.y1 for ln in body) > FIT_FILL * pages[-1].height:
        return 0
    for level in (1, 2):
        trial = pdf_path.with_name(
            f".{pdf_path.stem}.fit{level}.{pdfclean.token()}.{uuid.uuid4().hex[:8]}.part.pdf"
        )
        try:
            converter.convert(docx, trial, tighten=level)
            if len(PdfReader(str(trial)).pages) < len(pages):
                os.replace(trial, pdf_path)
                return level
        finally:
            trial.unlink(missing_ok=True)
    return 0


# --------------------------------------------------------------------------------------------
# Continuation markers

_PAGE_NUMBER = re.compile(r"-\s*[0-9๐-๙]+\s*-")
_HAS_LETTER = re.compile(r"[^\W\d_]")  # Thai and Latin letters, not digits or punctuation


def continuation_marker(next_page_text: str, thai_digits: bool = True) -> str | None:
    """ "/" + the first words of the next page's body + "...", or None for a page without text.

    The page-number header ("- ๒ -") is skipped. A leading item number ("๑.๒.๒", "(๒)") is kept
    with the first word after it; a Thai run is cut at its first word, so
    "๑.๒.๒ สำหรับผู้ใช้งาน…" gives "/๑.๒.๒ สำหรับ...". Digits of the item number follow the office
    setting (``thai_digits``), as LibreOffice's list numbering may print Arabic digits. A word is
    never cut: the marker names the next page's first words whole.
    """
    lines = [line.strip() for line in next_page_text.splitlines()]
    body = [line for line in lines if line and not _PAGE_NUMBER.fullmatch(line)]
    if not body:
        return None
    chunks = body[0].split()
    taken: list[str] = []
    while chunks and not _HAS_LETTER.search(chunks[0]) and len(taken) < 2:
        number = chunks.pop(0)
        taken.append(to_thai_digits(number) if thai_digits else to_arabic_digits(number))
    if chunks:
        taken.append(_first_word(chunks[0]))
    return f"/{' '.join(taken)}..."


def attachment_start(texts: Sequence[str]) -> int | None:
    """The first page (0-based) of an attachment after the letter — a circular's distribution
    list, headed :data:`engine.docxparts.LIST_TITLE` — or None. Its pages, and the letter's
    last page before them, get no continuation marker: the attachment is outside the letter's
    pages (its own section, without page numbers)."""
    for page, text in enumerate(texts[1:], 1):
        first = next((ln for ln in text.splitlines() if ln.strip()), "")
        if "".join(first.translate(INVISIBLE).split()).startswith(LIST_TITLE):
            return page
    return None


def _first_word(chunk: str) -> str:
    """The first word of a chunk, whole: a Thai run is cut at the end of its first word
    (:meth:`engine.linebreak.LineBreaker.segment`, the segmentation the letter was broken by);
    a Latin word or anything else is kept as it is, however long."""
    thai = THAI_RUN.match(chunk)
    return chunk if thai is None else DEFAULT_BREAKER.segment(thai.group(0))[0]


def stamp_page_furniture(
    pdf_path: str | Path,
    thai_digits: bool = True,
    *,
    converter: Converter | None = None,
    starts: Collection[int] = (),
    outline: Sequence[tuple[str, int]] = (),
    title: str | None = None,
) -> list[str | None]:
    """Stamp the continuation marker on every page but the last, in place (atomically).

    ``starts``: pages (0-based) where another document begins — a copy of a combined circular —
    so the page before gets no marker. ``outline``: (title, page) bookmarks added in the same
    write; ``title``: the PDF's title. Named destinations are dropped when there is an outline.
    Returns the marker of each page but the last (None where the next page has no text, or
    starts another document).
    """
    pdf_path = Path(pdf_path)
    return _furnish(pdf_path, _open_pdf(pdf_path, what=None), thai_digits, converter,
                    starts=starts, outline=outline, title=title)  # fmt: skip


def _furnish(
    pdf_path: Path,
    reader: PdfReader,
    thai_digits: bool,
    converter: Converter | None,
    *,
    starts: Collection[int] = (),
    outline: Sequence[tuple[str, int]] = (),
    title: str | None = None,
) -> list[str | None]:
    texts = page_texts(pdf_path)
    if len(texts) != len(reader.pages):
        raise UserError(
            _("pdftotext read {texts} pages, pypdf {pages}").format(
                texts=len(texts), pages=len(reader.pages)
            ),
            file=pdf_path,
        )
    starts = set(starts)
    attached = attachment_start(texts)
    markers = [
        None
        if page in starts or (attached is not None and page >= attached)
        else continuation_marker(text, thai_digits)
        for page, text in enumerate(texts[1:], 1)
    ]
    wanted = [(i, m) for i, m in enumerate(markers) if m]
    if not wanted and not outline and title is None:
        return markers
    writer = PdfWriter(clone_from=reader)
    if wanted:
        unique = list(dict.fromkeys(m for _, m in wanted))  # copies share their markers
        drawn = _overlays([(m, "bottom") for m in unique], converter or default_converter())
        overlay = dict(zip(unique, drawn, strict=True))
        for index, marker in wanted:
            _stamp(writer.pages[index], overlay[marker], "bottom")
    if outline:
        writer.root_object.pop(NameObject("/Dests"), None)
        names = writer.root_object.get("/Names")
        if names is not None:
            names.get_object().pop(NameObject("/Dests"), None)
        for text, page in outline:
            writer.add_outline_item(title=text, page_number=page)
        writer.page_mode = "/UseOutlines"
    if title is not None:
        writer.add_metadata({"/Title": title})
    _write_atomic(writer, pdf_path)
    return markers


_COPY_DESTINATION = re.compile(r"SarabanCopy(\d+)$")


def copy_starts(reader: PdfReader) -> dict[int, int]:
    """Copy number → its first page (0-based), from the named destinations that the bookmarks
    of :func:`engine.combine.mark_copy` became (converted with ``destinations=True``)."""
    found: dict[int, int] = {}
    for name, dest in reader.named_destinations.items():
        m = _COPY_DESTINATION.search(str(name))
        if m:
            page = reader.get_destination_page_number(dest)
            if page is not None and page >= 0:
                found[int(m.group(1))] = page
    return found


def furnish_copies(
    pdf_path: str | Path,
    titles: Sequence[str],
    thai_digits: bool = True,
    *,
    converter: Converter | None = None,
    title: str | None = None,
) -> list[int]:
    """Page furniture of a combined circular's PDF, in place: continuation markers within each
    copy (never from one copy's last page to the next copy), one bookmark per copy
    (``titles``, in order). Returns the first page (0-based) of each copy.

    The PDF must come from a combined DOCX (:mod:`engine.combine`) converted with
    ``destinations=True``; a copy that cannot be found is a :class:`ConversionError`.
    """
    pdf_path = Path(pdf_path)
    reader = _open_pdf(pdf_path, what=None)
    found = copy_starts(reader)
    starts = [found.get(k) for k in range(1, len(titles) + 1)]
    if (
        len(found) != len(titles)
        or None in starts
        or starts[0] != 0
        or any(b <= a for a, b in zip(starts, starts[1:], strict=False))  # type: ignore[operator]
    ):
        raise ConversionError(
            _(
                "cannot tell where the {titles} copies start in the PDF ({found} copy bookmarks found; a combined DOCX made before they were added has none: `saraban regenerate --all --pdf` rewrites it)"
            ).format(titles=len(titles), found=len(found)),
            file=pdf_path,
        )
    pages: list[int] = [p for p in starts if p is not None]
    _furnish(pdf_path, reader, thai_digits, converter, starts=pages,
             outline=list(zip(titles, pages, strict=True)), title=title)  # fmt: skip
    return pages


# --------------------------------------------------------------------------------------------
# Enclosures and bundles


def _fail(what: Enclosure | Path | None, path: Path, message: str) -> UserError:
    """An :class:`EnclosureError` naming the enclosure's title and file, else a UserError."""
    if isinstance(what, Enclosure):
        return EnclosureError(
            _("enclosure “{title}”: {message}").format(title=what.title, message=message), file=path
        )
    return UserError(message, file=path)


def _open_pdf(path: Path, what: Enclosure | Path | None) -> PdfReader:
    """A fully readable, unencrypted PDF, or :class:`EnclosureError` naming it."""
    _check_file(path, what)
    try:
        reader = PdfReader(path)
        if reader.is_encrypted:
            raise _fail(
                what, path, _("the PDF is encrypted (password-protected); save a copy without it")
            )
        for page in reader.pages:  # parse every page now, not halfway through writing
            page.get_contents()
            page.mediabox  # noqa: B018
        if not reader.pages:
            raise _fail(what, path, _("the PDF has no pages"))
    except UserError:
        raise
    except (PdfReadError, ValueError, KeyError, TypeError, AttributeError, OSError) as exc:
        raise _fail(what, path, _("not a readable PDF ({exc})").format(exc=exc)) from exc
    return reader


def _check_file(path: Path, what: Enclosure | Path | None) -> None:
    if not path.is_file():
        raise _fail(what, path, _("file not found"))
    if path.stat().st_size == 0:
        raise _fail(what, path, _("the file is empty (0 bytes)"))


def _image_page(path: Path, what: Enclosure | Path | None) -> PageObject:
    """A JPEG or PNG on an A4 page: true size for a scan whose DPI is given (an ID card copy
    prints at ID-card size), else scaled to fit within the margins. JPEGs go in unchanged."""
    from PIL import Image, ImageOps, UnidentifiedImageError

    _check_file(path, what)
    try:
        with Image.open(path) as opened:
            im: Image.Image = opened
            im.load()
            fmt, dpi = im.format, im.info.get("dpi")
            upright = im.getexif().get(0x0112, 1) in (0, 1)
            if fmt == "JPEG" and upright and im.mode in ("RGB", "L"):
                image = StreamObject.initialize_from_dictionary(
                    {"/Filter": NameObject("/DCTDecode"), "__streamdata__": path.read_bytes()}
                )
            else:
                im = ImageOps.exif_transpose(im)
                if im.mode in ("RGBA", "LA", "PA") or "transparency" in im.info:
                    rgba = im.convert("RGBA")
                    im = Image.new("RGB", im.size, "white")
                    im.paste(rgba, mask=rgba.getchannel("A"))
                im = im.convert("L" if im.mode in ("1", "L", "I", "I;16", "F") else "RGB")
                image = StreamObject.initialize_from_dictionary(
                    {
                        "/Filter": NameObject("/FlateDecode"),
                        "__streamdata__": zlib.compress(im.tobytes(), 6),
                    }
                )
            px_w, px_h, mode = im.width, im.height, im.mode
    except (
        UnidentifiedImageError,
        OSError,
        SyntaxError,
        ValueError,
        Image.DecompressionBombError,
    ) as exc:
        raise _fail(
            what, path, _("not a readable JPEG or PNG image ({exc})").format(exc=exc)
        ) from exc

    image.update(
        {
            NameObject("/Type"): NameObject("/XObject"),
            NameObject("/Subtype"): NameObject("/Image"),
            NameObject("/Width"): NumberObject(px_w),
            NameObject("/Height"): NumberObject(px_h),
            NameObject("/BitsPerComponent"): NumberObject(8),
            NameObject("/ColorSpace"): NameObject("/DeviceGray" if mode == "L" else "/DeviceRGB"),
        }
    )
    page_w, page_h = A4
    margin, top = 2 * CM, 3 * CM  # room at the top for "สิ่งที่ส่งมาด้วย ๑"
    room_w, room_h = page_w - 2 * margin, page_h - top - margin
    scale = min(room_w / px_w, room_h / px_h)
    if dpi and 150 <= float(dpi[0]) <= 1200:
        scale = min(scale, 72 / float(dpi[0]))
    w, h = px_w * scale, px_h * scale
    x, y = (page_w - w) / 2, page_h - top - h

    writer = PdfWriter()
    page = writer.add_blank_page(page_w, page_h)
    page[NameObject("/Resources")] = DictionaryObject(
        {NameObject("/XObject"): DictionaryObject({NameObject("/Im0"): writer._add_object(image)})}
    )
    content = DecodedStreamObject()
    content.set_data(f"q {w:.3f} 0 0 {h:.3f} {x:.3f} {y:.3f} cm /Im0 Do Q".encode())
    page[NameObject("/Contents")] = writer._add_object(content)
    return page


def _enclosure_pages(enc: Enclosure | Path, converter: Converter | None) -> list[PageObject]:
    path = enc.path() if isinstance(enc, Enclosure) else Path(enc)
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        return list(_open_pdf(path, enc).pages)
    if suffix in IMAGE_SUFFIXES:
        return [_image_page(path, enc)]
    if suffix in DOCUMENT_SUFFIXES:
        _check_file(path, enc)
        if suffix in (".docx", ".odt") and not _is_package(path):
            raise _fail(
                enc,
                path,
                _("not a {kind} document (not a valid zip package)").format(
                    kind=suffix[1:].upper()
                ),
            )
        try:
            pdf = (converter or default_converter()).convert(path)
        except ConversionError as exc:
            raise _fail(enc, path, exc.message) from exc
        return list(_open_pdf(pdf, enc).pages)
    raise _fail(enc, path, _("unsupported file type: use PDF, DOCX, ODT, JPEG or PNG"))


def check_enclosure(enclosure: Enclosure) -> None:
    """Check an enclosure file without converting anything: a PDF is read through (not
    encrypted, not corrupt, not empty), an image decoded, a DOCX/ODT must be a valid package.
    Raises :class:`EnclosureError` naming the enclosure."""
    path = enclosure.path()
    suffix = path.suffix.lower()
    if suffix == ".pdf":
        _open_pdf(path, enclosure)
    elif suffix in IMAGE_SUFFIXES:
        _image_page(path, enclosure)
    elif suffix in DOCUMENT_SUFFIXES:
        _check_file(path, enclosure)
        if suffix in (".docx", ".odt") and not _is_package(path):
            raise _fail(
                enclosure,
                path,
                _("not a {kind} document (not a valid zip package)").format(
                    kind=suffix[1:].upper()
                ),
            )
    else:
        raise _fail(enclosure, path, _("unsupported file type: use PDF, DOCX, ODT, JPEG or PNG"))


def _is_package(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as zf:
            names = set(zf.namelist())
    except (zipfile.BadZipFile, OSError):
        return False
    return "word/document.xml" in names or "content.xml" in names


def page_count(enclosure: Enclosure | str | Path, converter: Converter | None = None) -> int:
    """Pages an enclosure adds to the bundle (PDF pages; an image is 1; a DOCX is converted)."""
    if not isinstance(enclosure, Enclosure):
        enclosure = Path(enclosure)
    return len(_enclosure_pages(enclosure, converter))


def sheet_count(path: str | Path, *, convert: bool = True) -> int | None:
    """Pages of an enclosure file, for the letter's "จำนวน ๓ แผ่น": a PDF's pages, 1 for an image,
    a DOCX's pages once converted (only where LibreOffice is installed; never without
    ``convert``). None when it cannot be told (LibreOffice missing, an unreadable file:
    ``--pdf`` reports those). :mod:`engine.sheets` chooses the counter."""
    path = Path(path)
    suffix = path.suffix.lower()
    try:
        if suffix in DOCUMENT_SUFFIXES:
            if not convert:
                return None
            find_soffice()
        return page_count(path)
    except UserError:
        return None


def enclosure_label(number: int, thai_digits: bool = True) -> str:
    """The stamp on an enclosure's first page: "สิ่งที่ส่งมาด้วย ๑"."""
    return f"สิ่งที่ส่งมาด้วย {to_thai_digits(str(number)) if thai_digits else number}"


def build_bundle(
    letter_pdf: str | Path,
    enclosures: Sequence[Enclosure],
    out: str | Path,
    converter: Converter | None = None,
    *,
    title: str | None = None,
    thai_digits: bool = True,
) -> Path:
    """The letter then each enclosure, enclosure first pages stamped, one bookmark per part.

    ``title`` (the letter's subject) names the letter's bookmark and the bundle; else the letter
    PDF's own title, else "หนังสือ". Every input is read and checked first; on any error
    (:class:`EnclosureError` naming the enclosure) nothing is written.
    """
    letter_pdf, out = Path(letter_pdf), Path(out)
    letter = _open_pdf(letter_pdf, letter_pdf)
    parts = [_enclosure_pages(enc, converter) for enc in enclosures]
    if title is None:
        meta = letter.metadata
        title = (meta.title if meta else None) or "หนังสือ"
    labels = [
        (enclosure_label(enc.number or i, thai_digits), "top")
        for i, enc in enumerate(enclosures, 1)
    ]
    overlays = _overlays(labels, converter or default_converter()) if labels else []

    writer = PdfWriter()
    for page in letter.pages:
        writer.add_page(page)
    writer.add_outline_item(title=title, page_number=0)
    for enc, pages, overlay in zip(enclosures, parts, overlays, strict=True):
        start = len(writer.pages)
        for page in pages:
            writer.add_page(page)
        _stamp(writer.pages[start], overlay, "top")
        writer.add_outline_item(title=enc.title, page_number=start)
    writer.add_metadata({"/Title": title, "/Producer": "saraban"})
    writer.page_mode = "/UseOutlines"
    _write_atomic(writer, out)
    return out
