"""Names the plan tests share (importable as ``plans_support``)."""

from __future__ import annotations

SEED = "ketamine-iv-0.5mgkg-40min"
CHRONIC_PAIN = "ketamine-iv-0.5mgkgh-240min"
ESKETAMINE = "esketamine-in-56mg"
# The seed regimen's order for a 70 kg patient: 35 mg in 35 mL (1 mg/mL) at 52.5 mL/h.
SEED_DOSE = {"dose_mg": 35, "volume_ml": 35, "rate_ml_per_h": 52.5}
