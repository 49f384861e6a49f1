"""The JSON API (django-ninja): OpenAPI at /api/openapi.json, interactive docs at /api/docs."""

from .app import api

__all__ = ["api"]
