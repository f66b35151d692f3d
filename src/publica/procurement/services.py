"""Writes for procurement: plan or publish a tender, amend it, award it, sign the contract,
and end the contract. Each call checks every field (InvalidInput names each one at fault),
makes its change and writes the OCDS release for it in one transaction, so nothing is
published half-done and nothing changes without its release.

An award, and a contract's early termination, are official decisions: they also go onto the
transparency ledger, as case decisions do, with the ocid as the case reference, the acting
role and a digest of the release; no names.

Who may act: an admin, or a supervisor of the buying department. Procurement commits public
money, so it takes the role that already answers for a department's work.
"""

from __future__ import annotations

import datetime as dt
import secrets
import zoneinfo
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, ParamSpec, TypeVar

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from publica.accounts.models import Department, User
from publica.accounts.roles import AUTOMATION, Role
from publica.core import clock
from publica.core.actors import Actor, ApiClient, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied, TransitionNotAllowed
from publica.ledger import entries as ledger_entries
from publica.ledger.services import ledger_append
from publica.procurement import ocds, rules, selectors
from publica.procurement.models import (
    Award,
    AwardStatus,
    Contract,
    ContractEnding,
    ContractingProcess,
    ContractStatus,
    MainCategory,
    ProcurementMethod,
    Release,
    Supplier,
    Tender,
    TenderAmendment,
    TenderItem,
    TenderStatus,
)

__all__ = [
    "ItemIn",
    "SupplierIn",
    "contract_complete",
    "contract_sign",
    "contract_terminate",
    "ocid_prefix",
    "tender_amend",
    "tender_award",
    "tender_create",
    "tender_publish",
]

#: The ledger's `service` for procurement decisions, and the version of how they are recorded.
LEDGER_SERVICE = "procurement"
LEDGER_SERVICE_VERSION = 1
T = TypeVar("T")
P = ParamSpec("P")


@dataclass(frozen=True)
class ItemIn:
    """One line of a tender as typed: what, how many, and its CPV code where known."""

    description: str
    quantity: Decimal | str | None = None
    unit: str = ""
    classification_id: str = ""
    classification_description: str = ""
    classification_scheme: str = "CPV"


@dataclass(frozen=True)
class SupplierIn:
    """A supplier as typed: its registered name and number, and a role mailbox."""

    name: str
    identifier: str
    scheme: str = "GB-COH"
    address: str = ""
    postal_code: str = ""
    contact_email: str = ""


def ocid_prefix() -> str:
    """PUBLICA_OCDS_PREFIX, read when a process is created (never at import)."""
    value = settings.PUBLICA_OCDS_PREFIX
    try:
        return rules.ocid_prefix(value)
    except rules.Problem as exc:
        raise ImproperlyConfigured(str(exc)) from None


# Tenders


@transaction.atomic
def tender_create(
    *,
    buyer: Department | None,
    title: str,
    description: str,
    value_amount: Decimal | str | None,
    procurement_method: str,
    main_category: str,
    currency: str = "GBP",
    planned: bool = False,
    period_start: dt.datetime | str | None = None,
    period_end: dt.datetime | str | None = None,
    items: Sequence[ItemIn] = (),
    actor: Actor,
) -> ContractingProcess:
    """Start a contracting process with its tender: `planned` (release tag `planning`), or
    open for bids now (tag `tender`), which needs the date bids close."""
    if buyer is not None:
        _require_buyer(actor, buyer)
    errors: list[FieldError] = []
    if buyer is None:
        errors.append(FieldError("buyer", "Choose the department buying"))
    fields = _tender_fields(
        errors, title=title, description=description, value_amount=value_amount,
        currency=currency, procurement_method=procurement_method, main_category=main_category,
    )  # fmt: skip
    period = _tender_period(errors, period_start, period_end, required=not planned)
    lines = _items(errors, items)
    if errors:
        raise InvalidInput(errors)
    assert buyer is not None
    now = clock.now()
    process = ContractingProcess.objects.create(
        ocid=secrets.token_hex(16), buyer=buyer, ledger_key=secrets.token_hex(32),
        created_at=now, updated_at=now,
    )  # fmt: skip
    process.ocid = f"{ocid_prefix()}-{process.pk:06d}"
    process.save(update_fields=["ocid"])
    status = TenderStatus.PLANNED if planned else TenderStatus.ACTIVE
    tender = Tender.objects.create(process=process, status=status, **fields, **period)
    TenderItem.objects.bulk_create(
        [TenderItem(tender=tender, number=n, **line) for n, line in enumerate(lines, start=1)]
    )
    _publish(process, ["planning"] if planned else ["tender"])
    return process


