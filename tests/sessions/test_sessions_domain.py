"""The pure session domain: the lifecycle state machine, the alert and plausibility rules at
their edges, the readiness checks, the vitals chart, and the package's purity."""

from __future__ import annotations

import ast
import copy
import math
import tomllib
import xml.etree.ElementTree as ET
from datetime import UTC, datetime, timedelta
from importlib.resources import files
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

import ketaclinic.sessions
from ketaclinic.core import DomainInputError, Sourced
from ketaclinic.protocols import get_protocol, titration_rule
from ketaclinic.sessions import (
    FINAL_STATES,
    TRANSITIONS,
    VITAL_QUANTITIES,
    Command,
    DischargeFacts,
    IllegalTransition,
    Phase,
    Point,
    PreCheckFacts,
    State,
    Step,
    Timeline,
    advance,
    allowed_commands,
    cadss6_findings,
    discharge_gaps,
    next_vitals_due,
    plausibility_problems,
    plausible_range,
    pre_check_gaps,
    replay,
    rules_from_mapping,
    session_rules,
    side_effect_findings,
    urinary_findings,
    vitals_findings,
    vitals_svg,
)

RULES = session_rules()
NORMAL = {
    "sbp_mm_hg": 120,
    "dbp_mm_hg": 75,
    "heart_rate_per_min": 70,
    "spo2_percent": 98,
    "resp_rate_per_min": 14,
}
HAPPY_PATH = [
    (Command.CHECK_IN, State.CHECKED_IN),
    (Command.COMPLETE_PRE_CHECKS, State.PRE_CHECKS_DONE),
    (Command.VERIFY_DOSE, State.DOSE_VERIFIED),
    (Command.START_INFUSION, State.INFUSING),
    (Command.PAUSE, State.PAUSED),
    (Command.RESUME, State.INFUSING),
    (Command.END_INFUSION, State.INFUSION_ENDED),
    (Command.START_RECOVERY, State.RECOVERY),
    (Command.DISCHARGE, State.DISCHARGED),
]
T0 = datetime(2026, 11, 23, 14, 0, tzinfo=UTC)


# --- the state machine ---------------------------------------------------------------------


@pytest.mark.parametrize("state", list(State))
@pytest.mark.parametrize("command", list(Command))
def test_every_pair_is_allowed_exactly_when_the_table_says(state: State, command: Command) -> None:
    reason = "a reason"
    if (state, command) in TRANSITIONS:
        assert advance(state, command, reason) == TRANSITIONS[(state, command)]
    else:
        with pytest.raises(IllegalTransition, match=f"cannot {command}"):
            advance(state, command, reason)


def test_the_happy_path_with_a_pause() -> None:
    state = State.SCHEDULED
    for command, expected in HAPPY_PATH:
        state = advance(state, command, "needed" if command == Command.PAUSE else "")
        assert state == expected


@pytest.mark.parametrize("command", [Command.PAUSE, Command.STOP_EARLY, Command.CANCEL])
@pytest.mark.parametrize("reason", ["", "   "])
def test_pause_stop_and_cancel_need_a_reason(command: Command, reason: str) -> None:
    state = State.INFUSING if command != Command.CANCEL else State.CHECKED_IN
    with pytest.raises(IllegalTransition, match="needs a reason"):
        advance(state, command, reason)


def test_unknown_commands_are_refused() -> None:
    with pytest.raises(IllegalTransition, match="unknown command"):
        advance(State.SCHEDULED, "teleport")


@pytest.mark.parametrize("state", sorted(FINAL_STATES))
def test_final_states_accept_nothing(state: State) -> None:
    assert allowed_commands(state) == ()


def test_an_infusion_stopped_early_still_goes_through_recovery() -> None:
    steps = [(c.value, "r") for c, _ in HAPPY_PATH[:4]]
    state = replay([*steps, ("stop_early", "nausea"), ("start_recovery", "")])
    assert state == State.RECOVERY
    assert advance(state, Command.DISCHARGE) == State.DISCHARGED
    with pytest.raises(IllegalTransition):
        replay([*steps, ("stop_early", "nausea"), ("discharge", "")])


MAIN_LINE = [
    State.CHECKED_IN,
    State.PRE_CHECKS_DONE,
    State.DOSE_VERIFIED,
    State.INFUSING,
    State.RECOVERY,
    State.DISCHARGED,
]


