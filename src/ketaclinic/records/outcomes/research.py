"""The de-identified research export, in two variants.

- **Safe Harbor** (45 CFR 164.514(b)(2)), the default: of every date only its year; ages above
  89 as "90+"; no geographic unit below the state.
- **Limited data set** (45 CFR 164.514(e)): every date moved back by the participant's own
  random offset of 1 to 365 days (stored in ``ResearchIdentity``, so every export shifts a
  participant alike and intervals within a participant are kept). It is not de-identified: it
  may leave the clinic only under a data use agreement, whose reference the export records.

In both, each patient appears under a random research id; names, contact details, addresses,
locations, record numbers, database ids, staff identities and every free text are left out;
nothing dated after the export day is exported (a shifted date can then never fall after it,
which would give the shift away); doses and durations are rounded to what research needs, so
no value is precise enough to join the export to the identified tables; scores are numbered in
the order they were first recorded, so an amendment never renumbers them. Rows stream a chunk
at a time; nothing holds a whole table in memory.
"""

from __future__ import annotations

import itertools
import secrets
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from enum import StrEnum
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
from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.patients.models import Patient

from . import infusions
from .models import BoosterReview, Discontinuation, ResearchIdentity
from .queries import current
from .tables import CHUNK, Column, Table

MAX_SHIFT_DAYS = 365
AGE_TOP_CODE = 90  # ages above 89 are aggregated (Safe Harbor)
DOSE_STEP_MG = 1  # doses to the whole mg (clinic policy: finer than any protocol step)
DURATION_STEP_MIN = 5  # infusion lengths to 5 minutes (clinic policy)


class Variant(StrEnum):
    SAFE_HARBOR = "safe_harbor"
    """HIPAA Safe Harbor read strictly: years only."""
    LIMITED_DATA_SET = "limited_data_set"
    """Shifted dates: a limited data set, for a recipient bound by a data use agreement."""


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
        "only the year of each date; no date of birth; age at start in whole years, '90+' "
        "above 89; nothing dated after the export day",
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


LIMITED_DATA_SET_DATES = (
    "dates moved back by the participant's own random stored offset of 1-365 days, as dates "
    "only (no times); nothing dated after the export day, so no shifted date falls after it; "
    "no date of birth; age at start in whole years, '90+' above 89. NOT de-identified: a "
    "limited data set (45 CFR 164.514(e)) for a recipient bound by the data use agreement "
)


def handling(variant: Variant, agreement: str = "") -> tuple[tuple[str, str], ...]:
    """How this variant handles each of the 18 Safe Harbor identifiers."""
    if variant == Variant.SAFE_HARBOR:
        return SAFE_HARBOR
    return tuple(
        (identifier, f"{LIMITED_DATA_SET_DATES}{agreement!r}" if index == 2 else text)
        for index, (identifier, text) in enumerate(SAFE_HARBOR)
    )


