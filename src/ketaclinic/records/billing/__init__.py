"""Billing: charges posted from completed visits and sessions, payments, deposits, refunds and
adjustments (append-only), packages of prepaid infusions, day close, receipts and superbills."""
