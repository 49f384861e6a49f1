"""The FHIR surface tests use the session tests' fixtures (sessions walked through their
states by the services) and helpers."""

import importlib.util
import sys
from pathlib import Path

SESSIONS = Path(__file__).resolve().parent.parent / "sessions"
sys.path.insert(0, str(SESSIONS))

_spec = importlib.util.spec_from_file_location("sessions_fixtures", SESSIONS / "conftest.py")
assert _spec is not None
assert _spec.loader is not None
_fixtures = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(_fixtures)

desk = _fixtures.desk
location = _fixtures.location
make_order = _fixtures.make_order
nurse = _fixtures.nurse
open_session = _fixtures.open_session
order = _fixtures.order
physician = _fixtures.physician
second_nurse = _fixtures.second_nurse
session = _fixtures.session
walked = _fixtures.walked
