"""``saraban regenerate``: re-render every issued letter whose inputs changed since its render.

Every issued document has its inputs' fingerprints in the register database
(:mod:`engine.dependencies`). Regeneration:

1. recomputes each fingerprint (template, workflow, office.yaml, signer, case data, named
   references, cited register entries, a circular's recipients) and collects the documents
   whose fingerprints differ — with the reason for each — or all of them with ``--all``;
2. adds, transitively, the documents that cite a regenerated one (a named reference that points
   at a letter counts as citing it); a cycle of references is an error naming the cycle;
3. leaves alone the letters already **sent** — frozen: the case is or has been in a state
   that freezes its letters (``freezes: true`` in the workflow; without a declaration, the
   state ``sent``): they are listed as needing a correction letter — and the letters of a
   cancelled case or whose number is cancelled (skipped);
4. re-renders the others with their own number and date from the register, compares the bytes
   with the file on disk and rewrites only the files that differ (temporary file + rename: a
   reader, or a run killed with SIGKILL, sees the old file or the new one, never a mix), on a
   pool of worker processes (fork) when there are many;
5. syncs once, then in one transaction stores the new fingerprints and records a
   ``regenerate`` event in each case's history.

One regeneration runs at a time in a workspace (a second one waits for the lock
``letters/.runs/regenerate``, then finds nothing left to do): one change, one history event.
A rerun after an interrupted run finishes the job: the fingerprints were not updated, so the
same documents are re-rendered, and the files already rewritten compare equal and are left as
they are. A second run with nothing changed renders nothing and touches no file.
"""

from __future__ import annotations

import datetime as dt
import json
import multiprocessing as mp
import os
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import compose, files, progress, sheets, sync, thai
from . import dependencies as deps_mod
from .cases import CaseStore, current_user
from .circular import Sink, render_circular, stored_copy_paths, stored_recipients
from .errors import UserError
from .i18n import _
from .recipients import fingerprint as recipients_fp
from .references import digest, entry_text, load_named, named_refs_in
from .register import Entry, Register
from .render import write_atomic
from .store import server_of
from .workflow import workflow_named
from .workspace import PLACEHOLDER_EMBLEM, Workspace

#: Hidden, for tests of interruption: "N:SECONDS" sleeps SECONDS after the N-th file written.
PAUSE_ENV = "SARABAN_REGENERATE_PAUSE"


@dataclass
class Job:
    """One issued document and what it was rendered from."""

    case_id: int
    document: str
    entry_id: int | None
    date: str
    files: dict[str, str]
    deps: dict[str, str]
    workflow: str = ""
    state: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    entry: Entry | None = None
    #: every state the case is or has been in (its lifecycle: see :mod:`engine.lifecycle`)
    states: frozenset[str] = frozenset()
    #: frozen: the case is or has been in a state that freezes its letters (set once the
    #: workflows are loaded, by :func:`apply_lifecycle`)
    sent: bool = False
    #: the case is in a state a cancelling event leads to
    case_cancelled: bool = False
    #: False when the register keeps no recipient list for its entry (not a circular): the
    #: worker then skips looking for one
    has_recipients: bool = True
    reasons: list[str] = field(default_factory=list)

    @property
    def key(self) -> tuple[int, str]:
        return (self.case_id, self.document)

    @property
    def number(self) -> str:
        return self.entry.number_text if self.entry else ""

    def describe(self) -> str:
        what = f"ที่ {self.number}" if self.number else self.document
        return f"case {self.case_id} {self.document} {what}"

    def as_json(self) -> dict[str, Any]:
        return {
            "case": self.case_id,
            "document": self.document,
            "number": self.number,
            "files": list(self.files),
            "reasons": self.reasons,
        }

    def report(
        self, *, changed: list[str] | None = None, why: str | None = None
    ) -> ReportedDocument:
        """This document as a regeneration report lists it."""
        return ReportedDocument(
            self.case_id, self.document, self.number, list(self.files), self.reasons, changed, why
        )


