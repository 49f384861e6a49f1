"""The clinic's words for the session's commands, measurement phases and vital signs, shared
by the flowsheet and the session record (PDF and print view)."""

from __future__ import annotations

from .lifecycle import Command, Phase

COMMAND_LABELS = {
    Command.CHECK_IN: "Check in",
    Command.COMPLETE_PRE_CHECKS: "Pre-infusion checks done",
    Command.VERIFY_DOSE: "Dose verified",
    Command.START_INFUSION: "Start infusion",
    Command.PAUSE: "Pause",
    Command.RESUME: "Resume",
    Command.END_INFUSION: "End infusion",
    Command.STOP_EARLY: "Stop early",
    Command.START_RECOVERY: "Start recovery",
    Command.DISCHARGE: "Discharge",
    Command.CANCEL: "Cancel session",
}
PHASE_LABELS = {
    Phase.PRE_INFUSION: "before the infusion",
    Phase.DURING_INFUSION: "during the infusion",
    Phase.POST_INFUSION: "after the infusion",
}
VITAL_LABELS = {
    "sbp_mm_hg": "Systolic (mm Hg)",
    "dbp_mm_hg": "Diastolic (mm Hg)",
    "heart_rate_per_min": "Heart rate (/min)",
    "spo2_percent": "SpO2 (%)",
    "resp_rate_per_min": "Resp. rate (/min)",
}
# What each step did, for the timeline: "Pre-infusion checks done by Nurse Ana Ruiz at 09:12".
STEP_DONE_LABELS = {
    Command.CHECK_IN: "Checked in",
    Command.COMPLETE_PRE_CHECKS: "Pre-infusion checks done",
    Command.VERIFY_DOSE: "Dose verified",
    Command.START_INFUSION: "Infusion started",
    Command.PAUSE: "Infusion paused",
    Command.RESUME: "Infusion resumed",
    Command.END_INFUSION: "Infusion ended",
    Command.STOP_EARLY: "Infusion stopped early",
    Command.START_RECOVERY: "Recovery started",
    Command.DISCHARGE: "Discharged",
    Command.CANCEL: "Session cancelled",
}
