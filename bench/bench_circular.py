"""Benchmark: a circular to N recipients — master, N addressed copies, one combined DOCX.

    .venv/bin/python bench/bench_circular.py [--recipients 500 2000]
    .venv/bin/python bench/bench_circular.py --pdf [--per-copy] --recipients 25 200

Each size runs in a fresh process (`saraban new circular --data … --issue` through the API):
prints the time, copies/s and the process's peak memory (ru_maxrss). Memory must stay flat as
the recipients grow: copies are rendered, written and streamed into the combined DOCX one at a
time. Not a test: nothing here asserts.

``--pdf`` then times the combined PDF of all copies (``…-copies.pdf``: the combined DOCX converted
once by a warm LibreOffice worker, per-copy continuation markers, one bookmark per recipient) —
the step ``saraban new circular --issue --pdf`` adds — after one warm-up conversion (the pool's
start is reported apart). ``--per-copy`` also times the alternative: every copy's DOCX converted
through the pool, then merged with pypdf with one bookmark each (no stamping: a lower bound).
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


def child(n: int, pdf: bool = False, per_copy: bool = False) -> None:
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
        out = {
            "n": n, "seconds": elapsed, "files": len(made.files), "sections": sections,
            "combined_kb": combined.stat().st_size / 1e3,
            "peak_mb": peak / 1024, "before_mb": before / 1024,
        }  # fmt: skip
        if pdf:
            out.update(pdf_figures(Workspace(ws), combined, per_copy))
        print(json.dumps(out))


def pdf_figures(ws, combined: Path, per_copy: bool) -> dict:
    from pypdf import PdfReader, PdfWriter

    from engine import publish
    from engine.pdf import Converter

    master = combined.with_name(combined.name.replace("-copies", ""))
    _, names = publish.circular_copies(ws, master)
    with Converter() as conv:
        t0 = time.perf_counter()
        conv.convert_many([(master, ws.root / f"warm{i}.pdf") for i in range(conv.size)])
        start = time.perf_counter() - t0
        t0 = time.perf_counter()
        publish.publish_pdfs(ws, [combined], converter=conv, copies={combined: names})
        seconds = time.perf_counter() - t0
        out = {"pdf_start": start, "pdf_seconds": seconds, "workers": conv.size,
               "pdf_pages": len(PdfReader(combined.with_suffix(".pdf")).pages)}  # fmt: skip
        if per_copy:
            copies = sorted(master.with_suffix("").glob("*.docx"))
            t0 = time.perf_counter()
            pdfs = conv.convert_many([(c, ws.root / "per" / f"{c.stem}.pdf") for c in copies])
            writer = PdfWriter()
            for name, path in zip(names, pdfs, strict=True):
                first = len(writer.pages)
                for page in PdfReader(path).pages:
                    writer.add_page(page)
                writer.add_outline_item(name, first)
            with open(ws.root / "per-copy.pdf", "wb") as fh:
                writer.write(fh)
            out["per_copy_seconds"] = time.perf_counter() - t0
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, nargs="+", default=[500, 2000])
    parser.add_argument("--pdf", action="store_true", help="time the combined PDF too")
    parser.add_argument(
        "--per-copy", action="store_true", help="with --pdf: time per-copy PDFs + merge too"
    )
    parser.add_argument("--child", type=int, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.pdf, args.per_copy)
        return
    flags = ["--pdf"] * args.pdf + ["--per-copy"] * args.per_copy
    for n in args.recipients:
        out = subprocess.run(
            [sys.executable, __file__, "--child", str(n), *flags],
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
        if "pdf_seconds" in r:
            print(
                f"{'':>8}combined PDF: {r['pdf_seconds']:6.2f} s for {r['pdf_pages']} pages, "
                f"{r['n'] / r['pdf_seconds']:.0f} copies/s (after a warm-up of "
                f"{r['pdf_start']:.2f} s starting {r['workers']} LibreOffice workers)"
            )
        if "per_copy_seconds" in r:
            print(
                f"{'':>8}per-copy PDFs + pypdf merge (no stamping): "
                f"{r['per_copy_seconds']:6.2f} s, {r['n'] / r['per_copy_seconds']:.0f} copies/s"
            )


if __name__ == "__main__":
    main()
