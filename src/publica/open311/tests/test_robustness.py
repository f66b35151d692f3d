"""Whatever arrives, the answer is a GeoReport v2 document or error list, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publica.catalogue.models import Service
from publica.open311.tests.conftest import Open311, errors, parsed

pytestmark = pytest.mark.django_db

FIELDS = [
    "service_code",
    "lat",
    "long",
    "address_string",
    "address_id",
    "description",
    "attribute[road_type]",
    "attribute[size]",
    "attribute[depth_mm]",
    "attribute[depth_mm][]",
    "attribute[",
    "attribute[a][b]",
    "email",
    "first_name",
    "phone",
    "media_url",
]
VALUES = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["nan", "-inf", "1e400", "91", "main", "large", "true", "9" * 40, "x" * 5000]),
    st.floats(allow_nan=True).map(str),
)
#: The answers GeoReport v2 (and an over-large body) allow; 500 is never one of them.
ANSWERED = (200, 400, 403, 404, 413)


@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    fields=st.dictionaries(st.sampled_from(FIELDS), VALUES, max_size=6),
    fmt=st.sampled_from(["json", "xml"]),
)
def test_any_posted_fields_get_a_spec_answer(
    open311: Open311, pothole: Service, open311_key: str, fields: dict[str, Any], fmt: str
) -> None:
    base = {"api_key": open311_key, "service_code": "pothole", "lat": "52", "long": "-1"}

    response = open311.post(f"requests.{fmt}", {**base, **fields})

    assert response.status_code in ANSWERED
    assert parsed(response) is not None


@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    query=st.dictionaries(
        st.sampled_from(
            [
                "service_request_id",
                "service_code",
                "start_date",
                "end_date",
                "status",
                "page",
                "page_size",
            ]
        ),
        VALUES,
        max_size=4,
    )
)
def test_any_query_gets_a_spec_answer(
    open311: Open311, pothole: Service, query: dict[str, Any]
) -> None:
    response = open311.get("requests.xml", **query)

    assert response.status_code in (200, 400)
    parsed(response)


def test_too_many_fields_are_400(open311: Open311, pothole: Service) -> None:
    query = "&".join(f"field{n}=1" for n in range(1500))

    response = open311.client.get(f"/open311/v2/requests.json?{query}")

    assert response.status_code == 400
    assert "could not be read" in errors(response)[0]


def test_a_form_in_another_charset_is_400(open311: Open311, open311_key: str) -> None:
    response = open311.client.post(
        "/open311/v2/requests.xml",
        f"api_key={open311_key}",
        content_type="application/x-www-form-urlencoded; charset=latin-1",
    )

    assert response.status_code == 400
    assert "UTF-8" in errors(response)[0]


def test_a_broken_multipart_body_is_400(open311: Open311) -> None:
    response = open311.client.post(
        "/open311/v2/requests.json", b"--x\r\nbroken", content_type="multipart/form-data"
    )

    assert response.status_code == 400
    assert "could not be read" in errors(response)[0]
