"""The CSV reader, without a database: every problem found, with its row and column."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publica.core.errors import InvalidInput
from publica.spending import csvimport
from publica.spending.tests.factories import BUDGET_HEADER, SPEND_HEADER, csv_file

DEPARTMENTS = {"highways", "parking"}


def budget(*rows: str, header: str = BUDGET_HEADER) -> csvimport.Parsed[csvimport.BudgetRow]:
    return csvimport.read_budget(csv_file(header, *rows), departments=DEPARTMENTS, source="b.csv")


def spend(*rows: str, header: str = SPEND_HEADER) -> csvimport.Parsed[csvimport.SpendRow]:
    return csvimport.read_spend(
        csv_file(header, *rows),
        departments=DEPARTMENTS,
        projects={"mill-road"},
        latest=dt.date(2026, 1, 31),
        source="s.csv",
    )


def where(parsed: csvimport.Parsed) -> list[tuple[int | None, str]]:  # type: ignore[type-arg]
    return [(error.line, error.field) for error in parsed.errors]


def test_a_valid_budget_gives_its_rows() -> None:
    parsed = budget(
        '2025-26,highways,Road maintenance,HW100,Patching,"1,250,000.00"',
        "2025/26,Parking,Enforcement,,,£300",
    )
    assert parsed.errors == []
    first, second = parsed.rows
    assert (first.row, first.financial_year, first.amount) == (2, 2025, Decimal("1250000.00"))
    assert (second.department, second.cost_centre, second.amount) == ("parking", "", Decimal(300))


def test_a_valid_spend_file_gives_its_rows() -> None:
    parsed = spend(
        "2025-06-30,highways,Road maintenance,Tarmac Works Ltd,no,Refund,-12.50,PAY-1,mill-road",
        "30/06/2025,highways,Fostering,,yes,Allowance,400,PAY-2,",
    )
    assert parsed.errors == []
    refund, carer = parsed.rows
    assert (refund.date, refund.amount, refund.project) == (
        dt.date(2025, 6, 30),
        Decimal("-12.50"),
        "mill-road",
    )
    assert (carer.payee_is_individual, carer.supplier, carer.project) == (True, "", "")


def test_each_missing_required_column_is_named_in_a_header_error() -> None:
    parsed = budget("2025-26,highways", header="financial_year,department")
    assert where(parsed) == [(1, "programme"), (1, "amount")]
    assert "column named programme" in parsed.errors[0].message


def test_an_unknown_column_is_an_error_so_a_typo_is_not_ignored() -> None:
    parsed = budget(
        "2025-26,highways,Roads,x,1",
        header="financial_year,department,programme,cost_center,amount",
    )
    assert where(parsed) == [(1, "header")]
    assert "'cost_center'" in parsed.errors[0].message


def test_every_bad_cell_is_reported_with_its_row_and_column() -> None:
    parsed = budget(
        "2025-26,highways,Roads,,,100",
        "2025,highways,Roads,,,100",
        "2025-26,nowhere,,,,ten",
        "2025-26,highways,Roads,,,-5",
    )
    assert where(parsed) == [
        (3, "financial_year"),
        (4, "department"),
        (4, "programme"),
        (4, "amount"),
        (5, "amount"),
    ]
    assert str(parsed.errors[0]).startswith("b.csv:3: financial_year: Enter the financial year")
    with pytest.raises(InvalidInput) as raised:
        parsed.raise_if_errors()
    assert len(raised.value.errors) == 5


def test_spend_rows_check_dates_flags_suppliers_and_projects() -> None:
    parsed = spend(
        "2025-02-30,highways,Roads,Tarmac Works Ltd,no,,1,PAY-1,",
        "2027-01-01,highways,Roads,Tarmac Works Ltd,maybe,,1,PAY-2,",
        "2025-06-30,highways,Roads,,no,,1,PAY-3,library",
    )
    assert where(parsed) == [
        (2, "date"),
        (3, "date"),
        (3, "payee_is_individual"),
        (4, "supplier"),
        (4, "project"),
    ]
    assert "future" in parsed.errors[1].message


def test_a_reference_twice_in_a_file_names_the_first_row() -> None:
    parsed = spend(
        "2025-06-30,highways,Roads,Tarmac Works Ltd,no,,1,PAY-1,",
        "2025-06-30,highways,Roads,Tarmac Works Ltd,no,,1,PAY-1,",
    )
    assert where(parsed) == [(3, "reference")]
    assert "also on row 2" in parsed.errors[0].message


def test_references_imported_before_are_errors_in_row_order() -> None:
    parsed = csvimport.read_spend(
        csv_file(
            SPEND_HEADER,
            "2025-06-30,highways,Roads,A Ltd,no,,1,OLD-1,",
            "bad-date,highways,Roads,A Ltd,no,,1,NEW-1,",
        ),
        departments=DEPARTMENTS,
        existing_references=lambda wanted: [r for r in wanted if r.startswith("OLD")],
    )
    assert where(parsed) == [(2, "reference"), (3, "date")]


def test_a_row_with_the_wrong_number_of_values_is_reported() -> None:
    parsed = budget("2025-26,highways,Roads,,,100,extra")
    assert where(parsed) == [(2, "row")]


def test_blank_lines_are_skipped_but_still_counted_as_rows() -> None:
    parsed = budget("", "2025-26,highways,Roads,,,abc")
    assert where(parsed) == [(3, "amount")]


def test_a_repeated_budget_line_is_reported() -> None:
    parsed = budget("2025-26,highways,Roads,,,1", "2025-26,highways,roads,,,2")
    assert where(parsed) == [(3, "programme")]


def test_a_windows_spreadsheet_export_is_read() -> None:
    data = (BUDGET_HEADER + "\r\n2025-26,highways,Roads,,Café tables,£10\r\n").encode("cp1252")
    parsed = csvimport.read_budget(data, departments=DEPARTMENTS)
    assert parsed.errors == []
    assert parsed.rows[0].description == "Café tables"


def test_semicolon_separated_files_are_explained() -> None:
    parsed = csvimport.read_budget(b"financial_year;department\n", departments=DEPARTMENTS)
    assert "semicolons" in parsed.errors[0].message


def test_an_empty_file_is_an_error() -> None:
    assert where(csvimport.read_budget(b"", departments=DEPARTMENTS)) == [(1, "header")]


def test_broken_quotes_stop_reading_with_a_row_error() -> None:
    parsed = budget('2025-26,highways,"Roads,,,1', '2025-26,highways,Roads"x,,,1')
    assert parsed.errors and parsed.errors[-1].field == "row"


def test_errors_past_the_limit_are_counted_not_listed() -> None:
    rows = [f"2025-26,highways,Roads {n},,,x" for n in range(csvimport.MAX_ERRORS + 5)]
    parsed = budget(*rows)
    assert len(parsed.errors) == csvimport.MAX_ERRORS + 1
    assert "5 more problems" in parsed.errors[-1].message


def test_control_characters_are_refused() -> None:
    parsed = budget("2025-26,highways,Ro\x00ads,,,1")
    assert where(parsed) == [(2, "programme")]


# Fuzzing: whatever the bytes, the reader returns rows or errors and never raises.

_CELLS = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["2025-26", "highways", "yes", "no", "1,000.00", "-1", "30/06/2025", '"']),
)
_LINES = st.lists(st.lists(_CELLS, max_size=10).map(",".join), max_size=8)


@settings(max_examples=300, deadline=None)
@given(data=st.binary(max_size=400))
def test_any_bytes_give_rows_or_errors(data: bytes) -> None:
    for parsed in (
        csvimport.read_budget(data, departments=DEPARTMENTS),
        csvimport.read_spend(data, departments=DEPARTMENTS),
    ):
        assert isinstance(parsed.rows, list) and isinstance(parsed.errors, list)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES, header=st.permutations([c.name for c in csvimport.SPEND_COLUMNS]))
def test_any_spend_like_text_gives_rows_or_errors(lines: list[str], header: list[str]) -> None:
    text = "\n".join([",".join(header), *lines])
    parsed = csvimport.read_spend(text, departments=DEPARTMENTS, projects={"mill-road"})
    try:
        parsed.raise_if_errors()
    except InvalidInput as exc:
        assert all(error.message for error in exc.errors)
    else:
        assert len(parsed.rows) <= len(lines)


@settings(max_examples=300, deadline=None)
@given(lines=_LINES)
def test_any_budget_like_text_gives_rows_or_errors(lines: list[str]) -> None:
    parsed = csvimport.read_budget("\n".join([BUDGET_HEADER, *lines]), departments=DEPARTMENTS)
    for row in parsed.rows:
        assert row.amount >= 0 and row.department in DEPARTMENTS
