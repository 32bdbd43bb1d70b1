"""Load test of the web application: simulated clerks issuing letters through the pages.

    .venv/bin/python bench/bench_web.py [--clerks 20] [--duration 60] [--workers 1]
    .venv/bin/python bench/bench_web.py --postgres --workers 2     # a throw-away PostgreSQL cluster
    .venv/bin/python bench/bench_web.py --database postgresql://… --workers 4

It makes a workspace of the tambon example office with one user per clerk, starts
``saraban serve --workers N`` on a free port of localhost, and lets each clerk (a thread with its
own HTTP client and session) sign in and then, until the time is up, go round: the start page,
the new-letter form of the generic letter, the form posted as a draft without PDF (the "no PDF"
box), the case page, the issue button without PDF, the case page again (its number read), and
every third round the register and the cases pages. ``--think S`` pauses up to 2·S seconds
(uniformly) between steps; the default 0 is a stress test, every clerk clicking at once.

Afterwards it reads the register: the numbers of each series and year must run 1…n with no
duplicate and no gap, there must be one entry for each letter a clerk saw issued, with its
number. It prints the p50/p95/max of page loads (every GET), of drafting (the form's POST) and
of issuing (the issue button's POST), and the letters per second. The exit status is 1 if the
register is wrong or a request failed. ``--json FILE`` writes the figures (tests/test_web_load.py
runs it briefly). Not a timed test: nothing here asserts a duration.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import random
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from collections.abc import Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "load-test-password"
LETTER = {
    "to": "ผู้ว่าราชการจังหวัดนครราชสีมา",
    "body": "ด้วยองค์การบริหารส่วนตำบลทุ่งสว่างใหม่ขอส่งรายงานการทดสอบระบบ\n\nจึงเรียนมาเพื่อโปรดทราบ",
    "closing": "จึงเรียนมาเพื่อโปรดทราบ",
    "signer": "nayok",
}
CSRF = re.compile(r'name="csrf" value="([^"]+)"')
NUMBER = re.compile(r'id="number">([^<]+)<')


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_office(folder: Path, clerks: int, server_env: dict[str, str] | None = None) -> Path:
    """A tambon workspace with users clerk01…clerkNN; with ``server_env`` (naming a PostgreSQL
    register) the server's schema is made first (``saraban db upgrade``)."""
    from engine.web import accounts
    from engine.workspace import Workspace

    root = folder / "ws"
    root.mkdir()
    shutil.copy(ROOT / "examples" / "tambon" / "office.yaml", root / "office.yaml")
    if server_env is not None:
        subprocess.run([sys.executable, "-m", "engine.cli", "--workspace", str(root), "db",
                        "upgrade"], env=server_env, check=True, capture_output=True)  # fmt: skip
    ws = Workspace(root)
    for i in range(1, clerks + 1):
        accounts.add_user(ws, f"clerk{i:02}", "clerk", PASSWORD)
    return root


