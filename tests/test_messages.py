"""Messages in Thai under a Thai locale, English otherwise (engine/i18n.py, docs/messages.md).

Three guards keep the Thai catalog whole: every message the code marks is translated (and the
committed .mo is the compiled .po); no user-facing message in engine/ is left unmarked (an AST
scan); and real commands under LANG=th_TH.UTF-8 print their errors in Thai.
"""

from __future__ import annotations

import ast
import io
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path

import pytest
import yaml
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from conftest import ROOT, Result, make_workspace

from engine import i18n

ENGINE = ROOT / "engine"
PO = ENGINE / "locale" / "th" / "LC_MESSAGES" / "saraban.po"
MO = PO.with_suffix(".mo")


# --- 1. the catalog is complete -------------------------------------------------------------------
def _extracted() -> set[str]:
    """Every message marked with _() or N_() in engine/, as `make messages` extracts them."""
    found = extract_from_dir(str(ENGINE), method_map=[("**.py", "python")],
                             keywords=DEFAULT_KEYWORDS)  # fmt: skip
    return {message for _file, _line, message, _comments, _context in found if message}


def _catalog():
    with open(PO, "rb") as fh:
        return read_po(fh)


def _placeholders(text: str) -> Counter[str]:
    """The ``{…}`` fields of a message (``{{``/``}}`` are literal braces)."""
    return Counter(
        re.findall(r"(?<!\{)\{([^{}]*)\}(?!\})", text.replace("{{", "").replace("}}", ""))
    )


def test_every_marked_message_has_a_thai_translation() -> None:
    catalog = _catalog()
    extracted = _extracted()
    assert len(extracted) > 300  # the extraction found the engine's messages
    entries = {m.id: m for m in catalog if m.id}
    missing = sorted(extracted - set(entries))
    assert not missing, f"not in the .po (run `make messages` and translate): {missing[:10]}"
    stale = sorted(set(entries) - extracted)
    assert not stale, f"in the .po but no longer in the code (`make messages`): {stale[:10]}"
    untranslated = [m.id for m in entries.values() if not m.string or not m.string.strip()]
    assert not untranslated, f"no Thai translation: {untranslated[:10]}"
    fuzzy = [m.id for m in entries.values() if m.fuzzy]
    assert not fuzzy, f"fuzzy (check the translation, then remove the fuzzy flag): {fuzzy[:10]}"


def test_translations_keep_the_placeholders() -> None:
    for m in _catalog():
        if m.id:
            assert _placeholders(m.string) == _placeholders(m.id), (m.id, m.string)


def test_the_committed_mo_is_the_compiled_po() -> None:
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(), use_fuzzy=False)
    assert MO.read_bytes() == compiled.getvalue(), "run `make messages` (it compiles the .mo)"


def test_every_translation_formats_like_its_message() -> None:
    """A translation takes the values its English message takes (no field it does not know)."""
    for m in _catalog():
        if m.id and _placeholders(m.id):
            names = {f.split("!")[0].split(":")[0] for f in _placeholders(m.id)}
            if not all(n.isidentifier() for n in names):
                continue  # braces that are text, such as "{title, count, file}"
            values = {n: 1 for n in names}
            try:
                m.id.format(**values)
            except (ValueError, KeyError, IndexError):
                continue  # not a format string: "must be {name: …, position: …}"
            m.string.format(**values)


# --- 2. no user-facing message is left unmarked ---------------------------------------------------
#: Calls whose argument (at this position) is a message the user reads.
MESSAGE_HELPERS = {"error": 0, "_error": 1, "_fail": 2, "found": 0, "note": 0, "print": 0}
#: ``problems.append(…)`` and ``checked.append(…)``: the lines of `saraban check`.
MESSAGE_LISTS = {"problems", "checked"}
#: Messages that are not for the user: programming errors and developer tools (file, start).
NOT_USER_FACING = {
    ("combine.py", "no <w:body>"),
    ("combine.py", "no copies to combine"),
    ("pdf.py", "stamp overlay has "),
    ("pdf.py", "converter is closed"),
    ("pdf.py", "LibreOffice cannot open this file"),  # caught and reworded
    ("pdfclean.py", "usage: python -m engine.pdfclean"),  # a developer's tool
    ("demo.py", "\n$ saraban "),  # the demo echoes the commands it runs
    ("fonts.py", "error: %s"),  # logging in `python -m engine.fonts` (make setup)
    ("register.py", "Slot.record() called"),
    ("api.py", "module "),
    (
        "errors.py",
        "UserErrors needs at least one problem",
    ),  # the module __getattr__ of the lazily imported result types
    ("resources.py", "not a built-in folder: "),
    ("db.py", "store migrations must be numbered"),
    ("entries.py", "not correctable: "),
    ("thai.py", "parse_date expects a str"),
    ("thai.py", "parse_year expects a str"),
    ("thai.py", "amounts must be Decimal"),
    ("thai.py", "unknown date style "),
    ("api.py", "register."),  # a file name: register.csv
    ("api.py", "office.yaml"),  # a file name
}
_WORD = re.compile(r"[A-Za-z]{2,}")


