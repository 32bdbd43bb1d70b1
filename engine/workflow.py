"""Workflows (กระบวนงาน): inputs, states, events and the documents a kind of case produces.

A workflow is one YAML file; the built-in ones are in ``workflows/``, a workspace's own in its
``workflows/`` (same name overrides). Its format is published as a JSON Schema
(``schema/workflow.schema.json``) and documented in docs/workflows.md. Loading a workflow:

1. reads the YAML with :func:`engine.yamlio.load_yaml` (a bare ``on:``/``yes:`` stays a string,
   every key keeps its line);
2. validates it against the JSON Schema — a typo in a key is reported with file, line and key;
3. checks what a schema cannot: that events name existing states, actions name existing
   documents, enclosure files name file inputs, and every expression and template compiles.

The state machine of a workflow is a `python-statemachine <https://python-statemachine.readthedocs.io>`_
class built from the file (:meth:`Workflow.machine_class`): its states, events, guards (``cond``)
and actions (``on``) come from the YAML; a case restores its machine from the state stored in
the register database (``start_value``).
"""

from __future__ import annotations

import dataclasses
import functools
import json
import os
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from . import resources
from .errors import UserError
from .expressions import ExpressionError, names_used
from .i18n import _
from .inputs import InputSpec, make_spec
from .letter import KINDS
from .limits import read_capped
from .yamlio import Located, load_yaml, parse_yaml_bytes

SCHEMA_PATH = resources.workflow_schema()

#: Kinds of document and their default template and register series.
DOCUMENT_KINDS = {
    "external": ("external-letter", "normal"),
    "memo": ("memo", "normal"),
    "order": ("order", "order"),
    "form": ("form", "none"),
}
assert set(KINDS) <= set(DOCUMENT_KINDS)

#: Names the runtime puts into every expression's context: inputs may not take them.
RESERVED = frozenset(
    {
        "office", "today", "state", "event", "data", "documents", "attachments", "present",
        "files_exist", "inputs", "case", "loop", "range", "true", "false", "none", "ref", "cite",
    }
)  # fmt: skip

#: The machine of a workflow file that declares no states and events (generic letters).
DEFAULT_STATES: dict[str, dict[str, Any]] = {
    "draft": {"label": "ร่าง", "initial": True},
    "issued": {"label": "ออกเลขแล้ว"},
    "sent": {"label": "ส่งแล้ว", "final": True, "freezes": True},
    "cancelled": {"label": "ยกเลิก", "final": True},
}

#: Without a ``freezes`` declaration on any state, the state of this name freezes (as before).
DEFAULT_FROZEN_STATE = "sent"
#: Without a ``cancels`` declaration on any event, the event of this name cancels.
DEFAULT_CANCEL_EVENT = "cancel"
#: The event input a cancelling event takes its reason from (``--set cancel_reason=…``).
CANCEL_REASON = "cancel_reason"


@dataclass(frozen=True)
class Guard:
    """A condition an event needs: a sandboxed expression and what to say when it fails."""

    check: str
    message: str


@dataclass(frozen=True)
class Action:
    """What an event does: ``render``/``issue``/``attach`` documents, or ``record`` a date."""

    kind: str
    targets: tuple[str, ...]


@dataclass(frozen=True)
class StateSpec:
    """A state of a case (สถานะ). ``freezes``: the letters of a case that is or has been in it
    are final as sent: ``saraban regenerate`` never rewrites them."""

    name: str
    label: str
    initial: bool = False
    final: bool = False
    freezes: bool = False


@dataclass(frozen=True)
class EventSpec:
    name: str
    label: str
    sources: tuple[str, ...]
    target: str
    guards: tuple[Guard, ...] = ()
    inputs: Mapping[str, InputSpec] = field(default_factory=dict)
    actions: tuple[Action, ...] = ()
    #: the event cancels (ยกเลิกเลข) every register number of the case, with a reason
    cancels: bool = False


