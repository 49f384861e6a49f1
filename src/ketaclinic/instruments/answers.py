"""Checking submitted answers against a definition: item ids, types, ranges, missing items."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Integral

from .definitions import Definition, Item
from .errors import InstrumentError


@dataclass(frozen=True)
class Answers:
    """Answers keyed by item id in the source's order; None where an item is unanswered.

    ``multiple`` lists items where a paper form had several answers marked; they count as
    unanswered (only instruments whose missing rules set ``multiple_answers_invalid_at``).
    """

    values: dict[str, int | None]
    multiple: tuple[str, ...] = ()

    def value(self, item_id: str) -> int:
        """The answer to an item the missing rules require."""
        answer = self.values[item_id]
        if answer is None:
            raise InstrumentError(item_id, "no answer")
        return answer

    def unanswered(self, items: tuple[Item, ...]) -> tuple[str, ...]:
        return tuple(item.id for item in items if self.values[item.id] is None)


def check_answer(item: Item, answer: object) -> int:
    """One answer as the integer scoring uses (yes/no as 1/0); InstrumentError if not allowed."""
    scale = item.answer
    if scale.kind == "boolean":
        if isinstance(answer, bool):
            return int(answer)
        if isinstance(answer, Integral) and answer in (0, 1):
            return int(answer)
        raise InstrumentError(item.id, f"must be true or false (or 1/0), got {answer!r}")
    if isinstance(answer, bool) or not isinstance(answer, Integral):
        raise InstrumentError(
            item.id, f"must be a whole number from {scale.min} to {scale.max}, got {answer!r}"
        )
    value = int(answer)
    if not scale.min <= value <= scale.max:
        raise InstrumentError(item.id, f"{value} is outside the range {scale.min}–{scale.max}")
    return value


def read_answers(definition: Definition, answers: Mapping[str, object]) -> Answers:
    """Check every answer; InstrumentError names the first unknown, invalid or missing item.

    An absent key and a ``None`` value both mean "not answered".
    """
    if not isinstance(answers, Mapping):
        raise InstrumentError("answers", "must be an object keyed by item id")
    known = [item.id for item in definition.items]
    for key in answers:
        if key not in known:
            raise InstrumentError(
                str(key), f"unknown item for instrument {definition.id} (items: {', '.join(known)})"
            )
    values: dict[str, int | None] = {}
    multiple: list[str] = []
    for item in definition.items:
        answer = answers.get(item.id)
        if isinstance(answer, list | tuple):
            _check_multiple(definition, item, answer)
            multiple.append(item.id)
            values[item.id] = None
        else:
            values[item.id] = None if answer is None else check_answer(item, answer)
    result = Answers(values, tuple(multiple))
    if definition.missing.policy == "required":
        missing = result.unanswered(definition.items)
        if missing:
            raise InstrumentError(
                missing[0],
                f"no answer; every item of {definition.id} is required "
                f"(unanswered: {', '.join(missing)})",
            )
    return result


def _check_multiple(
    definition: Definition, item: Item, answers: list[object] | tuple[object, ...]
) -> None:
    if definition.missing.multiple_answers_invalid_at is None:
        raise InstrumentError(item.id, "takes one answer, got a list")
    if len(answers) < 2:
        raise InstrumentError(item.id, "a list records several answers marked; give two or more")
    for answer in answers:
        check_answer(item, answer)
