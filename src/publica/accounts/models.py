"""Organisations, departments and people, with the one role each person holds."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import AbstractUser
from django.db import models

from publica.accounts.roles import DEPARTMENT_BOUND, Role
from publica.core.fieldkeys import keyring
from publica.core.fields import EncryptedTextField


class Organisation(models.Model):
    """The public body running this Publica: a council, a county, an agency."""

    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    contact_email = models.EmailField(blank=True)
    contact_phone = models.CharField(max_length=40, blank=True)

    def __str__(self) -> str:
        return self.name


class Department(models.Model):
    """A team that owns services and works their cases."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.PROTECT, related_name="departments"
    )
    slug = models.SlugField(unique=True)
    name = models.CharField(max_length=200)
    supervisor = models.ForeignKey(
        "accounts.User",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="supervised_departments",
        help_text="Recorded on the timeline when one of this department's cases is escalated.",
    )

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class User(AbstractUser):
    """A resident or a member of staff; staff belong to one department."""

    role = models.CharField(
        max_length=20, choices=[(r.value, r.name.title()) for r in Role], default=Role.RESIDENT
    )
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="staff"
    )

    class Meta:
        constraints = [
            models.CheckConstraint(
                name="department_bound_roles_have_a_department",
                condition=~models.Q(role__in=sorted(str(role) for role in DEPARTMENT_BOUND))
                | models.Q(department__isnull=False),
            )
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def is_resident(self) -> bool:
        return self.role == Role.RESIDENT


class ApiKey(models.Model):
    """A key another system uses to call Publica's APIs; only its SHA-256 hash is stored.

    A key is bound to the organisation and, optionally, to one department, whose cases are
    then the only ones it can see or change. Scopes say which operations it may call.
    """

    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, unique=True, help_text="Public part, for lookup.")
    secret_hash = models.CharField(max_length=64)
    scopes = models.JSONField(default=list)
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    department = models.ForeignKey(
        Department, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    rate_per_minute = models.PositiveIntegerField(default=600)
    created_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix})"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None


class Identity(models.Model):
    """A resident's identity as checked by an identity provider: who they are in the
    registers (their person number) and how sure we are (eIDAS levels of assurance)."""

    class Level(models.TextChoices):
        LOW = "low"
        SUBSTANTIAL = "substantial"
        HIGH = "high"

    user = models.OneToOneField(User, on_delete=models.CASCADE, related_name="identity")
    person_id = EncryptedTextField(help_text="Encrypted at rest; found by `person_hash`.")
    person_hash = models.CharField(
        max_length=32, unique=True, editable=False, help_text="Keyed hash of the person number."
    )
    level = models.CharField(max_length=12, choices=Level.choices)
    method = models.CharField(max_length=100, help_text="How it was checked, e.g. oidc:<issuer>.")
    verified_at = models.DateTimeField()

    class Meta:
        verbose_name_plural = "identities"

    def __str__(self) -> str:
        return f"identity of user {self.user_id}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.person_hash = self.hash_of(self.person_id)
        fields = kwargs.get("update_fields")
        if fields is not None:
            kwargs["update_fields"] = {*fields, "person_hash"}
        super().save(*args, **kwargs)

    @staticmethod
    def hash_of(person_id: str) -> str:
        """What the database finds an identity by: the keyed hash of its person number."""
        return keyring().blind(person_id, "person-number")

    @property
    def is_verified(self) -> bool:
        """Enough to fetch a person's own data from the registers."""
        return self.level in (self.Level.SUBSTANTIAL, self.Level.HIGH)


class OidcLogin(models.Model):
    """An account's link to a person at an OpenID Connect provider: the provider's issuer and
    its stable subject identifier (`sub`), never the e-mail address, which can change hands."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="oidc_logins")
    issuer = models.CharField(max_length=300)
    subject = models.CharField(max_length=255)
    created_at = models.DateTimeField()
    last_login_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["issuer", "subject"], name="one_account_per_subject")
        ]

    def __str__(self) -> str:
        return f"OIDC login of user {self.user_id}"


class WebAuthnCredential(models.Model):
    """A staff member's passkey or security key, used as a second factor beside TOTP."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="webauthn_credentials")
    name = models.CharField(max_length=100, help_text="What the owner called it.")
    credential_id = models.BinaryField(max_length=1023, unique=True)
    public_key = models.BinaryField(help_text="COSE-encoded public key.")
    sign_count = models.PositiveBigIntegerField(default=0)
    transports = models.JSONField(default=list, blank=True)
    created_at = models.DateTimeField()
    last_used_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"passkey {self.name!r} of user {self.user_id}"