@dataclass(frozen=True)
class EnclosureSpec:
    """One enclosure of a document (สิ่งที่ส่งมาด้วย): a text alone (``plain``), or a title with
    a count, a file input or another document of the case to attach, and a condition."""

    title: str
    count: str | None = None
    #: a file input whose file is attached
    file: str | None = None
    #: another document of the case, attached
    document: str | None = None
    when: str | None = None
    plain: bool = False


@dataclass(frozen=True)
class RowSpec:
    """A row of a form (label, value), shown when its condition holds."""

    label: str
    value: str
    when: str | None = None


@dataclass(frozen=True)
class SignerSpec:
    """A signer written out in the document (name, position, acting line), not an office key."""

    name: str
    position: str
    acting: str | None = None


@dataclass(frozen=True)
class DocumentSpec:
    """One document a workflow produces: its kind, template and series, and its parts as text
    templates over the case data (typed at load; ``raw`` is the YAML as written, for the
    load-time checks)."""

    name: str
    template: str
    kind: str
    series: str = "normal"
    raw: Mapping[str, Any] = field(default_factory=dict)
    #: the series is written in the document (a generic letter's own series is kept otherwise)
    series_given: bool = False
    when: str | None = None
    to: str | None = None
    salutation: str | None = None
    complimentary_close: str | None = None
    subject: str | None = None
    body: str | None = None
    closing: str | None = None
    contact: str | None = None
    references: tuple[str, ...] = ()
    cc: tuple[str, ...] = ()
    #: a key of office.yaml's signers (a text template), or the signer written out
    signer: str | SignerSpec | None = None
    enclosures: tuple[EnclosureSpec, ...] = ()
    rows: tuple[RowSpec, ...] = ()
    urgency: str = ""
    secrecy: str = ""

    @property
    def numbered(self) -> bool:
        return self.series != "none"


def _enclosure_spec(item: Any) -> EnclosureSpec:
    if isinstance(item, str):
        return EnclosureSpec(title=item, plain=True)
    return EnclosureSpec(
        title=item["title"],
        count=item.get("count"),
        file=item.get("file") or None,
        document=item.get("document") or None,
        when=item.get("when") or None,
    )


def document_spec(name: str, spec: Mapping[str, Any], *, template: str, kind: str,
                  series: str) -> DocumentSpec:  # fmt: skip
    """A document of a workflow file, typed (the file already checked against the schema)."""
    signer = spec.get("signer")
    if isinstance(signer, Mapping):
        signer = SignerSpec(signer["name"], signer["position"], signer.get("acting"))
    return DocumentSpec(
        name=name,
        template=template,
        kind=kind,
        series=series,
        raw=spec,
        series_given="series" in spec,
        when=spec.get("when") or None,
        to=spec.get("to"),
        salutation=spec.get("salutation"),
        complimentary_close=spec.get("complimentary_close"),
        subject=spec.get("subject"),
        body=spec.get("body"),
        closing=spec.get("closing"),
        contact=spec.get("contact"),
        references=tuple(spec.get("references") or ()),
        cc=tuple(spec.get("cc") or ()),
        signer=signer,
        enclosures=tuple(_enclosure_spec(e) for e in spec.get("enclosures") or ()),
        rows=tuple(
            RowSpec(r["label"], r["value"], r.get("when") or None) for r in spec.get("rows") or ()
        ),
        urgency=str(spec.get("urgency") or ""),
        secrecy=str(spec.get("secrecy") or ""),
    )


@dataclass(frozen=True)
class DueSpec:
    """A recurring duty: ``months`` after the latest of the ``sources`` dates in the case data."""

    name: str
    label: str
    sources: tuple[str, ...]
    months: int
    states: tuple[str, ...] = ()


