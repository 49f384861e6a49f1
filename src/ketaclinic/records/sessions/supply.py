"""The session and the controlled-substance ledger as one.

The infusion starts only once the ordered drug has been drawn for the session (or a reason
why no draw is needed is recorded: a bag prepared elsewhere); the draw is made from the
session, so the patient and the session's reference come from it; the session is signed only
when every draw made for it is accounted for (given + wasted = drawn).

``start_finding`` and ``sign_finding`` return what stops the step, or None; the start and
sign services call them.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db.models import Q

from ketaclinic.core import DomainInputError, Sourced
from ketaclinic.dosing import Preparation, Vial, default_formulary, make_up
from ketaclinic.dosing.stock import stocked_spec
from ketaclinic.protocols import get_protocol
from ketaclinic.records.accounts.permissions import Action
from ketaclinic.records.context import Actor
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.ledger import services as ledger
from ketaclinic.records.ledger.accounting import DrawAccount, Use, account
from ketaclinic.records.ledger.common import local_today
from ketaclinic.records.ledger.models import USE_KINDS, Balance, EntryKind, Product
from ketaclinic.records.ledger.models import Entry as LedgerEntry
from ketaclinic.records.patients.allergies import allergy_problem
from ketaclinic.records.plans.models import Order
from ketaclinic.records.toolkit import attempt
from ketaclinic.sessions import State

from .common import authorize_session, locked
from .inputs import DrawWaiverIn, SessionDrawIn, validate
from .models import DrawWaiver, LedgerPosting, Session

# Draws are made before the infusion starts (and, for rescue drugs, until discharge).
DRAW_STATES = frozenset(
    {
        State.CHECKED_IN,
        State.PRE_CHECKS_DONE,
        State.DOSE_VERIFIED,
        State.INFUSING,
        State.PAUSED,
        State.INFUSION_ENDED,
        State.RECOVERY,
    }
)


@dataclass(frozen=True)
class SessionDraw:
    draw: LedgerEntry
    account: DrawAccount


@dataclass(frozen=True)
class Supply:
    """What the flowsheet shows: the ordered drug, each draw's account, the waiver, the
    stock at the session's location that can be drawn, and how to make up the order's dose
    from that stock (or why it cannot be)."""

    drug: str
    draws: list[SessionDraw]
    waiver: DrawWaiver | None
    stock: list[Balance]
    preparation: Preparation | None
    preparation_problem: str

    @property
    def drawn_ordered_drug(self) -> bool:
        return any(d.draw.lot.product.drug == self.drug for d in self.draws)

    @property
    def to_account(self) -> list[SessionDraw]:
        return [d for d in self.draws if not d.account.settled]


def ordered_drug(session: Session) -> str:
    """The drug of the session's protocol (ketamine unless the protocol says otherwise)."""
    try:
        return get_protocol(session.protocol_id).drug
    except DomainInputError:
        return "ketamine"


def session_draws(session: Session) -> list[SessionDraw]:
    """Draws made for the session (its reference, or the one its ledger posting used), not
    reversed, each with what became of it."""
    posted = LedgerPosting.objects.filter(session=session).values("draw_id")
    draws = list(
        LedgerEntry.objects.filter(kind=EntryKind.DRAW, patient_id=session.patient_id)
        .filter(Q(reference=ledger.reference_for(session)) | Q(pk__in=posted))
        .filter(reversed_by__isnull=True)
        .select_related("lot__product")
        .order_by("occurred_at", "id")
    )
    uses = LedgerEntry.objects.filter(draw__in=draws, kind__in=USE_KINDS).values_list(
        "draw_id", "kind", "in_use_mg", "reversed_by"
    )
    by_draw: dict[int, list[Use]] = {d.pk: [] for d in draws}
    for draw_id, kind, in_use_mg, reversed_by in uses:
        by_draw[draw_id].append(Use(kind, -Decimal(in_use_mg), reversed_by is not None))
    return [SessionDraw(d, account(d.in_use_mg, by_draw[d.pk])) for d in draws]


def start_finding(session: Session) -> str | None:
    """What stops the infusion starting: no draw of the ordered drug and no recorded reason."""
    if DrawWaiver.objects.filter(session=session).exists():
        return None
    drug = ordered_drug(session)
    if any(d.draw.lot.product.drug == drug for d in session_draws(session)):
        return None
    return (
        f"no {drug} has been drawn from the ledger for this session: draw it from the "
        "session, or record why no draw is needed (e.g. a bag prepared elsewhere)"
    )


def allergy_finding(session: Session) -> str | None:
    """What stops the infusion starting: an allergy to the ordered drug recorded since the
    screening and the order."""
    return allergy_problem(session.patient, ordered_drug(session))


