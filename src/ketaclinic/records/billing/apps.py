from typing import Any

from django.apps import AppConfig


class BillingConfig(AppConfig):
    name = "ketaclinic.records.billing"
    label = "billing"
    verbose_name = "Billing: charges, payments, receipts"

    def ready(self) -> None:
        from ketaclinic.records.sessions.signals import session_signed_signal

        from .charges import post_session_charges

        def charge(sender: Any, session_id: int, actor: Any, **kwargs: Any) -> None:
            post_session_charges(actor, session_id)

        session_signed_signal.connect(charge, dispatch_uid="billing.charge_session", weak=False)
