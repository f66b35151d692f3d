"""The SensorThings HTTP API: thin views that parse, call a selector or service, and render."""

from __future__ import annotations

import base64
import binascii
import json
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt

from publica.accounts.apikeys import (
    RateLimited,
    api_client,
    apikey_authenticate,
    apikey_count_request,
)
from publica.core.actors import ApiClient
from publica.core.errors import InvalidInput, NotFound, PermissionDenied
from publica.sensors import services
from publica.sensors.entities import ENTITY_SETS
from publica.sensors.filters import FilterError
from publica.sensors.paths import PathError, parse_path
from publica.sensors.queryoptions import QueryOptionError, QueryOptions, parse_query_options
from publica.sensors.representation import (
    PAGE_SIZE,
    property_value,
    render_collection,
    render_entity,
    self_link,
)
from publica.sensors.selectors import collection_page, resolve


class StaError(Exception):
    """An error answered as FROST does: `{"code": …, "type": "error", "message": …}`."""

    def __init__(self, code: int, message: str, headers: dict[str, str] | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.headers = headers or {}


def _error(code: int, message: str, headers: dict[str, str] | None = None) -> JsonResponse:
    response = JsonResponse({"code": code, "type": "error", "message": message}, status=code)
    for name, value in (headers or {}).items():
        response[name] = value
    return response


def _answering_errors(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except StaError as exc:
            return _error(exc.code, str(exc), exc.headers)
        except (PathError, QueryOptionError, FilterError) as exc:
            return _error(400, str(exc))
        except InvalidInput as exc:
            return _error(400, "; ".join(str(error) for error in exc.errors))
        except NotFound as exc:
            return _error(404, str(exc))
        except PermissionDenied as exc:
            return _error(403, str(exc))

    return csrf_exempt(wrapped)


def _base(request: HttpRequest) -> str:
    return request.build_absolute_uri("/sta/v1.1/")


def _writer(request: HttpRequest) -> ApiClient:
    """The API client of `Authorization: Bearer <key>`, or of Basic auth with the key as
    password (how SensorThings clients such as frost_sta_client send credentials)."""
    header = request.headers.get("Authorization", "")
    scheme, _, credentials = header.partition(" ")
    token = ""
    if scheme.lower() == "bearer":
        token = credentials
    elif scheme.lower() == "basic":
        try:
            token = base64.b64decode(credentials, validate=True).decode().partition(":")[2]
        except (binascii.Error, UnicodeDecodeError):
            token = ""
    key = apikey_authenticate(token) if token else None
    if key is None:
        raise StaError(
            401,
            "send an API key: Authorization: Bearer <key>",
            {"WWW-Authenticate": 'Bearer realm="sensors", Basic realm="sensors"'},
        )
    try:
        apikey_count_request(key)
    except RateLimited as exc:
        raise StaError(429, str(exc), {"Retry-After": str(exc.retry_after)}) from exc
    return api_client(key)


def _json_body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (ValueError, UnicodeDecodeError) as exc:
        raise StaError(400, f"the body is not valid JSON: {exc}") from exc


@_answering_errors
def service_root(request: HttpRequest) -> HttpResponse:
    base = _base(request)
    return JsonResponse(
        {
            "value": [{"name": name, "url": f"{base}{name}"} for name in ENTITY_SETS],
            "serverSettings": {
                "conformance": [
                    "http://www.opengis.net/spec/iot_sensing/1.1/req/datamodel",
                    "http://www.opengis.net/spec/iot_sensing/1.1/req/resource-path/resource-path-to-entities",
                    "http://www.opengis.net/spec/iot_sensing/1.1/req/request-data",
                    "http://www.opengis.net/spec/iot_sensing/1.1/req/create-update-delete",
                    "http://www.opengis.net/spec/iot_sensing/1.1/req/data-array/data-array",
                ]
            },
        }
    )


@_answering_errors
def create_observations(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        raise StaError(405, "POST a JSON array of dataArray objects here")
    actor = _writer(request)
    ids = services.observations_create_from_data_arrays(payload=_json_body(request), actor=actor)
    base = _base(request)
    observations = ENTITY_SETS["Observations"]
    links = ["error" if pk is None else self_link(base, observations, pk) for pk in ids]
    return JsonResponse(links, status=201, safe=False)


@_answering_errors
def resource(request: HttpRequest, path: str) -> HttpResponse:
    parsed = parse_path(path)
    if request.method == "GET":
        return _read(request, path)
    if parsed.property is not None or parsed.ref:
        raise StaError(405, "write to an entity or a collection, not to a property or $ref")
    actor = _writer(request)
    resolved = resolve(parsed)
    if request.method == "POST":
        if resolved.queryset is None:
            raise StaError(405, "POST to a collection, such as Things or Things(1)/Datastreams")
        created = services.entity_create(
            entity=resolved.entity,
            data=_json_body(request),
            actor=actor,
            parent=resolved.parent,
            navigation=resolved.navigation,
        )
        body = render_entity(created, resolved.entity, QueryOptions(), _base(request))
        response = JsonResponse(body, status=201)
        response["Location"] = body["@iot.selfLink"]
        return response
    if resolved.instance is None:
        raise StaError(405, f"{request.method} needs one entity, such as Things(1)")
    if request.method in ("PATCH", "PUT"):
        content_type = request.content_type or ""
        if content_type == "application/json-patch+json":
            updated = services.entity_json_patch(
                entity=resolved.entity,
                instance=resolved.instance,
                operations=_json_body(request),
                actor=actor,
            )
        else:
            updated = services.entity_update(
                entity=resolved.entity,
                instance=resolved.instance,
                data=_json_body(request),
                actor=actor,
            )
        return JsonResponse(render_entity(updated, resolved.entity, QueryOptions(), _base(request)))
    if request.method == "DELETE":
        services.entity_delete(instance=resolved.instance, actor=actor)
        return HttpResponse(status=204)
    raise StaError(405, f"{request.method} is not supported here")


def _read(request: HttpRequest, path: str) -> HttpResponse:
    parsed = parse_path(path)
    options = parse_query_options(request.GET.dict())
    resolved = resolve(parsed)
    base = _base(request)
    entity = resolved.entity
    if resolved.instance is not None:
        instance = resolved.instance
        if parsed.ref:
            return JsonResponse({"@iot.selfLink": self_link(base, entity, instance.pk)})
        if parsed.property is not None:
            if parsed.property == "id":
                value: Any = instance.pk
            else:
                prop = entity.property(parsed.property)
                assert prop is not None
                value = property_value(instance, prop)
            if parsed.value:
                text = value if isinstance(value, str) else json.dumps(value)
                return HttpResponse(text, content_type="text/plain; charset=utf-8")
            return JsonResponse({parsed.property: value})
        return JsonResponse(render_entity(instance, entity, options, base))
    assert resolved.queryset is not None
    rows, total, more = collection_page(resolved.queryset, entity, options, page_size=PAGE_SIZE)
    url = request.build_absolute_uri(request.path)
    params = {key: str(value) for key, value in request.GET.items() if key not in ("$skip", "$top")}
    if parsed.ref:
        body: dict[str, Any] = {} if total is None else {"@iot.count": total}
        body["value"] = [{"@iot.selfLink": self_link(base, entity, row.pk)} for row in rows]
        return JsonResponse(body)
    return JsonResponse(
        render_collection(
            rows, entity, options, base, url=url, total=total, more=more, params=params
        )
    )
