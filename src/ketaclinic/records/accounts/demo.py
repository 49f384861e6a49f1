"""The demo's accounts: with a second factor (``ketaclinic demo --mfa``) every staff login gets
an authenticator whose secret the logins file gives as a third column; one restricted record
and one use of emergency access for the manager to review."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import pyotp

from ketaclinic.records.context import Actor

from . import emergency, mfa
from .models import RestrictedRecord, TotpDevice, User
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


RESTRICTED_REASON = "Demo: a member of staff's own record, restricted to her care team."
EMERGENCY_REASON = "Demo: unwell at the front desk; her physician could not be reached."


def load_emergency_access(patient_id: int, manager: Actor, nurse: Actor) -> bool:
    """Restrict the demo patient's record to the physician and front desk, and let the nurse
    open it in an emergency (awaiting the manager's review); once. True when it was made now."""
    if RestrictedRecord.objects.filter(patient_id=patient_id).exists():
        return False
    emergency.restrict(
        manager, patient_id, {"reason": RESTRICTED_REASON, "care_team": ["physician", "frontdesk"]}
    )
    emergency.open_access(nurse, patient_id, {"reason": EMERGENCY_REASON})
    return True
