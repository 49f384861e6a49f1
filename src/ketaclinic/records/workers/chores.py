"""Periodic housekeeping the worker runs between tasks (expired API tokens, the audit chains'
checkpoint, …).

A records app registers a chore in its ``AppConfig.ready`` with :func:`every` (or the worker
command, for an app at this app's own layer); this app sits at the bottom of the records
layers, so it never imports the apps whose chores it runs. Each worker runs a chore when it
starts and then at its interval; chores are idempotent, so several workers running the same one
is harmless. A chore that fails is logged and tried when next due; a lost database goes up to
the worker, which reconnects.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta

from django.db import DatabaseError

logger = logging.getLogger("ketaclinic.worker")


@dataclass
class Chore:
    name: str
    interval: timedelta
    run: Callable[[], object]
    next_at: float = field(default=0.0)  # time.monotonic() of the next run; 0: at once


_CHORES: dict[str, Chore] = {}


def every(interval: timedelta, name: str, run: Callable[[], object]) -> None:
    """Register ``run`` (returns what it did, e.g. how many rows it cleared) to run every
    ``interval``."""
    _CHORES[name] = Chore(name, interval, run)


def registered() -> list[str]:
    return sorted(_CHORES)


def run_due(now: float | None = None) -> dict[str, object]:
    """Run the chores that are due; what each one did, by name."""
    now = time.monotonic() if now is None else now
    done: dict[str, object] = {}
    for chore in _CHORES.values():
        if now < chore.next_at:
            continue
        chore.next_at = now + chore.interval.total_seconds()
        try:
            done[chore.name] = chore.run()
        except DatabaseError:
            raise
        except Exception:
            logger.exception("chore %s failed", chore.name)
            continue
        if done[chore.name]:
            logger.info("chore %s: %s", chore.name, done[chore.name])
    return done