def _unmarked(node: ast.AST) -> list[str]:
    """English text in ``node`` that no _()/N_() call wraps (a value passed by keyword to a
    call other than str.format, and a subscript's key, are not text the user reads)."""
    found: list[str] = []

    def walk(n: ast.AST) -> None:
        if isinstance(n, ast.Call):
            if isinstance(n.func, ast.Name) and n.func.id in ("_", "N_"):
                return
            walk(n.func)
            for a in n.args:
                walk(a)
            is_format = isinstance(n.func, ast.Attribute) and n.func.attr == "format"
            for k in n.keywords:
                if is_format:
                    walk(k.value)
            return
        if isinstance(n, ast.Subscript):
            walk(n.value)
            return
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and _WORD.search(n.value):
            found.append(n.value)
            return
        for child in ast.iter_child_nodes(n):
            walk(child)

    walk(node)
    return found


def _message_arguments(tree: ast.AST):
    for n in ast.walk(tree):
        if not isinstance(n, ast.Call):
            continue
        f = n.func
        name = f.id if isinstance(f, ast.Name) else f.attr if isinstance(f, ast.Attribute) else ""
        if name.endswith("Error") and n.args:
            yield n, n.args[0]
        elif name in MESSAGE_HELPERS and len(n.args) > MESSAGE_HELPERS[name]:
            yield n, n.args[MESSAGE_HELPERS[name]]
        elif (
            name == "append"
            and isinstance(f, ast.Attribute)
            and isinstance(f.value, ast.Name)
            and f.value.id in MESSAGE_LISTS
            and n.args
        ):
            yield n, n.args[0]


def test_every_user_facing_message_is_marked() -> None:
    """The first argument of every error raised (and of the message helpers, print and the
    check lines) is wrapped in _(): a new English message without it fails here, and
    `make messages` then puts it in the catalog for translation."""
    bad = []
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for call, arg in _message_arguments(tree):
            texts = _unmarked(arg)
            if texts and any(path.name == f and texts[0].startswith(s) for f, s in NOT_USER_FACING):
                continue
            bad += [f"{path.relative_to(ROOT)}:{call.lineno}: {text!r}" for text in texts]
    assert not bad, "wrap these messages in _() (docs/messages.md):\n" + "\n".join(bad)


def test_the_scan_finds_an_unmarked_message() -> None:
    tree = ast.parse(
        'raise UserError(f"unknown series {s!r}", field="series")\n'
        'raise UserError(_("unknown series {s!r}").format(s=s), field="series")\n'
        'raise doc.error("must be text", "key")\n'
        'print(_("created {p}").format(p=p or "(none)"))\n'
    )
    found = [(call.lineno, _unmarked(arg)) for call, arg in _message_arguments(tree)]
    assert found == [(1, ["unknown series "]), (2, []), (3, ["must be text"]), (4, ["(none)"])]


def _own_scope(fn: ast.AST):
    """The nodes of a function's own scope (not of comprehensions, lambdas, inner functions)."""
    for child in ast.iter_child_nodes(fn):
        yield child
        if not isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda
                          | ast.ListComp | ast.SetComp | ast.DictComp | ast.GeneratorExp):  # fmt: skip
            yield from _own_scope(child)


def test_no_function_that_translates_binds_the_name_underscore() -> None:
    """``x, _, y = …`` in a function that calls _() would make _ a local string there."""
    bad = []
    for path in sorted(ENGINE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for fn in ast.walk(tree):
            if not isinstance(fn, ast.FunctionDef | ast.AsyncFunctionDef):
                continue
            body = list(_own_scope(fn))
            calls = any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name)
                        and n.func.id == "_" for n in body)  # fmt: skip
            binds = any(isinstance(n, ast.Name) and n.id == "_" and isinstance(n.ctx, ast.Store)
                        for n in body)  # fmt: skip
            if calls and binds:
                bad.append(f"{path.relative_to(ROOT)}: {fn.name}")
    assert not bad, bad


