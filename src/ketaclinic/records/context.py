"""Who is acting, through which face and from where: passed to every service call."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import TYPE_CHECKING

from ketaclinic.proxies import client_address

if TYPE_CHECKING:
    from django.http import HttpRequest

    from .accounts.models import User


SYSTEM_ROLE = "system"
"""The role the audit names for the ``system`` actor; no account has it."""


class Face(StrEnum):
    WEB = "web"
    API = "api"
    CLI = "cli"
    FHIR = "fhir"
    SYSTEM = "system"


@dataclass(frozen=True)
class Actor:
    """The authenticated user behind a service call."""

    user: User
    face: Face
    source_address: str = ""

    @property
    def role(self) -> str:
        return self.user.role

    @classmethod
    def from_request(cls, request: HttpRequest, face: Face, user: User | None = None) -> Actor:
        return cls(
            user=user if user is not None else request.user,  # type: ignore[arg-type]
            face=face,
            source_address=client_address(request),
        )

    @classmethod
    def for_cli(cls, user: User) -> Actor:
        return cls(user=user, face=Face.CLI, source_address=operator())


def operator() -> str:
    """Who runs a command, as the audit's source: ``login@host``."""
    import getpass
    import socket

    return f"{getpass.getuser()}@{socket.gethostname()}"
