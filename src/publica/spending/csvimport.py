"""Reading budget and spend CSV files into checked rows, or every problem found in them.

Pure: no Django. The importing services give the departments and projects that exist; this
module checks the header, every cell and duplicates within the file, and returns the rows
with every error (`FieldError` naming the column, the row and the file), so a file is
either taken whole or sent back with everything to fix at once. It never raises on bad
input: whatever the bytes, the result is rows or errors.

Row numbers are the ones a spreadsheet shows: the header is row 1, the first line of data
row 2. The columns are documented in docs/spending.md.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Callable, Collection, Iterator
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Generic, TypeVar

from publica.core.errors import FieldError, InvalidInput
from publica.spending import years

__all__ = [
    "BUDGET_COLUMNS",
    "MAX_ERRORS",
    "MAX_ROWS",
    "SPEND_COLUMNS",
    "BudgetRow",
    "ColumnSpec",
    "Parsed",
    "SpendRow",
    "read_budget",
    "read_spend",
]

#: A file with more data rows than this is refused (split it by month or department).
MAX_ROWS = 100_000
#: Errors listed at most; past this, one more error says how many were left out.
MAX_ERRORS = 1_000
#: Amounts are stored with 12 digits before the point and 2 after.
MAX_AMOUNT = Decimal("999999999999.99")


@dataclass(frozen=True)
class ColumnSpec:
    name: str
    required: bool
    max_length: int
    description: str


BUDGET_COLUMNS = (
    ColumnSpec("financial_year", True, 7, "The financial year, like 2025-26"),
    ColumnSpec("department", True, 50, "The department's short name (slug), like highways"),
    ColumnSpec("programme", True, 120, "The programme or service area, like Road maintenance"),
    ColumnSpec("cost_centre", False, 20, "The council's cost-centre code"),
    ColumnSpec("description", False, 300, "What the money is for"),
    ColumnSpec("amount", True, 30, "The budget in pounds, like 125000.00; not negative"),
)

SPEND_COLUMNS = (
    ColumnSpec("date", True, 10, "The payment date, as 2025-06-30 or 30/06/2025"),
    ColumnSpec("department", True, 50, "The department's short name (slug), like highways"),
    ColumnSpec("programme", True, 120, "The programme, as named in the budget"),
    ColumnSpec("supplier", True, 200, "Who was paid; may be empty for an individual"),
    ColumnSpec("payee_is_individual", True, 5, "yes when the payee is a private individual"),
    ColumnSpec("description", False, 300, "What was bought"),
    ColumnSpec("amount", True, 30, "The amount in pounds; negative for a refund or credit"),
    ColumnSpec("reference", True, 64, "The council's own transaction reference, unique"),
    ColumnSpec("project", False, 80, "The short name (slug) of the public project it paid for"),
)


@dataclass(frozen=True)
class BudgetRow:
    row: int
    financial_year: int
    department: str
    programme: str
    cost_centre: str
    description: str
    amount: Decimal


@dataclass(frozen=True)
class SpendRow:
    row: int
    date: dt.date
    department: str
    programme: str
    supplier: str
    payee_is_individual: bool
    description: str
    amount: Decimal
    reference: str
    project: str


Row = TypeVar("Row", BudgetRow, SpendRow)


@dataclass
class Parsed(Generic[Row]):
    """The rows read, and every problem found; the rows count only when there are none."""

    rows: list[Row] = field(default_factory=list)
    errors: list[FieldError] = field(default_factory=list)

    def raise_if_errors(self) -> None:
        if self.errors:
            raise InvalidInput(self.errors)


def read_budget(
    data: bytes | str, *, departments: Collection[str], source: str = ""
) -> Parsed[BudgetRow]:
    """Budget lines from a CSV file. The same line (year, department, programme, cost centre
    and description) twice in one file is an error: it is almost always a pasted row."""
    parsed: Parsed[BudgetRow] = Parsed()
    errors = _Errors(source, parsed.errors)
    seen: dict[tuple[object, ...], int] = {}
    for number, cells in _records(data, BUDGET_COLUMNS, errors):
        cell = _Cells(number, cells, errors)
        year = cell.read("financial_year", _financial_year)
        department = cell.read("department", _member(departments, "department"))
        programme = cell.read("programme", _text)
        cost_centre = cell.read("cost_centre", _optional_text)
        description = cell.read("description", _optional_text)
        amount = cell.read("amount", _amount(allow_negative=False))
        if cell.failed:
            continue
        assert year is not None and department is not None and programme is not None
        assert cost_centre is not None and description is not None and amount is not None
        key = (year, department, programme.casefold(), cost_centre.casefold(),
               description.casefold())  # fmt: skip
        if key in seen:
            errors.add(number, "programme", f"This line repeats row {seen[key]}")
            continue
        seen[key] = number
        parsed.rows.append(
            BudgetRow(number, year, department, programme, cost_centre, description, amount)
        )
    return _finished(parsed, errors)


def read_spend(
    data: bytes | str,
    *,
    departments: Collection[str],
    projects: Collection[str] = (),
    latest: dt.date | None = None,
    existing_references: Callable[[list[str]], Collection[str]] = lambda references: (),
    source: str = "",
) -> Parsed[SpendRow]:
    """Spend transactions from a CSV file; `latest` is the last day a payment may be dated
    (today); `existing_references` gives those of the references asked about that were
    imported before. The supplier may be empty only when the payee is an individual."""
    parsed: Parsed[SpendRow] = Parsed()
    errors = _Errors(source, parsed.errors)
    references: dict[str, int] = {}
    for number, cells in _records(data, SPEND_COLUMNS, errors):
        cell = _Cells(number, cells, errors)
        day = cell.read("date", _date(latest))
        department = cell.read("department", _member(departments, "department"))
        programme = cell.read("programme", _text)
        individual = cell.read("payee_is_individual", _yes_no)
        supplier = cell.read("supplier", _optional_text if individual else _text)
        description = cell.read("description", _optional_text)
        amount = cell.read("amount", _amount(allow_negative=True))
        reference = cell.read("reference", _text)
        project = cell.read("project", _optional_member(projects, "project"))
        if reference is not None:
            if reference in references:
                errors.add(number, "reference", _repeated(reference, references[reference]))
                cell.failed = True
            else:
                references[reference] = number
        if cell.failed:
            continue
        assert day is not None and department is not None and programme is not None
        assert supplier is not None and individual is not None and description is not None
        assert amount is not None and reference is not None and project is not None
        row = SpendRow(number, day, department, programme, supplier, individual, description,
                       amount, reference, project)  # fmt: skip
        parsed.rows.append(row)
    for reference in existing_references(list(references)) if references else ():
        errors.add(references[reference], "reference", _imported_before(reference))
    return _finished(parsed, errors)


# Reading the file


class _Errors:
    """Collects errors up to MAX_ERRORS and counts the rest."""

    def __init__(self, source: str, into: list[FieldError]) -> None:
        self.source = source
        self.found = into
        self.left_out = 0

    def add(self, row: int | None, column: str, message: str) -> None:
        if len(self.found) < MAX_ERRORS:
            self.found.append(FieldError(column, message, line=row, source=self.source))
        else:
            self.left_out += 1


def _finished(parsed: Parsed[Row], errors: _Errors) -> Parsed[Row]:
    parsed.errors.sort(key=lambda error: error.line or 0)
    if errors.left_out:
        parsed.errors.append(
            FieldError(
                "file",
                f"… and {errors.left_out:,} more problems not listed here; fix these and "
                "import the file again to see the rest",
                source=errors.source,
            )
        )
    return parsed


def _records(
    data: bytes | str, columns: tuple[ColumnSpec, ...], errors: _Errors
) -> Iterator[tuple[int, dict[str, str]]]:
    """Each data row that is not blank, by its row number, as {column: cell}, once the
    header has every required column."""
    text = _decode(data, errors)
    if text is None:
        return
    reader = csv.reader(io.StringIO(text, newline=""), strict=True)
    number = 0
    try:
        header = next(reader, None)
        number = 1
        names = _header(header, columns, errors)
        if names is None:
            return
        for number, record in enumerate(reader, start=2):  # `number` is read in except
            if not any(cell.strip() for cell in record):
                continue
            if number - 1 > MAX_ROWS:
                errors.add(None, "file", f"The file has more than {MAX_ROWS:,} rows; split it")
                return
            if len(record) != len(names):
                errors.add(number, "row", _width(len(record), len(names)))
                continue
            yield number, {name: cell for name, cell in zip(names, record, strict=True) if name}
    except csv.Error as exc:
        errors.add(
            number + 1,
            "row",
            f"The file cannot be read from here on ({exc}); check the quotes in this row",
        )


def _decode(data: bytes | str, errors: _Errors) -> str | None:
    """UTF-8 (with or without a byte-order mark), or else Windows-1252, which is what a
    spreadsheet saves as plain "CSV" on Windows."""
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    errors.add(None, "file", "The file is not text; save it from your spreadsheet as CSV UTF-8")
    return None


def _header(
    header: list[str] | None, columns: tuple[ColumnSpec, ...], errors: _Errors
) -> list[str] | None:
    """The column names in file order ("" for a column to leave out), or None when a
    required column is missing (every one is named)."""
    if header is None or not any(name.strip() for name in header):
        errors.add(1, "header", "The file is empty; the first row must name the columns")
        return None
    if len(header) == 1 and ";" in header[0]:
        errors.add(1, "header", "The columns must be separated by commas, not semicolons")
        return None
    known = {column.name for column in columns}
    names: list[str] = []
    for position, raw in enumerate(header, start=1):
        name = raw.strip().lower().replace(" ", "_")
        if name in names:
            errors.add(1, name, f"The column {name} is named twice")
            name = ""
        elif name not in known:
            label = f"The column {raw.strip()!r}" if raw.strip() else f"Column {position}"
            errors.add(1, "header", f"{label} is not one this import takes")
            name = ""
        names.append(name)
    missing = [column.name for column in columns if column.required and column.name not in names]
    for name in missing:
        errors.add(1, name, f"The header must have a column named {name}")
    return None if missing else names


def _width(found: int, wanted: int) -> str:
    return f"This row has {found} values but the header names {wanted} columns"


def _imported_before(reference: str) -> str:
    return f"The reference {reference} was imported before; each payment is imported once"


def _repeated(reference: str, first: int) -> str:
    return f"The reference {reference} is also on row {first}; each must be unique"


# Cells


class _Problem(Exception):
    pass


_SPECS = {column.name: column for column in (*BUDGET_COLUMNS, *SPEND_COLUMNS)}
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ud800-\udfff]")

T = TypeVar("T")


class _Cells:
    """One row's cells: each read through a check that raises _Problem with a message."""

    def __init__(self, number: int, cells: dict[str, str], errors: _Errors) -> None:
        self.number = number
        self.cells = cells
        self.errors = errors
        self.failed = False

    def read(self, column: str, check: Callable[[str], T]) -> T | None:
        value = self.cells.get(column, "").strip()
        limit = _SPECS[column].max_length
        try:
            if _CONTROL.search(value):
                raise _Problem("Remove the control characters from this value")
            if len(value) > limit:
                raise _Problem(f"Must be {limit} characters or fewer (this has {len(value)})")
            return check(value)
        except _Problem as exc:
            self.errors.add(self.number, column, str(exc))
            self.failed = True
            return None


