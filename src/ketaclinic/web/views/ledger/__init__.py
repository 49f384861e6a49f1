"""Ledger pages: stock and balances per location, receive, draw, administer and waste (sized
for a tablet), reversals and adjustments, counts, discrepancies, loss reports, reports with
CSV, and set-up. Every form posts to a service; a refusal re-renders the form with the field's
message (422) or the clash (409), and nothing is written."""

from .counts import ledger_count_new, ledger_counts, ledger_discrepancies, ledger_resolve
from .draws import (
    ledger_administered,
    ledger_draw,
    ledger_draw_detail,
    ledger_reverse,
    ledger_waste,
)
from .losses import ledger_filing, ledger_loss_new, ledger_losses
from .reports import ledger_report_csv, ledger_reports
from .setup import ledger_product_new, ledger_setup, ledger_storage_new
from .stock import ledger_adjust, ledger_home, ledger_receive, ledger_stock

__all__ = [
    "ledger_adjust",
    "ledger_administered",
    "ledger_count_new",
    "ledger_counts",
    "ledger_discrepancies",
    "ledger_draw",
    "ledger_draw_detail",
    "ledger_filing",
    "ledger_home",
    "ledger_loss_new",
    "ledger_losses",
    "ledger_product_new",
    "ledger_receive",
    "ledger_report_csv",
    "ledger_reports",
    "ledger_resolve",
    "ledger_reverse",
    "ledger_setup",
    "ledger_stock",
    "ledger_storage_new",
    "ledger_waste",
]
