"""Query parameters of the list endpoints: pure, no database."""

from __future__ import annotations

import datetime as dt

import pytest

from publica.core.errors import InvalidInput
from publica.open311 import params

NOW = dt.datetime(2026, 3, 1, 12, 0, tzinfo=dt.UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-01-31T09:00:00Z", dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC)),
        ("2026-01-31T10:00:00+01:00", dt.datetime(2026, 1, 31, 9, tzinfo=dt.UTC)),
        ("", None),
        (None, None),
    ],
)
def test_moments_are_w3c_dates_with_an_offset(text: str | None, expected: object) -> None:
    assert params.moment(text, "start_date") == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("yesterday", "must be a date and time"),
        ("2026-13-01T00:00:00Z", "must be a date and time"),
        ("2026-01-31", "time zone"),
        ("2026-01-31T09:00:00", "time zone"),
        ("0001-01-01T00:00:00+01:00", "between the years"),
        ("9999-12-31T23:59:59-01:00", "between the years"),
    ],
)
def test_bad_moments_name_the_parameter(text: str, message: str) -> None:
    with pytest.raises(InvalidInput) as error:
        params.moment(text, "end_date")

    assert error.value.errors[0].field == "end_date"
    assert message in error.value.errors[0].message


def test_the_default_window_is_the_last_90_days() -> None:
    assert params.window(None, None, NOW) == params.Window(NOW - dt.timedelta(days=90), NOW)


def test_one_end_of_the_window_gives_90_days_from_it() -> None:
    start = NOW - dt.timedelta(days=200)

    assert params.window(start, None, NOW).end == start + dt.timedelta(days=90)
    assert params.window(None, NOW, NOW).start == NOW - dt.timedelta(days=90)


@pytest.mark.parametrize(
    ("start", "end"),
    [
        (NOW, NOW - dt.timedelta(seconds=1)),
        (NOW - dt.timedelta(days=91), NOW),
    ],
)
def test_a_window_backwards_or_longer_than_90_days_is_refused(
    start: dt.datetime, end: dt.datetime
) -> None:
    with pytest.raises(InvalidInput) as error:
        params.window(start, end, NOW)

    assert error.value.errors[0].field == "end_date"


def test_names_split_on_commas_without_blanks_or_repeats() -> None:
    assert params.names(" a, b,,a ", "service_code") == ["a", "b"]
    assert params.names(None, "service_code") == []


def test_too_many_names_are_refused() -> None:
    with pytest.raises(InvalidInput):
        params.names(",".join(str(n) for n in range(1001)), "service_request_id")


def test_status_filter_takes_open_and_closed_only() -> None:
    assert params.statuses("open,CLOSED") == {"open", "closed"}
    with pytest.raises(InvalidInput) as error:
        params.statuses("open,fixed")
    assert "fixed" in error.value.errors[0].message


def test_pages_count_from_one_and_hold_at_most_1000() -> None:
    assert params.page({}) == params.Page(offset=0, size=1000)
    assert params.page({"page": "3", "page_size": "20"}) == params.Page(offset=40, size=20)


@pytest.mark.parametrize(
    "query",
    [{"page": "0"}, {"page": "-1"}, {"page": "two"}, {"page_size": "1001"}, {"page": "²"}],
)
def test_bad_pages_are_refused(query: dict[str, str]) -> None:
    with pytest.raises(InvalidInput):
        params.page(query)


def test_nul_characters_are_refused_in_names_and_values() -> None:
    with pytest.raises(InvalidInput) as error:
        params.reject_nul([("description", ["a\x00b"]), ("ok", ["fine"])])

    assert [each.field for each in error.value.errors] == ["description"]
