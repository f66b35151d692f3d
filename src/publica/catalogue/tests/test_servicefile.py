"""Service files: every demo file is valid, and each kind of mistake is reported precisely."""

from __future__ import annotations

from pathlib import Path

import pytest

from publica.catalogue import servicefile
from publica.core.errors import InvalidInput

DEMO = Path(__file__).parents[2] / "demo" / "services"
POTHOLE = (DEMO / "pothole.yaml").read_text()
DEMO_SLUGS = {
    "pothole", "streetlight", "missed-bin", "fly-tipping", "graffiti", "noise", "fallen-tree",
    "blocked-drain", "parking-permit", "business-licence", "building-permit", "street-event",
    "council-tax-reduction", "bulky-waste", "blue-badge", "foi-request", "sensor-maintenance",
}  # fmt: skip


def errors_of(text: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        servicefile.parse(text, source="broken.yaml")
    return [str(error) for error in caught.value.errors]


@pytest.mark.parametrize("path", sorted(DEMO.glob("*.yaml")), ids=lambda p: p.stem)
def test_every_demo_service_file_is_valid(path):
    definition = servicefile.parse_file(path)
    assert definition.slug == path.stem


def test_the_demo_catalogue_has_exactly_the_seventeen_services():
    assert {path.stem for path in DEMO.glob("*.yaml")} == DEMO_SLUGS


def test_checksum_ignores_layout_but_not_content():
    same = servicefile.parse(POTHOLE + "\n# a comment\n")
    changed = servicefile.parse(POTHOLE.replace("days: 10", "days: 12"))
    assert same.checksum == servicefile.parse(POTHOLE).checksum
    assert changed.checksum != same.checksum


def test_yaml_syntax_error_names_the_file_and_line():
    assert errors_of("slug: pothole\ntitle: [unclosed\n") == [
        "broken.yaml:3: (top level): not valid YAML: expected ',' or ']', but got '<stream end>'"
    ]


def test_a_file_that_is_not_a_mapping_is_refused():
    assert errors_of("- just\n- a list\n") == [
        "broken.yaml:1: (top level): a service file is a YAML mapping"
    ]


def test_structural_errors_are_all_reported_with_their_lines():
    text = POTHOLE.replace("kind: report", "kind: complaint").replace(
        "reference_prefix: PTH", "reference_prefix: pth"
    )
    found = errors_of(text)
    assert any(e.startswith("broken.yaml:13: kind: 'complaint' is not one of") for e in found)
    assert any(e.startswith("broken.yaml:16: reference_prefix:") for e in found)


def test_unknown_key_is_refused():
    found = errors_of(POTHOLE + "colour: blue\n")
    assert "Additional properties are not allowed ('colour' was unexpected)" in found[0]


def test_invalid_json_schema_in_the_form_is_reported():
    text = POTHOLE.replace("type: integer\n        minimum: 0", "type: integr\n        minimum: 0")
    found = errors_of(text)
    assert any("form.schema.properties.depth_mm.type" in e for e in found), found
    assert any("not a valid JSON Schema" in e for e in found)


def test_ui_hint_for_a_question_the_form_does_not_have_is_reported():
    text = POTHOLE.replace("fields: [size, depth_mm, description]", "fields: [size, colour]")
    assert any("'colour' is not a property of form.schema" in e for e in errors_of(text))


def test_report_without_a_location_is_refused():
    text = POTHOLE.replace("required: [location, road_type, size]", "required: [road_type, size]")
    text = text.replace(
        "      location:\n        type: object", "      place:\n        type: object"
    )
    text = text.replace("fields: [location, road_type]", "fields: [road_type]")
    text = text.replace("      location:\n        label", "      road_type_x:\n        label")
    found = errors_of(text)
    assert any('a report has a "location" property' in e for e in found), found


def test_transition_to_an_unknown_state_is_reported():
    text = POTHOLE.replace("to: repaired, roles", "to: mended, roles")
    assert any("no state named 'mended'" in e for e in errors_of(text))


def test_unknown_role_on_a_transition_is_reported():
    text = POTHOLE.replace("to: inspecting, roles: [caseworker, supervisor]",
                           "to: inspecting, roles: [caseworker, mayor]")  # fmt: skip
    found = errors_of(text)
    assert any("workflow.transitions.0.roles: unknown role 'mayor'" in e for e in found)


def test_dead_end_state_is_reported():
    text = POTHOLE.replace("repaired: {label: Repaired, outcome: resolved}",
                           "repaired: {label: Repaired}")  # fmt: skip
    assert any("'repaired' is a dead end" in e for e in errors_of(text))


def test_unreachable_state_is_reported():
    text = POTHOLE.replace("    withdrawn: {label: Withdrawn, outcome: withdrawn}\n",
                           "    withdrawn: {label: Withdrawn, outcome: withdrawn}\n"
                           "    lost: {label: Lost, outcome: rejected}\n")  # fmt: skip
    assert any("not reachable from 'submitted': lost" in e for e in errors_of(text))


def test_terminal_state_with_a_way_out_is_reported():
    text = POTHOLE.replace("- {from: repair_scheduled, to: repaired,",
                           "- {from: [repair_scheduled, no_action], to: repaired,")  # fmt: skip
    assert any("'no_action' has an outcome, so nothing may leave it" in e for e in errors_of(text))


def test_cel_syntax_error_in_a_rule_is_reported_with_its_line():
    text = POTHOLE.replace('when: data.road_type == "main"\n', "when: data.road_type == \n")
    found = errors_of(text)
    assert any(e.startswith("broken.yaml:") and "automation.0.when" in e for e in found), found
    assert any("not a valid CEL expression" in e for e in found)


def test_rule_using_an_unknown_variable_is_reported():
    text = POTHOLE.replace('when: data.road_type == "main"\n', "when: applicant.age > 18\n")
    assert any("unknown variable(s) applicant" in e for e in errors_of(text))


def test_rule_may_only_transition_where_the_workflow_lets_automation():
    text = POTHOLE.replace("roles: [caseworker, supervisor, automation], label: Schedule repair",
                           "roles: [caseworker, supervisor], label: Schedule repair")  # fmt: skip
    found = errors_of(text)
    assert any(
        "no transition to 'repair_scheduled' lists the role 'automation'" in e for e in found
    )


def test_unknown_placeholder_in_a_notification_is_reported():
    text = POTHOLE.replace("You withdrew report {reference}.", "Bye {applicant_name}.")
    assert any("unknown placeholder {applicant_name}" in e for e in errors_of(text))


def test_duplicate_rule_names_are_reported():
    text = POTHOLE.replace("name: deep-main-road-hole-is-urgent", "name: main-road-priority")
    assert any("rule name 'main-road-priority' is used twice" in e for e in errors_of(text))
