"""The records toolkit: the small parts every records service is made of.

A service is: authorize (``authorize_on`` for a record's patient), validate (``Strict``
models, ``validate``), find or refuse (``get_or_404``, ``get_or_invalid``), one transaction
(``atomic_or``: a constraint's refusal becomes a named error) with one audit entry; its
refusals are audited by one rule (``attempt``, ``audits_refusals``, ``refuse``).
"""

from .clock import local_date, local_start, local_today
from .finding import authorize_on, get_or_404, get_or_invalid, patient_id_of
from .inputs import (
    Aware,
    AwarePast,
    BirthDate,
    Email,
    FilterDay,
    HeightCm,
    Phone,
    Strict,
    WeightKg,
    filter_day,
    later_than,
    validate,
)
from .refusals import Attempt, attempt, audits_refusals, record_missing, refuse
from .transactions import atomic_or
from .weighings import Weighing, latest_height_cm, latest_measurement, latest_weighing

__all__ = [
    "Attempt",
    "Aware",
    "AwarePast",
    "BirthDate",
    "Email",
    "FilterDay",
    "HeightCm",
    "Phone",
    "Strict",
    "Weighing",
    "WeightKg",
    "atomic_or",
    "attempt",
    "audits_refusals",
    "authorize_on",
    "filter_day",
    "get_or_404",
    "get_or_invalid",
    "later_than",
    "latest_height_cm",
    "latest_measurement",
    "latest_weighing",
    "local_date",
    "local_start",
    "local_today",
    "patient_id_of",
    "record_missing",
    "refuse",
    "validate",
]
