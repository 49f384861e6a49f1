"""Claim a key before doing the work, record the answer after it, replay it on a repeat.

The caller claims the key, does the work and records the answer in ONE transaction. Of two
identical requests sent at the same moment, the second one's claim waits on the unique
(user, key) row until the first commits, then replays its answer; if the first fails and rolls
back, the key goes with it and the second does the work. A process that dies half-way leaves
neither the key nor the write. Keys are kept for ``KEY_LIFETIME``.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import timedelta

from django.db import IntegrityError, transaction
from django.utils import timezone

from ketaclinic.records.errors import Conflict, InvalidInput

from .models import IdempotentRequest

KEY_LIFETIME = timedelta(hours=24)
HEADER = "Idempotency-Key"


@dataclass(frozen=True)
class StoredAnswer:
    status_code: int
    content_type: str
    body: bytes


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256(f"{method} {path}\n".encode())
    digest.update(body)
    return digest.hexdigest()


def check_key(key: str) -> str:
    key = key.strip()
    if not 1 <= len(key) <= 200 or not key.isprintable():
        raise InvalidInput.single(HEADER, "must be 1 to 200 printable characters")
    return key


def claim(user_id: int, key: str, print_: str) -> StoredAnswer | None:
    """Claim ``key`` for a new request (None), or give the answer already recorded for it.

    Call inside the transaction that does the work. Raises InvalidInput when the key was used
    for a different request.
    """
    now = timezone.now()
    IdempotentRequest.objects.filter(created_at__lt=now - KEY_LIFETIME).delete()
    try:
        with transaction.atomic():
            IdempotentRequest.objects.create(
                user_id=user_id, key=key, fingerprint=print_, created_at=now
            )
    except IntegrityError:
        pass
    else:
        return None
    earlier = IdempotentRequest.objects.get(user_id=user_id, key=key)
    if earlier.fingerprint != print_:
        raise InvalidInput.single(
            HEADER, "was already used for a different request: use a new key for a new request"
        )
    if earlier.status_code is None:  # only ever seen inside the claiming transaction
        raise Conflict("this Idempotency-Key is being used by a request in progress")
    return StoredAnswer(earlier.status_code, earlier.content_type, bytes(earlier.body))


def record(user_id: int, key: str, answer: StoredAnswer) -> None:
    IdempotentRequest.objects.filter(user_id=user_id, key=key).update(
        status_code=answer.status_code, content_type=answer.content_type, body=answer.body
    )


def forget(user_id: int, key: str) -> None:
    """Drop a claim whose answer cannot be stored (a streamed answer)."""
    IdempotentRequest.objects.filter(user_id=user_id, key=key).delete()
