"""The CKAN Action API's one endpoint: parse the call, run the action, wrap it in CKAN's
envelope (`help`, `success`, `result` or `error`). Every answer, errors included, is that
envelope as JSON, readable from any origin."""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse, QueryDict
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt

from publica.opendata.ckan.actions import Call, action_for
from publica.opendata.ckan.errors import ActionError, BadRequest

__all__ = ["action"]

logger = logging.getLogger(__name__)

CONTENT_TYPE = "application/json;charset=utf-8"
CORS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Content-Type, Authorization, X-CKAN-API-Key",
}


class _MethodNotAllowed(BadRequest):
    status = 405


# Reading needs no session and no form: clients post JSON from scripts and other sites,
# and nothing here writes.
@csrf_exempt
def action(request: HttpRequest, action: str) -> HttpResponse:
    if request.method == "OPTIONS":
        return _respond(HttpResponse(status=204))
    envelope: dict[str, Any] = {"help": _help_url(request, action)}
    try:
        result = _run(request, action)
    except ActionError as error:
        return _answer(envelope | {"success": False, "error": error.error()}, error.status)
    except Exception:
        logger.exception("CKAN action %s failed", action)
        failure = {"__type": "Internal Server Error", "message": "Internal Server Error"}
        return _answer(envelope | {"success": False, "error": failure}, 500)
    return _answer(envelope | {"success": True, "result": result}, 200)


def _run(request: HttpRequest, name: str) -> Any:
    if request.method not in ("GET", "POST"):
        raise _MethodNotAllowed(f"use GET or POST, not {request.method}")
    function = action_for(name)
    if function is None:
        raise BadRequest(f"Action name not known: {name}")
    params = _request_data(request)
    params.pop("callback", None)  # JSONP is not offered; the envelope is always JSON.
    query = _mixed(request.GET) if request.method == "GET" else None
    call = Call(params=params, absolute=request.build_absolute_uri, path=request.path, query=query)
    return function(call)


def _request_data(request: HttpRequest) -> dict[str, Any]:
    """The parameters as CKAN reads them: a GET's query string; a POST's JSON body, or its
    form fields (a lone field whose value is empty or "1" is JSON in its name)."""
    if request.method == "GET":
        return _mixed(request.GET)
    try:
        body = request.body
    except RequestDataTooBig:
        raise BadRequest("the request body is too large") from None
    content_type = request.content_type or ""
    if content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
        try:
            form = request.POST
        except Exception:
            raise BadRequest("the form data cannot be read") from None
        if len(form) == 1 and next(iter(form.values())) in ("", "1"):
            return _json_object(next(iter(form.keys())).encode())
        return _mixed(form)
    if not body.strip():
        return _mixed(request.GET)
    return _json_object(body)


def _json_object(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (ValueError, RecursionError) as error:
        raise BadRequest(f"JSON Error: Error decoding JSON data. Error: {error}") from None
    if not isinstance(data, dict):
        raise BadRequest(
            f"JSON Error: Request data JSON decoded to {type(data).__name__} "
            "but it needs to be a dictionary."
        )
    return data


def _mixed(values: QueryDict) -> dict[str, Any]:
    # One value stays a string, several become a list, as CKAN's own reading does.
    return {key: items[0] if len(items) == 1 else items for key, items in values.lists()}


def _help_url(request: HttpRequest, name: str) -> str:
    namespace = request.resolver_match.namespace if request.resolver_match else "ckan3"
    path = reverse(f"{namespace}:action", args=["help_show"])
    return request.build_absolute_uri(path) + "?" + urlencode({"name": name})


def _answer(payload: dict[str, Any], status: int) -> HttpResponse:
    body = json.dumps(payload, ensure_ascii=False)
    return _respond(HttpResponse(body, status=status, content_type=CONTENT_TYPE))


def _respond(response: HttpResponse) -> HttpResponse:
    for header, value in CORS.items():
        response[header] = value
    return response
