"""PDF reports (reportlab, with matplotlib plots as PNG): a patient's progress report and the
monthly clinic report. Both say what the software is and what the evidence is."""

from __future__ import annotations

import io
from collections.abc import Sequence
from datetime import datetime, tzinfo
from typing import Any

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from ketaclinic.outcomes import MeanEstimate, Proportion
from ketaclinic.outcomes.plots import ChangeRow, Scale, cohort_plot, trajectory_plot
from ketaclinic.records.outcomes.cohort import CohortReport
from ketaclinic.records.outcomes.reports import ClinicMonth
from ketaclinic.records.outcomes.services import PatientOutcomes

from .fonts import BODY, BOLD, fonts, markup

NOTICE = (
    "ketaclinic informs clinicians; clinicians decide. It is not a medical device. The evidence "
    "that ketamine gives lasting benefit in fibromyalgia is weak: trials show short-lived effects "
    "(Cohen 2018 consensus guideline; Noppers 2011)."
)


def _unicode_styles() -> Any:
    """reportlab's sample styles, set in the Unicode fonts (its defaults are Latin-1 only)."""
    fonts()
    styles = getSampleStyleSheet()
    for style in styles.byName.values():
        if isinstance(style, ParagraphStyle):
            style.fontName = BOLD if "Bold" in style.fontName else BODY
    return styles


