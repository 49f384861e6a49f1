"""The session screen as a flowsheet in the clinic's words: the time × parameter grid flags a
value outside an alert limit (H/L, colour), the trend chart is wide with readable text and the
limits drawn, the timeline, checklist and next step read as sentences, the administration
record, and the steps that end a session asked to confirm (a post without the confirmation
or the reason is refused, nothing written)."""

from __future__ import annotations

import re
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from sessions_support import LATE

from ketaclinic.records.sessions import flowsheet
from ketaclinic.records.sessions.models import Transition, VitalSigns
from ketaclinic.sessions import Phase, Point, chart_limits, session_rules, vitals_svg
from ketaclinic.web.views.session_sheet import limit_words, without_rule

pytestmark = pytest.mark.django_db

DOSE = {"dose_mg": 35, "volume_ml": 35, "rate_ml_per_h": 52.5}  # as conftest prepares it


def _page(client: Any, session: Any) -> str:
    answer = client.get(f"/sessions/{session.pk}/")
    assert answer.status_code == 200
    return str(answer.content.decode())


def _between(html: str, after: str, before: str) -> str:
    """The part of ``html`` after the first ``after``, up to the next ``before``."""
    return html.split(after, 1)[1].split(before, 1)[0]


def _grid(html: str) -> str:
    match = re.search(r'<table class="flowsheet-grid">.*?</table>', html, re.S)
    assert match, "the page has a flowsheet grid"
    return match.group(0)


def test_the_grid_flags_a_190_over_115_reading_high_in_colour(
    nurse_web: Any, nurse: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=40)
    at = timezone.now() - timedelta(minutes=5)
    reading = {
        "sbp_mm_hg": 190,
        "dbp_mm_hg": 115,
        "heart_rate_per_min": 45,
        "spo2_percent": 97,
        "resp_rate_per_min": 14,
    }
    flowsheet.record_vitals(nurse, session.pk, {**reading, **LATE, "at": at})
    html = _page(nurse_web, session)
    grid = _grid(html)
    # Columns are reading times, rows the vital signs and the scores recorded.
    local = timezone.localtime(at, session.location.zone)
    assert f">{local:%H:%M}</time>" in grid
    for row in ("Systolic BP (mm Hg)", "Diastolic BP (mm Hg)", "Heart rate (/min)", "SpO2 (%)"):
        assert f'<th scope="row" class="param">{row}</th>' in grid
    assert "CADSS-6" in grid or "Pain right now" in grid
    assert re.search(r'class="flag-high"[^>]*>190 H</span>', grid)
    assert re.search(r'class="flag-high"[^>]*>115 H</span>', grid)
    assert re.search(r'class="flag-low"[^>]*>45 L</span>', grid)
    assert not re.search(r">97 [HL]<", grid)
    # The limits are the session rules', in words: nothing invented.
    assert "&lt; 90 · &gt; 180 · &gt; 140 before the infusion" in grid
    # The grid scrolls inside a focusable region with a name, never the page.
    assert re.search(
        r'<div class="flowsheet-scroll" role="region" aria-label="[^"]+" tabindex="0">\s*'
        r'<table class="flowsheet-grid">',
        html,
    )
    assert VitalSigns.objects.filter(session=session, sbp_mm_hg=190).exists()
    # The alert banner at the top: the open alerts counted, a message without its rule's source.
    banner = _between(html, 'id="alert-banner">', "</div>")
    assert "open alerts</strong>: " in banner
    assert "(rule:" not in banner
    assert "clinical.md" not in banner
    assert html.index('id="alert-banner"') < html.index('id="next-step"')


def test_an_alert_message_loses_its_rule_source_nested_brackets_and_all() -> None:
    message = (
        "Systolic blood pressure above 180 mm Hg: 190 (rule: ED low-dose protocol excluded "
        "SBP > 180 (scirp) [clinical.md 1.3])"
    )
    assert without_rule(message) == "Systolic blood pressure above 180 mm Hg: 190"
    assert without_rule("A (rule: x) and B (rule: y)") == "A and B"
    assert without_rule("Urinary symptoms reported") == "Urinary symptoms reported"


