"""The API's live board, polled, adds an audit row only when what it shows changed (issue 17):
the first call and each change are kept, a poll showing the same chairs is not."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ketaclinic.records.audit.models import AuditEvent


def test_api_board_polls_write_a_row_only_for_a_change(
    users: dict[str, Any],
    api_as: Callable[[Any], Any],
    session: Any,
    open_session: Callable[..., Any],
    make_order: Callable[..., Any],
    register: Callable[..., Any],
) -> None:
    client = api_as(users["nurse"])
    path = f"/api/locations/{session.location_id}/live-board"
    for _ in range(4):
        assert client.get(path).status_code == 200
    rows = AuditEvent.objects.filter(action="session.board", object_id=str(session.location_id))
    assert rows.count() == 1  # the first call; the polls showed nothing new
    second = open_session(make_order(register(mrn="MRN-0002")))
    for _ in range(3):
        shown = client.get(path).json()["rows"]
    assert {row["session_id"] for row in shown} == {session.pk, second.pk}
    assert rows.count() == 2  # the change, seen once
    assert set(rows.latest("pk").detail["shown"]) == {session.pk, second.pk}
