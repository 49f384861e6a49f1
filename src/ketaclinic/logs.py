"""Server logs without secrets or patient data.

An access line names the method, the path and the answer; never the query string (patient
searches carry names and birth dates there), the referrer, a header, or a calendar feed's
secret token (which sits in the feed's path) or a one-time password link's. Django's own
request log ("Not Found: /path") gets the same redaction.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from gunicorn.glogging import Logger

ACCESS_FORMAT = '%(h)s %(t)s "%(m)s %(U)s %(H)s" %(s)s %(b)s %(M)sms'
_SECRET_PATHS = [
    (re.compile(r"^/calendar/[^/]+\.ics$"), "/calendar/[token].ics"),
    (re.compile(r"^/password/[^/]+/$"), "/password/[link]/"),
]


def redact_path(path: str) -> str:
    """The path as a log may show it."""
    for pattern, shown in _SECRET_PATHS:
        if pattern.match(path):
            return shown
    return path


class AccessLog(Logger):
    """Gunicorn's logger with redacted access lines."""

    def atoms(self, resp: Any, req: Any, environ: dict[str, Any], request_time: Any) -> Any:
        atoms = super().atoms(resp, req, environ, request_time)
        path = redact_path(environ.get("PATH_INFO", ""))
        atoms.update({"U": path, "r": f"{environ['REQUEST_METHOD']} {path}", "q": "", "f": "-"})
        return atoms


class RedactRequestPaths(logging.Filter):
    """Redacts secret paths in the arguments of Django's request log records."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(
                redact_path(arg) if isinstance(arg, str) else arg for arg in record.args
            )
        return True
