from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from publica.sensors.models import FeatureOfInterest, HistoricalLocation, Observation
from publica.sensors.tests.conftest import StaClient, make_key

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2024, 5, 1, 10, 0, tzinfo=dt.UTC)


def _observe(sta: StaClient, stream: int, values: list[float], start: int = 0) -> None:
    body = [
        {
            "Datastream": {"@iot.id": stream},
            "components": ["phenomenonTime", "result"],
            "dataArray": [
                [(T0 + dt.timedelta(minutes=start + minute)).isoformat(), value]
                for minute, value in enumerate(values)
            ],
        }
    ]
    assert sta.post("CreateObservations", body).status_code == 201


# ------------------------------------------------------------------ deep insert and shape


def test_deep_insert_creates_thing_location_history_and_datastream(
    sta: StaClient, station: dict[str, int]
) -> None:
    thing = sta.get(f"Things({station['thing']})").json()
    assert thing["name"] == "Weather station 1"
    assert thing["@iot.selfLink"] == f"http://testserver/sta/v1.1/Things({station['thing']})"
    assert thing["Datastreams@iot.navigationLink"].endswith(
        f"Things({station['thing']})/Datastreams"
    )
    assert (
        sta.get(f"Things({station['thing']})/Locations").json()["value"][0]["name"] == "Town hall"
    )
    assert HistoricalLocation.objects.filter(thing_id=station["thing"]).count() == 1
    stream = sta.get(f"Datastreams({station['datastream']})/Sensor").json()
    assert stream["name"] == "DS18B20"


def test_create_answers_201_with_location_header(sta: StaClient) -> None:
    response = sta.post(
        "ObservedProperties",
        {"name": "Noise", "definition": "https://example.org/noise", "description": "dB(A)"},
    )
    assert response.status_code == 201
    assert response["Location"] == response.json()["@iot.selfLink"]
    assert "ObservedProperties(" in response["Location"]


def test_deep_insert_links_existing_entities_by_id(sta: StaClient, station: dict[str, int]) -> None:
    sensor = sta.get(f"Datastreams({station['datastream']})/Sensor").json()["@iot.id"]
    prop = sta.get(f"Datastreams({station['datastream']})/ObservedProperty").json()["@iot.id"]
    response = sta.post(
        "Datastreams",
        {
            "name": "Second",
            "description": "d",
            "observationType": "OM_Measurement",
            "unitOfMeasurement": {"symbol": "degC"},
            "Thing": {"@iot.id": station["thing"]},
            "Sensor": {"@iot.id": sensor},
            "ObservedProperty": {"@iot.id": prop},
        },
    )
    assert response.status_code == 201
    assert sta.get(f"Sensors({sensor})/Datastreams", **{"$count": "true"}).json()["@iot.count"] == 2


def test_observation_without_feature_gets_one_from_the_things_location(
    sta: StaClient, station: dict[str, int]
) -> None:
    path = f"Datastreams({station['datastream']})/Observations"
    first = sta.post(path, {"result": 21.5, "phenomenonTime": "2024-05-01T10:00:00Z"})
    second = sta.post(path, {"result": 19})
    assert first.status_code == second.status_code == 201
    feature = sta.get(f"Observations({first.json()['@iot.id']})/FeatureOfInterest").json()
    assert feature["feature"] == {"type": "Point", "coordinates": [4.9, 52.37]}
    assert FeatureOfInterest.objects.count() == 1
    assert sta.get(f"Observations({second.json()['@iot.id']})/result").json() == {"result": 19}
    assert first.json()["phenomenonTime"] == "2024-05-01T10:00:00.000Z"


def test_every_entity_type_can_be_created_read_updated_and_deleted(sta: StaClient) -> None:
    bodies = {
        "Things": {"name": "T", "description": "d"},
        "Locations": {
            "name": "L",
            "description": "d",
            "encodingType": "application/geo+json",
            "location": {"type": "Point", "coordinates": [0, 0]},
        },
        "Sensors": {"name": "S", "description": "d", "encodingType": "text/html", "metadata": "m"},
        "ObservedProperties": {"name": "O", "definition": "x", "description": "d"},
        "FeaturesOfInterest": {
            "name": "F",
            "description": "d",
            "encodingType": "application/geo+json",
            "feature": {"type": "Point", "coordinates": [1, 1]},
        },
    }
    for entity_set, body in bodies.items():
        created = sta.post(entity_set, body)
        assert created.status_code == 201, (entity_set, created.content)
        path = f"{entity_set}({created.json()['@iot.id']})"
        assert sta.patch(path, {"description": "changed"}).json()["description"] == "changed"
        assert sta.get(f"{path}/description/$value").content == b"changed"
        assert sta.delete(path).status_code == 204
        assert sta.get(path).status_code == 404


