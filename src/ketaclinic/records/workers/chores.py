"""Periodic housekeeping the worker runs between tasks (expired API tokens, …).

A records app registers a chore in its ``AppConfig.ready`` with :func:`every`; this app sits at
the bottom of the records layers, so it never imports the apps whose chores it runs. Each worker
runs a chore when it starts and then at its interval; chores are idempotent, so several workers
running the same one is harmless.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

logger = logging.getLogger("ketaclinic.worker")


@dataclass
class Chore:
    name: str
    interval: timedelta
    run: Callable[[], int]
    next_at: float = field(default=0.0)  # time.monotonic() of the next run; 0: at once


_CHORES: dict[str, Chore] = {}


def every(interval: timedelta, name: str, run: Callable[[], int]) -> None:
    """Register ``run`` (returns how many rows it cleared) to run every ``interval``."""
    _CHORES[name] = Chore(name, interval, run)


def registered() -> list[str]:
    return sorted(_CHORES)


def run_due(now: float | None = None) -> dict[str, int]:
    """Run the chores that are due; what each one cleared, by name."""
    now = time.monotonic() if now is None else now
    done: dict[str, int] = {}
    for chore in _CHORES.values():
        if now < chore.next_at:
            continue
        done[chore.name] = chore.run()
        chore.next_at = now + chore.interval.total_seconds()
        if done[chore.name]:
            logger.info("chore %s cleared %d row(s)", chore.name, done[chore.name])
    return done