# --- the language ---------------------------------------------------------------------------------
LOCALE_VARS = ("SARABAN_LANG", "LANGUAGE", "LC_ALL", "LC_MESSAGES", "LANG")


@pytest.mark.parametrize(
    ("env", "lang"),
    [
        ({}, "en"),
        ({"LANG": "th_TH.UTF-8"}, "th"),
        ({"LANG": "th"}, "th"),
        ({"LANG": "en_US.UTF-8"}, "en"),
        ({"LANG": "C.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LC_MESSAGES": "th_TH.UTF-8"}, "th"),
        ({"LC_ALL": "en_US.UTF-8", "LC_MESSAGES": "th_TH.UTF-8"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "th"}, "th"),
        ({"LANG": "th_TH.UTF-8", "LANGUAGE": "en_GB:en"}, "en"),
        ({"LANG": "en_US.UTF-8", "LANGUAGE": "fr:th"}, "th"),  # no French: the next one
        ({"LANG": "C", "LANGUAGE": "th"}, "en"),  # GNU: the C locale ignores LANGUAGE
        ({"LANG": "th_TH.UTF-8", "SARABAN_LANG": "en"}, "en"),
        ({"LANG": "C", "SARABAN_LANG": "th"}, "th"),
    ],
)
def test_the_language_comes_from_the_locale(
    env: dict[str, str], lang: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    for var in LOCALE_VARS:
        monkeypatch.delenv(var, raising=False)
    for var, value in env.items():
        monkeypatch.setenv(var, value)
    assert i18n.language() == lang


def test_messages_translate_and_keep_their_values(monkeypatch: pytest.MonkeyPatch) -> None:
    message = "unknown series {series!r}; the series are: {names}"
    monkeypatch.setenv("SARABAN_LANG", "en")
    assert i18n._(message) is message
    monkeypatch.setenv("SARABAN_LANG", "th")
    text = i18n._(message).format(series="bogus", names="normal, circular")
    assert text == "ไม่รู้จักชุดเลข 'bogus' ชุดเลขที่มีคือ normal, circular"
    assert i18n._("a message the catalog does not have") == "a message the catalog does not have"


# --- 3. real commands under a Thai locale ---------------------------------------------------------
def _run(ws: Path, *args: str, lang: str) -> Result:
    """``saraban`` as a real process under LANG=``lang`` (no other locale variable set)."""
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    env.update(LANG=lang, PYTHONIOENCODING="utf-8", PYTHONPATH=str(ROOT))
    proc = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), *args],
        capture_output=True, text=True, timeout=120, env=env, cwd=ws,
    )  # fmt: skip
    return Result(proc.returncode, proc.stdout, proc.stderr)


def _letter(ws: Path, name: str, **changes: object) -> str:
    data = {"to": "ผู้ว่าราชการจังหวัดนครราชสีมา", "subject": "ขอส่งเอกสาร",
            "body": "ข้อความ", "signer": "palad", **changes}  # fmt: skip
    data = {k: v for k, v in data.items() if v is not None}
    (ws / name).write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    return name


#: name: (arguments, exit status, the English text, a piece of the Thai text)
CASES = {
    "missing data file": (["new", "letter", "--data", "missing.yaml"], 1,
                          "missing.yaml: file not found", "missing.yaml: ไม่พบไฟล์"),
    "unknown series": (["register", "list", "--series", "bogus"], 1,
                       "unknown series 'bogus'; the series are:", "ไม่รู้จักชุดเลข 'bogus'"),
    "bad citizen id": (["new", "appoint-admin", "--data", "appoint.yaml"], 1,
                       "fails its checksum", "ไม่ผ่านการตรวจหลักสุดท้าย"),
    "unknown workflow": (["new", "no-such-workflow"], 1,
                         "unknown workflow 'no-such-workflow'", "ไม่รู้จักขั้นตอนงาน"),
    "YAML syntax error": (["new", "letter", "--data", "broken.yaml"], 1,
                          "malformed YAML", "YAML เขียนผิดรูปแบบ"),
    "missing signer": (["new", "letter", "--data", "unsigned.yaml"], 1,
                       "signer: missing required key", "signer: ขาดคีย์ที่ต้องระบุ"),
    "unknown signer": (["new", "letter", "--data", "stranger.yaml"], 1,
                       "unknown signer 'stranger'", "ไม่รู้จักผู้ลงนาม 'stranger'"),
    "usage error": (["register", "cancel", "--reason", "x"], 2,
                    "the following arguments are required: number",
                    "ต้องระบุอาร์กิวเมนต์ต่อไปนี้: number"),
    "invalid choice": (["register", "export", "--format", "pdf"], 2,
                       "invalid choice: 'pdf'", "ตัวเลือกไม่ถูกต้อง: 'pdf'"),
    "cancel an unknown number": (["register", "cancel", "มท 9999/2568", "--reason", "ผิด"], 1,
                                 "no letter numbered 'มท 9999/2568' in the register",
                                 "ไม่พบหนังสือเลขที่ 'มท 9999/2568' ในทะเบียน"),
    "bad date": (["new", "letter", "--data", "letter.yaml", "--date", "31/02/2568"], 1,
                 "invalid date", "วันที่ไม่ถูกต้อง"),
}  # fmt: skip


