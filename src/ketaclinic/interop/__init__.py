"""Interoperability faces: FHIR (export, read endpoints' resources, patient import), CSV tables,
the de-identified research export and PDF reports. They call the records services only."""
