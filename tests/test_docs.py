"""The documentation stays true: the README is short, its walkthrough runs verbatim as real
processes, its CLI summary names every command and option, and docs/architecture.md names every
module of engine/ (in the order of the import-linter layers) and nothing that does not exist."""

from __future__ import annotations

import argparse
import importlib
import os
import re
import shlex
import subprocess
import sys
import tomllib
from pathlib import Path

from conftest import ROOT

README = ROOT / "README.md"
ARCHITECTURE = ROOT / "docs" / "architecture.md"
#: "about 10 KB" (issue 10): the rest of the story lives in docs/.
README_MAX_BYTES = 10_500
#: A dotted name in backquotes that ends like one of these is a file name, not a Python name.
FILE_SUFFIXES = {
    "yaml",
    "yml",
    "db",
    "py",
    "md",
    "docx",
    "pdf",
    "toml",
    "csv",
    "xlsx",
    "png",
    "txt",
}


def section(text: str, heading: str) -> str:
    """The text under a Markdown heading (``## Walkthrough``), up to the next heading of the same
    or a higher level (outside code blocks, where ``# …`` is a comment)."""
    level = len(heading) - len(heading.lstrip("#"))
    lines = text.splitlines(keepends=True)
    start = lines.index(heading + "\n") + 1
    out, in_code = [], False
    for line in lines[start:]:
        if line.startswith("```"):
            in_code = not in_code
        elif not in_code and re.match(rf"#{{1,{level}}} ", line):
            break
        out.append(line)
    return "".join(out)


def fenced(text: str, lang: str = "") -> list[str]:
    """The fenced code blocks of ``text`` (```lang … ```; any language when ``lang`` is empty)."""
    opening = re.escape(lang) if lang else r"[\w-]*"
    return re.findall(rf"^```{opening}\n(.*?)^```", text, re.M | re.S)


def engine_modules() -> set[str]:
    """Every module file of engine/, engine/store/ and engine/web/, as ``engine/…/name.py``."""
    return {
        p.relative_to(ROOT).as_posix()
        for folder in (ROOT / "engine", ROOT / "engine" / "store", ROOT / "engine" / "web")
        for p in folder.glob("*.py")
    }


# ----------------------------------------------------------------------------------- README


def test_readme_is_about_10_kb() -> None:
    size = len(README.read_bytes())
    assert size <= README_MAX_BYTES, f"README.md is {size} bytes: move the detail to docs/"


def test_readme_starts_with_the_two_set_up_commands() -> None:
    first = fenced(README.read_text(encoding="utf-8"))[0]
    assert [line.split("#")[0].strip() for line in first.splitlines()] == ["make demo", "make test"]


def test_readme_links_only_to_files_that_exist() -> None:
    text = README.read_text(encoding="utf-8")
    links = re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text)
    assert links
    missing = [link for link in links if not (ROOT / link).exists()]
    assert not missing, f"README links to missing files: {missing}"


def walkthrough() -> list[tuple[list[str], list[str]]]:
    """The README walkthrough's shell block: each command with the output lines it claims (the
    ``# …`` lines that follow it)."""
    (block,) = fenced(section(README.read_text(encoding="utf-8"), "## Walkthrough"), "sh")[:1]
    steps: list[tuple[list[str], list[str]]] = []
    for line in block.splitlines():
        if not line.strip():
            continue
        if line.startswith("#"):
            assert steps, f"an output line before any command: {line!r}"
            steps[-1][1].append(line[1:].strip())
        else:
            steps.append((shlex.split(line, comments=True), []))
    return steps


def claimed(line: str) -> re.Pattern[str]:
    """A claimed output line as a pattern: ``<year>`` stands for the letter's BE year."""
    return re.compile(re.escape(line).replace(re.escape("<year>"), r"(25\d\d)"))


def test_readme_walkthrough_runs_verbatim(tmp_path: Path) -> None:
    """Every command of the walkthrough, from `saraban init`, as a real process in an empty
    folder: exit status 0, every output line it shows is printed, every file it names exists."""
    steps = walkthrough()
    assert steps[0][0][:2] == ["saraban", "init"], "the walkthrough starts from `saraban init`"
    env = {k: v for k, v in os.environ.items() if k != "SARABAN_WORKSPACE"}
    env |= {"PYTHONPATH": str(ROOT), "PYTHONIOENCODING": "utf-8"}
    cwd = tmp_path
    issued = 0
    for argv, output in steps:
        if argv[0] == "cd":
            cwd = cwd / argv[1]
            assert cwd.is_dir(), f"cd {argv[1]}: no such folder"
            continue
        assert argv[0] == "saraban", f"the walkthrough runs only saraban: {argv}"
        run = subprocess.run(
            [sys.executable, "-m", "engine.cli", *argv[1:]],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            timeout=120,
        )
        shown = " ".join(argv)
        assert run.returncode == 0, f"{shown}: exit {run.returncode}\n{run.stdout}{run.stderr}"
        printed = [line.strip() for line in run.stdout.splitlines()]
        for line in output:
            found = [p for p in printed if claimed(line).fullmatch(p)]
            assert found, f"{shown}: does not print {line!r}; it printed:\n{run.stdout}"
            if re.fullmatch(r"[\w./<>-]+\.(docx|pdf|csv|xlsx)", line):
                assert (cwd / found[0]).is_file(), f"{shown}: {found[0]} is not there"
                issued += line.startswith("letters/")
    assert issued >= 2, "the walkthrough shows at least the letters it writes"


