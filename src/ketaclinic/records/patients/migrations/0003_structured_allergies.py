"""Allergies typed as plain text become coded allergies, the way the services read text now:
text naming a known allergen ("Ketamine (anaphylaxis)") becomes that allergen with its
reaction; other text stays as flagged free text. Going back writes each allergy's one-line
description."""

from typing import Any

from django.db import migrations


def code_allergies(apps: Any, schema_editor: Any) -> None:
    from ketaclinic.screening.allergies import parse_allergy

    Patient = apps.get_model("patients", "Patient")
    for patient in Patient.objects.exclude(allergies=[]).iterator():
        if not any(isinstance(item, str) for item in patient.allergies):
            continue
        coded = []
        for item in patient.allergies:
            if isinstance(item, str):
                allergy = parse_allergy(item)
                item = {
                    "allergen": allergy.allergen,
                    "reaction": allergy.reaction,
                    "severity": allergy.severity,
                    "text": allergy.text,
                }
            coded.append(item)
        Patient.objects.filter(pk=patient.pk).update(allergies=coded)


def describe_allergies(apps: Any, schema_editor: Any) -> None:
    from ketaclinic.screening.allergies import allergy_from_mapping

    Patient = apps.get_model("patients", "Patient")
    for patient in Patient.objects.exclude(allergies=[]).iterator():
        described = [
            item if isinstance(item, str) else allergy_from_mapping(item).describe()
            for item in patient.allergies
        ]
        Patient.objects.filter(pk=patient.pk).update(allergies=described)


class Migration(migrations.Migration):
    dependencies = [("patients", "0002_responsible_physician")]

    operations = [migrations.RunPython(code_allergies, describe_allergies)]
