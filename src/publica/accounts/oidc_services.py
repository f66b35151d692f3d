"""Writes for OpenID Connect sign-in: find, link or create the resident; record their identity."""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from django.db import transaction

from publica.accounts.models import Identity, OidcLogin, User
from publica.accounts.oidc_client import VerifiedLogin, level_for_acr
from publica.accounts.roles import Role
from publica.accounts.services import identity_verify, user_create
from publica.core import clock
from publica.core.actors import SystemActor
from publica.core.errors import FieldError, InvalidInput, PermissionDenied

__all__ = ["OidcPolicy", "OidcSignIn", "StaffAccount", "oidc_sign_in"]


class StaffAccount(PermissionDenied):
    """Staff sign in with their password and second factor, never with a provider."""


@dataclass(frozen=True)
class OidcPolicy:
    """What this Publica reads from a provider's claims (from settings)."""

    person_claim: str = ""
    person_required: bool = False
    levels: dict[str, str] | None = None


@dataclass(frozen=True)
class OidcSignIn:
    """Who signed in, and how: `created` a new account, `linked` a new login to an account."""

    user: User
    level: str
    created: bool = False
    linked: bool = False


@transaction.atomic
def oidc_sign_in(
    *,
    login: VerifiedLogin,
    policy: OidcPolicy,
    signed_in: User | None,
    actor: SystemActor,
) -> OidcSignIn:
    """Turn a provider's verified login into a resident's account, in one transaction.

    The account is the one already linked to (issuer, sub); else the one `signed_in` now (it
    gains the link); else a new resident account. A verified e-mail address another account
    already uses is never taken over: that person signs in with their password first and
    links from their account page. Staff never sign in this way. When the claims hold a person
    number, the identity is recorded at the level the `acr` claim stands for (unknown: low).
    """
    person_id = _person_id(login, policy)
    level = level_for_acr(login.acr, policy.levels or {})
    now = clock.now()
    existing = (
        OidcLogin.objects.select_for_update()
        .select_related("user")
        .filter(issuer=login.issuer, subject=login.subject)
        .first()
    )
    created = linked = False
    if existing is not None:
        if signed_in is not None and signed_in.pk != existing.user_id:
            raise InvalidInput(
                [
                    FieldError(
                        "sub",
                        "This login is already linked to another account. Sign out, then "
                        "sign in with it to use that account.",
                    )
                ]
            )
        user = existing.user
        _require_resident(user)
        existing.last_login_at = now
        existing.save(update_fields=["last_login_at"])
    else:
        if signed_in is not None:
            user = signed_in
            _require_resident(user)
        else:
            user = _new_resident(login, actor)
            created = True
        OidcLogin.objects.create(
            user=user, issuer=login.issuer, subject=login.subject, created_at=now, last_login_at=now
        )
        linked = True
    if person_id and not _held_elsewhere_at_low(person_id, user, level):
        identity_verify(
            user=user,
            person_id=person_id,
            level=level,
            method=f"oidc:{login.issuer}"[:100],
            actor=actor,
        )
    return OidcSignIn(user=user, level=level, created=created, linked=linked)


def _person_id(login: VerifiedLogin, policy: OidcPolicy) -> str:
    if not policy.person_claim:
        return ""
    value = login.claims.get(policy.person_claim)
    person_id = str(value).strip() if isinstance(value, (str, int)) else ""
    if policy.person_required and not person_id:
        raise InvalidInput(
            [
                FieldError(
                    policy.person_claim,
                    "The identity provider did not share your person number with us, so we "
                    "cannot tell who you are in the council's records.",
                )
            ]
        )
    return person_id


def _held_elsewhere_at_low(person_id: str, user: User, level: str) -> bool:
    """A low-level sign-in whose person number another account holds records nothing (and
    still signs in): only a substantial or high check may dispute the number (and then
    identity_verify refuses it, and the resident is told to contact the council)."""
    return (
        level == Identity.Level.LOW
        and Identity.objects.filter(person_hash=Identity.hash_of(person_id))
        .exclude(user=user)
        .exists()
    )


def _require_resident(user: User) -> None:
    if not user.is_resident:
        raise StaffAccount("staff sign in with their password and second factor")
    if not user.is_active:
        raise PermissionDenied("This account is closed. Contact the council if you need it.")


def _verified_email(login: VerifiedLogin) -> str:
    """The e-mail address, only when the provider says it checked it (some send "true")."""
    email = login.claims.get("email")
    verified = login.claims.get("email_verified") in (True, "true")
    return email.strip() if verified and isinstance(email, str) else ""


def _new_resident(login: VerifiedLogin, actor: SystemActor) -> User:
    email = _verified_email(login)
    if email and User.objects.filter(email__iexact=email).exists():
        raise InvalidInput(
            [
                FieldError(
                    "email",
                    "An account with this email address already exists. Sign in with your "
                    "email and password, then link this login from your account page.",
                )
            ]
        )
    return user_create(
        username=f"resident-{secrets.token_hex(6)}",
        role=Role.RESIDENT,
        first_name=_text(login.claims.get("given_name")),
        last_name=_text(login.claims.get("family_name")),
        email=email,
        actor=actor,
    )


def _text(value: object) -> str:
    return value.strip()[:150] if isinstance(value, str) else ""
