from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from publica.accounts import apikeys
from publica.accounts.tests.factories import OrganisationFactory
from publica.core.actors import SystemActor

SETUP = SystemActor("tests")


def make_key(monkeypatch: pytest.MonkeyPatch, scopes: list[str]) -> str:
    OrganisationFactory()
    _, raw = apikeys.apikey_create(name="sensor gateway", scopes=scopes, actor=SETUP)
    return raw


@pytest.fixture
def writer_key(db: None, monkeypatch: pytest.MonkeyPatch) -> str:
    return make_key(monkeypatch, ["sensors:write"])


class StaClient:
    """A test client that speaks JSON to /sta/v1.1/ with an API key."""

    def __init__(self, key: str) -> None:
        self.client = Client(HTTP_AUTHORIZATION=f"Bearer {key}")

    def get(self, path: str, **params: Any) -> Any:
        return self.client.get(f"/sta/v1.1/{path}", params)

    def post(self, path: str, body: Any) -> Any:
        return self.client.post(f"/sta/v1.1/{path}", body, content_type="application/json")

    def patch(self, path: str, body: Any, content_type: str = "application/json") -> Any:
        return self.client.patch(f"/sta/v1.1/{path}", body, content_type=content_type)

    def delete(self, path: str) -> Any:
        return self.client.delete(f"/sta/v1.1/{path}")


@pytest.fixture
def sta(writer_key: str) -> StaClient:
    return StaClient(writer_key)


THING = {
    "name": "Weather station 1",
    "description": "On the town hall roof",
    "properties": {"owner": "Millbrook"},
    "Locations": [
        {
            "name": "Town hall",
            "description": "Roof",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [4.9, 52.37]},
        }
    ],
    "Datastreams": [
        {
            "name": "Air temperature",
            "description": "Every minute",
            "observationType": "http://www.opengis.net/def/observationType/OGC-OM/2.0/OM_Measurement",
            "unitOfMeasurement": {"name": "degree Celsius", "symbol": "degC", "definition": "x"},
            "Sensor": {
                "name": "DS18B20",
                "description": "Thermometer",
                "encodingType": "application/pdf",
                "metadata": "https://example.org/ds18b20.pdf",
            },
            "ObservedProperty": {
                "name": "Temperature",
                "definition": "http://dbpedia.org/page/Temperature",
                "description": "Air temperature",
            },
        }
    ],
}


@pytest.fixture
def station(sta: StaClient) -> dict[str, int]:
    """A Thing with a Location and one Datastream; the ids of each."""
    response = sta.post("Things", THING)
    assert response.status_code == 201, response.content
    thing = response.json()["@iot.id"]
    stream = sta.get(f"Things({thing})/Datastreams").json()["value"][0]["@iot.id"]
    return {"thing": thing, "datastream": stream}