def test_limit_words_are_read_from_the_rules() -> None:
    rules = session_rules()
    sbp = next(r for r in rules.vitals if r.code == "vitals.sbp_high").threshold.value
    words = limit_words("sbp_mm_hg", rules)
    assert f"> {sbp:g}" in words
    assert "before the infusion" in words
    assert limit_words("spo2_percent", rules) == "< 92"


def test_the_chart_is_wide_readable_and_draws_the_limits() -> None:
    rules = session_rules()
    points = [
        Point(0, {"sbp_mm_hg": 120, "dbp_mm_hg": 80, "heart_rate_per_min": 70}),
        Point(45, {"sbp_mm_hg": 190, "dbp_mm_hg": 115, "heart_rate_per_min": 90}),
    ]
    svg = vitals_svg(points, limits=chart_limits(rules))
    assert int(re.search(r'<svg[^>]* width="(\d+)"', svg).group(1)) >= 600  # type: ignore[union-attr]
    sizes = {int(size) for size in re.findall(r'font-size="(\d+)"', svg)}
    assert sizes
    assert min(sizes) >= 12
    during = [r for r in rules.vitals if Phase.DURING_INFUSION in r.phases]
    assert svg.count('stroke-dasharray="6 4"') == len(during)
    assert "Systolic BP &gt; 180" in svg
    assert "minutes from the first reading" in svg
    # The 140 limit is the pre-dose one: not drawn on the infusion's chart.
    assert "Systolic BP &gt; 140" not in svg


