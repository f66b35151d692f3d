"""Cases, their timeline events and requests for information."""

from __future__ import annotations

import secrets
import uuid
from pathlib import Path
from typing import Any

from django.db import models

from publica.core.fieldkeys import keyring
from publica.core.fields import EncryptedJSONField, EncryptedTextField


def new_ledger_key() -> str:
    return secrets.token_hex(32)


class Priority(models.TextChoices):
    LOW = "low"
    NORMAL = "normal"
    HIGH = "high"
    URGENT = "urgent"


class Channel(models.TextChoices):
    PORTAL = "portal"
    API = "api", "API"
    OPEN311 = "open311"
    SENSOR = "sensor"
    STAFF = "staff", "Staff (phone or counter)"


class Case(models.Model):
    """One report or application, pinned to the service version it was submitted under."""

    reference = models.CharField(max_length=20, unique=True)
    service = models.ForeignKey("catalogue.Service", on_delete=models.PROTECT, related_name="+")
    service_version = models.ForeignKey(
        "catalogue.ServiceVersion", on_delete=models.PROTECT, related_name="cases"
    )
    department = models.ForeignKey(
        "accounts.Department", on_delete=models.PROTECT, related_name="cases"
    )
    state = models.CharField(max_length=50)
    outcome = models.CharField(max_length=20, blank=True)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    channel = models.CharField(max_length=10, choices=Channel.choices, default=Channel.PORTAL)

    applicant = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="cases"
    )
    # Personal data is encrypted at rest (docs/encryption.md); the two columns after it are
    # keyed hashes that let the database find a contact address or a word, and nothing else.
    contact_name = EncryptedTextField(blank=True)
    contact_email = EncryptedTextField(blank=True)
    contact_phone = EncryptedTextField(blank=True)
    contact_email_hash = models.CharField(max_length=32, blank=True, editable=False)
    search_words = models.TextField(
        blank=True, editable=False, help_text="Keyed hashes of the words staff search for."
    )
    data = EncryptedJSONField(default=dict, help_text="The answers, valid for the pinned schema.")
    register_facts = EncryptedJSONField(
        default=dict,
        blank=True,
        help_text="What the base registers said about the applicant, by the service file's "
        "name for each query; automation rules read them as `registers`.",
    )
    ledger_key = models.CharField(
        max_length=64,
        default=new_ledger_key,
        editable=False,
        help_text="Keys the digest of the data in the case's ledger entries; only the "
        "applicant is shown it, so only they can check the digest against their data.",
    )
    latitude = models.FloatField(null=True, blank=True)
    longitude = models.FloatField(null=True, blank=True)
    address = EncryptedTextField(blank=True)

    assignee = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="assigned_cases",
    )
    submitted_at = models.DateTimeField()
    due_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)
    awaiting_info_since = models.DateTimeField(
        null=True, blank=True, help_text="Set while the case waits on the applicant."
    )
    sla_paused_seconds = models.PositiveIntegerField(default=0)
    flagged = models.BooleanField(default=False, help_text="Needs a person to review it.")
    flag_reason = models.CharField(max_length=300, blank=True)
    escalated_at = models.DateTimeField(null=True, blank=True)
    anonymised_at = models.DateTimeField(
        null=True, blank=True, help_text="When retention or erasure removed the personal data."
    )
    duplicate_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="duplicates",
        help_text="Set when staff merged this report into another one about the same problem.",
    )
    version = models.PositiveIntegerField(default=1, help_text="Raised by every change.")
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at"]
        indexes = [
            models.Index(fields=["department", "state"]),
            # Queues read open cases earliest-due first; partial indexes keep that an ordered
            # range scan however many closed cases pile up (see bench/queue_pages.py).
            models.Index(
                fields=["department", "due_at", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="open_cases_by_department",
            ),
            models.Index(
                fields=["due_at", "id"],
                condition=models.Q(closed_at__isnull=True),
                name="open_cases_by_due",
            ),
            # The dashboards count open cases by department, service, state and assignee, and
            # which are overdue or due soon, from this index alone (publica.insights); with
            # closed_at in it, SQLite reads it as a covering index.
            models.Index(
                fields=["department", "service", "state", "assignee", "due_at", "closed_at"],
                condition=models.Q(closed_at__isnull=True),
                name="open_cases_summary",
            ),
            models.Index(fields=["closed_at", "due_at"]),
            models.Index(fields=["service", "submitted_at"]),
            models.Index(fields=["assignee", "closed_at"]),
            models.Index(fields=["submitted_at", "id"], name="cases_by_submission"),
            # The dashboards' summaries re-read the days of cases changed since they last ran.
            models.Index(fields=["updated_at"], name="cases_by_update"),
            models.Index(
                fields=["contact_email_hash"],
                name="cases_by_contact_email",
                condition=~models.Q(contact_email_hash=""),
            ),
            # Finding possible duplicates of a new report: cases near a point, and the open
            # ones with an address but no point (publica.assistant.services.duplicates).
            models.Index(fields=["latitude", "longitude"], name="cases_by_place"),
            models.Index(
                fields=["submitted_at"],
                condition=models.Q(latitude__isnull=True, closed_at__isnull=True),
                name="open_cases_without_place",
            ),
        ]

    def __str__(self) -> str:
        return self.reference

    def save(self, *args: Any, **kwargs: Any) -> None:
        """Keep the keyed hashes in step with the encrypted values they stand for."""
        fields = kwargs.get("update_fields")
        if fields is None or SEARCHED & set(fields):
            self.contact_email_hash, self.search_words = search_hashes(self)
            if fields is not None:
                kwargs["update_fields"] = [*fields, "contact_email_hash", "search_words"]
        super().save(*args, **kwargs)

    @property
    def register_answers(self) -> list[dict[str, Any]]:
        """What each register said, for reading: its title and its records (a list)."""
        sources = self.register_facts.get("_sources", {})
        return [
            {
                "title": sources.get(name, {}).get("title", name),
                "checked_at": sources.get(name, {}).get("answered_at", ""),
                "records": value if isinstance(value, list) else [value],
            }
            for name, value in self.register_facts.items()
            if name != "_sources"
        ]

    @property
    def is_open(self) -> bool:
        return self.closed_at is None

    @property
    def is_awaiting_info(self) -> bool:
        return self.awaiting_info_since is not None

    @property
    def state_label(self) -> str:
        return str(self.service_version.workflow.labels.get(self.state, self.state))


#: The fields the keyed hashes are computed from.
SEARCHED = frozenset({"contact_name", "contact_email", "contact_phone", "address", "data"})


def search_hashes(case: Any) -> tuple[str, str]:
    """The keyed hashes of a case's contact e-mail and of the words staff search it by
    (contact details, address and every text answer)."""
    ring = keyring()
    texts = [case.contact_name, case.contact_email, case.contact_phone, case.address]
    words = ring.blind_words([*texts, *_strings(case.data)], "case-words")
    return ring.blind(case.contact_email, "case-email"), words


def _strings(value: Any) -> list[str]:
    if isinstance(value, str):
        return [value]
    if isinstance(value, dict):
        return [text for item in value.values() for text in _strings(item)]
    if isinstance(value, list):
        return [text for item in value for text in _strings(item)]
    return []


class CaseEvent(models.Model):
    """One line of a case's timeline; written once, never changed or deleted, except that
    `cases.services.case_anonymise` blanks its personal data when retention or erasure
    requires."""

    class Kind(models.TextChoices):
        SUBMITTED = "submitted"
        TRANSITIONED = "transitioned"
        NOTE_ADDED = "note_added"
        ASSIGNED = "assigned"
        PRIORITY_CHANGED = "priority_changed"
        FLAGGED = "flagged"
        FLAG_CLEARED = "flag_cleared"
        INFO_REQUESTED = "info_requested"
        INFO_PROVIDED = "info_provided"
        ESCALATED = "escalated"
        RULE_FAILED = "rule_failed"
        ATTACHED = "attached"
        RECATEGORISED = "recategorised"
        MERGED = "merged"
        FOLLOWED = "followed"
        REGISTERS_CHECKED = "registers_checked", "Checked with registers"
        ANONYMISED = "anonymised"

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="events")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_role = models.CharField(max_length=20, help_text="The role the actor acted in.")
    actor_label = models.CharField(
        max_length=100, blank=True, help_text="Which part of Publica acted, when no person did."
    )
    data = models.JSONField(default=dict)
    public = models.BooleanField(default=False, help_text="Shown to the applicant.")
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]
        indexes = [models.Index(fields=["case", "created_at"])]

    def __str__(self) -> str:
        return f"{self.case_id} {self.kind}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None:
            raise ValueError("the timeline is append-only: a CaseEvent is never changed")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> Any:
        raise ValueError("the timeline is append-only: a CaseEvent is never deleted")


