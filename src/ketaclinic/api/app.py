"""The NinjaAPI instance and its routers."""

from __future__ import annotations

from . import (
    alerts,
    assessments,
    auth,
    billing,
    bookings,
    consents,
    emergency,
    enquiries,
    errors,
    fhir,
    instruments,
    intake,
    ledger,
    outcomes,
    patients,
    pk,
    plans,
    pricing,
    protocols,
    public,
    results,
    scheduling,
    sessions,
)
from .documentation import DocumentedAPI, staff_only

api = DocumentedAPI(
    title="ketaclinic API",
    version="1",
    description=(
        "JSON API of ketaclinic. Authenticate with POST /api/auth/token, then send "
        "`Authorization: Bearer <token>`. Errors are JSON with the bad fields named. "
        "The software informs clinicians; clinicians decide."
    ),
    auth=auth.BearerToken(),
    urls_namespace="api",
    docs_decorator=staff_only,
)
errors.install(api)
api.add_router("/auth", auth.router)
api.add_router("/patients", patients.router)
api.add_router("/alerts", alerts.router)
api.add_router("/patients", assessments.router)
api.add_router("/instruments", instruments.router)
api.add_router("/pk", pk.router)
api.add_router("/patients", pk.patient_router)
api.add_router("/protocols", protocols.router)
api.add_router("/patients", plans.patient_router)
api.add_router("/screenings", plans.screening_router)
api.add_router("/plans", plans.plan_router)
api.add_router("/orders", plans.order_router)
api.add_router("/titrations", plans.titration_router)
api.add_router("/scheduling", scheduling.router)
api.add_router("/bookings", bookings.router)
api.add_router("/patients", bookings.patient_router)
api.add_router("/ledger", ledger.router)
api.add_router("/sessions", sessions.router)
api.add_router("/locations", sessions.location_router)
api.add_router("/patients", sessions.patient_router)
api.add_router("/patients", outcomes.patient_router)
api.add_router("/outcomes", outcomes.router)
api.add_router("/imports", fhir.import_router)
api.add_router("/patients", results.router)
api.add_router("/patients", consents.patient_router)
api.add_router("/consents", consents.router)
api.add_router("/consent-documents", consents.document_router)
api.add_router("/price-lists", pricing.router)
api.add_router("/patients", pricing.patient_router)
api.add_router("/estimates", pricing.estimate_router)
api.add_router("/patients", billing.router)
api.add_router("/patients", emergency.patient_router)
api.add_router("/emergency-access", emergency.router)
api.add_router("/patients", intake.patient_router)
api.add_router("/intake", intake.router)
api.add_router("/public", public.router)
api.add_router("/consultation-requests", enquiries.router)
