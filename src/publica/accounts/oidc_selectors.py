"""Reads about a resident's OpenID Connect logins and checked identity."""

from __future__ import annotations

from publica.accounts.models import Identity, OidcLogin, User

__all__ = ["identity_of", "oidc_is_linked"]


def identity_of(user: User) -> Identity | None:
    """How an identity provider vouched for this resident, if one has."""
    return Identity.objects.filter(user=user).first()


def oidc_is_linked(user: User, *, issuer: str) -> bool:
    return OidcLogin.objects.filter(user=user, issuer=issuer).exists()
