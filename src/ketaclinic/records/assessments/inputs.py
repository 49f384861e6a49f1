"""What a face may send to the assessment services, validated in one place for every face."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from typing import Annotated, Any

from django.utils import timezone
from pydantic import Field, field_validator

from ketaclinic.instruments import (
    Definition,
    InstrumentError,
    ScoreResult,
    check_answer,
    score_definition,
)
from ketaclinic.records.errors import FieldError, InvalidInput
from ketaclinic.records.toolkit import AwarePast, Strict, validate

from .choices import Context

__all__ = [
    "AmendmentIn",
    "AssessmentIn",
    "BundleRequestIn",
    "score_answers",
    "validate",
]

REASON_MAX_CHARS = 2000
# A definition has at most a few dozen items; more keys than this is not a questionnaire.
ANSWERS_MAX_KEYS = 200


CompletedAt = AwarePast | None
AnswersIn = Annotated[dict[str, Any], Field(max_length=ANSWERS_MAX_KEYS)]
Reason = Annotated[str, Field(min_length=1, max_length=REASON_MAX_CHARS)]


class AssessmentIn(Strict):
    """A completed instrument; ``completed_at`` defaults to now."""

    instrument: Annotated[str, Field(min_length=1, max_length=64)]
    answers: AnswersIn
    context: Context
    completed_at: CompletedAt = None
    request_id: int | None = None
    # Staff may sign answers that cannot be scored (the API keeps that by default); the web
    # form sends False until the person ticks "sign it without a score".
    accept_incomplete: bool = True


class AmendmentIn(Strict):
    """A correction: the full corrected answers and why; time and context default to the
    original's."""

    answers: AnswersIn
    reason: Reason
    completed_at: CompletedAt = None
    context: Context | None = None


class BundleRequestIn(Strict):
    bundle: Annotated[str, Field(min_length=1, max_length=64)]
    context: Context = Context.BASELINE
    due_on: date | None = None

    @field_validator("due_on")
    @classmethod
    def _not_past(cls, value: date | None) -> date | None:
        if value is not None and value < timezone.localdate():
            raise ValueError("cannot be in the past")
        return value


class WithdrawalIn(Strict):
    reason: Reason


class IncompleteAnswers(InvalidInput):
    """The answers are well formed but too few for a valid score."""


def score_answers(
    definition: Definition, answers: Mapping[str, Any], *, require_valid: bool = False
) -> ScoreResult:
    """Score ``answers`` or raise ``InvalidInput`` naming every bad item as ``answers.<id>``.

    ``require_valid`` also refuses answers that score as invalid (e.g. a FIQR with too many
    unanswered items), naming each unanswered item.
    """
    errors = _answer_errors(definition, answers)
    if errors:
        raise InvalidInput(errors)
    try:
        result = score_definition(definition, answers)
    except InstrumentError as error:
        raise InvalidInput.single(_field(definition, error.field), error.message) from None
    if require_valid and not result.valid:
        raise IncompleteAnswers(
            [
                FieldError(
                    f"answers.{item_id}", f"no answer (the {definition.title} needs it for a score)"
                )
                for item_id, value in result.answers.items()
                if value is None
            ]
            or [FieldError("answers", "; ".join(result.invalid_reasons))]
        )
    return result


def _answer_errors(definition: Definition, answers: Mapping[str, Any]) -> list[FieldError]:
    """Every unknown item, bad answer and (where the rules need every answer) missing item."""
    known = {item.id for item in definition.items}
    errors = [
        FieldError(f"answers.{key}", f"is not an item of {definition.id}")
        for key in answers
        if key not in known
    ]
    for item in definition.items:
        value = answers.get(item.id)
        if value is None:
            if definition.missing.policy == "required":
                errors.append(
                    FieldError(
                        f"answers.{item.id}",
                        f"no answer; every item of {definition.id} is required",
                    )
                )
        elif not isinstance(value, list | tuple):
            try:
                check_answer(item, value)
            except InstrumentError as error:
                errors.append(FieldError(f"answers.{item.id}", error.message))
    return errors


def _field(definition: Definition, name: str) -> str:
    return f"answers.{name}" if name in {item.id for item in definition.items} else name
