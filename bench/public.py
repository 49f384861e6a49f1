"""Public site benchmark (issue 15): the home page and the location finder (HTML and JSON)
at 50 concurrent clients, beside a static file served by the same server, in one run.

    .venv/bin/python bench/public.py [--clients 50] [--seconds 15] [--workers N]

Sets up the demo clinic in a fresh SQLite database under a temporary directory (``ketaclinic
demo --no-serve``; DATABASE_URL, when set, is used instead), starts ``ketaclinic serve`` (the
production server: gunicorn, sync workers, 2 per core + 1 unless --workers) with the demo's
settings on a free loopback port, warms it up, then runs each target for ``--seconds`` with
``--clients`` clients, each sending one request at a time on a new connection (gunicorn's sync
workers close the connection after each response). The clients are asyncio tasks in this
process, on the same machine as the server: their own CPU time is part of what is measured.
Prints a Markdown section for docs/PERFORMANCE.md: latency percentiles, throughput, and both
as ratios to the static file's.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

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
    latencies_ms: list[float]
    seconds: float
    errors: int

    @property
    def throughput(self) -> float:
        return len(self.latencies_ms) / self.seconds

    def percentile(self, p: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, int(p / 100 * len(ordered)))]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _one(port: int, path: str) -> tuple[float, bool]:
    started = time.perf_counter()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept-Encoding: identity\r\n"
        "Connection: close\r\n\r\n".encode()
    )
    await writer.drain()
    body = await reader.read()
    writer.close()
    elapsed_ms = (time.perf_counter() - started) * 1000
    return elapsed_ms, body.startswith(b"HTTP/1.1 200")


async def _run(port: int, name: str, path: str, clients: int, seconds: float) -> Result:
    latencies: list[float] = []
    errors = 0
    stop_at = time.perf_counter() + seconds

    async def client() -> None:
        nonlocal errors
        while time.perf_counter() < stop_at:
            elapsed, ok = await _one(port, path)
            if ok:
                latencies.append(elapsed)
            else:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(client() for _ in range(clients)))
    return Result(name, latencies, time.perf_counter() - started, errors)


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
            serve, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        try:
            _wait_until_up(port)
            for _, path in TARGETS:  # warm up every worker on every path
                asyncio.run(_run(port, "warm-up", path, args.clients, 2))
            results = [
                asyncio.run(_run(port, name, path, args.clients, args.seconds))
                for name, path in TARGETS
            ]
        finally:
            server.send_signal(signal.SIGINT)  # gunicorn's quick shutdown
            try:
                server.wait(timeout=30)
            except subprocess.TimeoutExpired:
                server.kill()
                server.wait()
    _report(results, args)
    return 0


def _report(results: list[Result], args: argparse.Namespace) -> None:
    static = results[0]
    workers = args.workers or 2 * (os.cpu_count() or 1) + 1
    print(f"`.venv/bin/python bench/public.py --clients {args.clients} --seconds {args.seconds:g}`")
    print()
    print(
        f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}; "
        f"gunicorn with {workers} sync workers (`ketaclinic serve`), demo clinic on SQLite; "
        f"{args.clients} concurrent clients on the same machine, {args.seconds:g} s per target."
    )
    print()
    print(
        "| target | requests | errors | p50 ms | p95 ms | p99 ms | req/s | "
        "p95 ÷ static | req/s ÷ static |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for r in results:
        print(
            f"| {r.name} | {len(r.latencies_ms)} | {r.errors} "
            f"| {statistics.median(r.latencies_ms):.1f} "
            f"| {r.percentile(95):.1f} | {r.percentile(99):.1f} | {r.throughput:.0f} "
            f"| {r.percentile(95) / static.percentile(95):.2f} "
            f"| {r.throughput / static.throughput:.2f} |"
        )
    print()
    for r in results[1:]:
        verdict = "meets" if r.percentile(95) <= TARGET_P95_MS else "misses"
        print(
            f"- {r.name}: p95 {r.percentile(95):.1f} ms {verdict} the {TARGET_P95_MS:g} ms target"
        )


if __name__ == "__main__":
    sys.exit(main())
