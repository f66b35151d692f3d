"""Form schema to Open311 attributes and posted fields to answers: pure, no database."""

from __future__ import annotations

from typing import Any

import pytest
from django.http import QueryDict

from publica.catalogue import servicefile
from publica.core.errors import FieldError, InvalidInput
from publica.open311 import mapping
from publica.testing import DEMO_SERVICES


def form_of(slug: str) -> dict[str, Any]:
    return servicefile.parse_file(DEMO_SERVICES / f"{slug}.yaml").data["form"]


def posted(fields: list[tuple[str, str]]) -> QueryDict:
    query = QueryDict(mutable=True)
    for name, value in fields:
        query.appendlist(name, value)
    return query


def fields_of(error: pytest.ExceptionInfo[InvalidInput]) -> list[str]:
    return [each.field for each in error.value.errors]


POTHOLE = form_of("pothole")
FLY_TIPPING = form_of("fly-tipping")
PLACE = [("lat", "52.03"), ("long", "-0.98")]


def test_pothole_attributes_leave_out_location_and_description() -> None:
    codes = [attribute.code for attribute in mapping.attributes(POTHOLE)]

    assert codes == ["road_type", "size", "depth_mm"]


def test_pothole_road_type_is_a_required_single_value_list_with_labelled_values() -> None:
    road_type = mapping.attributes(POTHOLE)[0]

    assert road_type.datatype == "singlevaluelist"
    assert road_type.required is True
    assert road_type.order == 1
    assert road_type.description == "What kind of road is it on?"
    assert ("main", "A main road or bus route") in road_type.values


def test_pothole_depth_is_an_optional_number_described_with_its_range() -> None:
    depth = mapping.attributes(POTHOLE)[2]

    assert (depth.code, depth.datatype, depth.required, depth.order) == (
        "depth_mm",
        "number",
        False,
        3,
    )
    assert "A whole number from 0 to 1000." in depth.datatype_description


def test_checkboxes_are_a_multi_value_list_and_yes_no_offers_true_and_false() -> None:
    attributes = {each.code: each for each in mapping.attributes(FLY_TIPPING)}

    assert attributes["waste_types"].datatype == "multivaluelist"
    assert ("tyres", "Tyres") in attributes["waste_types"].values
    assert attributes["witnessed"].datatype == "singlevaluelist"
    assert attributes["witnessed"].values == (("true", "Yes"), ("false", "No"))
    assert attributes["witness_details"].datatype == "text"


@pytest.mark.parametrize(
    ("schema", "widget", "expected"),
    [
        ({"type": "string"}, "text", "string"),
        ({"type": "string", "maxLength": 2000}, "textarea", "text"),
        ({"type": "string", "maxLength": 1000}, "text", "text"),
        ({"type": "integer"}, "number", "number"),
        ({"type": "number"}, "number", "number"),
        ({"type": "string", "format": "date"}, "date", "datetime"),
        ({"type": "string", "format": "date-time"}, "text", "datetime"),
        ({"type": "string", "enum": ["a", "b"]}, "select", "singlevaluelist"),
        ({"type": "boolean"}, "yes-no", "singlevaluelist"),
        ({"type": "array", "items": {"enum": ["a"]}}, "checkboxes", "multivaluelist"),
        ({"type": "array", "items": {"type": "string"}}, "file", None),
        ({"type": "object"}, "location", None),
    ],
)
def test_datatype_follows_the_question_type(
    schema: dict[str, Any], widget: str, expected: str | None
) -> None:
    assert mapping.datatype(schema, widget) == expected


def test_questions_without_pages_keep_the_forms_order() -> None:
    form = {
        "schema": {
            "type": "object",
            "properties": {
                "location": {"type": "object"},
                "when": {"type": "string", "format": "date"},
                "count": {"type": "integer", "minimum": 1},
            },
        },
        "ui": {"order": ["location", "count", "when"]},
    }

    attributes = mapping.attributes(form)

    assert [(a.code, a.order, a.datatype) for a in attributes] == [
        ("count", 1, "number"),
        ("when", 2, "datetime"),
    ]
    assert attributes[0].datatype_description == "A whole number, at least 1."
    assert attributes[1].datatype_description == "A date, like 2026-03-27."


def test_latitude_and_longitude_become_the_location_object() -> None:
    given = mapping.submission(POTHOLE, posted(PLACE))

    assert given.data == {"location": {"latitude": 52.03, "longitude": -0.98}}


def test_an_address_string_alone_is_a_location() -> None:
    given = mapping.submission(POTHOLE, posted([("address_string", " 4 High Street ")]))

    assert given.data["location"] == {"address": "4 High Street"}


def test_an_address_id_alone_becomes_the_address_unless_the_form_asks_for_it() -> None:
    given = mapping.submission(POTHOLE, posted([("address_id", "545483")]))
    assert given.data["location"] == {"address": "Address ID 545483"}

    form = {
        "schema": {
            "type": "object",
            "properties": {
                "location": {"type": "object", "properties": {"address_id": {"type": "string"}}}
            },
        }
    }
    given = mapping.submission(form, posted([("address_id", "545483"), *PLACE]))
    assert given.data["location"]["address_id"] == "545483"


