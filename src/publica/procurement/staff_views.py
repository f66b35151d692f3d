"""The back office's procurement pages: the processes, and the forms to publish a tender, award
it and record the signed contract. Each form parses what was typed, calls one service and, on
InvalidInput, shows every error in a GOV.UK error summary beside its field.

Staff may look; admins, and supervisors of the buying department, may act (the services
decide, and say so with PermissionDenied).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.views.decorators.http import require_http_methods

from publica.accounts.models import Department, User
from publica.accounts.roles import Role
from publica.core.errors import (
    FieldError,
    InvalidInput,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
)
from publica.portal.staff import staff_required
from publica.procurement import selectors, services
from publica.procurement.models import (
    AwardStatus,
    ContractingProcess,
    MainCategory,
    ProcurementMethod,
)
from publica.procurement.rules import CURRENCIES


@dataclass(frozen=True)
class Field:
    """One question on a form: the input's name (and id), its label, and how it is asked."""

    name: str
    label: str
    kind: str = "text"  # text, textarea, select, checkbox
    hint: str = ""
    choices: tuple[tuple[str, Any], ...] = ()
    width: str = ""


CURRENCY_CHOICES = tuple((code, code) for code in CURRENCIES)
DATE_HINT = "For example, 2026-04-01"
#: The award form's supplier inputs, by the service's field for them.
SUPPLIER_INPUTS = {
    "suppliers": "supplier_name",
    "suppliers.0.name": "supplier_name",
    "suppliers.0.scheme": "supplier_scheme",
    "suppliers.0.identifier": "supplier_identifier",
    "suppliers.0.address": "supplier_address",
    "suppliers.0.postal_code": "supplier_postal_code",
    "suppliers.0.contact_email": "supplier_email",
}