def _new_identity(patient_id: int) -> ResearchIdentity:
    return ResearchIdentity(
        patient_id=patient_id,
        research_id="R" + "".join(secrets.choice(_ALPHABET) for _ in range(9)),
        date_shift_days=-(secrets.randbelow(MAX_SHIFT_DAYS) + 1),
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
    """A time as its local date moved back by the size of ``shift_days`` (stored identities
    made before the shifts were all backwards may hold a positive one)."""
    if moment is None:
        return None
    day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
    return day - timedelta(days=abs(shift_days))


@dataclass(frozen=True)
class Dating:
    """How a variant writes a participant's date, and which dates it leaves out."""

    variant: Variant
    today: date

    def keeps(self, moment: datetime | date | None) -> bool:
        """Whether a row dated so is exported: nothing after the export day."""
        if moment is None:
            return True
        day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
        return day <= self.today

    def __call__(self, moment: datetime | date | None, shift_days: int) -> date | int | None:
        if moment is None:
            return None
        if self.variant == Variant.SAFE_HARBOR:
            day = timezone.localdate(moment) if isinstance(moment, datetime) else moment
            return day.year
        return shifted(moment, shift_days)

    def column(self, what: str, name: str = "date") -> Column:
        if self.variant == Variant.SAFE_HARBOR:
            return Column(name.replace("date", "year"), f"{what}: its year only (Safe Harbor)")
        return Column(name, f"{what}: date moved back by the participant's offset")


def rounded(value: float | None, step: int) -> int | None:
    """``value`` to the nearest ``step``: no precision that could join two files."""
    return None if value is None else int(round(value / step) * step)


def age_in_years(born: date, on: date) -> int:
    return on.year - born.year - ((on.month, on.day) < (born.month, born.day))


def exported_age(born: date, on: date) -> str:
    age = age_in_years(born, on)
    return f"{AGE_TOP_CODE}+" if age >= AGE_TOP_CODE else str(age)


_WHO = ("patient__research_identity__research_id", "patient__research_identity__date_shift_days")
C = Column
RESEARCH_ID = C("research_id", "the participant's random research id")


def _participants(dating: Dating) -> Callable[[], Iterator[tuple[Any, ...]]]:
    def rows() -> Iterator[tuple[Any, ...]]:
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
        found = (
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
        for research_id, shift, sex, born, started, protocol_id in found.iterator(CHUNK):
            on = timezone.localdate(started) if started else dating.today
            yield (
                research_id,
                sex,
                exported_age(born, on),
                dating(started, shift),
                protocol_id or "",
            )

    return rows


def _originals(amended: dict[int, int]) -> dict[int, int]:
    """For each amendment (its id → the id it corrects), the first record of its line."""
    corrects = dict(amended)
    pending = set(amended.values())
    while pending:
        found = dict(
            Assessment.objects.filter(pk__in=pending, amends__isnull=False).values_list(
                "pk", "amends_id"
            )
        )
        corrects.update(found)
        pending = set(found.values())
    originals = {}
    for pk in amended:
        original = pk
        while original in corrects:
            original = corrects[original]
        originals[pk] = original
    return originals


def _numbered(rows: list[tuple[Any, ...]]) -> list[tuple[int, tuple[Any, ...]]]:
    """One participant's current scores numbered 1, 2, … in the order their first record was
    made: an amendment keeps its original's number, a new score takes the next one."""
    originals = _originals({row[0]: row[1] for row in rows if row[1] is not None})
    ordered = sorted(rows, key=lambda row: originals.get(row[0], row[0]))
    return list(enumerate(ordered, start=1))


def _scores(dating: Dating, with_answers: bool) -> Callable[[], Iterator[tuple[Any, ...]]]:
    def rows() -> Iterator[tuple[Any, ...]]:
        found = (
            current(Assessment)
            .order_by("patient_id", "completed_at", "id")
            .values_list(
                "pk",
                "amends_id",
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
        kept = (row for row in found.iterator(CHUNK) if dating.keeps(row[8]))
        for _, participant in itertools.groupby(kept, key=lambda row: row[2]):
            for number, row in _numbered(list(participant)):
                yield from _score_lines(dating, number, row, with_answers)

    return rows


def _score_lines(
    dating: Dating, number: int, row: tuple[Any, ...], with_answers: bool
) -> Iterable[tuple[Any, ...]]:
    research_id, shift, instrument, version, context, completed_at, total, band, valid = row[3:12]
    if with_answers:
        return [(research_id, number, instrument, item, answer) for item, answer in row[12].items()]
    day = dating(completed_at, shift)
    return [(research_id, number, instrument, version, context, day, total, band, valid)]


def _infusions(dating: Dating) -> Callable[[], Iterator[tuple[Any, ...]]]:
    def rows() -> Iterator[tuple[Any, ...]]:
        for events in infusions.infusion_batches(CHUNK):
            who: dict[int, tuple[str, int]] = {
                pk: (research_id, shift)
                for pk, research_id, shift in ResearchIdentity.objects.filter(
                    patient_id__in={e.patient_id for e in events}
                ).values_list("patient_id", "research_id", "date_shift_days")
            }
            for e in events:
                if not dating.keeps(e.started_at):
                    continue
                research_id, shift = who[e.patient_id]
                yield (
                    research_id,
                    dating(e.started_at, shift),
                    rounded(e.dose_mg, DOSE_STEP_MG),
                    e.route,
                    rounded(e.duration_min, DURATION_STEP_MIN),
                    e.protocol_id,
                    ";".join(e.side_effects),
                    e.alerts,
                )

    return rows


def _dated(
    dating: Dating, queryset: Any, date_field: str, *fields: str
) -> Callable[[], Iterator[tuple[Any, ...]]]:
    def rows() -> Iterator[tuple[Any, ...]]:
        for research_id, shift, moment, *rest in queryset.values_list(
            *_WHO, date_field, *fields
        ).iterator(chunk_size=CHUNK):
            if dating.keeps(moment):
                yield research_id, dating(moment, shift), *rest

    return rows


def research_tables(
    actor: Actor, variant: Variant = Variant.SAFE_HARBOR, agreement: str = ""
) -> list[Table]:
    """The de-identified tables (or, with ``Variant.LIMITED_DATA_SET``, the limited data set
    for the data use ``agreement`` named); gives research ids to patients who lack one."""
    authorize(actor, Action.EXPORT_RESEARCH)
    agreement = agreement.strip()
    if variant == Variant.LIMITED_DATA_SET and not agreement:
        raise InvalidInput(
            [
                FieldError(
                    "agreement",
                    "a limited data set leaves only under a data use agreement: give its reference",
                )
            ]
        )
    created = ensure_identities()
    dating = Dating(variant, timezone.localdate())
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
                dating.column("first baseline score", "start_date"),
                C("protocol_id", "protocol of the current signed treatment plan"),
            ),
            _participants(dating),
        ),
        Table(
            "scores",
            "every current score (amended originals left out)",
            (
                RESEARCH_ID,
                C(
                    "score_number",
                    "the participant's scores numbered 1, 2, … in the order first recorded "
                    "(an amendment keeps its number)",
                ),
                C("instrument_id", "instrument"),
                C("instrument_version", "instrument definition version"),
                C("context", "baseline, pre_infusion, during_infusion, post_infusion, follow_up"),
                dating.column("when the questionnaire was completed"),
                C("total", "total score (empty when not valid)", "points"),
                C("band_code", "severity band"),
                C("valid", "whether the answers give a valid score"),
            ),
            _scores(dating, with_answers=False),
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
            _scores(dating, with_answers=True),
        ),
        Table(
            "infusions",
            "infusions given (from the infusion session records)",
            (
                RESEARCH_ID,
                dating.column("the infusion"),
                C("dose_mg", "ketamine given, to the whole mg", "mg"),
                C("route", "route of administration"),
                C("duration_min", "infusion length, to 5 minutes", "min"),
                C("protocol_id", "protocol"),
                C("side_effects", "side effects noted (codes, ';'-separated)"),
                C("alerts", "alerts raised during the session", "count"),
            ),
            _infusions(dating),
        ),
        Table(
            "alerts",
            "clinical alerts (codes only; messages are left out)",
            (
                RESEARCH_ID,
                dating.column("raised"),
                C("code", "what raised it"),
                C("severity", "info, warning, urgent"),
            ),
            _dated(dating, Alert.objects.order_by("id"), "raised_at", "code", "severity"),
        ),
        Table(
            "dropouts",
            "participants who stopped, with the reason (notes left out)",
            (RESEARCH_ID, dating.column("stopped"), C("reason", "why the participant stopped")),
            _dated(dating, current(Discontinuation).order_by("id"), "stopped_on", "reason"),
        ),
        Table(
            "booster_decisions",
            "physicians' decisions on booster suggestions (notes left out)",
            (
                RESEARCH_ID,
                dating.column("decided"),
                C("decision", "accepted or declined"),
                C("protocol_id", "protocol"),
            ),
            _dated(
                dating,
                BoosterReview.objects.order_by("id"),
                "decided_at",
                "decision",
                "protocol_id",
            ),
        ),
    ]
    audit.record(
        actor,
        Action.EXPORT_RESEARCH,
        detail={
            "variant": str(variant),
            "agreement": agreement,
            "tables": [t.name for t in tables],
            "new_research_ids": created,
        },
    )
    return tables
