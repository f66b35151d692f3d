from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from publica.sensors.paths import PathError, ResourcePath, Segment, parse_path


def test_collection_and_entity_paths_parse_into_segments() -> None:
    assert parse_path("Things") == ResourcePath((Segment("Things"),))
    assert parse_path("Things(1)/Datastreams") == ResourcePath(
        (Segment("Things", 1), Segment("Datastreams"))
    )
    assert parse_path("Observations(9)/Datastream/Thing").segments == (
        Segment("Observations", 9),
        Segment("Datastream"),
        Segment("Thing"),
    )


def test_property_value_and_ref_end_a_path() -> None:
    assert parse_path("Things(1)/name") == ResourcePath((Segment("Things", 1),), "name")
    assert parse_path("Things(1)/name/$value").value
    assert parse_path("Things(1)/Datastreams/$ref").ref
    assert parse_path("Things('7')").segments == (Segment("Things", 7),)


@pytest.mark.parametrize(
    "text", ["", "Things(1)/$value", "$ref", "Things(x)", "Things(1)/name/id", "things/x!"]
)
def test_malformed_paths_are_rejected(text: str) -> None:
    with pytest.raises(PathError):
        parse_path(text)


names = st.sampled_from(["Things", "Datastreams", "Observations", "Thing", "Sensor"])


@given(st.lists(st.tuples(names, st.none() | st.integers(0, 10**12)), min_size=1, max_size=5))
def test_any_chain_of_segments_round_trips(chain: list[tuple[str, int | None]]) -> None:
    text = "/".join(name if pk is None else f"{name}({pk})" for name, pk in chain)
    assert parse_path(text).segments == tuple(Segment(name, pk) for name, pk in chain)
