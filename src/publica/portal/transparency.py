"""The public record of decisions: the ledger's signed checkpoint, a case's entries in it,
and how anyone can check both without taking the council's word for it. (The ledger also
seals the access records residents read on "Who has used my data"; those entries name no
case, so a case's search never shows them.)"""

from __future__ import annotations

import base64
import json
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_safe

from publica.catalogue.selectors import service_version_get
from publica.core.errors import NotFound
from publica.ledger import keys
from publica.ledger import selectors as ledger
from publica.ledger.entries import ACCESS_BATCH
from publica.ledger.models import Entry
from publica.portal.forms import LedgerSearchForm

__all__ = ["ledger_page", "plain_entries"]

KINDS = {
    "transition": _("Moved on by staff"),
    "decision": _("Decided by staff"),
    "automated-decision": _("Decided automatically by a rule"),
    "withdrawal": _("Withdrawn by the applicant"),
    "anonymised": _("Personal data removed"),
    "merged": _("Merged into another report"),
    ACCESS_BATCH: _("Access records sealed"),
}
OUTCOMES = {
    "approved": _("Approved"),
    "rejected": _("Rejected"),
    "resolved": _("Resolved"),
    "withdrawn": _("Withdrawn"),
}
ROLES = {
    "caseworker": _("Caseworker"),
    "supervisor": _("Supervisor"),
    "admin": _("Administrator"),
    "applicant": _("Applicant"),
    "automation": _("Automatic rule"),
}


@require_safe
def ledger_page(request: HttpRequest) -> HttpResponse:
    form = LedgerSearchForm(request.GET if "case" in request.GET else None)
    reference, entries = "", None
    if form.is_bound and form.is_valid():
        reference = form.cleaned_data["case"]
        entries = plain_entries(reference)
    checkpoint = ledger.checkpoint_latest()
    checkpoint_url = request.build_absolute_uri(reverse("ledger:checkpoint"))
    errors = form.error_list() if form.is_bound else []
    return render(
        request,
        "portal/transparency_ledger.html",
        {
            "checkpoint": checkpoint,
            "root_hash": base64.b64encode(bytes(checkpoint.root_hash)).decode()
            if checkpoint
            else "",
            "verifier_key": keys.verifier_key(),
            "ledger_url": checkpoint_url.removesuffix("checkpoint"),
            "form": form,
            "reference": reference,
            "entries": entries,
            "errors": errors,
            "form_has_errors": bool(errors),
        },
    )


def plain_entries(reference: str) -> list[dict[str, Any]]:
    """A case's integrated entries in plain words, oldest first."""
    labels: dict[tuple[str, int], dict[str, str]] = {}
    return [_plain(entry, labels) for entry in ledger.entries_for_case(reference)]


def _plain(entry: Entry, labels: dict[tuple[str, int], dict[str, str]]) -> dict[str, Any]:
    body = json.loads(bytes(entry.body))
    if entry.kind == ACCESS_BATCH:  # about no case; shown plainly should one appear
        return {"index": entry.log_index, "kind": KINDS[entry.kind], "from": "", "to": "",
                "outcome": "", "role": ROLES["automation"], "when": entry.recorded_at}  # fmt: skip
    version = (body["service"], body["service_version"])
    if version not in labels:
        labels[version] = _state_labels(*version)
    states = labels[version]
    return {
        "index": entry.log_index,
        "kind": KINDS.get(entry.kind, entry.kind),
        "from": states.get(body["from"], body["from"]),
        "to": states.get(body["to"], body["to"]),
        "outcome": OUTCOMES.get(body["outcome"], body["outcome"]) if body["outcome"] else "",
        "role": ROLES.get(body["role"], body["role"]),
        "when": entry.recorded_at,
    }


def _state_labels(slug: str, number: int) -> dict[str, str]:
    try:
        return service_version_get(slug=slug, number=number).workflow.labels
    except NotFound:
        return {}  # the entry still says which states, by their names
