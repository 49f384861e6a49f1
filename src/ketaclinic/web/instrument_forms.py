"""Web forms generated from instrument definitions, and the posted form read back as answers.

A labelled scale (every value has an anchor, e.g. PHQ-9) shows one large radio button per
answer; a numeric scale (0–10 with anchors at the ends) shows a row of numbers with the
anchors as a legend; yes/no areas in a body region (the ACR 2016 WPI) are checkboxes, where an
unticked box means the lower anchor ("no pain"), as on the paper form.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from django.http import QueryDict

from ketaclinic.instruments import Definition, Item

_WHOLE_NUMBER = re.compile(r"^-?\d{1,6}$")


@dataclass(frozen=True)
class Choice:
    value: int
    label: str


@dataclass(frozen=True)
class Question:
    id: str
    number: str
    label: str
    help: str
    kind: str  # "labelled", "numeric" or "checkbox"
    choices: tuple[Choice, ...]
    legend: str
    required: bool
    value: str
    error: str


@dataclass(frozen=True)
class Section:
    label: str
    help: str
    questions: tuple[Question, ...]
    checklist: bool  # one step of checkboxes rather than one question per step


def _is_checkbox(definition: Definition, item: Item) -> bool:
    groups = {group.id: group for group in definition.groups}
    group = groups.get(item.group or "")
    return item.answer.kind == "boolean" and group is not None and group.kind == "region"


def _question(definition: Definition, item: Item, value: object, error: str) -> Question:
    scale = item.answer
    anchors = {anchor.value: anchor.label for anchor in scale.anchors}
    values = range(scale.min, scale.max + 1)
    if _is_checkbox(definition, item):
        kind = "checkbox"
        choices: tuple[Choice, ...] = (Choice(scale.max, anchors.get(scale.max, "Yes")),)
    elif set(anchors) >= set(values):
        kind = "labelled"
        choices = tuple(Choice(a.value, a.label) for a in scale.anchors)
    else:
        kind = "numeric"
        choices = tuple(Choice(v, anchors.get(v, "")) for v in values)
    legend = (
        " · ".join(f"{a.value} = {a.label}" for a in sorted(scale.anchors, key=lambda a: a.value))
        if kind == "numeric"
        else ""
    )
    return Question(
        id=item.id,
        number=item.number,
        label=item.label,
        help=item.help,
        kind=kind,
        choices=choices,
        legend=legend,
        required=definition.missing.policy == "required" and kind != "checkbox",
        value="" if value is None else str(value),
        error=error,
    )


def questionnaire(
    definition: Definition, values: Mapping[str, object], errors: Mapping[str, str]
) -> list[Section]:
    """The definition's items as sections (its groups, in order) of questions."""
    labels = {group.id: group for group in definition.groups}
    sections: list[Section] = []
    for item in definition.items:
        question = _question(definition, item, values.get(item.id), errors.get(item.id, ""))
        group = labels.get(item.group or "")
        if sections and sections[-1].label == (group.label if group else ""):
            last = sections[-1]
            sections[-1] = Section(
                last.label, last.help, (*last.questions, question), last.checklist
            )
        else:
            sections.append(
                Section(
                    group.label if group else "",
                    group.help if group else "",
                    (question,),
                    question.kind == "checkbox",
                )
            )
    return sections


def answers_from_post(definition: Definition, post: QueryDict) -> dict[str, object]:
    """The posted answers keyed by item id: whole numbers as ints, anything else as sent (the
    service names it); blank means unanswered, an unticked area box the lower anchor."""
    answers: dict[str, object] = {}
    for item in definition.items:
        text = post.get(item.id, "").strip()
        if text:
            answers[item.id] = int(text) if _WHOLE_NUMBER.match(text) else text
        elif _is_checkbox(definition, item):
            answers[item.id] = item.answer.min
    return answers
