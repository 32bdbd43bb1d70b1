"""Benchmark: the register on PostgreSQL against SQLite: issuing by concurrent clerks, regenerating.

    .venv/bin/python bench/bench_database.py [--letters 400] [--clerks 1 4 16] [--offices]
                                             [--regen-letters 2000] [--cli] [--quick]

A clerk is a process of its own that issues letters in a loop through the Python API
(``api.new(ws, "letter", data_file=…, issue=True)``, as `saraban serve` or a script would; with
``--cli``, one ``saraban new letter --data … --issue`` process per letter instead). Each clerk
starts, issues one warm-up letter (not timed), then waits; all are released at once, and the
rate is the letters issued after the release over the time until the last clerk finished.

- SQLite: the clerks share one workspace (the only way they share a register: one machine).
- PostgreSQL: each clerk has a workspace of its own (a machine each, as in an office), all on one
  server: a throw-away cluster started by this script (tests/pgcluster.py), on a Unix socket,
  with ``fsync`` on as in production (the tests' cluster runs without it), each run in a fresh
  schema (``?schema=``). The server runs on this same machine, sharing its cores with the clerks;
  its CPU time per letter is printed.

``--offices`` adds, for each number of clerks above one, runs where each clerk is of an office
of its own (a SQLite workspace each; a schema each on the one server): no counter is shared, so
nothing waits for a lock; it is what one server carries for many offices.

Every run starts from an empty register and is checked: per series and year, the numbers are
distinct and contiguous from 1 and every issued letter's file exists (printed).

Then, on each database, N letters citing a named reference are issued (two clerks in one
workspace), the reference is edited, and `saraban regenerate` (its own process) re-renders all
of them, as bench/bench_regenerate.py does. Not a test: nothing here asserts
(tests/test_bench_database.py runs it at a tiny size and reads its output).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))
sys.path.insert(0, str(ROOT / "bench"))

from bench_regenerate import DATA, REF  # noqa: E402
from pgcluster import SETUP_HINT, Cluster, find_bin  # noqa: E402

DATE = "2025-04-01"
TICK = os.sysconf("SC_CLK_TCK")


# --- a clerk (a process of its own) --------------------------------------------------------------
def clerk(ws: Path, n: int, cli: bool) -> None:
    """Issue one warm-up letter, say "ready", wait for "go" on stdin, issue ``n`` letters, print
    {t0, t1, cpu} as JSON (cpu: this process's and its children's CPU seconds in the loop)."""
    from engine import api
    from engine.workspace import Workspace

    w = Workspace(ws)

    def issue(i: int) -> None:
        to = f"to=นายกองค์การบริหารส่วนตำบลที่ {os.getpid()}-{i}"
        if not cli:
            api.new(w, "letter", data_file=ws / "letter.yaml", sets=[to], date=DATE, issue=True)
            return
        subprocess.run(
            [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "--quiet", "new", "letter",
             "--data", "letter.yaml", "--set", to, "--date", DATE, "--issue"],
            cwd=ws, check=True, stdout=subprocess.DEVNULL,
        )  # fmt: skip

    issue(0)
    print("ready", flush=True)
    sys.stdin.readline()
    t0, c0 = time.time(), _cpu()
    for i in range(1, n + 1):
        issue(i)
    print(json.dumps({"t0": t0, "t1": time.time(), "cpu": _cpu() - c0}), flush=True)


def _cpu() -> float:
    own = resource.getrusage(resource.RUSAGE_SELF)
    children = resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def run_clerks(workspaces: Sequence[Path], total: int, cli: bool) -> tuple[float, float]:
    """Start one clerk per workspace given (a workspace may repeat), release them at once:
    (seconds from the release to the last letter, the clerks' CPU seconds)."""
    k = len(workspaces)
    counts = [total // k + (1 if i < total % k else 0) for i in range(k)]
    procs = [
        subprocess.Popen(
            [sys.executable, __file__, "--clerk", str(ws), str(n), *(["--cli"] if cli else [])],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
            cwd=ws,
        )  # fmt: skip
        for ws, n in zip(workspaces, counts, strict=True)
    ]
    for p in procs:
        assert p.stdout is not None
        if p.stdout.readline().strip() != "ready":
            raise SystemExit(f"a clerk failed to start (exit {p.wait()})")
    go = time.time()
    for p in procs:
        assert p.stdin is not None
        p.stdin.write("go\n")
        p.stdin.flush()
    results = []
    for p in procs:
        out, _ = p.communicate()
        if p.returncode != 0:
            raise SystemExit(f"a clerk failed (exit {p.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return max(r["t1"] for r in results) - go, sum(r["cpu"] for r in results)


# --- workspaces, checks, the server's CPU --------------------------------------------------------
def workspace(path: Path, url: str | None) -> Path:
    """An office (Pak Thong Chai district) whose letter cites a named reference; on ``url``."""
    path.mkdir(parents=True)
    text = (ROOT / "examples" / "pakthongchai" / "office.yaml").read_text(encoding="utf-8")
    if url is not None:
        text += f"\ndatabase: {url}\n"
    (path / "office.yaml").write_text(text, encoding="utf-8")
    (path / "references.yaml").write_text(f"dla-elaas-guideline: {REF}\n", encoding="utf-8")
    (path / "letter.yaml").write_text(DATA, encoding="utf-8")
    return path


def upgrade(ws: Path) -> None:
    from engine import database
    from engine.workspace import Workspace

    database.upgrade(Workspace(ws))


def check_numbers(workspaces: Sequence[Path]) -> list[str]:
    """Per series and year: how many numbers, how many distinct, whether they run from 1 without
    a gap, whether each issued letter's file is on one of the workspaces."""
    from engine import api
    from engine.workspace import Workspace

    by_series: dict[tuple[str, int], list[int]] = {}
    missing = 0
    for entry in api.register_list(Workspace(workspaces[0])):
        by_series.setdefault((entry.series, entry.year), []).append(entry.number)
        if entry.status == "issued" and not any(
            (ws / (entry.path or "")).is_file() for ws in workspaces
        ):
            missing += 1
    lines = []
    for (series, year), got in sorted(by_series.items()):
        distinct = len(set(got))
        whole = sorted(got) == list(range(1, len(got) + 1))
        run = f"contiguous 1-{len(got)}" if whole else "NOT contiguous"
        files = "each with its file" if not missing else f"{missing} file(s) MISSING"
        lines.append(
            f"numbers {series} {year}: {len(got)} issued, {distinct} distinct, {run}, {files}"
        )
    return lines


def server_cpu(cluster: Cluster | None) -> float:
    """CPU seconds used so far by the server: the postmaster, its reaped children and the live
    ones (backends, checkpointer, WAL writer …)."""
    if cluster is None:
        return 0.0
    pid = int((cluster.data / "postmaster.pid").read_text().split()[0])
    total = 0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        me, parent = int(stat.parent.name), int(fields[1])
        if me == pid:
            total += sum(int(f) for f in fields[11:15])  # utime stime cutime cstime
        elif parent == pid:
            total += int(fields[11]) + int(fields[12])
    return total / TICK


# --- the two parts -------------------------------------------------------------------------------
def bench_issue(
    tmp: Path, cluster: Cluster | None, url: str | None, clerks: int, offices: bool, args
) -> dict:
    """``clerks`` clerks of one office (one register), or each of an office of its own
    (``offices``: a register, or a schema, each; no counter shared)."""
    name = f"{'pg' if cluster else 'sqlite'}-{clerks}{'-offices' if offices else ''}"
    if url is None and not offices:
        workspaces = [workspace(tmp / name, None)] * clerks
    elif url is None:
        workspaces = [workspace(tmp / f"{name}-{i}", None) for i in range(clerks)]
    else:
        schemas = [f"clerks{clerks}_{f'office{i}' if offices else 'shared'}" for i in range(clerks)]
        workspaces = [
            workspace(tmp / f"{name}-{i}", f"{url}&schema={schema}")
            for i, schema in enumerate(schemas)
        ]
        for ws in workspaces if offices else workspaces[:1]:
            upgrade(ws)
    before = server_cpu(cluster)
    seconds, cpu = run_clerks(workspaces, args.letters, args.cli)
    time.sleep(0.5)  # the backends of the clerks that left are reaped
    if offices:
        checks = [check_numbers([ws]) for ws in workspaces]
        whole = all("contiguous 1-" in c and c.endswith("with its file") for x in checks for c in x)
        lines = checks[0] + [f"(office 1 of {clerks}; the others' checks: all distinct, contiguous, "
                             "each with its file)" if whole else "OTHER OFFICES:"]  # fmt: skip
        if not whole:
            lines += [c for x in checks[1:] for c in x]
    else:
        lines = check_numbers(sorted(set(workspaces)))
    return {
        "rate": args.letters / seconds,
        "seconds": seconds,
        "client_ms": cpu / args.letters * 1000,
        "server_ms": (server_cpu(cluster) - before) / args.letters * 1000,
        "checks": lines,
    }


def bench_regenerate(tmp: Path, url: str | None, n: int, cli: bool) -> dict:
    ws = workspace(tmp / ("pg-regen" if url else "sqlite-regen"), url and f"{url}&schema=regen")
    if url:
        upgrade(ws)
    seconds, _cpu_s = run_clerks([ws, ws], n - 2, cli)  # + the two warm-up letters: n
    (ws / "references.yaml").write_text(
        f"dla-elaas-guideline: {REF.replace('25 มีนาคม', '26 มีนาคม')}\n", encoding="utf-8"
    )
    t0 = time.perf_counter()
    out = subprocess.run(
        [sys.executable, "-m", "engine.cli", "--workspace", str(ws), "--quiet", "regenerate", "--json"],
        cwd=ws, check=True, capture_output=True, text=True,
    )  # fmt: skip
    wall = time.perf_counter() - t0
    report = json.loads(out.stdout)
    done = len(report["regenerated"])
    return {
        "issued": n,
        "issue_rate": (n - 2) / seconds,
        "done": done,
        "seconds": report["seconds"],
        "wall": wall,
        "rate": done / report["seconds"],
        "checks": check_numbers([ws]),
        "sizes": sizes(ws, url and f"{url}&schema=regen", n),
    }


def sizes(ws: Path, url: str | None, n: int) -> str:
    """What the register and the documents take: bytes a letter (the documents are the DOCX files
    in letters/; the register's database without them)."""
    docx = [p.stat().st_size for p in ws.glob("letters/*/*.docx")]
    average = f"DOCX {sum(docx) / len(docx) / 1024:.1f} KiB a letter" if docx else "no DOCX"
    if url is None:
        db = sum(p.stat().st_size for p in ws.glob("letters/register.db*"))
        return f"register.db {db / 1024:.0f} KiB = {db / n / 1024:.2f} KiB a letter; {average}"
    import psycopg

    base, schema = url.rsplit("&schema=", 1)
    query = (
        "SELECT count(*), sum(CASE WHEN c.relkind = 'r' THEN pg_total_relation_size(c.oid) END) "
        "FROM pg_class c JOIN pg_namespace s ON s.oid = c.relnamespace WHERE s.nspname = %s"
    )
    upgrade(workspace(ws.parent / "pg-empty", f"{base}&schema=empty"))
    with psycopg.connect(base) as conn:
        relations, total = conn.execute(query, (schema,)).fetchone() or (0, 0)
        _, empty = conn.execute(query, ("empty",)).fetchone() or (0, 0)
    return (
        f"schema {schema}: {relations} relations (tables, indexes, sequences), {total / 1024:.0f} "
        f"KiB (empty: {empty / 1024:.0f} KiB) = {(total - empty) / n / 1024:.2f} KiB a letter; "
        f"{average}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--letters", type=int, default=400, help="letters timed per run (400)")
    parser.add_argument("--clerks", type=int, nargs="+", default=[1, 4, 16])
    parser.add_argument("--regen-letters", type=int, default=2000, help="0: no regeneration")
    parser.add_argument(
        "--offices", action="store_true", help="also: each clerk of an office of its own"
    )
    parser.add_argument("--cli", action="store_true", help="a saraban process per letter")
    parser.add_argument("--quick", action="store_true", help="--letters 80 --regen-letters 300")
    parser.add_argument("--clerk", nargs=2, metavar=("WS", "N"), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.clerk:
        clerk(Path(args.clerk[0]), int(args.clerk[1]), args.cli)
        return
    if args.quick:
        args.letters, args.regen_letters = 80, 300
    # the clerks and the commands import this tree's engine, wherever they run, with bytecode
    # written and read as after an install (a harness's PYTHONDONTWRITEBYTECODE would make each
    # command compile the package from source, as docs/performance.md says)
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPATH"] = os.pathsep.join(
        filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])
    )
    bindir = find_bin()
    if bindir is None or not (bindir / "initdb").exists():
        raise SystemExit(SETUP_HINT)
    load = os.getloadavg()[0]
    how = "a saraban process per letter" if args.cli else "api.new(…, issue=True) in a loop"
    print(f"machine: {os.cpu_count()} CPUs, load average {load:.2f} at the start")
    print(f"a clerk: a process, {how}; one warm-up letter each, not timed")
    print("SQLite: the clerks share one workspace; PostgreSQL: a workspace each, one server "
          "(fsync on) on this machine, a schema per run")  # fmt: skip
    with tempfile.TemporaryDirectory(prefix="saraban-bench-") as tmp_name:
        tmp = Path(tmp_name)
        cluster = Cluster(bindir)
        try:
            cluster.start("-c fsync=on -c shared_buffers=128MB")
            url = cluster.create("bench")
            runs = [(k, False) for k in args.clerks]
            runs += [(k, True) for k in args.clerks if args.offices and k > 1]
            for k, offices in runs:
                lite = bench_issue(tmp, None, None, k, offices, args)
                pg = bench_issue(tmp, cluster, url, k, offices, args)
                whose = "each of an office of its own" if offices else "of one office"
                print(f"issue, {k} clerk(s) {whose}, {args.letters} letters:")
                for name, r in (("SQLite", lite), ("PostgreSQL", pg)):
                    server = f", server CPU {r['server_ms']:.1f} ms" if r is pg else ""
                    print(
                        f"  {name:<10}: {r['rate']:7.1f} letters/s  ({r['seconds']:.2f} s; "
                        f"client CPU {r['client_ms']:.1f} ms{server} per letter)"
                    )
                    for line in r["checks"]:
                        print(f"    {line}")
                print(f"  ratio PostgreSQL/SQLite: {pg['rate'] / lite['rate']:.2f}x")
            if args.regen_letters:
                n = max(args.regen_letters, 3)
                print(f"regenerate {n} letters after their named reference changed "
                      "(saraban regenerate, own process):")  # fmt: skip
                lite = bench_regenerate(tmp, None, n, args.cli)
                pg = bench_regenerate(tmp, url, n, args.cli)
                for name, r in (("SQLite", lite), ("PostgreSQL", pg)):
                    print(
                        f"  {name:<10}: {r['issued']} issued by 2 clerks at {r['issue_rate']:.1f} "
                        f"letters/s; {r['done']} regenerated in {r['seconds']:.2f} s = "
                        f"{r['rate']:.0f} letters/s (command {r['wall']:.2f} s)"
                    )
                    for line in r["checks"]:
                        print(f"    {line}")
                    print(f"    size: {r['sizes']}")
                print(f"  ratio PostgreSQL/SQLite: {pg['rate'] / lite['rate']:.2f}x")
        finally:
            cluster.remove()
    print(f"load average {os.getloadavg()[0]:.2f} at the end")


if __name__ == "__main__":
    main()
