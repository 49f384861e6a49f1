"""A real reverse proxy (Debian's nginx) in front of the live server: the client's address is
taken from X-Forwarded-For only because the request comes from the configured proxy, so the
lockout is per client address and the audit names the client, not the proxy.

Every address is on the loopback network: nginx listens on 127.0.0.2, connects to the server
from 127.0.0.5 (the trusted proxy), and the test's clients connect from 127.0.0.3 and
127.0.0.4. nginx runs as this test's child, in the foreground, on a free port, with a
configuration of its own; outside CI the test is skipped when nginx cannot be installed
(``scripts/ensure-nginx``), under CI it must run.
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from support import PASSWORD

pytestmark = pytest.mark.django_db(transaction=True)

LISTEN = "127.0.0.2"
PROXY = "127.0.0.5"
ALICE = "127.0.0.3"
BOB = "127.0.0.4"


def _nginx() -> str:
    found = shutil.which("nginx") or (
        "/usr/sbin/nginx" if os.path.exists("/usr/sbin/nginx") else ""
    )
    if not found:
        if os.environ.get("CI"):
            pytest.fail("nginx is missing: make check installs it (scripts/ensure-nginx)")
        pytest.skip("nginx is not installed (scripts/ensure-nginx installs it)")
    return found


def _free_port(host: str) -> int:
    with socket.socket() as probe:
        probe.bind((host, 0))
        return int(probe.getsockname()[1])


CONFIG = """
worker_processes 1;
pid {home}/nginx.pid;
error_log {home}/error.log warn;
{user}
events {{ worker_connections 64; }}
http {{
    access_log off;
    client_body_temp_path {home}/body;
    proxy_temp_path {home}/proxy;
    fastcgi_temp_path {home}/fastcgi;
    uwsgi_temp_path {home}/uwsgi;
    scgi_temp_path {home}/scgi;
    server {{
        listen {listen}:{port};
        location / {{
            proxy_pass http://{upstream};
            proxy_bind {proxy};
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
        }}
    }}
}}
"""


@pytest.fixture
def nginx(live_server: Any, tmp_path: Path) -> Iterator[tuple[str, int]]:
    """nginx in front of the live server; yields the address it listens on."""
    binary = _nginx()
    port = _free_port(LISTEN)
    upstream = live_server.url.removeprefix("http://")
    user = "user root;" if os.geteuid() == 0 else ""
    config = tmp_path / "nginx.conf"
    config.write_text(
        CONFIG.format(
            home=tmp_path, user=user, listen=LISTEN, port=port, upstream=upstream, proxy=PROXY
        )
    )
    child = subprocess.Popen(
        [binary, "-p", str(tmp_path), "-c", str(config), "-g", "daemon off;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            if child.poll() is not None:
                pytest.fail(
                    f"nginx did not start: {child.stderr.read().decode() if child.stderr else ''}"
                )
            try:
                socket.create_connection((LISTEN, port), timeout=1).close()
                break
            except OSError:
                if time.monotonic() > deadline:
                    pytest.fail("nginx did not listen within 15 s")
                time.sleep(0.05)
        yield LISTEN, port
    finally:
        child.terminate()
        child.wait(timeout=10)


def _token(
    server: tuple[str, int], source: str, password: str, forwarded: str = ""
) -> tuple[int, dict[str, Any], dict[str, str]]:
    connection = http.client.HTTPConnection(*server, timeout=30, source_address=(source, 0))
    headers = {"Content-Type": "application/json"}
    if forwarded:
        headers["X-Forwarded-For"] = forwarded
    body = json.dumps({"username": "nurse-user", "password": password})
    connection.request("POST", "/api/auth/token", body=body, headers=headers)
    answer = connection.getresponse()
    data = json.loads(answer.read() or b"{}")
    connection.close()
    return answer.status, data, dict(answer.getheaders())


def test_behind_nginx_the_lockout_and_the_audit_see_the_client(
    nginx: tuple[str, int], live_server: Any, users: dict[str, Any], settings: Any
) -> None:
    from ketaclinic.records.audit.models import AuditEvent

    settings.TRUSTED_PROXIES = [PROXY]
    settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, LISTEN]
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        status, _, _ = _token(nginx, ALICE, "wrong-password", forwarded="198.51.100.9")
        assert status == 401
    assert _token(nginx, ALICE, "wrong-password")[0] == 429  # the last failure locks
    # Alice is locked out, whatever address she claims; Bob, elsewhere, is not.
    status, _, headers = _token(nginx, ALICE, PASSWORD)
    assert status == 429
    assert "Retry-After" in headers
    assert _token(nginx, ALICE, PASSWORD, forwarded="203.0.113.1")[0] == 429
    assert _token(nginx, BOB, PASSWORD)[0] == 200
    failures = AuditEvent.objects.filter(action="auth.token", outcome="failed")
    assert set(failures.values_list("source_address", flat=True)) == {ALICE}
    success = AuditEvent.objects.get(action="auth.token", outcome="allowed")
    assert success.source_address == BOB


def test_without_the_proxy_a_forwarded_header_is_not_believed(
    live_server: Any, users: dict[str, Any], settings: Any
) -> None:
    from ketaclinic.records.audit.models import AuditEvent

    settings.TRUSTED_PROXIES = [PROXY]
    host, port = live_server.url.removeprefix("http://").split(":")
    status, _, _ = _token((host, int(port)), ALICE, PASSWORD, forwarded="203.0.113.1")
    assert status == 200
    assert AuditEvent.objects.get(action="auth.token").source_address == ALICE
