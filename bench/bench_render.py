"""Benchmark: rendering letters through the engine vs a plain docxtpl loop, in the same run.

    .venv/bin/python bench/bench_render.py [--letters 1000] [--naive-letters 1000] [--workers 2]

Prints letters/s for both and the ratio (machines are noisy: the ratio is what holds), and the
end-to-end time of one `saraban new letter --data … --issue` (median of several runs).
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import multiprocessing as mp
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from engine.letter import letter_from_data  # noqa: E402
from engine.office import load_office  # noqa: E402
from engine.render import CompiledTemplate, make_environment, write_atomic  # noqa: E402
from engine.workspace import BUILTIN_TEMPLATES, PLACEHOLDER_EMBLEM  # noqa: E402
from engine.yamlio import load_yaml  # noqa: E402

TEMPLATE = BUILTIN_TEMPLATES / "external-letter.docx"
WORKSPACE = ROOT / "examples" / "dla"
DATA = WORKSPACE / "reference-003.yaml"  # a real two-page circular


def base_context() -> dict:
    office = load_office(WORKSPACE)
    letter = letter_from_data(load_yaml(DATA), office, WORKSPACE)
    letter.date = dt.date(2025, 3, 25)
    letter.number = 1
    return letter.context()


def context_for(base: dict, i: int) -> dict:
    ctx = dict(base)
    ctx["number"] = f"มท 0808.4/ว {i:04d}"
    ctx["subject"] = f"{base['subject']} ฉบับที่ {i}"
    return ctx


_worker: dict = {}


def _init_worker() -> None:
    _worker["tpl"] = CompiledTemplate(TEMPLATE, emblem=PLACEHOLDER_EMBLEM)
    _worker["base"] = base_context()


def _render_range(args: tuple[int, int, str]) -> int:
    start, stop, out_dir = args
    tpl, base = _worker["tpl"], _worker["base"]
    for i in range(start, stop):
        write_atomic(Path(out_dir) / f"{i:05d}.docx", tpl.render_bytes(context_for(base, i)))
    return stop - start


def engine_run(n: int, workers: int, out_dir: Path) -> float:
    chunks = [(s, min(s + 50, n), str(out_dir)) for s in range(0, n, 50)]
    ctx = mp.get_context("fork")
    with ctx.Pool(workers, initializer=_init_worker) as pool:
        pool.map(_render_range, chunks[:workers])  # warm-up: every worker compiled
        t0 = time.perf_counter()
        done = sum(pool.map(_render_range, chunks))
        elapsed = time.perf_counter() - t0
    assert done == n
    return elapsed


def engine_single(n: int, out_dir: Path) -> float:
    _init_worker()
    t0 = time.perf_counter()
    _render_range((0, n, str(out_dir)))
    return time.perf_counter() - t0


def naive_run(n: int, out_dir: Path) -> float:
    """The plain way: a new DocxTemplate per letter (docxtpl re-parses and recompiles)."""
    from docxtpl import DocxTemplate

    base = base_context()
    env = make_environment()
    t0 = time.perf_counter()
    for i in range(n):
        doc = DocxTemplate(TEMPLATE)
        doc.render(context_for(base, i), jinja_env=env)
        doc.save(out_dir / f"{i:05d}.docx")
    return time.perf_counter() - t0


def end_to_end(runs: int = 5) -> float:
    times = []
    with tempfile.TemporaryDirectory() as tmp:
        ws = Path(tmp)
        shutil.copy(WORKSPACE / "office.yaml", ws / "office.yaml")
        exe = Path(sys.executable).with_name("saraban")
        cmd = [
            str(exe) if exe.exists() else sys.executable,
            *([] if exe.exists() else ["-m", "engine.cli"]),
        ]
        for _ in range(runs):
            t0 = time.perf_counter()
            subprocess.run(
                [*cmd, "--workspace", str(ws), "new", "letter", "--data", str(DATA), "--issue"],
                check=True,
                capture_output=True,
            )
            times.append(time.perf_counter() - t0)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--naive-letters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        a, b, c = Path(tmp, "engine"), Path(tmp, "single"), Path(tmp, "naive")
        for d in (a, b, c):
            d.mkdir()
        t_engine = engine_run(args.letters, args.workers, a)
        t_single = engine_single(args.letters, b)
        t_naive = naive_run(args.naive_letters, c)
        assert (a / "00000.docx").read_bytes() == (b / "00000.docx").read_bytes()
    r_engine = args.letters / t_engine
    r_single = args.letters / t_single
    r_naive = args.naive_letters / t_naive
    e2e = end_to_end()
    print(f"letters: {args.letters} (reference letter 003, two pages), cores: {os.cpu_count()}")
    print(
        f"engine, {args.workers} workers : {r_engine:8.1f} letters/s  ({1000 * t_engine / args.letters:.2f} ms/letter)"
    )
    print(
        f"engine, 1 process  : {r_single:8.1f} letters/s  ({1000 * t_single / args.letters:.2f} ms/letter)"
    )
    print(
        f"docxtpl loop       : {r_naive:8.1f} letters/s  ({1000 * t_naive / args.naive_letters:.2f} ms/letter)"
    )
    print(
        f"ratio engine/docxtpl: {r_engine / r_naive:.1f}x  (1 process: {r_single / r_naive:.1f}x)"
    )
    print(f"saraban new letter --data … --issue, end to end: {e2e:.3f} s (median of 5)")


if __name__ == "__main__":
    main()
