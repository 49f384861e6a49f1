"""Each soft and hard bound of every packaged protocol, at its edge and just beyond."""

from __future__ import annotations

import pytest

from ketaclinic.core import DomainInputError, Sourced
from ketaclinic.protocols import LimitRange, LimitStatus, protocols, read_limits

EDGES = [
    (protocol.id, quantity, name, bound.value)
    for protocol in protocols()
    for quantity, limit in protocol.limits.items()
    for name in ("hard_min", "soft_min", "soft_max", "hard_max")
    if (bound := limit.bound(name)) is not None
]


def _limit(protocol_id: str, quantity: str) -> LimitRange:
    return next(p for p in protocols() if p.id == protocol_id).limits[quantity]


@pytest.mark.parametrize(("protocol_id", "quantity", "name", "edge"), EDGES)
def test_bound_holds_at_its_edge_and_breaks_beyond(
    protocol_id: str, quantity: str, name: str, edge: float
) -> None:
    limit = _limit(protocol_id, quantity)
    beyond = edge + (-1 if name.endswith("min") else 1) * max(abs(edge), 1.0) * 1e-6
    hard_name = "hard_" + name.split("_")[1]
    assert limit.exceeded_bound(edge) != name
    if name.startswith("hard"):
        assert limit.status_of(beyond) is LimitStatus.HARD_EXCEEDED
        assert limit.exceeded_bound(beyond) == name
    else:
        assert limit.status_of(beyond) is not LimitStatus.OK
        assert limit.exceeded_bound(beyond) in (name, hard_name)


def _range() -> LimitRange:
    def bound(value: float) -> Sourced:
        return Sourced(value, "clinic policy")

    return LimitRange("dose_mg", bound(10), bound(20), bound(60), bound(100))


@pytest.mark.parametrize(
    ("value", "status", "bound"),
    [
        (9.99, LimitStatus.HARD_EXCEEDED, "hard_min"),
        (10, LimitStatus.SOFT_EXCEEDED, "soft_min"),
        (19.99, LimitStatus.SOFT_EXCEEDED, "soft_min"),
        (20, LimitStatus.OK, None),
        (60, LimitStatus.OK, None),
        (60.01, LimitStatus.SOFT_EXCEEDED, "soft_max"),
        (100, LimitStatus.SOFT_EXCEEDED, "soft_max"),
        (100.01, LimitStatus.HARD_EXCEEDED, "hard_max"),
    ],
)
def test_status_by_value(value: float, status: LimitStatus, bound: str | None) -> None:
    assert _range().status_of(value) is status
    assert _range().exceeded_bound(value) == bound


def test_float_round_off_at_an_edge_is_not_a_breach() -> None:
    assert _range().status_of(0.1 * 3 * 200) is LimitStatus.OK  # 60.00000000000001


def test_unknown_quantity_is_rejected() -> None:
    with pytest.raises(DomainInputError) as error:
        read_limits({"dose": {"hard_max": {"value": 1, "source": "x"}}}, "limits")
    assert error.value.field == "limits.dose"


def test_unknown_bound_is_rejected() -> None:
    with pytest.raises(DomainInputError) as error:
        read_limits({"dose_mg": {"max": {"value": 1, "source": "x"}}}, "limits")
    assert error.value.field == "limits.dose_mg.max"
