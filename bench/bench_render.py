"""Benchmark: rendering letters through the engine vs a plain docxtpl loop, in the same run.

    .venv/bin/python bench/bench_render.py [--letters 1000] [--naive-letters 1000] [--workers 2]
        [--runs 15] [--baseline TREE] [--startup-only]

Prints letters/s for both and the ratio (machines are noisy: the ratio is what holds), and,
side by side, the wall time of one `saraban new letter --data … --issue` process and of a bare
docxtpl script rendering the same template in a process of its own (medians, runs alternated);
`--baseline TREE` adds the same command from another source tree (before/after in one run); the
same command through the launcher with a warm server the bench starts (and stops) is timed too.
Not a test: nothing here asserts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import multiprocessing as mp
import os
import resource
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


BARE_SCRIPT = r'''
"""A bare docxtpl script: render one letter from a JSON context and save the DOCX."""
import json
import re
import sys

import jinja2
from docxtpl import DocxTemplate

NUMBERED = re.compile(r"\s*\(?[0-9๐-๙]+(?:\.[0-9๐-๙]+)*[.)]?(?:\s|$)")


def first_item(body):
    return next((i for i, p in enumerate(body) if i and NUMBERED.match(p)), len(body))


template, context, out = sys.argv[1:4]
env = jinja2.Environment(autoescape=True)
env.filters["parts"] = lambda body: body[: first_item(body)]
env.filters["items"] = lambda body: body[first_item(body) :]
with open(context, encoding="utf-8") as f:
    ctx = json.load(f)
doc = DocxTemplate(template)
doc.render(ctx, jinja_env=env)
doc.save(out)
'''
"""The yardstick for start-up: the same template rendered by docxtpl in a process of its own."""


def _process_env() -> dict[str, str]:
    """The environment of the timed processes: as a user's shell has it. Bytecode is written
    and read as after an ordinary install (pip compiles it); a harness's
    PYTHONDONTWRITEBYTECODE would make every run compile the package from source."""
    env = dict(os.environ)
    env.pop("PYTHONDONTWRITEBYTECODE", None)
    return env


def _median_ms(times: list[float]) -> str:
    return f"{1000 * statistics.median(times):6.1f} ms"


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


Times = dict[str, list[float]]


def end_to_end(runs: int = 15, baseline: Path | None = None) -> tuple[Times, Times]:
    """Wall times of one-letter processes, alternated run by run so that every contender sees
    the same load: ``saraban new letter --data … --issue`` (``python -m engine.cli`` from this
    tree; a new case each run, the template cache warm), the bare docxtpl script, and with
    ``baseline`` the same command from another source tree (an older commit, on ``PYTHONPATH``).
    Every process runs in a scratch folder (``-m`` puts the current folder first on the path).
    One untimed run of each first. Returns wall times and CPU times (user + system: what a
    loaded machine changes least)."""
    times: Times = {"saraban": [], "docxtpl": []}
    if baseline is not None:
        times["baseline"] = []
    cpu: Times = {name: [] for name in times}
    env = _process_env()
    with tempfile.TemporaryDirectory() as tmp:
        tmp_path = Path(tmp)
        commands: dict[str, tuple[list[str], dict[str, str]]] = {}
        for name, tree in (("saraban", ROOT), ("baseline", baseline)):
            if name not in times:
                continue
            ws = tmp_path / f"ws-{name}"
            ws.mkdir()
            shutil.copy(WORKSPACE / "office.yaml", ws / "office.yaml")
            commands[name] = (
                [
                    sys.executable,
                    "-m",
                    "engine.cli",
                    "--workspace",
                    str(ws),
                    "new",
                    "letter",
                    "--data",
                    str(DATA),
                    "--issue",
                ],
                {**env, "PYTHONPATH": str(tree)},
            )
        context = tmp_path / "context.json"
        context.write_text(json.dumps(base_context(), ensure_ascii=False), encoding="utf-8")
        script = tmp_path / "bare_docxtpl.py"
        script.write_text(BARE_SCRIPT, encoding="utf-8")
        bare_env = {k: v for k, v in env.items() if k != "PYTHONPATH"}
        commands["docxtpl"] = (
            [sys.executable, str(script), str(TEMPLATE), str(context), str(tmp_path / "bare.docx")],
            bare_env,
        )
        # the warm path: the launcher (the console script's entry point) and a warm server of
        # the bench's own, in a socket folder of its own (docs/warm.md)
        warm_ws = tmp_path / "ws-warm"
        warm_ws.mkdir()
        shutil.copy(WORKSPACE / "office.yaml", warm_ws / "office.yaml")
        warm_env = {**env, "PYTHONPATH": str(ROOT), "SARABAN_WARM_DIR": str(tmp_path / "run")}
        launcher = [sys.executable, "-m", "engine.launch"]
        subprocess.run([*launcher, "warm", "start"], check=True, env=warm_env, cwd=tmp,
                       capture_output=True)  # fmt: skip
        times["warm"], cpu["warm"] = [], []
        commands["warm"] = (
            [*launcher, "--workspace", str(warm_ws), *commands["saraban"][0][5:]],
            warm_env,
        )
        for cmd, run_env in commands.values():  # warm-up: bytecode, template cache
            subprocess.run(cmd, check=True, capture_output=True, env=run_env, cwd=tmp)
        for _ in range(runs):
            for name, (cmd, run_env) in commands.items():
                c0 = _children_cpu()
                t0 = time.perf_counter()
                subprocess.run(cmd, check=True, capture_output=True, env=run_env, cwd=tmp)
                times[name].append(time.perf_counter() - t0)
                cpu[name].append(_children_cpu() - c0)
        status = subprocess.run([*launcher, "warm", "status"], env=warm_env, cwd=tmp,
                                capture_output=True, text=True)  # fmt: skip
        subprocess.run([*launcher, "warm", "stop"], env=warm_env, cwd=tmp, capture_output=True)
        served = status.stdout.split()[3] if status.returncode == 0 else "0"
        assert int(served) >= runs, "the warm runs ran in the warm server"
    return times, cpu


def print_startup(times: Times, cpu: Times) -> None:
    runs = len(times["saraban"])
    print(f"one letter, one process (median of {runs}, runs alternated):   wall       cpu")
    labels = {
        "saraban": "saraban new letter --data … --issue",
        "docxtpl": "bare docxtpl script, same template",
        "baseline": "baseline tree, same command",
        "warm": "the same, warm server (launcher)",
    }
    for name, label in labels.items():
        if name in times:
            print(f"  {label:<36}: {_median_ms(times[name])} {_median_ms(cpu[name])}")
    mine, bare = statistics.median(times["saraban"]), statistics.median(times["docxtpl"])
    verdict = "faster" if mine < bare else "slower"
    print(f"  saraban / docxtpl script (wall): {mine / bare:.2f} ({verdict} than the bare script)")
    if "warm" in times:
        warm = statistics.median(times["warm"])
        verdict = "faster" if warm < bare else "slower"
        print(
            f"  warm / docxtpl script (wall)   : {warm / bare:.2f} ({verdict} than the bare script)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=1000)
    parser.add_argument("--naive-letters", type=int, default=1000)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--runs", type=int, default=15, help="one-letter processes of each kind")
    parser.add_argument(
        "--baseline", type=Path, help="another source tree (e.g. `git archive` of an older commit)"
    )
    parser.add_argument(
        "--startup-only", action="store_true", help="only the one-letter process figures"
    )
    args = parser.parse_args()
    if not args.startup_only:
        throughput(args)
    print_startup(*end_to_end(args.runs, args.baseline))


def throughput(args: argparse.Namespace) -> None:
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


if __name__ == "__main__":
    main()