def test_the_timeline_checklist_and_next_step_are_in_words(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("infusing", minutes_ago=40)
    html = _page(nurse_web, session)
    timeline = re.search(r'<ol class="timeline">.*?</ol>', html, re.S).group(0)  # type: ignore[union-attr]
    assert "Pre-infusion checks done by Nurse " in timeline
    assert "Infusion started by Nurse " in timeline
    assert re.search(r"Checked in by Nurse [^<]+ at \d\d:\d\d", timeline)
    for code in ("pre_checks_done", "complete_pre_checks", "Completeprechecks", "→"):
        assert code not in timeline
    assert "A responsible adult will take the patient home · Nurse " in html
    for code in ("pregnancyexcluded", "escortarranged", "escort_arranged"):
        assert code not in html
    assert '<p class="next-step" id="next-step">Next: End infusion.' in html
    assert "[clinical.md" not in _between(html, 'id="next-step"', "</p>")
    assert '<span class="state state-infusing" id="session-state">Infusing</span>' in html
    # The administration record: the ketamine pump's start with its rate.
    record = _between(html, 'id="administration"', "</section>")
    assert "Ketamine infusion started" in record
    assert "52.5 mL/h" in record


def test_before_the_pre_checks_the_next_step_is_one_plain_sentence_with_why(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("checked_in", minutes_ago=5)
    html = _page(nurse_web, session)
    sentence = _between(html, 'id="next-step">', "</p>")
    assert sentence.startswith("Record a set of vital signs before the infusion (and ")
    assert "clinical.md" not in sentence
    assert "clinic policy" not in sentence
    assert f'<a href="/protocols/{session.protocol_id}/">Why?</a>' in sentence
    needed = _between(html, 'class="gaps-list"', "</details>")
    assert "Pain right now (NRS 0–10)" in needed
    assert "nrs_pain_now" not in needed
    assert "[clinical.md" not in needed


@pytest.mark.parametrize(
    ("until", "command", "extra"),
    [
        ("dose_verified", "cancel", {}),
        ("infusing", "stop_early", {"volume_infused_ml": "10"}),
    ],
)
def test_ending_a_session_needs_the_confirmation_and_a_reason(
    nurse_web: Any, session: Any, walked: Any, until: str, command: str, extra: dict[str, str]
) -> None:
    walked(until, minutes_ago=40)
    url = f"/sessions/{session.pk}/transition/"
    steps = Transition.objects.filter(session=session).count()
    unconfirmed = nurse_web.post(url, {"command": command, "reason": "patient unwell", **extra})
    assert unconfirmed.status_code == 422
    assert "Confirmation: tick the box to confirm" in unconfirmed.content.decode()
    no_reason = nurse_web.post(url, {"command": command, "confirm": "yes", **extra})
    assert no_reason.status_code == 422
    assert "Reason: " in no_reason.content.decode()
    assert Transition.objects.filter(session=session).count() == steps
    done = nurse_web.post(
        url, {"command": command, "confirm": "yes", "reason": "patient unwell", **extra}
    )
    assert done.status_code == 302
    assert Transition.objects.filter(session=session).count() == steps + 1
    page = _page(nurse_web, session)
    expected = {"cancel": "Session cancelled.", "stop_early": "Infusion stopped early."}
    assert f'<li class="success">{expected[command]}</li>' in page


def test_cancel_is_a_danger_step_apart_from_the_routine_ones(
    nurse_web: Any, session: Any, walked: Any
) -> None:
    walked("pre_checks_done", minutes_ago=40)
    html = _page(nurse_web, session)
    routine = _between(html, 'id="transition"', "</section>")
    assert "Dose verified" in routine
    assert "Cancel session" not in routine
    stop = _between(html, 'id="stop"', "</section>")
    assert '<summary class="button danger">Cancel session…</summary>' in stop
    assert 'name="confirm" value="yes" required' in stop
    assert '<textarea name="reason" required' in stop


def test_every_save_says_so(nurse_web: Any, session: Any, walked: Any) -> None:
    walked("infusing", minutes_ago=40)
    vitals = {
        "sbp_mm_hg": "124",
        "dbp_mm_hg": "80",
        "heart_rate_per_min": "72",
        "spo2_percent": "98",
        "resp_rate_per_min": "14",
    }
    saved = nurse_web.post(f"/sessions/{session.pk}/vitals/", vitals, follow=True)
    assert '<li class="success">Vital signs saved.</li>' in saved.content.decode()
    noted = nurse_web.post(f"/sessions/{session.pk}/note/", {"text": "comfortable"}, follow=True)
    assert '<li class="success">Note saved.</li>' in noted.content.decode()


def test_dose_verified_on_an_unchecked_order_says_why_and_links_to_the_order(
    make_order: Any,
    open_session: Any,
    patient: Any,
    nurse: Any,
    nurse_web: Any,
) -> None:
    from sessions_support import walk

    from ketaclinic.records.plans import orders

    order = make_order(patient, verified=False)
    orders.prepare_order(nurse, order.pk, DOSE)
    session = open_session(order)
    walk(nurse, session.pk, "pre_checks_done", timezone.now() - timedelta(minutes=20))
    before = _page(nurse_web, session)
    step = _between(before, 'id="transition"', "</section>")
    assert "not the one who prepared the dose" in step
    assert f'href="/orders/{order.pk}/"' in step
    refused = nurse_web.post(f"/sessions/{session.pk}/transition/", {"command": "verify_dose"})
    assert refused.status_code == 409
    html = refused.content.decode()
    assert "The order is not verified yet: a second clinician" in html
    assert "Nothing was saved." in html
    assert f'<a href="/orders/{order.pk}/">Open the order to prepare or double-check' in html
    assert f"order {order.pk} is" not in html


def test_the_preparer_is_told_before_typing_that_they_may_not_double_check(
    make_order: Any, patient: Any, nurse: Any, users: dict[str, Any], web_as: Any
) -> None:
    from ketaclinic.records.plans import orders

    order = make_order(patient, verified=False)
    orders.prepare_order(nurse, order.pk, DOSE)
    preparer = web_as(users["nurse"])
    detail = preparer.get(f"/orders/{order.pk}/").content.decode()
    assert "You prepared this dose, so you may not double-check it" in detail
    assert f'href="/orders/{order.pk}/verify/"' not in detail
    form = preparer.get(f"/orders/{order.pk}/verify/").content.decode()
    assert "You prepared this dose, so you may not double-check it" in form
    assert 'name="dose_mg"' not in form
    other = web_as(users["physician"]).get(f"/orders/{order.pk}/verify/").content.decode()
    assert "except the one who prepared the dose" in other
    assert 'name="dose_mg"' in other