@given(st.lists(st.tuples(st.sampled_from(list(Command)), st.booleans()), max_size=40))
def test_random_commands_never_skip_a_step(commands: list[tuple[Command, bool]]) -> None:
    """Whatever is tried, only listed moves happen, final states are final, and a discharge
    has passed through every step of the main line in order."""
    state, visited = State.SCHEDULED, [State.SCHEDULED]
    for command, with_reason in commands:
        legal = (state, command) in TRANSITIONS and (
            with_reason or command not in {Command.PAUSE, Command.STOP_EARLY, Command.CANCEL}
        )
        try:
            after = advance(state, command, "because" if with_reason else "")
        except IllegalTransition:
            assert not legal
            continue
        assert legal
        assert state not in FINAL_STATES
        assert after == TRANSITIONS[(state, command)]
        state = after
        visited.append(state)
    if State.DISCHARGED in visited:
        positions = [visited.index(step) for step in MAIN_LINE]
        assert positions == sorted(positions)
        ended = {State.INFUSION_ENDED, State.STOPPED_EARLY}
        assert ended & set(visited[positions[3] : positions[4]])
    if State.CANCELLED in visited:
        assert State.INFUSING not in visited


def test_the_timeline_knows_the_state_at_any_moment() -> None:
    steps = [
        Step(Command.CHECK_IN, State.CHECKED_IN, T0),
        Step(Command.COMPLETE_PRE_CHECKS, State.PRE_CHECKS_DONE, T0 + timedelta(minutes=5)),
        Step(Command.VERIFY_DOSE, State.DOSE_VERIFIED, T0 + timedelta(minutes=6)),
        Step(Command.START_INFUSION, State.INFUSING, T0 + timedelta(minutes=10)),
        Step(Command.STOP_EARLY, State.STOPPED_EARLY, T0 + timedelta(minutes=20)),
    ]
    timeline = Timeline(steps)
    assert timeline.state_at(T0 - timedelta(seconds=1)) == State.SCHEDULED
    assert timeline.state_at(T0) == State.CHECKED_IN
    assert timeline.state_at(T0 + timedelta(minutes=15)) == State.INFUSING
    assert timeline.infusion_started_at == T0 + timedelta(minutes=10)
    assert timeline.infusion_ended_at == T0 + timedelta(minutes=20)
    assert timeline.stopped_early
    assert Timeline([]).state == State.SCHEDULED


# --- alert rules at their edges ------------------------------------------------------------


@pytest.mark.parametrize("rule", RULES.vitals, ids=lambda rule: rule.code)
def test_each_vitals_rule_fires_just_beyond_its_threshold_and_not_at_it(rule: Any) -> None:
    phase = sorted(rule.phases)[0]
    step = 1 if rule.direction == "above" else -1
    at_edge = {**NORMAL, rule.quantity: rule.threshold.value}
    beyond = {**NORMAL, rule.quantity: rule.threshold.value + step}
    if rule.quantity == "dbp_mm_hg":
        at_edge["sbp_mm_hg"] = beyond["sbp_mm_hg"] = 130
    if rule.quantity == "sbp_mm_hg" and rule.direction == "below":
        at_edge["dbp_mm_hg"] = beyond["dbp_mm_hg"] = 60
    assert not plausibility_problems(beyond, RULES)
    assert rule.code not in {f.code for f in vitals_findings(at_edge, phase, RULES)}
    fired = [f for f in vitals_findings(beyond, phase, RULES) if f.code == rule.code]
    assert len(fired) == 1
    assert fired[0].suggested_action
    assert fired[0].source == rule.threshold.source
    assert f"{rule.threshold.value + step:g}" in fired[0].message


def test_the_issue_thresholds_are_the_data() -> None:
    thresholds = {(r.quantity, r.direction): r.threshold.value for r in RULES.vitals}
    assert thresholds[("sbp_mm_hg", "above")] in (180, 140)
    assert {
        ("sbp_mm_hg", "below"): 90,
        ("heart_rate_per_min", "above"): 120,
        ("heart_rate_per_min", "below"): 50,
        ("spo2_percent", "below"): 92,
        ("resp_rate_per_min", "below"): 10,
    }.items() <= thresholds.items()
    for rule in RULES.vitals:
        assert "clinical.md" in rule.threshold.source or rule.threshold.source == "clinic policy"


def test_pre_dose_blood_pressure_alerts_only_before_the_infusion() -> None:
    raised = {**NORMAL, "sbp_mm_hg": 150}
    assert [f.code for f in vitals_findings(raised, Phase.PRE_INFUSION, RULES)] == [
        "vitals.bp_pre_dose"
    ]
    assert vitals_findings(raised, Phase.DURING_INFUSION, RULES) == []


def test_cadss6_alerts_above_the_protocols_threshold() -> None:
    threshold = titration_rule(get_protocol("ketamine-iv-0.5mgkg-40min").titration_rule).cadss6_max
    assert (threshold.value, threshold.source) == (12, "clinic policy")
    assert cadss6_findings(12, threshold, RULES) == []
    [finding] = cadss6_findings(13, threshold, RULES)
    assert finding.code == "cadss6.high"
    assert finding.source == "clinic policy"


