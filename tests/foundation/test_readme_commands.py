"""The README's "Using it" commands work as written after its first command (``make demo``).

Each command runs in its own process, from a fresh demo clinic, with no settings named: the
command line must find the demo's settings by itself. Runs once, in the SQLite pass.
"""

from __future__ import annotations

import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
KETACLINIC = Path(sys.executable).with_name("ketaclinic")

pytestmark = pytest.mark.skipif(
    bool(os.environ.get("DATABASE_URL")), reason="runs once, in the SQLite pass"
)


def readme_commands() -> list[str]:
    """The lines of the README's "Using it" block (comments kept), continuation lines joined."""
    section = (REPO / "README.md").read_text().split("## Using it", 1)[1]
    block = section.split("```sh", 1)[1].split("```", 1)[0].replace("\\\n", " ")
    return [line.strip() for line in block.splitlines() if line.strip()]


def runnable(line: str) -> bool:
    """Everything but the server and what the README marks as production-only."""
    words = shlex.split(line, comments=True)
    return words[1:2] != ["serve"] and "(production)" not in line


def test_the_readme_lists_its_commands() -> None:
    commands = readme_commands()
    assert len(commands) >= 20
    assert all(line.startswith(".venv/bin/ketaclinic") for line in commands)


def test_every_readme_command_works_after_the_demo_is_set_up(tmp_path: Path) -> None:
    environ = {
        name: value
        for name, value in os.environ.items()
        if name not in {"DATABASE_URL", "DJANGO_SETTINGS_MODULE", "SECRET_KEY"}
    }
    environ["KETACLINIC_VAR_DIR"] = str(tmp_path / "var")
    setup = subprocess.run(
        [str(KETACLINIC), "demo", "--no-serve"],
        cwd=tmp_path,
        env=environ,
        capture_output=True,
        text=True,
    )
    assert setup.returncode == 0, setup.stderr
    (tmp_path / "pw.txt").write_text("violet tractor meadow 7391\n")

    failures = []
    shutil.copytree(REPO / "docs" / "examples", tmp_path / "docs" / "examples")
    for line in filter(runnable, readme_commands()):
        words = shlex.split(line, comments=True)
        stdout = None
        if ">" in words:
            at = words.index(">")
            stdout = (tmp_path / words[at + 1]).open("w")
            words = words[:at]
        done = subprocess.run(
            [str(KETACLINIC), *words[1:]],
            cwd=tmp_path,
            env=environ,
            stdout=stdout or subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        if stdout:
            stdout.close()
        if done.returncode != 0:
            failures.append(f"{line}\n  exit {done.returncode}: {done.stderr.strip()[-400:]}")
    assert not failures, "\n".join(failures)
