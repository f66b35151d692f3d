"""REST API v1: services, cases, the calling client and the public ledger. Thin: parse, call
a service, render.

OpenAPI 3.1 at /api/v1/openapi.json, interactive docs at /api/v1/docs.
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import FileResponse, HttpRequest, HttpResponse
from ninja import File, NinjaAPI, Query, Status
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.files import UploadedFile

from publica.accounts.models import Department
from publica.api import idempotency
from publica.api.assistant import router as assistant_router
from publica.api.auth import KeyAuth, require_scope
from publica.api.ledger import router as ledger_router
from publica.api.problems import ApiProblem, problem, problem_for
from publica.api.schemas import (
    AttachmentOut,
    CaseIn,
    CaseOut,
    CasePage,
    ClientOut,
    EventOut,
    FormOut,
    InformationRequestIn,
    InformationRequestOut,
    NoteIn,
    Problem,
    ServiceOut,
    TransitionIn,
)
from publica.api.webhooks import router as webhooks_router
from publica.cases import selectors as cases
from publica.cases import services as case_services
from publica.cases.models import Case, CaseEvent, Channel
from publica.catalogue.models import Service, ServiceVersion
from publica.catalogue.selectors import service_get, service_list
from publica.core.errors import FieldError, InvalidInput, NotFound, PublicaError
from publica.exchange.services.reads import access_record_case_read


class PublicaAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI says what the API really sends for errors: RFC 9457
    `application/problem+json`, 400 for a body that cannot be parsed at all, and 413 for one
    larger than Django accepts."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        schema = super().get_openapi_schema(**kwargs)
        problem_ref = {"$ref": "#/components/schemas/Problem"}
        for operations in schema["paths"].values():
            for operation in operations.values():
                responses = operation.setdefault("responses", {})
                for code, response in responses.items():
                    if int(code) >= 400 and "content" in response:
                        response["content"] = {"application/problem+json": {"schema": problem_ref}}
                responses.setdefault(
                    "400",
                    {
                        "description": "The request could not be parsed",
                        "content": {"application/problem+json": {"schema": problem_ref}},
                    },
                )
                if "requestBody" in operation:
                    responses.setdefault(
                        "413",
                        {
                            "description": "The body is larger than the server accepts",
                            "content": {"application/problem+json": {"schema": problem_ref}},
                        },
                    )
        return schema


api = PublicaAPI(
    title="Publica API",
    version="1",
    description=(
        "Services and cases of the council. Authenticate with `Authorization: Bearer <key>`; "
        "errors are RFC 9457 problem details."
    ),
    auth=KeyAuth(),
    urls_namespace="api-v1",
)
ERRORS: dict[int, type] = {code: Problem for code in (401, 403, 404, 422, 429)}
api.add_router("/ledger", ledger_router)
api.add_router("/webhooks", webhooks_router)
api.add_router("/assistant", assistant_router)


@api.exception_handler(PublicaError)
def _publica_error(request: HttpRequest, exc: PublicaError) -> HttpResponse:
    return problem_for(request, exc)


@api.exception_handler(ApiProblem)
def _api_problem(request: HttpRequest, exc: ApiProblem) -> HttpResponse:
    return problem(request, exc.status, exc.detail, headers=exc.headers)


@api.exception_handler(AuthenticationError)
def _unauthenticated(request: HttpRequest, exc: Exception) -> HttpResponse:
    detail = "send a valid, unrevoked API key as `Authorization: Bearer <key>`"
    return problem(request, 401, detail, headers={"WWW-Authenticate": 'Bearer realm="publica"'})


@api.exception_handler(ValidationError)
def _invalid(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    errors = [FieldError(_field_path(e["loc"]), e["msg"]) for e in exc.errors]
    status = 400 if any(e.get("type") == "json_invalid" for e in exc.errors) else 422
    detail = "; ".join(f"{e.field}: {e.message}" for e in errors)
    return problem(request, status, detail, errors=errors)


@api.exception_handler(RequestDataTooBig)
def _too_big(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return problem(request, 413, f"the body is larger than {limit:,} bytes; send less")


@api.exception_handler(HttpError)
def _http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    return problem(request, exc.status_code, str(exc))


_SOURCES = {"body", "query", "path", "header", "cookie", "form", "file"}


def _field_path(location: tuple[Any, ...] | list[Any]) -> str:
    """`("body", "body", "data", "size")` → `data.size`: the field as the client sent it."""
    parts = list(location)
    while parts and parts[0] in _SOURCES:
        parts.pop(0)
    return ".".join(str(part) for part in parts) or "body"


# The caller


@api.get("/me", response={200: ClientOut, **ERRORS}, tags=["client"])
def me(request: HttpRequest) -> dict[str, Any]:
    """The calling API client: its name, scopes and department."""
    client = request.auth  # type: ignore[attr-defined]
    department = None
    if client.department_id is not None:
        department = Department.objects.get(pk=client.department_id).slug
    return {"name": client.name, "scopes": sorted(client.scopes), "department": department}


# Services


@api.get("/services", response={200: list[ServiceOut], **ERRORS}, tags=["services"])
def services(request: HttpRequest) -> list[dict[str, Any]]:
    require_scope(request, "services:read")
    return [_service_out(service) for service in service_list()]


@api.get("/services/{slug}", response={200: ServiceOut, **ERRORS}, tags=["services"])
def service(request: HttpRequest, slug: str) -> dict[str, Any]:
    require_scope(request, "services:read")
    return _service_out(service_get(slug=slug))


@api.get(
    "/services/{slug}/form", response={200: FormOut, **ERRORS}, tags=["services"], by_alias=True
)
def service_form(request: HttpRequest, slug: str) -> dict[str, Any]:
    """The current version's form: the JSON Schema answers must satisfy, and its UI hints."""
    require_scope(request, "services:read")
    found = service_get(slug=slug)
    version = found.current_version
    form = version.definition["form"]  # type: ignore[union-attr]
    return {"service": found.slug, "version": version.number, "schema": form["schema"],  # type: ignore[union-attr]
            "ui": form.get("ui", {})}  # fmt: skip


