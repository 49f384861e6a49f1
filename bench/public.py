"""Public site benchmark (issue 15): the home page and the location finder (HTML and JSON)
at 50 concurrent clients, beside a static file served by the same server, in one run.

    .venv/bin/python bench/public.py [--clients 50] [--seconds 15] [--workers N]

Sets up the demo clinic in a fresh SQLite database under a temporary directory (``ketaclinic
demo --no-serve``; DATABASE_URL, when set, is used instead), starts ``ketaclinic serve`` (the
production server: gunicorn, sync workers, 2 per core + 1 unless --workers) with the demo's
settings on a free loopback port, warms it up, then loads each target for ``--seconds`` with
``--clients`` connections from Debian's ``wrk`` (a C load generator: its two threads take
little of the processor the server needs; ``scripts/ensure-wrk`` installs it). Each client
sends one request at a time. Prints a Markdown section for docs/PERFORMANCE.md: latency
percentiles, throughput, and both as ratios to the static file's, with the load average.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the path, and its neighbour http.py hides
# the standard library's http package (which urllib needs): take the folder off first.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import os  # noqa: E402
import platform  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import time  # noqa: E402
import urllib.request  # noqa: E402
from dataclasses import dataclass  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
# wrk's report, as one line of numbers: requests, errors (any), seconds, p50/p95/p99 in µs.
REPORT_LUA = """
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format("KC %d %d %f %d %d %d\\n", summary.requests,
    e.connect + e.read + e.write + e.status + e.timeout, summary.duration / 1e6,
    latency:percentile(50), latency:percentile(95), latency:percentile(99)))
end
"""
TARGETS = (
    ("static file (public.css)", "/static/web/public.css"),
    ("home page", "/"),
    ("finder, HTML (ZIP 85301)", "/locations/?near=85301"),
    ("finder, JSON (ZIP 85301)", "/api/public/locations?near=85301"),
)
TARGET_P95_MS = 50.0


@dataclass
class Result:
    name: str
    requests: int
    errors: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float

    @property
    def throughput(self) -> float:
        return self.requests / self.seconds


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _wrk(port: int, name: str, path: str, clients: int, seconds: float, lua: Path) -> Result:
    """Load ``path`` with ``clients`` connections for ``seconds``."""
    answer = subprocess.run(
        [
            "wrk",
            "--threads",
            str(min(2, clients)),
            "--connections",
            str(clients),
            "--duration",
            f"{max(1, round(seconds))}s",
            "--timeout",
            "30s",
            "--script",
            str(lua),
            f"http://127.0.0.1:{port}{path}",
        ],
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    line = next(x for x in answer.splitlines() if x.startswith("KC "))
    requests, errors, duration, p50, p95, p99 = line.split()[1:]
    return Result(
        name,
        int(requests),
        int(errors),
        float(duration),
        int(p50) / 1000,
        int(p95) / 1000,
        int(p99) / 1000,
    )


def _wait_until_up(port: int, timeout_s: float = 600) -> None:
    deadline = time.monotonic() + timeout_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health/live", timeout=2):
                return
        except OSError:
            time.sleep(0.5)
    raise SystemExit("the server did not start")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--seconds", type=float, default=15.0)
    parser.add_argument("--workers", type=int, default=None)
    parser.add_argument(
        "--var-dir", help="a demo directory to use (set up there unless it already holds one)"
    )
    args = parser.parse_args()
    subprocess.run([ROOT / "scripts" / "ensure-wrk"], check=True)
    bin_dir = Path(sys.executable).parent
    with tempfile.TemporaryDirectory(prefix="kc-bench-public-") as scratch:
        var_dir = args.var_dir or scratch
        env = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.demo",
            "KETACLINIC_VAR_DIR": var_dir,
        }
        if not (Path(var_dir) / "demo-logins.txt").exists():
            subprocess.run(
                [bin_dir / "ketaclinic", "demo", "--no-serve"],
                env=env,
                check=True,
                stdout=subprocess.DEVNULL,
            )
        port = _free_port()
        serve = [bin_dir / "ketaclinic", "serve", "--host", "127.0.0.1", "--port", str(port)]
        if args.workers:
            serve += ["--workers", str(args.workers)]
        server = subprocess.Popen(
            serve,
            env=env,
            stdout=(Path(var_dir) / "server.log").open("w"),  # the access log, any error
            stderr=subprocess.STDOUT,
        )
        lua = Path(scratch) / "report.lua"
        lua.write_text(REPORT_LUA)
        try:
            _wait_until_up(port)
            for _, path in TARGETS:  # warm up every worker on every path
                _wrk(port, "warm-up", path, args.clients, 2, lua)
            load_before = os.getloadavg()
            results = [
                _wrk(port, name, path, args.clients, args.seconds, lua) for name, path in TARGETS
            ]
            load_after = os.getloadavg()
        finally:
            server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    _report(results, args, (load_before[0], load_after[0]))
    return 0 if all(r.errors == 0 and r.requests for r in results) else 1


def _report(results: list[Result], args: argparse.Namespace, load: tuple[float, float]) -> None:
    static = results[0]
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    print(f"`.venv/bin/python bench/public.py --clients {args.clients} --seconds {args.seconds:g}`")
    print()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"gunicorn with {workers} sync workers (`ketaclinic serve`), demo clinic on SQLite; "
        f"{args.clients} connections from wrk on the same machine, {args.seconds:g} s per "
        f"target; load average {load[0]:.1f} before the first target, {load[1]:.1f} after the "
        f"last ({time.strftime('%Y-%m-%d %H:%M UTC', time.gmtime())})."
    )
    print()
    print(
        "| target | requests | errors | p50 ms | p95 ms | p99 ms | req/s | "
        "p95 ÷ static | req/s ÷ static |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {r.requests} | {r.errors} | {r.p50_ms:.1f} "
            f"| {r.p95_ms:.1f} | {r.p99_ms:.1f} | {r.throughput:.0f} "
            f"| {r.p95_ms / static.p95_ms:.2f} | {r.throughput / static.throughput:.2f} |"
        )
    print()
    for r in results[1:]:
        verdict = "meets" if r.p95_ms <= TARGET_P95_MS else "misses"
        print(f"- {r.name}: p95 {r.p95_ms:.1f} ms {verdict} the {TARGET_P95_MS:g} ms target")


if __name__ == "__main__":
    sys.exit(main())
