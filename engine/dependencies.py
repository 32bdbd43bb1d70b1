"""What each issued document was rendered from, as fingerprints kept in the register database.

For every issued document (one register row; a circular with its copies and combined file) the
``renders`` table keeps its files with the SHA-256 of their bytes, and ``dependencies`` one row
per input with its fingerprint when it was rendered:

==================  ==================================================================
key                 fingerprint of
==================  ==================================================================
``template:NAME``   the DOCX template file (and the office's emblem image)
``workflow:NAME``   the workflow file (its texts are templates too)
``office``          office.yaml's letter values (name, letterhead, prefix, unit, phones…)
``signer:KEY``      the signer's name, position and acting line
``data``            the case data the document is made from
``ref:NAME``        a named reference in references.yaml
``entry:ID``        a register entry's reference text (the document's own, or one it cites)
``recipients:ID``   the recipient list of a circular
==================  ==================================================================

``saraban regenerate`` (:mod:`engine.regenerate`) recomputes them and re-renders the documents
whose inputs changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from .letter import LETTER_KEYS
from .office import Office, Signer
from .references import digest, entry_text
from .register import Register
from .workspace import PLACEHOLDER_EMBLEM

_file_cache: dict[tuple[str, int, int], str] = {}


def file_fp(path: Path | None) -> str:
    """Fingerprint of a file's bytes (cached by path, size and mtime)."""
    if path is None:
        return "none"
    try:
        st = path.stat()
    except OSError:
        return "missing"
    key = (str(path), st.st_size, st.st_mtime_ns)
    fp = _file_cache.get(key)
    if fp is None:
        fp = _file_cache[key] = digest(path.read_bytes())
    return fp


def template_fp(template: Path, emblem: Path | None) -> str:
    return digest([file_fp(template), file_fp(emblem)])


def office_fp(office: Office) -> str:
    return digest(
        {
            "name": office.name,
            "letterhead": office.letterhead,
            "prefix": office.prefix,
            "number_width": office.number_width,
            "unit": office.unit,
            "phone": office.phone,
            "fax": office.fax,
            "email": office.email,
            "thai_digits": office.thai_digits,
            "short_name": office.extra.get("short_name"),
            # added later: only when set, so the fingerprints of offices without it stand
            **({"order_legal_basis": office.order_legal_basis} if office.order_legal_basis else {}),
        }
    )


def signer_fp(signer: Signer | None) -> str:
    if signer is None:
        return "missing"
    return digest([signer.name, signer.position, signer.acting])


def data_fp(wf: Any, data: Mapping[str, Any]) -> str:
    """The case data a document is made from: the letter keys, or the workflow's inputs (not
    the dates recorded by later events, the attachments, or the documents' own numbers)."""
    if wf.letter_inputs:
        return digest({k: v for k, v in data.items() if k in LETTER_KEYS})
    recorded = {n for ev in wf.events.values() for n in ev.inputs}
    recorded |= {
        a.targets[0] for ev in wf.events.values() for a in ev.actions if a.kind == "record"
    }
    skip = recorded | {"documents", "attachments"}
    return digest({k: v for k, v in data.items() if k not in skip})


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def record(
    reg: Register,
    case_id: int,
    document: str,
    *,
    entry_id: int | None,
    date: str,
    files: Mapping[str, str],
    deps: Mapping[str, str],
) -> None:
    """Store (or replace) what a document was rendered from; joins the open transaction."""
    store = reg.store
    store.renders.put(case_id, document, entry_id=entry_id, date=date, files=files, at=_now())
    store.dependencies.replace(case_id, document, deps)


def document_deps(
    ws: Any,
    wf: Any,
    spec: Any,
    letter: Any,
    data: Mapping[str, Any],
    refs: Mapping[str, str],
    reg: Register,
    entry_id: int | None,
    *,
    cache: dict[Any, str] | None = None,
    entry: Any = None,
) -> dict[str, str]:
    """The fingerprints of a document just composed (:func:`engine.compose.compose`): the
    references it resolved (``refs``), its template, workflow file, office, signer, case data
    and its own register entry (``entry_id``).

    ``cache``: a dict kept by a caller that renders many documents in one run (``saraban
    regenerate``) for the fingerprints of the template, workflow file, office and signers,
    which that run takes as fixed — as it takes its compiled templates; ``entry``: the
    document's register entry when the caller has it (else it is read from the register)."""
    office = ws.office
    static: dict[Any, str] = {} if cache is None else cache
    deps = dict(refs)
    key = f"template:{spec.template}"
    if key not in static:
        static[key] = template_fp(
            ws.template_path(spec.template), office.emblem or PLACEHOLDER_EMBLEM
        )
    deps[key] = static[key]
    key = f"workflow:{wf.name}"
    if (key, wf.path) not in static:
        static[(key, wf.path)] = file_fp(wf.path)
    deps[key] = static[(key, wf.path)]
    if "office" not in static:
        static["office"] = office_fp(office)
    deps["office"] = static["office"]
    signer = letter.signer
    if signer.key:
        which = ("signer", signer.key, signer.name, signer.position, signer.acting)
        if which not in static:
            static[which] = signer_fp(signer)
        deps[f"signer:{signer.key}"] = static[which]
    deps["data"] = data_fp(wf, data)
    if entry_id is not None:
        if entry is None or entry.id != entry_id:
            entry = reg.entry(entry_id)
        deps[f"entry:{entry_id}"] = digest(entry_text(entry))
    return deps
