"""Benchmark: a circular to N recipients — master, N addressed copies, one combined DOCX.

    .venv/bin/python bench/bench_circular.py [--recipients 500 2000]

Each size runs in a fresh process (`saraban new circular --data … --issue` through the API):
prints the time, copies/s and the process's peak memory (ru_maxrss). Memory must stay flat as
the recipients grow: copies are rendered, written and streamed into the combined DOCX one at a
time. Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import csv
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def child(n: int) -> None:
    from engine import api
    from engine.workspace import Workspace

    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        shutil.copy(ROOT / "examples" / "pakthongchai" / "office.yaml", ws / "office.yaml")
        shutil.copy(ROOT / "examples" / "references.yaml", ws / "references.yaml")
        (ws / "examples").mkdir()
        data = (ROOT / "examples" / "circular.yaml").read_text(encoding="utf-8")
        (ws / "circular.yaml").write_text(data, encoding="utf-8")
        with (ws / "examples" / "recipients.csv").open("w", encoding="utf-8-sig", newline="") as f:
            w = csv.writer(f)
            w.writerow(["ชื่อหน่วยงาน", "ตำแหน่ง", "อีเมล"])
            for i in range(n):
                w.writerow([f"องค์การบริหารส่วนตำบลหนองบัวที่ {i + 1}", "นายกองค์การบริหารส่วนตำบล", ""])
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        made = api.new(Workspace(ws), "circular", data_file=ws / "circular.yaml", issue=True)
        elapsed = time.perf_counter() - t0
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        combined = next(ws.rglob("*-copies.docx"))
        with zipfile.ZipFile(combined) as zf:
            sections = zf.read("word/document.xml").count(b"<w:sectPr")
        print(json.dumps({
            "n": n, "seconds": elapsed, "files": len(made.files), "sections": sections,
            "combined_kb": combined.stat().st_size / 1e3,
            "peak_mb": peak / 1024, "before_mb": before / 1024,
        }))  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return
    for n in args.recipients:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n)],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
        r = json.loads(out.strip().splitlines()[-1])
        print(
            f"{r['n']:>6} recipients: {r['seconds']:6.2f} s, {r['n'] / r['seconds']:6.0f} copies/s, "
            f"{r['files']} files, combined DOCX {r['sections']} sections {r['combined_kb']:.0f} kB, "
            f"peak RSS {r['peak_mb']:.0f} MB (after start-up {r['before_mb']:.0f} MB)"
        )


if __name__ == "__main__":
    main()
