"""Code systems and codes the FHIR resources use (clinical.md section 6 for the clinical ones)."""

from __future__ import annotations

from django.conf import settings

from ketaclinic.instruments import LOCAL_CODE_SYSTEM

LOINC = "http://loinc.org"
SNOMED = "http://snomed.info/sct"
ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm"
UCUM = "http://unitsofmeasure.org"
OBSERVATION_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category"
CONDITION_CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
CONDITION_VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
IDENTIFIER_TYPE = "http://terminology.hl7.org/CodeSystem/v2-0203"
RXNORM = "http://www.nlm.nih.gov/research/umls/rxnorm"
CONDITION_CATEGORY = "http://terminology.hl7.org/CodeSystem/condition-category"

# ketaclinic's own systems (urn: namespaces; no public code exists for these).
LEGACY_MRN_SYSTEM = "urn:ketaclinic:mrn"
"""The MRN system of files exported before the system became each clinic's own; still read."""
INSTRUMENTS = LOCAL_CODE_SYSTEM
QUESTIONNAIRES = "urn:ketaclinic:questionnaire"
SUBSCORES = "urn:ketaclinic:subscores"
DRUGS = "urn:ketaclinic:drugs"
ROUTES = "urn:ketaclinic:routes"
APPOINTMENT_TYPES = "urn:ketaclinic:appointment-types"
PROCEDURES = "urn:ketaclinic:procedures"
ACT_CODE = "http://terminology.hl7.org/CodeSystem/v3-ActCode"
PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType"


def mrn_system() -> str:
    """This installation's MRN identifier system (``KETACLINIC_MRN_SYSTEM``)."""
    return str(settings.KETACLINIC_MRN_SYSTEM)


FIBROMYALGIA = (
    {"system": ICD10CM, "code": "M79.7", "display": "Fibromyalgia"},
    {"system": SNOMED, "code": "203082005", "display": "Fibromyalgia"},
)
# Vital signs (confirmed codes, FHIR vital-signs value set; clinical.md 6).
BODY_WEIGHT = {"system": LOINC, "code": "29463-7", "display": "Body weight"}
BODY_HEIGHT = {"system": LOINC, "code": "8302-2", "display": "Body height"}
# US Core Condition: a category is required; fibromyalgia found by the ACR 2016 criteria is a
# problem-list item (FHIR R4 CodeSystem condition-category).
PROBLEM_LIST_ITEM = {
    "system": CONDITION_CATEGORY,
    "code": "problem-list-item",
    "display": "Problem List Item",
}
# RxNorm ingredient codes (RXCUI): ketamine 6130 (issue 19; screening/data/medications.toml
# lists it too). No RxNorm code for esketamine is confirmed here: it keeps the local code only.
DRUG_CODES = {"ketamine": {"system": RXNORM, "code": "6130", "display": "ketamine"}}
# SNOMED CT routes of administration (FHIR R4 ValueSet route-codes: descendants of 284009009
# "Route of administration values"); a route not listed keeps the local code only.
ROUTE_CODES = {
    "iv": {"system": SNOMED, "code": "47625008", "display": "Intravenous route"},
    "iv_infusion": {"system": SNOMED, "code": "47625008", "display": "Intravenous route"},
    "im": {"system": SNOMED, "code": "78421000", "display": "Intramuscular route"},
    "sc": {"system": SNOMED, "code": "34206005", "display": "Subcutaneous route"},
    "oral": {"system": SNOMED, "code": "26643006", "display": "Oral route"},
    "intranasal": {"system": SNOMED, "code": "46713006", "display": "Nasal route"},
}
# Encounter.class (FHIR R4 value set v3-ActEncounterCode): every visit here is ambulatory.
AMBULATORY = {"system": ACT_CODE, "code": "AMB", "display": "ambulatory"}
# Procedure.code for a dose given in a session: SNOMED CT 225426007 "Administration of
# therapeutic substance (procedure)", the concept the NHS Message Implementation Manual names
# for any substance administration, route left to qualifiers (vocabulary
# SubstanceAdministrationSnCT, https://data.developer.nhs.uk/dms/mim/4.2.00/Vocabulary/
# SubstanceAdministrationSnCT.htm). No code for "intravenous infusion of ketamine" itself is
# confirmed here: the route is the local code (PROCEDURES|<route>) and the text.
SUBSTANCE_ADMINISTRATION = {
    "system": SNOMED,
    "code": "225426007",
    "display": "Administration of therapeutic substance",
}
