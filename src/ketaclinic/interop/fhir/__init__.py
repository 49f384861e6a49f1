"""FHIR R4 resources with ``fhir.resources.R4B`` (the 4.3 revision of R4: the same Patient,
Condition, Observation, QuestionnaireResponse, MedicationAdministration, Appointment and Bundle
resources). Every resource is validated by its model before it leaves."""

from .export import Addresser, patient_bundle, patient_resource
from .importing import read_patient_bundle

__all__ = [
    "Addresser",
    "patient_bundle",
    "patient_resource",
    "read_patient_bundle",
]