def test_a_severe_side_effect_alerts_with_its_own_action() -> None:
    assert side_effect_findings("nausea", "moderate", RULES) == []
    [finding] = side_effect_findings("nausea", "severe", RULES)
    assert "Antiemetic" in finding.suggested_action
    [other] = side_effect_findings("headache", "severe", RULES)
    assert other.suggested_action == RULES.side_effects.default_action


def test_any_urinary_symptom_alerts() -> None:
    none = {"urgency": False, "frequency": False, "dysuria": False, "haematuria": False}
    assert urinary_findings(none, RULES) == []
    [finding] = urinary_findings({**none, "haematuria": True}, RULES)
    assert "haematuria" in finding.message
    assert "clinical.md 1.7" in finding.source


# --- impossible versus alarming ------------------------------------------------------------


@pytest.mark.parametrize(
    ("quantity", "value"),
    [
        ("sbp_mm_hg", 400),
        ("spo2_percent", 120),
        ("heart_rate_per_min", -5),
        ("resp_rate_per_min", 0),
        ("dbp_mm_hg", math.nan),
    ],
)
def test_impossible_values_are_refused_naming_the_field(quantity: str, value: float) -> None:
    [problem] = plausibility_problems({**NORMAL, quantity: value}, RULES)
    assert problem.field == quantity
    assert "typo" in problem.message


def test_alarming_but_possible_values_are_accepted_and_alert() -> None:
    alarming = {"sbp_mm_hg": 230, "dbp_mm_hg": 120, "heart_rate_per_min": 140,
                "spo2_percent": 85, "resp_rate_per_min": 8}  # fmt: skip
    assert plausibility_problems(alarming, RULES) == []
    codes = {f.code for f in vitals_findings(alarming, Phase.DURING_INFUSION, RULES)}
    assert {"vitals.sbp_high", "vitals.hr_high", "vitals.spo2_low", "vitals.rr_low"} <= codes


def test_a_missing_value_and_a_diastolic_above_the_systolic_are_named() -> None:
    problems = plausibility_problems({**NORMAL, "spo2_percent": None}, RULES)
    assert [(p.field, p.message) for p in problems] == [("spo2_percent", "is required")]
    [problem] = plausibility_problems({**NORMAL, "dbp_mm_hg": 120}, RULES)
    assert problem.field == "dbp_mm_hg"


@given(st.sampled_from(VITAL_QUANTITIES), st.floats(allow_nan=False, width=32))
def test_a_value_is_refused_exactly_when_outside_its_range(quantity: str, value: float) -> None:
    low, high = (bound.value for bound in plausible_range(quantity, RULES))
    reading = {**NORMAL, quantity: value}
    if quantity in ("sbp_mm_hg", "dbp_mm_hg"):
        reading.update(sbp_mm_hg=300, dbp_mm_hg=20)
        reading[quantity] = value
    problems = {p.field for p in plausibility_problems(reading, RULES)}
    assert (quantity in problems) == (not low <= value <= high)


# --- readiness -----------------------------------------------------------------------------


def _pre(**changes: Any) -> PreCheckFacts:
    ready = PreCheckFacts(
        sex="female",
        weighed_today=True,
        weight_recheck=(),
        has_vitals=True,
        instruments_done=frozenset(RULES.pre_checks.instruments),
        confirmations=frozenset(item.kind for item in RULES.pre_checks.confirmations),
        repeat_infusion=True,
        urinary_screened=True,
    )
    return PreCheckFacts(**{**ready.__dict__, **changes})


def test_pre_checks_name_each_missing_item() -> None:
    assert pre_check_gaps(_pre(), RULES) == []
    fields = {
        gap.field
        for gap in pre_check_gaps(
            _pre(
                weighed_today=False,
                has_vitals=False,
                instruments_done=frozenset(),
                confirmations=frozenset(),
                urinary_screened=False,
            ),
            RULES,
        )
    }
    assert fields == {
        "weight_kg",
        "vitals",
        "scores",
        "urinary_screen",
        "confirmations.pregnancy_excluded",
        "confirmations.fasting",
        "confirmations.escort_arranged",
    }


def test_pregnancy_is_asked_only_where_it_applies_and_urinary_only_on_repeats() -> None:
    male = {g.field for g in pre_check_gaps(_pre(sex="male", confirmations=frozenset()), RULES)}
    assert "confirmations.pregnancy_excluded" not in male
    first = pre_check_gaps(_pre(repeat_infusion=False, urinary_screened=False), RULES)
    assert first == []
    changed = pre_check_gaps(_pre(weight_recheck=("weight changed 12%",)), RULES)
    assert [g.field for g in changed] == ["weight_kg"]