@dataclass(frozen=True, eq=False)
class Workflow:
    """A validated workflow file."""

    name: str
    title: str
    description: str
    inputs: str | Mapping[str, InputSpec]
    documents: tuple[DocumentSpec, ...]
    path: Path
    states: tuple[StateSpec, ...] = ()
    events: Mapping[str, EventSpec] = field(default_factory=dict)
    derived: Mapping[str, str] = field(default_factory=dict)
    due: tuple[DueSpec, ...] = ()
    issue_event: str = "issue"
    source: Located | None = None

    @property
    def letter_inputs(self) -> bool:
        """True for the generic letter data keys (``inputs: letter``)."""
        return self.inputs == "letter"

    @property
    def input_specs(self) -> Mapping[str, InputSpec]:
        return {} if isinstance(self.inputs, str) else self.inputs

    @property
    def initial_state(self) -> str:
        return next(s.name for s in self.states if s.initial)

    def document(self, name: str) -> DocumentSpec:
        return next(d for d in self.documents if d.name == name)

    def state(self, name: str) -> StateSpec:
        return next(s for s in self.states if s.name == name)

    @property
    def frozen_states(self) -> frozenset[str]:
        """The states that freeze a case's letters (declared with ``freezes: true``)."""
        return frozenset(s.name for s in self.states if s.freezes)

    def freezes(self, states: Iterable[str]) -> bool:
        """Whether a case that is or has been in ``states`` has its letters frozen."""
        return not self.frozen_states.isdisjoint(states)

    @property
    def cancelled_states(self) -> frozenset[str]:
        """The states a cancelling event leads to: a case there is cancelled."""
        return frozenset(e.target for e in self.events.values() if e.cancels)

    def line(self, *path: Any) -> int | None:
        return self.source.line(*path) if self.source else None

    def machine_class(self) -> type:
        """The python-statemachine class of this workflow (built once per workflow)."""
        return _machine_class(self)

    def diagram(self) -> str:
        """The machine as a Mermaid ``stateDiagram-v2`` (python-statemachine's renderer)."""
        return format(self.machine_class(), "mermaid").rstrip() + "\n"


# --- loading ----------------------------------------------------------------------------------
@functools.cache
def schema() -> dict[str, Any]:
    return json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))


@functools.cache
def _validator() -> Any:
    import jsonschema

    return jsonschema.Draft202012Validator(schema())


def _flatten(errors: Any) -> list[Any]:
    out = []
    for e in errors:
        out.append(e)
        if e.context:
            out.extend(_flatten(e.context))
    return out


def _schema_error(doc: Located, error: Any) -> UserError:
    """One jsonschema error as a :class:`UserError` naming file, line and key."""
    path = list(error.absolute_path)
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        extra = [k for k in error.instance if k not in known]
        if extra:
            key = extra[0]
            import difflib  # only for the error

            close = difflib.get_close_matches(str(key), known, n=1)
            hint = _("; did you mean {name!r}?").format(name=close[0]) if close else ""
            return doc.error(
                _("unknown key {key!r}{hint} (known keys: {names})").format(
                    key=key, hint=hint, names=", ".join(known)
                ),
                *path,
                key,
            )
    if error.validator == "required":
        missing = [k for k in error.validator_value if k not in (error.instance or {})]
        if missing:
            return UserError(
                _("missing required key"),
                file=doc.file,
                line=doc.line(*path),
                field=".".join(str(p) for p in (*path, missing[0])),
            )
    if error.validator == "propertyNames":
        # the offending key is the instance; find it in the parent
        return doc.error(
            _("invalid name {instance!r}: use letters, digits, _ or -").format(
                instance=error.instance
            ),
            *path,
        )
    message = error.message
    if error.validator == "enum":
        message = _("{value!r} is not one of: {allowed}").format(
            value=error.instance, allowed=", ".join(map(str, error.validator_value))
        )
    return doc.error(message, *path)


