"""HTTP benchmark (issue 18): the endpoints people wait on, at 1, 8 and 32 clients, beside the
cheapest API endpoint on the same server, in one run.

    .venv/bin/python bench/http.py [--seconds 3] [--clients 1,8,32] [--database kc_bench_http]

Creates a PostgreSQL database beside ``PG_URL`` (dropping an earlier one of that name), loads the
demo clinic into it, starts ``ketaclinic serve`` with the production settings (preloaded app,
workers sized from the machine; plain HTTP on loopback), logs in as the demo physician (a
bearer token for the API, a session for the web pages) and, for each endpoint and number of
clients, sends requests for ``--seconds`` from that many threads. Prints a Markdown table for
docs/PERFORMANCE.md: requests, throughput, p50/p95/p99 in ms, errors, and p50 as a multiple of
the cheapest endpoint's at the same number of clients (the ratio survives a busy machine).
The clients run on the same machine as the server and take part of its CPU.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a script, this file's folder comes first on the path, and its name hides the standard
# library's http package: take the folder off before importing it.
sys.path = [p for p in sys.path if Path(p or ".").resolve() != Path(__file__).resolve().parent]

import argparse  # noqa: E402
import http.client  # noqa: E402
import json  # noqa: E402
import os  # noqa: E402
import re  # noqa: E402
import secrets  # noqa: E402
import shutil  # noqa: E402
import signal  # noqa: E402
import socket  # noqa: E402
import statistics  # noqa: E402
import subprocess  # noqa: E402
import tempfile  # noqa: E402
import threading  # noqa: E402
import time  # noqa: E402
from collections.abc import Callable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402

import psycopg  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
KETACLINIC = str(ROOT / ".venv" / "bin" / "ketaclinic")


@dataclass
class Client:
    port: int
    headers: dict[str, str]

    def request(self, method: str, path: str, body: str | None = None) -> tuple[int, bytes]:
        connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
        try:
            connection.request(method, path, body, self.headers)
            answer = connection.getresponse()
            return answer.status, answer.read()
        finally:
            connection.close()


@dataclass
class Endpoint:
    name: str
    call: Callable[[], tuple[int, bytes]]
    ok: int = 200


@dataclass
class Cell:
    endpoint: str
    clients: int
    latencies_ms: list[float] = field(default_factory=list)
    errors: int = 0
    seconds: float = 0.0

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        if not ordered:
            return float("nan")
        return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


def measure(endpoint: Endpoint, clients: int, seconds: float) -> Cell:
    cell = Cell(endpoint.name, clients)
    lock = threading.Lock()
    start = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def run() -> None:
        start.wait()
        mine: list[float] = []
        errors = 0
        while time.monotonic() < stop_at[0]:
            began = time.perf_counter()
            try:
                status, _ = endpoint.call()
            except OSError:
                status = 0
            mine.append((time.perf_counter() - began) * 1000)
            errors += status != endpoint.ok
        with lock:
            cell.latencies_ms += mine
            cell.errors += errors

    threads = [threading.Thread(target=run) for _ in range(clients)]
    for thread in threads:
        thread.start()
    stop_at[0] = time.monotonic() + seconds
    began = time.monotonic()
    start.wait()
    for thread in threads:
        thread.join()
    cell.seconds = time.monotonic() - began
    return cell


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def web_session(port: int, username: str, password: str) -> dict[str, str]:
    """Log in through the web form; the headers that carry the session."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request("GET", "/login/")
    answer = connection.getresponse()
    page = answer.read().decode()
    cookies = {
        c.split("=", 1)[0]: c.split("=", 1)[1].split(";")[0]
        for c in answer.headers.get_all("Set-Cookie") or []
    }
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page)
    assert form_token, "no CSRF token on the log-in page"
    body = f"csrfmiddlewaretoken={form_token.group(1)}&username={username}&password={password}"
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(
        "POST",
        "/login/",
        body,
        {
            "Content-Type": "application/x-www-form-urlencoded",
            "Cookie": f"csrftoken={cookies['csrftoken']}",
            "Referer": f"http://127.0.0.1:{port}/login/",
        },
    )
    answer = connection.getresponse()
    answer.read()
    session = [c for c in answer.headers.get_all("Set-Cookie") or [] if c.startswith("sessionid=")]
    assert answer.status == 302, f"web log-in failed ({answer.status})"
    assert session, "the web log-in set no session cookie"
    return {"Cookie": session[0].split(";")[0]}


