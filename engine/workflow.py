"""Workflows (กระบวนงาน): which documents a kind of case produces, and how.

A workflow is one YAML file; the built-in ones are in ``workflows/``, a workspace's own in its
``workflows/`` (same name overrides). This module reads and validates them; every problem names
the file, line and key.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .errors import UserError
from .letter import KINDS
from .yamlio import Located, load_yaml

WORKFLOW_KEYS = ("name", "title", "description", "inputs", "documents")
DOCUMENT_KEYS = ("template", "kind")


@dataclass(frozen=True)
class DocumentSpec:
    """One document a workflow produces: its template and kind of letter."""

    name: str
    template: str
    kind: str


@dataclass(frozen=True)
class Workflow:
    """A validated workflow file."""

    name: str
    title: str
    description: str
    inputs: str
    documents: tuple[DocumentSpec, ...]
    path: Path


def parse_workflow(doc: Located, path: Path) -> Workflow:
    data = doc.data
    if not isinstance(data, dict):
        raise doc.error("a workflow must be a mapping (name, title, inputs, documents)")
    for key in data:
        if key not in WORKFLOW_KEYS:
            raise doc.error(f"unknown key {key!r}; known keys: {', '.join(WORKFLOW_KEYS)}", key)
    for key in ("name", "title", "documents"):
        if not data.get(key):
            raise UserError("missing required key", file=doc.file, line=doc.line(), field=key)
    if str(data["name"]) != path.stem:
        raise doc.error(f"name {data['name']!r} must match the file name {path.stem!r}", "name")
    inputs = data.get("inputs", "letter")
    if inputs != "letter":
        raise doc.error("only the generic letter inputs ('letter') are supported", "inputs")
    docs = data["documents"]
    if not isinstance(docs, dict) or not docs:
        raise doc.error("must map a document name to {template, kind}", "documents")
    specs = []
    for name, spec in docs.items():
        if not isinstance(spec, dict):
            raise doc.error("must be {template, kind}", "documents", name)
        for key in spec:
            if key not in DOCUMENT_KEYS:
                raise doc.error(
                    f"unknown key {key!r}; known keys: {', '.join(DOCUMENT_KEYS)}",
                    "documents",
                    name,
                    key,
                )
        kind = spec.get("kind", "external")
        if kind not in KINDS:
            raise doc.error(f"kind must be one of {', '.join(KINDS)}", "documents", name, "kind")
        template = spec.get("template") or KINDS[kind]
        specs.append(DocumentSpec(name=str(name), template=str(template), kind=kind))
    return Workflow(
        name=str(data["name"]),
        title=str(data["title"]),
        description=str(data.get("description") or ""),
        inputs=inputs,
        documents=tuple(specs),
        path=path,
    )


def load_workflow(path: Path) -> Workflow:
    return parse_workflow(load_yaml(path), path)