@pytest.mark.parametrize(
    ("fields", "bad"),
    [
        ([("lat", "91"), ("long", "0")], ["lat"]),
        ([("lat", "0"), ("long", "-180.5")], ["long"]),
        ([("lat", "nan"), ("long", "0")], ["lat"]),
        ([("lat", "inf"), ("long", "0")], ["lat"]),
        ([("lat", "north"), ("long", "0")], ["lat"]),
        ([("lat", "52")], ["long"]),
        ([], ["location"]),
    ],
)
def test_bad_or_missing_coordinates_name_the_parameter(
    fields: list[tuple[str, str]], bad: list[str]
) -> None:
    with pytest.raises(InvalidInput) as error:
        mapping.submission(POTHOLE, posted(fields))

    assert fields_of(error) == bad


def test_description_goes_to_the_description_question() -> None:
    given = mapping.submission(POTHOLE, posted([*PLACE, ("description", " Deep ")]))

    assert given.data["description"] == "Deep"


def test_description_longer_than_4000_characters_is_refused() -> None:
    with pytest.raises(InvalidInput) as error:
        mapping.submission(POTHOLE, posted([*PLACE, ("description", "x" * 4001)]))

    assert fields_of(error) == ["description"]


def test_description_for_a_form_without_that_question_is_refused() -> None:
    form = {"schema": {"type": "object", "properties": {"location": {"type": "object"}}}}

    with pytest.raises(InvalidInput) as error:
        mapping.submission(form, posted([*PLACE, ("description", "Faded")]))

    assert fields_of(error) == ["description"]
    assert "does not take a description" in error.value.errors[0].message


def test_attributes_are_converted_to_the_questions_types() -> None:
    fields = [
        *PLACE,
        ("attribute[road_type]", "main"),
        ("attribute[size]", "large"),
        ("attribute[depth_mm]", "45"),
    ]

    given = mapping.submission(POTHOLE, posted(fields))

    assert given.data["road_type"] == "main"
    assert given.data["depth_mm"] == 45


def test_multi_value_lists_and_booleans_are_converted() -> None:
    fields = [
        *PLACE,
        ("attribute[waste_types][]", "bags"),
        ("attribute[waste_types][]", "tyres"),
        ("attribute[waste_types][]", "bags"),
        ("attribute[witnessed]", "false"),
    ]

    given = mapping.submission(FLY_TIPPING, posted(fields))

    assert given.data["waste_types"] == ["bags", "tyres"]
    assert given.data["witnessed"] is False


def test_a_single_value_for_a_multi_value_list_is_a_list_of_one() -> None:
    given = mapping.submission(FLY_TIPPING, posted([*PLACE, ("attribute[waste_types]", "bags")]))

    assert given.data["waste_types"] == ["bags"]


def test_empty_attributes_are_not_answers() -> None:
    given = mapping.submission(POTHOLE, posted([*PLACE, ("attribute[depth_mm]", " ")]))

    assert "depth_mm" not in given.data


@pytest.mark.parametrize(
    ("fields", "bad", "message"),
    [
        ([("attribute[colour]", "red")], "attribute[colour]", "no attribute 'colour'"),
        ([("attribute[location]", "x")], "attribute[location]", "no attribute"),
        ([("attribute[size", "x")], "attribute[size", "attribute[code]"),
        ([("attribute[depth_mm]", "deep")], "attribute[depth_mm]", "whole number"),
        ([("attribute[depth_mm]", "9" * 30)], "attribute[depth_mm]", "too large"),
        ([("attribute[size]", "small"), ("attribute[size]", "large")], "attribute[size]", "one"),
        ([("media_url", "javascript:alert(1)")], "media_url", "http"),
    ],
)
def test_bad_attributes_name_the_attribute(
    fields: list[tuple[str, str]], bad: str, message: str
) -> None:
    with pytest.raises(InvalidInput) as error:
        mapping.submission(POTHOLE, posted([*PLACE, *fields]))

    assert fields_of(error) == [bad]
    assert message in error.value.errors[0].message


def test_a_boolean_attribute_takes_true_or_false() -> None:
    with pytest.raises(InvalidInput) as error:
        mapping.submission(FLY_TIPPING, posted([*PLACE, ("attribute[witnessed]", "maybe")]))

    assert error.value.errors == [FieldError("attribute[witnessed]", "use true or false")]


def test_every_error_is_reported_at_once() -> None:
    fields = [("lat", "100"), ("long", "0"), ("attribute[colour]", "red"), ("description", "")]

    with pytest.raises(InvalidInput) as error:
        mapping.submission(POTHOLE, posted(fields))

    assert fields_of(error) == ["lat", "attribute[colour]"]


def test_contact_joins_first_and_last_name() -> None:
    fields = [*PLACE, ("first_name", "Ann"), ("last_name", "Lee"), ("email", "ann@example.org")]

    given = mapping.submission(POTHOLE, posted(fields))

    assert given.contact == {"email": "ann@example.org", "name": "Ann Lee", "phone": ""}


@pytest.mark.parametrize(
    ("field", "parameter"),
    [
        ("location.latitude", "lat"),
        ("location.longitude", "long"),
        ("location.address", "address_string"),
        ("contact.email", "email"),
        ("contact.name", "first_name"),
        ("size", "attribute[size]"),
        ("witness_details", "attribute[witness_details]"),
        ("description", "description"),
    ],
)
def test_form_fields_are_named_as_open311_parameters(field: str, parameter: str) -> None:
    assert mapping.parameter_for(field) == parameter
