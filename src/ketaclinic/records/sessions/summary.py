"""A session's summary computed in SQL, for lists (the board, the chart, outcomes): state,
infusion start and end, the volume infused, the highest CADSS-6 and alert counts, each an
annotation, so that a list of sessions is one query."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import (
    Count,
    Exists,
    IntegerField,
    OuterRef,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce, Greatest

from ketaclinic.records.alerts.models import Acknowledgement
from ketaclinic.records.assessments.models import Assessment
from ketaclinic.records.plans.models import Order
from ketaclinic.sessions import INFUSION_OVER, State

from .models import (
    PumpEvent,
    PumpEventKind,
    Session,
    SessionAlert,
    Signature,
    Transition,
    VitalSigns,
)
from .scores import CADSS6

SESSION = OuterRef("pk")


def _count(rows: QuerySet[Any]) -> Coalesce:
    counted = rows.order_by().values("session").annotate(n=Count("id")).values("n")
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def _highest_cadss6() -> Greatest:
    """The highest current CADSS-6 total scored in the session, or on an amendment of one: two
    index-led subqueries (an OR across both links made PostgreSQL scan every CADSS-6 score for
    each session)."""
    scores = Assessment.objects.current().filter(instrument_id=CADSS6, total__isnull=False)
    direct, amended = (
        Subquery(scores.filter(**{link: SESSION}).order_by("-total").values("total")[:1])
        for link in ("infusion_session__session", "amends__infusion_session__session")
    )
    # Greatest is NULL on SQLite when either side is: each side falls back to the other.
    return Greatest(Coalesce(direct, amended), Coalesce(amended, direct))


def with_summary(sessions: QuerySet[Session]) -> QuerySet[Any]:
    """Annotate ``state``, ``state_since``, ``started_at``, ``ended_at``, ``stopped_early``,
    ``last_vitals_at``, ``volume_infused_ml``, ``max_cadss6``, ``alert_count``,
    ``open_alerts``, ``urgent_open_alerts`` and ``signed_at``."""
    steps = Transition.objects.filter(session=SESSION)
    alerts = SessionAlert.objects.filter(session=SESSION)
    acknowledged = Acknowledgement.objects.filter(alert=OuterRef("alert"))
    open_alerts = alerts.filter(~Exists(acknowledged))
    return sessions.annotate(
        state=Coalesce(
            Subquery(steps.order_by("-seq").values("to_state")[:1]), Value(State.SCHEDULED.value)
        ),
        state_since=Subquery(steps.order_by("-seq").values("at")[:1]),
        started_at=Subquery(steps.filter(to_state=State.INFUSING).order_by("seq").values("at")[:1]),
        ended_at=Subquery(
            steps.filter(to_state__in=sorted(INFUSION_OVER)).order_by("-seq").values("at")[:1]
        ),
        stopped_early=Exists(steps.filter(to_state=State.STOPPED_EARLY)),
        last_vitals_at=Subquery(
            VitalSigns.objects.current().filter(session=SESSION).order_by("-at").values("at")[:1]
        ),
        volume_infused_ml=Subquery(
            PumpEvent.objects.current()
            .filter(session=SESSION, kind=PumpEventKind.END)
            .order_by("-at", "-id")
            .values("volume_infused_ml")[:1]
        ),
        max_cadss6=_highest_cadss6(),
        alert_count=_count(alerts),
        open_alerts=_count(open_alerts),
        urgent_open_alerts=_count(open_alerts.filter(alert__severity="urgent")),
        signed_at=Subquery(Signature.objects.filter(session=SESSION).values("signed_at")[:1]),
    )


def dose_given_mg(
    order: Order, started_at: datetime | None, volume_infused_ml: float | None
) -> float | None:
    """The dose given: the volume infused × the order's concentration for an infusion; the
    ordered dose for an injection or spray once given; None before."""
    if started_at is None:
        return None
    if order.rate_ml_per_h is None:
        return order.dose_mg
    if volume_infused_ml is None or order.concentration_mg_per_ml is None:
        return None
    return round(volume_infused_ml * order.concentration_mg_per_ml, 6)
