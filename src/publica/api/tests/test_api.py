"""REST API v1: every endpoint, and each way a request can be wrong."""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test.client import MULTIPART_CONTENT
from django.utils import timezone

from publica.accounts.apikeys import apikey_create, apikey_revoke
from publica.accounts.models import ApiKey
from publica.cases.models import Case
from publica.cases.tests.factories import POTHOLE_ANSWERS, submit_pothole
from publica.core.actors import SystemActor

pytestmark = pytest.mark.django_db
SETUP = SystemActor("tests")
ALL_SCOPES = ["services:read", "cases:read", "cases:write", "cases:transition"]
PDF = b"%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n"


@pytest.fixture
def key(highways, pothole):
    return apikey_create(name="Roads app", scopes=ALL_SCOPES, actor=SETUP)


@pytest.fixture
def api(client, key):
    """A client that sends the key with every request."""
    _, raw = key

    class Api:
        def get(self, path, **kwargs):  # type: ignore[no-untyped-def]
            return client.get(f"/api/v1{path}", HTTP_AUTHORIZATION=f"Bearer {raw}", **kwargs)

        def post(self, path, body=None, **kwargs):  # type: ignore[no-untyped-def]
            if kwargs.get("content_type") == MULTIPART_CONTENT:
                kwargs.pop("content_type")
                return client.post(f"/api/v1{path}", body, HTTP_AUTHORIZATION=f"Bearer {raw}")
            return client.post(
                f"/api/v1{path}",
                body,
                content_type=kwargs.pop("content_type", "application/json"),
                HTTP_AUTHORIZATION=f"Bearer {raw}",
                **kwargs,
            )

    return Api()


def new_case(api, **answers):  # type: ignore[no-untyped-def]
    return api.post("/cases", {"service": "pothole", "data": {**POTHOLE_ANSWERS, **answers}})


def test_openapi_3_1_describes_every_endpoint(client):
    spec = client.get("/api/v1/openapi.json").json()
    assert spec["openapi"].startswith("3.1")
    assert "/api/v1/cases/{reference}/transitions" in spec["paths"]
    assert spec["components"]["securitySchemes"]["KeyAuth"]["scheme"] == "bearer"


def test_requests_without_a_valid_key_get_401_problem_details(client, key):
    response = client.get("/api/v1/cases")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert client.get("/api/v1/cases", HTTP_AUTHORIZATION="Bearer pub_nope_x").status_code == 401


def test_a_revoked_key_stops_working(client, key):
    found, raw = key
    apikey_revoke(key=found, actor=SETUP)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_key_this_process_has_just_used_stops_working_the_moment_it_is_revoked(client, key):
    found, raw = key
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    apikey_revoke(key=ApiKey.objects.get(pk=found.pk), actor=SETUP)
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_other_processes_see_a_revocation_within_the_local_cache_time(client, key, settings):
    found, raw = key
    for _ in range(2):  # the first use records when the key was last used, the second keeps it
        assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    ApiKey.objects.filter(pk=found.pk).update(revoked_at=timezone.now())  # as another worker
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 200
    settings.PUBLICA_LOCAL_CACHE_SECONDS = 0
    assert client.get("/api/v1/me", HTTP_AUTHORIZATION=f"Bearer {raw}").status_code == 401


