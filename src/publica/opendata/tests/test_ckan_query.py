"""The Solr query subset package_search understands, parsed and matched without a database."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from publica.opendata.ckan.query import QueryError, Schema, matches, parse, score

SCHEMA = Schema(
    fields={
        "name": "string",
        "title": "text",
        "tags": "string",
        "organization": "string",
        "metadata_modified": "date",
        "num_tags": "int",
        "text": "text",
    },
    default=("name", "title", "tags", "text"),
    dynamic={"extras_": "text"},
)
NOW = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
REQUESTS = {
    "name": ["service-requests"],
    "title": ["Service requests"],
    "tags": ["311", "street problems"],
    "organization": ["millbrook"],
    "metadata_modified": [dt.datetime(2026, 4, 28, 9, tzinfo=dt.UTC)],
    "num_tags": [2],
    "text": ["Every problem reported to the council"],
    "extras_theme": ["GOVE"],
}
READINGS = {
    "name": ["sensor-readings"],
    "title": ["Sensor readings"],
    "tags": ["sensors", "environment"],
    "organization": ["other"],
    "metadata_modified": [dt.datetime(2025, 1, 1, tzinfo=dt.UTC)],
    "num_tags": [2],
    "text": ["Readings from the council's sensors"],
    "extras_theme": ["ENVI"],
}


def found(query: str) -> list[str]:
    node = parse(query, SCHEMA)
    return [
        document["name"][0]
        for document in (REQUESTS, READINGS)
        if matches(node, document, SCHEMA, now=NOW)
    ]


@pytest.mark.parametrize("query", ["", "   ", "*:*", "*"])
def test_an_empty_or_match_all_query_finds_everything(query: str) -> None:
    assert found(query) == ["service-requests", "sensor-readings"]


def test_a_bare_word_searches_the_text_fields_ignoring_case_and_plurals() -> None:
    assert found("REQUEST") == ["service-requests"]
    assert found("council") == ["service-requests", "sensor-readings"]


def test_juxtaposed_words_must_all_match_as_ckan_asks_solr() -> None:
    assert found("council problem") == ["service-requests"]


def test_a_quoted_phrase_matches_words_in_order_only() -> None:
    assert found('"service requests"') == ["service-requests"]
    assert found('"requests service"') == []


def test_a_string_field_matches_its_whole_value() -> None:
    assert found("name:service-requests") == ["service-requests"]
    assert found("name:service") == []
    assert found('tags:"street problems"') == ["service-requests"]


def test_wildcards_match_within_words_and_values() -> None:
    assert found("sens*") == ["sensor-readings"]
    assert found("name:service-*") == ["service-requests"]
    assert found("tags:*") == ["service-requests", "sensor-readings"]


def test_boolean_operators_and_prefixes() -> None:
    assert found("organization:other OR organization:millbrook") == [
        "service-requests",
        "sensor-readings",
    ]
    assert found("-organization:millbrook") == ["sensor-readings"]
    assert found("NOT organization:millbrook") == ["sensor-readings"]
    assert found("council AND NOT sensors") == ["service-requests"]
    assert found("+council -organization:other") == ["service-requests"]
    assert found("council && !sensor") == ["service-requests"]
    assert found("tags:(sensors OR 311) AND (extras_theme:envi)") == ["sensor-readings"]


def test_the_harvesters_modified_since_range_with_fractional_seconds() -> None:
    assert found("metadata_modified:[2026-01-01T00:00:00.123456Z TO *]") == ["service-requests"]
    assert found("metadata_modified:{* TO 2025-01-01T00:00:00Z}") == []
    assert found("metadata_modified:[* TO 2025-01-01T00:00:00Z]") == ["sensor-readings"]


def test_date_math_counts_from_now() -> None:
    assert found("metadata_modified:[NOW-7DAYS TO NOW]") == ["service-requests"]
    assert found("metadata_modified:[NOW/DAY-1YEAR TO *]") == ["service-requests"]


def test_integer_ranges_compare_numbers() -> None:
    assert found("num_tags:[2 TO 10]") == ["service-requests", "sensor-readings"]
    assert found("num_tags:{2 TO 10]") == []


def test_boosts_are_accepted_and_do_not_change_what_matches() -> None:
    assert found("title:sensor^4 OR council") == ["service-requests", "sensor-readings"]


def test_score_counts_the_query_words_a_document_holds() -> None:
    node = parse("request council", SCHEMA)
    assert score(node, REQUESTS, SCHEMA) > score(node, READINGS, SCHEMA)


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("colour:red", "unknown field 'colour'"),
        ("name:x); DROP TABLE", "unexpected ')'"),
        ("' OR 1=1 --", "ends where a term was expected"),
        ('"open', "not closed"),
        ("(council", "not closed"),
        ("metadata_modified:[yesterday TO *]", "not a date"),
        ("metadata_modified:[2026-01-01T00:00:00Z TO]", "[low TO high]"),
        ("num_tags:two", "not a whole number"),
        ("council~2", "not supported"),
        ("a:b:c", "unknown field 'a'"),
        ("(" * 100 + "x" + ")" * 100, "nested more than"),
        ("-" * 100 + "x", "nested more than"),
        ("x" * 5000, "longer than"),
    ],
)
def test_bad_queries_are_errors_that_name_the_problem(query: str, problem: str) -> None:
    with pytest.raises(QueryError, match=re.escape(problem)):
        parse(query, SCHEMA)


def test_sql_looking_text_inside_a_phrase_is_only_text() -> None:
    assert found('"\' OR 1=1 --"') == []
    assert found('name:"x\'); DROP TABLE datasets; --"') == []


@settings(max_examples=500, deadline=None)
@given(st.text(max_size=80))
def test_any_string_either_parses_or_raises_a_query_error(query: str) -> None:
    try:
        node = parse(query, SCHEMA)
    except QueryError:
        return
    for document in (REQUESTS, READINGS):
        assert matches(node, document, SCHEMA, now=NOW) in (True, False)


QUERY_ALPHABET = st.sampled_from(
    [
        "name:",
        "tags:",
        "metadata_modified:",
        "num_tags:",
        "council",
        "x*",
        '"',
        "(",
        ")",
        "[",
        "]",
        "{",
        "}",
        " TO ",
        " AND ",
        " OR ",
        "NOT ",
        "-",
        "+",
        "*",
        "^2",
        "\\",
        ":",
        "2026-01-01T00:00:00Z",
        "NOW-1DAY",
        "5",
        " ",
    ]
)


@settings(max_examples=500, deadline=None)
@given(st.lists(QUERY_ALPHABET, max_size=14).map("".join))
def test_query_shaped_strings_either_parse_or_raise_a_query_error(query: str) -> None:
    try:
        node = parse(query, SCHEMA)
    except QueryError:
        return
    for document in (REQUESTS, READINGS):
        assert matches(node, document, SCHEMA, now=NOW) in (True, False)
