"""The audited actions that are not permissions: what else the trail records by name.

A permission (``accounts.permissions.Action``) is audited under its own value; these name the
finer steps inside one (a chair added under ``clinic.configure``) and the events no permission
guards (a login, an alert raised). The stored values are the trail's: never rename one.
"""

from __future__ import annotations

from enum import StrEnum


class Audited(StrEnum):
    ACCOUNT_CREATE = "account.create"
    ACCOUNT_DEACTIVATE = "account.deactivate"
    ACCOUNT_LIST = "account.list"
    ACCOUNT_REACTIVATE = "account.reactivate"
    ACCOUNT_RESET_ISSUE = "account.reset_issue"
    ACCOUNT_RESET_USE = "account.reset_use"
    ACCOUNT_ROLE_CHANGE = "account.role_change"
    ACCOUNT_UNLOCK = "account.unlock"
    ALERT_RAISE = "alert.raise"
    ASSESSMENT_REQUEST_WITHDRAW = "assessment.request_withdraw"
    AUTH_LOGIN = "auth.login"
    AUTH_LOGOUT = "auth.logout"
    AUTH_TOKEN = "auth.token"
    AUTH_TOKEN_REVOKE = "auth.token_revoke"
    BOARD_UTILISATION = "board.utilisation"
    BOOKING_CANCEL_SERIES = "booking.cancel_series"
    BOOKING_FREE_SLOTS = "booking.free_slots"
    BOOKING_PLANS = "booking.plans"
    BOOKING_PROPOSE = "booking.propose"
    CALENDAR_FEED_CREATE = "calendar.feed_create"
    CALENDAR_FEED_READ = "calendar.feed_read"
    CALENDAR_FEED_REVOKE = "calendar.feed_revoke"
    CLINIC_CHAIR_ADD = "clinic.chair_add"
    CLINIC_CHAIR_CHANGE = "clinic.chair_change"
    CLINIC_CLOSURE_REMOVE = "clinic.closure_remove"
    CLINIC_HOURS_SET = "clinic.hours_set"
    CLINIC_LOCATION_CREATE = "clinic.location_create"
    CLINIC_SHIFT_REMOVE = "clinic.shift_remove"
    LEDGER_ADJUST = "ledger.adjust"
    LEDGER_REVERSE = "ledger.reverse"
    PATIENT_UPDATE = "patient.update"
    PLAN_CALCULATE = "plan.calculate"
    RECORD_MISSING = "record.missing"
    REMINDER_RETRY = "reminder.retry"
    REMINDER_SEND = "reminder.send"
    WAITLIST_ADD = "waitlist.add"
    WAITLIST_BOOK = "waitlist.book"
    WAITLIST_DECLINE = "waitlist.decline"
    WAITLIST_OFFER = "waitlist.offer"
    WAITLIST_VIEW = "waitlist.view"
    WAITLIST_WITHDRAW = "waitlist.withdraw"