def validate_against_schema(doc: Located) -> None:
    """Raise a :class:`UserError` for the first schema violation (typos in keys first).

    A document that passed once is remembered (engine/cache.py), so that loading an unchanged
    workflow does not import jsonschema again."""
    from . import cache

    key = cache.digest(
        SCHEMA_PATH.read_bytes(),
        json.dumps(doc.data, sort_keys=True, ensure_ascii=False, default=str),
    )
    if cache.load("schema-ok", key) is not None:
        return
    errors = list(_validator().iter_errors(doc.data))
    if not errors:
        cache.store("schema-ok", key, True)
        return
    flat = _flatten(errors)
    typos = [e for e in flat if e.validator == "additionalProperties"]
    import jsonschema

    if typos:
        chosen = min(typos, key=lambda e: doc.line(*e.absolute_path) or 0)
    else:
        chosen = jsonschema.exceptions.best_match(errors)
    raise _schema_error(doc, chosen)


def _names(value: Any) -> tuple[str, ...]:
    if value is None:
        return ()
    return (value,) if isinstance(value, str) else tuple(value)


def _check_expression(doc: Located, source: str, known: set[str], *path: Any) -> None:
    try:
        used = names_used(source, expression=True)
    except ExpressionError as exc:
        raise doc.error(str(exc), *path) from None
    unknown = used - known
    if unknown:
        raise doc.error(
            _("unknown name(s) in expression {source!r}: {names}").format(
                source=source, names=", ".join(sorted(unknown))
            ),
            *path,
        )


def _check_text(doc: Located, source: Any, known: set[str], *path: Any) -> None:
    if not isinstance(source, str) or "{" not in source:
        return
    try:
        used = names_used(source, expression=False)
    except ExpressionError as exc:
        raise doc.error(str(exc), *path) from None
    unknown = used - known
    if unknown:
        raise doc.error(
            _("unknown name(s) in template: {names}").format(names=", ".join(sorted(unknown))),
            *path,
        )


