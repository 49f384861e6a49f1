"""``ketaclinic serve``: gunicorn with a preloaded app, sized workers and a clean access log."""

from __future__ import annotations

import argparse
import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from ketaclinic.cli import main
from ketaclinic.cli.serve import add_server_options, default_workers, gunicorn_command
from ketaclinic.logs import redact_path


def _options(*argv: str) -> argparse.Namespace:
    parser = argparse.ArgumentParser()
    add_server_options(parser)
    return parser.parse_args(argv)


def test_workers_are_sized_from_the_machine_and_the_app_is_preloaded() -> None:
    command = gunicorn_command(_options())
    assert command[command.index("--workers") + 1] == str(default_workers())
    assert default_workers() == 2 * (os.cpu_count() or 1) + 1
    assert "--preload" in command
    assert command[command.index("--timeout") + 1] == "30"
    overridden = gunicorn_command(_options("--workers", "3", "--timeout", "90", "--pidfile", "x"))
    assert overridden[overridden.index("--workers") + 1] == "3"
    assert overridden[overridden.index("--timeout") + 1] == "90"
    assert overridden[overridden.index("--pid") + 1] == "x"


@pytest.mark.parametrize(
    ("argv", "field"),
    [
        (["--workers", "0"], "--workers"),
        (["--timeout", "0"], "--timeout"),
        (["--port", "0"], "--port"),
    ],
)
def test_bad_server_options_exit_2_naming_the_option(
    argv: list[str], field: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["serve", *argv]) == 2
    assert field in capsys.readouterr().err


def test_calendar_tokens_are_redacted_from_paths() -> None:
    assert redact_path("/calendar/s3cr3t-token.ics") == "/calendar/[token].ics"
    assert redact_path("/patients/12/") == "/patients/12/"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as answer:
            return int(answer.status)
    except urllib.error.HTTPError as error:
        return error.code


def test_the_access_log_carries_no_query_string_or_feed_token(tmp_path: Path) -> None:
    port = _free_port()
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.test",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite3'}",
    }
    command = gunicorn_command(_options("--port", str(port), "--workers", "1"))
    log = tmp_path / "access.log"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while _get_or_none(f"http://127.0.0.1:{port}/health/live") != 200:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start within 60 s"
                time.sleep(0.2)  # polling a condition with a deadline, not synchronising on time
            _get(f"http://127.0.0.1:{port}/health/live?q=Jane+Doe+1980-03-15")
            _get(f"http://127.0.0.1:{port}/calendar/s3cr3t-token.ics")
        finally:
            server.terminate()
            server.wait(timeout=30)
    text = log.read_text()
    assert '"GET /health/live HTTP/1.1" 200' in text
    assert "Jane" not in text
    assert "s3cr3t" not in text
    assert "/calendar/[token].ics" in text


def _get_or_none(url: str) -> int | None:
    try:
        return _get(url)
    except OSError:
        return None


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_database_connection_reset_costs_no_request(tmp_path: Path) -> None:
    """The server's connections are killed between two requests (a database restart, a proxy
    dropping idle connections): the next request checks its connection and opens a new one."""
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: the test terminates the server's connections")
    port = _free_port()
    database = connection.settings_dict
    environment = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "ketaclinic.settings.production",
        "SECRET_KEY": "drill-only-not-a-secret-" + "x" * 40,
        "KETACLINIC_SSL_REDIRECT": "0",
        "KETACLINIC_TASK_BACKEND": "django_tasks.backends.immediate.ImmediateBackend",
        "KETACLINIC_VAR_DIR": str(tmp_path),
        "DATABASE_URL": (
            f"postgres://{database['USER']}@{database['HOST'] or '127.0.0.1'}:"
            f"{database['PORT'] or 5432}/{database['NAME']}"
        ),
    }
    command = gunicorn_command(_options("--port", str(port), "--workers", "1"))
    log = tmp_path / "server.log"
    url = f"http://127.0.0.1:{port}/health/ready"
    with log.open("w") as out:
        server = subprocess.Popen(command, env=environment, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 180  # a preload on a busy machine
            while _get_or_none(url) is None:
                assert server.poll() is None, log.read_text()
                assert time.monotonic() < deadline, "the server did not start within 180 s"
                time.sleep(0.2)  # polling a condition with a deadline, not synchronising on time
            assert _get(url) == 200, log.read_text()
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                    " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                )
                assert cursor.fetchone()[0] >= 1  # the server's kept connection
            assert [_get(url) for _ in range(3)] == [200, 200, 200], log.read_text()
        finally:
            server.terminate()
            server.wait(timeout=30)


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("gunicorn runs on Linux")
