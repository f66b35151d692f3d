"""Duplicate detection: the pure distance, words and score, and finding open reports nearby."""

from __future__ import annotations

import copy

import pytest

from publica.assistant import duplicates
from publica.assistant.duplicates import Report
from publica.assistant.services.duplicates import duplicates_find
from publica.cases.services import case_submit, case_transition
from publica.cases.tests.factories import submit_pothole
from publica.catalogue import servicefile
from publica.catalogue.models import Service
from publica.catalogue.services import service_load
from publica.core.errors import InvalidInput
from publica.testing import DEMO_SERVICES, LOADER, load_demo_service

HERE = (52.0300, -0.9800)
#: About 11 m and 33 m north of HERE, and about 110 m.
NEAR, FURTHER, FAR = (52.0301, -0.9800), (52.0303, -0.9800), (52.0310, -0.9800)


def at(point: tuple[float, float], key: str = "x", service: str = "pothole", text: str = ""):  # type: ignore[no-untyped-def]
    return Report(key=key, service=service, latitude=point[0], longitude=point[1], text=text)


# The pure part


def test_haversine_measures_metres_on_the_ground() -> None:
    assert duplicates.haversine_m(*HERE, *HERE) == 0
    assert duplicates.haversine_m(*HERE, *NEAR) == pytest.approx(11.1, abs=0.2)
    assert duplicates.haversine_m(0, 0, 1, 0) == pytest.approx(111_195, rel=1e-3)


def test_similar_descriptions_score_higher_than_unrelated_ones_even_misspelt() -> None:
    like, unlike = duplicates.text_similarity(
        "Deep pothole outside number 12, cars swerve round it",
        ["deep pot hole outside no 12 - cars swerving", "Graffiti sprayed on the bus shelter"],
    )
    assert like > 0.3 > unlike


def test_a_description_of_only_stop_words_is_unlike_anything() -> None:
    assert duplicates.text_similarity("the and of", ["the pothole"]) == [0.0]
    assert duplicates.text_similarity("", ["a pothole"]) == [0.0]


def test_the_score_weighs_closeness_and_words_and_discounts_related_services() -> None:
    assert duplicates.score(closeness=1, similarity=1) == 1
    assert duplicates.score(closeness=0, similarity=0) == 0
    assert duplicates.score(closeness=1, similarity=None) == 0.5 + 0.5 * duplicates.UNKNOWN_TEXT
    same = duplicates.score(closeness=0.8, similarity=0.6)
    assert duplicates.score(closeness=0.8, similarity=0.6, related=True) < same


def test_rules_default_to_fifty_metres_and_the_same_service_and_skip_applications() -> None:
    rules = duplicates.rules_for({"kind": "report"})
    assert (rules.enabled, rules.radius_m, rules.related, rules.close_as) == (
        True, 50.0, frozenset(), "duplicate",
    )  # fmt: skip
    assert not duplicates.rules_for({"kind": "application"}).enabled
    tuned = duplicates.rules_for(
        {"kind": "report", "duplicates": {"radius_m": 20, "related": ["blocked-drain"]}}
    )
    assert tuned.radius_m == 20 and tuned.related == {"blocked-drain"}


def test_related_services_work_in_both_directions() -> None:
    definitions = {
        "pothole": {"kind": "report", "duplicates": {"related": ["blocked-drain"]}},
        "blocked-drain": {"kind": "report"},
        "graffiti": {"kind": "report"},
    }
    assert duplicates.related_services("pothole", definitions) == {"pothole", "blocked-drain"}
    assert duplicates.related_services("blocked-drain", definitions) == {
        "blocked-drain", "pothole",
    }  # fmt: skip
    assert duplicates.related_services("graffiti", definitions) == {"graffiti"}


def test_find_keeps_the_radius_and_the_services_and_puts_the_best_first() -> None:
    query = at(HERE, "new", text="deep pothole by the bus stop")
    candidates = [
        at(FURTHER, "further", text="pothole near the bus stop, deep"),
        at(NEAR, "near", text="deep pothole at the bus stop"),
        at(FAR, "far", text="deep pothole by the bus stop"),
        at(NEAR, "light", service="streetlight", text="deep pothole by the bus stop"),
    ]
    found = duplicates.find(query, candidates)
    assert [m.key for m in found] == ["near", "further"]
    assert found[0].distance_m == pytest.approx(11.1, abs=0.2)
    assert found[0].similarity is not None and found[0].similarity > 0.3
    wider = duplicates.find(query, candidates, radius_m=200, services={"pothole", "streetlight"})
    assert {m.key for m in wider} == {"near", "further", "far", "light"}
    assert duplicates.find(query, candidates, limit=1)[0].key == "near"


