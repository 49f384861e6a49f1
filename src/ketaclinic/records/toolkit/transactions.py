"""One transaction whose refusal by a database constraint is a service error."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import IntegrityError, transaction

from ketaclinic.records.errors import ServiceError


@contextmanager
def atomic_or(refusal: ServiceError) -> Iterator[None]:
    """Run the block in one transaction; if a constraint refuses the write (a unique row taken
    meanwhile), raise ``refusal`` instead: nothing was written."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        raise refusal from None