@staff_required
def process_list(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    processes = selectors.process_list().order_by("-updated_at", "-pk")[:200]
    return render(
        request,
        "procurement/staff/list.html",
        {"processes": processes, "may_publish": _departments(actor).exists()},
    )


@require_http_methods(["GET", "POST"])
@staff_required
def tender_new(request: HttpRequest) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    departments = _departments(actor)
    if not departments.exists():
        return _not_allowed(request)
    fields = [
        Field("buyer", "Buying department", "select",
              choices=tuple((d.slug, d.name) for d in departments)),
        Field("title", "Title", hint="For example, Resurfacing of Mill Road"),
        Field("description", "What is being bought", "textarea"),
        Field("value_amount", "Estimated value", hint="In pounds, like 250000", width="10"),
        Field("currency", "Currency", "select", choices=CURRENCY_CHOICES),
        Field("procurement_method", "Procedure", "select",
              choices=tuple(ProcurementMethod.choices)),
        Field("main_category", "Goods, works or services", "select",
              choices=tuple(MainCategory.choices)),
        Field("period_end", "Bids close", hint="For example, 2026-03-14 12:00", width="20"),
        Field("planned", "Publish as planned only (no closing date yet)", "checkbox"),
        Field("item_description", "Item (optional)", hint="For example, Resurfacing works"),
        Field("item_cpv", "CPV code (optional)", hint="8 digits, like 45233141", width="10"),
    ]  # fmt: skip
    values = _values(request.POST, fields) if request.method == "POST" else {"currency": "GBP"}
    errors: dict[str, str] = {}
    if request.method == "POST":
        items = []
        if values["item_description"] or values["item_cpv"]:
            items.append(
                services.ItemIn(
                    description=values["item_description"], classification_id=values["item_cpv"]
                )
            )
        try:
            process = services.tender_create(
                buyer=departments.filter(slug=values["buyer"]).first(), title=values["title"],
                description=values["description"], value_amount=values["value_amount"],
                currency=values["currency"], procurement_method=values["procurement_method"],
                main_category=values["main_category"], planned=bool(values["planned"]),
                period_end=values["period_end"], items=items, actor=actor,
            )  # fmt: skip
        except InvalidInput as exc:
            errors = _errors(exc.errors, {"items.0.description": "item_description",
                                          "items.0.classification_id": "item_cpv"})  # fmt: skip
        except PermissionDenied:
            return _not_allowed(request)
        else:
            messages.success(request, f"Tender published as {process.ocid}.")
            return redirect("procurement_staff:list")
    return _form(request, "Publish a tender", None, fields, values, errors)


@require_http_methods(["GET", "POST"])
@staff_required
def award_new(request: HttpRequest, ocid: str) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    process = _process(ocid)
    fields = [
        Field("title", "Title of the award"),
        Field("value_amount", "Value awarded", hint="In pounds, like 238500", width="10"),
        Field("supplier_name", "Supplier's registered name"),
        Field("supplier_scheme", "Register", width="10",
              hint="GB-COH for Companies House, GB-CHC for charities"),
        Field("supplier_identifier", "Company or charity number", width="10"),
        Field("supplier_address", "Supplier's address (optional)"),
        Field("supplier_postal_code", "Postcode (optional)", width="10"),
        Field("supplier_email", "Supplier's contact mailbox (optional)",
              hint="A role mailbox, like tenders@example.com; not a person's address"),
    ]  # fmt: skip
    values = (
        _values(request.POST, fields)
        if request.method == "POST"
        else {"title": process.tender.title, "supplier_scheme": "GB-COH"}
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        supplier = services.SupplierIn(
            name=values["supplier_name"], identifier=values["supplier_identifier"],
            scheme=values["supplier_scheme"], address=values["supplier_address"],
            postal_code=values["supplier_postal_code"], contact_email=values["supplier_email"],
        )  # fmt: skip
        try:
            services.tender_award(
                process=process, title=values["title"], value_amount=values["value_amount"],
                suppliers=[supplier], actor=actor,
            )  # fmt: skip
        except InvalidInput as exc:
            errors = _errors(exc.errors, SUPPLIER_INPUTS)
        except PermissionDenied:
            return _not_allowed(request)
        except TransitionNotAllowed as exc:
            messages.error(request, str(exc))
            return redirect("procurement_staff:list")
        else:
            messages.success(request, f"{process.ocid} awarded.")
            return redirect("procurement_staff:list")
    return _form(request, "Award the tender", process, fields, values, errors)


@require_http_methods(["GET", "POST"])
@staff_required
def contract_new(request: HttpRequest, ocid: str) -> HttpResponse:
    actor: User = request.user  # type: ignore[assignment]
    process = _process(ocid)
    award = process.awards.filter(status=AwardStatus.ACTIVE).order_by("-number").first()
    if award is None:
        messages.error(request, f"{process.ocid} has no award to sign a contract for.")
        return redirect("procurement_staff:list")
    fields = [
        Field("title", "Title of the contract"),
        Field("value_amount", "Contract value", hint="In pounds, like 238500", width="10"),
        Field("period_start", "Starts", hint=DATE_HINT, width="10"),
        Field("period_end", "Ends", hint=DATE_HINT, width="10"),
        Field("date_signed", "Signed on", hint=DATE_HINT, width="10"),
    ]
    values = (
        _values(request.POST, fields)
        if request.method == "POST"
        else {"title": award.title, "value_amount": f"{award.value_amount}"}
    )
    errors: dict[str, str] = {}
    if request.method == "POST":
        try:
            services.contract_sign(
                award=award, title=values["title"], value_amount=values["value_amount"],
                period_start=values["period_start"], period_end=values["period_end"],
                date_signed=values["date_signed"], actor=actor,
            )  # fmt: skip
        except InvalidInput as exc:
            errors = _errors(exc.errors, {})
        except PermissionDenied:
            return _not_allowed(request)
        else:
            messages.success(request, f"Contract for {process.ocid} recorded.")
            return redirect("procurement_staff:list")
    return _form(request, "Record the signed contract", process, fields, values, errors)


# Helpers


def _departments(actor: User) -> QuerySet[Department]:
    """The departments whose procurement this person may run."""
    if actor.role == Role.ADMIN:
        return Department.objects.order_by("name")
    if actor.role == Role.SUPERVISOR and actor.department_id is not None:
        return Department.objects.filter(pk=actor.department_id)
    return Department.objects.none()


def _process(ocid: str) -> ContractingProcess:
    try:
        return selectors.process_get(ocid=ocid)
    except NotFound:
        raise Http404 from None


def _values(post: QueryDict, fields: list[Field]) -> dict[str, Any]:
    """What was typed, cut short: what is longer is wrong anyway."""
    return {field.name: post.get(field.name, "").strip()[:4000] for field in fields}


def _errors(errors: list[FieldError], rename: dict[str, str]) -> dict[str, str]:
    """The first error of each field, by the name of the form input it belongs to."""
    found: dict[str, str] = {}
    for error in errors:
        found.setdefault(rename.get(error.field, error.field), error.message)
    return found


def _form(
    request: HttpRequest,
    heading: str,
    process: ContractingProcess | None,
    fields: list[Field],
    values: dict[str, Any],
    errors: dict[str, str],
) -> HttpResponse:
    questions = [
        {"field": field, "value": values.get(field.name, ""), "error": errors.get(field.name, "")}
        for field in fields
    ]
    summary = [
        {"href": f"#{field.name}", "message": errors[field.name]}
        for field in fields
        if field.name in errors
    ]
    summary += [{"href": "#", "message": message} for name, message in errors.items()
                if name not in {field.name for field in fields}]  # fmt: skip
    return render(
        request,
        "procurement/staff/form.html",
        {"heading": heading, "process": process, "questions": questions,
         "error_list": summary, "form_has_errors": bool(summary)},
        status=400 if summary else 200,
    )  # fmt: skip


def _not_allowed(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/message.html",
        {
            "heading": "You cannot change this procurement",
            "text": "Only admins, and supervisors of the buying department, publish tenders, "
            "award them and record contracts. Ask your supervisor.",
        },
        status=403,
    )