@transaction.atomic
def tender_publish(
    *,
    process: ContractingProcess,
    period_end: dt.datetime | str | None,
    period_start: dt.datetime | str | None = None,
    actor: Actor,
) -> ContractingProcess:
    """Open a planned tender for bids until `period_end` (tag `tender`)."""
    process = _lock(process, actor)
    tender = process.tender
    if tender.status != TenderStatus.PLANNED:
        raise TransitionNotAllowed(
            f"the tender of {process.ocid} is not planned but {tender.status}"
        )
    errors: list[FieldError] = []
    period = _tender_period(errors, period_start, period_end, required=True)
    if errors:
        raise InvalidInput(errors)
    tender.status = TenderStatus.ACTIVE
    for name, value in period.items():
        setattr(tender, name, value)
    tender.save(update_fields=["status", *period])
    _publish(process, ["tender"])
    return process


@transaction.atomic
def tender_amend(
    *,
    process: ContractingProcess,
    rationale: str,
    title: str | None = None,
    description: str | None = None,
    value_amount: Decimal | str | None = None,
    period_end: dt.datetime | str | None = None,
    actor: Actor,
) -> ContractingProcess:
    """Change an open tender (only what is given) and say why: tag `tenderAmendment`, and the
    tender's amendments list names the release it amends."""
    process = _lock(process, actor)
    tender = process.tender
    if tender.status != TenderStatus.ACTIVE:
        raise TransitionNotAllowed(
            f"only an open tender can be amended; {process.ocid} is {tender.status}"
        )
    errors: list[FieldError] = []
    reason = _check(
        errors,
        "rationale",
        rules.text,
        rationale,
        what="why the tender changes",
        longest=1000,
    )
    changes: dict[str, Any] = {}
    if title is not None:
        changes["title"] = _check(errors, "title", rules.text, title, what="the title", longest=200)
    if description is not None:
        changes["description"] = _check(
            errors,
            "description",
            rules.text,
            description,
            what="the description",
            longest=4000,
        )
    if value_amount is not None:
        changes["value_amount"] = _check(
            errors, "value_amount", rules.money, value_amount, what="the estimated value"
        )
    if period_end is not None:
        end = _check(
            errors,
            "period_end",
            rules.moment,
            period_end,
            what="when bids close",
            zone=_zone(),
        )
        if end is not None and tender.period_start is not None and end <= tender.period_start:
            errors.append(FieldError("period_end", "Bids must close after they open"))
        changes["period_end"] = end
    if not errors and not changes:
        errors.append(
            FieldError(
                "title", "Change at least one thing: the title, description, value or closing date"
            )
        )
    if errors:
        raise InvalidInput(errors)
    for name, value in changes.items():
        setattr(tender, name, value)
    tender.save(update_fields=list(changes))
    amends = releases_latest_id(process)
    TenderAmendment.objects.create(
        tender=tender, number=tender.amendments.count() + 1, date=clock.now(),
        rationale=reason or "", amends_release_id=amends, release_id=_next_release_id(process),
    )  # fmt: skip
    _publish(process, ["tenderAmendment"])
    return process


# Awards and contracts