def test_a_key_without_the_scope_gets_403(client, highways):
    _, raw = apikey_create(name="Reader", scopes=["services:read"], actor=SETUP)
    response = client.get("/api/v1/cases", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 403
    assert "cases:read" in response.json()["detail"]


def test_me_names_the_client_and_its_scopes(api):
    assert api.get("/me").json() == {
        "name": "Roads app", "scopes": sorted(ALL_SCOPES), "department": None,
    }  # fmt: skip


def test_services_detail_and_form(api):
    assert [s["slug"] for s in api.get("/services").json()] == ["pothole"]
    assert api.get("/services/pothole").json()["sla_days"] == 10
    form = api.get("/services/pothole/form").json()
    assert form["schema"]["properties"]["road_type"]["enum"][0] == "main"
    assert api.get("/services/nothing").status_code == 404


def test_creating_a_case_returns_201_with_an_etag_and_runs_the_rules(api):
    response = new_case(api, road_type="main")
    assert response.status_code == 201
    body = response.json()
    assert body["reference"].startswith("PTH-") and body["priority"] == "high"
    assert body["channel"] == "api"
    assert response["ETag"] == f'"{body["reference"]}-v{body["version"]}"'
    case = Case.objects.get()
    assert case.events.first().actor_label == "api:Roads app"


def test_answers_that_break_the_form_get_422_naming_each_field(api):
    response = new_case(api, road_type="motorway", size=None)
    assert response.status_code == 422
    assert {e["field"] for e in response.json()["errors"]} == {"road_type", "size"}
    assert not Case.objects.exists()


def test_unknown_fields_malformed_json_and_unknown_services_are_refused(api):
    extra = api.post("/cases", {"service": "pothole", "data": POTHOLE_ANSWERS, "colour": "x"})
    assert extra.status_code == 422 and extra.json()["errors"][0]["field"] == "colour"
    assert api.post("/cases", "{not json", content_type="application/json").status_code in (
        400,
        422,
    )
    unknown = api.post("/cases", {"service": "teleport", "data": {}})
    assert unknown.status_code == 422 and unknown.json()["errors"][0]["field"] == "service"
    wrong_type = api.post("/cases", {"service": "pothole", "data": "a string"})
    assert wrong_type.status_code == 422


def test_a_retry_with_the_same_idempotency_key_never_creates_a_second_case(api):
    body = {"service": "pothole", "data": POTHOLE_ANSWERS}
    first = api.post("/cases", body, HTTP_IDEMPOTENCY_KEY="abc-1")
    again = api.post("/cases", body, HTTP_IDEMPOTENCY_KEY="abc-1")
    assert first.status_code == again.status_code == 201
    assert first.json() == again.json()
    assert Case.objects.count() == 1
    other = api.post("/cases", {**body, "data": {**POTHOLE_ANSWERS, "size": "large"}},
                     HTTP_IDEMPOTENCY_KEY="abc-1")  # fmt: skip
    assert other.status_code == 422 and "different request" in other.json()["detail"]


def test_cases_list_filters_and_pages_with_a_cursor(api, pothole, resident):
    made = [submit_pothole(pothole, resident) for _ in range(5)]
    first = api.get("/cases", data={"limit": 2}).json()
    second = api.get("/cases", data={"limit": 2, "cursor": first["next_cursor"]}).json()
    third = api.get("/cases", data={"limit": 2, "cursor": second["next_cursor"]}).json()
    seen = [c["reference"] for page in (first, second, third) for c in page["items"]]
    assert seen == [case.reference for case in reversed(made)]
    assert third["next_cursor"] is None
    assert api.get("/cases", data={"status": "closed"}).json()["items"] == []
    assert api.get("/cases", data={"status": "maybe"}).status_code == 422
    assert api.get("/cases", data={"cursor": "!!"}).status_code == 422
    assert api.get("/cases", data={"limit": 1000}).status_code == 422


def test_a_department_key_sees_only_its_departments_cases(client, pothole, resident, parking):
    case = submit_pothole(pothole, resident)
    _, raw = apikey_create(name="Parking", scopes=ALL_SCOPES, department=parking, actor=SETUP)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    assert client.get("/api/v1/cases", **auth).json()["items"] == []
    assert client.get(f"/api/v1/cases/{case.reference}", **auth).status_code == 404


def test_detail_and_timeline(api, pothole, resident):
    case = submit_pothole(pothole, resident)
    detail = api.get(f"/cases/{case.reference}")
    assert detail.json()["state"] == "submitted" and detail["ETag"]
    assert [e["kind"] for e in api.get(f"/cases/{case.reference}/timeline").json()] == ["submitted"]
    assert api.get("/cases/PTH-1999-000001").status_code == 404


def test_transitions_honour_the_workflow_and_if_match(api, pothole, resident):
    case = submit_pothole(pothole, resident)
    stale = api.post(f"/cases/{case.reference}/transitions", {"to": "inspecting"},
                     HTTP_IF_MATCH=f'"{case.reference}-v99"')  # fmt: skip
    assert stale.status_code == 412
    moved = api.post(f"/cases/{case.reference}/transitions", {"to": "inspecting"},
                     HTTP_IF_MATCH=f'"{case.reference}-v{case.version}"')  # fmt: skip
    assert moved.status_code == 200 and moved.json()["state"] == "inspecting"
    refused = api.post(f"/cases/{case.reference}/transitions", {"to": "repaired"})
    assert refused.status_code == 409 and "allowed from 'inspecting'" in refused.json()["detail"]
    reason = api.post(f"/cases/{case.reference}/transitions", {"to": "no_action"})
    assert reason.status_code == 422 and reason.json()["errors"][0]["field"] == "reason"


def test_notes_and_information_requests(api, pothole, resident):
    case = submit_pothole(pothole, resident)
    note = api.post(f"/cases/{case.reference}/notes", {"text": "Crew booked", "public": True})
    assert note.status_code == 201 and note.json()["public"] is True
    assert api.post(f"/cases/{case.reference}/notes", {"text": ""}).status_code == 422
    asked = api.post(f"/cases/{case.reference}/information-requests", {"question": "Photo?"})
    assert asked.status_code == 201
    case.refresh_from_db()
    assert case.is_awaiting_info


def test_attachments_are_checked_by_content_listed_and_downloaded(api, pothole, resident):
    case = submit_pothole(pothole, resident)
    fake = SimpleUploadedFile("photo.jpg", b"plain text", "image/jpeg")
    refused = api.post(
        f"/cases/{case.reference}/attachments", {"files": [fake]}, content_type=MULTIPART_CONTENT
    )
    assert refused.status_code == 422
    real = SimpleUploadedFile("site.pdf", PDF, "application/pdf")
    added = api.post(
        f"/cases/{case.reference}/attachments", {"files": [real]}, content_type=MULTIPART_CONTENT
    )
    assert added.status_code == 201, added.content
    listed = api.get(f"/cases/{case.reference}/attachments").json()
    assert [a["name"] for a in listed] == ["site.pdf"]
    download = api.get(f"/cases/{case.reference}/attachments/{listed[0]['id']}")
    assert b"".join(download.streaming_content) == PDF
    assert api.get(f"/cases/{case.reference}/attachments/999").status_code == 404


def test_each_key_has_a_rate_limit_with_retry_after(client, highways):
    _, raw = apikey_create(name="Busy", scopes=["services:read"], rate_per_minute=3, actor=SETUP)
    auth = {"HTTP_AUTHORIZATION": f"Bearer {raw}"}
    statuses = [client.get("/api/v1/services", **auth).status_code for _ in range(4)]
    assert statuses[:3] == [200, 200, 200]
    limited = client.get("/api/v1/services", **auth)
    assert limited.status_code == 429 and int(limited["Retry-After"]) > 0


def test_a_huge_body_is_refused_without_a_server_error(api):
    response = api.post(
        "/cases", '{"service": "pothole", "data": {"x": "' + "a" * 3_000_000 + '"}}'
    )
    assert response.status_code in (400, 413)


def test_a_body_larger_than_the_server_accepts_is_a_413_problem(api):
    body = {"service": "pothole", "data": {"note": "a" * 3_000_000}}
    response = api.post("/cases", body)
    assert response.status_code == 413
    assert response["Content-Type"] == "application/problem+json"
    assert "larger than" in response.json()["detail"]