@dataclass(frozen=True)
class ReportedDocument:
    """An issued document (หนังสือ) in a regeneration report: its case, name in the workflow,
    number as printed, files and the reasons it is affected; ``changed``: the files rewritten
    (with ``dry_run``, to rewrite) when regenerated, ``why`` it was skipped when skipped."""

    case: int
    document: str
    number: str
    files: list[str]
    reasons: list[str]
    changed: list[str] | None = None
    why: str | None = None

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "case": self.case,
            "document": self.document,
            "number": self.number,
            "files": self.files,
            "reasons": self.reasons,
        }
        if self.changed is not None:
            out["changed"] = self.changed
        if self.why is not None:
            out["why"] = self.why
        return out


@dataclass
class Report:
    """What ``regenerate`` did (or, with ``dry_run``, would do)."""

    dry_run: bool
    #: regenerated (with ``dry_run``, would be), frozen (need a correction letter), skipped
    regenerated: list[ReportedDocument] = field(default_factory=list)
    sent: list[ReportedDocument] = field(default_factory=list)
    skipped: list[ReportedDocument] = field(default_factory=list)
    checked: int = 0
    files_written: int = 0
    files_unchanged: int = 0
    seconds: float = 0.0
    #: with ``pdf``: the PDFs (re)made — with ``dry_run``, that would be —, and what failed
    pdfs: list[str] = field(default_factory=list)
    pdf_errors: list[str] = field(default_factory=list)
    #: on a shared register: the files first written from the database (:func:`engine.sync.sync`)
    fetched: list[str] = field(default_factory=list)

    def as_json(self) -> dict[str, Any]:
        return {
            "dry_run": self.dry_run,
            "checked": self.checked,
            "regenerated": [d.as_json() for d in self.regenerated],
            "needs_correction_letter": [d.as_json() for d in self.sent],
            "skipped": [d.as_json() for d in self.skipped],
            "files_written": self.files_written,
            "files_unchanged": self.files_unchanged,
            "seconds": round(self.seconds, 3),
            "pdfs": self.pdfs,
            "pdf_errors": self.pdf_errors,
        }


# --- loading ---------------------------------------------------------------------------------
def load_jobs(reg: Register) -> list[Job]:
    store = reg.store
    deps = store.dependencies.by_document()
    visited = store.events.states_visited()
    with_recipients = store.recipients.entry_ids()
    entries = store.entries.rendered()
    jobs = []
    for r in store.renders.with_cases():
        jobs.append(
            Job(
                case_id=r.case_id,
                document=r.document,
                entry_id=r.entry_id,
                date=r.date,
                files=r.files,
                deps=deps.get((r.case_id, r.document), {}),
                workflow=r.workflow,
                state=r.state,
                data=r.data,
                entry=entries.get(r.entry_id) if r.entry_id is not None else None,
                states=frozenset({r.state, *visited.get(r.case_id, ())}),
                has_recipients=r.entry_id in with_recipients,
            )
        )
    return jobs


def apply_lifecycle(jobs: Iterable[Job], workflows: Mapping[str, Any]) -> None:
    """Mark the jobs frozen (``sent``) or of a cancelled case, as their workflows declare."""
    for job in jobs:
        wf = workflows.get(job.workflow)
        if wf is not None:
            job.sent = wf.freezes(job.states)
            job.case_cancelled = job.state in wf.cancelled_states