def parse_workflow(doc: Located, path: Path) -> Workflow:
    """Validate a loaded workflow file; every problem names the file, line and key."""
    if not isinstance(doc.data, dict):
        raise doc.error(
            _("a workflow must be a mapping (name, title, inputs, states, documents …)")
        )
    validate_against_schema(doc)
    data = doc.data
    if str(data["name"]) != path.stem:
        raise doc.error(
            _("name {name!r} must match the file name {stem!r}").format(
                name=data["name"], stem=path.stem
            ),
            "name",
        )

    # inputs
    raw_inputs = data.get("inputs", "letter")
    inputs: str | dict[str, InputSpec]
    if raw_inputs == "letter":
        inputs = "letter"
        input_names: set[str] = set()
    else:
        inputs = {}
        for name, spec in raw_inputs.items():
            if name in RESERVED:
                raise doc.error(
                    _("{name!r} is a reserved name; choose another").format(name=name),
                    "inputs",
                    name,
                )
            inputs[name] = make_spec(name, spec)
        input_names = set(inputs)

    derived = dict(data.get("derived") or {})
    for name in derived:
        if name in RESERVED or name in input_names:
            raise doc.error(
                _("{name!r} is already an input or a reserved name").format(name=name),
                "derived",
                name,
            )

    # states
    raw_states = data.get("states") or DEFAULT_STATES
    # a state freezes its letters when it says so; when none says, the state named `sent` does
    declared_freezes = any("freezes" in s for s in raw_states.values())
    states = [
        StateSpec(
            name=str(n),
            label=str(s.get("label") or n),
            initial=bool(s.get("initial")),
            final=bool(s.get("final")),
            freezes=bool(s.get("freezes")) if declared_freezes else str(n) == DEFAULT_FROZEN_STATE,
        )
        for n, s in raw_states.items()
    ]
    initials = [s for s in states if s.initial]
    if len(initials) > 1:
        raise doc.error(
            _("only one state may be initial; {names} are").format(
                names=", ".join(s.name for s in initials)
            ),
            "states",
            initials[1].name,
        )
    if not initials:
        states[0] = dataclasses.replace(states[0], initial=True)
    state_names = {s.name for s in states}

    # documents
    documents = []
    for name, spec in data["documents"].items():
        kind = spec.get("kind", "external")
        template, series = DOCUMENT_KINDS[kind]
        series = spec.get("series", series)
        if inputs == "letter" and kind == "form":
            raise doc.error(_("a form needs declared inputs"), "documents", name, "kind")
        documents.append(
            document_spec(
                str(name), spec, template=str(spec.get("template") or template), kind=kind,
                series=series,
            )
        )  # fmt: skip
    doc_names = {d.name for d in documents}

    # events
    recorded: set[str] = set()
    raw_events = data.get("events")
    if raw_events is None and "states" not in data:
        first = documents[0].name
        raw_events = {
            "issue": {"from": "draft", "to": "issued", "actions": [{"issue": first}]},
            "send": {"from": "issued", "to": "sent", "actions": [{"record": "sent_on"}]},
            "cancel": {"from": ["draft", "issued"], "to": "cancelled", "cancels": True},
        }
    # an event cancels the case's numbers when it says so; when none says, `cancel` does
    declared_cancels = any("cancels" in ev for ev in (raw_events or {}).values())
    events: dict[str, EventSpec] = {}
    attrs: dict[str, str] = {}
    for name, ev in (raw_events or {}).items():
        slug = str(name).replace("-", "_")
        if slug in attrs:
            raise doc.error(
                _("event {name!r} clashes with {attrs!r}").format(name=name, attrs=attrs[slug]),
                "events",
                name,
            )
        attrs[slug] = str(name)
        sources = _names(ev["from"])
        for src in sources:
            if src not in state_names:
                raise doc.error(
                    _("unknown state {state!r}; states: {names}").format(
                        state=src, names=", ".join(sorted(state_names))
                    ),
                    "events",
                    name,
                    "from",
                )
            if next(s for s in states if s.name == src).final:
                raise doc.error(
                    _("state {state!r} is final: no event may leave it").format(state=src),
                    "events",
                    name,
                )
        if ev["to"] not in state_names:
            raise doc.error(
                _("unknown state {state!r}; states: {names}").format(
                    state=ev["to"], names=", ".join(sorted(state_names))
                ),
                "events",
                name,
                "to",
            )
        ev_inputs = {}
        for iname, ispec in (ev.get("inputs") or {}).items():
            ev_inputs[iname] = make_spec(iname, ispec)
        cancels = bool(ev.get("cancels")) if declared_cancels else str(name) == DEFAULT_CANCEL_EVENT
        if cancels:
            if CANCEL_REASON in input_names:
                raise doc.error(
                    _(
                        "{cancel_reason!r} is the reason a cancelling event takes: rename the input"
                    ).format(cancel_reason=CANCEL_REASON),
                    "inputs",
                    CANCEL_REASON,
                )
            # `--set cancel_reason=…`; without it the register gets a default text
            ev_inputs.setdefault(
                CANCEL_REASON,
                make_spec(CANCEL_REASON, {"label": "เหตุที่ยกเลิก", "type": "text", "required": False}),
            )
        actions = []
        for i, act in enumerate(ev.get("actions") or []):
            (kind, value), *_rest = act.items()
            targets = _names(value)
            if kind in ("render", "issue", "attach"):
                for t in targets:
                    if t not in doc_names:
                        raise doc.error(
                            _("unknown document {document!r}; documents: {names}").format(
                                document=t, names=", ".join(doc_names)
                            ),
                            "events",
                            name,
                            "actions",
                            i,
                            kind,
                        )
            else:
                recorded.add(targets[0])
            actions.append(Action(kind, targets))
        guards = []
        for g in ev.get("guards") or []:
            if isinstance(g, str):
                guards.append(Guard(g, g))
            else:
                guards.append(Guard(g["check"], str(g.get("message") or g["check"])))
        events[str(name)] = EventSpec(
            name=str(name),
            label=str(ev.get("label") or name),
            sources=sources,
            target=str(ev["to"]),
            guards=tuple(guards),
            inputs=ev_inputs,
            actions=tuple(actions),
            cancels=cancels,
        )
        recorded |= set(ev_inputs)
    issue_event = str(data.get("issue_event", "issue"))
    if "issue_event" in data and issue_event not in events:
        raise doc.error(
            _("no event {issue_event!r}").format(issue_event=issue_event), "issue_event"
        )

    # expressions and templates: compile, and use only known names
    known = input_names | set(derived) | recorded | RESERVED | {"date"}
    for name, source in derived.items():
        _check_expression(doc, source, known, "derived", name)
    for name, ev in (raw_events or {}).items():
        for i, g in enumerate(ev.get("guards") or []):
            check = g if isinstance(g, str) else g["check"]
            _check_expression(doc, check, known, "events", name, "guards", i)
    for name, spec in raw_inputs.items() if isinstance(raw_inputs, dict) else []:
        if isinstance(spec.get("required"), str):
            _check_expression(doc, spec["required"], known, "inputs", name, "required")
    file_inputs = {
        n for n, s in (inputs.items() if isinstance(inputs, dict) else []) if s.type == "file"
    }
    for d in documents:
        spec = d.raw
        if inputs == "letter":
            extra = set(spec) - {"kind", "template", "series"}
            if extra:
                raise doc.error(
                    _("{extra!r}: with `inputs: letter` the parts come from the data").format(
                        extra=sorted(extra)[0]
                    ),
                    "documents",
                    d.name,
                    sorted(extra)[0],
                )
            continue
        if "when" in spec:
            _check_expression(doc, spec["when"], known, "documents", d.name, "when")
        for key in ("to", "salutation", "complimentary_close", "subject", "body", "closing",
                    "contact"):  # fmt: skip
            _check_text(doc, spec.get(key), known, "documents", d.name, key)
        for key in ("references", "cc"):
            for i, item in enumerate(spec.get(key) or []):
                _check_text(doc, item, known, "documents", d.name, key, i)
        signer = spec.get("signer")
        if isinstance(signer, dict):
            for k, v in signer.items():
                _check_text(doc, v, known, "documents", d.name, "signer", k)
        else:
            _check_text(doc, signer, known, "documents", d.name, "signer")
        for i, enc in enumerate(spec.get("enclosures") or []):
            if isinstance(enc, str):
                _check_text(doc, enc, known, "documents", d.name, "enclosures", i)
                continue
            for k in ("title", "count"):
                _check_text(doc, enc.get(k), known, "documents", d.name, "enclosures", i, k)
            if "when" in enc:
                _check_expression(doc, enc["when"], known, "documents", d.name, "enclosures", i)
            if "file" in enc and enc["file"] not in file_inputs:
                raise doc.error(
                    _("{file!r} is not a file input; file inputs: {names}").format(
                        file=enc["file"], names=", ".join(sorted(file_inputs)) or _("(none)")
                    ),
                    "documents",
                    d.name,
                    "enclosures",
                    i,
                    "file",
                )
            if "document" in enc and enc["document"] not in doc_names:
                raise doc.error(
                    _("unknown document {document!r}").format(document=enc["document"]),
                    "documents",
                    d.name,
                    "enclosures",
                    i,
                    "document",
                )
        for i, row in enumerate(spec.get("rows") or []):
            for k in ("label", "value"):
                _check_text(doc, row.get(k), known, "documents", d.name, "rows", i, k)
            if "when" in row:
                _check_expression(doc, row["when"], known, "documents", d.name, "rows", i, "when")

    due = []
    for i, item in enumerate(data.get("due") or []):
        for st in item.get("states") or []:
            if st not in state_names:
                raise doc.error(_("unknown state {state!r}").format(state=st), "due", i, "states")
        due.append(
            DueSpec(
                name=item["name"],
                label=str(item.get("label") or item["name"]),
                sources=_names(item["from"]),
                months=int(item["months"]),
                states=tuple(item.get("states") or ()),
            )
        )

    wf = Workflow(
        name=str(data["name"]),
        title=str(data["title"]),
        description=str(data.get("description") or ""),
        inputs=inputs,
        documents=tuple(documents),
        path=path,
        states=tuple(states),
        events=events,
        derived=derived,
        due=tuple(due),
        issue_event=issue_event,
        source=doc,
    )
    _check_machine(wf, doc)
    return wf


