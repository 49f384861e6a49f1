"""Property: any sequence of ledger operations keeps the book reconciled.

After every step, for the lot: on hand + drawn-not-yet-accounted = receipts − administered −
wasted ± adjustments (reversals included), neither part is ever negative, mg = mL × strength,
and the balance rows agree with the sum of the entries and with a plain model of the rules.
An illegal step (too much, a second reversal, the nurse witnessing herself, an expired lot,
a non-positive receipt) is refused, writes nothing and is audited as failed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import pytest
from django.db import transaction
from django.db.models import Q, Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ledger_support import in_days, receipt, witness

from ketaclinic.records.audit.models import AuditEvent
from ketaclinic.records.errors import Conflict, InvalidInput
from ketaclinic.records.ledger import services
from ketaclinic.records.ledger.models import Balance, Entry, EntryKind, Lot
from ketaclinic.records.ledger.quantities import summed

STRENGTH = Decimal(50)
VIAL_ML = Decimal(10)

volumes = st.integers(min_value=1, max_value=25_000).map(lambda n: Decimal(n) / 1000)
picks = st.integers(min_value=0, max_value=50)
operations = st.lists(
    st.one_of(
        st.tuples(st.just("receive"), st.integers(min_value=-2, max_value=3)),
        st.tuples(st.just("draw"), volumes),
        st.tuples(st.just("administer"), picks, volumes),
        st.tuples(st.just("waste"), picks, volumes, st.booleans()),
        st.tuples(st.just("adjust"), st.integers(-5000, 5000).map(lambda n: Decimal(n) / 1000)),
        st.tuples(st.just("reverse"), picks),
        st.tuples(st.just("draw_expired"), volumes),
    ),
    max_size=14,
)


@dataclass
class Line:
    kind: str
    on_hand: Decimal
    in_use: Decimal
    draw: int | None = None  # index of the draw a use (or its reversal) belongs to
    reversed: bool = False


@dataclass
class Model:
    """The rules, plainly: what the lot holds and which step is legal."""

    lines: list[Line] = field(default_factory=list)
    entry_ids: list[int] = field(default_factory=list)

    @property
    def on_hand(self) -> Decimal:
        return sum((line.on_hand for line in self.lines), Decimal(0))

    @property
    def in_use(self) -> Decimal:
        return sum((line.in_use for line in self.lines), Decimal(0))

    def remaining(self, draw: int) -> Decimal:
        return sum((x.in_use for i, x in enumerate(self.lines) if draw in (i, x.draw)), Decimal(0))

    def draws(self) -> list[int]:
        return [i for i, line in enumerate(self.lines) if line.kind == "draw"]

    def may_reverse(self, index: int) -> bool:
        line = self.lines[index]
        if line.kind == "reversal" or line.reversed:
            return False
        if line.kind == "draw":
            return self.remaining(index) == line.in_use
        return self.on_hand - line.on_hand >= 0


def _reconciled(lot: Lot, model: Model) -> None:
    balance = Balance.objects.get(lot=lot)
    entries = Entry.objects.filter(lot=lot)

    def total(column: str, kind: str) -> Decimal:
        of_kind = Q(kind=kind) | Q(kind=EntryKind.REVERSAL, reverses__kind=kind)
        return summed(entries.filter(of_kind).aggregate(total=Sum(column))["total"] or 0)

    received = total("on_hand_ml", EntryKind.RECEIPT)
    administered = -total("in_use_ml", EntryKind.ADMINISTERED)
    wasted = -total("in_use_ml", EntryKind.WASTE)
    adjusted = total("on_hand_ml", EntryKind.ADJUSTMENT)
    assert balance.on_hand_ml + balance.in_use_ml == received - administered - wasted + adjusted
    assert balance.on_hand_ml >= 0
    assert balance.in_use_ml >= 0
    assert (balance.on_hand_ml, balance.in_use_ml) == (model.on_hand, model.in_use)
    assert balance.on_hand_mg == balance.on_hand_ml * STRENGTH
    assert balance.in_use_mg == balance.in_use_ml * STRENGTH
    sums = entries.aggregate(on_hand=Sum("on_hand_ml"), in_use=Sum("in_use_ml"))
    assert (summed(sums["on_hand"]), summed(sums["in_use"])) == (
        balance.on_hand_ml,
        balance.in_use_ml,
    )


class Refusal:
    """Expect a refusal that writes nothing and is audited as failed."""

    def __init__(self, lot: Lot) -> None:
        self.lot = lot

    def __call__(self, call: Any) -> None:
        entries = Entry.objects.count()
        before = Balance.objects.filter(lot=self.lot).values_list("on_hand_ml", "in_use_ml")
        snapshot = list(before)
        failed = AuditEvent.objects.filter(outcome="failed").count()
        with pytest.raises((InvalidInput, Conflict)):
            call()
        assert Entry.objects.count() == entries
        assert list(before.all()) == snapshot
        assert AuditEvent.objects.filter(outcome="failed").count() == failed + 1


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(steps=operations)
def test_any_sequence_keeps_the_book_reconciled(
    steps: list[tuple[Any, ...]], nurse: Any, storage: Any, product: Any, patient: Any
) -> None:
    expired = Lot.objects.get_or_create(
        product=product, lot_number="OLD-1", defaults={"expires_on": in_days(-30)}
    )[0]
    Balance.objects.get_or_create(
        storage=storage, lot=expired, defaults={"on_hand_ml": 10, "on_hand_mg": 500}
    )
    with transaction.atomic():
        _run(steps, nurse, storage, product, patient, expired)
        transaction.set_rollback(True)


def _run(
    steps: list[tuple[Any, ...]], nurse: Any, storage: Any, product: Any, patient: Any, old: Lot
) -> None:
    first = services.receive(nurse, receipt(storage, product, vials=1))
    lot = first.entry.lot
    model = Model([Line("receipt", VIAL_ML, Decimal(0))], [first.entry_id])
    refuse = Refusal(lot)
    spot = {"storage_id": storage.pk, "patient_id": patient.pk}
    for step in steps:
        name = step[0]
        if name == "receive":
            data = receipt(storage, product, vials=step[1])
            if step[1] < 1:
                refuse(lambda data=data: services.receive(nurse, data))
                continue
            made = services.receive(nurse, data)
            model.lines.append(Line("receipt", VIAL_ML * step[1], Decimal(0)))
            model.entry_ids.append(made.entry_id)
        elif name in ("draw", "draw_expired"):
            chosen = lot if name == "draw" else old
            data = {**spot, "lot_id": chosen.pk, "volume_ml": str(step[1])}
            if name == "draw_expired" or step[1] > model.on_hand:
                refuse(lambda data=data: services.draw(nurse, data))
                continue
            made = services.draw(nurse, data)
            model.lines.append(Line("draw", -step[1], step[1]))
            model.entry_ids.append(made.pk)
        elif name in ("administer", "waste"):
            draws = model.draws()
            if not draws:
                continue
            index = draws[step[1] % len(draws)]
            volume, draw_id = step[2], model.entry_ids[index]
            honest = name == "administer" or step[3]
            data = {"volume_ml": str(volume), **(witness() if honest else witness("nurse-user"))}
            if name == "administer":
                data = {"volume_ml": str(volume)}

            def post(draw_id: int = draw_id, data: dict[str, Any] = data, name: str = name) -> Any:
                if name == "administer":
                    return services.record_administered(nurse, draw_id, data)
                return services.waste(nurse, draw_id, data)

            if volume > model.remaining(index) or not honest:
                refuse(post)
                continue
            made = post()
            model.lines.append(Line(name, Decimal(0), -volume, draw=index))
            model.entry_ids.append(made.pk)
        elif name == "adjust":
            change = step[1]
            if change == 0:
                continue
            data = {
                "storage_id": storage.pk,
                "lot_id": lot.pk,
                "change_ml": str(change),
                "reason": "property test",
                **witness(),
            }
            if model.on_hand + change < 0:
                refuse(lambda data=data: services.adjust(nurse, data))
                continue
            made = services.adjust(nurse, data)
            model.lines.append(Line("adjustment", change, Decimal(0)))
            model.entry_ids.append(made.pk)
        elif name == "reverse":
            index = step[1] % len(model.lines)
            entry_id = model.entry_ids[index]
            data = {"reason": "property test", **witness()}
            if not model.may_reverse(index):
                refuse(lambda entry_id=entry_id, data=data: services.reverse(nurse, entry_id, data))
                continue
            made = services.reverse(nurse, entry_id, data)
            line = model.lines[index]
            line.reversed = True
            belongs = index if line.kind == "draw" else line.draw
            model.lines.append(Line("reversal", -line.on_hand, -line.in_use, draw=belongs))
            model.entry_ids.append(made.pk)
        _reconciled(lot, model)
    _reconciled(lot, model)
