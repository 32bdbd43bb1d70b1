"""One way to build a document: issuing, regeneration, publishing and circulars all compose
their documents with :func:`engine.compose.compose`, and the context is computed once per step."""

from __future__ import annotations

import ast
import shutil
import sys
from pathlib import Path
from typing import Any

import pytest
from conftest import EXAMPLES, ROOT, run_cli

from engine import circular, compose, regenerate
from engine.publish import publish_stale
from engine.register import Register
from engine.workflow import workflow_named
from engine.workspace import Workspace


def ok(*args: str, ws: Path) -> str:
    r = run_cli(*args, workspace=ws)
    assert r.code == 0, r.err
    return r.out


@pytest.fixture
def composed(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, str, compose.Composition]]:
    """Every call of compose(): (the calling module, the document, the composition)."""
    calls: list[tuple[str, str, compose.Composition]] = []
    real = compose.compose

    def counting(scope: compose.Scope, spec: Any, **kw: Any) -> compose.Composition:
        made = real(scope, spec, **kw)
        calls.append((sys._getframe(1).f_globals["__name__"], spec.name, made))
        return made

    monkeypatch.setattr(compose, "compose", counting)
    return calls


def test_the_four_callers_compose_through_the_one_function(
    district: Path, composed: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    # a circular renders its master and copies from the composition's letter and context
    rendered: list[tuple[Any, Any]] = []
    real_render = circular.render_circular

    def render(template: Any, letter: Any, context: Any, *args: Any, **kw: Any) -> None:
        rendered.append((letter, context))
        real_render(template, letter, context, *args, **kw)

    monkeypatch.setattr(circular, "render_circular", render)
    monkeypatch.setattr(regenerate, "render_circular", render)

    ws = district
    shutil.copy(EXAMPLES / "circular.yaml", ws / "circular.yaml")
    (ws / "examples").mkdir()
    shutil.copy(EXAMPLES / "recipients.csv", ws / "examples" / "recipients.csv")
    shutil.copy(EXAMPLES / "references.yaml", ws / "references.yaml")
    ok("new", "circular", "--data", str(ws / "circular.yaml"), "--date", "2023-04-28",
       "--issue", ws=ws)  # fmt: skip
    ok("new", "letter", "--data", str(EXAMPLES / "letter.yaml"), "--set",
       "signer=district_chief", "--date", "2025-03-05", "--issue", ws=ws)  # fmt: skip
    # issuing: Run (engine.runtime); the circular went through its composition
    assert [(m, d) for m, d, _ in composed] == [("engine.runtime", "letter")] * 2
    assert len(rendered) == 1
    assert rendered[0][0] is composed[0][2].letter and rendered[0][1] is composed[0][2].context

    # regeneration: the same documents, composed again, byte-identical (no file written)
    composed.clear()
    rendered.clear()
    report = regenerate.regenerate(Workspace(ws), everything=True, workers=1)
    assert report.files_written == 0 and len(report.regenerated) == 2
    assert sorted(m for m, _, _ in composed) == ["engine.regenerate"] * 2
    assert len(rendered) == 1 and any(rendered[0][1] is made.context for *_, made in composed)

    # publishing after a regeneration: the letters' enclosures, from the same composition
    composed.clear()
    w = Workspace(ws)
    with Register(w.register_path) as reg:
        jobs = regenerate.load_jobs(reg)
    workflows = {j.workflow: workflow_named(w.workflow_paths(), j.workflow) for j in jobs}
    regenerate.apply_lifecycle(jobs, workflows)
    written, errors = publish_stale(w, jobs, workflows, dry_run=True, also=jobs)
    assert errors == [] and written
    assert [m for m, _, _ in composed] == ["engine.publish"] * 2


def test_the_context_is_computed_once_per_step(
    tambon: Path, composed: list, monkeypatch: pytest.MonkeyPatch
) -> None:
    """appoint-admin --issue: the guards, each document's `when`, texts and rows see one context,
    computed afresh only when the step changes the case data (a document issued)."""
    computed = 0
    real = compose.Scope._compute

    def counting(self: compose.Scope) -> dict[str, Any]:
        nonlocal computed
        computed += 1
        return real(self)

    monkeypatch.setattr(compose.Scope, "_compute", counting)
    ok("new", "appoint-admin", "--data", str(EXAMPLES / "appoint-admin.yaml"), "--date",
       "2025-03-25", "--issue", ws=tambon)  # fmt: skip
    issued = [d for m, d, _ in composed if m == "engine.runtime"]
    assert issued  # the issue event's documents
    # once for the guards and the first document, then once after each document issued
    assert computed <= len(issued) + 1, computed


#: the modules allowed to build a letter, render a template context or compile a template
COMPOSERS = {"compose.py", "letter.py", "render.py"}
BUILDERS = {"letter_from_data", "Letter", "build_letter", "compiled", "render_context"}


def test_no_other_module_builds_a_document() -> None:
    """An import/AST check: outside engine/compose.py (and the letter model and renderer
    themselves) no module builds a Letter, compiles a template or makes a letter's context."""
    found = []
    for path in sorted((ROOT / "engine").rglob("*.py")):
        if path.name in COMPOSERS:
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, ast.Call):
                continue
            func = node.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in BUILDERS or (name == "context" and not node.args and _on_letter(func)):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno}: {name}()")
    assert found == []


def _on_letter(func: ast.expr) -> bool:
    """``letter.context()`` / ``….letter.context()``: a letter's template context."""
    value = getattr(func, "value", None)
    text = ast.unparse(value) if value is not None else ""
    return text == "letter" or text.endswith(".letter")


def test_document_specs_are_typed_at_load() -> None:
    """Document specs are read through their typed fields: outside engine/workflow.py, which
    checks the YAML as written, no module reads ``DocumentSpec.raw``."""
    found = [
        f"{path.relative_to(ROOT)}:{node.lineno}"
        for path in sorted((ROOT / "engine").rglob("*.py"))
        if path.name != "workflow.py"
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
        if isinstance(node, ast.Attribute) and node.attr == "raw"
    ]
    assert found == []
    from engine.workflow import EnclosureSpec, SignerSpec, workflow_named

    wf = workflow_named(Workspace(ROOT).workflow_paths(), "appoint-admin")
    letter = wf.document("letter")
    assert isinstance(letter.signer, str | SignerSpec) and letter.subject
    assert all(isinstance(e, EnclosureSpec) for e in letter.enclosures)
    assert any(e.document or e.file for d in wf.documents for e in d.enclosures)