@pytest.fixture(scope="module")
def errors_ws(tmp_path_factory: pytest.TempPathFactory) -> Path:
    ws = make_workspace(tmp_path_factory.mktemp("messages"), "tambon")
    shutil.copytree(ROOT / "examples" / "tambon" / "files", ws / "files")
    _letter(ws, "letter.yaml")
    _letter(ws, "unsigned.yaml", signer=None)
    _letter(ws, "stranger.yaml", signer="stranger")
    (ws / "broken.yaml").write_text("to: [ผู้ว่าราชการจังหวัด\nsubject: x\n", encoding="utf-8")
    appoint = yaml.safe_load((ROOT / "examples" / "appoint-admin.yaml").read_text("utf-8"))
    appoint["incoming_citizen_id"] = "3100500678914"  # the last digit mistyped
    (ws / "appoint.yaml").write_text(yaml.safe_dump(appoint, allow_unicode=True), "utf-8")
    return ws


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_are_in_thai_under_a_thai_locale(errors_ws: Path, case: str) -> None:
    args, code, english, thai = CASES[case]
    result = _run(errors_ws, *args, lang="th_TH.UTF-8")
    assert result.code == code, (result.out, result.err)
    last = result.err.strip().splitlines()[-1]
    assert thai in last, last
    assert english not in result.err, result.err
    assert "ข้อผิดพลาด:" in last and "error:" not in result.err, result.err
    if code == 2:
        assert result.err.startswith("วิธีใช้: saraban"), result.err


@pytest.mark.parametrize("case", sorted(CASES))
def test_errors_stay_english_under_the_c_locale(errors_ws: Path, case: str) -> None:
    args, code, english, thai = CASES[case]
    result = _run(errors_ws, *args, lang="C")
    assert result.code == code, (result.out, result.err)
    assert english in result.err, result.err
    assert "error:" in result.err and "ข้อผิดพลาด" not in result.err, result.err
    assert thai not in result.err, result.err


def test_an_english_run_never_opens_the_catalog(dla: Path) -> None:
    probe = (
        "import sys, io, contextlib\n"
        "from engine.cli import main\n"
        "from engine import i18n\n"
        "with contextlib.redirect_stderr(io.StringIO()):\n"
        "    main(sys.argv[1:])\n"
        "print(sorted(i18n._catalogs))\n"
    )
    env = {k: v for k, v in os.environ.items() if k not in LOCALE_VARS}
    for lang, opened in (("C", "[]"), ("th_TH.UTF-8", "['th']")):
        proc = subprocess.run(
            [sys.executable, "-c", probe, "--workspace", str(dla), "new", "letter", "--data",
             "missing.yaml"],
            capture_output=True, text=True, timeout=60,
            env={**env, "LANG": lang, "PYTHONPATH": str(ROOT)},
        )  # fmt: skip
        assert proc.stdout.strip() == opened, (lang, proc.stdout, proc.stderr)


def test_thai_help_and_summaries(dla: Path) -> None:
    """argparse's help (headings, the options' help) and a command's printed lines in Thai."""
    result = _run(dla, "register", "start", "--help", lang="th_TH.UTF-8")
    assert result.code == 0
    assert result.out.startswith("วิธีใช้: saraban register start")
    assert "ตัวเลือก:" in result.out and "แสดงคำอธิบายนี้แล้วจบ" in result.out
    assert "เลขลำดับถัดไป" in result.out  # --next's help
    result = _run(dla, "register", "start", "--year", "2568", "--next", "5", lang="th_TH.UTF-8")
    assert result.code == 0, result.err
    assert result.out.startswith("เลขถัดไปของชุดเลข normal ปี "), result.out