class InformationRequest(models.Model):
    """A question staff asked the applicant; the SLA clock stops until it is answered."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="information_requests")
    question = models.TextField()
    requested_by = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        help_text="Empty when another system asked through the API.",
    )
    requested_at = models.DateTimeField()
    answer = EncryptedTextField(blank=True)
    answered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"{self.case_id} request {self.pk}"

    @property
    def is_open(self) -> bool:
        return self.answered_at is None


class ReferenceSequence(models.Model):
    """The last number used for one prefix in one year (`PTH-2026-000123`)."""

    prefix = models.CharField(max_length=4)
    year = models.PositiveSmallIntegerField()
    last = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prefix", "year"], name="one_sequence_per_year")
        ]

    def __str__(self) -> str:
        return f"{self.prefix}-{self.year}: {self.last}"


def _attachment_path(attachment: Attachment, filename: str) -> str:
    # A random name: the resident's file name never reaches the file system.
    return f"attachments/{attachment.case_id}/{uuid.uuid4().hex}{Path(filename).suffix}"


class Attachment(models.Model):
    """A document or photo on a case, checked by its content when it was uploaded."""

    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="attachments")
    information_request = models.ForeignKey(
        InformationRequest,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="attachments",
    )
    question = models.CharField(
        max_length=100, blank=True, help_text="The form question it answers, if any."
    )
    file = models.FileField(upload_to=_attachment_path)
    name = models.CharField(max_length=200, help_text="The name the file was uploaded with.")
    content_type = models.CharField(max_length=100)
    size = models.PositiveBigIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField()

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return self.name


class Follower(models.Model):
    """Someone who gets a case's updates without having reported it: a resident who chose to
    follow an existing report instead of filing the same problem again, or the reporter of a
    duplicate that staff merged into this case. A signed-in resident, or a bare email."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="followers")
    user = models.ForeignKey(
        "accounts.User", on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    email = models.EmailField(blank=True)
    since = models.DateTimeField()
    merged_from = models.ForeignKey(
        Case, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        help_text="The duplicate whose reporter this follower is.",
    )  # fmt: skip

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user"], condition=models.Q(user__isnull=False),
                                    name="one_follow_per_user"),
            models.UniqueConstraint(fields=["case", "email"], condition=~models.Q(email=""),
                                    name="one_follow_per_email"),
        ]  # fmt: skip

    def __str__(self) -> str:
        return f"follower of case {self.case_id}"