def test_readme_cli_summary_names_every_command_and_option() -> None:
    """Each command of the parser (``register cancel``, …) has a line in the README's CLI block
    that names each of its options."""
    from engine.cli import build_parser

    (block,) = fenced(section(README.read_text(encoding="utf-8"), "## CLI"))[:1]
    lines = [line for line in block.splitlines() if line.startswith("saraban ")]

    def commands(
        parser: argparse.ArgumentParser, path: tuple[str, ...]
    ) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
        subs = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
        if not subs:
            return [(path, parser)]
        return [
            found
            for name, child in subs[0].choices.items()
            for found in commands(child, (*path, name))
        ]

    top = build_parser()
    common = {o for a in top._actions for o in a.option_strings}
    for name in ("--workspace", "--quiet", "--version"):
        assert name in block, f"the CLI summary does not mention {name}"
    for path, parser in commands(top, ()):
        prefix = "saraban " + " ".join(path)
        line = next((ln for ln in lines if ln == prefix or ln.startswith(prefix + " ")), None)
        assert line is not None, f"the CLI summary has no line for `{prefix}`"
        options = (
            {
                o
                for a in parser._actions
                if a.help != argparse.SUPPRESS  # hidden options, for tests
                for o in a.option_strings
                if o.startswith("--")
            }
            - common
            - {"--help"}
        )
        missing = sorted(o for o in options if not re.search(rf"{o}(?![\w-])", line))
        assert not missing, f"`{prefix}` in the README's CLI summary lacks {missing}"


# ------------------------------------------------------------------------ docs/architecture.md


def named_modules(text: str) -> list[str]:
    return re.findall(r"`(engine/(?:store/|web/)?\w+\.py)`", text)


def test_architecture_names_every_module_and_no_other() -> None:
    named = set(named_modules(ARCHITECTURE.read_text(encoding="utf-8")))
    actual = engine_modules()
    assert not actual - named, f"docs/architecture.md does not name {sorted(actual - named)}"
    assert not named - actual, f"docs/architecture.md names missing {sorted(named - actual)}"


def layer_of() -> dict[str, int]:
    """Module (``engine.x``) → its layer's place in pyproject.toml's layers contract, top first."""
    config = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    (contract,) = [c for c in config["tool"]["importlinter"]["contracts"] if c["type"] == "layers"]
    out = {}
    for i, layer in enumerate(contract["layers"]):
        for name in layer.split("|"):
            out["engine." + name.strip().strip("()")] = i
    return out


def test_the_module_map_follows_the_layers_top_to_bottom() -> None:
    text = section(ARCHITECTURE.read_text(encoding="utf-8"), "## Module map")
    layers = layer_of()
    previous, previous_name = -1, ""
    for path in named_modules(text):
        if path == "engine/__init__.py":
            continue
        dotted = path.removesuffix(".py").removesuffix("/__init__").replace("/", ".")
        top = ".".join(dotted.split(".")[:2])  # engine.store.entries is in engine.store's layer
        assert top in layers, f"{path} is in no layer of pyproject.toml"
        assert layers[top] >= previous, (
            f"docs/architecture.md lists {path} after {previous_name}, "
            "but its layer is above that one's in pyproject.toml"
        )
        previous, previous_name = layers[top], path


def resolve(dotted: str) -> bool:
    """Whether ``engine.x.y`` (or ``x.y`` for an engine module x) names a module or an
    attribute that exists."""
    parts = dotted.removeprefix("engine.").split(".")
    obj: object = importlib.import_module("engine." + parts[0])
    module = "engine." + parts[0]
    for part in parts[1:]:
        if hasattr(obj, part):
            obj = getattr(obj, part)
            continue
        try:
            obj = importlib.import_module(f"{module}.{part}")
        except ModuleNotFoundError:
            return False
        module = f"{module}.{part}"
    return True


def test_architecture_names_only_what_exists() -> None:
    """Every dotted name in backquotes that starts with an engine module (``engine.api.new``,
    ``publish.preflight``, ``sheets.converting``) resolves."""
    modules = {Path(p).stem for p in engine_modules()} - {"__init__"}
    text = ARCHITECTURE.read_text(encoding="utf-8")
    checked, missing = 0, []
    for dotted in re.findall(r"`((?:engine\.)?[a-z_]+(?:\.\w+)+)", text):
        parts = dotted.removeprefix("engine.").split(".")
        if parts[0] not in modules or parts[-1] in FILE_SUFFIXES:
            continue
        checked += 1
        if not resolve(dotted):
            missing.append(dotted)
    assert checked >= 20
    assert not missing, f"docs/architecture.md names what does not exist: {missing}"
