from ketaclinic.screening import conditions, known_condition_ids


def test_condition_ids_are_unique_and_labelled() -> None:
    ids = [condition.id for condition in conditions()]
    assert len(ids) == len(set(ids))
    assert all(condition.label and condition.section for condition in conditions())
    assert known_condition_ids() == frozenset(ids)


def test_vocabulary_covers_the_notes_contraindications() -> None:
    required = {
        "poorly_controlled_cardiovascular_disease",
        "ischaemic_heart_disease",
        "pregnancy",
        "active_psychosis",
        "schizophrenia",
        "prior_adverse_reaction_to_ketamine",
        "severe_hepatic_disease",
        "moderate_hepatic_disease",
        "alcohol_misuse",
        "chronic_hepatitis",
        "raised_intracranial_pressure",
        "raised_intraocular_pressure",
        "active_substance_abuse",
        "hypersensitivity_to_ketamine",
        "aneurysmal_vascular_disease",
        "arteriovenous_malformation",
        "prior_intracerebral_haemorrhage",
        "high_cardiovascular_risk",
        "urinary_symptoms",
        "ketamine_cystitis_history",
        "hypertension",
    }
    assert required <= known_condition_ids()
