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


if sys.platform != "linux":  # pragma: no cover
    pytestmark = pytest.mark.skip("gunicorn runs on Linux")
