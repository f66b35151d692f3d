"""Staff passkeys (WebAuthn credentials) as a second factor beside the authenticator app.

The ceremonies are py_webauthn's; this module keeps what they need from the database: the
options a browser is given, and the checks on what it sends back (challenge, origin, relying
party, signature, the credential's owner and its signature counter). Challenges are the
caller's to keep (the portal keeps them in the session) and to use once.
"""

from __future__ import annotations

import json

from django.db import transaction
from django.db.models import QuerySet
from django.utils.crypto import salted_hmac
from webauthn import (
    generate_authentication_options,
    generate_registration_options,
    options_to_json,
    verify_authentication_response,
    verify_registration_response,
)
from webauthn.helpers import base64url_to_bytes
from webauthn.helpers.exceptions import InvalidAuthenticationResponse, InvalidRegistrationResponse
from webauthn.helpers.structs import (
    AuthenticatorSelectionCriteria,
    AuthenticatorTransport,
    PublicKeyCredentialDescriptor,
    ResidentKeyRequirement,
    UserVerificationRequirement,
)

from publica.accounts.models import User, WebAuthnCredential
from publica.core import clock
from publica.core.errors import FieldError, InvalidInput, NotFound, PermissionDenied

__all__ = [
    "MAX_PASSKEYS",
    "passkey_authenticate",
    "passkey_authentication_options",
    "passkey_list",
    "passkey_register",
    "passkey_registration_options",
    "passkey_remove",
]

MAX_PASSKEYS = 10
_TRANSPORTS = {transport.value for transport in AuthenticatorTransport}


def passkey_list(user: User) -> QuerySet[WebAuthnCredential]:
    """A person's passkeys, oldest first."""
    return WebAuthnCredential.objects.filter(user=user).order_by("created_at", "pk")


def passkey_registration_options(*, user: User, rp_id: str, rp_name: str) -> tuple[str, bytes]:
    """The options for navigator.credentials.create() (JSON), and their challenge to keep."""
    options = generate_registration_options(
        rp_id=rp_id,
        rp_name=rp_name,
        user_name=user.username,
        user_id=_user_handle(user),
        user_display_name=user.get_full_name() or user.username,
        authenticator_selection=AuthenticatorSelectionCriteria(
            resident_key=ResidentKeyRequirement.PREFERRED,
            user_verification=UserVerificationRequirement.PREFERRED,
        ),
        exclude_credentials=_descriptors(user),
    )
    return options_to_json(options), options.challenge


@transaction.atomic
def passkey_register(
    *,
    user: User,
    name: str,
    credential: str,
    challenge: bytes | None,
    rp_id: str,
    origin: str,
    actor: User,
) -> WebAuthnCredential:
    """Keep the passkey the browser created for `user` (who must be `actor`), once the
    response answers `challenge` for this relying party and origin."""
    if actor.pk != user.pk:
        raise PermissionDenied("a passkey can only be added by its owner")
    User.objects.select_for_update().filter(pk=user.pk).first()  # one registration at a time
    errors: list[FieldError] = []
    name = name.strip()
    if not name or len(name) > 100:
        errors.append(FieldError("name", "Give the passkey a name of 1 to 100 characters"))
    elif passkey_list(user).filter(name=name).exists():
        errors.append(FieldError("name", "You already have a passkey with this name"))
    if passkey_list(user).count() >= MAX_PASSKEYS:
        errors.append(FieldError("name", f"You can keep at most {MAX_PASSKEYS} passkeys"))
    if challenge is None:
        errors.append(FieldError("credential", "Start again: the request to add it expired"))
    if errors:
        raise InvalidInput(errors)
    assert challenge is not None
    try:
        verified = verify_registration_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
        )
    except (InvalidRegistrationResponse, ValueError, KeyError, TypeError):
        raise InvalidInput(
            [FieldError("credential", "The passkey could not be checked; try again")]
        ) from None
    if WebAuthnCredential.objects.filter(credential_id=verified.credential_id).exists():
        raise InvalidInput([FieldError("credential", "This passkey is already registered")])
    return WebAuthnCredential.objects.create(
        user=user,
        name=name,
        credential_id=verified.credential_id,
        public_key=verified.credential_public_key,
        sign_count=verified.sign_count,
        transports=_transports(credential),
        created_at=clock.now(),
    )


@transaction.atomic
def passkey_remove(*, credential_pk: int, actor: User) -> None:
    """Remove one of `actor`'s own passkeys (another person's is not found)."""
    deleted, _ = WebAuthnCredential.objects.filter(pk=credential_pk, user=actor).delete()
    if not deleted:
        raise NotFound("no such passkey")


def passkey_authentication_options(*, user: User, rp_id: str) -> tuple[str, bytes]:
    """The options for navigator.credentials.get() (JSON), allowing only `user`'s passkeys,
    and their challenge to keep."""
    options = generate_authentication_options(
        rp_id=rp_id,
        allow_credentials=_descriptors(user),
        user_verification=UserVerificationRequirement.PREFERRED,
    )
    return options_to_json(options), options.challenge


@transaction.atomic
def passkey_authenticate(
    *, user: User, credential: str, challenge: bytes | None, rp_id: str, origin: str
) -> WebAuthnCredential:
    """The passkey of `user` that signed `challenge`; its counter moves on.

    Refused (InvalidInput on `passkey`): an expired or reused challenge, another person's
    passkey, the wrong origin or relying party, a bad signature, and a signature counter that
    did not go up (a cloned authenticator), unless the authenticator keeps no counter at all.
    """
    refused = InvalidInput([FieldError("passkey", "The passkey was not accepted; try again")])
    if challenge is None:
        raise refused
    try:
        raw_id = base64url_to_bytes(json.loads(credential)["rawId"])
    except (ValueError, KeyError, TypeError):
        raise refused from None
    stored = (
        WebAuthnCredential.objects.select_for_update()
        .filter(user=user, credential_id=raw_id)
        .first()
    )
    if stored is None:
        raise refused
    try:
        verified = verify_authentication_response(
            credential=credential,
            expected_challenge=challenge,
            expected_rp_id=rp_id,
            expected_origin=origin,
            credential_public_key=bytes(stored.public_key),
            credential_current_sign_count=stored.sign_count,
        )
    except (InvalidAuthenticationResponse, ValueError, KeyError, TypeError):
        raise refused from None
    stored.sign_count = verified.new_sign_count
    stored.last_used_at = clock.now()
    stored.save(update_fields=["sign_count", "last_used_at"])
    return stored


def _descriptors(user: User) -> list[PublicKeyCredentialDescriptor]:
    descriptors = []
    for stored in passkey_list(user):
        transports = [AuthenticatorTransport(t) for t in stored.transports if t in _TRANSPORTS]
        descriptors.append(
            PublicKeyCredentialDescriptor(
                id=bytes(stored.credential_id), transports=transports or None
            )
        )
    return descriptors


def _user_handle(user: User) -> bytes:
    """A stable handle the authenticator keeps: not the username, not the database id."""
    return salted_hmac("publica.accounts.passkeys.user-handle", str(user.pk)).digest()


def _transports(credential: str) -> list[str]:
    """The transports the browser reported (hints for later sign-ins), known values only."""
    try:
        given = json.loads(credential)["response"].get("transports") or []
    except (ValueError, KeyError, TypeError, AttributeError):
        return []
    return [t for t in given if isinstance(t, str) and t in _TRANSPORTS][:8]