@contextlib.contextmanager
def server(root: Path, workers: int, env: dict[str, str]) -> Iterator[tuple[str, int]]:
    """``saraban serve --workers N`` on a free port until the block ends: its URL and pid."""
    import httpx

    port = _free_port()
    argv = [sys.executable, "-m", "engine.cli", "--workspace", str(root), "serve",
            "--port", str(port), "--workers", str(workers)]  # fmt: skip
    log = (root.parent / "serve.log").open("w+b")
    proc = subprocess.Popen(argv, env=env, stdout=log, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/signin", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise SystemExit(f"saraban serve did not start: {log.read().decode()}")
            time.sleep(0.2)
        if workers > 1:  # every worker up, not only the first to answer
            time.sleep(2)
        yield url, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.seek(0)
        output = log.read().decode(errors="replace")
        log.close()
        if "Traceback" in output:  # an error of the server: shown for the figures' sake
            print(output[-6000:], file=sys.stderr)


class Clerk(threading.Thread):
    """One simulated clerk: sign in, then draft and issue letters until ``deadline``."""

    def __init__(self, url: str, name: str, deadline: float, think: float, seed: int) -> None:
        super().__init__(name=name, daemon=True)
        self.url, self.user, self.deadline, self.think = url, name, deadline, think
        self.random = random.Random(seed)
        self.times: dict[str, list[float]] = defaultdict(list)
        self.issued: dict[str, str] = {}  # subject -> number
        self.errors: list[str] = []

    def _timed(self, kind: str, method: str, path: str, **kw: Any) -> Any:
        t0 = time.perf_counter()
        response = self.client.request(method, path, **kw)
        self.times[kind].append(time.perf_counter() - t0)
        return response

    def page(self, path: str) -> str:
        response = self._timed("page", "GET", path)
        if response.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {response.status_code}")
        return str(response.text)

    def post(self, kind: str, path: str, data: dict[str, str]) -> str:
        response = self._timed(kind, "POST", path, data=data)
        if response.status_code != 303:
            text = re.sub(r"<[^>]+>|\s+", " ", response.text)[-300:]
            raise RuntimeError(f"POST {path}: HTTP {response.status_code} {text}")
        return str(response.headers["location"])

    def pause(self) -> None:
        if self.think:
            time.sleep(self.random.uniform(0, 2 * self.think))

    def run(self) -> None:
        import httpx

        with httpx.Client(base_url=self.url, timeout=300) as self.client:
            try:
                self._run()
            except Exception as exc:  # reported with the figures
                self.errors.append(f"{self.user}: {exc}")

    def _run(self) -> None:
        csrf = CSRF.findall(self.page("/signin"))[0]
        self.post("signin", "/signin",
                  {"csrf": csrf, "name": self.user, "password": PASSWORD, "next": "/"})  # fmt: skip
        rounds = 0
        while time.monotonic() < self.deadline:
            rounds += 1
            self.page("/")
            self.pause()
            csrf = CSRF.findall(self.page("/new/letter"))[0]
            self.pause()
            subject = f"ทดสอบการออกเลข {self.user} ครั้งที่ {rounds}"
            case = self.post("draft", "/new/letter",
                             {**LETTER, "subject": subject, "csrf": csrf, "nopdf": "1"})  # fmt: skip
            self.page(case)
            self.pause()
            self.post("issue", f"{case}/events/issue", {"csrf": csrf, "nopdf": "1"})
            page = self.page(case)
            numbers = NUMBER.findall(page)
            if len(numbers) != 1:
                flash = re.findall(r'class="message[^"]*"[^>]*>([^<]+)<', page)
                raise RuntimeError(f"{case}: {len(numbers)} numbers shown after issuing {flash}")
            self.issued[subject] = numbers[0].strip()
            if rounds % 3 == 0:
                self.page("/register")
                self.page("/cases")
            self.pause()


def percentiles(values: list[float]) -> dict[str, float]:
    if not values:
        return {"count": 0, "p50": 0.0, "p95": 0.0, "max": 0.0}
    ordered = sorted(values)

    def at(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return {"count": len(ordered), "p50": at(0.50), "p95": at(0.95), "max": ordered[-1]}


def check_register(root: Path, issued: dict[str, str]) -> list[str]:
    """What is wrong with the register after the run: duplicates, gaps, letters missing."""
    from engine import api
    from engine.workspace import Workspace

    problems = []
    entries = api.register_list(Workspace(root))
    groups: dict[tuple[str, int], list[int]] = defaultdict(list)
    for e in entries:
        groups[(e.series, e.year)].append(e.number)
    for (series, year), numbers in groups.items():
        if sorted(numbers) != list(range(1, len(numbers) + 1)):
            dups = sorted({n for n in numbers if numbers.count(n) > 1})
            gaps = sorted(set(range(1, max(numbers) + 1)) - set(numbers))
            problems.append(f"{series} {year}: duplicates {dups[:10]}, gaps {gaps[:10]}")
    by_subject = {e.subject: e for e in entries}
    if len(by_subject) != len(entries):
        problems.append("two entries with one subject")
    for subject, number in issued.items():
        entry = by_subject.get(subject)
        if entry is None:
            problems.append(f"not in the register: {subject}")
        elif entry.number_text != number:
            problems.append(f"{subject}: shown {number}, registered {entry.number_text}")
    if len(entries) != len(issued):
        problems.append(f"{len(entries)} entries for {len(issued)} letters issued")
    return problems


def run(args: argparse.Namespace) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    env.pop("SARABAN_WORKSPACE", None)
    with contextlib.ExitStack() as stack:
        folder = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="saraban-load-")))
        database = args.database or ""
        if args.postgres:
            from tests.pgcluster import SETUP_HINT, Cluster, find_bin

            bindir = find_bin()
            if bindir is None:
                raise SystemExit(SETUP_HINT)
            cluster = Cluster(bindir)
            stack.callback(cluster.remove)
            cluster.start()
            database = cluster.create("load")
        if database:
            env["SARABAN_DATABASE_URL"] = os.environ["SARABAN_DATABASE_URL"] = database
        if args.workspace:
            folder = args.workspace
            folder.mkdir(parents=True, exist_ok=True)
        root = make_office(folder, args.clerks, env if database else None)
        with server(root, args.workers, env) as (url, _pid):
            t0 = time.monotonic()
            deadline = t0 + args.duration
            clerks = [
                Clerk(url, f"clerk{i:02}", deadline, args.think, seed=i)
                for i in range(1, args.clerks + 1)
            ]
            for c in clerks:
                c.start()
            for c in clerks:
                c.join()
            elapsed = time.monotonic() - t0
        issued = {s: n for c in clerks for s, n in c.issued.items()}
        problems = check_register(root, issued)
        times: dict[str, list[float]] = defaultdict(list)
        for c in clerks:
            for kind, values in c.times.items():
                times[kind].extend(values)
        return {
            "clerks": args.clerks,
            "workers": args.workers,
            "database": "postgresql" if database else "sqlite",
            "duration": args.duration,
            "think": args.think,
            "elapsed": elapsed,
            "letters": len(issued),
            "letters_per_s": len(issued) / elapsed,
            "times": {k: percentiles(v) for k, v in sorted(times.items())},
            "errors": [e for c in clerks for e in c.errors],
            "problems": problems,
        }