# Cases


@api.post("/cases", response={201: CaseOut, **ERRORS, 409: Problem}, tags=["cases"])
def case_create(request: HttpRequest, body: CaseIn) -> HttpResponse:
    """Submit a case for any service. Send `Idempotency-Key` to make retries safe."""
    client = require_scope(request, "cases:write")

    def create() -> tuple[int, dict[str, Any]]:
        try:
            found = service_get(slug=body.service)
        except NotFound:
            raise InvalidInput([FieldError("service", f"no service {body.service!r}")]) from None
        contact = body.contact.model_dump(exclude_none=True) if body.contact else None
        case = case_services.case_submit(
            service=found, data=body.data, actor=client, channel=Channel.API, contact=contact
        )
        return 201, _case_out(case)

    return idempotency.respond(request, client, create, _with_etag)


@api.get("/cases", response={200: CasePage, **ERRORS}, tags=["cases"])
def case_list(
    request: HttpRequest,
    service: str = "",
    state: str = "",
    status: str = Query("", description="`open` or `closed`"),
    department: str = "",
    submitted_after: dt.datetime | None = None,
    submitted_before: dt.datetime | None = None,
    cursor: str = "",
    limit: int = Query(50, ge=1, le=100),
) -> HttpResponse:
    """Cases this client may see, newest first, a page at a time."""
    client = require_scope(request, "cases:read")
    found = cases.visible_cases(actor=client)
    if service:
        found = found.filter(service__slug=service)
    if state:
        found = found.filter(state=state)
    if status not in ("", "open", "closed"):
        raise ApiProblem(422, "status: use `open` or `closed`")
    if status:
        found = found.filter(closed_at__isnull=status == "open")
    if department:
        found = found.filter(department__slug=department)
    if submitted_after:
        found = found.filter(submitted_at__gt=submitted_after)
    if submitted_before:
        found = found.filter(submitted_at__lt=submitted_before)
    if cursor:
        moment, last = _decode_cursor(cursor)
        found = found.filter(submitted_at__lte=moment).exclude(submitted_at=moment, pk__gte=last)
    # Plain rows, not model instances: a page of 100 cases is read and sent in a few ms.
    rows = list(found.order_by("-submitted_at", "-pk").values(*_ROW)[: limit + 1])
    following = None
    if len(rows) > limit:
        rows = rows[:limit]
        following = _encode_cursor(rows[-1]["submitted_at"], rows[-1]["pk"])
    items = [_row_out(row) for row in rows]
    return idempotency.json_response(200, {"items": items, "next_cursor": following})


