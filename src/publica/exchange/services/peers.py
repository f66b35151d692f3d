"""Who this instance exchanges with: the clients allowed to call its registers and their grants,
the peers it calls, and which peer holds which register. `publica exchange …` calls these."""

from __future__ import annotations

import re

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import transaction

from publica.core import clock
from publica.core.errors import FieldError, InvalidInput, NotFound
from publica.exchange import registers, signing
from publica.exchange.models import Client, Grant, Peer, RegisterSource

__all__ = ["client_add", "client_grant", "client_revoke", "peer_add", "register_route"]

#: Key ids travel inside signature headers: plain ASCII keeps them the same at both ends.
_KEY_ID = re.compile(r"[A-Za-z0-9._:-]{1,100}")
_SLUG = re.compile(r"[A-Za-z0-9_-]{1,50}")


@transaction.atomic
def client_add(*, client_id: str, name: str, public_key: str) -> Client:
    """Let the agency holding `public_key` call this instance's registers, signing as
    `client_id`; it may ask nothing until it is granted a register for a purpose."""
    errors = _key_id_errors("client_id", client_id) + _public_key_errors(public_key)
    errors += _text_errors("name", name, 200)
    if Client.objects.filter(client_id=client_id).exists():
        errors.append(FieldError("client_id", f"a client {client_id!r} exists already"))
    if errors:
        raise InvalidInput(errors)
    return Client.objects.create(
        client_id=client_id,
        name=name.strip(),
        public_key=_normalised(public_key),
        created_at=clock.now(),
    )


@transaction.atomic
def client_grant(*, client_id: str, register: str, purpose: str) -> Grant:
    """Let the client ask `register` for `purpose` (granting it again changes nothing)."""
    client = _client(client_id)
    errors = _text_errors("purpose", purpose, 100)
    if register not in registers.REGISTERS:
        errors.append(FieldError("register", f"one of {', '.join(registers.REGISTERS)}"))
    if client.revoked_at is not None:
        errors.append(FieldError("client_id", f"the client {client_id!r} was revoked"))
    if errors:
        raise InvalidInput(errors)
    grant, _ = Grant.objects.get_or_create(client=client, register=register, purpose=purpose)
    return grant


@transaction.atomic
def client_revoke(*, client_id: str) -> Client:
    """Refuse the client's requests from now on; revoking twice keeps the first time."""
    client = Client.objects.select_for_update().filter(pk=_client(client_id).pk).get()
    if client.revoked_at is None:
        client.revoked_at = clock.now()
        client.save(update_fields=["revoked_at"])
    return client


@transaction.atomic
def peer_add(
    *, slug: str, name: str, base_url: str, key_id: str, public_key: str, client_id: str
) -> Peer:
    """Record another instance whose registers this one may ask, or change the one with this
    `slug`: where its API is, the key its answers are signed with, and who we are to it."""
    errors = [] if _SLUG.fullmatch(slug) else [FieldError("slug", "letters, digits, - and _")]
    errors += _text_errors("name", name, 200)
    errors += _url_errors(base_url)
    errors += _key_id_errors("key_id", key_id) + _key_id_errors("client_id", client_id)
    errors += _public_key_errors(public_key)
    if errors:
        raise InvalidInput(errors)
    peer, _ = Peer.objects.update_or_create(
        slug=slug,
        defaults={
            "name": name.strip(),
            "base_url": base_url,
            "key_id": key_id,
            "public_key": _normalised(public_key),
            "client_id": client_id,
        },
    )
    return peer


@transaction.atomic
def register_route(*, register: str, peer: str | None) -> RegisterSource | None:
    """Ask `register` of the peer with slug `peer` from now on, or (None) of the local tables."""
    if register not in registers.REGISTERS:
        raise InvalidInput([FieldError("register", f"one of {', '.join(registers.REGISTERS)}")])
    if peer is None:
        RegisterSource.objects.filter(register=register).delete()
        return None
    holder = Peer.objects.filter(slug=peer).first()
    if holder is None:
        raise InvalidInput([FieldError("peer", f"no peer {peer!r}; add it first")])
    source, _ = RegisterSource.objects.update_or_create(
        register=register, defaults={"peer": holder}
    )
    return source


def _client(client_id: str) -> Client:
    client = Client.objects.filter(client_id=client_id).first()
    if client is None:
        raise NotFound(f"no client {client_id!r}")
    return client


def _key_id_errors(field: str, value: str) -> list[FieldError]:
    if _KEY_ID.fullmatch(value):
        return []
    return [FieldError(field, "1 to 100 letters, digits and . _ : -")]


def _public_key_errors(value: str) -> list[FieldError]:
    try:
        signing.parse_public_key(value)
    except ValueError as exc:
        return [FieldError("public_key", f"an Ed25519 public key in base64: {exc}")]
    return []


def _text_errors(field: str, value: str, longest: int) -> list[FieldError]:
    if not value.strip():
        return [FieldError(field, "required")]
    if len(value) > longest:
        return [FieldError(field, f"at most {longest} characters")]
    return []


def _url_errors(value: str) -> list[FieldError]:
    try:
        URLValidator(schemes=["http", "https"])(value)
    except ValidationError:
        return [FieldError("base_url", "an http:// or https:// address")]
    if len(value) > 200:
        return [FieldError("base_url", "at most 200 characters")]
    return []


def _normalised(public_key: str) -> str:
    return signing.encode_public_key(signing.parse_public_key(public_key))