def report(result: dict[str, Any]) -> None:
    print(f"{result['clerks']} clerks, {result['workers']} worker(s), {result['database']}, "
          f"{result['elapsed']:.0f} s, think {result['think']} s: {result['letters']} letters "
          f"issued, {result['letters_per_s']:.1f}/s")  # fmt: skip
    print(f"  {'':8} {'count':>6} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8}")
    for kind, p in result["times"].items():
        print(f"  {kind:8} {p['count']:>6} {p['p50'] * 1000:>8.0f} {p['p95'] * 1000:>8.0f} "
              f"{p['max'] * 1000:>8.0f}")  # fmt: skip
    for error in result["errors"]:
        print(f"  error: {error}")
    print("  register: " + ("; ".join(result["problems"]) or "no duplicate, no gap, all found"))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--clerks", type=int, default=20)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds (default 60)")
    parser.add_argument("--workers", type=int, default=1, help="saraban serve --workers")
    parser.add_argument("--think", type=float, default=0.0, help="mean pause between steps (s)")
    parser.add_argument("--postgres", action="store_true", help="a throw-away PostgreSQL cluster")
    parser.add_argument("--database", help="a PostgreSQL URL (its schema must be empty)")
    parser.add_argument("--json", type=Path, help="write the figures to this file")
    parser.add_argument("--workspace", type=Path, help="make (and keep) the workspace in DIR/ws")
    args = parser.parse_args(argv)
    result = run(args)
    report(result)
    if args.json:
        args.json.write_text(json.dumps(result, indent=1, ensure_ascii=False), encoding="utf-8")
    return 1 if result["errors"] or result["problems"] else 0


if __name__ == "__main__":
    sys.exit(main())
