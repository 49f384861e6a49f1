"""The whole record of one session, for its PDF and print view: the flowsheet (read, authorized
and audited as the flowsheet is) with what a reader needs to put it in the clinic's words: the
patient's allergies, who prepared and who double-checked the dose, and the names of the
protocol, instruments, gates and checklist items."""

from __future__ import annotations

from dataclasses import dataclass
from zoneinfo import ZoneInfo

from ketaclinic.core import DomainInputError
from ketaclinic.instruments import InstrumentError
from ketaclinic.protocols import get_protocol
from ketaclinic.records.assessments.registry import registry
from ketaclinic.records.context import Actor
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.plans.models import DoubleCheck, Preparation, PrnOrder
from ketaclinic.screening.allergies import Allergy
from ketaclinic.sessions import session_rules

from .reads import Flowsheet, get_flowsheet


@dataclass(frozen=True)
class SessionRecord:
    sheet: Flowsheet
    allergies: tuple[Allergy, ...]
    preparation: Preparation | None
    double_check: DoubleCheck | None
    """The matching double-check that verified the order."""
    protocol_name: str
    instrument_titles: dict[str, str]
    gate_labels: dict[str, str]
    confirmation_labels: dict[str, str]

    @property
    def zone(self) -> ZoneInfo:
        """The session's location's time zone: every time of the record is shown in it."""
        return self.sheet.session.location.zone

    @property
    def prn_orders(self) -> dict[int, PrnOrder]:
        return {order.pk: order for order in self.sheet.prn_orders}


def session_record(actor: Actor, session_id: int) -> SessionRecord:
    """Everything recorded in the session, for reading or printing; who may see the flowsheet
    may see this (``session.view``), and it is audited as a view of the session record."""
    sheet = get_flowsheet(actor, session_id, shown_as="session record")
    order = sheet.session.order
    rules = session_rules()
    checklist = (*rules.pre_checks.confirmations, *rules.discharge.confirmations)
    return SessionRecord(
        sheet=sheet,
        allergies=patient_allergies(sheet.session.patient),
        preparation=Preparation.objects.filter(order=order).select_related("prepared_by").first(),
        double_check=DoubleCheck.objects.filter(order=order, matches=True)
        .select_related("verified_by")
        .first(),
        protocol_name=protocol_name(sheet.session.protocol_id),
        instrument_titles={
            score.assessment.instrument_id: instrument_title(score.assessment.instrument_id)
            for score in sheet.scores
        },
        gate_labels={name: gate.label for name, gate in rules.gates.items()},
        confirmation_labels={item.kind: item.label for item in checklist},
    )


def protocol_name(protocol_id: str) -> str:
    try:
        return get_protocol(protocol_id).name
    except DomainInputError:
        return protocol_id


def instrument_title(instrument_id: str) -> str:
    try:
        return registry().get(instrument_id).title
    except InstrumentError:
        return instrument_id
