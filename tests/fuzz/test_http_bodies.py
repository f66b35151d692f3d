"""JSON bodies over HTTP: the REST API and the exchange's signed queries.

Whatever the body (and, for the exchange, whatever the signature headers), the answer is
below 500 and an error is RFC 9457 problem details naming what is wrong.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from hypothesis import given
from hypothesis import strategies as st

from publica.accounts.apikeys import apikey_create
from publica.cases.tests.factories import POTHOLE_ANSWERS, submit_pothole
from publica.core.actors import SystemActor
from publica.exchange.tests.test_signed_api import (  # noqa: F401  fixtures used by name
    QUERY,
    _post,
    instance_key,
    keeper,
    town_a,
)
from tests.fuzz.strategies import TRICKY, fuzz, garbage

SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False),
    garbage(30),
    TRICKY,
)


def json_like(keys: list[str]) -> st.SearchStrategy[Any]:
    return st.recursive(
        SCALARS,
        lambda inner: st.one_of(
            st.lists(inner, max_size=3),
            st.dictionaries(st.sampled_from(keys) | TRICKY, inner, max_size=5),
        ),
        max_leaves=10,
    )


def changed(base: dict[str, Any], keys: list[str]) -> st.SearchStrategy[dict[str, Any]]:
    """`base` with some keys given other values and some dropped."""
    return st.tuples(
        st.dictionaries(st.sampled_from(keys) | TRICKY, json_like(keys), max_size=3),
        st.sets(st.sampled_from(sorted(base))),
    ).map(lambda change: {k: v for k, v in {**base, **change[0]}.items() if k not in change[1]})


def assert_problem(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.content[:300]
    if response.status_code >= 400:
        assert response["Content-Type"].startswith("application/problem+json"), response.content
        problem = response.json()
        assert problem["status"] == response.status_code and problem["title"]


CASE = {"service": "pothole", "data": POTHOLE_ANSWERS, "contact": {"email": "a@example.org"}}
CASE_KEYS = ["service", "data", "contact", "email", "phone", "name", *POTHOLE_ANSWERS]
OTHER = {
    "notes": ({"text": "Crew booked", "public": True}, ["text", "public"]),
    "transitions": ({"to": "inspecting", "reason": "seen"}, ["to", "reason"]),
    "information-requests": ({"question": "Photo?"}, ["question", "due_days"]),
}


@pytest.fixture
def api_client(highways, pothole) -> Client:
    _, raw = apikey_create(
        name="Fuzz",
        scopes=["services:read", "cases:read", "cases:write", "cases:transition",
                "webhooks:manage"],
        rate_per_minute=100_000,
        actor=SystemActor("tests"),
    )  # fmt: skip
    return Client(HTTP_AUTHORIZATION=f"Bearer {raw}")


@fuzz(share=0.3)
@given(
    body=st.one_of(changed(CASE, CASE_KEYS), json_like(CASE_KEYS), garbage(60)),
    target=st.sampled_from(["cases", *OTHER]),
)
def test_any_json_body_to_the_rest_api_gets_problem_details_below_500(
    api_client: Client, resident, pothole, body: Any, target: str
) -> None:
    if target == "cases":
        url = "/api/v1/cases"
    else:
        url = f"/api/v1/cases/{submit_pothole(pothole, resident).reference}/{target}"
        if isinstance(body, dict) and "service" in body:
            body = {**OTHER[target][0], **{k: v for k, v in body.items() if k != "service"}}
    raw = body if isinstance(body, str) else json.dumps(body)

    assert_problem(api_client.post(url, raw, content_type="application/json"))


@fuzz(share=0.3)
@given(body=st.one_of(changed(QUERY, [*QUERY, "fields", "consent"]), json_like(list(QUERY))))
@pytest.mark.usefixtures("town_a", "keeper")
def test_any_signed_exchange_query_gets_problem_details_below_500(
    client: Client, body: Any
) -> None:
    raw = json.dumps(body).encode()

    response = _post(client, raw)

    assert_problem(response)
    assert response.status_code in (200, 403, 404, 422)


HEADERS = ["Signature", "Signature-Input", "Content-Digest"]


@fuzz(share=0.3)
@given(
    header=st.sampled_from(HEADERS),
    cut=st.integers(0, 200),
    insert=st.one_of(TRICKY, garbage(10), st.sampled_from([";", "=", ":", '"', "(", ")", ","])),
)
@pytest.mark.usefixtures("town_a", "keeper")
def test_a_tampered_signature_header_is_refused_below_500(
    client: Client, header: str, cut: int, insert: str
) -> None:
    from publica.core import clock
    from publica.exchange import signing
    from publica.exchange.tests.test_signed_api import CALLER, URL

    raw = json.dumps(QUERY).encode()
    signed = signing.sign_request(
        method="POST", url=URL, body=raw, content_type="application/json",
        key=CALLER, key_id="town-a", now=clock.now(),
    )  # fmt: skip
    headers = {name: value for name, value in signed.headers.items() if name != "Content-Type"}
    value = headers[header]
    at = min(cut, len(value))
    headers[header] = "".join(c for c in value[:at] + insert + value[at + 1 :] if c.isprintable())

    response = client.generic(
        "POST", "/exchange/v1/query", raw, content_type="application/json", headers=headers
    )

    assert_problem(response)
