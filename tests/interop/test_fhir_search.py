"""Reading FHIR search parameters: tokens, date prefixes at every precision, paging, and the
parameters refused or ignored."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ketaclinic.interop.fhir.search import DateBound, SearchError, Token, read_search

MOMENTS = st.datetimes(
    min_value=datetime(2000, 1, 1), max_value=datetime(2040, 1, 1), timezones=st.just(UTC)
)
DATES = st.sampled_from(["2024", "2024-02", "2024-12", "2024-02-29", "2024-06-30T10:00:00+02:00"])


@given(moment=MOMENTS, value=DATES)
def test_date_prefixes_divide_time_consistently(moment: datetime, value: str) -> None:
    def admits(prefix: str) -> bool:
        return DateBound.read(f"{prefix}{value}").admits(moment)

    assert admits("ge") != admits("lt")
    assert admits("le") != admits("gt")
    assert admits("eq") == (admits("ge") and admits("le"))
    assert DateBound.read(value).admits(moment) == admits("eq")


@pytest.mark.parametrize(
    ("value", "start", "days"),
    [
        ("2024", datetime(2024, 1, 1, tzinfo=UTC), 366),
        ("2024-12", datetime(2024, 12, 1, tzinfo=UTC), 31),
        ("2024-02-29", datetime(2024, 2, 29, tzinfo=UTC), 1),
    ],
)
def test_a_partial_date_covers_its_whole_span(value: str, start: datetime, days: int) -> None:
    bound = DateBound.read(value)
    assert (bound.start, bound.end - bound.start) == (start, timedelta(days=days))


def test_tokens() -> None:
    coding = {"system": "http://loinc.org", "code": "44261-6"}
    assert Token.read("http://loinc.org|44261-6").matches(coding)
    assert Token.read("44261-6").matches(coding)
    assert Token.read("http://loinc.org|").matches(coding)
    assert not Token.read("|44261-6").matches(coding)  # '|code' means: no system
    assert not Token.read("http://snomed.info/sct|44261-6").matches(coding)


def test_reading_a_search() -> None:
    search = read_search(
        "Observation",
        [("patient", "Patient/7"), ("code", "a|1,b|2"), ("_count", "10"), ("_format", "json")],
    )
    assert (search.patient_id, search.count, len(search.codes[0])) == (7, 10, 2)
    assert search.query() == "patient=7&code=a|1,b|2&_count=10&_offset=0"
    lenient = read_search("Observation", [("subject", "7"), ("_sort", "date")], lenient=True)
    assert lenient.ignored == ("_sort",)
    for parameters, field in (
        ([("patient", "7"), ("_sort", "date")], "_sort"),
        ([("code", "x")], "patient"),
        ([("patient", "Practitioner/7")], "patient"),
        ([("patient", "7"), ("_count", "0")], "_count"),
        ([("patient", "7"), ("_offset", "-1")], "_offset"),
        ([("patient", "7"), ("date", "yesterday")], "date"),
        ([("patient", "7"), ("code", "")], "code"),
    ):
        with pytest.raises(SearchError) as refused:
            read_search("Observation", parameters)
        assert refused.value.field == field
