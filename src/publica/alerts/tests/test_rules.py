"""Reading what people type: phone numbers, coordinates, distances. No database."""

from __future__ import annotations

import pytest

from publica.alerts import rules


@pytest.mark.parametrize(
    "typed",
    ["07700 900123", "07700-900-123", "+44 7700 900123", "+44 (0)7700 900123", "0044 7700 900123"],
)
def test_a_uk_mobile_written_any_usual_way_becomes_e164(typed):
    assert rules.phone_number(typed) == "+447700900123"


def test_an_international_number_in_e164_is_kept():
    assert rules.phone_number("+33 6 12 34 56 78") == "+33612345678"


@pytest.mark.parametrize("typed", ["01632 960123", "+44 1632 960123"])
def test_a_uk_landline_is_refused_for_text_messages(typed):
    with pytest.raises(rules.FieldProblem, match="UK mobile"):
        rules.phone_number(typed)


@pytest.mark.parametrize("typed", ["", "call me", "12345", "+0123456789"])
def test_something_that_is_not_a_phone_number_is_refused(typed):
    with pytest.raises(rules.FieldProblem, match="mobile number"):
        rules.phone_number(typed)


def test_coordinates_must_be_numbers_on_the_earth():
    assert rules.latitude("52.03") == 52.03 and rules.longitude(-0.98) == -0.98
    for bad, message in [("", "Enter the latitude"), ("north", "as a number"),
                         ("91", "between -90 and 90"), ("nan", "as a number")]:  # fmt: skip
        with pytest.raises(rules.FieldProblem, match=message):
            rules.latitude(bad)
    with pytest.raises(rules.FieldProblem, match="between -180 and 180"):
        rules.longitude("-180.5")


def test_a_radius_is_whole_metres_from_50_to_20000():
    assert rules.radius("50") == 50 and rules.radius(20_000) == 20_000
    for bad in ("49", "20001", "12.5", "far"):
        with pytest.raises(rules.FieldProblem):
            rules.radius(bad)


def test_a_boundary_is_three_or_more_corners():
    assert rules.boundary([[1, 2], [3, 4], [5, 6]]) == [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    for bad in ([[1, 2], [3, 4]], "square", [[1, 2], [3, 4], [5]], [[1, 2], [3, 4], [95, 6]]):
        with pytest.raises(rules.FieldProblem):
            rules.boundary(bad)


def test_spacing_keeps_a_channel_within_its_rate():
    assert rules.rate_spacing(3000) == 0.02 and rules.rate_spacing(60) == 1.0
    with pytest.raises(ValueError):
        rules.rate_spacing(0)
