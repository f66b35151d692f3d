"""SensorThings: paths, query options, `$filter`, MQTT messages and the rules file.

Pure parsers return a value or raise their own error type; over HTTP every request is
answered below 500 with SensorThings' JSON error (`{"code", "type": "error", "message"}`).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from pathlib import Path

import pytest
from django.test import Client
from hypothesis import example, given
from hypothesis import strategies as st

from publica.core.actors import SystemActor
from publica.core.errors import InvalidInput
from publica.sensors import ingest, rulefile
from publica.sensors.demo import load_demo_things
from publica.sensors.paths import PathError, parse_path
from publica.sensors.queryoptions import QueryOptionError, parse_query_options
from publica.sensors.tests.conftest import StaClient, make_key
from tests.fuzz.strategies import TRICKY, fuzz, garbage, mutated

PATHS = [
    "Things", "Things(1)", "Things(1)/Datastreams", "Things(1)/name", "Things(1)/name/$value",
    "Datastreams(1)/Observations", "Datastreams(1)/Thing/Locations", "Observations(1)/$ref",
    "Locations", "HistoricalLocations(1)/Thing", "Sensors(1)", "ObservedProperties",
    "FeaturesOfInterest(1)/Observations", "Things('1')", "Datastreams(1)/Thing/properties",
]  # fmt: skip
FILTERS = [
    "result gt 2 and phenomenonTime ge 2024-05-01T10:00:00Z", "name eq 'Weather station 1'",
    "substringof('bin', name)", "contains(name, 'bin')", "properties/owner eq 'Millbrook'",
    "Datastream/Thing/name eq 'x'", "result lt 3.5 or not (result eq 1)", "id in (1, 2, 3)",
    "length(name) gt 3", "year(phenomenonTime) eq 2026", "st_within(location, geography'POLYGON"
    "((0 0, 1 0, 1 1, 0 0))')", "Datastreams/any(d: d/name eq 'x')", "result add 1 gt 2",
    "name eq null", "tolower(name) eq 'a'", "round(result) eq 2", "resultTime eq null",
    "Thing/id eq 1", "phenomenonTime lt now()", "unitOfMeasurement/name eq 'Celsius'",
]  # fmt: skip
ORDERBY = ["name", "result desc", "phenomenonTime desc, name", "id asc", "Thing/name"]
EXPAND = [
    "Datastreams", "Datastreams($select=name;$top=2;$expand=Observations($top=1)),Locations",
    "Datastreams/Observations", "Thing($select=name)", "Observations($orderby=result desc)",
    "Datastreams($filter=name eq 'x')",
]  # fmt: skip
SELECT = ["name", "name,@iot.id", "result,id", "description,properties", "id"]
NUMBERS = st.one_of(
    st.integers(-5, 10**20).map(str),
    st.sampled_from(["", "1.5", "-0", "1e3", "0x10", " 2", "\u0661", "99999999999999999999999"]),
)


def options() -> st.SearchStrategy[dict[str, str]]:
    return st.fixed_dictionaries(
        {},
        optional={
            "$filter": st.one_of(mutated(FILTERS), st.sampled_from(FILTERS), garbage(60)),
            "$orderby": st.one_of(mutated(ORDERBY), garbage(30)),
            "$expand": st.one_of(mutated(EXPAND), garbage(40)),
            "$select": st.one_of(mutated(SELECT), garbage(20)),
            "$top": NUMBERS,
            "$skip": NUMBERS,
            "$count": st.one_of(st.sampled_from(["true", "false", "TRUE", "1"]), garbage(5)),
            "$resultFormat": st.sampled_from(["dataArray", "GeoJSON", ""]),
            "$unknown": garbage(5),
        },
    )


@fuzz()
@given(path=st.one_of(mutated(PATHS), garbage(60)))
def test_a_resource_path_parses_or_raises_path_error(path: str) -> None:
    try:
        parsed = parse_path(path)
    except PathError:
        return
    assert parsed.segments


@fuzz()
@given(params=options())
def test_query_options_parse_or_raise_query_option_error(params: dict[str, str]) -> None:
    with contextlib.suppress(QueryOptionError):
        parse_query_options(params)


RECEIVED = dt.datetime(2026, 5, 1, 12, tzinfo=dt.UTC)
MESSAGES = [
    '{"result": 21.5, "phenomenonTime": "2026-05-01T11:00:00Z"}',
    '{"result": "open", "phenomenonTime": "2026-05-01T10:00:00Z/2026-05-01T11:00:00Z"}',
    '{"result": {"level": 3}, "resultTime": "2026-05-01T11:00:00+02:00"}',
    '{"result": [1, 2], "phenomenonTime": "2026-05-01"}',
]


@fuzz()
@example(topic="v1.1/Datastreams(1)/Observations", payload=b'{"result": 1e999}')
@example(topic="v1.1/Datastreams(1)/Observations", payload=b'{"result": NaN}')
@given(
    topic=st.one_of(
        mutated(["v1.1/Datastreams(1)/Observations", "v1.1/Datastreams(12)/Observations"]),
        garbage(40),
    ),
    payload=st.one_of(mutated(MESSAGES).map(str.encode), st.binary(max_size=80)),
)
def test_an_mqtt_message_is_a_reading_or_rejected(topic: str, payload: bytes) -> None:
    try:
        reading = ingest.parse_message(topic, payload, RECEIVED)
    except ingest.Rejected:
        return
    assert reading.datastream_id >= 0


RULES = (Path(rulefile.__file__).parents[1] / "demo" / "sensor-rules.yaml").read_text()


@fuzz(share=0.5)
@given(
    text=st.one_of(
        mutated([RULES], fragments=["when: '", "limit: ", "kind: ", ">=", "!!float ", "{", "- "]),
        garbage(),
    )
)
def test_a_rules_file_parses_or_is_refused_with_field_errors(text: str) -> None:
    try:
        rulefile.parse(text)
    except InvalidInput as refused:
        assert refused.errors


@pytest.fixture
def things(db: None) -> None:
    load_demo_things(actor=SystemActor("tests"))


@pytest.fixture
def sta(db: None, monkeypatch: pytest.MonkeyPatch) -> StaClient:
    return StaClient(make_key(monkeypatch, ["sensors:write"]))


def assert_sta_answer(response) -> None:  # type: ignore[no-untyped-def]
    assert response.status_code < 500, response.content[:300]
    if response.status_code < 400 and response["Content-Type"].startswith("text/plain"):
        return  # a property's $value
    body = response.json()
    if response.status_code >= 400:
        assert body["type"] == "error" and body["code"] == response.status_code
        assert body["message"]


@fuzz(share=0.5)
@given(path=st.one_of(st.sampled_from(PATHS), mutated(PATHS)), params=options())
def test_any_sensorthings_read_is_answered_in_json_below_500(
    things: None, path: str, params: dict[str, str]
) -> None:
    # A path of control characters or a lone `%` is not a URL a client can send.
    path = "".join(char for char in path if char.isprintable()).replace("%", "%25")
    response = Client().get(f"/sta/v1.1/{path.replace('?', '%3F').replace('#', '%23')}", params)

    assert_sta_answer(response)


@fuzz(share=0.3)
@given(
    body=st.one_of(
        st.recursive(
            st.one_of(st.none(), st.booleans(), st.integers(), st.floats(), garbage(20)),
            lambda inner: st.one_of(
                st.lists(inner, max_size=3), st.dictionaries(st.sampled_from(
                    ["name", "description", "result", "phenomenonTime", "Datastream",
                     "@iot.id", "properties", "Locations", "location", "encodingType",
                     "unitOfMeasurement", "observationType", "Thing", "Sensor",
                     "ObservedProperty", "definition", "metadata", "components", "dataArray"]
                ) | TRICKY, inner, max_size=5),
            ),
            max_leaves=12,
        ),
        garbage(50),
    ),
    target=st.sampled_from(
        ["Things", "Datastreams", "Observations", "Datastreams(1)/Observations",
         "CreateObservations", "Locations", "Things(1)"]
    ),
    method=st.sampled_from(["post", "patch"]),
)  # fmt: skip
def test_any_sensorthings_write_is_answered_in_json_below_500(
    things: None, sta: StaClient, body: object, target: str, method: str
) -> None:
    raw = body if isinstance(body, str) else json.dumps(body)
    send = sta.client.post if method == "post" else sta.client.patch
    response = send(f"/sta/v1.1/{target}", raw, content_type="application/json")

    if response.status_code in (201, 200, 204):
        return
    assert_sta_answer(response)
