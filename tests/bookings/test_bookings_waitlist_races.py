"""Answering a waitlist offer twice: the answers take turns under a row lock, so the second is
refused with 409 saying how the offer was answered, and a freed slot is offered (and e-mailed)
once. The races run on PostgreSQL with threads held at a barrier; the same refusals, given one
after the other, run everywhere."""

from __future__ import annotations

from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from bookings_support import book_consultation, soon
from django.core import mail
from django.db import connection

from ketaclinic.records.bookings import services, waitlist
from ketaclinic.records.bookings.models import (
    Appointment,
    Reminder,
    ReminderKind,
    WaitlistOffer,
    WaitlistStatus,
)
from ketaclinic.records.errors import Conflict
from support import all_at_once

REPETITIONS = 5
ANSWERED = "this offer was already answered"


def _offered(desk: Any, location: Any, register: Any, run: int) -> tuple[Any, Any]:
    """A consultation cancelled with three patients waiting for it (each run a week apart);
    returns the first one's offer and the freed appointment."""
    start = soon(24 * (5 + 7 * run))
    freed = book_consultation(desk, register(mrn=f"R{run}-0"), location, start)
    for n in range(1, 4):
        person = register(mrn=f"R{run}-{n}", email=f"waiting{run}-{n}@example.org")
        waitlist.add(
            desk,
            {
                "patient_id": person.pk,
                "location_id": location.pk,
                "appointment_type": "consultation",
                "earliest": (start - timedelta(days=1)).isoformat(),
                "latest": (start + timedelta(days=1)).isoformat(),
            },
        )
    services.cancel(desk, freed.pk, {"reason": "moved away"})
    return WaitlistOffer.objects.get(freed_by=freed), freed


def _offers_of(freed: Any) -> list[str]:
    """Who was offered the freed slot and e-mailed about it, in order."""
    offers = WaitlistOffer.objects.filter(freed_by=freed).order_by("id")
    mailed = Reminder.objects.filter(kind=ReminderKind.OFFER, offer__in=offers)
    assert mailed.count() == offers.count()
    return [offer.entry.patient.mrn for offer in offers]


def test_a_second_answer_to_an_offer_is_refused_saying_how_it_was_answered(
    staff: dict[str, Any], location: Any, register: Any
) -> None:
    desk = staff["front_desk"]
    offer, freed = _offered(desk, location, register, 0)
    passed_on = waitlist.decline_offer(desk, offer.pk)
    assert passed_on is not None
    with pytest.raises(Conflict, match=f"{ANSWERED}: the patient declined it"):
        waitlist.decline_offer(desk, offer.pk)
    with pytest.raises(Conflict, match=f"{ANSWERED}: the patient declined it"):
        waitlist.book_offer(desk, offer.pk)
    assert _offers_of(freed) == ["R0-1", "R0-2"]
    booked = waitlist.book_offer(desk, passed_on.pk)
    with pytest.raises(Conflict, match=f"{ANSWERED}: it was booked as appointment {booked.pk}"):
        waitlist.decline_offer(desk, passed_on.pk)
    with pytest.raises(Conflict, match=r"waitlist entry \d+ is booked"):
        waitlist.withdraw(desk, passed_on.entry_id)
    assert _offers_of(freed) == ["R0-1", "R0-2"]
    assert Appointment.objects.filter(starts_at=freed.starts_at, status="booked").count() == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("answers", [("decline", "decline"), ("book", "decline")])
def test_two_answers_to_one_offer_at_once_one_wins_and_the_slot_is_offered_once(
    staff: dict[str, Any], location: Any, register: Any, answers: tuple[str, str]
) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite serialises every writer")
    desk = staff["front_desk"]
    answer = {"book": waitlist.book_offer, "decline": waitlist.decline_offer}
    for run in range(REPETITIONS):
        offer, freed = _offered(desk, location, register, run)
        mail.outbox.clear()
        results = all_at_once([partial(answer[name], desk, offer.pk) for name in answers])
        refused = [r for r in results if isinstance(r, Conflict)]
        won = [r for r in results if not isinstance(r, Exception)]
        assert len(refused) == 1, results
        assert len(won) == 1, results
        entry = WaitlistOffer.objects.get(pk=offer.pk).entry
        if isinstance(won[0], Appointment):
            assert str(refused[0]) == f"{ANSWERED}: it was booked as appointment {won[0].pk}"
            assert entry.status == WaitlistStatus.BOOKED
            assert _offers_of(freed) == [f"R{run}-1"]
            assert mail.outbox == []
        else:
            assert str(refused[0]).startswith(f"{ANSWERED}: the patient declined it")
            assert entry.status == WaitlistStatus.WAITING
            assert _offers_of(freed) == [f"R{run}-1", f"R{run}-2"]
            assert [m.to for m in mail.outbox] == [[f"waiting{run}-2@example.org"]]
