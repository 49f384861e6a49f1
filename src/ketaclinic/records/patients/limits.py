"""What a *recordable* weight and height is: any plausible measurement of an adult, kept in
the record (the inputs and the database constraint read these numbers).

A *dosable* weight is narrower and belongs to the domain: the calculators refuse a weight or
height outside ``protocols.input_ranges()`` (ranges.toml). A patient may be weighed at 320 kg
(recorded) and still not be dosed by the calculator (refused, naming ``weight_kg``)."""

from __future__ import annotations

# Plausibility limits for an adult infusion clinic's records (clinic policy, issue #2).
WEIGHT_KG_MAX = 400.0
"""Recordable weights are in (0, WEIGHT_KG_MAX] kg."""
HEIGHT_CM_MIN = 50.0
HEIGHT_CM_MAX = 250.0
"""Recordable heights are in [HEIGHT_CM_MIN, HEIGHT_CM_MAX] cm."""
