"""GeoReport v2 endpoints: parse the query or form, call one selector or service, render.

Other systems call these, so they are exempt from CSRF: a write is authenticated by its
`api_key`. Every failure is answered in the specification's error format, in the format the
client asked for: 400 bad input, 403 no valid key, 404 nothing there, 413 body too large.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any
from urllib.parse import urlencode

from django.core.exceptions import BadRequest, SuspiciousOperation
from django.http import HttpRequest, HttpResponse, QueryDict
from django.http.multipartparser import MultiPartParserError
from django.views.decorators.csrf import csrf_exempt

from publica.accounts.apikeys import (
    RateLimited,
    api_client,
    apikey_authenticate,
    apikey_count_request,
)
from publica.accounts.selectors import organisation_get
from publica.core import clock
from publica.core.actors import ApiClient
from publica.core.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    StaleUpdate,
    TransitionNotAllowed,
)
from publica.open311 import mapping, params, selectors, serializers, statuses
from publica.open311.formats import CONTENT_TYPES, error_response, render
from publica.open311.services import request_submit, request_update

__all__ = [
    "discovery",
    "not_found",
    "request_detail",
    "requests",
    "service_definition",
    "services",
    "token",
    "updates",
]

#: Bodies above this are refused before they are read: no Open311 form needs more.
MAX_BODY = 100 * 1024
WRITE = "open311:write"
FORM_TYPES = ("application/x-www-form-urlencoded", "multipart/form-data")

View = Callable[..., HttpResponse]


class PayloadTooLarge(Exception):
    pass


def endpoint(*methods: str, public: bool = False) -> Callable[[View], View]:
    """Check the format and method, and answer Publica's errors in the spec's format.

    `public` GET answers may be read by any web page (`Access-Control-Allow-Origin: *`).
    """

    def wrap(view: View) -> View:
        @csrf_exempt
        @functools.wraps(view)
        def handle(request: HttpRequest, *args: Any, fmt: str, **kwargs: Any) -> HttpResponse:
            if fmt not in CONTENT_TYPES:
                return error_response("json", 404, [f"no format {fmt!r}; use .json or .xml"])
            method = "GET" if request.method == "HEAD" else request.method
            if method not in methods:
                response = error_response(fmt, 405, [f"use {' or '.join(methods)}"])
                response["Allow"] = ", ".join(methods)
                return response
            try:
                params.reject_nul([(name, [str(value)]) for name, value in kwargs.items()])
                params.reject_nul(request.GET.lists())
                response = view(request, *args, fmt=fmt, **kwargs)
            except InvalidInput as exc:
                return error_response(fmt, 400, exc.errors)
            except PermissionDenied as exc:
                return error_response(fmt, 403, [str(exc)])
            except NotFound as exc:
                return error_response(fmt, 404, [str(exc)])
            except (TransitionNotAllowed, StaleUpdate) as exc:
                return error_response(fmt, 400, [str(exc)])
            except RateLimited as exc:
                response = error_response(fmt, 429, [str(exc)])
                response["Retry-After"] = str(exc.retry_after)
                return response
            except PayloadTooLarge:
                return error_response(fmt, 413, [f"the body must be at most {MAX_BODY} bytes"])
            except (BadRequest, SuspiciousOperation, MultiPartParserError) as exc:
                # Too many fields, a broken multipart body, a charset other than UTF-8.
                return error_response(fmt, 400, [f"the request could not be read: {exc}"])
            if public and method == "GET":
                response["Access-Control-Allow-Origin"] = "*"
            return response

        return handle

    return wrap


@endpoint("GET", public=True)
def discovery(request: HttpRequest, fmt: str) -> HttpResponse:
    document = serializers.discovery(
        url=request.build_absolute_uri("."),
        organisation=organisation_get(),
        changeset=selectors.services_changed_at(),
    )
    return render(fmt, "discovery", document)


@endpoint("GET", public=True)
def services(request: HttpRequest, fmt: str) -> HttpResponse:
    items = [serializers.service_item(service) for service in selectors.report_services()]
    return render(fmt, "services", items)


@endpoint("GET", public=True)
def service_definition(request: HttpRequest, fmt: str, service_code: str) -> HttpResponse:
    service = selectors.report_service(code=service_code)
    return render(fmt, "service_definition", serializers.service_definition(service))


@endpoint("GET", "POST", public=True)
def requests(request: HttpRequest, fmt: str) -> HttpResponse:
    if request.method == "POST":
        return _submit(request, fmt)
    query = request.GET
    ids = params.names(query.get("service_request_id"), "service_request_id")
    if ids:
        found = selectors.request_list_by_id(ids=ids)
    else:
        found = selectors.request_list(
            service_codes=params.names(query.get("service_code"), "service_code"),
            window=_window(query),
            statuses=params.statuses(query.get("status")),
            page=params.page(query),
        )
    return render(fmt, "service_requests", [serializers.request_item(case) for case in found])


@endpoint("GET", public=True)
def request_detail(request: HttpRequest, fmt: str, service_request_id: str) -> HttpResponse:
    case = selectors.request_get(reference=service_request_id)
    return render(fmt, "service_requests", [serializers.request_item(case)])


@endpoint("GET")
def token(request: HttpRequest, fmt: str, token: str) -> HttpResponse:
    raise NotFound(
        f"no token {token!r}: Publica answers a POST with the service_request_id at once "
        "and never issues tokens"
    )


@endpoint("GET", "POST")
def updates(request: HttpRequest, fmt: str) -> HttpResponse:
    """FixMyStreet's servicerequestupdates: public updates out, council updates in."""
    if request.method == "POST":
        return _post_update(request, fmt)
    query = request.GET
    client = _client(query.get("api_key"), (WRITE, "cases:read", "cases:transition"))
    found = selectors.update_list(actor=client, window=_window(query), page=params.page(query))
    items = [serializers.update_item(update) for update in found]
    return render(fmt, "service_requests_updates", items)


