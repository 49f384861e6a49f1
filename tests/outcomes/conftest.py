from outcomes_support import (  # noqa: F401 (fixtures)
    book_consultation,
    clinician,
    infusions_given,
    location,
    scored,
    sign_plan,
)
