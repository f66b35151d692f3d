"""Reads of procurement: processes, their releases, the OCDS facts a release is built from,
and the rows of the published datasets. Everything here is public data."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from publica.accounts.models import Department, Organisation
from publica.core.errors import NotFound
from publica.procurement import ocds
from publica.procurement.models import (
    Award,
    Contract,
    ContractingProcess,
    Release,
    Supplier,
    Tender,
)

__all__ = [
    "ReleasePage",
    "contract_rows",
    "process_facts",
    "process_get",
    "process_list",
    "release_page",
    "releases_for",
    "tender_rows",
]


def process_get(*, ocid: str) -> ContractingProcess:
    """The process with this ocid, or NotFound."""
    found = process_list().filter(ocid=ocid).first()
    if found is None:
        raise NotFound(f"no contracting process with ocid {ocid!r}")
    return found


def process_list() -> QuerySet[ContractingProcess]:
    """Every process with its tender, buyer, awards (and suppliers) and contracts loaded."""
    return ContractingProcess.objects.select_related(
        "tender", "buyer", "buyer__organisation"
    ).prefetch_related(
        "tender__items",
        "tender__amendments",
        Prefetch("awards", queryset=Award.objects.prefetch_related("suppliers")),
        Prefetch("contracts", queryset=Contract.objects.select_related("award")),
    )


# Releases


def releases_for(process: ContractingProcess) -> QuerySet[Release]:
    return Release.objects.filter(process=process).order_by("date", "pk")


@dataclass(frozen=True)
class ReleasePage:
    releases: list[Release]
    after: str
    """The cursor of the next page; empty on the last."""


def release_page(*, since: dt.datetime | None, after: str, size: int) -> ReleasePage:
    """Releases oldest first, `size` at a time, from the one after the cursor `after`
    (`<date>_<id>` of the last release on the previous page), dated `since` or later."""
    rows = Release.objects.order_by("date", "pk")
    if since is not None:
        rows = rows.filter(date__gte=since)
    cursor = _cursor(after)
    if cursor is not None:
        date, pk = cursor
        rows = rows.filter(Q(date__gt=date) | Q(date=date, pk__gt=pk))
    found = list(rows[: size + 1])
    more = len(found) > size
    found = found[:size]
    last = found[-1] if more and found else None
    return ReleasePage(found, f"{last.date.isoformat()}_{last.pk}" if last else "")


def _cursor(after: str) -> tuple[dt.datetime, int] | None:
    date_text, _, pk_text = after.rpartition("_")
    try:
        date, pk = dt.datetime.fromisoformat(date_text), int(pk_text)
    except ValueError:
        return None
    return (date, pk) if date.tzinfo is not None else None


# The facts a release is built from


def process_facts(process: ContractingProcess) -> ocds.Process:
    """The process as `ocds.release` takes it: the tender, awards, contracts, and every party.

    The buyer is the department; the procuring entity is the organisation it belongs to."""
    tender: Tender = process.tender
    department: Department = process.buyer
    organisation: Organisation = department.organisation
    buyer = ocds.Party(
        id=f"{organisation.slug}-{department.slug}",
        name=f"{organisation.name}, {department.name}",
        roles=("buyer",),
    )
    procuring_entity = ocds.Party(
        id=organisation.slug,
        name=organisation.name,
        roles=("procuringEntity",),
        email=organisation.contact_email,
        telephone=organisation.contact_phone,
    )
    awards = list(process.awards.all())
    suppliers: dict[str, Supplier] = {}
    for award in awards:
        for supplier in award.suppliers.all():
            suppliers.setdefault(supplier.party_id, supplier)
    return ocds.Process(
        ocid=process.ocid,
        buyer_id=buyer.id,
        procuring_entity_id=procuring_entity.id,
        tender=_tender_facts(process, tender),
        parties=(
            buyer,
            procuring_entity,
            *(_supplier_party(s) for s in sorted(suppliers.values(), key=lambda s: s.party_id)),
        ),
        awards=tuple(_award_facts(process, award) for award in awards),
        contracts=tuple(_contract_facts(process, c) for c in process.contracts.all()),
    )


def _tender_facts(process: ContractingProcess, tender: Tender) -> ocds.Tender:
    return ocds.Tender(
        id=f"{process.ocid}-tender",
        title=tender.title,
        description=tender.description,
        status=tender.status,
        value=ocds.Money(tender.value_amount, tender.currency),
        procurement_method=tender.procurement_method,
        main_category=tender.main_category,
        period_start=tender.period_start,
        period_end=tender.period_end,
        items=tuple(
            ocds.Item(
                id=str(item.number),
                description=item.description,
                quantity=item.quantity,
                unit=item.unit,
                classification_scheme=item.classification_scheme,
                classification_id=item.classification_id,
                classification_description=item.classification_description,
            )
            for item in tender.items.all()
        ),
        amendments=tuple(
            ocds.Amendment(
                id=str(amendment.number),
                date=amendment.date,
                rationale=amendment.rationale,
                amends_release_id=amendment.amends_release_id,
                release_id=amendment.release_id,
            )
            for amendment in tender.amendments.all()
        ),
    )


def _supplier_party(supplier: Supplier) -> ocds.Party:
    return ocds.Party(
        id=supplier.party_id,
        name=supplier.name,
        roles=("supplier",),
        scheme=supplier.scheme,
        identifier=supplier.identifier,
        street_address=supplier.address,
        postal_code=supplier.postal_code,
        email=supplier.contact_email,
    )


def _award_facts(process: ContractingProcess, award: Award) -> ocds.Award:
    return ocds.Award(
        id=f"{process.ocid}-award-{award.number}",
        title=award.title,
        status=award.status,
        date=award.date,
        value=ocds.Money(award.value_amount, award.currency),
        supplier_ids=tuple(sorted(s.party_id for s in award.suppliers.all())),
    )


def _contract_facts(process: ContractingProcess, contract: Contract) -> ocds.Contract:
    return ocds.Contract(
        id=f"{process.ocid}-contract-{contract.number}",
        award_id=f"{process.ocid}-award-{contract.award.number}",
        title=contract.title,
        status=contract.status,
        value=ocds.Money(contract.value_amount, contract.currency),
        period_start=contract.period_start,
        period_end=contract.period_end,
        date_signed=contract.date_signed,
    )


# The published datasets' rows


def tender_rows() -> QuerySet[Tender]:
    return Tender.objects.select_related("process", "process__buyer")


def contract_rows() -> QuerySet[Contract]:
    return Contract.objects.select_related("process", "process__buyer", "award")
