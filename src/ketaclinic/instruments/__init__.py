"""Assessment instruments as versioned data, scored exactly (pure: no Django, no I/O, no clock).

Definitions live in ``data/*.toml``; a clinic adds or overrides them with
``load_registry(extra_toml=[...])``. ``score(instrument_id, answers)`` returns a ScoreResult.
"""

from .answers import Answers, check_answer, read_answers
from .definitions import (
    Anchor,
    AnswerScale,
    Band,
    Bundle,
    Coding,
    Definition,
    Group,
    Item,
)
from .errors import DefinitionError, InstrumentError
from .registry import (
    LOCAL_CODE_SYSTEM,
    Registry,
    default_registry,
    load_registry,
    packaged_toml,
    parse_toml,
)
from .results import Alert, CriteriaResult, ScoreResult
from .scoring import band_for, score, score_definition

__all__ = [
    "LOCAL_CODE_SYSTEM",
    "Alert",
    "Anchor",
    "AnswerScale",
    "Answers",
    "Band",
    "Bundle",
    "Coding",
    "CriteriaResult",
    "Definition",
    "DefinitionError",
    "Group",
    "InstrumentError",
    "Item",
    "Registry",
    "ScoreResult",
    "band_for",
    "check_answer",
    "default_registry",
    "load_registry",
    "packaged_toml",
    "parse_toml",
    "read_answers",
    "score",
    "score_definition",
]
