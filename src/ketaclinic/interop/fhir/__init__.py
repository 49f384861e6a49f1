"""FHIR R4 resources with ``fhir.resources.R4B`` (the 4.3 revision of R4: the same Patient,
Condition, Observation, QuestionnaireResponse, MedicationAdministration, Appointment,
Encounter, Procedure and Bundle resources). Every resource is validated by its model before it
leaves."""

from .encounters import encounters_for, procedures_for
from .export import Addresser, patient_bundle, patient_resource
from .importing import read_patient_bundle

__all__ = [
    "Addresser",
    "encounters_for",
    "patient_bundle",
    "patient_resource",
    "procedures_for",
    "read_patient_bundle",
]
