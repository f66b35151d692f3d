from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publica.sensors.queryoptions import (
    OrderBy,
    QueryOptionError,
    parse_query_options,
    split_top_level,
)


def test_simple_options_are_parsed() -> None:
    options = parse_query_options(
        {
            "$select": "name,@iot.id",
            "$orderby": "phenomenonTime desc, name",
            "$top": "5",
            "$skip": "10",
            "$count": "true",
            "$filter": "result gt 3",
            "other": "ignored",
        }
    )
    assert options.select == ("name", "id")
    assert options.orderby == (OrderBy("phenomenonTime", True), OrderBy("name"))
    assert (options.top, options.skip, options.count, options.filter) == (
        5,
        10,
        True,
        "result gt 3",
    )


def test_nested_expand_carries_its_own_options() -> None:
    options = parse_query_options(
        {"$expand": "Datastreams($select=name;$top=2;$expand=Observations($top=1)),Locations"}
    )
    streams, locations = options.expand
    assert streams.navigation == "Datastreams"
    assert streams.options.select == ("name",)
    assert streams.options.top == 2
    assert streams.options.expand[0].navigation == "Observations"
    assert streams.options.expand[0].options.top == 1
    assert locations.navigation == "Locations"


def test_expand_path_is_nested_expand() -> None:
    (expand,) = parse_query_options({"$expand": "Datastreams/Observations"}).expand
    assert expand.navigation == "Datastreams"
    assert expand.options.expand[0].navigation == "Observations"


@pytest.mark.parametrize(
    ("params", "names"),
    [
        ({"$top": "-1"}, "$top"),
        ({"$skip": "x"}, "$skip"),
        ({"$count": "yes"}, "$count"),
        ({"$orderby": "name sideways"}, "$orderby"),
        ({"$expand": "Datastreams($top=2"}, "unbalanced"),
        ({"$expand": "Datastreams($top)"}, "$expand"),
        ({"$foo": "1"}, "$foo"),
    ],
)
def test_malformed_options_name_the_option(params: dict[str, str], names: str) -> None:
    with pytest.raises(QueryOptionError, match=names.replace("$", r"\$")):
        parse_query_options(params)


@given(st.lists(st.text(alphabet="abc,;()'", max_size=8), max_size=5))
def test_splitting_never_loses_characters(parts: list[str]) -> None:
    text = "|".join(parts)
    try:
        pieces = split_top_level(text, "|")
    except QueryOptionError:
        return
    assert "|".join(pieces) == text
