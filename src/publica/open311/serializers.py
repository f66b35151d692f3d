"""Services, cases and timeline events as GeoReport v2 documents (plain lists and dicts).

Nothing here reads the database beyond what the selectors fetched. A request never carries
the reporter's name, email or phone; dates always carry their offset from UTC.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

from django.utils import timezone

from publica.accounts.models import Organisation
from publica.cases.models import Case, CaseEvent
from publica.catalogue.models import Service
from publica.open311 import mapping, statuses
from publica.open311.selectors import Update

__all__ = [
    "SPECIFICATION",
    "discovery",
    "posted_update",
    "request_item",
    "service_definition",
    "service_item",
    "submitted_item",
    "timestamp",
    "update_item",
]

SPECIFICATION = "http://wiki.open311.org/GeoReport_v2"
# A UK postcode at the end of an address (`… Millbrook MB1 2AA`); other countries get none.
_POSTCODE = re.compile(r"\b([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})\s*$", re.IGNORECASE)


def timestamp(moment: dt.datetime | None) -> str | None:
    """W3C date and time in the council's time zone, with its offset."""
    if moment is None:
        return None
    return timezone.localtime(moment).isoformat(timespec="seconds")


def discovery(
    *, url: str, organisation: Organisation | None, changeset: dt.datetime | None
) -> dict[str, Any]:
    contact = ""
    if organisation is not None:
        reach = [organisation.contact_email, organisation.contact_phone]
        contact = ", ".join([organisation.name, *(part for part in reach if part)])
    changed = timestamp(changeset)
    return {
        "changeset": changed,
        "contact": contact,
        "key_service": (
            "Ask the council for an API key with the open311:write scope "
            "(an administrator creates it with `publica apikeys create`)."
        ),
        "endpoints": [
            {
                "specification": SPECIFICATION,
                "url": url,
                "changeset": changed,
                "type": "production",
                "formats": ["text/xml", "application/json"],
            }
        ],
    }


def service_item(service: Service) -> dict[str, Any]:
    definition = _definition(service)
    return {
        "service_code": service.slug,
        "service_name": service.title,
        "description": service.summary,
        "metadata": bool(mapping.attributes(definition["form"])),
        "type": "realtime",
        "keywords": ", ".join(str(word) for word in definition.get("keywords", [])),
        "group": service.group,
    }


def service_definition(service: Service) -> dict[str, Any]:
    return {
        "service_code": service.slug,
        "attributes": [
            _attribute(each) for each in mapping.attributes(_definition(service)["form"])
        ],
    }


def request_item(case: Case) -> dict[str, Any]:
    """One request for the public: what, where, how far along; never who reported it."""
    location = case.data.get("location") or {}
    workflow = case.service_version.workflow
    return {
        "service_request_id": case.reference,
        "status": statuses.basic(closed=case.closed_at is not None),
        "extended_status": statuses.extended(
            state=case.state, outcome=case.outcome, initial=workflow.initial
        ),
        "status_notes": _status_notes(case),
        "service_name": case.service.title,
        "service_code": case.service.slug,
        "description": str(case.data.get("description", "")),
        "agency_responsible": case.department.name,
        "service_notice": _service_notice(case.service_version.definition),
        "requested_datetime": timestamp(case.submitted_at),
        "updated_datetime": timestamp(case.updated_at),
        "expected_datetime": timestamp(case.due_at),
        "address": case.address,
        "address_id": str(location.get("address_id", "")) if isinstance(location, dict) else "",
        "zipcode": _zipcode(case.address),
        "lat": case.latitude,
        "long": case.longitude,
        "media_url": str(case.data.get("media_url", "")),
    }


def submitted_item(case: Case) -> dict[str, Any]:
    """The answer to a POST: Publica gives the id at once, so never a token."""
    return {
        "service_request_id": case.reference,
        "service_notice": _service_notice(case.service_version.definition),
        "account_id": None,
    }


def update_item(update: Update) -> dict[str, Any]:
    """One public event as FixMyStreet reads an update; `status` is the extended status."""
    event, case = update.event, update.event.case
    workflow = case.service_version.workflow
    return {
        "update_id": str(event.pk),
        "service_request_id": case.reference,
        "status": statuses.extended(
            state=update.state,
            outcome=workflow.outcomes.get(update.state, ""),
            initial=workflow.initial,
        ),
        "external_status_code": update.state,
        "description": _update_text(event),
        "updated_datetime": timestamp(event.created_at),
        "media_url": "",
    }


def posted_update(event: CaseEvent) -> dict[str, Any]:
    return {"update_id": str(event.pk)}


def _definition(service: Service) -> dict[str, Any]:
    version = service.current_version
    assert version is not None, "service_list() returns only services with a version"
    return dict(version.definition)


def _attribute(attribute: mapping.Attribute) -> dict[str, Any]:
    item: dict[str, Any] = {
        "variable": True,
        "code": attribute.code,
        "datatype": attribute.datatype,
        "required": attribute.required,
        "datatype_description": attribute.datatype_description or None,
        "order": attribute.order,
        "description": attribute.description,
    }
    if attribute.datatype in ("singlevaluelist", "multivaluelist"):
        item["values"] = [{"key": key, "name": name} for key, name in attribute.values]
    return item


def _status_notes(case: Case) -> str:
    """The public message of the step into the current state, else that state's label."""
    moves: list[CaseEvent] = getattr(case, "transitions", None) or []
    if moves and moves[-1].data.get("message"):
        return str(moves[-1].data["message"])
    return case.state_label


def _service_notice(definition: dict[str, Any]) -> str:
    terms = definition.get("sla") or {}
    days = terms.get("days")
    if not days:
        return ""
    kind = "working days" if terms.get("calendar", "working") == "working" else "days"
    return f"We aim to deal with reports like this within {days} {kind}."


def _update_text(event: CaseEvent) -> str:
    data = event.data
    if event.kind == CaseEvent.Kind.TRANSITIONED:
        parts = [data.get("message") or data.get("label") or "", data.get("reason") or ""]
        return "\n\n".join(str(part) for part in parts if part)
    if event.kind == CaseEvent.Kind.INFO_REQUESTED:
        return str(data.get("question", ""))
    return str(data.get("text", ""))


def _zipcode(address: str) -> str:
    found = _POSTCODE.search(address or "")
    return f"{found.group(1)} {found.group(2)}".upper() if found else ""
