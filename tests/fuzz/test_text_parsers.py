"""CSV imports, CKAN search queries, CEL rules and the small query-string parsers.

Each returns a value or its own documented error; the CSV readers never raise at all.
"""

from __future__ import annotations

import contextlib
import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from publica.cases import rules
from publica.insights import filters
from publica.open311 import statuses
from publica.opendata.ckan.packages import SEARCH_SCHEMA
from publica.opendata.ckan.query import QueryError
from publica.opendata.ckan.query import parse as ckan_parse
from publica.spending import csvimport, years
from publica.spending.tests.factories import BUDGET_HEADER, SPEND_HEADER
from tests.fuzz.strategies import fuzz, garbage, mutated

DEPARTMENTS = {"highways", "parking"}
BUDGETS = [
    "\n".join([BUDGET_HEADER, '2025-26,highways,Road maintenance,HW100,Patching,"1,250,000.00"',
               "2025/26,Parking,Enforcement,,,£300"]) + "\n",
]  # fmt: skip
SPENDS = [
    "\n".join([SPEND_HEADER,
               "2025-06-30,highways,Roads,Tarmac Works Ltd,no,Refund,-12.50,PAY-1,mill-road",
               "30/06/2025,highways,Fostering,,yes,Allowance,400,PAY-2,"]) + "\n",
]  # fmt: skip
CSV_BITS = [",", '"', '""', "\r\n", "\n", ";", "\t", "=cmd|' /C calc'!A0", "1e999", "NaN", "\x00"]
ENCODINGS = st.sampled_from(["utf-8", "utf-8-sig", "cp1252", "utf-16", "latin-1"])


def encoded(text: str, encoding: str) -> bytes:
    return text.encode(encoding, errors="replace")


@fuzz()
@given(
    text=st.one_of(mutated(BUDGETS + SPENDS, fragments=CSV_BITS), garbage()),
    encoding=ENCODINGS,
    raw=st.binary(max_size=200),
    use_raw=st.booleans(),
)
def test_a_budget_or_spend_csv_gives_rows_or_errors_never_an_exception(
    text: str, encoding: str, raw: bytes, use_raw: bool
) -> None:
    data = raw if use_raw else encoded(text, encoding)
    for parsed in (
        csvimport.read_budget(data, departments=DEPARTMENTS, source="b.csv"),
        csvimport.read_spend(
            data, departments=DEPARTMENTS, projects={"mill-road"}, latest=dt.date(2026, 1, 31)
        ),
    ):
        assert parsed.rows or parsed.errors or not data.strip()


QUERIES = [
    "flood*", '"air quality"', "tags:transport", 'title:"bus stops"', "res_format:(CSV OR JSON)",
    "metadata_modified:[NOW-7DAYS TO *]", "metadata_modified:[2024-01-01T00:00:00Z TO NOW/DAY]",
    "num_resources:{1 TO 10]", "organization:*", "*:*", "a AND b OR NOT c", "+parking -fines",
    "(roads || bins) && !closed", "title:bus^2", "extras_owner:millbrook", "name:a\\:b",
]  # fmt: skip


@fuzz()
@given(
    query=st.one_of(mutated(QUERIES, fragments=["(", ")", "[", " TO ", ":", "\\", "^"]), garbage())
)
def test_a_ckan_query_parses_or_raises_query_error(query: str) -> None:
    with contextlib.suppress(QueryError):
        ckan_parse(query, SEARCH_SCHEMA)


EXPRESSIONS = [
    'answers.size == "large" && answers.depth_mm > 50', "has(answers.photo)",
    "answers.items.exists(i, i.kind == 'tree')", "size(answers.description) > 100",
    "value > previous * 1.5", "timestamp(answers.date) < now", "answers.road_type in ['a', 'b']",
]  # fmt: skip


@fuzz()
@given(text=st.one_of(mutated(EXPRESSIONS), garbage(80)))
def test_a_cel_rule_compiles_evaluates_or_raises_rule_error(text: str) -> None:
    problem = rules.compile_problem(text, allowed={"answers", "value", "previous", "now"})
    if problem is not None:
        return
    with contextlib.suppress(rules.RuleError):
        rules.evaluate(text, {"answers": {"size": "large", "depth_mm": 60}, "value": 2})


@fuzz()
@given(
    query=st.dictionaries(
        st.sampled_from(["from", "to", "department", "service", "page"]),
        st.one_of(mutated(["2026-05-01", "2026-01-31", "12", "0"]), garbage(20)),
    ),
    text=st.one_of(mutated(["2025-26", "2025/26", "open", "closed", "in_progress"]), garbage(20)),
)
def test_small_query_parsers_report_field_errors(query: dict[str, str], text: str) -> None:
    parsed, errors = filters.parse(query, dt.date(2026, 5, 1))
    assert parsed.start <= parsed.end and all(error.field for error in errors)
    years.parse(text)
    statuses.parse(text)
