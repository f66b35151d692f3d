"""Checking answers against a form: clear field errors, and hidden questions dropped."""

from __future__ import annotations

import pytest

from publica.catalogue import answers
from publica.core.errors import InvalidInput

FORM = {
    "schema": {
        "type": "object",
        "required": ["has_vehicle"],
        "properties": {
            "has_vehicle": {"type": "boolean"},
            "registration": {"type": "string", "pattern": "^[A-Z0-9 ]{2,8}$"},
            "email": {"type": "string", "format": "email"},
        },
        "if": {"properties": {"has_vehicle": {"const": True}}},
        "then": {"required": ["registration"]},
    },
    "ui": {
        "order": ["has_vehicle", "registration", "email"],
        "fields": {
            "has_vehicle": {"label": "Do you have a vehicle?"},
            "registration": {"label": "Registration", "show_if": "data.has_vehicle == true"},
        },
    },
}


def test_conditional_question_is_required_when_shown():
    with pytest.raises(InvalidInput) as caught:
        answers.clean(FORM, {"has_vehicle": True})
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("registration", "Answer “Registration”")
    ]


def test_answer_to_a_hidden_question_is_dropped():
    assert answers.clean(FORM, {"has_vehicle": False, "registration": "AB12 CDE"}) == {
        "has_vehicle": False
    }


def test_visible_fields_follow_the_answers():
    assert answers.visible_fields(FORM, {}) == ["has_vehicle", "email"]
    assert answers.visible_fields(FORM, {"has_vehicle": True}) == [
        "has_vehicle", "registration", "email",
    ]  # fmt: skip


def test_errors_use_the_question_label_and_plain_words():
    with pytest.raises(InvalidInput) as caught:
        answers.clean(FORM, {"has_vehicle": "yes", "email": "nope"})
    messages = {e.field: e.message for e in caught.value.errors}
    assert messages["has_vehicle"] == "“Do you have a vehicle?” must be boolean"
    assert messages["email"] == "“email” must be a valid email"


def test_answers_that_are_not_an_object_are_refused():
    with pytest.raises(InvalidInput, match="must be an object"):
        answers.clean(FORM, ["not", "a", "dict"])


def test_an_answer_to_a_question_the_form_does_not_ask_is_refused():
    with pytest.raises(InvalidInput) as caught:
        answers.clean(FORM, {"has_vehicle": False, "favourite_colour": "blue"})
    assert [(e.field, e.message) for e in caught.value.errors] == [
        ("favourite_colour", "This form has no question 'favourite_colour'")
    ]