def _text(value: str) -> str:
    if not value:
        raise _Problem("Must not be empty")
    return " ".join(value.split())


def _optional_text(value: str) -> str:
    return " ".join(value.split())


def _financial_year(value: str) -> int:
    year = years.parse(value)
    if year is None:
        raise _Problem(f"Enter the financial year like 2025-26, not {value!r}")
    return year


def _member(known: Collection[str], what: str) -> Callable[[str], str]:
    def check(value: str) -> str:
        slug = value.lower()
        if not slug:
            raise _Problem(f"Enter the {what}'s short name")
        if slug not in known:
            raise _Problem(f"There is no {what} {value!r}; use its short name, like {_one(known)}")
        return slug

    return check


def _optional_member(known: Collection[str], what: str) -> Callable[[str], str]:
    required = _member(known, what)
    return lambda value: required(value) if value else ""


def _one(known: Collection[str]) -> str:
    return min(known) if known else "(none exist yet)"


_AMOUNT = re.compile(r"^(-?)£?(\d{1,3}(?:,\d{3})+|\d+)(\.\d{1,2})?$")


def _amount(*, allow_negative: bool) -> Callable[[str], Decimal]:
    def check(value: str) -> Decimal:
        found = _AMOUNT.match(value.replace(" ", ""))
        if found is None:
            raise _Problem(f"Enter an amount in pounds like 1234.56, not {value!r}")
        sign, pounds, pence = found.groups()
        try:
            amount = Decimal(f"{sign}{pounds.replace(',', '')}{pence or ''}")
        except InvalidOperation:  # pragma: no cover (the pattern allows only numbers)
            raise _Problem(f"Enter an amount in pounds like 1234.56, not {value!r}") from None
        if amount < 0 and not allow_negative:
            raise _Problem("A budget cannot be negative")
        if abs(amount) > MAX_AMOUNT:
            raise _Problem("The amount is too large")
        return amount

    return check


def _date(latest: dt.date | None) -> Callable[[str], dt.date]:
    def check(value: str) -> dt.date:
        day = _day(value)
        if day is None:
            raise _Problem(f"Enter the date like 2025-06-30 or 30/06/2025, not {value!r}")
        if day.year < 1990:
            raise _Problem("The date is too long ago")
        if latest is not None and day > latest:
            raise _Problem("A payment cannot be dated in the future")
        return day

    return check


def _day(value: str) -> dt.date | None:
    for layout in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(value, layout).date()
        except ValueError:
            continue
    return None


_YES = {"yes", "y", "true", "1"}
_NO = {"no", "n", "false", "0"}


def _yes_no(value: str) -> bool:
    word = value.lower()
    if word in _YES:
        return True
    if word in _NO:
        return False
    raise _Problem("Enter yes or no")
