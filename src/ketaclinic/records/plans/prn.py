"""PRN (as-needed) rescue drug orders: written with each plan version from its protocol's
order set, so the physician's signature on the plan signs them too. A drug the patient is
allergic to is left out, and the plan says so."""

from __future__ import annotations

from dataclasses import dataclass

from ketaclinic.dosing.rescue import PrnSpec, default_rescue_formulary
from ketaclinic.records.patients.allergies import patient_allergies
from ketaclinic.records.patients.models import Patient
from ketaclinic.screening.allergies import Allergy, allergic_to

from .models import PrnOrder, TreatmentPlan


@dataclass(frozen=True)
class LeftOut:
    """A drug of the order set not ordered for this patient, and the allergy why."""

    drug: str
    allergy: Allergy


def order_set(protocol_id: str, patient: Patient) -> tuple[list[PrnSpec], list[LeftOut]]:
    """The protocol's PRN order set for this patient, and what their allergies leave out."""
    allergies = patient_allergies(patient)
    ordered, left_out = [], []
    for spec in default_rescue_formulary().order_set_for(protocol_id):
        allergy = allergic_to(allergies, spec.drug)
        if allergy is None:
            ordered.append(spec)
        else:
            left_out.append(LeftOut(spec.drug, allergy))
    return ordered, left_out


def write_prn_orders(plan: TreatmentPlan, patient: Patient) -> list[PrnOrder]:
    """The plan version's PRN orders; call inside the caller's transaction."""
    specs, _ = order_set(plan.protocol_id, patient)
    version = default_rescue_formulary().version
    return [
        PrnOrder.objects.create(
            plan=plan,
            drug=spec.drug,
            route=spec.route,
            indication=spec.indication,
            dose_mg=spec.dose_mg.value,
            dose_hard_max_mg=spec.dose_hard_max_mg.value,
            max_per_session_mg=spec.max_per_session_mg.value,
            sources={
                "indication": spec.indication_source,
                "dose_mg": spec.dose_mg.as_dict(),
                "dose_hard_max_mg": spec.dose_hard_max_mg.as_dict(),
                "max_per_session_mg": spec.max_per_session_mg.as_dict(),
            },
            rescue_version=version,
        )
        for spec in specs
    ]


def left_out_for(plan: TreatmentPlan) -> list[LeftOut]:
    """The drugs of the order set the patient's allergies leave out (read now: a drug ordered
    before an allergy was recorded is refused when given)."""
    return order_set(plan.protocol_id, plan.patient)[1]