@api.get("/cases/{reference}", response={200: CaseOut, **ERRORS}, tags=["cases"])
def case_detail(request: HttpRequest, reference: str) -> HttpResponse:
    client = require_scope(request, "cases:read")
    case = cases.case_get(reference=reference, actor=client)
    access_record_case_read(case=case, actor=client)  # on the applicant's "Who has used my data"
    return _with_etag(200, _case_out(case))


@api.get("/cases/{reference}/timeline", response={200: list[EventOut], **ERRORS}, tags=["cases"])
def case_timeline(request: HttpRequest, reference: str) -> list[dict[str, Any]]:
    client = require_scope(request, "cases:read")
    case = cases.case_get(reference=reference, actor=client)
    return [_event_out(event) for event in cases.case_timeline(case=case, actor=client)]


@api.post(
    "/cases/{reference}/transitions",
    response={200: CaseOut, **ERRORS, 409: Problem, 412: Problem},
    tags=["cases"],
)
def case_transition(request: HttpRequest, reference: str, body: TransitionIn) -> HttpResponse:
    """Move the case along its workflow. Send `If-Match` with its ETag to refuse stale writes."""
    client = require_scope(request, "cases:transition")
    expected = _if_match(request)

    def transition() -> tuple[int, dict[str, Any]]:
        case = cases.case_get(reference=reference, actor=client)
        moved = case_services.case_transition(
            case=case, to=body.to, actor=client, reason=body.reason, expected_version=expected
        )
        return 200, _case_out(moved)

    return idempotency.respond(request, client, transition, _with_etag)


@api.post("/cases/{reference}/notes", response={201: EventOut, **ERRORS}, tags=["cases"])
def case_note(request: HttpRequest, reference: str, body: NoteIn) -> HttpResponse:
    client = require_scope(request, "cases:write")

    def note() -> tuple[int, dict[str, Any]]:
        case = cases.case_get(reference=reference, actor=client)
        event = case_services.case_add_note(
            case=case, text=body.text, actor=client, public=body.public
        )
        return 201, _event_out(event)

    return idempotency.respond(request, client, note)


@api.post(
    "/cases/{reference}/information-requests",
    response={201: InformationRequestOut, **ERRORS, 409: Problem},
    tags=["cases"],
)
def case_request_information(
    request: HttpRequest, reference: str, body: InformationRequestIn
) -> HttpResponse:
    """Ask the applicant a question; the case's SLA clock stops until they answer."""
    client = require_scope(request, "cases:write")

    def ask() -> tuple[int, dict[str, Any]]:
        case = cases.case_get(reference=reference, actor=client)
        asked = case_services.case_request_info(case=case, question=body.question, actor=client)
        return 201, {"id": asked.pk, "question": asked.question, "requested_at":
                     asked.requested_at.isoformat(), "answer": "", "answered_at": None}  # fmt: skip

    return idempotency.respond(request, client, ask)


@api.get(
    "/cases/{reference}/attachments", response={200: list[AttachmentOut], **ERRORS}, tags=["cases"]
)
def case_attachments(request: HttpRequest, reference: str) -> list[Any]:
    client = require_scope(request, "cases:read")
    return list(cases.case_get(reference=reference, actor=client).attachments.all())


@api.post(
    "/cases/{reference}/attachments", response={201: list[AttachmentOut], **ERRORS}, tags=["cases"]
)
def case_attach(request: HttpRequest, reference: str, files: File[list[UploadedFile]]) -> Status:
    """Add documents or photos (checked by content: PDF, JPG, PNG, WEBP, HEIC)."""
    client = require_scope(request, "cases:write")
    case = cases.case_get(reference=reference, actor=client)
    return Status(201, case_services.case_attach(case=case, files=files, actor=client))


@api.get(
    "/cases/{reference}/attachments/{attachment_id}",
    response={200: None, **ERRORS},
    tags=["cases"],
    openapi_extra={"responses": {"200": {"description": "The file, as an attachment."}}},
)
def case_attachment(request: HttpRequest, reference: str, attachment_id: int) -> FileResponse:
    client = require_scope(request, "cases:read")
    case = cases.case_get(reference=reference, actor=client)
    found = case.attachments.filter(pk=attachment_id).first()
    if found is None:
        raise NotFound(f"case {case.reference} has no attachment {attachment_id}")
    access_record_case_read(case=case, actor=client, document=found.name)
    response = FileResponse(
        found.file.open("rb"), as_attachment=True, filename=found.name,
        content_type=found.content_type,
    )  # fmt: skip
    response["X-Content-Type-Options"] = "nosniff"
    return response


