"""An e-mail backend whose every send fails, as an unreachable mail server would."""

from __future__ import annotations

from smtplib import SMTPException
from typing import Any

from django.core.mail.backends.base import BaseEmailBackend


class FailingBackend(BaseEmailBackend):
    def send_messages(self, email_messages: Any) -> int:
        raise SMTPException("mail server unreachable")