def _check_machine(wf: Workflow, doc: Located) -> None:
    """Let python-statemachine judge the machine (unreachable state, …). A machine it accepted
    once is remembered (engine/cache.py, keyed by the file's data and the library's files), so
    that loading an unchanged workflow does not import the library: running a case needs only
    :class:`Machine`."""
    from . import cache

    key = cache.digest(
        "machine-ok-1",
        _statemachine_stamp(),
        json.dumps(doc.data, sort_keys=True, ensure_ascii=False, default=str),
    )
    if cache.load("machine-ok", key) is not None:
        return
    try:
        wf.machine_class()
    except UserError:
        raise
    except Exception as exc:  # the library refuses the machine (unreachable state, …)
        raise doc.error(_("not a valid state machine: {exc}").format(exc=exc), "states") from None
    cache.store("machine-ok", key, True)


def _statemachine_stamp() -> str:
    """The installed python-statemachine, found without importing it: its folder and the size
    and time of its files that judge a machine (another version judges again)."""
    import importlib.util

    spec = importlib.util.find_spec("statemachine")
    folder = next(iter(spec.submodule_search_locations or []), None) if spec else None
    if folder is None:
        return "?"
    stamps = [folder]
    for name in ("__init__.py", "factory.py", "statemachine.py", "state.py"):
        try:
            st = os.stat(os.path.join(folder, name))
        except OSError:
            stamps.append(f"{name}:-")
        else:
            stamps.append(f"{name}:{st.st_size}:{st.st_mtime_ns}")
    return "\n".join(stamps)