def test_historical_location_and_observation_crud(sta: StaClient, station: dict[str, int]) -> None:
    history = sta.get(f"Things({station['thing']})/HistoricalLocations").json()["value"][0]
    path = f"HistoricalLocations({history['@iot.id']})"
    assert sta.patch(path, {"time": "2020-01-01T00:00:00Z"}).json()["time"].startswith("2020")
    created = sta.post(
        "Observations", {"result": 1, "Datastream": {"@iot.id": station["datastream"]}}
    )
    observation = f"Observations({created.json()['@iot.id']})"
    assert sta.patch(observation, {"result": 2}).json()["result"] == 2.0
    assert sta.delete(observation).status_code == 204
    assert sta.delete(f"Things({station['thing']})").status_code == 204
    assert sta.get(f"Datastreams({station['datastream']})").status_code == 404


def test_json_patch_changes_properties(sta: StaClient, station: dict[str, int]) -> None:
    response = sta.patch(
        f"Things({station['thing']})",
        [
            {"op": "replace", "path": "/name", "value": "Renamed"},
            {"op": "add", "path": "/properties/floor", "value": 3},
        ],
        content_type="application/json-patch+json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["name"] == "Renamed"
    assert response.json()["properties"] == {"owner": "Millbrook", "floor": 3}


# ------------------------------------------------------------------ navigation and options


def test_navigation_follows_links_in_both_directions(
    sta: StaClient, station: dict[str, int]
) -> None:
    _observe(sta, station["datastream"], [1.0])
    obs = sta.get(f"Datastreams({station['datastream']})/Observations").json()["value"][0]
    thing = sta.get(f"Observations({obs['@iot.id']})/Datastream/Thing").json()
    assert thing["@iot.id"] == station["thing"]
    refs = sta.get(f"Things({station['thing']})/Datastreams/$ref").json()
    assert refs["value"] == [
        {"@iot.selfLink": f"http://testserver/sta/v1.1/Datastreams({station['datastream']})"}
    ]


def test_filter_orderby_select_top_skip_and_count(sta: StaClient, station: dict[str, int]) -> None:
    _observe(sta, station["datastream"], [5.0, 1.0, 9.0, 3.0])
    page = sta.get(
        "Observations",
        **{
            "$filter": "result gt 2 and phenomenonTime ge 2024-05-01T10:00:00Z",
            "$orderby": "result desc",
            "$select": "result,id",
            "$top": "2",
            "$skip": "0",
            "$count": "true",
        },
    ).json()
    assert page["@iot.count"] == 3
    assert [row["result"] for row in page["value"]] == [9.0, 5.0]
    assert set(page["value"][0]) == {"@iot.id", "result"}
    assert "$skip=2" in page["@iot.nextLink"]
    rest = Client().get(page["@iot.nextLink"]).json()
    assert [row["result"] for row in rest["value"]] == [3.0]
    assert "@iot.nextLink" not in rest


@pytest.mark.parametrize(
    ("expression", "names"),
    [
        ("substringof('station', name)", ["Weather station 1"]),
        ("startswith(name, 'Other')", ["Other"]),
        ("not (name eq 'Other')", ["Weather station 1"]),
        ("Datastreams/name eq 'Air temperature'", ["Weather station 1"]),
        ("properties/owner eq 'Millbrook'", ["Weather station 1"]),
        ("length(name) add 1 eq 6 or tolower(name) eq 'x'", ["Other"]),
    ],
)
def test_filter_supports_sta_functions_and_paths(
    sta: StaClient, station: dict[str, int], expression: str, names: list[str]
) -> None:
    sta.post("Things", {"name": "Other", "description": "d"})
    response = sta.get("Things", **{"$filter": expression})
    assert response.status_code == 200, response.content
    assert [thing["name"] for thing in response.json()["value"]] == names


def test_filter_on_observations_by_datastream_id(sta: StaClient, station: dict[str, int]) -> None:
    _observe(sta, station["datastream"], [1.0, 2.0])
    query = {"$filter": f"Datastream/id eq {station['datastream']}", "$count": "true"}
    assert sta.get("Observations", **query).json()["@iot.count"] == 2


def test_nested_expand_with_its_own_options(sta: StaClient, station: dict[str, int]) -> None:
    _observe(sta, station["datastream"], [1.0, 2.0, 3.0])
    thing = sta.get(
        f"Things({station['thing']})",
        **{
            "$expand": "Datastreams($select=name;$expand=Observations("
            "$orderby=result desc;$top=2;$count=true)),Locations"
        },
    ).json()
    (stream,) = thing["Datastreams"]
    assert set(stream) == {
        "name",
        "Observations",
        "Observations@iot.count",
        "Observations@iot.nextLink",
    }
    assert [o["result"] for o in stream["Observations"]] == [3.0, 2.0]
    assert stream["Observations@iot.count"] == 3
    assert thing["Locations"][0]["name"] == "Town hall"
    assert "Locations@iot.navigationLink" not in thing


def test_server_pages_at_100_with_a_next_link(sta: StaClient, station: dict[str, int]) -> None:
    _observe(sta, station["datastream"], [float(i) for i in range(60)])
    _observe(sta, station["datastream"], [float(i) for i in range(60)], start=60)
    page = sta.get("Observations").json()
    assert len(page["value"]) == 100
    assert "$skip=100" in page["@iot.nextLink"]
    assert len(Client().get(page["@iot.nextLink"]).json()["value"]) == 20


# ------------------------------------------------------------------ dataArray


def test_data_array_inserts_rows_and_marks_bad_ones(
    sta: StaClient, station: dict[str, int]
) -> None:
    response = sta.post(
        "CreateObservations",
        [
            {
                "Datastream": {"@iot.id": station["datastream"]},
                "components": ["phenomenonTime", "result", "resultTime"],
                "dataArray": [
                    ["2024-05-01T10:00:00Z", 20, "2024-05-01T10:00:01Z"],
                    ["not a time", 21, None],
                    ["2024-05-01T10:02:00Z/2024-05-01T10:03:00Z", 22.5, None],
                    ["2024-05-01T10:04:00Z", {"ok": True}, None],  # not a Measurement
                ],
            }
        ],
    )
    assert response.status_code == 201, response.content
    links = response.json()
    assert links[1] == links[3] == "error"
    assert links[0].startswith("http://testserver/sta/v1.1/Observations(")
    assert Observation.objects.count() == 2
    third = Client().get(links[2]).json()
    assert third["result"] == 22.5
    assert third["phenomenonTime"] == "2024-05-01T10:02:00.000Z/2024-05-01T10:03:00.000Z"


def test_a_resent_reading_is_stored_once_and_answers_with_the_first_link(
    sta: StaClient, station: dict[str, int]
) -> None:
    def post(rows: list[list[object]]) -> list[str]:
        body = [{"Datastream": {"@iot.id": station["datastream"]},
                 "components": ["phenomenonTime", "result"], "dataArray": rows}]  # fmt: skip
        response = sta.post("CreateObservations", body)
        assert response.status_code == 201, response.content
        return response.json()

    first = post([["2024-05-01T10:00:00Z", 20], ["2024-05-01T10:01:00Z", 21]])
    again = post([["2024-05-01T11:00:00+01:00", 20.0], ["2024-05-01T10:01:00Z", 21],
                  ["2024-05-01T10:01:00Z", 21]])  # fmt: skip
    assert again == [first[0], first[1], first[1]]
    assert post([["2024-05-01T10:00:00Z", 99]]) == ["error"]  # the same moment, another result
    assert Observation.objects.count() == 2

    single = sta.post(f"Datastreams({station['datastream']})/Observations",
                      {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 20})  # fmt: skip
    assert single.status_code == 201 and single["Location"] == first[0]
    clash = sta.post(f"Datastreams({station['datastream']})/Observations",
                     {"phenomenonTime": "2024-05-01T10:00:00Z", "result": 7})  # fmt: skip
    assert clash.status_code == 400
    assert "phenomenonTime" in clash.json()["message"]


def test_an_observation_cannot_be_patched_onto_another_ones_moment_or_type(
    sta: StaClient, station: dict[str, int]
) -> None:
    _observe(sta, station["datastream"], [1.0, 2.0])
    first, second = Observation.objects.order_by("phenomenon_time")
    moved = sta.patch(f"Observations({second.pk})", {"phenomenonTime": "2024-05-01T10:00:00Z"})
    assert moved.status_code == 400 and "phenomenonTime" in moved.json()["message"]
    retyped = sta.patch(f"Observations({first.pk})", {"result": "high"})
    assert retyped.status_code == 400 and "result" in retyped.json()["message"]
    assert sta.patch(f"Observations({first.pk})", {"result": 5}).status_code == 200


def test_a_result_of_the_wrong_type_is_refused_naming_the_result(
    sta: StaClient, station: dict[str, int]
) -> None:
    response = sta.post(f"Datastreams({station['datastream']})/Observations", {"result": "high"})
    assert response.status_code == 400
    assert "result" in response.json()["message"] and "a number" in response.json()["message"]
    assert not Observation.objects.exists()


def test_late_readings_are_stored_in_time_order_and_widen_the_datastreams_times(
    sta: StaClient, station: dict[str, int]
) -> None:
    _observe(sta, station["datastream"], [3.0, 4.0], start=30)
    _observe(sta, station["datastream"], [1.0, 2.0], start=0)  # arriving late
    stream = sta.get(f"Datastreams({station['datastream']})").json()
    assert stream["phenomenonTime"] == "2024-05-01T10:00:00.000Z/2024-05-01T10:31:00.000Z"
    ordered = sta.get(f"Datastreams({station['datastream']})/Observations",
                      **{"$orderby": "phenomenonTime", "$select": "result"}).json()  # fmt: skip
    assert [o["result"] for o in ordered["value"]] == [1, 2, 3, 4]


# ------------------------------------------------------------------ errors


@pytest.mark.parametrize(
    ("path", "body", "names"),
    [
        ("Things", {"description": "no name"}, "name"),
        ("Things", {"name": 5, "description": "d"}, "name"),
        ("Things", ["not", "an", "object"], "Thing"),
        ("Things", {"name": "x", "description": "d", "colour": "red"}, "colour"),
        ("Datastreams", {"name": "x"}, "Thing"),
        ("Observations", {"result": 1, "Datastream": {"@iot.id": 999}}, "Datastream"),
        ("Observations", {"result": 1, "Datastream": {"@iot.id": "1"}}, "@iot.id"),
        ("CreateObservations", [{"Datastream": {"@iot.id": 999}}], "Datastream"),
        ("CreateObservations", {"not": "a list"}, "body"),
    ],
)
def test_bad_input_is_a_400_naming_the_field(
    sta: StaClient, path: str, body: object, names: str
) -> None:
    response = sta.post(path, body)
    assert response.status_code == 400, response.content
    assert response.json()["type"] == "error"
    assert response.json()["code"] == 400
    assert names in response.json()["message"]


def test_malformed_json_is_a_400(sta: StaClient) -> None:
    response = sta.client.post("/sta/v1.1/Things", "{nope", content_type="application/json")
    assert response.status_code == 400
    assert "JSON" in response.json()["message"]


@pytest.mark.parametrize(
    ("path", "query", "status"),
    [
        ("Things(999)", {}, 404),
        ("Things(999)/Datastreams", {}, 404),
        ("Gadgets", {}, 400),
        ("Things/Datastreams", {}, 400),
        ("Things", {"$filter": "colour eq 'red'"}, 400),
        ("Things", {"$filter": "name eq"}, 400),
        ("Things", {"$orderby": "colour"}, 400),
        ("Things", {"$expand": "Gadgets"}, 400),
        ("Things", {"$top": "many"}, 400),
    ],
)
def test_unknown_ids_are_404_and_bad_queries_400(
    sta: StaClient, path: str, query: dict[str, str], status: int
) -> None:
    sta.post("Things", {"name": "T", "description": "d"})
    response = sta.get(path, **query)
    assert response.status_code == status, response.content
    assert response.json()["code"] == status


def test_reads_are_public_but_writes_need_a_key_with_the_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    anonymous = Client()
    assert anonymous.get("/sta/v1.1/Things").status_code == 200
    body = {"name": "T", "description": "d"}
    assert (
        anonymous.post("/sta/v1.1/Things", body, content_type="application/json").status_code == 401
    )
    reader = StaClient(make_key(monkeypatch, ["cases:read"]))
    response = reader.post("Things", body)
    assert response.status_code == 403
    assert "sensors:write" in response.json()["message"]