# Shapes


def _service_out(service: Service) -> dict[str, Any]:
    definition = service.current_version.definition  # type: ignore[union-attr]
    return {
        "slug": service.slug,
        "title": service.title,
        "summary": service.summary,
        "kind": service.kind,
        "group": service.group,
        "department": service.department.slug,
        "version": service.current_version.number,  # type: ignore[union-attr]
        "sla_days": definition["sla"]["days"],
        "sla_calendar": definition["sla"].get("calendar", "working"),
    }


def _case_out(case: Case) -> dict[str, Any]:
    row = {name: getattr(case, name) for name in _ROW if "__" not in name}
    row.update(
        {
            "service__slug": case.service.slug,
            "service_version__number": case.service_version.number,
            "department__slug": case.department.slug,
            "assignee__username": case.assignee.username if case.assignee else None,
        }
    )
    return _row_out(row)


_ROW = (
    "pk", "reference", "service__slug", "service_version_id", "service_version__number",
    "state", "outcome", "priority", "channel", "department__slug", "assignee__username",
    "submitted_at", "due_at", "closed_at", "awaiting_info_since", "flagged", "flag_reason",
    "latitude", "longitude", "address", "data", "version", "updated_at",
)  # fmt: skip
_STATE_LABELS: dict[int, dict[str, str]] = {}


def _row_out(row: dict[str, Any]) -> dict[str, Any]:
    """`_case_out` for a `.values(*_ROW)` row: the same shape, without building models."""
    version_id = row["service_version_id"]
    if version_id not in _STATE_LABELS:  # versions are immutable: read each once
        _STATE_LABELS[version_id] = ServiceVersion.objects.get(pk=version_id).workflow.labels
    has_place = row["latitude"] is not None or row["address"]
    return {
        "reference": row["reference"],
        "service": row["service__slug"],
        "service_version": row["service_version__number"],
        "state": row["state"],
        "state_label": _STATE_LABELS[version_id].get(row["state"], row["state"]),
        "outcome": row["outcome"],
        "priority": row["priority"],
        "channel": row["channel"],
        "department": row["department__slug"],
        "assignee": row["assignee__username"],
        "submitted_at": row["submitted_at"],
        "due_at": row["due_at"],
        "closed_at": row["closed_at"],
        "awaiting_information": row["awaiting_info_since"] is not None,
        "flagged": row["flagged"],
        "flag_reason": row["flag_reason"],
        "location": {
            "latitude": row["latitude"],
            "longitude": row["longitude"],
            "address": row["address"],
        }
        if has_place
        else None,
        "data": row["data"],
        "version": row["version"],
        "updated_at": row["updated_at"],
    }


def _event_out(event: CaseEvent) -> dict[str, Any]:
    return {
        "id": event.pk,
        "kind": event.kind,
        "created_at": event.created_at,
        "actor_role": event.actor_role,
        "actor": str(event.actor) if event.actor else event.actor_label,
        "public": event.public,
        "data": event.data,
    }


def _with_etag(status: int, body: dict[str, Any]) -> HttpResponse:
    response = idempotency.json_response(status, body)
    if "version" in body and "reference" in body:
        response["ETag"] = f'"{body["reference"]}-v{body["version"]}"'
    return response


def _if_match(request: HttpRequest) -> int | None:
    header = request.headers.get("If-Match", "").strip()
    if not header or header == "*":
        return None
    tag = header.removeprefix("W/").strip('"')
    try:
        return int(tag.rsplit("-v", 1)[-1])
    except ValueError:
        raise ApiProblem(
            412, 'If-Match must be the ETag of the case, like "PTH-2026-000001-v3"'
        ) from None


def _encode_cursor(submitted_at: dt.datetime, pk: int) -> str:
    raw = f"{submitted_at.isoformat()}|{pk}"
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def _decode_cursor(cursor: str) -> tuple[dt.datetime, int]:
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        moment, pk = raw.split("|")
        return dt.datetime.fromisoformat(moment), int(pk)
    except (ValueError, UnicodeDecodeError):
        raise ApiProblem(422, "cursor: not a cursor this API gave out") from None
