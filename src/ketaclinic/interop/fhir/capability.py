"""The server's CapabilityStatement (``GET /fhir/metadata``): exactly what it supports, so a
FHIR client can discover it."""

from __future__ import annotations

from datetime import datetime

import ketaclinic

from .resource import Resource, validated
from .search import SEARCHES

FHIR_VERSION = "4.0.1"
EVERYTHING = "http://hl7.org/fhir/OperationDefinition/Patient-everything"
SECURITY_SERVICE = "http://terminology.hl7.org/CodeSystem/restful-security-service"


def _resource(kind: str) -> Resource:
    interactions = [{"code": "search-type"}]
    if kind == "Patient":
        interactions.insert(0, {"code": "read"})
    entry: Resource = {
        "type": kind,
        "interaction": interactions,
        "searchParam": [
            {
                "name": parameter.name,
                "type": parameter.type,
                "documentation": parameter.documentation,
            }
            for parameter in SEARCHES[kind]
        ]
        + [
            {"name": "_count", "type": "number", "documentation": "Matches per page (1–500)."},
        ],
    }
    if kind == "Patient":
        entry["operation"] = [{"name": "everything", "definition": EVERYTHING}]
    return entry


def capability_statement(base_url: str, now: datetime) -> Resource:
    """What this server answers: reads and searches of one patient's record, with a bearer
    token; every error an OperationOutcome."""
    return validated(
        {
            "resourceType": "CapabilityStatement",
            "status": "active",
            "date": now.isoformat(),
            "publisher": "ketaclinic",
            "kind": "instance",
            "software": {"name": "ketaclinic", "version": ketaclinic.__version__},
            "implementation": {
                "description": "ketaclinic FHIR R4 server: read-only access to patient records",
                "url": base_url,
            },
            "fhirVersion": FHIR_VERSION,
            "format": ["json"],
            "rest": [
                {
                    "mode": "server",
                    "documentation": (
                        "Searches other than Patient?identifier= are within one patient "
                        "(patient or subject is required). A parameter not listed here is "
                        "refused with an OperationOutcome, or ignored and left out of the self "
                        "link under 'Prefer: handling=lenient'."
                    ),
                    "security": {
                        "service": [
                            {
                                "coding": [{"system": SECURITY_SERVICE, "code": "OAuth"}],
                                "text": "Bearer token from POST /api/auth/token",
                            }
                        ],
                        "description": "Send 'Authorization: Bearer <token>'. The same "
                        "permissions and audit as the clinic's other screens apply.",
                    },
                    "resource": [
                        *(_resource(kind) for kind in SEARCHES),
                        {"type": "Questionnaire", "interaction": [{"code": "read"}]},
                    ],
                }
            ],
        }
    )
