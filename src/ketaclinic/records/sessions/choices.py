"""The choices of a session's records that the faces offer: rescue-medication routes and the
symptoms a urinary screen asks about. (Defined with the models; faces import them from here.)"""

from .models import URINARY_SYMPTOMS, MedicationRoute

__all__ = ["URINARY_SYMPTOMS", "MedicationRoute"]
