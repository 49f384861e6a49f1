"""The demo with a second factor (``ketaclinic demo --mfa``): every staff login gets an
authenticator whose secret the logins file gives as a third column."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyotp

from . import mfa
from .models import TotpDevice, User
from .roles import Role


def enrol_demo_logins(usernames: Iterable[str], logins_file: Path) -> dict[str, str]:
    """Enrol each staff login that has no authenticator (keeping existing ones, so a restart
    changes nothing) and write each secret as the third column of its line in the logins
    file; return the secrets by username."""
    found: dict[str, str] = {}
    for user in User.objects.filter(username__in=list(usernames)).exclude(role=Role.PATIENT):
        device = TotpDevice.objects.filter(user=user, confirmed_at__isnull=False).first()
        if device is None:
            secret = pyotp.random_base32()
            mfa.enrol_with_secret(user, secret)
        else:
            secret = device.secret
        found[user.get_username()] = secret
    if logins_file.exists():
        lines = []
        for line in logins_file.read_text().splitlines():
            columns = line.split()
            if len(columns) >= 2 and columns[0] in found:
                line = f"{columns[0]} {columns[1]} {found[columns[0]]}"
            lines.append(line)
        logins_file.write_text("".join(f"{line}\n" for line in lines))
    return found