class Fingerprints:
    """The current fingerprint of every dependency key (cached for one run)."""

    def __init__(self, ws: Workspace, reg: Register, workflows: Mapping[str, Any]) -> None:
        self.ws = ws
        self.reg = reg
        self.workflows = workflows
        self.named, _ = load_named(ws.root)
        self._cache: dict[str, str] = {}
        self.entries: dict[int, Entry] = {}

    def entry(self, entry_id: int) -> Entry | None:
        if entry_id not in self.entries:
            entry = self.reg.store.entries.get(entry_id)
            if entry is None:
                return None
            self.entries[entry_id] = entry
        return self.entries[entry_id]

    def get(self, key: str, job: Job) -> str:
        if key == "data":
            wf = self.workflows.get(job.workflow)
            return deps_mod.data_fp(wf, job.data) if wf else "missing"
        if key not in self._cache:
            self._cache[key] = self._compute(key)
        return self._cache[key]

    def _compute(self, key: str) -> str:
        kind, _, name = key.partition(":")
        ws = self.ws
        if kind == "template":
            try:
                path = ws.template_path(name)
            except UserError:
                return "missing"
            return deps_mod.template_fp(path, ws.office.emblem or PLACEHOLDER_EMBLEM)
        if kind == "workflow":
            return deps_mod.file_fp(ws.workflow_paths().get(name))
        if kind == "office":
            return deps_mod.office_fp(ws.office)
        if kind == "signer":
            return deps_mod.signer_fp(ws.office.signers.get(name))
        if kind == "ref":
            return digest(self.named[name]) if name in self.named else "missing"
        if kind == "entry":
            entry = self.entry(int(name))
            return digest(entry_text(entry)) if entry else "missing"
        if kind == "recipients":
            return recipients_fp(stored_recipients(self.reg, int(name)))
        return "unknown"


def _reason(key: str, fp: Fingerprints) -> str:
    kind, _sep, name = key.partition(":")
    if kind == "template":
        return _("template {name} changed").format(name=name)
    if kind == "workflow":
        return _("workflow {name} changed").format(name=name)
    if kind == "office":
        return _("office.yaml changed")
    if kind == "signer":
        return _("signer {name} in office.yaml changed").format(name=name)
    if kind == "data":
        return _("case data changed")
    if kind == "ref":
        return _("references.yaml: {name} changed").format(name=name)
    if kind == "entry":
        entry = fp.entry(int(name))
        what = f"ที่ {entry.number_text}" if entry else _("entry {name}").format(name=name)
        return _("register entry {what} corrected").format(what=what)
    if kind == "recipients":
        return _("recipient list changed")
    return _("{key} changed").format(key=key)


# --- the dependency graph -------------------------------------------------------------------
def _graph(jobs: list[Job], fp: Fingerprints) -> dict[Any, list[Any]]:
    """Edges from a node to what it depends on: jobs (by key) and named references."""
    by_entry = {j.entry_id: j.key for j in jobs if j.entry_id is not None}
    graph: dict[Any, list[Any]] = {}
    for j in jobs:
        out: list[Any] = []
        for key in j.deps:
            kind, _, name = key.partition(":")
            if kind == "entry" and int(name) != j.entry_id and int(name) in by_entry:
                out.append(by_entry[int(name)])
            elif kind == "ref":
                out.append(("ref", name))
        graph[j.key] = out
    for name, definition in fp.named.items():
        out = [("ref", n) for n in named_refs_in(definition)]
        if isinstance(definition, Mapping) and definition.get("letter"):
            try:
                year = thai.parse_year(str(definition["year"])) if definition.get("year") else None
                entry = fp.reg.find(str(definition["letter"]), year=year)
            except (UserError, ValueError):
                entry = None
            if entry is not None and entry.id in by_entry:
                out.append(by_entry[entry.id])
        graph[("ref", name)] = out
    return graph


def _label(node: Any, jobs_by_key: Mapping[Any, Job]) -> str:
    if isinstance(node, tuple) and node[0] == "ref":
        return f"references.yaml {node[1]}"
    job = jobs_by_key.get(node)
    return f"ที่ {job.number}" if job and job.number else f"case {node[0]} {node[1]}"


def topological(graph: Mapping[Any, list[Any]], jobs_by_key: Mapping[Any, Job]) -> list[Any]:
    """Nodes, dependencies first; a cycle is a :class:`UserError` naming it."""
    order: list[Any] = []
    state: dict[Any, int] = {}  # 1 on the stack, 2 done
    for start in graph:
        if state.get(start):
            continue
        stack: list[tuple[Any, Iterable[Any]]] = [(start, iter(graph.get(start, ())))]
        path = [start]
        state[start] = 1
        while stack:
            node, children = stack[-1]
            for child in children:
                if state.get(child) == 1:
                    cycle = path[path.index(child) :] + [child]
                    names = " → ".join(_label(n, jobs_by_key) for n in cycle)
                    raise UserError(
                        _("cycle of references: {names}").format(names=names), file="references"
                    )
                if not state.get(child):
                    state[child] = 1
                    path.append(child)
                    stack.append((child, iter(graph.get(child, ()))))
                    break
            else:
                stack.pop()
                path.pop()
                state[node] = 2
                order.append(node)
    return order


