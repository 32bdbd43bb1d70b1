"""Benchmark: regenerating N registered letters after one named reference changes.

    .venv/bin/python bench/bench_regenerate.py [--letters 2000] [--naive-letters 200] [--workers N]

Issues N letters that cite a named reference (references.yaml), edits the reference, and times
`saraban regenerate` (the engine: fingerprints, re-render with each letter's own number and date,
compare, rewrite what changed, one sync, one register transaction with the case history) against
a plain docxtpl loop rendering the same letters in the same run. Then times a second
`regenerate` with nothing changed (it must rewrite nothing). Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine import api  # noqa: E402
from engine.letter import letter_from_data  # noqa: E402
from engine.render import make_environment  # noqa: E402
from engine.workspace import BUILTIN_TEMPLATES, Workspace  # noqa: E402
from engine.yamlio import load_yaml  # noqa: E402

REF = "หนังสือกรมส่งเสริมการปกครองท้องถิ่น ด่วนที่สุด ที่ มท 0808.4/ว 0036 ลงวันที่ 25 มีนาคม 2568"
DATA = """\
to: นายกองค์การบริหารส่วนตำบลตะขบ
subject: ขอรหัสผู้ใช้งาน (User) และรหัสผ่าน (Password) ระบบ New e-LAAS
references:
  - ref: dla-elaas-guideline
body: |
  ตามหนังสือที่อ้างถึง กรมส่งเสริมการปกครองท้องถิ่นได้กำหนดแนวทางปฏิบัติการควบคุมดูแลการใช้รหัสผู้ใช้งาน (User) และรหัสผ่าน (Password) เข้าใช้งานระบบบัญชีคอมพิวเตอร์ขององค์กรปกครองส่วนท้องถิ่น (New e-LAAS) นั้น

  อำเภอปักธงชัยขอให้องค์กรปกครองส่วนท้องถิ่นดำเนินการตามแนวทางดังกล่าว และรายงานผลภายในวันที่ 30 เมษายน 2568
closing: จึงเรียนมาเพื่อโปรดทราบและดำเนินการ
signer: district_chief
"""


def setup(ws: Path, n: int) -> float:
    shutil.copy(ROOT / "examples" / "pakthongchai" / "office.yaml", ws / "office.yaml")
    (ws / "references.yaml").write_text(f"dla-elaas-guideline: {REF}\n", encoding="utf-8")
    data = ws / "letter.yaml"
    data.write_text(DATA, encoding="utf-8")
    w = Workspace(ws)
    t0 = time.perf_counter()
    for i in range(n):
        api.new(w, "letter", data_file=data, sets=[f"to=นายกองค์การบริหารส่วนตำบลที่ {i + 1}"],
                date="2025-04-01", issue=True)  # fmt: skip
    return time.perf_counter() - t0


def naive(ws: Path, n: int) -> float:
    """The plain way: a new DocxTemplate per letter (re-parsed, re-compiled), then save."""
    from docxtpl import DocxTemplate

    w = Workspace(ws)
    letter = letter_from_data(
        load_yaml(ws / "letter.yaml"), w.office, ws, resolve_reference=lambda r: REF
    )
    env = make_environment()
    out = ws / "naive"
    out.mkdir()
    t0 = time.perf_counter()
    for i in range(n):
        letter.number = i + 1
        doc = DocxTemplate(BUILTIN_TEMPLATES / "external-letter.docx")
        doc.render(letter.context(), jinja_env=env)
        doc.save(out / f"{i:05d}.docx")
    return time.perf_counter() - t0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=2000)
    parser.add_argument("--naive-letters", type=int, default=200)
    parser.add_argument("--workers", type=int, default=None, help="default: the engine's")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        t_setup = setup(ws, args.letters)
        (ws / "references.yaml").write_text(
            f"dla-elaas-guideline: {REF.replace('25 มีนาคม', '26 มีนาคม')}\n", encoding="utf-8"
        )
        w = Workspace(ws)
        report = api.regenerate(w, workers=args.workers)
        again = api.regenerate(w, workers=args.workers)
        # the same again as a user runs it: `saraban regenerate`, its own process
        (ws / "references.yaml").write_text(
            f"dla-elaas-guideline: {REF.replace('25 มีนาคม', '27 มีนาคม')}\n", encoding="utf-8"
        )
        workers = ["--workers", str(args.workers)] if args.workers else []
        cli = subprocess.run(
            [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "--quiet", "regenerate",
             "--json", *workers],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )  # fmt: skip
        cli_report = json.loads(cli.stdout)
        t_naive = naive(ws, args.naive_letters)
    n = len(report.regenerated)
    r_engine = n / report.seconds
    r_naive = args.naive_letters / t_naive
    print(f"letters issued: {args.letters} in {t_setup:.1f} s (saraban new --issue, in-process)")
    print(
        f"regenerate after one named reference changed: {n} letters, "
        f"{report.files_written} files rewritten in {report.seconds:.2f} s "
        f"= {r_engine:.0f} letters/s ({args.workers or 'default'} workers, {os.cpu_count()} CPUs)"
    )
    n_cli = len(cli_report["regenerated"])
    r_cli = n_cli / cli_report["seconds"]
    print(
        f"the same as a command (saraban regenerate, own process, after another change): {n_cli} "
        f"letters in {cli_report['seconds']:.2f} s = {r_cli:.0f} letters/s"
    )
    print(f"docxtpl loop: {r_naive:.1f} letters/s ({args.naive_letters} letters)")
    print(f"ratio engine/docxtpl: {r_engine / r_naive:.1f}x (command: {r_cli / r_naive:.1f}x)")
    print(
        f"second regenerate, nothing changed: {len(again.regenerated)} re-rendered, "
        f"{again.files_written} files written, {again.seconds:.2f} s"
    )


if __name__ == "__main__":
    main()
