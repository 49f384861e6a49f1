"""The kinds of counts, losses and loss filings that the ledger's faces offer. (Defined with
the models; faces import them from here.)"""

from .models import CountKind, FilingKind, LossKind

__all__ = ["CountKind", "FilingKind", "LossKind"]
