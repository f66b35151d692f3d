"""How to call each URL of the table: its path filled from the world, and what a POST sends."""

from __future__ import annotations

import json
from typing import Any

from django.http import HttpResponse
from django.urls import reverse

from tests.access.world import API, CSRF_TOKEN, PNG, World

#: URL keyword arguments, by URL name, from the world's `args`.
KWARGS: dict[str, Any] = {
    "staff_sensors:thing": lambda a: {"thing_id": a["thing_id"]},
    "staff_sensors:publication": lambda a: {"datastream_id": a["datastream_id"]},
    "procurement_staff:award-new": lambda a: {"ocid": a["ocid"]},
    "procurement_staff:contract-new": lambda a: {"ocid": a["ocid"]},
    "spending_staff:import": lambda a: {"kind": "budget"},
    "spending_staff:project": lambda a: {"slug": a["project"]},
    "spending_staff:project-edit": lambda a: {"slug": a["project"]},
    "spending_staff:milestone": lambda a: {
        "slug": a["project"], "pk": a["milestone"], "action": "complete"
    },
    "staff:passkey-remove": lambda a: {"passkey_id": 999_999},  # nobody's passkey
    "staff:question-reviewed": lambda a: {"question_id": a["question_id"]},
    "staff:triage-decide": lambda a: {"triage_id": a["triage_id"]},
    "staff:review-flag-action": lambda a: {"flag_id": a["flag_id"], "action": "clear"},
    "staff:case": lambda a: {"reference": a["reference"]},
    "staff:attachment": lambda a: {
        "reference": a["reference"], "attachment_id": a["attachment_id"]
    },
    "staff:merge": lambda a: {"reference": a["reference"]},
    "staff:case-action": lambda a: {"reference": a["reference"], "action": "note"},
    "open311:discovery": lambda a: {"fmt": "json"},
    "open311:services": lambda a: {"fmt": "json"},
    "open311:service": lambda a: {"fmt": "json", "service_code": "pothole"},
    "open311:requests": lambda a: {"fmt": "json"},
    "open311:request": lambda a: {"fmt": "json", "service_request_id": a["reference"]},
    "open311:token": lambda a: {"fmt": "json", "token": "T-1"},
    "open311:updates": lambda a: {"fmt": "json"},
    "open311:not-found": lambda a: {"path": "nowhere.json"},
    "ckan3:action": lambda a: {"action": "package_list"},
    "ckan:action": lambda a: {"action": "package_list"},
    "procurement:process-releases": lambda a: {"ocid": a["ocid"]},
    "procurement:process-record": lambda a: {"ocid": a["ocid"]},
    "procurement:process": lambda a: {"ocid": a["ocid"]},
    "spending:project": lambda a: {"slug": a["project"]},
    "opendata:catalogue": lambda a: {"extension": "jsonld"},
    "opendata:dataset": lambda a: {"name": "service-requests"},
    "opendata:download": lambda a: {"name": "service-requests", "extension": "csv"},
    "opendata:dcat": lambda a: {"name": "service-requests", "extension": "jsonld"},
    "opendata:schema": lambda a: {"name": "service-requests"},
    "ledger:proof": lambda a: {"index": 0},
    "ledger:tile": lambda a: {"path": "tile/0/000"},
    "alerts:confirm": lambda a: {"token": a["alert_confirm"]},
    "alerts:manage": lambda a: {"token": a["alert_manage"]},
    "insights:rate": lambda a: {"token": a["rating"]},
    "sensors:resource": lambda a: {"path": "Things"},
    "exchange:revoke": lambda a: {"consent_id": a["consent_id"]},
    "exchange:ask": lambda a: {"slug": "parking-permit"},
    "portal:service": lambda a: {"slug": "pothole"},
    "portal:start": lambda a: {"slug": "pothole"},
    "portal:form-page": lambda a: {"slug": "pothole", "number": 1},
    "portal:check": lambda a: {"slug": "pothole"},
    "portal:possible-duplicates": lambda a: {"slug": "pothole"},
    "portal:report": lambda a: {"reference": a["reference"]},
    "portal:confirmation": lambda a: {"reference": a["reference"]},
    "portal:case": lambda a: {"reference": a["reference"]},
    "portal:withdraw": lambda a: {"reference": a["reference"]},
    "portal:respond": lambda a: {"reference": a["reference"], "request_id": a["request_id"]},
    "portal:attachment": lambda a: {
        "reference": a["reference"], "attachment_id": a["attachment_id"]
    },
    "portal:case-link": lambda a: {"token": a["case_link"]},
    "portal:notification-preferences": lambda a: {"token": a["preferences"]},
    "portal:password-reset-confirm": lambda a: {"uidb64": a["uidb64"], "token": a["reset_token"]},
}  # fmt: skip