@transaction.atomic
def tender_award(
    *,
    process: ContractingProcess,
    title: str,
    value_amount: Decimal | str | None,
    suppliers: Sequence[SupplierIn],
    currency: str = "GBP",
    date: dt.datetime | str | None = None,
    actor: Actor,
) -> Award:
    """Award the tender to one or more suppliers (tag `award`); the tender is then complete.
    The award is a decision, so it goes on the ledger in this transaction."""
    process = _lock(process, actor)
    role = _require_buyer(actor, process.buyer)
    tender = process.tender
    if tender.status not in (TenderStatus.ACTIVE, TenderStatus.COMPLETE):
        raise TransitionNotAllowed(
            f"only an open tender can be awarded; {process.ocid} is {tender.status}"
        )
    errors: list[FieldError] = []
    clean: dict[str, Any] = {
        "title": _check(errors, "title", rules.text, title, what="the award's title", longest=200),
        "value_amount": _check(
            errors, "value_amount", rules.money, value_amount, what="the value awarded"
        ),
        "currency": _check(errors, "currency", rules.currency, currency),
    }
    when = _check(
        errors,
        "date",
        rules.moment,
        date,
        what="the award date",
        zone=_zone(),
        required=False,
    )
    checked = _suppliers(errors, suppliers)
    if errors:
        raise InvalidInput(errors)
    rows = [_supplier_upsert(supplier) for supplier in checked]
    award = Award.objects.create(
        process=process, number=process.awards.count() + 1, status=AwardStatus.ACTIVE,
        date=when or clock.now(), **clean,
        supplier_names="; ".join(s.name for s in rows)[:1000],
        supplier_ids="; ".join(s.party_id for s in rows)[:500],
    )  # fmt: skip
    award.suppliers.set(rows)
    before = tender.status
    tender.status = TenderStatus.COMPLETE
    tender.save(update_fields=["status"])
    release = _publish(process, ["award"])
    _record_decision(process, release, role, before, "awarded", outcome="awarded")
    return award


@transaction.atomic
def contract_sign(
    *,
    award: Award,
    title: str,
    value_amount: Decimal | str | None,
    period_start: dt.date | str | None,
    period_end: dt.date | str | None,
    date_signed: dt.date | str | None,
    currency: str | None = None,
    actor: Actor,
) -> Contract:
    """Record the contract signed for an award, in force from its start (tag `contract`).
    The currency is the award's unless given."""
    process = _lock(award.process, actor)
    award = Award.objects.get(pk=award.pk)
    if award.status != AwardStatus.ACTIVE:
        raise TransitionNotAllowed(f"award {award.ocds_id} is {award.status}, not active")
    errors: list[FieldError] = []
    clean: dict[str, Any] = {
        "title": _check(
            errors, "title", rules.text, title, what="the contract's title", longest=200
        ),
        "value_amount": _check(
            errors, "value_amount", rules.money, value_amount, what="the contract's value"
        ),
        "currency": _check(errors, "currency", rules.currency, currency or award.currency),
    }
    start = _check(errors, "period_start", rules.day, period_start, what="the start date")
    end = _check(errors, "period_end", rules.day, period_end, what="the end date")
    signed = _check(errors, "date_signed", rules.day, date_signed, what="the date it was signed")
    if start and end and end < start:
        errors.append(FieldError("period_end", "The end date must be on or after the start date"))
    if signed and signed > clock.now().date():
        errors.append(FieldError("date_signed", "The date signed cannot be in the future"))
    if errors:
        raise InvalidInput(errors)
    dates = {"period_start": start, "period_end": end, "date_signed": signed}
    contract = Contract.objects.create(
        process=process, award=award, number=process.contracts.count() + 1,
        status=ContractStatus.ACTIVE, **clean, **dates,
    )  # fmt: skip
    _publish(process, ["contract"])
    return contract


@transaction.atomic
def contract_complete(
    *, contract: Contract, ended_on: dt.date | str | None, actor: Actor
) -> Contract:
    """The contract ran its course (tag `contractTermination`; OCDS calls it terminated)."""
    return _contract_end(contract, ContractEnding.COMPLETED, ended_on, "", actor)


@transaction.atomic
def contract_terminate(
    *, contract: Contract, ended_on: dt.date | str | None, reason: str, actor: Actor
) -> Contract:
    """End a contract early, with the reason (kept on the process page, not in the ledger).
    Ending a contract early is a decision, so it goes on the ledger."""
    return _contract_end(contract, ContractEnding.TERMINATED_EARLY, ended_on, reason, actor)


