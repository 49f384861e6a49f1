"""Code systems and codes the FHIR resources use (clinical.md section 6 for the clinical ones)."""

from __future__ import annotations

from ketaclinic.instruments import LOCAL_CODE_SYSTEM

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"

# ketaclinic's own systems (urn: namespaces; no public code exists for these).
MRN_SYSTEM = "urn:ketaclinic:mrn"
INSTRUMENTS = LOCAL_CODE_SYSTEM
QUESTIONNAIRES = "urn:ketaclinic:questionnaire"
SUBSCORES = "urn:ketaclinic:subscores"
DRUGS = "urn:ketaclinic:drugs"
ROUTES = "urn:ketaclinic:routes"
APPOINTMENT_TYPES = "urn:ketaclinic:appointment-types"

FIBROMYALGIA = (
    {"system": ICD10CM, "code": "M79.7", "display": "Fibromyalgia"},
    {"system": SNOMED, "code": "203082005", "display": "Fibromyalgia"},
)
# Vital signs (confirmed codes, FHIR vital-signs value set; clinical.md 6).
BODY_WEIGHT = {"system": LOINC, "code": "29463-7", "display": "Body weight"}
BODY_HEIGHT = {"system": LOINC, "code": "8302-2", "display": "Body height"}