def first_json(client: Client, path: str) -> object:
    status, body = client.request("GET", path)
    assert status == 200, (path, status, body[:200])
    return json.loads(body)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=3.0, help="per endpoint and level")
    parser.add_argument("--clients", default="1,8,32", help="client counts (default 1,8,32)")
    parser.add_argument("--database", default="kc_bench_http")
    parser.add_argument("--workers", type=int, help="gunicorn workers (default: serve's)")
    parser.add_argument(
        "--pg-url", default=os.environ.get("PG_URL", "postgres://postgres@127.0.0.1:5432/postgres")
    )
    args = parser.parse_args()
    levels = [int(n) for n in args.clients.split(",")]
    base = args.pg_url.rstrip("/").rsplit("/", 1)[0]
    work = Path(tempfile.mkdtemp(prefix="ketaclinic-bench-http-"))
    with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
        admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        admin.execute(f'CREATE DATABASE "{args.database}"')
    env = {
        **os.environ,
        "DATABASE_URL": f"{base}/{args.database}",
        "KETACLINIC_VAR_DIR": str(work),
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "KETACLINIC_SSL_REDIRECT": "0",
        "KETACLINIC_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        # The bench logs in with a password alone; a second factor is not what it measures.
        "KETACLINIC_MFA_REQUIRED": "0",
    }
    subprocess.run(
        [KETACLINIC, "demo", "--no-serve"],
        env={**env, "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.demo"},
        check=True,
        capture_output=True,
    )
    logins = dict(
        line.split(" ", 1) for line in (work / "demo-logins.txt").read_text().splitlines()
    )
    port = free_port()
    serve = [KETACLINIC, "serve", "--host", "127.0.0.1", "--port", str(port)]
    if args.workers:
        serve += ["--workers", str(args.workers)]
    server = subprocess.Popen(
        serve,
        env={**env, "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.production"},
        stdout=(work / "server.log").open("w"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    try:
        anonymous = Client(port, {})
        deadline = time.monotonic() + 180
        while True:
            try:
                if anonymous.request("GET", "/health/live")[0] == 200:
                    break
            except OSError:
                pass
            assert time.monotonic() < deadline, "the server did not start"
            time.sleep(0.3)  # polling a condition with a deadline
        credentials = json.dumps({"username": "physician", "password": logins["physician"]})
        json_headers = {"Content-Type": "application/json"}
        status, body = Client(port, json_headers).request("POST", "/api/auth/token", credentials)
        assert status == 200, f"token log-in failed ({status}): {body[:300]!r}"
        token = json.loads(body)["token"]
        api = Client(port, {"Authorization": f"Bearer {token}"})
        web = Client(port, web_session(port, "physician", logins["physician"]))
        found = first_json(api, "/api/patients?q=DEMO-0002")
        patient_id = found["items"][0]["id"]  # type: ignore[index]
        login = Client(port, json_headers)
        endpoints = [
            Endpoint(
                "cheapest API (GET /api/protocols)", lambda: api.request("GET", "/api/protocols")
            ),
            Endpoint(
                "patient search (GET /api/patients?q=)",
                lambda: api.request("GET", "/api/patients?q=Ex"),
            ),
            Endpoint(
                "chart (GET /patients/{id}/)",
                lambda: web.request("GET", f"/patients/{patient_id}/"),
            ),
            Endpoint(
                "FHIR Patient read (GET /fhir/Patient/{id})",
                lambda: api.request("GET", f"/fhir/Patient/{patient_id}"),
            ),
            Endpoint("cohort dashboard (GET /outcomes/)", lambda: web.request("GET", "/outcomes/")),
            Endpoint("live board (GET /chairs/)", lambda: web.request("GET", "/chairs/")),
            Endpoint(
                "token log-in (POST /api/auth/token)",
                lambda: login.request("POST", "/api/auth/token", credentials),
            ),
        ]
        for endpoint in endpoints:  # every server worker imports and warms what it serves
            measure(endpoint, max(levels), 0.5)
        cells = [measure(e, n, args.seconds) for e in endpoints for n in levels]
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=60)
        with psycopg.connect(f"{base}/postgres", autocommit=True) as admin:
            admin.execute(f'DROP DATABASE IF EXISTS "{args.database}" WITH (FORCE)')
        shutil.rmtree(work, ignore_errors=True)
    cheapest = {c.clients: statistics.median(c.latencies_ms) for c in cells[: len(levels)]}
    print(
        f"`.venv/bin/python bench/http.py --seconds {args.seconds:g} --clients {args.clients}`"
        f" ({os.cpu_count()} cores, load average {os.getloadavg()[0]:.1f} at the end)\n"
    )
    print(
        "| endpoint | clients | requests | req/s | p50 ms | p95 ms | p99 ms | errors "
        "| p50 / cheapest |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|")
    for c in cells:
        p50 = statistics.median(c.latencies_ms)
        print(
            f"| {c.endpoint} | {c.clients} | {len(c.latencies_ms)} | "
            f"{len(c.latencies_ms) / c.seconds:.0f} | {p50:.0f} | {c.percentile(0.95):.0f} | "
            f"{c.percentile(0.99):.0f} | {c.errors} | {p50 / cheapest[c.clients]:.1f} |"
        )
    return 0 if all(c.errors == 0 for c in cells) else 1


if __name__ == "__main__":
    sys.exit(main())
