import sys
from pathlib import Path

# The outcome tests' helpers and fixtures serve the export tests too.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "outcomes"))

from fhir_support import full_record  # noqa: F401 (fixture)
from outcomes_support import (  # noqa: F401 (fixtures)
    book_consultation,
    clinician,
    infusions_given,
    location,
    scored,
    sign_plan,
)
