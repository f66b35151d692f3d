"""Registers, the agencies that exchange with them, consents, and the access records a
resident reads on "Who has used my data"."""

from __future__ import annotations

import uuid

from django.core.validators import MaxLengthValidator
from django.db import models

from publica.core.fields import EncryptedTextField
from publica.exchange.registers import REGISTERS

REGISTER_CHOICES = [(name, register.title) for name, register in REGISTERS.items()]


# The demo registers: the tables the local adapter reads. A real deployment points these
# registers at their holders instead (`RegisterSource`).


class Person(models.Model):
    """An entry in the population register."""

    person_id = models.CharField(max_length=20, unique=True)
    # Names and home address are encrypted at rest (docs/encryption.md); lookups go by
    # person_id and the property register, never by these.
    given_name = EncryptedTextField(validators=[MaxLengthValidator(100)])
    family_name = EncryptedTextField(validators=[MaxLengthValidator(100)])
    date_of_birth = models.DateField()
    house = EncryptedTextField(validators=[MaxLengthValidator(50)])
    street = EncryptedTextField(validators=[MaxLengthValidator(100)])
    town = EncryptedTextField(validators=[MaxLengthValidator(100)])
    postcode = EncryptedTextField(validators=[MaxLengthValidator(10)])
    address_id = models.CharField(max_length=20, blank=True)

    def __str__(self) -> str:
        return self.person_id


class Vehicle(models.Model):
    """An entry in the vehicle register."""

    registration = models.CharField(max_length=10, unique=True)
    keeper_id = models.CharField(max_length=20, db_index=True, help_text="Keeper's person_id.")
    make = models.CharField(max_length=50)
    permit_eligible = models.BooleanField(
        default=True, help_text="A private car or small van that a resident permit may cover."
    )

    def __str__(self) -> str:
        return self.registration


class Business(models.Model):
    """An entry in the business register."""

    company_number = models.CharField(max_length=12, unique=True)
    name = models.CharField(max_length=200)
    house = models.CharField(max_length=50)
    street = models.CharField(max_length=100)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    directors = models.JSONField(default=list, help_text="Directors' person_ids.")

    def __str__(self) -> str:
        return self.company_number


class Property(models.Model):
    """An entry in the property register: a dwelling, its ward and council tax band."""

    address_id = models.CharField(max_length=20, unique=True)
    house = models.CharField(max_length=50)
    street = models.CharField(max_length=100)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    ward = models.CharField(max_length=100)
    council_tax_band = models.CharField(max_length=1)
    occupier_id = models.CharField(
        max_length=20, blank=True, db_index=True, help_text="The liable person's person_id."
    )

    class Meta:
        verbose_name_plural = "properties"

    def __str__(self) -> str:
        return self.address_id


# Other agencies.


class Peer(models.Model):
    """Another instance (or any service with the same API) whose registers Publica asks."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200, help_text="The organisation, as residents read it.")
    base_url = models.URLField(help_text="Where its exchange API lives, e.g. https://x/exchange/")
    key_id = models.CharField(max_length=100, help_text="The key id its answers are signed with.")
    public_key = models.CharField(max_length=64, help_text="Its Ed25519 public key, base64.")
    client_id = models.CharField(max_length=100, help_text="Who we are to it (our key id there).")

    def __str__(self) -> str:
        return self.name


class RegisterSource(models.Model):
    """Which peer holds a register; a register with no source is read locally."""

    register = models.CharField(max_length=20, choices=REGISTER_CHOICES, unique=True)
    peer = models.ForeignKey(Peer, on_delete=models.PROTECT, related_name="sources")

    def __str__(self) -> str:
        return f"{self.register} at {self.peer}"


class Client(models.Model):
    """Another agency allowed to call this instance's registers, known by its public key."""

    client_id = models.CharField(max_length=100, unique=True, help_text="Its signature key id.")
    name = models.CharField(max_length=200, help_text="The organisation, as residents read it.")
    public_key = models.CharField(max_length=64, help_text="Its Ed25519 public key, base64.")
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return self.name


class Grant(models.Model):
    """A client may ask one register for one purpose (X-Road's access rights)."""

    client = models.ForeignKey(Client, on_delete=models.CASCADE, related_name="grants")
    register = models.CharField(max_length=20, choices=REGISTER_CHOICES)
    purpose = models.CharField(max_length=100)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["client", "register", "purpose"], name="one_grant_per_purpose"
            )
        ]

    def __str__(self) -> str:
        return f"{self.client}: {self.register} for {self.purpose}"