#: What a POST sends, by key; form posts also carry the CSRF token. Valid where it matters,
#: so that a refusal is the access rule's and not the form's.
FORMS: dict[str, Any] = {
    "staff:case-action": lambda a: {"text": "Checked on site.", "version": ""},
    "portal:withdraw": lambda a: {"reason": "Fixed already"},
    "portal:respond": lambda a: {"answer": "The north side"},
    "exchange:revoke": lambda a: {},
    "staff:review-flag-action": lambda a: {"note": "Looked at it"},
    "staff:triage-decide": lambda a: {"action": "confirm"},
    "staff_sensors:publication": lambda a: {"public": "true"},
}
JSON: dict[str, Any] = {
    "POST /api/v1/cases": lambda a: {
        "service": "pothole",
        "data": {
            "location": {"latitude": 52.03, "longitude": -0.98, "address": "1 Test Lane"},
            "road_type": "residential",
            "size": "small",
        },
    },
    "POST /api/v1/cases/{reference}/transitions": lambda a: {"to": "inspecting"},
    "POST /api/v1/cases/{reference}/notes": lambda a: {"text": "Checked on site."},
    "POST /api/v1/cases/{reference}/information-requests": lambda a: {"question": "Which side?"},
    "POST /api/v1/webhooks": lambda a: {"name": "mine", "url": "https://hooks.example.org/m"},
    "POST /api/v1/webhooks/{pk}/replay": lambda a: {"since": "2020-01-01T00:00:00Z"},
    # An empty question: 422 shows the door is open without loading the language model.
    "POST /api/v1/assistant/ask": lambda a: {"question": ""},
    "sensors:resource": lambda a: {"name": "Gully 7", "description": "A gully sensor"},
}
#: Ninja path parameters, from the world's `args`.
PATH_ARGS = {"reference": "reference", "attachment_id": "attachment_id", "pk": "webhook"}
NINJA_DEFAULTS = {"slug": "pothole", "index": 0}


def path_for(key: str, world: World) -> str:
    if " " in key:  # a ninja operation: "METHOD /api/v1/path/{param}"
        template = key.split(" ", 1)[1]
        values = {**NINJA_DEFAULTS, **{k: world.args[v] for k, v in PATH_ARGS.items()}}
        return template.format(**values)
    kwargs = KWARGS.get(key, lambda a: {})(world.args)
    return reverse(key, kwargs=kwargs)


def call(world: World, key: str, method: str, principal: str) -> HttpResponse:
    """Make the request `key` with `method` as `principal`; the response, not followed."""
    client = world.client(principal)
    path = path_for(key, world)
    headers = world.headers(principal)
    api_key = world.keys.get(principal, "")
    is_api = principal in API
    if key.startswith("open311:") and api_key:
        path += f"?api_key={api_key}" if method == "GET" else ""
    if method == "GET":
        return client.get(path, headers=headers)
    if method == "DELETE":
        return client.delete(path, headers=headers)
    if key in JSON:
        body = json.dumps(JSON[key](world.args))
        return client.post(path, body, content_type="application/json", headers=headers)
    if key == "POST /api/v1/cases/{reference}/attachments":
        from django.core.files.uploadedfile import SimpleUploadedFile

        upload = SimpleUploadedFile("more.png", PNG, content_type="image/png")
        return client.post(path, {"files": [upload]}, headers=headers)
    data = dict(FORMS.get(key, lambda a: {})(world.args))
    if is_api and api_key:
        data["api_key"] = api_key
    data["csrfmiddlewaretoken"] = CSRF_TOKEN
    return client.post(path, data, headers=headers)
