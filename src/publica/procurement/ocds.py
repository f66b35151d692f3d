"""Open Contracting Data Standard 1.1 documents built from plain facts: releases, compiled
releases, records and the two package kinds. No Django here, and no schema: the shapes are
written out, and the tests check them against the OCDS schema with libcoveocds.

Every release Publica writes carries the whole state of its process at that moment (OCDS
allows a release to repeat what earlier ones said). So the compiled release, the current
state, is the same builder run on the current facts, and merging the releases with any OCDS
merge tool gives that same compiled release.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

__all__ = [
    "VERSION",
    "Amendment",
    "Award",
    "Contract",
    "Item",
    "Money",
    "Party",
    "Process",
    "Tender",
    "amount",
    "compiled_release",
    "linked_release",
    "record",
    "record_package",
    "release",
    "release_package",
    "timestamp",
]

VERSION = "1.1"


@dataclass(frozen=True)
class Money:
    amount: Decimal
    currency: str


@dataclass(frozen=True)
class Party:
    """An organisation taking part: `roles` from OCDS's partyRole codelist. `scheme` and
    `identifier` are its registered identifier (GB-COH and a company number), when it has one."""

    id: str
    name: str
    roles: tuple[str, ...]
    scheme: str = ""
    identifier: str = ""
    street_address: str = ""
    postal_code: str = ""
    country: str = ""
    email: str = ""
    telephone: str = ""


@dataclass(frozen=True)
class Item:
    id: str
    description: str
    quantity: Decimal | None = None
    unit: str = ""
    classification_scheme: str = ""
    classification_id: str = ""
    classification_description: str = ""


@dataclass(frozen=True)
class Amendment:
    id: str
    date: dt.datetime
    rationale: str
    amends_release_id: str
    release_id: str


@dataclass(frozen=True)
class Tender:
    id: str
    title: str
    description: str
    status: str
    value: Money
    procurement_method: str
    main_category: str
    period_start: dt.datetime | None = None
    period_end: dt.datetime | None = None
    items: tuple[Item, ...] = ()
    amendments: tuple[Amendment, ...] = ()


@dataclass(frozen=True)
class Award:
    id: str
    title: str
    status: str
    date: dt.datetime
    value: Money
    supplier_ids: tuple[str, ...]


@dataclass(frozen=True)
class Contract:
    id: str
    award_id: str
    title: str
    status: str
    value: Money
    period_start: dt.date
    period_end: dt.date
    date_signed: dt.date


@dataclass(frozen=True)
class Process:
    """Everything known about one contracting process; `parties` holds every organisation
    the other parts refer to by id (the buyer, the procuring entity, each supplier)."""

    ocid: str
    buyer_id: str
    procuring_entity_id: str
    tender: Tender
    parties: tuple[Party, ...]
    awards: tuple[Award, ...] = ()
    contracts: tuple[Contract, ...] = ()
    language: str = "en"
    initiation_type: str = field(default="tender")

    def party(self, party_id: str) -> Party:
        return next(party for party in self.parties if party.id == party_id)


# Releases and records


def release(
    process: Process, *, release_id: str, date: dt.datetime, tags: Sequence[str]
) -> dict[str, Any]:
    """One release: the process as it stands, published under `release_id` on `date`."""
    document: dict[str, Any] = {
        "ocid": process.ocid,
        "id": release_id,
        "date": timestamp(date),
        "tag": list(tags),
        "initiationType": process.initiation_type,
        "language": process.language,
        "parties": [_party(party) for party in process.parties],
        "buyer": _reference(process.party(process.buyer_id)),
        "tender": _tender(process.tender, process.party(process.procuring_entity_id)),
    }
    if process.awards:
        document["awards"] = [_award(award, process) for award in process.awards]
    if process.contracts:
        document["contracts"] = [_contract(contract) for contract in process.contracts]
    return document


def compiled_release(process: Process, *, date: dt.datetime) -> dict[str, Any]:
    """The current state, tagged `compiled`; `date` is that of the latest release."""
    return release(process, release_id=f"{process.ocid}-compiled", date=date, tags=["compiled"])


def linked_release(*, url: str, date: dt.datetime, tags: Sequence[str]) -> dict[str, Any]:
    """A release in a record by reference: where to get it, when it was published, its tags."""
    return {"url": url, "date": timestamp(date), "tag": list(tags)}


def record(
    *, ocid: str, releases: Iterable[dict[str, Any]], compiled: dict[str, Any]
) -> dict[str, Any]:
    return {"ocid": ocid, "releases": list(releases), "compiledRelease": compiled}


# Packages


@dataclass(frozen=True)
class PackageMetadata:
    """What every package says of itself: where it is, when, by whom, under which licence."""

    uri: str
    published: dt.datetime
    publisher: str
    license: str
    publication_policy: str

    def as_dict(self) -> dict[str, Any]:
        return {
            "uri": self.uri,
            "version": VERSION,
            "publishedDate": timestamp(self.published),
            "publisher": {"name": self.publisher},
            "license": self.license,
            "publicationPolicy": self.publication_policy,
        }


def release_package(
    releases: Iterable[dict[str, Any]], *, metadata: PackageMetadata, next_url: str = ""
) -> dict[str, Any]:
    package = {**metadata.as_dict(), "releases": list(releases)}
    if next_url:
        package["links"] = {"next": next_url}
    return package


def record_package(
    records: Iterable[dict[str, Any]],
    *,
    metadata: PackageMetadata,
    packages: Sequence[str] = (),
    next_url: str = "",
) -> dict[str, Any]:
    """`packages` lists the release packages the records' releases come from."""
    package: dict[str, Any] = {**metadata.as_dict(), "records": list(records)}
    if packages:
        package["packages"] = list(packages)
    if next_url:
        package["links"] = {"next": next_url}
    return package