# --- rendering one job ----------------------------------------------------------------------------
class _Renderer:
    """Re-renders jobs (in the main process or a worker): compare, write only what differs."""

    def __init__(self, ws: Workspace, write: bool, workflows: Mapping[str, Any] = {}) -> None:  # noqa: B006
        self.ws = ws
        self.write = write
        self.reg = Register(ws.register_path)
        self.workflows: dict[str, Any] = dict(workflows)
        self.files_written = 0
        # per run, as the fingerprints in ``fps`` (dependencies.run_deps): a template, office or
        # workflow edited during the run is seen by the next run
        self.templates: dict[str, Any] = {}
        self.fps: dict[Any, str] = {}
        self._folders: dict[str, str] = {}
        pause = os.environ.get(PAUSE_ENV, "")
        self.pause_after, _, secs = pause.partition(":")
        self.pause_secs = float(secs or 0)

    def workflow(self, name: str) -> Any:
        if name not in self.workflows:
            self.workflows[name] = workflow_named(self.ws.workflow_paths(), name)
        return self.workflows[name]

    def relative(self, path: Path) -> str:
        """``ws.relative(path)``, resolving each folder once (the files are renamed into it)."""
        folder, name = os.path.split(path)
        rel = self._folders.get(folder)
        if rel is None:
            rel = self._folders[folder] = self.ws.relative(Path(folder))
        if os.path.isabs(rel):  # outside the workspace
            return str(path)
        return name if rel == "." else os.path.join(rel, name)

    def _put(self, path: Path, data: bytes, result: dict[str, Any]) -> None:
        try:
            with open(path, "rb") as fh:
                same = os.fstat(fh.fileno()).st_size == len(data) and fh.read() == data
        except FileNotFoundError:
            same = False
        if same:
            result["unchanged"] += 1
            return
        result["changed"].append(self.relative(path))
        if self.write:
            write_atomic(path, data, durable=False)
            self._written()

    def _place(self, tmp: Path, path: Path, result: dict[str, Any]) -> None:
        try:
            same = (
                path.stat().st_size == tmp.stat().st_size and path.read_bytes() == tmp.read_bytes()
            )
        except FileNotFoundError:
            same = False
        if same or not self.write:
            tmp.unlink()
        if same:
            result["unchanged"] += 1
            return
        result["changed"].append(self.relative(path))
        if self.write:
            os.replace(tmp, path)
            self._written()

    def _written(self) -> None:
        self.files_written += 1
        if self.pause_after and self.files_written == int(self.pause_after):
            time.sleep(self.pause_secs)

    def render(self, job: Job) -> dict[str, Any]:
        ws = self.ws
        wf = self.workflow(job.workflow)
        spec = wf.document(job.document)
        entry = job.entry
        day = entry.date if entry is not None else thai.parse_date(job.date)
        job.date = day.isoformat()
        scope = compose.Scope(
            ws, wf, self.reg, dict(job.data), case_id=job.case_id, state=job.state, event=None,
            date=day, count_pages=_worker.get("count_pages", sheets.stated),
        )  # fmt: skip
        made = compose.compose(scope, spec, entry=entry)  # its own number and date: the register
        letter, context = made.letter, made.context
        # the fingerprints before the template is compiled: one edited meanwhile is seen next run
        deps = made.dependencies(job.entry_id, cache=self.fps)
        template = self.templates.get(spec.template)
        if template is None:
            template = self.templates[spec.template] = compose.template(ws, spec)
        result: dict[str, Any] = {"key": job.key, "changed": [], "unchanged": 0}
        main = ws.root / next(iter(job.files))
        sink = Sink(
            lambda p, d: self._put(p, d, result), lambda t, p: self._place(t, p, result), ws.root
        )
        recipients = (
            stored_recipients(self.reg, entry.id)
            if entry is not None and job.has_recipients
            else []
        )
        if recipients:
            assert entry is not None
            paths = stored_copy_paths(self.reg, entry.id, ws.root)
            render_circular(template, letter, context, recipients, main, sink, paths=paths)
        else:
            sink.write(main, template.render_bytes(context))
        if recipients:
            deps[f"recipients:{job.entry_id}"] = recipients_fp(recipients)
        result["files"] = {self.relative(p): h for p, h in sink.hashes.items()}
        result["deps"] = deps
        result["date"] = job.date
        return result

    def close(self) -> None:
        self.reg.close()


