"""Ketamine therapy protocols as versioned data."""

from .errors import DomainInputError

__all__ = ["DomainInputError"]
