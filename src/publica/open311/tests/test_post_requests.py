"""POST requests: a service request becomes a case through case_submit."""

from __future__ import annotations

from typing import Any

import pytest

from publica.accounts.apikeys import apikey_create, apikey_revoke
from publica.accounts.models import ApiKey, Department
from publica.cases.models import Case, CaseEvent
from publica.catalogue.models import Service
from publica.open311.tests.conftest import TESTS, Open311, errors, make_key, parsed

pytestmark = pytest.mark.django_db

POTHOLE = {
    "service_code": "pothole",
    "lat": "52.0312",
    "long": "-0.9876",
    "attribute[road_type]": "residential",
    "attribute[size]": "medium",
}


def post(open311: Open311, key: str, fmt: str = "json", **fields: Any) -> Any:
    return open311.post(f"requests.{fmt}", {"api_key": key, **POTHOLE, **fields})


def test_a_pothole_with_lat_and_long_becomes_a_case(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    response = post(
        open311,
        open311_key,
        description="Right in the cycle lane",
        email="ann@example.org",
        first_name="Ann",
        last_name="Lee",
        phone="01632 960 001",
        device_id="abc",
        account_id="42",
        jurisdiction_id="millbrook",
        **{"attribute[depth_mm]": "35"},
    )

    assert response.status_code == 200, response.content
    body = parsed(response)
    case = Case.objects.get()
    assert body == [
        {
            "service_request_id": case.reference,
            "service_notice": "We aim to deal with reports like this within 10 working days.",
            "account_id": None,
        }
    ]
    assert case.channel == "open311"
    assert (case.latitude, case.longitude) == (52.0312, -0.9876)
    assert case.data["description"] == "Right in the cycle lane"
    assert case.data["depth_mm"] == 35
    assert (case.contact_name, case.contact_email, case.contact_phone) == (
        "Ann Lee",
        "ann@example.org",
        "01632 960 001",
    )
    submitted = case.events.get(kind=CaseEvent.Kind.SUBMITTED)
    assert submitted.actor_label == "api:FixMyStreet"


def test_an_address_string_alone_is_enough(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    response = post(open311, open311_key, lat="", long="", address_string="4 High Street")

    assert response.status_code == 200, response.content
    case = Case.objects.get()
    assert case.address == "4 High Street"
    assert case.latitude is None


def test_an_address_id_alone_is_kept_as_the_address(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    response = post(open311, open311_key, lat="", long="", address_id="545483")

    assert response.status_code == 200, response.content
    assert Case.objects.get().address == "Address ID 545483"


def test_fly_tipping_with_a_multi_value_list_in_xml(
    open311: Open311, fly_tipping: Service, open311_key: str
) -> None:
    fields = [
        ("api_key", open311_key),
        ("service_code", "fly-tipping"),
        ("address_string", "Lay-by on Quarry Hill, Millbrook MB3 2LN"),
        ("attribute[land_type]", "road"),
        ("attribute[waste_types][]", "bags"),
        ("attribute[waste_types][]", "tyres"),
        ("attribute[amount]", "car-boot"),
        ("attribute[witnessed]", "true"),
        ("attribute[witness_details]", "A white van, about 9 pm"),
        ("attribute[description]", ""),
    ]

    response = open311.post("requests.xml", fields)

    assert response.status_code == 400  # `description` is not an attribute
    response = open311.post("requests.xml", fields[:-1])
    assert response.status_code == 200, response.content
    root = parsed(response)
    case = Case.objects.get()
    assert root.tag == "service_requests"
    assert root.findtext("request/service_request_id") == case.reference
    assert root.find("request/account_id") is not None
    assert case.data["waste_types"] == ["bags", "tyres"]
    assert case.data["witnessed"] is True
    assert case.state == "investigating"  # the service's witness rule moved it on


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize("key", ["", "pub_nope_nope", "not-a-key"])
def test_a_missing_or_invalid_key_is_403(
    open311: Open311, pothole: Service, highways: Department, fmt: str, key: str
) -> None:
    response = post(open311, key, fmt)

    assert response.status_code == 403
    assert errors(response)[0].startswith("api_key:")
    assert not Case.objects.exists()


def test_a_revoked_key_is_403(open311: Open311, pothole: Service, open311_key: str) -> None:
    apikey_revoke(key=ApiKey.objects.get(), actor=TESTS)

    response = post(open311, open311_key)

    assert response.status_code == 403
    assert "revoked" in errors(response)[0]


def test_a_key_without_the_open311_scope_is_403(
    open311: Open311, pothole: Service, highways: Department
) -> None:
    response = post(open311, make_key("cases:write", "cases:read"), "xml")

    assert response.status_code == 403
    assert errors(response) == ["api_key: the key needs the open311:write scope"]


@pytest.mark.parametrize("fmt", ["json", "xml"])
@pytest.mark.parametrize(
    ("fields", "expected"),
    [
        ({"lat": "95"}, "lat: must be a number from -90 to 90"),
        ({"long": "east"}, "long: must be a number from -180 to 180"),
        ({"long": ""}, "long: give both lat and long, or neither"),
        (
            {"lat": "", "long": ""},
            "location: give lat and long, address_string or address_id",
        ),
        ({"description": "x" * 4001}, "description: must be at most 4000 characters"),
        ({"attribute[colour]": "red"}, "attribute[colour]: this service has no attribute 'colour'"),
        ({"service_code": "sinkhole"}, "service_code: no service 'sinkhole'; see services."),
        ({"service_code": ""}, "service_code: give the service_code"),
        ({"attribute[depth_mm]": "2000"}, "attribute[depth_mm]: "),
        ({"attribute[size]": "huge"}, "attribute[size]: "),
        ({"attribute[size]": ""}, "attribute[size]: Answer “How big is it?”"),
        ({"email": "not-an-email"}, "email: enter an email address"),
        ({"address_string": "x" * 301}, "address_string: "),
        ({"description": "y" * 2001}, "description: "),
    ],
)
def test_bad_input_is_400_naming_the_field(
    open311: Open311,
    pothole: Service,
    open311_key: str,
    fmt: str,
    fields: dict[str, str],
    expected: str,
) -> None:
    response = post(open311, open311_key, fmt, **fields)

    assert response.status_code == 400
    assert any(description.startswith(expected) for description in errors(response))
    assert not Case.objects.exists()


def test_every_problem_is_its_own_error(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    response = post(open311, open311_key, **{"attribute[road_type]": "", "attribute[size]": ""})

    assert response.status_code == 400
    assert sorted(errors(response)) == [
        "attribute[road_type]: Answer “What kind of road is it on?”",
        "attribute[size]: Answer “How big is it?”",
    ]


def test_a_description_for_a_service_without_that_question_is_400(
    open311: Open311, road_marking: Service, open311_key: str
) -> None:
    response = post(open311, open311_key, service_code="road-marking", description="Faded")

    assert response.status_code == 400
    assert errors(response) == ["description: this service does not take a description"]
    assert post(open311, open311_key, service_code="road-marking").status_code == 200


def test_an_application_cannot_be_submitted_through_open311(
    open311: Open311, parking_permit: Service, open311_key: str
) -> None:
    response = post(open311, open311_key, service_code="parking-permit")

    assert response.status_code == 400
    assert errors(response)[0].startswith("service_code: no service 'parking-permit'")


def test_a_body_over_100_kb_is_413(open311: Open311, pothole: Service, open311_key: str) -> None:
    response = post(open311, open311_key, description="x" * 120_000)

    assert response.status_code == 413
    assert "at most" in errors(response)[0]


def test_a_json_body_is_400(open311: Open311, pothole: Service, open311_key: str) -> None:
    response = open311.client.post(
        "/open311/v2/requests.json", {"api_key": open311_key}, content_type="application/json"
    )

    assert response.status_code == 400
    assert errors(response)[0].startswith("Content-Type:")


def test_a_nul_character_is_400(open311: Open311, pothole: Service, open311_key: str) -> None:
    response = post(open311, open311_key, description="pot\x00hole")

    assert response.status_code == 400
    assert errors(response) == ["description: must not contain NUL characters"]


def test_a_multipart_body_is_read_too(open311: Open311, pothole: Service, open311_key: str) -> None:
    response = open311.client.post("/open311/v2/requests.json", {"api_key": open311_key, **POTHOLE})

    assert response.status_code == 200, response.content


def test_a_post_needs_no_csrf_token_or_session(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    assert "csrftoken" not in open311.client.cookies
    assert post(open311, open311_key).status_code == 200


def test_a_key_over_its_rate_limit_gets_429_with_retry_after(
    open311: Open311, pothole: Service, highways: Any
) -> None:
    _, raw = apikey_create(
        name="Busy app", scopes=["open311:write"], rate_per_minute=1, actor=TESTS
    )
    assert post(open311, raw).status_code == 200
    limited = post(open311, raw)
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0


def test_a_report_resent_after_a_lost_answer_makes_no_second_case(
    open311: Open311, pothole: Service, open311_key: str
) -> None:
    first = post(open311, open311_key, description="A deep hole")
    again = open311.post(  # the same fields in another order, as a client may resend them
        "requests.json", dict(reversed({"api_key": open311_key, **POTHOLE,
                                        "description": "A deep hole"}.items()))
    )  # fmt: skip
    assert first.status_code == again.status_code and first.json() == again.json()
    assert Case.objects.count() == 1
    other = post(open311, open311_key, description="Another hole")
    assert other.json()[0]["service_request_id"] != first.json()[0]["service_request_id"]
    assert Case.objects.count() == 2