_worker: dict[str, Any] = {}


def _init_worker(ws: Workspace, write: bool) -> None:
    import signal

    # Ctrl-C is the parent's: it ends the pool (the default SIGTERM: a worker dies at once, and
    # cannot die holding the task queue's lock half-way through Python code); the parent then
    # removes the temporary files the workers were writing, which carry its mark.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    _die_with_parent()
    files.set_tag(_worker_tag())
    _worker["r"] = _Renderer(ws, write, _worker.get("workflows", {}))


def _worker_tag() -> str:
    """The workers' temporary files: the run's tag (engine.recovery) and a ``w``."""
    from .recovery import tag

    return f"{tag()}w"


def _die_with_parent() -> None:
    """A worker whose parent is killed ends too (Linux): it would wait for work for ever, and
    keep the run's lock, so that no later command could clean up after the run."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        libc.prctl(1, 9)  # PR_SET_PDEATHSIG, SIGKILL
    except (OSError, AttributeError):
        return
    if os.getppid() == 1:  # the parent died before prctl
        os._exit(1)


def _render_chunk(jobs: list[Job]) -> list[dict[str, Any]]:
    return [_worker["r"].render(j) for j in jobs]


# --- the command ----------------------------------------------------------------------------------
def regenerate(
    ws: Workspace,
    *,
    dry_run: bool = False,
    everything: bool = False,
    by: str | None = None,
    workers: int | None = None,
    pdf: bool = False,
) -> Report:
    """Re-render the issued documents affected by a change (see the module docstring).

    ``pdf``: then, once the register has the new fingerprints, (re)make the PDF of every issued
    document not sent whose PDF is missing or older than its DOCX — the ones just rewritten, and
    bundles and a circular's combined copies likewise (:func:`engine.publish.publish_stale`)."""
    if dry_run:
        return _regenerate(ws, dry_run=dry_run, everything=everything, by=by, workers=workers,
                           pdf=pdf)  # fmt: skip
    from .recovery import exclusive

    ws.register_path  # noqa: B018 - reconciles, and makes sure letters/ exists
    # one regeneration at a time: the second one then sees the first one's fingerprints, and
    # records no second event for the same change
    with exclusive(ws.letters_dir, "regenerate", _("saraban: waiting for another `saraban "
                   "regenerate` in this workspace to finish")):  # fmt: skip
        fetched = sync.sync_locked(ws).files if server_of(ws.register_path) is not None else []
        report = _regenerate(ws, dry_run=dry_run, everything=everything, by=by, workers=workers,
                           pdf=pdf)  # fmt: skip
        report.fetched = fetched
        return report


