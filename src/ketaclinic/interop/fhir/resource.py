"""A FHIR resource as JSON-ready data, and its check by the fhir.resources model."""

from __future__ import annotations

from typing import Any

from fhir.resources.R4B import get_fhir_model_class

Resource = dict[str, Any]


def validated(resource: Resource) -> Resource:
    """The resource checked by its fhir.resources model, as JSON-ready data."""
    model = get_fhir_model_class(resource["resourceType"])
    return model.model_validate(resource).model_dump(mode="json", exclude_none=True)