def _contract_end(
    contract: Contract, ending: str, ended_on: dt.date | str | None, reason: str, actor: Actor
) -> Contract:
    process = _lock(contract.process, actor)
    role = _require_buyer(actor, process.buyer)
    contract = Contract.objects.get(pk=contract.pk)
    if contract.status != ContractStatus.ACTIVE:
        raise TransitionNotAllowed(
            f"contract {contract.ocds_id} is {contract.status}, not in force"
        )
    errors: list[FieldError] = []
    end = _check(errors, "ended_on", rules.day, ended_on, what="the date it ended")
    why = ""
    if ending == ContractEnding.TERMINATED_EARLY:
        why = (
            _check(
                errors,
                "reason",
                rules.text,
                reason,
                what="why it was ended early",
                longest=1000,
            )
            or ""
        )
    if end and end < contract.period_start:
        errors.append(FieldError("ended_on", "The contract cannot end before it started"))
    if end and end > clock.now().date():
        errors.append(FieldError("ended_on", "The end date cannot be in the future"))
    if errors:
        raise InvalidInput(errors)
    contract.status, contract.ending, contract.ended_on = ContractStatus.TERMINATED, ending, end
    contract.ending_reason = why
    contract.save(update_fields=["status", "ending", "ended_on", "ending_reason"])
    release = _publish(process, ["contractTermination"])
    if ending == ContractEnding.TERMINATED_EARLY:
        _record_decision(process, release, role, "active", "terminated", outcome="terminated-early")
    return contract


# The steps every write shares


def _require_buyer(actor: Actor, department: Department) -> str:
    """The role the actor acts in for this department's procurement, or PermissionDenied."""
    if isinstance(actor, SystemActor):
        return AUTOMATION
    if isinstance(actor, ApiClient) and actor.department_id in (None, department.pk):
        return actor.role
    if isinstance(actor, User):
        if actor.role == Role.ADMIN:
            return str(Role.ADMIN)
        if actor.role == Role.SUPERVISOR and actor.department_id == department.pk:
            return str(Role.SUPERVISOR)
    raise PermissionDenied(
        f"Only an admin or a supervisor of {department.name} may change its procurement."
    )


def _lock(process: ContractingProcess, actor: Actor) -> ContractingProcess:
    """The process, its row locked for this transaction, once the actor may change it."""
    locked = (
        ContractingProcess.objects.select_for_update(of=("self",))
        .select_related("tender", "buyer")
        .get(pk=process.pk)
    )
    _require_buyer(actor, locked.buyer)
    return locked


def releases_latest_id(process: ContractingProcess) -> str:
    latest = Release.objects.filter(process=process).order_by("-sequence").first()
    return latest.release_id if latest else ""


def _next_release_id(process: ContractingProcess) -> str:
    return f"{process.ocid}-{Release.objects.filter(process=process).count() + 1:03d}"


def _publish(process: ContractingProcess, tags: list[str]) -> Release:
    """Write the release for the change just made: the process's whole state, as of now."""
    now = clock.now()
    sequence = Release.objects.filter(process=process).count() + 1
    release_id = f"{process.ocid}-{sequence:03d}"
    facts = selectors.process_facts(selectors.process_get(ocid=process.ocid))
    data = ocds.release(facts, release_id=release_id, date=now, tags=tags)
    ContractingProcess.objects.filter(pk=process.pk).update(updated_at=now)
    return Release.objects.create(
        process=process, ocid=process.ocid, release_id=release_id, sequence=sequence,
        date=now, tags=tags, data=data,
    )  # fmt: skip


def _record_decision(
    process: ContractingProcess,
    release: Release,
    role: str,
    before: str,
    after: str,
    *,
    outcome: str,
) -> None:
    """The decision's ledger entry: the ocid, the role, and the release's digest under the
    process's (public) key, so anyone can check the entry against the published release."""
    ledger_append(
        kind="automated-decision" if role == AUTOMATION else "decision",
        case=process.ocid, service=LEDGER_SERVICE, service_version=LEDGER_SERVICE_VERSION,
        from_state=before, to_state=after, outcome=outcome, role=role,
        digest=ledger_entries.data_digest(process.ledger_key, release.data), at=release.date,
    )  # fmt: skip


# Checks


def _check(
    errors: list[FieldError], field: str, rule: Callable[P, T], *args: P.args, **kwargs: P.kwargs
) -> T | None:
    """The rule's clean value, or None with the rule's problem added to `errors` as `field`."""
    try:
        return rule(*args, **kwargs)
    except rules.Problem as exc:
        errors.append(FieldError(field, str(exc)))
        return None


def _zone() -> dt.tzinfo:
    return zoneinfo.ZoneInfo(settings.TIME_ZONE)