_loaded: dict[str, tuple[bytes, Workflow]] = {}


def workflow_named(paths: Mapping[str, Path], name: str) -> Workflow:
    """The workflow ``name`` among ``paths`` (a workspace's :meth:`~engine.workspace.Workspace.
    workflow_paths`), loaded; an unknown name is a :class:`UserError` listing the known ones."""
    if name not in paths:
        known = ", ".join(sorted(paths)) or _("(none)")
        raise UserError(
            _("unknown workflow {name!r}; known workflows: {known}").format(name=name, known=known),
            field="workflow",
        )
    return load_workflow(paths[name])


def load_workflow(path: Path) -> Workflow:
    """The workflow in ``path``, validated; kept in memory while the file's bytes are the same
    (a process issuing many letters parses each workflow, and builds its machine class, once)."""
    try:
        data = read_capped(path, "workflow")
    except OSError:
        return parse_workflow(
            load_yaml(path, "workflow"), path
        )  # which says what is wrong with the file
    kept = _loaded.get(str(path))
    if kept is not None and kept[0] == data:
        return kept[1]
    wf = parse_workflow(parse_yaml_bytes(data, path, cached=True), path)
    _loaded[str(path)] = (data, wf)
    return wf


# --- the state machine ------------------------------------------------------------------------
def event_attr(name: str) -> str:
    """The machine attribute of an event ("send" would shadow StateMachine.send)."""
    return "e_" + name.replace("-", "_")


def state_attr(name: str) -> str:
    return "s_" + name.replace("-", "_")