@csrf_exempt
def not_found(request: HttpRequest, path: str = "") -> HttpResponse:
    return error_response("json", 404, [f"no Open311 endpoint {request.path!r}"])


def _submit(request: HttpRequest, fmt: str) -> HttpResponse:
    posted = _form(request)
    client = _client(posted.get("api_key"), (WRITE,))
    code = (posted.get("service_code") or "").strip()
    if not code:
        raise InvalidInput([FieldError("service_code", "give the service_code")])
    try:
        service = selectors.report_service(code=code)
    except NotFound:
        raise InvalidInput(
            [FieldError("service_code", f"no service {code!r}; see services.{fmt}")]
        ) from None
    assert service.current_version is not None
    given = mapping.submission(service.current_version.definition["form"], posted)
    try:
        answer = request_submit(
            service=service, data=given.data, contact=given.contact,
            body=urlencode(sorted(posted.lists()), doseq=True).encode(), actor=client,
        )  # fmt: skip
    except InvalidInput as exc:
        raise mapping.as_parameters(exc) from None
    return render(fmt, "service_requests", [answer])


def _post_update(request: HttpRequest, fmt: str) -> HttpResponse:
    posted = _form(request)
    client = _client(posted.get("api_key"), (WRITE, "cases:transition"))
    errors = []
    reference = (posted.get("service_request_id") or "").strip()
    if not reference:
        errors.append(FieldError("service_request_id", "give the service_request_id"))
    status = statuses.parse(posted.get("status") or "")
    if status is None:
        errors.append(FieldError("status", f"use one of {', '.join(statuses.EXTENDED)}"))
    params.moment(posted.get("updated_datetime"), "updated_datetime")
    text = (posted.get("description") or "").strip()
    media_url = (posted.get("media_url") or "").strip()
    if media_url and not media_url.lower().startswith(("http://", "https://")):
        errors.append(FieldError("media_url", "must be an http or https URL"))
    if errors or status is None:
        raise InvalidInput(errors)
    text = "\n\n".join(part for part in (text, media_url) if part)
    try:
        event = request_update(
            service_request_id=reference, status=status, description=text, actor=client
        )
    except InvalidInput as exc:
        raise InvalidInput(
            [FieldError("description", each.message) for each in exc.errors]
        ) from None
    return render(fmt, "service_request_updates", [serializers.posted_update(event)])


def _form(request: HttpRequest) -> QueryDict:
    """The posted fields, refusing large bodies before reading them."""
    try:
        length = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        length = 0
    if length > MAX_BODY:
        raise PayloadTooLarge
    if request.content_type not in FORM_TYPES:
        raise InvalidInput(
            [FieldError("Content-Type", "send the fields as application/x-www-form-urlencoded")]
        )
    params.reject_nul(request.POST.lists())
    return request.POST


def _client(api_key: str | None, scopes: tuple[str, ...]) -> ApiClient:
    raw = (api_key or "").strip()
    if not raw:
        raise PermissionDenied("api_key: give an API key")
    key = apikey_authenticate(raw)
    if key is None:
        raise PermissionDenied("api_key: not a valid key; it may be unknown or revoked")
    if not set(scopes) & set(key.scopes):
        raise PermissionDenied(f"api_key: the key needs the {' or '.join(scopes)} scope")
    apikey_count_request(key)
    return api_client(key)


def _window(query: QueryDict) -> params.Window:
    start = params.moment(query.get("start_date"), "start_date")
    end = params.moment(query.get("end_date"), "end_date")
    return params.window(start, end, clock.now())