class SeenNonce(models.Model):
    """A signed request's nonce, kept while its signature is fresh, so it cannot be replayed."""

    client_id = models.CharField(max_length=100)
    nonce = models.CharField(max_length=64)
    seen_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["client_id", "nonce"], name="nonce_used_once")
        ]

    def __str__(self) -> str:
        return self.nonce


# Consent and the data tracker.


class Consent(models.Model):
    """A resident's consent for the organisation to fetch some of their data, for one purpose,
    until it expires or they revoke it (GovStack's Consent building block)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    person = models.ForeignKey("accounts.User", on_delete=models.PROTECT, related_name="consents")
    organisation = models.CharField(max_length=200, help_text="Who receives the data.")
    service = models.ForeignKey(
        "catalogue.Service", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    purpose = models.CharField(max_length=300)
    registers = models.JSONField(default=list, help_text="Register names it covers.")
    categories = models.JSONField(default=list, help_text="Data categories it covers.")
    granted_at = models.DateTimeField()
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-granted_at"]
        indexes = [models.Index(fields=["person", "service"], name="consents_by_person")]

    def __str__(self) -> str:
        return f"consent {self.id}"


class AccessBatch(models.Model):
    """A run of access records sealed by one ledger entry: deleting or changing any of them
    no longer matches the digest the ledger holds."""

    first_id = models.BigIntegerField()
    last_id = models.BigIntegerField()
    count = models.PositiveIntegerField()
    root = models.CharField(max_length=64, help_text="Merkle root (RFC 9162) of the records.")
    sealed_at = models.DateTimeField()
    ledger_entry = models.OneToOneField(
        "ledger.Entry", on_delete=models.PROTECT, related_name="access_batch"
    )

    class Meta:
        ordering = ["pk"]

    def __str__(self) -> str:
        return f"access batch {self.pk}"


class AccessRecord(models.Model):
    """One read of a person's data: when, by which organisation and department, which
    official or system, which data, for what purpose and on what basis, for which case.

    Append-only (database triggers): only `batch` may be set, once, when it is sealed.
    """

    class Actor(models.TextChoices):
        STAFF = "staff", "An official"
        SYSTEM = "system", "A system"
        AGENCY = "agency", "Another organisation"
        RESIDENT = "resident", "You"

    class Basis(models.TextChoices):
        CONSENT = "consent", "Your consent"
        STATUTORY = "statutory", "A legal duty"
        CASE = "case", "Handling your case"

    at = models.DateTimeField(db_index=True)
    subject = models.ForeignKey(
        "accounts.User",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="data_accesses",
        help_text="The resident the data is about, when they have an account.",
    )
    subject_person_id = models.CharField(max_length=20, blank=True, db_index=True)
    organisation = models.CharField(max_length=200)
    department = models.CharField(max_length=200, blank=True)
    actor_kind = models.CharField(max_length=10, choices=Actor.choices)
    actor = models.ForeignKey(
        "accounts.User", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    actor_label = models.CharField(max_length=200, help_text="The official's name or system.")
    register = models.CharField(max_length=20, blank=True)
    data = models.CharField(max_length=300, help_text="Which data, in plain words.")
    categories = models.JSONField(default=list)
    purpose = models.CharField(max_length=300)
    basis = models.CharField(max_length=10, choices=Basis.choices)
    basis_detail = models.CharField(max_length=300, blank=True, help_text="Law or consent id.")
    case = models.ForeignKey(
        "cases.Case", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    without_open_case = models.BooleanField(
        default=False, help_text="Staff read it while the person had no open case: for audit."
    )
    batch = models.ForeignKey(
        AccessBatch, on_delete=models.PROTECT, null=True, blank=True, related_name="records"
    )

    class Meta:
        ordering = ["-at", "-pk"]
        indexes = [
            models.Index(fields=["subject", "-at"], name="accesses_by_subject"),
            # The auditor's default list: staff reads of someone with no open case.
            models.Index(
                fields=["-at", "-id"],
                condition=models.Q(actor_kind="staff", without_open_case=True),
                name="staff_reads_without_case",
            ),
            models.Index(
                fields=["id"], condition=models.Q(batch__isnull=True), name="accesses_unsealed"
            ),
        ]

    def __str__(self) -> str:
        return f"access {self.pk}"