def sign_finding(session: Session) -> str | None:
    """What stops the signature: a draw of the session not yet fully given or wasted."""
    open_draws = [d for d in session_draws(session) if not d.account.settled]
    if not open_draws:
        return None
    return "account for every draw before signing (given + wasted = drawn): " + "; ".join(
        f"draw {d.draw.pk} of {d.draw.lot.product.name}: {d.account.describe()}" for d in open_draws
    )


def supply_for(session: Session) -> Supply:
    """Internal read for the flowsheet (which authorizes and audits)."""
    drug = ordered_drug(session)
    stock = _stock(session)
    preparation, problem = stocked_preparation(session.order, stock)
    return Supply(
        drug=drug,
        draws=session_draws(session),
        waiver=DrawWaiver.objects.filter(session=session).first(),
        stock=stock,
        preparation=preparation,
        preparation_problem=problem,
    )


def stocked_preparation(order: Order, stock: list[Balance]) -> tuple[Preparation | None, str]:
    """The order's dose made up from a vial in ``stock``: the steps name a product the
    location holds, not the formulary's default vial."""
    prepared_as = order.dose_result.get("preparation", {}).get("id")
    spec = next((p for p in default_formulary().preparations if p.id == prepared_as), None)
    if spec is None:
        return None, f"the order's preparation {prepared_as!r} is no longer in the formulary"
    vials = [_vial(balance.lot.product) for balance in stock]
    made_from = stocked_spec(spec, vials)
    if made_from is None:
        held = ", ".join(sorted({v.label for v in vials if v.drug == spec.drug})) or "none"
        return None, (
            f"no stocked vial fits the preparation ({spec.container}, "
            f"{spec.stock.label} in the formulary); {spec.drug} held here: {held}"
        )
    try:
        return make_up(made_from, order.dose_mg), ""
    except DomainInputError as error:
        return None, error.message


def _vial(product: Product) -> Vial:
    """A ledger product as the formulary describes a vial."""
    source = f"ledger product NDC {product.ndc}"
    return Vial(
        id=f"ndc-{product.ndc}",
        drug=product.drug,
        label=product.name,
        concentration_mg_per_ml=Sourced(float(product.strength_mg_per_ml), source),
        volume_ml=Sourced(float(product.vial_volume_ml), source),
        dilute_before_iv=False,
    )


def _stock(session: Session) -> list[Balance]:
    """Unexpired lots on hand in the cabinets at the session's location."""
    return list(
        Balance.objects.filter(
            storage__location_id=session.location_id,
            on_hand_ml__gt=0,
            lot__expires_on__gte=local_today(session.location),
        )
        .select_related("storage", "lot__product")
        .order_by("lot__product__drug", "lot__expires_on", "id")
    )


def draw_for_session(actor: Actor, session_id: int, data: Mapping[str, Any]) -> LedgerEntry:
    """Draw from a lot in a cabinet at the session's location, for this session's patient."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    with attempt(actor, Action.SESSION_RECORD, what="draw", patient_id=patient_id):
        fields = validate(SessionDrawIn, data)
        with locked(session_id, what="a draw") as ctx:
            session = ctx.session
            if ctx.timeline.state not in DRAW_STATES:
                raise Conflict(f"draw once the patient is checked in (now {ctx.timeline.state})")
            at = ctx.moment(fields.at)
            balance = (
                Balance.objects.filter(
                    storage_id=fields.storage_id, storage__location_id=session.location_id
                )
                .filter(lot_id=fields.lot_id)
                .first()
            )
            if balance is None:
                raise InvalidInput.single(
                    "lot_id", "is not stocked in a cabinet at this session's location"
                )
            drawn = ledger.draw(
                actor,
                {
                    "storage_id": fields.storage_id,
                    "lot_id": fields.lot_id,
                    "patient_id": session.patient_id,
                    "volume_ml": fields.volume_ml,
                    "reference": ledger.reference_for(session),
                    "occurred_at": at,
                },
            )
            ctx.record(actor, Action.SESSION_RECORD, session, "draw", draw=drawn.pk)
    return drawn


def waive_draw(actor: Actor, session_id: int, data: Mapping[str, Any]) -> DrawWaiver:
    """Record why this session needs no draw from the ledger (once, before the start)."""
    patient_id = authorize_session(actor, Action.SESSION_RECORD, session_id)
    with attempt(actor, Action.SESSION_RECORD, what="draw waiver", patient_id=patient_id):
        fields = validate(DrawWaiverIn, data)
        with locked(session_id, what="a reason for no draw") as ctx:
            if ctx.timeline.infusion_started_at is not None:
                raise Conflict("the infusion has started: the reason is recorded before it")
            if DrawWaiver.objects.filter(session=ctx.session).exists():
                raise Conflict("a reason for no draw is already recorded")
            waiver = DrawWaiver.objects.create(
                session=ctx.session, reason=fields.reason.strip(), recorded_by=actor.user
            )
            ctx.record(actor, Action.SESSION_RECORD, waiver, "draw waiver", reason=waiver.reason)
    return waiver