def _regenerate(
    ws: Workspace,
    *,
    dry_run: bool,
    everything: bool,
    by: str | None,
    workers: int | None,
    pdf: bool,
) -> Report:
    t0 = time.perf_counter()
    by = by or current_user()
    report = Report(dry_run=dry_run)
    with Register(ws.register_path) as reg:
        jobs = load_jobs(reg)
        workflows = {}
        paths = ws.workflow_paths()
        for name in {j.workflow for j in jobs}:
            try:
                workflows[name] = workflow_named(paths, name)
            except UserError:
                continue
        apply_lifecycle(jobs, workflows)
        fp = Fingerprints(ws, reg, workflows)
        fp.entries.update(
            (j.entry_id, j.entry) for j in jobs if j.entry is not None and j.entry_id is not None
        )
        by_key = {j.key: j for j in jobs}
        graph = _graph(jobs, fp)
        order = [n for n in topological(graph, by_key) if n in by_key]
        report.checked = len(jobs)
        affected: dict[tuple[int, str], Job] = {}
        for key in order:  # dependencies first: a job citing an affected one follows it
            job = by_key[key]
            if everything:
                job.reasons.append("--all")
            for dep, old in job.deps.items():
                if fp.get(dep, job) != old:
                    job.reasons.append(_reason(dep, fp))
            for rel in job.files:
                if not (ws.root / rel).is_file():
                    job.reasons.append(f"{rel} is missing")
                    break
            for dep_node in _closure(graph, key):
                if dep_node in affected and dep_node != key:
                    job.reasons.append(f"cites {_label(dep_node, by_key)}, regenerated")
            if job.reasons:
                affected[key] = job
        todo = []
        for job in affected.values():
            if workflows.get(job.workflow) is None:
                report.skipped.append(
                    job.report(why=_("workflow {name} is gone").format(name=job.workflow))
                )
            elif job.entry is not None and job.entry.cancelled:
                report.skipped.append(job.report(why=_("its number is cancelled")))
            elif job.case_cancelled:
                report.skipped.append(
                    job.report(why=_("its case is {state}").format(state=job.state))
                )
            elif job.sent:
                report.sent.append(job.report())
            else:
                todo.append(job)
    _worker["workflows"] = workflows  # inherited by the forked workers: loaded once
    _worker["count_pages"] = sheets.counter(pdf)  # LibreOffice counts pages only with --pdf
    results = _render_all(ws, todo, write=not dry_run, workers=workers)
    for job in todo:
        res = results[job.key]
        report.files_written += len(res["changed"])
        report.files_unchanged += res["unchanged"]
        report.regenerated.append(job.report(changed=res["changed"]))
    if todo and not dry_run:
        if report.files_written:
            os.sync()  # the files reach the disk before the register says they are new
        with Register(ws.register_path) as reg, reg.transaction():
            store = CaseStore(reg)
            per_case: dict[int, list[Job]] = {}
            for job in todo:
                res = results[job.key]
                deps_mod.record(reg, job.case_id, job.document, entry_id=job.entry_id,
                                date=res["date"], files=res["files"], deps=res["deps"])  # fmt: skip
                sync.keep(reg, res["files"], lambda rel: (ws.root / rel).read_bytes())
                per_case.setdefault(job.case_id, []).append(job)
            for case_id, case_jobs in per_case.items():
                case = store.get(case_id)
                changed = [f for j in case_jobs for f in results[j.key]["changed"]]
                why = "; ".join(
                    f"{j.document}: {', '.join(dict.fromkeys(j.reasons))}" for j in case_jobs
                )
                store.transition(case_id, "regenerate", case.state, case.state, case.data,
                                 by=by, files=changed,
                                 note=f"regenerated ({len(changed)} file(s) rewritten): {why}")  # fmt: skip
    if pdf:
        from .publish import publish_stale

        would = [j for j in todo if results[j.key]["changed"]] if dry_run else []
        report.pdfs, report.pdf_errors = publish_stale(
            ws, jobs, workflows, dry_run=dry_run, also=would
        )
    report.seconds = time.perf_counter() - t0
    return report


def _closure(graph: Mapping[Any, list[Any]], start: Any) -> set[Any]:
    """Every node ``start`` depends on, directly or through named references."""
    seen: set[Any] = set()
    todo = list(graph.get(start, ()))
    while todo:
        node = todo.pop()
        if node in seen:
            continue
        seen.add(node)
        if isinstance(node, tuple) and node[0] == "ref":
            todo.extend(graph.get(node, ()))
    return seen


