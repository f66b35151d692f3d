"""Writes to accounts: organisations, departments and people."""

from __future__ import annotations

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError as DjangoValidationError
from django.core.validators import validate_email
from django.db import transaction
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from publica.accounts.models import Department, Identity, OidcLogin, Organisation, User
from publica.accounts.roles import DEPARTMENT_BOUND, Role
from publica.core import clock
from publica.core.actors import Actor, SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied

__all__ = [
    "department_upsert",
    "identity_verify",
    "mfa_enrol_confirm",
    "mfa_enrol_start",
    "mfa_is_enrolled",
    "organisation_upsert",
    "user_create",
]


def organisation_upsert(*, slug: str, name: str, actor: Actor, **contact: str) -> Organisation:
    _require_admin(actor)
    organisation, _ = Organisation.objects.update_or_create(
        slug=slug, defaults={"name": name, **contact}
    )
    return organisation


def department_upsert(
    *, organisation: Organisation, slug: str, name: str, actor: Actor
) -> Department:
    _require_admin(actor)
    department, _ = Department.objects.update_or_create(
        slug=slug, defaults={"organisation": organisation, "name": name}
    )
    return department


@transaction.atomic
def user_create(
    *,
    username: str,
    role: str,
    actor: Actor,
    department: Department | None = None,
    password: str | None = None,
    password_hash: str | None = None,
    first_name: str = "",
    last_name: str = "",
    email: str = "",
    supervises: bool = False,
) -> User:
    """Create a person; staff in a department-bound role must name their department.

    `password_hash` (from `make_password`) lets bulk imports hash one password once instead
    of spending a deliberately slow hash on every person.
    """
    errors: list[FieldError] = []
    try:
        User._meta.get_field("username").run_validators(username)
    except DjangoValidationError as exc:
        errors.extend(FieldError("username", message) for message in exc.messages)
    if email:
        try:
            validate_email(email)
        except DjangoValidationError:
            errors.append(FieldError("email", "Enter an email address like name@example.com"))
    if role not in Role.__members__.values():
        errors.append(FieldError("role", f"choose one of {', '.join(Role)}"))
    if role in DEPARTMENT_BOUND and department is None:
        errors.append(FieldError("department", f"a {role} belongs to a department"))
    if User.objects.filter(username=username).exists():
        errors.append(FieldError("username", f"{username!r} is taken"))
    if password is not None:
        try:
            validate_password(password)
        except DjangoValidationError as exc:
            errors.extend(FieldError("password", message) for message in exc.messages)
    if errors:
        raise InvalidInput(errors)
    if not isinstance(actor, SystemActor) and role != Role.RESIDENT:
        _require_admin(actor)
    user = User(
        username=username,
        role=role,
        department=department,
        first_name=first_name,
        last_name=last_name,
        email=email,
        is_staff=role not in (Role.RESIDENT,),
        is_superuser=role == Role.ADMIN,
    )
    if password_hash:
        user.password = password_hash
    elif password:
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.save()
    if supervises and department is not None:
        department.supervisor = user
        department.save(update_fields=["supervisor"])
    return user


def identity_verify(
    *, user: User, person_id: str, level: str, method: str, actor: Actor
) -> Identity:
    """Record who a resident is in the registers, as an identity provider (or the demo)
    vouched; a later check replaces an earlier one. Only residents have such an identity.

    A person number belongs to one account. Another account's weaker claim to it (a lower
    level of assurance) gives way to a stronger check, so a low-level sign-in cannot keep
    the real person out; an equal or stronger claim is kept and this one refused."""
    errors: list[FieldError] = []
    if not user.is_resident:
        errors.append(FieldError("user", "only a resident's identity is checked this way"))
    if not person_id.strip() or len(person_id) > 20:
        errors.append(FieldError("person_id", "a person number is 1 to 20 characters"))
    if level not in Identity.Level.values:
        errors.append(FieldError("level", f"choose one of {', '.join(Identity.Level.values)}"))
    held = (
        Identity.objects.filter(person_hash=Identity.hash_of(person_id)).exclude(user=user).first()
    )
    if held is not None and _STRENGTH.get(held.level, 0) >= _STRENGTH.get(level, 0):
        errors.append(FieldError("person_id", "this person number belongs to another account"))
    if errors:
        raise InvalidInput(errors)
    if not isinstance(actor, SystemActor):
        _require_admin(actor)
    with transaction.atomic():
        if held is not None:
            held.delete()  # a weaker claim gives way
        return _identity_record(user, person_id, level, method)


#: Levels of assurance, weakest first.
_STRENGTH: dict[str, int] = {"low": 1, "substantial": 2, "high": 3}


def _identity_record(user: User, person_id: str, level: str, method: str) -> Identity:
    identity, _ = Identity.objects.update_or_create(
        user=user,
        defaults={
            "person_id": person_id.strip(),
            "level": level,
            "method": method,
            "verified_at": clock.now(),
        },
    )
    return identity


def user_erase(*, user: User, actor: Actor) -> User:
    """Close a resident's account and remove who they are from it: name, e-mail, user name,
    password, verified identity and identity-provider links. The row stays (with an id only)
    because kept records point at it. Only the resident themself or the system does this."""
    if not user.is_resident:
        raise InvalidInput([FieldError("user", "only a resident's own account is erased this way")])
    if not isinstance(actor, SystemActor) and getattr(actor, "pk", None) != user.pk:
        raise PermissionDenied("only the resident may erase their account")
    with transaction.atomic():
        Identity.objects.filter(user=user).delete()
        OidcLogin.objects.filter(user=user).delete()
        user.username = f"erased-{user.pk}"
        user.first_name = user.last_name = user.email = ""
        user.is_active = False
        user.set_unusable_password()
        user.save(
            update_fields=["username", "first_name", "last_name", "email", "is_active", "password"]
        )
    return user


def _require_admin(actor: Actor) -> None:
    if isinstance(actor, SystemActor):
        return
    if actor.role != Role.ADMIN:
        raise PermissionDenied("only an admin may manage organisations, departments and staff")


# Two-factor authentication for staff (TOTP, with one-time recovery codes).

RECOVERY_CODES = 10


def mfa_enrol_start(*, actor: User) -> TOTPDevice:
    """The authenticator device `actor` is setting up (unconfirmed until a code matches)."""
    device = TOTPDevice.objects.filter(user=actor, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=actor, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def mfa_enrol_confirm(*, device: TOTPDevice, token: str, actor: User) -> list[str]:
    """Confirm the device with a code from the app; return fresh recovery codes (shown once)."""
    if device.user_id != actor.pk:
        raise PermissionDenied("this is not your device")
    if not device.verify_token(token.replace(" ", "")):
        raise InvalidInput(
            [FieldError("token", "The code does not match; check the app and try again")]
        )
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=actor).exclude(pk=device.pk).delete()
    StaticDevice.objects.filter(user=actor).delete()
    recovery = StaticDevice.objects.create(user=actor, name="Recovery codes", confirmed=True)
    codes = [StaticToken.random_token() for _ in range(RECOVERY_CODES)]
    recovery.token_set.bulk_create([StaticToken(device=recovery, token=code) for code in codes])
    return codes


def mfa_is_enrolled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()
