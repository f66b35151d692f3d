"""Answering another agency: which client signed, whether its grant covers the query, and the
answer from this instance's own registers, with the access recorded for the person."""

from __future__ import annotations

from django.db import transaction

from publica.core.actors import SystemActor
from publica.exchange.adapters import Answer, NotAuthorised, Query
from publica.exchange.local import LocalAdapter
from publica.exchange.models import Client, Grant
from publica.exchange.services.access import access_record_register_read

__all__ = ["EXCHANGE_API", "client_for_key", "query_answer"]

EXCHANGE_API = SystemActor("exchange-api")


def client_for_key(*, key_id: str) -> Client | None:
    """The client whose signatures carry `key_id`, unless it was revoked."""
    return Client.objects.filter(client_id=key_id, revoked_at__isnull=True).first()


@transaction.atomic
def query_answer(*, client: Client, query: Query) -> Answer:
    """Answer `client`'s `query` from the local registers, never from another peer, and
    record the access in the person's log under the client's name.

    `NotAuthorised` unless a grant lets the client ask that register for that purpose.
    """
    granted = Grant.objects.filter(client=client, register=query.register, purpose=query.purpose)
    if not granted.exists():
        raise NotAuthorised(
            f"{client.name} may not ask the {query.register} register for {query.purpose!r}"
        )
    answer = LocalAdapter().query(query)
    access_record_register_read(query=query, answer=answer, actor=EXCHANGE_API, agency=client.name)
    return answer