def _render_all(
    ws: Workspace, jobs: list[Job], *, write: bool, workers: int | None
) -> dict[tuple[int, str], dict[str, Any]]:
    results: dict[tuple[int, str], dict[str, Any]] = {}
    if not jobs:
        return results
    # writing (a rename over an existing file flushes it) is as much of the time as rendering:
    # twice as many workers as CPUs keeps both busy
    n = workers if workers is not None else min(2 * (os.cpu_count() or 1), 4)
    label = _("regenerating") if write else _("checking")
    if n <= 1 or len(jobs) < 64:
        renderer = _Renderer(ws, write, _worker.get("workflows", {}))
        try:
            for job in progress.track(jobs, label):
                results[job.key] = renderer.render(job)
        finally:
            renderer.close()
        return results
    size = max(8, min(64, len(jobs) // (n * 4) or 1))
    chunks = [jobs[i : i + size] for i in range(0, len(jobs), size)]
    ctx = mp.get_context("fork")
    ws.office  # noqa: B018 - loaded before the fork, inherited by the workers
    try:
        with ctx.Pool(n, initializer=_init_worker, initargs=(ws, write)) as pool:
            done = pool.imap_unordered(_render_chunk, chunks)
            for chunk in progress.track(done, label, total=len(chunks)):
                for res in chunk:
                    results[res["key"]] = res
            pool.close()
            pool.join()
    except BaseException:
        # the pool is terminated (leaving the with-block): remove what its workers were writing
        folders = {(ws.root / rel).parent for job in jobs for rel in job.files}
        files.sweep(folders, _worker_tag())
        raise
    return results


# --- correcting a register entry -------------------------------------------------------------------
def correct_entry(
    ws: Workspace,
    entry: Entry,
    *,
    date: Any = None,
    subject: str | None = None,
    recipient: str | None = None,
    urgency: str | None = None,
    reason: str = "",
    by: str | None = None,
) -> Entry:
    """Correct a register entry (its date, subject, recipient or urgency): the letters that cite
    it, and its own letter, are then affected (``saraban regenerate``). The number stays."""
    from .letter import URGENCIES

    sets: dict[str, Any] = {}
    if date is not None:
        if date.year != entry.year:
            raise UserError(
                _(
                    "the date {date} is not in {year}, the year of number {number}: a letter cannot move to another year's register"
                ).format(date=date.isoformat(), year=entry.year, number=entry.number),
                field="--date",
            )
        sets["date"] = date.isoformat()
    if subject is not None:
        sets["subject"] = subject
    if recipient is not None:
        sets["recipient"] = recipient
    kept = json.loads(entry.data_json or "{}")
    if urgency is not None:
        if urgency and urgency not in URGENCIES:
            raise UserError(
                _("must be one of {names} or empty").format(names=" | ".join(URGENCIES)),
                field="--urgency",
            )
        kept["urgency"] = urgency
        sets["data_json"] = json.dumps(kept, ensure_ascii=False)
    if not sets:
        raise UserError(_("nothing to correct: give --date, --subject, --to or --urgency"))
    if entry.cancelled:
        raise UserError(
            _("ที่ {number_text} is cancelled").format(number_text=entry.number_text), field="number"
        )
    sets["corrected_by"] = by or current_user()
    sets["corrected_at"] = dt.datetime.now(dt.UTC).isoformat(timespec="seconds")
    with Register(ws.register_path) as reg, reg.transaction() as store:
        store.entries.correct(entry.id, sets)
        if entry.case_id and str(entry.case_id).isdigit():
            cases = CaseStore(reg)
            case = cases.get(int(entry.case_id))
            data = dict(case.data)
            if "documents" not in data:  # generic letter data: the letter is made from it
                if subject is not None:
                    data["subject"] = subject
                if urgency is not None:
                    data["urgency"] = urgency
                if "date" in sets and data.get("date"):
                    data["date"] = sets["date"]
            changes = ", ".join(
                f"{k}={v}"
                for k, v in sets.items()
                if k not in ("data_json", "corrected_by", "corrected_at")
            )
            if urgency is not None:
                changes = ", ".join(filter(None, [changes, f"urgency={urgency}"]))
            cases.transition(case.id, "correct", case.state, case.state, data,
                             by=sets["corrected_by"],
                             note=f"register entry ที่ {entry.number_text} corrected: {changes}"
                             + (f" ({reason})" if reason else ""))  # fmt: skip
        return reg.entry(entry.id)
