"""FHIR Bulk Data exports: the jobs, who asked, their files, and each patient's record read a
chunk at a time for them (the FHIR writing is ``interop.fhir.bulk``)."""
