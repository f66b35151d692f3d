"""Passkeys as a second factor, through py_webauthn's real verification."""

from __future__ import annotations

import json

import pytest

from publica.accounts.models import User, WebAuthnCredential
from publica.accounts.passkeys import (
    passkey_authenticate,
    passkey_authentication_options,
    passkey_list,
    passkey_register,
    passkey_registration_options,
    passkey_remove,
)
from publica.accounts.tests.authenticator import SoftAuthenticator
from publica.core.errors import InvalidInput, NotFound, PermissionDenied

RP_ID, ORIGIN = "council.example", "https://council.example"


def register(user: User, authenticator: SoftAuthenticator, name: str = "blue key") -> None:
    options, challenge = passkey_registration_options(user=user, rp_id=RP_ID, rp_name="Council")
    passkey_register(
        user=user,
        name=name,
        credential=authenticator.create(json.loads(options)),
        challenge=challenge,
        rp_id=RP_ID,
        origin=ORIGIN,
        actor=user,
    )


def sign_in(user: User, authenticator: SoftAuthenticator, **answer: str) -> WebAuthnCredential:
    options, challenge = passkey_authentication_options(user=user, rp_id=RP_ID)
    return passkey_authenticate(
        user=user,
        credential=authenticator.get(json.loads(options), **answer),
        challenge=challenge,
        rp_id=RP_ID,
        origin=ORIGIN,
    )


def refused_field(error: pytest.ExceptionInfo[InvalidInput]) -> str:
    return error.value.errors[0].field


def test_a_registered_passkey_signs_in_and_its_counter_moves_on(caseworker):
    key = SoftAuthenticator(origin=ORIGIN)
    register(caseworker, key)
    used = sign_in(caseworker, key)
    sign_in(caseworker, key)
    used.refresh_from_db()
    assert used.sign_count == 2 and used.last_used_at is not None
    assert [p.name for p in passkey_list(caseworker)] == ["blue key"]
    assert used.transports == ["usb"]


def test_a_cloned_passkey_whose_counter_goes_back_is_refused(caseworker):
    key = SoftAuthenticator(origin=ORIGIN)
    register(caseworker, key)
    clone = key.clone()
    sign_in(caseworker, key)
    sign_in(caseworker, key)
    with pytest.raises(InvalidInput) as refused:
        sign_in(caseworker, clone)  # counter 1, after 2
    assert refused_field(refused) == "passkey"


def test_a_passkey_without_a_counter_still_works(caseworker):
    key = SoftAuthenticator(origin=ORIGIN, counting=False)
    register(caseworker, key)
    assert sign_in(caseworker, key).sign_count == 0
    assert sign_in(caseworker, key).sign_count == 0


def test_another_persons_passkey_is_refused(caseworker, supervisor):
    theirs = SoftAuthenticator(origin=ORIGIN)
    register(supervisor, theirs)
    register(caseworker, SoftAuthenticator(origin=ORIGIN))
    with pytest.raises(InvalidInput):
        sign_in(caseworker, theirs)


def test_an_answer_to_another_challenge_is_refused(caseworker):
    key = SoftAuthenticator(origin=ORIGIN)
    register(caseworker, key)
    options, _ = passkey_authentication_options(user=caseworker, rp_id=RP_ID)
    _, other_challenge = passkey_authentication_options(user=caseworker, rp_id=RP_ID)
    with pytest.raises(InvalidInput):
        passkey_authenticate(
            user=caseworker,
            credential=key.get(json.loads(options)),
            challenge=other_challenge,
            rp_id=RP_ID,
            origin=ORIGIN,
        )


def test_an_answer_made_on_another_site_is_refused(caseworker):
    key = SoftAuthenticator(origin=ORIGIN)
    register(caseworker, key)
    with pytest.raises(InvalidInput):
        sign_in(caseworker, key, origin="https://council.example.evil.test")
    with pytest.raises(InvalidInput):
        sign_in(caseworker, key, rp_id="evil.test")


def test_registration_from_another_origin_is_refused_and_nothing_is_kept(caseworker):
    options, challenge = passkey_registration_options(
        user=caseworker, rp_id=RP_ID, rp_name="Council"
    )
    answer = SoftAuthenticator().create(json.loads(options), origin="https://evil.test")
    with pytest.raises(InvalidInput) as refused:
        passkey_register(
            user=caseworker, name="key", credential=answer, challenge=challenge,
            rp_id=RP_ID, origin=ORIGIN, actor=caseworker,
        )  # fmt: skip
    assert refused_field(refused) == "credential"
    assert not passkey_list(caseworker).exists()


def test_a_passkey_needs_a_name_and_a_fresh_challenge(caseworker):
    options, _challenge = passkey_registration_options(
        user=caseworker, rp_id=RP_ID, rp_name="Council"
    )
    answer = SoftAuthenticator(origin=ORIGIN).create(json.loads(options))
    with pytest.raises(InvalidInput) as refused:
        passkey_register(
            user=caseworker, name=" ", credential=answer, challenge=None,
            rp_id=RP_ID, origin=ORIGIN, actor=caseworker,
        )  # fmt: skip
    assert {e.field for e in refused.value.errors} == {"name", "credential"}


def test_nobody_adds_or_removes_a_passkey_for_someone_else(caseworker, supervisor):
    register(caseworker, SoftAuthenticator(origin=ORIGIN))
    options, challenge = passkey_registration_options(
        user=caseworker, rp_id=RP_ID, rp_name="Council"
    )
    with pytest.raises(PermissionDenied):
        passkey_register(
            user=caseworker, name="mine now",
            credential=SoftAuthenticator(origin=ORIGIN).create(json.loads(options)),
            challenge=challenge, rp_id=RP_ID, origin=ORIGIN, actor=supervisor,
        )  # fmt: skip
    theirs = passkey_list(caseworker).get()
    with pytest.raises(NotFound):
        passkey_remove(credential_pk=theirs.pk, actor=supervisor)
    passkey_remove(credential_pk=theirs.pk, actor=caseworker)
    assert not passkey_list(caseworker).exists()


def test_the_same_authenticator_is_not_registered_twice(caseworker):
    key = SoftAuthenticator(origin=ORIGIN)
    register(caseworker, key, name="first")
    with pytest.raises(InvalidInput) as refused:
        register(caseworker, key, name="second")
    assert refused_field(refused) == "credential"
