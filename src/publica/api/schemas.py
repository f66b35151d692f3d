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


class Problem(Schema):
    type: str
    title: str
    status: int
    detail: str
    instance: str
    errors: list[dict[str, str]] | None = None
