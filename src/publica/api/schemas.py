"""The API's input and output shapes. Inputs refuse unknown fields, so typos are errors."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import ConfigDict, Field


class StrictSchema(Schema):
    model_config = ConfigDict(extra="forbid")


class ClientOut(Schema):
    name: str
    scopes: list[str]
    department: str | None = Field(description="Slug of the only department this key sees.")


class ServiceOut(Schema):
    slug: str
    title: str
    summary: str
    kind: Literal["report", "application"]
    group: str
    department: str
    version: int
    sla_days: int
    sla_calendar: Literal["working", "calendar"]


class FormOut(Schema):
    service: str
    version: int
    schema_: dict[str, Any] = Field(alias="schema", description="JSON Schema, Draft 2020-12.")
    ui: dict[str, Any]


class ContactIn(StrictSchema):
    name: str = Field("", max_length=200)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=40)


class CaseIn(StrictSchema):
    service: str = Field(description="The service's slug, e.g. `pothole`.")
    data: dict[str, Any] = Field(description="Answers valid for the service's form schema.")
    contact: ContactIn | None = None


class LocationOut(Schema):
    latitude: float | None
    longitude: float | None
    address: str


class CaseOut(Schema):
    reference: str
    service: str
    service_version: int
    state: str
    state_label: str
    outcome: str
    priority: str
    channel: str
    department: str
    assignee: str | None
    submitted_at: dt.datetime
    due_at: dt.datetime
    closed_at: dt.datetime | None
    awaiting_information: bool
    flagged: bool
    flag_reason: str
    location: LocationOut | None
    data: dict[str, Any]
    version: int = Field(description="Raised by every change; send it back in If-Match.")
    updated_at: dt.datetime


class CasePage(Schema):
    items: list[CaseOut]
    next_cursor: str | None = Field(description="Pass as `cursor` for the next page.")


class EventOut(Schema):
    id: int
    kind: str
    created_at: dt.datetime
    actor_role: str
    actor: str
    public: bool
    data: dict[str, Any]


class TransitionIn(StrictSchema):
    to: str = Field(max_length=50, description="The target state's name.")
    reason: str = Field("", max_length=2000)


class NoteIn(StrictSchema):
    text: str = Field(min_length=1, max_length=10_000)
    public: bool = False


class InformationRequestIn(StrictSchema):
    question: str = Field(min_length=1, max_length=5_000)


class InformationRequestOut(Schema):
    id: int
    question: str
    requested_at: dt.datetime
    answer: str
    answered_at: dt.datetime | None


class AttachmentOut(Schema):
    id: int
    name: str
    content_type: str
    size: int
    sha256: str
    question: str
    created_at: dt.datetime


class CheckpointOut(Schema):
    origin: str = Field(description="The log's name, the first line of its signed note.")
    size: int = Field(description="How many entries the tree held when it was signed.")
    root_hash: str = Field(description="The RFC 9162 Merkle tree hash, base64.")
    signed_at: dt.datetime
    note: str = Field(description="The C2SP signed note, as served at /ledger/checkpoint.")


class LedgerEntryOut(Schema):
    index: int
    kind: Literal[
        "transition",
        "decision",
        "automated-decision",
        "withdrawal",
        "merged",
        "anonymised",
        "access-batch",
    ]
    case: str = Field(description="The case reference; empty for an access-batch entry.")
    recorded_at: dt.datetime
    integrated_at: dt.datetime
    entry: dict[str, Any] = Field(description="The entry itself, parsed from canonical JSON.")
    leaf_hash: str = Field(description="SHA-256 of 0x00 and the entry's bytes, base64.")


class InclusionProofOut(Schema):
    size: int = Field(description="The size of the signed tree the proof reaches.")
    hashes: list[str] = Field(description="RFC 9162 inclusion proof, leaf to root, base64.")
    checkpoint: str = Field(description="The signed note for that size.")


class LedgerEntryProofOut(LedgerEntryOut):
    proof: InclusionProofOut


class ConsistencyOut(Schema):
    first: int
    second: int
    hashes: list[str] = Field(description="RFC 9162 consistency proof, base64.")


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, str]] | None = None
