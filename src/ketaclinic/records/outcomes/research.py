"""The de-identified research export (HIPAA Safe Harbor, 45 CFR 164.514(b)(2)).

Each patient appears under a random research id with every date shifted by a random offset of
1 to 365 days (either way), both stored (``ResearchIdentity``) so that every export shifts a
patient alike and intervals within a patient are kept. Names, contact details, addresses,
locations, record numbers, database ids, staff identities and every free-text field are left
out; ages above 89 are exported as "90+". ``SAFE_HARBOR`` says how each of the 18 identifiers
is handled. Rows stream a chunk at a time; nothing holds a whole table in memory.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.accounts.services import authorize
from ketaclinic.records.alerts.models import Alert
from ketaclinic.records.assessments.models import Assessment, Context
from ketaclinic.records.audit import services as audit
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.models import Patient

from . import infusions
from .models import BoosterReview, Discontinuation, ResearchIdentity
from .queries import current
from .tables import CHUNK, Column, Table

MAX_SHIFT_DAYS = 365
AGE_TOP_CODE = 90  # ages above 89 are aggregated (Safe Harbor)
_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"

# The 18 Safe Harbor identifiers (45 CFR 164.514(b)(2)(i)) and how this export handles each.
SAFE_HARBOR: tuple[tuple[str, str], ...] = (
    ("Names", "not exported; a participant is a random research id"),
    (
        "Geographic subdivisions smaller than a state, including ZIP codes",
        "no address, ZIP code or clinic location is exported",
    ),
    (
        "All elements of dates (except year) directly related to an individual; ages over 89",
        "dates shifted per participant by a random stored offset of 1-365 days and given as "
        "dates only (no times); no date of birth; age at start in whole years, '90+' above 89",
    ),
    ("Telephone numbers", "not exported"),
    ("Fax numbers", "not stored"),
    ("Electronic mail addresses", "not exported"),
    ("Social security numbers", "not stored"),
    ("Medical record numbers", "not exported; no database id is exported either"),
    ("Health plan beneficiary numbers", "not stored"),
    ("Account numbers", "not stored"),
    ("Certificate/license numbers", "not stored"),
    ("Vehicle identifiers and serial numbers, including license plates", "not stored"),
    ("Device identifiers and serial numbers", "not stored"),
    ("Web Universal Resource Locators (URLs)", "not exported"),
    ("Internet Protocol (IP) address numbers", "not exported (the audit trail is not exported)"),
    ("Biometric identifiers, including finger and voice prints", "not stored"),
    ("Full face photographic images and any comparable images", "not stored"),
    (
        "Any other unique identifying number, characteristic, or code",
        "free text (notes, reasons, alert messages) and staff identities are not exported; "
        "the research id is random, not derived from any identifier (45 CFR 164.514(c))",
    ),
)


def _new_identity(patient_id: int) -> ResearchIdentity:
    shift = secrets.randbelow(MAX_SHIFT_DAYS) + 1
    return ResearchIdentity(
        patient_id=patient_id,
        research_id="R" + "".join(secrets.choice(_ALPHABET) for _ in range(9)),
        date_shift_days=shift if secrets.randbelow(2) else -shift,
    )


def ensure_identities() -> int:
    """Give every patient without one a research id and date shift; returns how many."""
    created = 0
    while True:
        missing = list(
            Patient.objects.filter(research_identity__isnull=True).values_list("pk", flat=True)[
                :CHUNK
            ]
        )
        if not missing:
            return created
        with transaction.atomic():
            made = ResearchIdentity.objects.bulk_create(
                [_new_identity(pk) for pk in missing], ignore_conflicts=True
            )
        created += len(made)


def shifted(moment: datetime | date | None, shift_days: int) -> date | None:
    """A time as its local date moved by ``shift_days``."""
    if moment is None:
        return None
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day + timedelta(days=shift_days)


def age_in_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def exported_age(born: date, on: date) -> str:
    age = age_in_years(born, on)
    return f"{AGE_TOP_CODE}+" if age >= AGE_TOP_CODE else str(age)


_WHO = ("patient__research_identity__research_id", "patient__research_identity__date_shift_days")
C = Column
RESEARCH_ID = C("research_id", "the participant's random research id")


def _participants() -> Iterator[tuple[Any, ...]]:
    from ketaclinic.records.plans.models import TreatmentPlan

    protocol = (
        TreatmentPlan.objects.current()
        .filter(patient=OuterRef("pk"))
        .order_by("-drafted_at", "-id")
        .values("protocol_id")[:1]
    )
    started = (
        current(Assessment)
        .filter(patient=OuterRef("pk"), context=Context.BASELINE)
        .order_by("completed_at")
        .values("completed_at")[:1]
    )
    rows = (
        Patient.objects.annotate(started=Subquery(started), protocol=Subquery(protocol))
        .order_by("research_identity__research_id")
        .values_list(
            "research_identity__research_id",
            "research_identity__date_shift_days",
            "sex",
            "date_of_birth",
            "started",
            "protocol",
        )
    )
    today = timezone.localdate()
    for research_id, shift, sex, born, started, protocol_id in rows.iterator(chunk_size=CHUNK):
        on = timezone.localdate(started) if started else today
        yield research_id, sex, exported_age(born, on), shifted(started, shift), protocol_id or ""


def _scores(with_answers: bool) -> Iterator[tuple[Any, ...]]:
    """Current scores per participant in time order, numbered 1, 2, … within each."""
    rows = (
        current(Assessment)
        .order_by("patient_id", "completed_at", "id")
        .values_list(
            "patient_id",
            *_WHO,
            "instrument_id",
            "instrument_version",
            "context",
            "completed_at",
            "total",
            "band_code",
            "valid",
            "answers",
        )
    )
    number, previous = 0, None
    for patient_id, research_id, shift, instrument, *score, answers in rows.iterator(CHUNK):
        number = number + 1 if patient_id == previous else 1
        previous = patient_id
        if with_answers:
            for item_id, answer in answers.items():
                yield research_id, number, instrument, item_id, answer
        else:
            version, context, completed_at, total, band, valid = score
            day = shifted(completed_at, shift)
            yield research_id, number, instrument, version, context, day, total, band, valid


def _infusions() -> Iterator[tuple[Any, ...]]:
    for events in infusions.infusion_batches(CHUNK):
        who: dict[int, tuple[str, int]] = {
            pk: (research_id, shift)
            for pk, research_id, shift in ResearchIdentity.objects.filter(
                patient_id__in={e.patient_id for e in events}
            ).values_list("patient_id", "research_id", "date_shift_days")
        }
        for e in events:
            research_id, shift = who[e.patient_id]
            yield (
                research_id,
                shifted(e.started_at, shift),
                e.dose_mg,
                e.route,
                e.duration_min,
                e.protocol_id,
                ";".join(e.side_effects),
                e.alerts,
            )


def _dated(queryset: Any, date_field: str, *fields: str) -> Any:
    def rows() -> Iterator[tuple[Any, ...]]:
        for research_id, shift, moment, *rest in queryset.values_list(
            *_WHO, date_field, *fields
        ).iterator(chunk_size=CHUNK):
            yield research_id, shifted(moment, shift), *rest

    return rows


SHIFTED_DATE = "date, shifted by the participant's offset"


def research_tables(actor: Actor) -> list[Table]:
    """The de-identified tables; gives research ids to patients who lack one first."""
    authorize(actor, Action.EXPORT_RESEARCH)
    created = ensure_identities()
    tables = [
        Table(
            "participants",
            "one row per participant",
            (
                RESEARCH_ID,
                C("sex", "female, male, other, unknown"),
                C(
                    "age_at_start",
                    "age at the first baseline score (or at export), '90+' above 89",
                    "years",
                ),
                C("start_date", f"first baseline score: {SHIFTED_DATE}"),
                C("protocol_id", "protocol of the current signed treatment plan"),
            ),
            _participants,
        ),
        Table(
            "scores",
            "every current score (amended originals left out)",
            (
                RESEARCH_ID,
                C("score_number", "the participant's scores numbered 1, 2, … in time order"),
                C("instrument_id", "instrument"),
                C("instrument_version", "instrument definition version"),
                C("context", "baseline, pre_infusion, during_infusion, post_infusion, follow_up"),
                C("date", SHIFTED_DATE),
                C("total", "total score (empty when not valid)", "points"),
                C("band_code", "severity band"),
                C("valid", "whether the answers give a valid score"),
            ),
            lambda: _scores(with_answers=False),
        ),
        Table(
            "answers",
            "each answer of each score (long format)",
            (
                RESEARCH_ID,
                C("score_number", "the score in the scores table"),
                C("instrument_id", "instrument"),
                C("item_id", "item of the instrument"),
                C("answer", "the answer (yes/no as 1/0; empty = unanswered)"),
            ),
            lambda: _scores(with_answers=True),
        ),
        Table(
            "infusions",
            "infusions given (from the infusion session records)",
            (
                RESEARCH_ID,
                C("date", SHIFTED_DATE),
                C("dose_mg", "ketamine given", "mg"),
                C("route", "route of administration"),
                C("duration_min", "infusion length", "min"),
                C("protocol_id", "protocol"),
                C("side_effects", "side effects noted (codes, ';'-separated)"),
                C("alerts", "alerts raised during the session", "count"),
            ),
            _infusions,
        ),
        Table(
            "alerts",
            "clinical alerts (codes only; messages are left out)",
            (
                RESEARCH_ID,
                C("date", SHIFTED_DATE),
                C("code", "what raised it"),
                C("severity", "info, warning, urgent"),
            ),
            _dated(Alert.objects.order_by("id"), "raised_at", "code", "severity"),
        ),
        Table(
            "dropouts",
            "participants who stopped, with the reason (notes left out)",
            (RESEARCH_ID, C("date", SHIFTED_DATE), C("reason", "why the participant stopped")),
            _dated(current(Discontinuation).order_by("id"), "stopped_on", "reason"),
        ),
        Table(
            "booster_decisions",
            "physicians' decisions on booster suggestions (notes left out)",
            (
                RESEARCH_ID,
                C("date", SHIFTED_DATE),
                C("decision", "accepted or declined"),
                C("protocol_id", "protocol"),
            ),
            _dated(BoosterReview.objects.order_by("id"), "decided_at", "decision", "protocol_id"),
        ),
    ]
    audit.record(
        actor,
        Action.EXPORT_RESEARCH,
        detail={"tables": [t.name for t in tables], "new_research_ids": created},
    )
    return tables