_STYLES = _unicode_styles()
_SMALL = ParagraphStyle("small", parent=_STYLES["BodyText"], fontSize=8, leading=10)
_GRID = TableStyle(
    [
        ("FONTNAME", (0, 0), (-1, -1), BODY),
        ("FONTSIZE", (0, 0), (-1, -1), 8),
        ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e8eef6")),
        ("GRID", (0, 0), (-1, -1), 0.25, colors.HexColor("#c4ccd6")),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
)
WIDTH = A4[0] - 3 * cm


def _p(text: str, style: str = "BodyText") -> Paragraph:
    return Paragraph(markup(text), _STYLES.get(style, _SMALL))


def _table(rows: Sequence[Sequence[Any]], widths: Sequence[float] | None = None) -> Table:
    cells = [[_cell(value) for value in row] for row in rows]
    table = Table(cells, colWidths=widths, repeatRows=1, hAlign="LEFT")
    table.setStyle(_GRID)
    return table


def _cell(value: Any) -> Any:
    if isinstance(value, str):
        return Paragraph(markup(value), _SMALL)
    return "" if value is None else value


def _image(png: bytes, width: float) -> Image:
    image = Image(io.BytesIO(png))
    ratio = image.imageHeight / image.imageWidth
    image.drawWidth, image.drawHeight = width, width * ratio
    return image


def _render(title: str, story: list[Any]) -> bytes:
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        title=title,
        author="ketaclinic",
        leftMargin=1.5 * cm,
        rightMargin=1.5 * cm,
        topMargin=1.5 * cm,
        bottomMargin=1.5 * cm,
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()


def _number(value: float | None, digits: int = 1) -> str:
    return "—" if value is None else f"{value:.{digits}f}"


def _mean(estimate: MeanEstimate) -> str:
    if estimate.mean is None:
        return "—"
    if estimate.interval is None:
        return f"{estimate.mean:+.1f}"
    return f"{estimate.mean:+.1f} ({estimate.interval.low:+.1f} to {estimate.interval.high:+.1f})"


def _count(pairs: Sequence[object]) -> str:
    return f"{len(pairs)} infusion{'' if len(pairs) == 1 else 's'}"


def _rate(share: Proportion) -> str:
    if share.rate is None or share.interval is None:
        return f"{share.successes}/{share.n}"
    return (
        f"{share.successes}/{share.n} = {100 * share.rate:.0f} % "
        f"(95 % CI {100 * share.interval.low:.0f}–{100 * share.interval.high:.0f} %)"
    )


def _booster(data: PatientOutcomes) -> str:
    text = data.outcome.booster.summary
    if data.reviews:
        review = data.reviews[0]
        text += (
            f" Last decision: {review.get_decision_display().lower()} by "
            f"{review.decided_by.get_full_name() or review.decided_by.get_username()} on "
            f"{review.decided_at:%Y-%m-%d} ({review.note})."
        )
    return text


def patient_report(data: PatientOutcomes, zone: tzinfo, generated_at: datetime) -> bytes:
    """Scores over time with the infusions and doses, responder status, durability and the
    booster suggestion: for the patient or the referring physician."""
    patient, outcome = data.patient, data.outcome
    story: list[Any] = [
        _p("Progress report", "Title"),
        _p(
            f"{patient.given_name} {patient.family_name} · MRN {patient.mrn} · born "
            f"{patient.date_of_birth:%Y-%m-%d}"
        ),
        _p(
            f"Generated {generated_at.astimezone(zone):%Y-%m-%d %H:%M} · protocol "
            f"{data.protocol.name if data.protocol else 'none signed'}",
            "small",
        ),
        _p(NOTICE, "small"),
        _p("Is it working?", "Heading2"),
        _table(
            [
                ("", "status", "why"),
                ("Pain (IMMPACT)", outcome.pain_response.label, outcome.pain_response.reason),
                ("FIQR", outcome.fiqr_response.label, outcome.fiqr_response.reason),
                (
                    "Durability",
                    outcome.durability.status.replace("_", " "),
                    outcome.durability.summary,
                ),
                ("Booster", "due" if outcome.booster.due else "not due", _booster(data)),
            ],
            [3 * cm, 3.5 * cm, WIDTH - 6.5 * cm],
        ),
    ]
    if outcome.has_scores:
        scales = {
            i: Scale(d.title, float(d.total_min), float(d.total_max))
            for i, d in data.definitions.items()
        }
        png = trajectory_plot(outcome, scales, zone, image_format="png", dpi=150)
        story += [_p("Scores over time", "Heading2"), _image(png, WIDTH)]
        story.append(
            _p(
                "Dashed: baseline. Dotted: responder thresholds. Hollow circles: scores after "
                "an infusion. Vertical lines: infusions, with the dose.",
                "small",
            )
        )
    rows: list[Sequence[Any]] = [("instrument", "baseline", "latest", "change", "% below baseline")]
    for trajectory in outcome.trajectories:
        change = trajectory.change()
        rows.append(
            (
                data.title(trajectory.instrument_id),
                _number(trajectory.baseline.total if trajectory.baseline else None),
                _number(trajectory.latest.total if trajectory.latest else None),
                f"{change.points:+.1f}" if change else "—",
                _number(change.percent_fall if change else None, 0),
            )
        )
    story += [Spacer(1, 6), _p("Baseline and latest follow-up", "Heading2"), _table(rows)]
    # The immediate effect: pain right now before and after each infusion (the 24-hour scales
    # above show the lasting effect).
    story.append(_p("Pain right now, before and after each infusion", "Heading2"))
    immediate = outcome.immediate_pain
    if immediate is None:
        story.append(_p("No infusion yet with pain right now scored before and after it."))
    else:
        story += [
            _p(f"Mean change {_mean(immediate.immediate)} over {_count(immediate.pairs)}."),
            _table(
                [("infusion day", "before", "after", "change")]
                + [
                    (
                        f"{pair.pre.completed_at.astimezone(zone):%Y-%m-%d}",
                        _number(pair.pre.total, 0),
                        _number(pair.post.total, 0),
                        f"{pair.points:+.0f}",
                    )
                    for pair in immediate.pairs
                ]
            ),
        ]
    story.append(_p("Infusions", "Heading2"))
    if outcome.infusions:
        story.append(
            _table(
                [("date", "dose (mg)", "route", "duration (min)", "protocol")]
                + [
                    (
                        f"{e.started_at.astimezone(zone):%Y-%m-%d %H:%M}",
                        f"{e.dose_mg:g}",
                        e.route,
                        _number(e.duration_min, 0),
                        e.protocol_id,
                    )
                    for e in outcome.infusions
                ]
            )
        )
        story += [
            _p(f"{e.started_at.astimezone(zone):%Y-%m-%d}: {text}")
            for e in outcome.infusions
            for text in e.overrides
        ]
    else:
        story.append(_p("No infusions recorded yet."))
    for stop in data.discontinuations:
        story.append(
            _p(f"Stopped the programme on {stop.stopped_on:%Y-%m-%d}: {stop.get_reason_display()}.")
        )
    return _render(f"Progress report {patient.mrn}", story)


def _cohort_story(cohort: CohortReport) -> list[Any]:
    story: list[Any] = [
        _p(f"Outcomes: {cohort.label} ({cohort.patients} patients)", "Heading2"),
    ]
    if cohort.empty:
        return [*story, _p("No patient matches: there is nothing to summarise.")]
    story.append(
        _table(
            [("responders", "threshold source", "patients")]
            + [
                (r.threshold.label, r.threshold.percent.source, _rate(r.proportion))
                for r in (*cohort.pain_rates, *cohort.fiqr_rates)
            ],
            [4 * cm, WIDTH - 10 * cm, 6 * cm],
        )
    )
    story += [
        Spacer(1, 6),
        _table(
            [("instrument", "patients", "mean change from baseline (95 % CI)")]
            + [(c.title, c.estimate.n, _mean(c.estimate)) for c in cohort.changes]
        ),
    ]
    png = cohort_plot(
        cohort.rates,
        [ChangeRow(c.short_title, c.estimate, c.scale_range) for c in cohort.changes],
        cohort.durability,
        image_format="png",
        dpi=150,
    )
    curve = cohort.durability
    story += [
        Spacer(1, 6),
        _image(png, WIDTH),
        _table(
            [
                ("figure", "value"),
                ("patients treated (infusions recorded)", f"{cohort.patients_treated}"),
                ("infusions", f"{cohort.infusions}"),
                (
                    "series booked / completed",
                    f"{cohort.series_booked} / {cohort.series_completed}",
                ),
                ("drop-outs", _rate(cohort.dropouts.overall)),
                *((f"  {reason}", f"{n}") for reason, n in cohort.dropouts.by_reason),
                (
                    "durability (Kaplan–Meier)",
                    f"n={curve.n}, pain returned in {curve.events}; median "
                    f"{_number(curve.median, 0)} days",
                ),
                ("infusions with side effects", _rate(cohort.side_effects)),
                ("patients with an alert", _rate(cohort.patients_with_alerts)),
                (
                    "dissociation (CADSS-6)",
                    f"{cohort.dissociation.scores} scores, mean "
                    f"{_number(cohort.dissociation.mean)}, highest "
                    f"{_number(cohort.dissociation.highest, 0)}",
                ),
            ]
        ),
    ]
    return story


def clinic_report(month: ClinicMonth, zone: tzinfo, generated_at: datetime) -> bytes:
    """The month's activity and the outcomes of everyone started by its end (aggregates)."""
    title = f"Clinic report — {month.month:%B %Y}" + (" (month to date)" if month.partial else "")
    activity: list[Sequence[Any]] = [
        ("activity", "count"),
        ("new patients registered", month.new_patients),
        ("patients started (first baseline score)", month.started),
        ("assessments completed", sum(n for _, n in month.assessments)),
        *((f"  {name}", n) for name, n in month.assessments),
        ("chair appointments", sum(n for _, n in month.appointments)),
        *((f"  {status}", n) for status, n in month.appointments),
        ("infusions given", month.infusions),
        ("patients infused", month.patients_infused),
        ("alerts raised", sum(n for _, n in month.alerts)),
        *((f"  {severity}", n) for severity, n in month.alerts),
        ("alerts acknowledged", month.alerts_acknowledged),
        ("booster decisions", sum(n for _, n in month.booster_reviews)),
        *((f"  {decision}", n) for decision, n in month.booster_reviews),
        ("drop-outs", sum(n for _, n in month.dropouts)),
        *((f"  {reason}", n) for reason, n in month.dropouts),
    ]
    story: list[Any] = [
        _p(title, "Title"),
        _p(
            f"{month.start.astimezone(zone):%Y-%m-%d} to {month.end.astimezone(zone):%Y-%m-%d} "
            f"(end excluded) · generated {generated_at.astimezone(zone):%Y-%m-%d %H:%M} · "
            "aggregates only: no patient is named",
            "small",
        ),
        _p(NOTICE, "small"),
        _p("Activity", "Heading2"),
        _table(activity, [WIDTH - 4 * cm, 4 * cm]),
        *_cohort_story(month.cohort),
    ]
    return _render(title, story)