def _tender_fields(errors: list[FieldError], **typed: Any) -> dict[str, Any]:
    methods, categories = ProcurementMethod.values, MainCategory.values
    rule: dict[str, Callable[[], Any]] = {
        "title": lambda: rules.text(typed["title"], what="the title", longest=200),
        "description": lambda: rules.text(
            typed["description"], what="a description of what is bought", longest=4000
        ),
        "value_amount": lambda: rules.money(typed["value_amount"], what="the estimated value"),
        "currency": lambda: rules.currency(typed["currency"]),
        "procurement_method": lambda: rules.choice(
            typed["procurement_method"], methods, what="how suppliers are chosen"
        ),
        "main_category": lambda: rules.choice(
            typed["main_category"], categories, what="whether it is goods, works or services"
        ),
    }
    return {field: _check(errors, field, check) for field, check in rule.items()}


def _tender_period(
    errors: list[FieldError],
    start: dt.datetime | str | None,
    end: dt.datetime | str | None,
    *,
    required: bool,
) -> dict[str, dt.datetime | None]:
    """When bids open (now, unless given) and close; closing is needed to open a tender."""
    opens = _check(
        errors,
        "period_start",
        rules.moment,
        start,
        what="when bids open",
        zone=_zone(),
        required=False,
    )
    closes = _check(
        errors,
        "period_end",
        rules.moment,
        end,
        what="when bids close",
        zone=_zone(),
        required=required,
    )
    if required and opens is None and not any(e.field == "period_start" for e in errors):
        opens = clock.now()
    if opens and closes and closes <= opens:
        errors.append(FieldError("period_end", "Bids must close after they open"))
    return {"period_start": opens, "period_end": closes}


def _items(errors: list[FieldError], items: Sequence[ItemIn]) -> list[dict[str, Any]]:
    lines = []
    for index, item in enumerate(items):
        at = f"items.{index}"
        description = _check(
            errors,
            f"{at}.description",
            rules.text,
            item.description,
            what="what the item is",
            longest=500,
        )
        quantity = _check(errors, f"{at}.quantity", rules.quantity, item.quantity)
        unit = _check(
            errors,
            f"{at}.unit",
            rules.text,
            item.unit,
            what="the unit",
            longest=60,
            required=False,
        )
        code = _check(
            errors,
            f"{at}.classification_id",
            rules.classification,
            item.classification_scheme,
            item.classification_id,
        )
        label = _check(
            errors,
            f"{at}.classification_description",
            rules.text,
            item.classification_description,
            what="the classification's name",
            longest=300,
            required=False,
        )
        scheme, code_id = code or ("", "")
        lines.append({"description": description or "", "quantity": quantity, "unit": unit or "",
                      "classification_scheme": scheme, "classification_id": code_id,
                      "classification_description": (label or "") if code_id else ""})  # fmt: skip
    return lines


def _suppliers(errors: list[FieldError], suppliers: Sequence[SupplierIn]) -> list[dict[str, str]]:
    if not suppliers:
        errors.append(FieldError("suppliers", "Name at least one supplier"))
        return []
    checked = []
    for index, supplier in enumerate(suppliers):
        at = f"suppliers.{index}"
        name = _check(
            errors,
            f"{at}.name",
            rules.text,
            supplier.name,
            what="the supplier's registered name",
            longest=200,
        )
        scheme = _check(errors, f"{at}.scheme", rules.scheme, supplier.scheme)
        number = _check(
            errors,
            f"{at}.identifier",
            rules.identifier,
            supplier.identifier,
            scheme_code=scheme or "",
        )
        address = _check(
            errors,
            f"{at}.address",
            rules.text,
            supplier.address,
            what="the address",
            longest=300,
            required=False,
        )
        postcode = _check(
            errors,
            f"{at}.postal_code",
            rules.text,
            supplier.postal_code,
            what="the postcode",
            longest=20,
            required=False,
        )
        email = _check(errors, f"{at}.contact_email", rules.email, supplier.contact_email)
        checked.append({"name": name or "", "scheme": scheme or "", "identifier": number or "",
                        "address": address or "", "postal_code": postcode or "",
                        "contact_email": email or ""})  # fmt: skip
    return checked


def _supplier_upsert(fields: dict[str, str]) -> Supplier:
    """The supplier with this identifier, its details brought up to date."""
    supplier, _ = Supplier.objects.update_or_create(
        scheme=fields["scheme"], identifier=fields["identifier"],
        defaults={key: fields[key] for key in ("name", "address", "postal_code", "contact_email")},
    )  # fmt: skip
    return supplier