def _discharge(**changes: Any) -> DischargeFacts:
    ready = DischargeFacts(
        now=T0 + timedelta(minutes=60),
        infusion_ended_at=T0,
        observation=Sourced(60, "ED low-dose protocol"),
        aldrete_total=9,
        aldrete_ready=True,
        instruments_done=frozenset(RULES.discharge.instruments),
        confirmations=frozenset(item.kind for item in RULES.discharge.confirmations),
        open_alerts=0,
    )
    return DischargeFacts(**{**ready.__dict__, **changes})


def test_discharge_waits_for_the_observation_time_to_the_minute() -> None:
    assert discharge_gaps(_discharge(), RULES) == []
    [gap] = discharge_gaps(_discharge(now=T0 + timedelta(minutes=59)), RULES)
    assert gap.field == "observation"
    assert "1 min to go" in gap.message


def test_discharge_names_each_missing_criterion() -> None:
    gaps = discharge_gaps(
        _discharge(
            aldrete_total=8,
            aldrete_ready=False,
            instruments_done=frozenset(),
            confirmations=frozenset(),
            open_alerts=2,
        ),
        RULES,
    )
    assert [g.field for g in gaps] == [
        "aldrete",
        "scores",
        "confirmations.escort_present",
        "confirmations.instructions_given",
        "confirmations.oriented",
        "confirmations.walks_steadily",
        "confirmations.nausea_controlled",
        "alerts",
    ]
    unscored = discharge_gaps(_discharge(aldrete_total=None, aldrete_ready=False), RULES)
    assert [g.field for g in unscored] == ["aldrete"]
    assert [g.field for g in discharge_gaps(_discharge(infusion_ended_at=None), RULES)] == ["state"]


def test_vitals_are_due_an_interval_after_the_start_or_the_last_set() -> None:
    start = T0 + timedelta(minutes=10)
    assert next_vitals_due(State.CHECKED_IN, None, None, 15) is None
    assert next_vitals_due(State.INFUSING, start, None, 15) == start + timedelta(minutes=15)
    last = start + timedelta(minutes=20)
    assert next_vitals_due(State.RECOVERY, start, last, 15) == last + timedelta(minutes=15)
    assert next_vitals_due(State.DISCHARGED, start, last, 15) is None


# --- the data file and the chart -----------------------------------------------------------


def _raw() -> dict[str, Any]:
    text = files("ketaclinic.sessions").joinpath("data", "session_rules.toml").read_text()
    return tomllib.loads(text)


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["vitals"][0].pop("above"), "vitals[0]"),
        (lambda d: d["vitals"][0]["above"].pop("source"), "vitals[0].above.source"),
        (lambda d: d["vitals"][0].update(phases=["tea_time"]), "vitals[0].phases"),
        (lambda d: d["side_effects"]["actions"].update(sneezing="x"), "side_effects.actions"),
        (lambda d: d["monitoring"].pop("vitals_interval_min"), "monitoring.vitals_interval_min"),
    ],
)
def test_a_broken_rules_file_names_the_field(change: Any, field: str) -> None:
    data = copy.deepcopy(_raw())
    change(data)
    with pytest.raises(DomainInputError) as caught:
        rules_from_mapping(data)
    assert caught.value.field == field


def test_every_number_in_the_rules_has_a_source() -> None:
    assert RULES.vitals_interval_min.value == 15
    assert RULES.vitals_interval_min.source == "clinic policy"
    assert all(bound.source for bounds in RULES.plausible.values() for bound in bounds)


def test_the_chart_is_well_formed_svg_with_a_line_per_sign() -> None:
    points = [Point(minute, {**NORMAL, "sbp_mm_hg": 120 + minute}) for minute in (0.0, 15.0, 30.0)]
    svg = vitals_svg(points)
    root = ET.fromstring(svg)
    lines = root.findall(".//{http://www.w3.org/2000/svg}polyline")
    assert len(lines) == len(VITAL_QUANTITIES)
    ticks = [t.text for t in root.findall(".//{http://www.w3.org/2000/svg}text")]
    assert {"0", "15", "30", "minutes from the first reading"} <= set(ticks)
    assert ET.fromstring(vitals_svg([])) is not None


def test_the_package_is_pure() -> None:
    package = Path(ketaclinic.sessions.__file__).parent
    offenders = []
    for path in package.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            offenders += [
                name
                for name in names
                if name.split(".")[0] == "django"
                or name.startswith(("ketaclinic.records", "ketaclinic.api", "ketaclinic.web"))
            ]
    assert offenders == []
