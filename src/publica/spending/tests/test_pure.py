"""Financial years, the figures residents read, and the budget chart: no database."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET
from decimal import Decimal

from hypothesis import given
from hypothesis import strategies as st

from publica.spending import charts, measures, years

SVG = "{http://www.w3.org/2000/svg}"


def test_financial_years_run_from_april_to_march() -> None:
    assert years.of(dt.date(2026, 3, 31)) == 2025
    assert years.of(dt.date(2026, 4, 1)) == 2026
    assert years.bounds(2025) == (dt.date(2025, 4, 1), dt.date(2026, 3, 31))
    assert years.label(2099) == "2099-00" and years.parse("2099-00") == 2099
    assert years.parse("2025-27") is None and years.parse("25-26") is None


@given(st.dates(min_value=dt.date(1900, 4, 1), max_value=dt.date(2998, 12, 31)))
def test_every_day_falls_within_its_financial_year(day: dt.date) -> None:
    start, end = years.bounds(years.of(day))
    assert start <= day <= end
    assert years.parse(years.label(years.of(day))) == years.of(day)


def test_share_spent_and_remaining() -> None:
    assert measures.share_spent(Decimal(400), Decimal(500)) == 125
    assert measures.share_spent(Decimal(0), Decimal(5)) is None
    assert measures.remaining(Decimal(400), Decimal(500)) == Decimal(-100)


def test_percent_complete_is_weighted_and_reaches_100_only_when_all_is_done() -> None:
    assert measures.percent_complete([]) is None
    assert measures.percent_complete([(1, True), (3, False)]) == 25
    assert measures.percent_complete([(1, True), (1, True), (1000, False)]) == 0
    assert measures.percent_complete([(199, True), (1, False)]) == 99
    assert measures.percent_complete([(2, True), (1, True)]) == 100


def test_short_pounds() -> None:
    assert charts.short_pounds(Decimal(1_250_000)) == "£1.2m"
    assert charts.short_pounds(Decimal(350_400)) == "£350k"
    assert charts.short_pounds(Decimal(1500)) == "£1.5k"
    assert charts.short_pounds(Decimal(-900)) == "\N{MINUS SIGN}£900"


def test_the_budget_chart_is_an_image_with_a_title_and_words_on_every_bar() -> None:
    svg = charts.budget_chart(
        [charts.Bar("Roads & <paths>", Decimal(1000), Decimal(600)),
         charts.Bar("Lighting", Decimal(400), Decimal(500))],
        title="Budget 2025-26",
    )  # fmt: skip
    root = ET.fromstring(svg)
    assert root.get("role") == "img" and root.findtext(f"{SVG}title") == "Budget 2025-26"
    texts = [t.text for t in root.iter(f"{SVG}text")]
    assert "Roads & <paths>" in texts and "spent £500 (over)" in texts
    widths = [float(r.get("width", 0)) for r in root.iter(f"{SVG}rect")][2:]  # after the legend
    assert widths[0] > widths[1] and widths[3] > widths[2]  # to one scale


def test_an_empty_chart_is_still_an_image() -> None:
    assert ET.fromstring(charts.budget_chart([], title="Nothing")).get("role") == "img"