# Values


def timestamp(moment: dt.datetime | dt.date, *, end_of_day: bool = False) -> str:
    """ISO 8601 in UTC with a `Z`, to the second. A date alone is that day's start in UTC
    (or its last second, with `end_of_day`, for the end of a period)."""
    if not isinstance(moment, dt.datetime):
        clock_time = dt.time(23, 59, 59) if end_of_day else dt.time(0, 0, 0)
        moment = dt.datetime.combine(moment, clock_time, tzinfo=dt.UTC)
    if moment.tzinfo is None:
        raise ValueError("OCDS dates need a time zone")
    return moment.astimezone(dt.UTC).replace(microsecond=0).isoformat().replace("+00:00", "Z")


def amount(value: Decimal) -> int | float:
    """A JSON number, as OCDS wants (a string amount is invalid): whole pounds as integers."""
    return int(value) if value == value.to_integral_value() else float(value)


def _money(money: Money) -> dict[str, Any]:
    return {"amount": amount(money.amount), "currency": money.currency}


def _period(
    start: dt.datetime | dt.date | None, end: dt.datetime | dt.date | None
) -> dict[str, str]:
    period = {}
    if start is not None:
        period["startDate"] = timestamp(start)
    if end is not None:
        period["endDate"] = timestamp(end, end_of_day=True)
    return period


def _reference(party: Party) -> dict[str, str]:
    return {"id": party.id, "name": party.name}


def _party(party: Party) -> dict[str, Any]:
    document: dict[str, Any] = {"id": party.id, "name": party.name, "roles": list(party.roles)}
    if party.scheme and party.identifier:
        document["identifier"] = {
            "scheme": party.scheme,
            "id": party.identifier,
            "legalName": party.name,
        }
    address = {
        key: value
        for key, value in (
            ("streetAddress", party.street_address),
            ("postalCode", party.postal_code),
            ("countryName", party.country),
        )
        if value
    }
    if address:
        document["address"] = address
    contact = {
        key: value
        for key, value in (("email", party.email), ("telephone", party.telephone))
        if value
    }
    if contact:
        document["contactPoint"] = contact
    return document


def _item(item: Item) -> dict[str, Any]:
    document: dict[str, Any] = {"id": item.id, "description": item.description}
    if item.classification_scheme and item.classification_id:
        classification = {"scheme": item.classification_scheme, "id": item.classification_id}
        if item.classification_description:
            classification["description"] = item.classification_description
        document["classification"] = classification
    if item.quantity is not None:
        document["quantity"] = amount(item.quantity)
    if item.unit:
        document["unit"] = {"name": item.unit}
    return document


def _tender(tender: Tender, procuring_entity: Party) -> dict[str, Any]:
    document: dict[str, Any] = {
        "id": tender.id,
        "title": tender.title,
        "description": tender.description,
        "status": tender.status,
        "procuringEntity": _reference(procuring_entity),
        "value": _money(tender.value),
        "procurementMethod": tender.procurement_method,
        "mainProcurementCategory": tender.main_category,
    }
    period = _period(tender.period_start, tender.period_end)
    if period:
        document["tenderPeriod"] = period
    if tender.items:
        document["items"] = [_item(item) for item in tender.items]
    if tender.amendments:
        document["amendments"] = [
            {
                "id": amendment.id,
                "date": timestamp(amendment.date),
                "rationale": amendment.rationale,
                "amendsReleaseID": amendment.amends_release_id,
                "releaseID": amendment.release_id,
            }
            for amendment in tender.amendments
        ]
    return document


def _award(award: Award, process: Process) -> dict[str, Any]:
    return {
        "id": award.id,
        "title": award.title,
        "status": award.status,
        "date": timestamp(award.date),
        "value": _money(award.value),
        "suppliers": [_reference(process.party(pid)) for pid in award.supplier_ids],
    }


def _contract(contract: Contract) -> dict[str, Any]:
    return {
        "id": contract.id,
        "awardID": contract.award_id,
        "title": contract.title,
        "status": contract.status,
        "value": _money(contract.value),
        "period": _period(contract.period_start, contract.period_end),
        "dateSigned": timestamp(contract.date_signed),
    }
