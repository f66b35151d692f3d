"""Fixtures for the Open311 tests: API keys, the fly-tipping service, a small HTTP helper."""

from __future__ import annotations

import copy
import json
import xml.etree.ElementTree as ET
from typing import Any
from urllib.parse import urlencode

import pytest
from django.test import Client

from publica.accounts.apikeys import apikey_create
from publica.accounts.models import Department
from publica.accounts.tests.factories import DepartmentFactory
from publica.catalogue import servicefile
from publica.catalogue.models import Service
from publica.catalogue.services import service_load
from publica.core.actors import SystemActor
from publica.testing import DEMO_SERVICES, load_demo_service

TESTS = SystemActor("tests")
BASE = "/open311/v2"


def make_key(*scopes: str, department: Department | None = None) -> str:
    _, raw = apikey_create(
        name="FixMyStreet", scopes=list(scopes), actor=TESTS, department=department
    )
    return raw


@pytest.fixture
def open311_key(highways: Department) -> str:
    return make_key("open311:write")


@pytest.fixture
def waste(db: None) -> Department:
    return DepartmentFactory(slug="waste", name="Waste and Street Scene")


@pytest.fixture
def fly_tipping(waste: Department) -> Service:
    return load_demo_service("fly-tipping")


@pytest.fixture
def road_marking(highways: Department) -> Service:
    """A report service without a description question or notification texts."""
    data = copy.deepcopy(servicefile.parse_file(DEMO_SERVICES / "pothole.yaml").data)
    data.update(slug="road-marking", title="Report a faded road marking", reference_prefix="RMK")
    del data["form"]["schema"]["properties"]["description"]
    data["form"]["ui"]["pages"][1]["fields"].remove("description")
    del data["form"]["ui"]["fields"]["description"]
    del data["notifications"]
    definition = servicefile.ServiceDefinition(data)
    return service_load(definition=definition, actor=TESTS).version.service


class Open311:
    """Calls the endpoints as another system would: no session, no CSRF token."""

    def __init__(self, client: Any) -> None:
        self.client = client

    def get(self, path: str, **query: Any) -> Any:
        return self.client.get(f"{BASE}/{path}", query)

    def post(self, path: str, fields: dict[str, Any] | list[tuple[str, str]]) -> Any:
        body = urlencode(fields, doseq=True)
        return self.client.post(
            f"{BASE}/{path}", body, content_type="application/x-www-form-urlencoded"
        )


@pytest.fixture
def open311(db: None) -> Open311:
    return Open311(Client(enforce_csrf_checks=True))  # as strict as a real browser session


def parsed(response: Any) -> Any:
    """The body as JSON, or as an ElementTree element for XML."""
    if response["Content-Type"].startswith("text/xml"):
        return ET.fromstring(response.content)
    return json.loads(response.content)


def errors(response: Any) -> list[str]:
    """The descriptions of a GeoReport v2 error list, in either format."""
    body = parsed(response)
    if isinstance(body, ET.Element):
        assert body.tag == "errors"
        for error in body:
            assert error.findtext("code") == str(response.status_code)
        return [error.findtext("description") or "" for error in body.findall("error")]
    assert all(item["code"] == response.status_code for item in body)
    return [item["description"] for item in body]