def test_a_nearby_report_about_something_else_ranks_below_one_about_the_same() -> None:
    query = at(HERE, "new", text="Street light is out, the road is very dark at night")
    found = duplicates.find(
        query,
        [at(FURTHER, "same", text="the street light has gone out, dark road"),
         at(NEAR, "other", text="Overflowing litter bin, rubbish everywhere")],
        services={"pothole"},
    )  # fmt: skip
    assert found[0].key == "same"


def test_reports_with_only_an_address_match_when_the_addresses_read_alike() -> None:
    query = Report(key="new", service="pothole", address="12 Kiln Lane, Millbrook")
    found = duplicates.find(
        query,
        [Report(key="same", service="pothole", address="12 kiln lane Millbrook MB1 2AA"),
         Report(key="other", service="pothole", address="Station Approach, Millbrook"),
         Report(key="next door", service="pothole", address="80 Kiln Lane, Millbrook"),
         Report(key="nowhere", service="pothole")],
    )  # fmt: skip
    assert [m.key for m in found] == ["same"]
    assert found[0].distance_m is None


# Finding open reports in the database


@pytest.mark.django_db
def test_finding_returns_open_reports_nearby_with_their_public_details(pothole) -> None:
    near = submit_pothole(
        pothole,
        location={"latitude": NEAR[0], "longitude": NEAR[1], "address": "3 Kiln Lane"},
        description="Deep pothole by the bus stop",
    )
    submit_pothole(
        pothole, location={"latitude": FAR[0], "longitude": FAR[1]}, description="Deep pothole"
    )
    found = duplicates_find(
        service=pothole, latitude=HERE[0], longitude=HERE[1], text="pothole at the bus stop"
    )
    assert [c.reference for c in found] == [near.reference]
    candidate = found[0]
    assert candidate.service_title == "Report a pothole" and candidate.status == "Received"
    assert candidate.description == "Deep pothole by the bus stop"
    assert candidate.distance_m == 11
    assert set(vars(candidate)) == {  # what the public may see, and nothing about who
        "reference", "service_slug", "service_title", "status", "description", "address",
        "submitted_at", "distance_m", "similarity", "score",
    }  # fmt: skip


@pytest.mark.django_db
def test_closed_reports_are_not_offered(pothole, caseworker) -> None:
    case = submit_pothole(pothole, location={"latitude": NEAR[0], "longitude": NEAR[1]})
    assert duplicates_find(service=pothole, latitude=HERE[0], longitude=HERE[1], text="")
    case_transition(case=case, to="no_action", actor=caseworker, reason="Nothing there")
    assert duplicates_find(service=pothole, latitude=HERE[0], longitude=HERE[1], text="") == []


@pytest.mark.django_db
def test_other_services_count_only_when_a_service_file_relates_them(pothole) -> None:
    streetlight = load_demo_service("streetlight")
    answers = {"location": {"latitude": NEAR[0], "longitude": NEAR[1]}, "fault": "out",
               "near_junction": False, "description": "Light out by the bus stop"}  # fmt: skip
    light = case_submit(service=streetlight, data=answers, actor=None, contact={})
    query = {"latitude": HERE[0], "longitude": HERE[1], "text": "light out by the bus stop"}
    assert duplicates_find(service=pothole, **query) == []

    data = copy.deepcopy(servicefile.parse_file(DEMO_SERVICES / "pothole.yaml").data)
    data["duplicates"] = {"related": ["streetlight"], "radius_m": 30}
    service_load(definition=servicefile.ServiceDefinition(data), actor=LOADER)
    pothole = Service.objects.get(slug="pothole")
    assert [c.reference for c in duplicates_find(service=pothole, **query)] == [light.reference]
    # and the other way round, though only the pothole file names the relation
    pothole_case = submit_pothole(pothole, location={"latitude": NEAR[0], "longitude": NEAR[1]})
    found = duplicates_find(service=streetlight, **query)
    assert pothole_case.reference in {c.reference for c in found}


def test_a_service_file_may_tune_duplicates_and_is_checked() -> None:
    text = (DEMO_SERVICES / "pothole.yaml").read_text()
    tuned = servicefile.parse(text + "duplicates: {radius_m: 25, related: [blocked-drain]}\n")
    assert tuned.data["duplicates"]["radius_m"] == 25
    with pytest.raises(InvalidInput) as caught:
        servicefile.parse(text + "duplicates: {radius_m: -1, close_as: inspecting}\n")
    assert {e.field for e in caught.value.errors} == {"duplicates.radius_m"}
    with pytest.raises(InvalidInput) as caught:
        servicefile.parse(text + "duplicates: {close_as: inspecting}\n")
    assert [e.field for e in caught.value.errors] == ["duplicates.close_as"]
