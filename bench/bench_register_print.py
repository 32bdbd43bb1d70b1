"""Benchmark: `saraban register print` of a year of N register rows (DOCX, then PDF).

    .venv/bin/python bench/bench_register_print.py [--rows 5000] [--no-pdf]

Seeds a register with N numbers of one year (two series, every 97th number cancelled: the
helper the tests use, tests/registerseed.py), then times, in one process: building and writing
the DOCX (`api.register_print`), and converting it to PDF through the engine's LibreOffice
converter (a worker started for the conversion; its start-up is timed apart). Prints the pages.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

from registerseed import seed_year  # noqa: E402

from engine import api  # noqa: E402
from engine.pdf import Converter  # noqa: E402
from engine.workspace import Workspace  # noqa: E402


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--no-pdf", action="store_true", help="time the DOCX only")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        ws_dir = Path(tmp) / "ws"
        ws_dir.mkdir()
        shutil.copy(ROOT / "examples" / "dla" / "office.yaml", ws_dir / "office.yaml")
        started = time.perf_counter()
        seed_year(ws_dir / "letters" / "register.db", rows=args.rows, year=2025)
        print(f"seed {args.rows} rows (one transaction): {time.perf_counter() - started:.2f} s")
        ws = Workspace(ws_dir)
        started = time.perf_counter()
        (docx,) = api.register_print(ws, "2568")
        size = Path(docx).stat().st_size
        print(f"DOCX: {time.perf_counter() - started:.2f} s ({size / 1024:.0f} KiB)")
        if args.no_pdf:
            return 0
        with Converter(size=1, timeout=600) as converter:
            started = time.perf_counter()
            converter.convert(ROOT / "templates" / "memo.docx", Path(tmp) / "warm.pdf")
            print(f"LibreOffice start + a one-page memo: {time.perf_counter() - started:.1f} s")
            started = time.perf_counter()
            pdf = converter.convert(docx, Path(docx).with_suffix(".pdf"))
            seconds = time.perf_counter() - started
        from pypdf import PdfReader

        pages = len(PdfReader(pdf).pages)
        print(f"PDF: {seconds:.1f} s, {pages} pages ({args.rows / seconds:.0f} rows/s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