def _guard_callable(guard: Guard) -> Callable[..., bool]:
    """A ``cond`` for python-statemachine: evaluates the guard over the case context given to
    ``send(..., ctx=…, failures=[…])`` and notes which one failed."""
    from .expressions import evaluate

    def cond(*args: Any, ctx: Mapping[str, Any] | None = None, failures: list | None = None,
             **kwargs: Any) -> bool:  # fmt: skip
        if ctx is None:  # e.g. enabled_events() without a case: undecided, allow
            return True
        try:
            ok = bool(evaluate(guard.check, ctx))
        except ExpressionError as exc:
            if failures is not None:
                failures.append(Guard(guard.check, f"{guard.message} ({exc})"))
            return False
        if not ok and failures is not None:
            failures.append(guard)
        return ok

    cond.__name__ = guard.check
    cond.__qualname__ = guard.check
    return cond


def _action_callable(action: Action) -> Callable[..., None]:
    """An ``on`` action: the runtime passed to ``send(..., runtime=…)`` performs it inside the
    register transaction (so numbers, files and the case change together or not at all)."""

    def on(*args: Any, runtime: Any = None, **kwargs: Any) -> None:
        if runtime is not None:
            runtime.perform(action)

    on.__name__ = f"{action.kind}_{'_'.join(action.targets)}".replace("-", "_")
    return on


@functools.lru_cache(maxsize=64)
def _machine_class(wf: Workflow) -> type:
    from statemachine import Event, State, StateMachine
    from statemachine.factory import StateMachineMetaclass

    states = {
        s.name: State(s.label, value=s.name, initial=s.initial, final=s.final) for s in wf.states
    }
    attrs: dict[str, Any] = {state_attr(n): st for n, st in states.items()}
    for ev in wf.events.values():
        transitions = None
        conds = [_guard_callable(g) for g in ev.guards]
        ons = [_action_callable(a) for a in ev.actions]
        for src in ev.sources:
            t = states[src].to(states[ev.target], cond=conds or None, on=ons or None)
            transitions = t if transitions is None else transitions | t
        attrs[event_attr(ev.name)] = Event(transitions, id=event_attr(ev.name), name=ev.name)
    cls_name = "".join(p.capitalize() for p in wf.name.replace("_", "-").split("-")) or "Case"
    return StateMachineMetaclass(f"{cls_name}Machine", (StateMachine,), attrs)


class TransitionNotAllowed(Exception):
    """The event has no transition from the machine's state whose guards all hold."""


class Machine:
    """A case's machine restored at ``state``: the transitions :meth:`Workflow.machine_class`
    builds, run without importing python-statemachine (its import and class building were a
    third of a one-letter command). The same semantics as the library's ``StateMachine`` for
    what a workflow file can declare — flat states, and events whose transitions go from each
    source to one target, with guards (``cond``, evaluated in order, the first false one stops)
    and actions (``on``, in order) — and the same answers (tests/test_workflow.py compares them
    on every built-in workflow and on generated ones).

    A state the workflow does not have is handed to the library, which refuses it as before."""

    def __init__(self, wf: Workflow, state: str) -> None:
        if not any(s.name == state for s in wf.states):
            wf.machine_class()(start_value=state)  # raises the library's error
        self.wf = wf
        self.state = state

    @property
    def allowed_events(self) -> list[str]:
        """The events with a transition from the current state (guards not evaluated), in the
        order the workflow declares them (the library's ``allowed_events``)."""
        return [e.name for e in self.wf.events.values() if self.state in e.sources]

    def send(self, event: str, **kwargs: Any) -> str:
        """Fire ``event``: when it leaves the current state and its guards hold, its actions run
        and the case moves to its target (returned). ``kwargs`` go to guards and actions
        (``ctx``, ``failures``, ``runtime``). :class:`TransitionNotAllowed` when none holds."""
        ev = self.wf.events.get(event)
        if (
            ev is not None
            and self.state in ev.sources
            and all(_guard_callable(g)(**kwargs) for g in ev.guards)
        ):
            for action in ev.actions:
                _action_callable(action)(**kwargs)
            self.state = ev.target
            return self.state
        raise TransitionNotAllowed(f"can't {event} when in {self.state}")
