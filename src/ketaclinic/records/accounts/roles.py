"""The five roles of the clinic's staff and patients."""

from django.db import models


class Role(models.TextChoices):
    PHYSICIAN = "physician", "Physician"
    NURSE = "nurse", "Infusion nurse"
    FRONT_DESK = "front_desk", "Front desk"
    MANAGER = "manager", "Clinic manager"
    PATIENT = "patient", "Patient"
